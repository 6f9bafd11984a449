/* SPDX-License-Identifier: MIT */
/*
 * The hart's decoded-instruction cache. Guest code is decoded once into
 * `struct rv_dinsn` slots, one slot per 2-byte parcel of a 4 KiB page, and
 * run from there by the threaded interpreter (exec.c).
 *
 * Pages are keyed by their HOST address, so one decoded page serves every
 * guest-virtual alias and both privilege modes; the virtual-to-host step is
 * the X TLB entry, which also carries the decoded page (rv_tlb.xd). A slot is
 * a pure function of the page's bytes at decode time (an instruction that
 * straddles into the next page is never decoded: it runs through the
 * one-instruction path every time).
 *
 * Staying correct (RISC-V unprivileged spec, "Zifencei"):
 *  - Stores by this hart to a decoded page reset the slots they overlap at
 *    once, before the next instruction: this hart's W TLB never lets a store
 *    to such a page take the fast path (RV_TLB_CODE), so every such store
 *    passes rv_dcache_note_write.
 *  - fence.i, a remote fence.i through SBI, an HSM start and every
 *    rv_hart_flush_local reset every page (lazily: a page's slots are cleared when it is next
 *    entered), which covers stores by other harts and by devices; a page
 *    whose bytes still equal the snapshot its slots were decoded from
 *    (rv_dpage.shadow) keeps them, as fetching it again would decode the same.
 *    On a one-hart machine the bytes are not even compared when guest RAM
 *    was not written behind the hart's back since the snapshot: devices'
 *    DMA (virtio used entries), axvm_addrspace_write, the walk's A/D
 *    updates, SBI shared-memory records and flush requests from other
 *    threads all move axvm_addrspace_write_count, and this hart's own
 *    stores already cleared shadow_valid.
 *  - sfence.vma, satp writes and a remote sfence.vma flush the TLB only, so
 *    the virtual-to-host step is redone; the decoded pages stay valid because
 *    they are keyed by host page.
 *  - An address-space change (generation) frees everything: host pages may
 *    have been unmapped.
 * Pages are freed only at a safe point (no slot pointer live): at the start
 * of a batch or when the interpreter re-enters through a lookup.
 */
#ifndef AXVM_ARCH_RISCV64_DCACHE_H
#define AXVM_ARCH_RISCV64_DCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/riscv64/insn_table.h"

/* One decoded instruction (24 bytes). */
struct rv_dinsn {
	/*
	 * exec.c's handler for `op`, so dispatch is one load and one jump; set
	 * by exec.c when it decodes the slot; NULL until then (a new page is
	 * calloc'd or memset, a store to the slot resets it), which exec.c
	 * dispatches to its decoder.
	 */
	const void *fn;
	int32_t imm; /* immediate; for RV_DOP_GENERIC the raw instruction bits */
	union {
		/* the (expanded) 32-bit instruction */
		uint32_t insn;
		/* branch/jal with target >= 0: bytes from this slot to the target's */
		int32_t delta;
		/* fused add + load/store: the add's length in parcels */
		uint32_t first_step;
	};
	uint8_t rd; /* destination; x0 is written to the sink x[32] */
	uint8_t rs1;
	uint8_t rs2;
	uint8_t op; /* enum rv_dop */
	/*
	 * exec.c's count of runs of slots starting here (taken branches to it,
	 * entries), up to rv_jit_slot_hot: only then does it ask the translator
	 * (rv_jit_try), whose table of the page is cold memory for code that
	 * runs a few times (a Debian boot: most of rv_jit_try's time was that
	 * load). 0 when decoded.
	 */
	uint8_t hot;
	uint8_t step; /* length in 2-byte parcels: 1 or 2 (fused: 2 to 4) */
	/*
	 * Slot of an in-page branch/jal target, or -1; auipc, loads and stores:
	 * the instruction's offset in its page; fused pairs with two
	 * destinations: the first one.
	 */
	int16_t target;
};

