/* SPDX-License-Identifier: MIT */
/*
 * The software RISC-V hart (RV64IMAFDC, Zicsr, Zifencei, Zicntr, optional
 * Sstc; S- and U-mode; Sv39/Sv48), following the RISC-V unprivileged spec
 * and the privileged spec's supervisor-level ISA (chapter "Supervisor-Level
 * ISA"). Everything the guest kernel handles itself (its page faults,
 * illegal instructions, ecall from U, interrupts) is delivered to its stvec
 * as hardware with full delegation would; what a hypervisor would see comes
 * back from rv_hart_run() as a VM exit (see DESIGN.md, "The software hart's
 * contract").
 *
 * Threads: the hart belongs to its vCPU thread. Other threads may only use
 * the functions marked (any thread) below: they touch the atomic words
 * `pending`, `events`, `wake_seq`, `flush_req` and `timecmp` and wake a
 * sleeping hart through hal->wake.
 */
#ifndef AXVM_ARCH_RISCV64_HART_H
#define AXVM_ARCH_RISCV64_HART_H

#include <stdbool.h>
#include <stdint.h>

#include "axvm/addrspace.h"
#include "axvm/device.h"
#include "axvm/exit.h"
#include "axvm/hal.h"
#include "axvm/log.h"
#include "axvm/riscv64.h"

#include "arch/riscv64/dcache.h"
#include "arch/riscv64/fpu.h"
#include "arch/riscv64/sbi_state.h"
#include "arch/riscv64/tlb.h"
#include "arch/riscv64/trigger.h"

/* Privilege modes (the encoding of sstatus.SPP / mstatus.MPP). */
enum rv_priv {
	RV_PRIV_U = 0,
	RV_PRIV_S = 1,
};

/* Interrupt bits of sip/sie and of rv_hart.pending (bit n = interrupt code n). */
#define RV_IRQ_SSI AXVM_RISCV64_IRQ_SSI
#define RV_IRQ_STI AXVM_RISCV64_IRQ_STI
#define RV_IRQ_SEI AXVM_RISCV64_IRQ_SEI
#define RV_MIP_SSIP (1u << RV_IRQ_SSI)
#define RV_MIP_STIP (1u << RV_IRQ_STI)
#define RV_MIP_SEIP (1u << RV_IRQ_SEI)
/* Sscofpmf's local counter-overflow interrupt (only with the extension on). */
#define RV_IRQ_LCOFI 13u
#define RV_MIP_LCOFIP (1u << RV_IRQ_LCOFI)
#define RV_MIP_S_MASK (RV_MIP_SSIP | RV_MIP_STIP | RV_MIP_SEIP | RV_MIP_LCOFIP)

/* Bits of rv_hart.events. */
#define RV_EVENT_KICK 1u   /* leave run() with AXVM_EXIT_NOTHING */
#define RV_EVENT_FLUSH 2u  /* flush the TLB (see flush_req) */
#define RV_EVENT_IFLUSH 4u /* with it, reset the decoded-instruction cache too */

/* sstatus fields. */
#define RV_SSTATUS_SIE (1ull << 1)
#define RV_SSTATUS_SPIE (1ull << 5)
#define RV_SSTATUS_SPP (1ull << 8)
#define RV_SSTATUS_FS_SHIFT 13
#define RV_SSTATUS_FS (3ull << 13)
#define RV_SSTATUS_SUM (1ull << 18)
#define RV_SSTATUS_MXR (1ull << 19)
#define RV_SSTATUS_UXL (3ull << 32)
#define RV_SSTATUS_UXL_64 (2ull << 32)
#define RV_SSTATUS_SD (1ull << 63)
#define RV_FS_OFF 0u
#define RV_FS_INITIAL 1u
#define RV_FS_CLEAN 2u
#define RV_FS_DIRTY 3u

/* satp modes. */
#define RV_SATP_MODE_SHIFT 60
#define RV_SATP_MODE_BARE 0u
#define RV_SATP_MODE_SV39 8u
#define RV_SATP_MODE_SV48 9u

