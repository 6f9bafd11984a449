/* SPDX-License-Identifier: MIT */
/*
 * The SBI served by the VMM (RISC-V SBI specification v3.0): the guest has no
 * firmware, so every ecall from S-mode lands here. Calls that stay inside one
 * hart (Base, TIME, IPI, RFENCE, HSM status, DBCN, PMU, STA, FWFT, DBTR, SSE,
 * legacy console) are answered at once; calls that concern the whole VM or
 * start/stop harts (HSM hart_start/hart_stop, SRST, legacy shutdown) become
 * generic exits (CpuUp, CpuDown, SystemDown) for the runtime, suspends (HSM
 * hart_suspend, SUSP system_suspend) Halt exits; extensions not in the table
 * become Hypercall exits (an embedder's own extension). Not served (probe
 * answers 0): CPPC, NACL, MPXY.
 *
 * Dispatch follows Linux KVM's: a const table of extensions (sbi.c), each
 * with an EID range, an optional probe and a handler, one file per extension
 * (sbi_<ext>.c).
 *
 * Threads: rv_sbi_ecall runs on the calling hart's vCPU thread; handlers touch
 * other harts only through their (any thread) functions in hart.h.
 */
#ifndef AXVM_ARCH_RISCV64_SBI_H
#define AXVM_ARCH_RISCV64_SBI_H

#include <stdbool.h>
#include <stdint.h>

#include "axvm/exit.h"

#include "arch/riscv64/sbi_state.h"

struct rv_hart;
struct rv_machine;

/*
 * Called by the hart on every ecall from S-mode, with pc already past the
 * ecall. Returns > 0: handled, resume the guest (a0/a1 set by the handler);
 * 0: return *exit from run() (a0/a1 already hold the call's result); < 0: a
 * negative AXVM_E* error. An unknown function of an extension we serve is
 * answered with SBI_ERR_NOT_SUPPORTED in a0. An extension we do not serve
 * returns 0 with an AXVM_EXIT_HYPERCALL exit (nr = EID, fid = FID, args =
 * a0..a5) and a0/a1 preset to SBI_ERR_NOT_SUPPORTED/0, so the VMM may answer
 * it (a0 = error, a1 = value) or let the guest see NOT_SUPPORTED.
 */
int rv_sbi_ecall(struct rv_hart *h, struct axvm_exit *exit);

/* ---- the per-hart SBI state (sbi_state.h), for the hart ---- */

/* At creation: counters as after reset, features at their reset values. */
void rv_sbi_hart_init(struct rv_hart *h);
/*
 * The hart stopped (HSM hart_stop): FWFT's local features return to their
 * reset values and unlock, steal-time reporting stops (the spec resets
 * local features on hart reset; a restarted Linux CPU registers again).
 */
void rv_sbi_hart_stop(struct rv_hart *h);
/* FWFT PTE_AD_HW_UPDATING's reset: A/D updating off (Svade and Svadu both offered). */
bool rv_sbi_fwft_ad_hw_off_at_reset(const struct rv_hart *h);
/* Value of PMU hardware counter idx (< RV_PMU_NUM_HW) as its CSR reads it. */
uint64_t rv_sbi_pmu_hw_read(const struct rv_hart *h, unsigned idx);
/*
 * SSE (sbi_sse.c): at an instruction boundary, with h->sbi.sse.signal set,
 * deliver the highest-priority deliverable event (the hart enters its
 * handler), or clear the signal when none is. True if one was delivered.
 */
bool rv_sbi_sse_deliver(struct rv_hart *h);
/*
 * An hpmcounter overflowed (sbi_pmu.c): true if the guest's SSE PMU-overflow
 * event took it (now pending), false if LCOFI is to be raised instead.
 */
bool rv_sbi_sse_pmu_overflow(struct rv_hart *h);
/* Whether an SSE event could be delivered now (a wfi must not halt). */
bool rv_sbi_sse_ready(struct rv_hart *h);
/* The hart stopped: its DBTR triggers and shared memory go, its local SSE event resets. */
void rv_sbi_dbtr_hart_stop(struct rv_hart *h);
void rv_sbi_sse_hart_stop(struct rv_hart *h);
/* scountovf (Sscofpmf): the hpmcounters' OF bits. */
uint64_t rv_sbi_pmu_scountovf(const struct rv_hart *h);
/*
 * The hart changed privilege mode (h->priv is the new one; h->instret the
 * instructions retired so far): account the old mode's instructions for
 * the mode-filtered counters and move the overflow point.
 */
