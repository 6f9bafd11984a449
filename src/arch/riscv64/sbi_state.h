/* SPDX-License-Identifier: MIT */
/*
 * The per-hart state of the SBI extensions that keep some (PMU, STA, FWFT,
 * DBTR, SSE),
 * embedded in struct rv_hart as `sbi` so the hart's hot paths can consult
 * the one flag they need (misaligned_slow) without a call. Only the sbi_*.c
 * files change it, on the hart's own vCPU thread; the PMU's raw event counts
 * are also bumped by other harts (IPIs and fences they send here), so every
 * access to `events` is an __atomic one.
 */
#ifndef AXVM_ARCH_RISCV64_SBI_STATE_H
#define AXVM_ARCH_RISCV64_SBI_STATE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Firmware events (SBI spec, PMU chapter, "Firmware Events": event_idx type
 * 0xf, code = the value below), then the ones we count under code 0xffff
 * (SBI_PMU_FW_PLATFORM) selected by event_data.
 */
enum rv_pmu_fw_event {
	RV_PMU_FW_MISALIGNED_LOAD = 0,
	RV_PMU_FW_MISALIGNED_STORE = 1,
	RV_PMU_FW_ACCESS_LOAD = 2,
	RV_PMU_FW_ACCESS_STORE = 3,
	RV_PMU_FW_ILLEGAL_INSN = 4,
	RV_PMU_FW_SET_TIMER = 5,
	RV_PMU_FW_IPI_SENT = 6,
	RV_PMU_FW_IPI_RECEIVED = 7,
	RV_PMU_FW_FENCE_I_SENT = 8,
	RV_PMU_FW_FENCE_I_RECEIVED = 9,
	RV_PMU_FW_SFENCE_VMA_SENT = 10,
	RV_PMU_FW_SFENCE_VMA_RECEIVED = 11,
	RV_PMU_FW_SFENCE_VMA_ASID_SENT = 12,
	RV_PMU_FW_SFENCE_VMA_ASID_RECEIVED = 13,
	/* 14-21: hfence events; never happen (no H extension) but countable. */
	RV_PMU_FW_STD_COUNT = 22,
	/* SBI_PMU_FW_PLATFORM with event_data 0: every ecall into the SBI. */
	RV_PMU_FW_SBI_CALL = RV_PMU_FW_STD_COUNT,
	RV_PMU_FW_EVENT_COUNT,
};

/*
 * Counter indices (what counter_get_info describes): 0 = cycle and 2 =
 * instret, the fixed counters (CSRs 0xc00/0xc02); 1 would be `time`, which
 * is not a PMU counter (get_info says INVALID_PARAM, as OpenSBI does);
 * 3..10 = the programmable hpmcounter3..10 (CSRs 0xc03..0xc0a, Zihpm; with
 * Sscofpmf they overflow into the LCOFI interrupt); 11.. = firmware counters.
 * Every hardware counter counts retired instructions: this hart's cycle is
 * its instret (one instruction per cycle, no stalls to count).
 */
#define RV_PMU_CTR_CYCLE 0
#define RV_PMU_CTR_INSTRET 2
#define RV_PMU_HPM_FIRST 3
#define RV_PMU_NUM_HPM 8
#define RV_PMU_NUM_HW (RV_PMU_HPM_FIRST + RV_PMU_NUM_HPM)
#define RV_PMU_NUM_FW 8
#define RV_PMU_NUM_COUNTERS (RV_PMU_NUM_HW + RV_PMU_NUM_FW)
#define RV_PMU_HPM_MASK (((1u << RV_PMU_NUM_HPM) - 1) << RV_PMU_HPM_FIRST)

/* inh[i] bits: the privilege modes counter i does not count in (SBI SET_UINH/SET_SINH). */
#define RV_PMU_INH_U 1u
#define RV_PMU_INH_S 2u

struct rv_pmu {
	/* Raw counts since the hart was created (__atomic, relaxed). */
	uint64_t events[RV_PMU_FW_EVENT_COUNT];
	uint32_t in_use;  /* bit i: counter i configured by cfg_match */
	uint32_t started; /* bit i: counter i counting (cycle/instret start counting) */
	uint8_t fw_event[RV_PMU_NUM_COUNTERS]; /* firmware counters: what they count */
	uint8_t inh[RV_PMU_NUM_COUNTERS];      /* hardware counters: RV_PMU_INH_* */
	/*
	 * Started: value = source + offset[i] (mod 2^64); stopped: offset[i]
	 * holds the value itself. Source = the instructions retired in the
	 * modes counter i counts in (all of them: instret) for hardware
	 * counters, events[fw_event[i]] for firmware ones.
	 */
	uint64_t offset[RV_PMU_NUM_COUNTERS];
	/*
	 * Instructions retired per privilege mode (index enum rv_priv) before
	 * mode_mark, the instret at which the current mode was entered:
	 * mode_ret[U] + mode_ret[S] == mode_mark. Kept at every mode change
	 * (trap entry, sret), which is cheap next to the trap itself.
	 */
	uint64_t mode_ret[2];
	uint64_t mode_mark;
	/*
	 * Sscofpmf: of = the hpmcounters' OF bits (scountovf); last[i] = the
	 * value at the last overflow check (a later, smaller value wrapped);
	 * wrap_at = the instret at which the first started hpmcounter that
	 * counts in the current mode wraps, UINT64_MAX if none: the run loop
	 * ends its batches there (one compare per batch, nothing per
	 * instruction).
	 */
	uint32_t of;
	uint64_t last[RV_PMU_NUM_COUNTERS];
	uint64_t wrap_at;
	/*
	 * The snapshot shared memory's guest-physical address (RV_PMU_SNAP_OFF:
	 * none), and whether snapshot_set_shmem is offered at all (the
	 * config's pmu_snapshot).
	 */
	uint64_t snap_gpa;
	bool snap_offered;
};
#define RV_PMU_SNAP_OFF UINT64_MAX