/* Operations of decoded slots (exec.c has one handler per operation). */
enum rv_dop {
	RV_DOP_DECODE = 0, /* not decoded yet */
	RV_DOP_STEP,	   /* fetch and execute through the one-instruction path */
	RV_DOP_GENERIC,	   /* execute `insn` through interp.c */
	RV_DOP_PAGE_END,   /* the slot after the last parcel: continue on the next page */
	RV_DOP_NOP,
/* clang-format off */
/* insn_table.h's lui/auipc/jal/jalr rows (RV_INSN_JUMP), in table order. */
#define RV_DOP_JUMP_ENUM(n, s, ...) RV_DOP_##n,
	RV_INSN_JUMP(RV_DOP_JUMP_ENUM)
#undef RV_DOP_JUMP_ENUM
/*
 * insn_table.h's branch, load and store rows, one operation each, in
 * table order: each group is contiguous, loads and stores adjacent
 * (predecode.c, exec.c and jit.c test the ranges).
 */
#define RV_DOP_ROW_ENUM(n, s, ...) RV_DOP_##n,
	RV_INSN_BRANCH(RV_DOP_ROW_ENUM) RV_INSN_LOAD(RV_DOP_ROW_ENUM) RV_INSN_STORE(RV_DOP_ROW_ENUM)
#undef RV_DOP_ROW_ENUM
/* The integer ALU rows of insn_table.h, one operation each, in table order. */
#define RV_DOP_ALU_ENUM(n, s, opc, mask, match, fmt, ext, jx, expr) RV_DOP_##n,
	RV_INSN_ALU(RV_DOP_ALU_ENUM)
#undef RV_DOP_ALU_ENUM
	/* clang-format on */
	/*
	 * F/D: loads and stores that hit the TLB, and the arithmetic straight
	 * into fpu.c; rd/rs2 are f registers (never the x0 sink). With FS off,
	 * or anything the fast path does not handle, they run as GENERIC.
	 */
	RV_DOP_FLW,
	RV_DOP_FLD,
	RV_DOP_FSW,
	RV_DOP_FSD,
	RV_DOP_FPU,
	/*
	 * Two instructions in one slot (RISC-V's own fusion idioms); the second
	 * keeps its own slot for jumps into it, and instret counts both.
	 */
	RV_DOP_ZEXTW,  /* slli rd, rs, 32; srli rd, rd, 32 */
	RV_DOP_LI,     /* lui rd, hi; addi(w) rd, rd, lo (when the result fits imm) */
	RV_DOP_SHIFTS, /* slli t, rs, a; srli rd, t, b (t in .target, a | b << 8 in .imm) */
		       /*
			* add t, rs1, rs2 then a load into rd / a store of rd at imm(t): t in
			* .target, the add's length in .first_step; a TLB miss retires the add alone.
			*/
#define RV_DOP_ADD_ENUM(n, s, ...) RV_DOP_ADD_##n,
	RV_INSN_LOAD(RV_DOP_ADD_ENUM) RV_INSN_STORE(RV_DOP_ADD_ENUM)
#undef RV_DOP_ADD_ENUM
	    RV_DOP_COUNT
};

#define RV_DPAGE_SLOTS 2048u /* 4 KiB / 2-byte parcels */

struct rv_jit_page;

struct rv_dpage {
	uintptr_t host;		 /* host address of the page */
	struct rv_jit_page *jit; /* its translations (jit.h), or NULL */
	/*
	 * jit's table is valid while this equals the translator's generation
	 * (0 = stale): here rather than in the table, so that the check and
	 * dp->jit share a cache line (rv_jit_try runs at every taken branch of
	 * interpreted code).
	 */
	uint64_t jit_gen;
	uint64_t epoch; /* slots are valid only while this equals rv_dcache.epoch */
	/*
	 * While shadow_valid, every slot was decoded from `shadow`, the page's
	 * bytes when its slots were last reset, so at a new epoch (fence.i)
	 * a page whose bytes still equal it keeps its slots and translations.
	 * This hart's own store to the page clears it (slots decoded after
	 * that read the page itself, and the next epoch resets them all).
	 */
	bool shadow_valid;
	/*
	 * axvm_addrspace_write_count when the shadow was last known equal to
	 * the page: while the count has not moved, on a single-hart machine,
	 * nobody but this hart wrote guest RAM, and its own stores clear
	 * shadow_valid, so a new epoch keeps the page without comparing.
	 */
	uint64_t writes;
	struct rv_dpage *spare_next; /* on rv_dcache.spare: the next unused page */
	bool ref;		     /* entered since the last eviction (dcache_evict) */
	struct rv_dinsn slot[RV_DPAGE_SLOTS + 1]; /* + the RV_DOP_PAGE_END sentinel */
	uint8_t shadow[4096];
};

/* Hash buckets (host page -> decoded page): open addressing, at most half full. */
#define RV_DCACHE_BUCKET_BITS 12
#define RV_DCACHE_BUCKETS (1u << RV_DCACHE_BUCKET_BITS)
/*
 * 2048 pages: 106 MiB of slots and snapshots per hart at most (only the
 * pages a hart runs code from become resident). When full, the pages not
 * entered since the previous eviction go (at least half of them;
 * dcache.c's dcache_evict), with their translations. A Debian boot runs
 * code from 1,776 pages: at 1024 it evicted 6 times and translated 27,700
 * blocks where 20,500 do, and its translated-code share of user-space
 * samples was 59-64% instead of 67-69%; at 512, 106 times.
 */