void rv_sbi_pmu_mode_change(struct rv_hart *h, unsigned from);
/*
 * The run loop reached h->sbi.pmu.wrap_at: set the OF bit of every
 * hpmcounter that wrapped, raise LCOFI for those whose OF was clear, and
 * compute the next wrap point.
 */
void rv_sbi_pmu_overflow(struct rv_hart *h);
/* Bring the steal-time shared memory up to date (before entering the guest). */
void rv_sbi_sta_update(struct rv_hart *h);
/*
 * A misaligned load or store (not an AMO) the hart is about to perform:
 * true if it raised the misaligned exception instead (FWFT delegation on),
 * false after counting it for the PMU (the hart then performs it).
 */
bool rv_sbi_misaligned_access(struct rv_hart *h, uint64_t va, bool store);
/* Count one firmware event (any thread). */
static inline void rv_sbi_pmu_count(struct rv_sbi_hart *s, enum rv_pmu_fw_event ev)
{
	__atomic_fetch_add(&s->pmu.events[ev], 1, __ATOMIC_RELAXED);
}

/* ---- internal to the sbi*.c files ---- */

/* Standard SBI error codes (spec v3.0, table "Standard SBI Errors"). */
#define SBI_SUCCESS 0
#define SBI_ERR_FAILED (-1)
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_DENIED (-4)
#define SBI_ERR_INVALID_ADDRESS (-5)
#define SBI_ERR_ALREADY_AVAILABLE (-6)
#define SBI_ERR_ALREADY_STARTED (-7)
#define SBI_ERR_ALREADY_STOPPED (-8)
#define SBI_ERR_NO_SHMEM (-9)
/* SBI 3.0 additions. */
#define SBI_ERR_INVALID_STATE (-10)
#define SBI_ERR_BAD_RANGE (-11)
#define SBI_ERR_TIMEOUT (-12)
#define SBI_ERR_IO (-13)
#define SBI_ERR_DENIED_LOCKED (-14)

/* Extension IDs. */
#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_CONSOLE_PUTCHAR 0x01
#define SBI_EXT_LEGACY_CONSOLE_GETCHAR 0x02
#define SBI_EXT_LEGACY_CLEAR_IPI 0x03
#define SBI_EXT_LEGACY_SEND_IPI 0x04
#define SBI_EXT_LEGACY_REMOTE_FENCE_I 0x05
#define SBI_EXT_LEGACY_REMOTE_SFENCE_VMA 0x06
#define SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID 0x07
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_LEGACY_LAST 0x0F /* 0x09-0x0F reserved */
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM 0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E
#define SBI_EXT_PMU 0x504D55
#define SBI_EXT_STA 0x535441
#define SBI_EXT_SUSP 0x53555350
#define SBI_EXT_FWFT 0x46574654
#define SBI_EXT_DBTR 0x44425452
#define SBI_EXT_SSE 0x535345

/*
 * What we report through the Base extension: v3.0, whose extensions axvm
 * offers are all served here (FWFT, DBTR through the hart's trigger module,
 * SSE); the ones it does not (CPPC, NACL, MPXY) answer probe with 0.
 */
#define SBI_SPEC_VERSION ((3u << 24) | 0u) /* v3.0: major in bits 30:24 */
/*
 * "axvm" in ASCII. The spec's table of implementation IDs (0 BBL, 1 OpenSBI,
 * 2 Xvisor, 3 KVM, ... 11 bhyve) exists so that guests can key quirks off
 * them: claiming one (say KVM's) would buy us someone else's workarounds. We
 * have no registered ID, so we use one far outside the table.
 */
#define SBI_IMPL_ID 0x6178766dull
#define SBI_IMPL_VERSION 0x000100ull /* axvm 0.1.0 */

/* One SBI call: inputs decoded from the registers, outputs for a0/a1. */
struct rv_sbi_call {
	struct rv_hart *hart;
	struct rv_machine *machine; /* may be NULL (no per-VM state: single hart) */
	uint64_t eid, fid;
	uint64_t args[6];
	/* Results: a0 = error, a1 = value (legacy calls: a0 = error only). */
	int64_t error;
	uint64_t value;
	/* The handler set a0/a1 itself (non-retentive suspend): leave them. */
	bool regs_set;
	/*
	 * The call cannot complete yet (a blocking console write while the
	 * host drains the console): the ecall does not retire, the hart
	 * leaves run() with a Nothing exit (so the VMM can stop it) and
	 * executes the ecall again when it comes back.
	 */
	bool retry;
	struct axvm_exit *exit;
};

