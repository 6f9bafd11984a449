/* SPDX-License-Identifier: MIT */
/*
 * The translator (first tier): hot guest code, as the predecoder left it in
 * decoded slots (dcache.h), becomes x86-64 host code.
 *
 * Unit: a superblock inside one decoded page, from a hot entry slot through
 * fall-through paths (conditional branches leave it when taken), ending at a
 * jal/jalr, an instruction it does not translate, or a length limit.
 * What is translated and how comes from insn_table.h where the instruction
 * is a table row: each ALU row's translation column (inline x86 recipes for
 * RV64I/M, a call of a function generated from the row's semantics for
 * Zba/Zbb/Zbc/Zbs/Zicond), the load/store/branch rows' load kinds, sizes
 * and conditions, the CBO rows' fast helpers (cmo.c), the jump rows'
 * values and targets (lui/auipc/jal/jalr, one recipe per kind). Also
 * inline: the fused pairs, F/D loads and stores that hit the
 * software TLB, FENCE. Direct calls: F/D arithmetic (fpu.c), LR/SC and
 * AMOs (insn_table.h's AMO rows: rv_amo_fast_run with the row's helper); a call that cannot finish
 * changes nothing and leaves. The Zicsr accesses of jit_csr.c's list (sstatus, sie, sip, the trap
 * CSRs, time) through rv_jit_csr_run, which leaves the block after a write that makes an
 * interrupt deliverable. Everything else (other CSRs, fence.i, system) ends the block before it and
 * runs in exec.c / interp.c, as does a load or store that misses the TLB: the block leaves with pc
 * at that instruction and every earlier one retired.
 *
 * Exactness: exec.c calls a block only where it would dispatch the entry
 * slot (a taken branch or jump, a page entry); the block's first act is to
 * compare the batch's remaining budget with its own length and leave at
 * once when it does not fit, so a batch (run_budget, a single step) stops
 * exactly where the interpreter would, and interrupts are taken between
 * batches exactly as before. Every exit subtracts the instructions retired
 * on its path.
 *
 * Invalidation: a page's translations hang off its decoded page
 * (rv_dpage.jit) and die with it: dcache.c calls rv_jit_page_invalidate
 * whenever it resets slots (own stores, fence.i and its remote form, a new
 * epoch) and frees them with the page (address-space change, cache full).
 * Blocks chain directly only to blocks of their own page, which die
 * together; a jump to another page goes back to exec.c.
 *
 * Code memory: one memfd mapped twice, RW for emitting and RX for running,
 * never writable and executable at once. When it is full everything is
 * dropped (every page's table is stale by generation) and emission restarts.
 *
 * Only on x86-64 Linux hosts (and not with -DAXVM_NO_JIT, which builds that
 * path here); elsewhere rv_jit_create fails and the hart runs without it.
 */
#ifndef AXVM_ARCH_RISCV64_JIT_H
#define AXVM_ARCH_RISCV64_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/riscv64/dcache.h"

/* Per hart; only what is used becomes resident. A Debian boot uses 39 MB. */
#define RV_JIT_DEFAULT_CACHE (64u << 20)
#define RV_JIT_MIN_CACHE (8u << 10)

/*
 * A decoded page's translations, valid while rv_dpage.jit_gen is the
 * translator's generation: per slot, the entry of the block starting there
 * and the times exec.c reached it untranslated, side by side (one cache
 * line for both in rv_jit_try).
 */
struct rv_jit_slot {
	const void *entry; /* RX address of the block starting there, or NULL */
	uint16_t count;
};
/*
 * A chain exit of one of the page's blocks to a slot that had no block
 * when it was emitted: a jmp (rel32 at cache offset `at`) to the exit's
 * table lookup, pointed at the slot's block once it is translated (jit.c,
 * jit_patch_chains). Both blocks belong to this page and this generation,
 * so they die together: nothing is ever unpatched.
 */
#define RV_JIT_PATCHES 64u
struct rv_jit_patch {
	uint32_t at;
	uint16_t slot;
};
struct rv_jit_page {
	struct rv_jit_slot s[RV_DPAGE_SLOTS];
	unsigned npatch; /* pending chain patches of this generation */
	struct rv_jit_patch patch[RV_JIT_PATCHES];
};

/* Counters for tests and profiling. */
struct rv_jit_stats {
	uint64_t blocks;       /* blocks translated */
	uint64_t guest_insns;  /* guest instructions in them */
	uint64_t code_bytes;   /* host code bytes emitted */
	uint64_t translate_ns; /* thread CPU time spent translating (AXVM_JIT_STATS=1 only) */
	uint64_t flushes;      /* times the code cache was emptied (full) */
	uint64_t failed;       /* entries that could not be translated */
	uint64_t runs;	       /* blocks entered from exec.c */
	uint64_t asks;	       /* rv_jit_try calls (exec.c counts cold slots itself) */
	uint64_t refills;      /* TLB misses of translated loads/stores refilled without leaving */
	uint64_t insns;	       /* guest instructions retired in blocks */
	uint64_t patched;      /* chain exits patched into direct jumps (jit_patch_chains) */
	/*
	 * With AXVM_JIT_STATS=1 only (profiling): the operation a block left
	 * at for the interpreter to run (slow exits), by enum rv_dop, and for
	 * RV_DOP_GENERIC by major opcode (insn bits 6..0).
	 */
	uint64_t slow_exit_op[RV_DOP_COUNT];
	uint64_t slow_exit_generic[128];
	/* ... and for Zicsr instructions by CSR number (insn bits 31..20). */
	uint64_t slow_exit_csr[4096];
};

struct rv_jit;
struct rv_hart;

/* A code cache of cache_size bytes (0 = default); NULL if unavailable (not x86-64, no memfd). */
struct rv_jit *rv_jit_create(size_t cache_size);
void rv_jit_destroy(struct rv_jit *j);
const struct rv_jit_stats *rv_jit_stats(const struct rv_jit *j);
/* True if this build can translate at all (x86-64 host). */
bool rv_jit_supported(void);

/*
 * The most instructions one pass of a block retires, and so what a block
 * may overrun a batch whose end need not be exact (rv_hart.batch_slack).
 */
#define RV_JIT_SLACK 64

/*
 * Runs of slots exec.c counts at a slot itself (rv_dinsn.hot) before it
 * asks rv_jit_try there, which counts the rest of the hot threshold.
 */
unsigned rv_jit_slot_hot(const struct rv_jit *j);

/*
 * exec.c is about to dispatch slot `slot` of dp (at guest pc page_va + 2 *
 * slot) with *left instructions of the batch still to start. Count it,
 * translate it when hot, and run its block if there is one: true if the
 * block ran (h->pc, *left updated; h->jit_exit_slow set if the instruction
 * at h->pc must run in the interpreter before any block is tried there).
 * With h->batch_slack, a block longer than *left still runs, and *left
 * may come back negative, by at most the slack. The caller runs it inside
 * rv_fpu_host_env_enter/leave (the inline FP path's MXCSR, jit_fpu_inline).
 * `counted`: exec.c has counted rv_jit_slot_hot runs in the slot itself
 * (rv_dinsn.hot); else this counts there first, when there is no block.
 */
bool rv_jit_try(struct rv_hart *h, struct rv_dpage *dp, unsigned slot, uint64_t page_va,
		int64_t *left, bool counted);

/* dcache.c: the page's slots were reset, or it is being freed. */
static inline void rv_jit_page_invalidate(struct rv_dpage *dp)
{
	dp->jit_gen = 0;
}

#endif