/* Exception causes (scause with the interrupt bit clear). */
enum rv_exc {
	RV_EXC_INSN_MISALIGNED = 0,
	RV_EXC_INSN_ACCESS = 1,
	RV_EXC_ILLEGAL = 2,
	RV_EXC_BREAKPOINT = 3,
	RV_EXC_LOAD_MISALIGNED = 4,
	RV_EXC_LOAD_ACCESS = 5,
	RV_EXC_STORE_MISALIGNED = 6,
	RV_EXC_STORE_ACCESS = 7,
	RV_EXC_ECALL_U = 8,
	RV_EXC_ECALL_S = 9,
	RV_EXC_INSN_PAGE = 12,
	RV_EXC_LOAD_PAGE = 13,
	RV_EXC_STORE_PAGE = 15,
};
#define RV_CAUSE_INTERRUPT (1ull << 63)

/* Sizes of the statistics tables (struct rv_hart). */
#define RV_STAT_CAUSES 24   /* interrupt and exception codes counted one by one */
#define RV_STAT_SBI_EXTS 24 /* slots of sbi.c's extension table */
#define RV_STAT_SBI_FIDS 17 /* function IDs 0..15, then "16 and above" */

struct axvm_tracer;

struct rv_hart {
	/*
	 * Architectural state (vCPU thread only). x[32] is not a register: decoded
	 * instructions whose rd is x0 write there (dcache.h), so x[0] stays 0.
	 */
	uint64_t x[33];
	uint64_t pc;
	struct rv_fpu fpu;
	enum rv_priv priv;

	/* Supervisor CSRs. sstatus holds SIE SPIE SPP FS SUM MXR; UXL/SD are computed. */
	uint64_t sstatus;
	uint64_t sie;
	uint64_t stvec;
	uint64_t sscratch;
	uint64_t sepc;
	uint64_t scause;
	uint64_t stval;
	uint64_t satp;
	uint64_t scounteren;
	uint64_t senvcfg;
	uint64_t instret;	/* instructions retired (also reported as cycle) */
	uint64_t timer_checked; /* instret when run() last compared time with timecmp */

	/* LR/SC reservation: address and the value LR read (SC is a CAS on it). */
	bool resv_valid;
	uint64_t resv_addr;
	uint64_t resv_value;

	/* Identity and environment. */
	unsigned id; /* hart id == vCPU id */
	void *machine;
	const struct axvm_hal *hal;
	struct axvm_addrspace *as;
	uint64_t timebase_hz;
	uint64_t epoch_ns;
	/* The VM's guest clock (stops while paused); NULL = hal->now_ns. */
	uint64_t (*guest_clock_ns)(void *opaque);
	void *clock_opaque;
	uint64_t run_budget;
	bool sstc;
	/* Extensions on (1ull << AXVM_RISCV64_EXT_*): AXVM_RISCV64_EXT_ALL minus ext_off. */
	uint64_t ext_on;

	/*
	 * Cross-thread words, accessed only with __atomic builtins.
	 * pending:   bit n = interrupt code n pending (sip); STIP is set by the
	 *            hart itself when time >= timecmp.
	 * timecmp:   timer deadline in time ticks (stimecmp / SBI set_timer);
	 *            UINT64_MAX = disarmed.
	 * events:    RV_EVENT_* requests from other threads.
	 * wake_seq:  bumped on every post/kick/flush request; the futex word a
	 *            halted hart sleeps on.
	 * flush_req / flush_done: remote-flush tickets (rv_hart_request_flush).
	 * running:   1 while inside rv_hart_run.
	 */
	uint32_t pending;
	uint64_t timecmp;
	uint32_t events;
	uint32_t wake_seq;
	uint64_t flush_req;
	uint64_t flush_done;
	uint32_t running;