#define RV_DCACHE_MAX_PAGES 2048u
/* Pages (and tables) calloc'd before the arenas are mapped (rv_dcache.pages_arena). */
#define RV_DCACHE_ARENA_AFTER 64u
_Static_assert(RV_DCACHE_BUCKETS >= 2 * RV_DCACHE_MAX_PAGES, "probe chains end at an empty bucket");

struct rv_dcache {
	struct rv_dpage **bucket; /* open addressing; NULL = the cache is off */
	unsigned pages;
	unsigned max_pages; /* RV_DCACHE_MAX_PAGES (tests lower it) */
	uint64_t epoch;
	bool free_pending; /* free every page at the next safe point */
	/*
	 * Pages freed while the hart runs, kept for reuse (with their
	 * translation tables): a fresh 53 KiB page from malloc is a dozen host
	 * page faults and a memset each time, and a Debian boot makes 5,000.
	 * Pages in use plus spare ones never exceed max_pages.
	 */
	struct rv_dpage *spare;
	/* exec.c's handler for RV_DOP_PAGE_END (set before any page exists). */
	const void *page_end_fn;
	/* Counters for tests and profiling. */
	uint64_t decoded;     /* slots decoded */
	uint64_t resets;      /* pages whose slots were reset (epoch change) */
	uint64_t kept;	      /* pages kept at an epoch change: bytes equal to the shadow */
	uint64_t unwritten;   /* ... of which kept without comparing: no write counted since */
	uint64_t frees;	      /* times every page was freed, or the cache was full (dcache_evict) */
	uint64_t slot_writes; /* stores that reset slots of a decoded page */
	uint64_t adds;	      /* pages added (a new host page, or one evicted and entered again) */
	/*
	 * Where new pages and their translator tables (jit.h's rv_jit_page)
	 * come from: RV_DCACHE_MAX_PAGES of each reserved at init as one
	 * mapping marked for transparent huge pages, handed out in order and
	 * never returned before destroy (an evicted page is reused with its
	 * table through `spare`). Separate allocations were a host page fault
	 * per 4 KiB touched, each costly in a virtualized host: a Debian boot
	 * made 13,700 faults, 1,400 with both arenas. The first
	 * RV_DCACHE_ARENA_AFTER of each come from calloc and the arena is
	 * mapped only then, so that a small guest does not zero 2 MiB huge
	 * pages for a few decoded pages; past an arena's end (or without the
	 * mapping), calloc again.
	 */
	struct rv_dcache_arena {
		uint8_t *base; /* NULL: not mapped (yet, or the mapping failed) */
		size_t size, unit;
		unsigned used, cap, before;
		bool mapped; /* the mapping was tried */
	} pages_arena, tables_arena;
};

struct rv_hart;

/* Allocate the table; on failure the hart runs without a cache (slower, still correct). */
void rv_dcache_init(struct rv_dcache *dc);
void rv_dcache_destroy(struct rv_dcache *dc);

/* The decoded page of a host page, or NULL (vCPU thread). */
struct rv_dpage *rv_dcache_find(const struct rv_dcache *dc, uintptr_t host_page);

/*
 * The decoded page for the host page of the X TLB entry that maps pc, made
 * current (slots reset if its epoch is old), recorded in the entry; NULL if
 * the cache is off or full of pages it could not free yet. Safe point only.
 */
struct rv_dpage *rv_dcache_enter(struct rv_hart *h, uint64_t pc, uintptr_t host_page);

/* A zeroed translator table for a page (jit.c), or NULL; freed with the page. */
struct rv_jit_page *rv_dcache_new_jit_page(struct rv_dcache *dc);

/* Reset every page (fence.i, remote fence.i): cheap, lazy. Any time. */
void rv_dcache_invalidate_all(struct rv_hart *h);
/* Free every page at the next safe point (address-space change). Any time. */
void rv_dcache_free_all(struct rv_hart *h);
/* Carry out a pending free. Safe point only. */
void rv_dcache_sync(struct rv_hart *h);

/*
 * A store by this hart is about to change [host, host + len) of a page that
 * may hold decoded slots: reset the slots it overlaps.
 */
void rv_dcache_note_write(struct rv_hart *h, uintptr_t host, unsigned len);

/*
 * The slot at `slot` of dp as rv_dcache_decode would make it, into *d,
 * leaving dp alone: the translator reads ahead through slots exec.c has not
 * reached yet (their fn stays exec.c's decode handler).
 */
void rv_dcache_decode_into(const struct rv_hart *h, const struct rv_dpage *dp, unsigned slot,
			   struct rv_dinsn *d);
/* Decode the instruction at `off` in dp (exec.c's RV_DOP_DECODE). */
void rv_dcache_decode(struct rv_hart *h, struct rv_dpage *dp, unsigned slot);

#endif