/*
 * Handler return contract, as rv_sbi_ecall's: > 0 the call is complete (the
 * dispatcher writes error/value into a0/a1), 0 *exit is filled and must leave
 * run() (a0/a1 are written first), < 0 a host-side AXVM_E* failure.
 */
struct rv_sbi_ext {
	const char *name;
	uint64_t eid_min, eid_max;
	bool legacy; /* v0.1 calling convention: result in a0 only, no FID */
	/* probe_extension's answer; NULL = 1 (available). */
	long (*probe)(const struct rv_sbi_call *call);
	int (*handler)(struct rv_sbi_call *call);
};

extern const struct rv_sbi_ext rv_sbi_ext_base;
extern const struct rv_sbi_ext rv_sbi_ext_time;
extern const struct rv_sbi_ext rv_sbi_ext_ipi;
extern const struct rv_sbi_ext rv_sbi_ext_rfence;
extern const struct rv_sbi_ext rv_sbi_ext_hsm;
extern const struct rv_sbi_ext rv_sbi_ext_srst;
extern const struct rv_sbi_ext rv_sbi_ext_dbcn;
extern const struct rv_sbi_ext rv_sbi_ext_legacy;
extern const struct rv_sbi_ext rv_sbi_ext_pmu;
extern const struct rv_sbi_ext rv_sbi_ext_sta;
extern const struct rv_sbi_ext rv_sbi_ext_susp;
extern const struct rv_sbi_ext rv_sbi_ext_fwft;
extern const struct rv_sbi_ext rv_sbi_ext_dbtr;
extern const struct rv_sbi_ext rv_sbi_ext_sse;

/* The extension in slot `slot` of the table (the hart's SBI statistics), NULL past the end. */
const struct rv_sbi_ext *rv_sbi_ext_at(unsigned slot);

/* The extension serving `eid`, or NULL. */
const struct rv_sbi_ext *rv_sbi_find_ext(uint64_t eid);

/*
 * The harts named by (hart_mask, hart_mask_base) as a bitmap over hart ids
 * (base == -1: every hart, mask ignored). Returns SBI_SUCCESS or
 * SBI_ERR_INVALID_PARAM when the base or any named hart does not exist
 * (spec v2.0 "Hart Mask Errors"; nothing is selected then).
 */
int64_t rv_sbi_hart_mask(const struct rv_sbi_call *call, uint64_t hart_mask,
			 uint64_t hart_mask_base, uint64_t *targets);

/* Shared by IPI/RFENCE and the legacy calls. */
void rv_sbi_send_ipi(struct rv_sbi_call *call, uint64_t targets);
/*
 * Flush the TLBs and decoded-instruction caches of the target harts and
 * return once each has done so (or is not running: it then flushes before
 * its next instruction).
 */
void rv_sbi_remote_flush(struct rv_sbi_call *call, uint64_t targets, bool icache);

/* Fill *exit for the runtime. */
void rv_sbi_exit_system_down(struct rv_sbi_call *call, enum axvm_system_down_type type,
			     uint64_t code);

/*
 * Write one byte for a blocking console call (DBCN console_write_byte,
 * legacy console_putchar): waits a little for room, else asks for a retry.
 */
void rv_sbi_console_put_blocking(struct rv_sbi_call *call, uint8_t byte);
/*
 * The SBI console as a consumer of the console's input (axvm/console.h):
 * console_read and console_getchar claim the input for it, then pop as it.
 */
struct axvm_console;
extern const char rv_sbi_console_consumer;
#define RV_SBI_CONSOLE_CONSUMER ((const void *)&rv_sbi_console_consumer)
void rv_sbi_console_claim(struct axvm_console *con);

/*
 * Recompute h->sbi.misaligned_slow after FWFT delegation or a PMU counter
 * changed; ends the current batch so the fast paths see it.
 */
void rv_sbi_update_misaligned(struct rv_hart *h);

/*
 * A shared-memory area the guest names by physical address (lo, hi): hi
 * must be 0 (RV64), [lo, lo + size) RAM (no MMIO) writable if `write`.
 * SBI_SUCCESS or SBI_ERR_INVALID_ADDRESS. Alignment is the caller's check
 * (its error differs per extension).
 */
int64_t rv_sbi_shmem_check(const struct rv_sbi_call *call, uint64_t lo, uint64_t hi, uint64_t size,
			   bool write);

/* A debug-level, rate-limited note about a guest's bad SBI use. */
void rv_sbi_log_guest(const struct rv_sbi_call *call, const char *what);

#endif