	/* Software TLB and its validity (vCPU thread only). */
	struct rv_tlb tlb;
	uint64_t as_generation;
	/* Set by an instruction that may have enabled an interrupt: ends the batch. */
	bool recheck;
	/* The word FENCE's locked RMW targets (interp_fence; vCPU thread only). */
	uint32_t fence_word;
	/*
	 * Memo of rv_expand_compressed (a pure function of the 16-bit parcel):
	 * 0 = not computed yet, RV_RVC_ILLEGAL = reserved encoding. Never needs
	 * invalidation. NULL if it could not be allocated (expand every time).
	 */
	uint32_t *rvc_memo;
	/* Decoded instructions of the pages this hart runs (dcache.h). */
	struct rv_dcache dc;
	/* The translator (jit.h), NULL when off; a block's exit sets jit_exit_slow. */
	struct rv_jit *jit;
	uint64_t jit_exit_slow;
	struct rv_dpage **jit_xd; /* tlb.xd of the mode the running block runs in */
	/*
	 * Instructions a translated block may run past the end of this batch
	 * (RV_JIT_SLACK, or 0 when the end must be exact: a budget's last
	 * batch, an hpmcounter's wrap, a debugger). Set by run() per batch.
	 */
	int64_t batch_slack;
	/*
	 * The translator's guessed TLB addends, one per guessing load site
	 * (jit.c, jit_tlb): the last addend each site used, so that the load's
	 * address waits for one add instead of the TLB entry's load. Any value
	 * is safe: it is used only when it equals the current entry's.
	 */
#define RV_JIT_GUESSES 512u
	uint64_t jit_guess[RV_JIT_GUESSES];
	/*
	 * The linear RAM region the MMU last found a guest-physical address
	 * in (mmu.c, mmu_ram): a walk's page-table entries and its leaf are
	 * nearly always there, and each lookup in the address space's table
	 * was a binary search (4 per TLB refill). Valid while the address
	 * space's generation is `gen`; size 0 = empty.
	 */
	struct {
		axvm_gpa_t gpa;
		uint64_t size;
		uint8_t *hva;
		uint32_t flags;
		uint64_t gen;
	} mmu_ram;
	/* rv_mmu_refill is walking: a fault leaves the hart untouched (mmu.c). */
	bool mmu_probe;

	/*
	 * Debugger state (debug.c; vCPU thread, or any thread while the hart
	 * is not in run()): the trigger table, single step (`stepped` once
	 * the step's instruction ran), and whether run() must take the
	 * checked one-at-a-time path.
	 */
	struct {
		struct rv_triggers trig;
		bool step;
		bool stepped;
		bool active;
	} dbg;

	/* Rate-limit state for the SBI layer's guest diagnostics (this hart's thread only). */
	struct axvm_ratelimit sbi_log_limit;
	/* PMU counters, FWFT features, steal-time memory (sbi_state.h). */
	struct rv_sbi_hart sbi;

	/*
	 * Statistics (axvm/stats.h): written by this hart's thread only, read
	 * by others with relaxed atomic loads (rv_hart_read_counters). Traps
	 * by cause code; SBI calls by the extension's slot in sbi.c's table
	 * and function ID (IDs past the last slot share it).
	 */
	struct axvm_tracer *tracer;
	uint64_t stat_interrupts[RV_STAT_CAUSES];
	uint64_t stat_exceptions[RV_STAT_CAUSES];
	uint64_t stat_sbi[RV_STAT_SBI_EXTS][RV_STAT_SBI_FIDS];
	uint64_t stat_sbi_unserved; /* extensions left to the embedder (Hypercall exits) */

	/*
	 * Trapped CSRs (vCPU thread): whether an unclaimed one is an illegal
	 * instruction (set when a machine attaches the hart), the VM's lookup
	 * that says which are claimed (from setup; NULL = every custom CSR
	 * exits), and a read-modify-write split into a SysRegRead exit into
	 * csr_tmp and, at the next run(), the SysRegWrite exit.
	 */
	bool csr_unclaimed_illegal;
	bool (*sysreg_claimed)(void *opaque, uint64_t addr);
	void *sysreg_opaque;
	/* The VM's MMIO fast path (axvm_vcpu_setup_info.mmio_access; NULL = always exit). */
	int (*mmio_access)(void *opaque, uint64_t addr, unsigned width, uint64_t *value,
			   bool write);
	void *mmio_opaque;
	uint64_t csr_tmp;
	struct {
		bool active;
		uint64_t pc;   /* the CSR instruction's pc */
		uint32_t insn; /* the instruction */
		uint64_t src;  /* rs1's value (or the zimm) when it was first executed */
	} csr_rmw;
};
#define RV_RVC_ILLEGAL UINT32_MAX