/* STA shared memory disabled. */
#define RV_STA_OFF UINT64_MAX

/*
 * DBTR: the guest's logical triggers (trig_idx 0..RV_DBTR_MAX-1), each
 * mapped to a slot of the hart's trigger module (trigger.h) owned by
 * RV_TRIGGER_OWNER_GUEST, so the host debugger's slots are never the
 * guest's and the guest sees only its own.
 */
#define RV_DBTR_MAX 16

struct rv_dbtr {
	bool shmem_on;		      /* zero state: disabled, as at reset */
	uint64_t shmem;		      /* its guest-physical address */
	uint32_t mapped;	      /* bit i: trig_idx i installed */
	uint8_t slot[RV_DBTR_MAX];    /* its slot in the trigger module */
	uint64_t tstate[RV_DBTR_MAX]; /* trig_state: mapped, saved u/s */
};

/*
 * SSE: one software event (its attributes as the spec numbers them). The
 * local software event lives in each hart, the global one in the machine
 * (machine.h, under its lock).
 */
struct rv_sse_event {
	uint32_t id;
	uint8_t state; /* RV_SSE_STATE_* */
	bool pending;  /* signalled, not yet RUNNING */
	uint32_t prio;
	uint64_t config; /* bit 0: one-shot */
	uint64_t hart;	 /* PREFERRED_HART (the hart that handles it) */
	uint64_t entry_pc, entry_arg;
	uint64_t i_sepc, i_flags, i_a6, i_a7; /* the interrupted state */
};

/* The software-injected events (SBI spec v3.0, table "SSE Event ID Space"). */
#define RV_SSE_LOCAL_PMU_OVERFLOW 0x00010000u
#define RV_SSE_LOCAL_SOFTWARE 0xffff0000u
#define RV_SSE_GLOBAL_SOFTWARE 0xffff8000u

enum {
	RV_SSE_STATE_UNUSED = 0,
	RV_SSE_STATE_REGISTERED = 1,
	RV_SSE_STATE_ENABLED = 2,
	RV_SSE_STATE_RUNNING = 3,
};

/* Bits of rv_sse_hart.signal. */
#define RV_SSE_SIGNAL_LOOK 1u	      /* something may be deliverable: look */
#define RV_SSE_SIGNAL_INJECT_LOCAL 2u /* another hart injected our local event */
#define RV_SSE_SIGNAL_INJECT_PMU 4u   /* ... our PMU-overflow event */

struct rv_sse_hart {
	bool unmasked; /* zero state: masked, as the spec's reset */
	struct rv_sse_event local;
	/*
	 * LOCAL_PMU_OVERFLOW (with Sscofpmf): while ENABLED or RUNNING an
	 * hpmcounter's overflow makes it pending instead of raising LCOFI.
	 */
	struct rv_sse_event pmu_ovf;
	/*
	 * __atomic: set by any hart that may have made an event deliverable
	 * here; the run loop looks at SSE only while it is nonzero.
	 */
	uint32_t signal;
};

struct rv_sbi_hart {
	struct rv_pmu pmu;

	/*
	 * FWFT. misaligned_deleg: misaligned loads/stores trap to the guest
	 * instead of being performed. ad_hw_off: the walk raises a page fault
	 * where it would set A or D (Svade) instead of setting them (Svadu).
	 * fwft_locked: bit n = feature n locked until the hart stops.
	 */
	bool misaligned_deleg;
	bool ad_hw_off;
	uint32_t fwft_locked;
	/*
	 * The memory-access fast paths send misaligned accesses to interp.c
	 * when set: delegation is on, or a PMU counter counts them.
	 */
	bool misaligned_slow;

	/*
	 * STA: shared memory's guest-physical address (RV_STA_OFF: none), the
	 * host's run delay for this thread when last accounted, and the next
	 * time (host ns) worth reading it again.
	 */
	uint64_t sta_gpa;
	uint64_t sta_last_wait;
	uint64_t sta_next_ns;

	struct rv_dbtr dbtr;
	struct rv_sse_hart sse;
};

#endif