/* Hand each of the hart's statistics to fn (any thread; backend read_counters). */
void rv_hart_read_counters(struct rv_hart *h,
			   void (*fn)(void *opaque, const char *name, uint64_t v), void *opaque);
/* One more of the counter only this hart's thread writes. */
static inline void rv_hart_stat_inc(uint64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* Lifecycle (vCPU thread). */
int rv_hart_create(const struct axvm_riscv64_config *cfg, unsigned id, const struct axvm_hal *hal,
		   struct rv_hart **out);
void rv_hart_destroy(struct rv_hart *h);
/* pc = entry, S-mode, satp = 0 (Bare), TLB flushed. */
void rv_hart_reset(struct rv_hart *h, uint64_t entry);
/*
 * The S-mode boot protocol (SBI hart_start and non-retentive resume, the
 * board's first entry): rv_hart_reset at entry, a0 = hart id, a1 = arg.
 * The one place that writes it.
 */
void rv_hart_boot(struct rv_hart *h, uint64_t entry, uint64_t arg);

/*
 * Run guest code until an exit (vCPU thread). Returns 0 with *exit filled, or
 * a negative AXVM_E* for a host-side failure (the SBI layer's errors).
 */
int rv_hart_run(struct rv_hart *h, struct axvm_exit *exit);

/*
 * Sleep until an interrupt is pending and enabled in sie, the timer deadline
 * passes (STIP then becomes pending), a kick, or timeout_ns (vCPU thread).
 */
int rv_hart_wait_for_interrupt(struct rv_hart *h, uint64_t timeout_ns);

/* Current guest time in ticks of timebase_hz (any thread). */
uint64_t rv_hart_time(const struct rv_hart *h);

/*
 * SBI set_timer (vCPU thread, or any thread): clear STIP and arm the
 * deadline; STIP becomes pending when time >= deadline.
 */
void rv_hart_set_timer(struct rv_hart *h, uint64_t deadline);

/* (any thread) Make interrupt `code` (1, 5 or 9) pending / not pending; wakes a halted hart. */
void rv_hart_post_interrupt(struct rv_hart *h, unsigned code);
void rv_hart_clear_interrupt(struct rv_hart *h, unsigned code);

/*
 * (any thread) Set bits in h->sbi.sse.signal (an SSE event may have become
 * deliverable there): the hart looks at its next batch boundary; wakes a
 * halted hart.
 */
void rv_hart_signal_sse(struct rv_hart *h, uint32_t bits);

/* (any thread) Make run() return AXVM_EXIT_NOTHING soon; wakes a halted hart. */
void rv_hart_kick(struct rv_hart *h);

/*
 * (any thread) Ask the hart to flush its TLB and decoded-instruction cache
 * before it executes its next instruction. Returns a ticket; the flush is
 * done when rv_hart_flush_done(h, ticket) is true. A hart that is not inside
 * run() flushes at the start of its next run(), before any instruction, so a
 * caller only needs to wait (kick + poll flush_done) when rv_hart_is_running.
 */
uint64_t rv_hart_request_flush(struct rv_hart *h);
/*
 * The same for the TLB only (a remote sfence.vma): decoded instructions are
 * keyed by host page, so a new mapping needs no re-decode.
 */
uint64_t rv_hart_request_tlb_flush(struct rv_hart *h);
bool rv_hart_flush_done(const struct rv_hart *h, uint64_t ticket);
bool rv_hart_is_running(const struct rv_hart *h);

/*
 * Make a custom CSR that no sysreg device claims (per the VM's lookup given
 * at setup) an illegal instruction rather than an exit (before the hart runs).
 */
void rv_hart_set_csr_unclaimed_illegal(struct rv_hart *h, bool on);

/* Flush the TLB and reset the decode cache now (vCPU thread). */
void rv_hart_flush_local(struct rv_hart *h);
/* Flush the TLB only, now (vCPU thread). */
void rv_hart_flush_tlb_local(struct rv_hart *h);
/* Carry out this hart's pending flush requests now, if any (vCPU thread). */
void rv_hart_service_flush(struct rv_hart *h);

/*
 * ---- internal to src/arch/riscv64: the execution engines (hart.c, exec.c,
 * interp.c), mmu.c, csr.c, amo.c and the SBI layer (sbi_legacy.c) ----
 */

/* Outcome of one executed instruction or helper. */
enum rv_step {
	RV_STEP_NEXT = 0, /* continue (a trap may have been delivered to the guest) */
	RV_STEP_EXIT = 1, /* *exit is filled: return it from run() */
};

/* Deliver an exception to the guest's stvec (pc = the faulting instruction). */
void rv_hart_raise(struct rv_hart *h, enum rv_exc cause, uint64_t tval);
/*
 * Enter S-mode as a trap does, without touching pc or the cause CSRs (the
 * caller's: rv_hart_raise, an SSE event's entry): SPP from the mode, SPIE
 * from SIE, SIE cleared, the reservation dropped, the PMU told of a change
 * from U.
 */
void rv_hart_enter_s(struct rv_hart *h);
/* Execute one instruction at h->pc. Returns RV_STEP_* or a negative AXVM_E*. */
int rv_interp_step(struct rv_hart *h, struct axvm_exit *exit);
/*
 * Complete a CSR read-modify-write whose read half left run() (h->csr_rmw):
 * RV_STEP_EXIT with the SysRegWrite exit, or RV_STEP_NEXT if nothing was
 * pending (or pc moved meanwhile: the pending half is dropped).
 */
int rv_interp_csr_rmw_finish(struct rv_hart *h, struct axvm_exit *exit);
/*
 * Execute up to n instructions, stopping early after one that sets
 * h->recheck or does not return RV_STEP_NEXT; *done = instructions executed.
 * Returns the last step's result.
 */
int rv_interp_batch(struct rv_hart *h, uint64_t n, uint64_t *done, struct axvm_exit *exit);
/*
 * The same from decoded slots (exec.c), also stopping after exactly n.
 */
int rv_exec_batch(struct rv_hart *h, uint64_t n, uint64_t *done, struct axvm_exit *exit);
/* Execute one expanded instruction without fetching it (interp.c). */
int rv_interp_exec(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		   struct axvm_exit *exit);
/* The sstatus value as the guest reads it (UXL, SD filled in). */
uint64_t rv_hart_sstatus_read(const struct rv_hart *h);
/* pending & sie after raising STIP if the deadline passed (what wfi waits for). */
uint32_t rv_hart_pending_enabled(struct rv_hart *h);
/* Read / write a CSR other than the trapped custom ones: 0, or -1 = illegal instruction. */
int rv_csr_read(struct rv_hart *h, unsigned csr, uint64_t *val);
int rv_csr_write(struct rv_hart *h, unsigned csr, uint64_t val);
/* CSR numbers that leave run() as SysRegRead/SysRegWrite exits (the custom ranges). */
static inline bool rv_csr_is_trapped(unsigned csr)
{
	unsigned lo = csr & 0x3ff, top = csr >> 10;

	return lo >= 0x1c0 && lo <= 0x1ff && (top == 1 || top == 2 || top == 3) &&
	       ((csr >> 8) & 3) == 1;
}
/* Mark the FP state dirty (after any write to f registers or fcsr). */
static inline void rv_hart_fs_dirty(struct rv_hart *h)
{
	h->sstatus |= RV_SSTATUS_FS;
}
static inline bool rv_hart_fs_off(const struct rv_hart *h)
{
	return (h->sstatus & RV_SSTATUS_FS) == 0;
}

#endif
