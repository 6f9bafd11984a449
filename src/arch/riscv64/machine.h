/* SPDX-License-Identifier: MIT */
/*
 * Per-VM riscv64 state shared by the harts and the SBI layer: the hart table
 * that IPIs, remote fences and HSM calls address, each hart's HSM state, and
 * the console behind the SBI console calls.
 *
 * Wiring (the board does it): create the machine before axvm_init, put it in
 * the `machine` field of every vCPU's struct axvm_riscv64_config, and after
 * axvm_init attach the harts (rv_machine_attach_vm). A hart that is not
 * attached is "not available to the supervisor" for SBI purposes.
 *
 * Threads: create/attach/destroy from one thread while no vCPU runs; the
 * lookups and HSM state accessors are safe from any thread (HSM states are
 * atomics).
 */
#ifndef AXVM_ARCH_RISCV64_MACHINE_H
#define AXVM_ARCH_RISCV64_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "axvm/config.h"
#include "axvm/console.h"
#include "axvm/log.h"

#include "arch/riscv64/sbi_state.h"

struct axvm;
struct rv_hart;

#define RV_MACHINE_MAX_HARTS AXVM_CONFIG_MAX_VCPUS

/* SBI HSM hart states (SBI spec v2.0, chapter 9, table "HSM Hart States"). */
enum rv_hsm_state {
	RV_HSM_STARTED = 0,
	RV_HSM_STOPPED = 1,
	RV_HSM_START_PENDING = 2,
	RV_HSM_STOP_PENDING = 3,
	RV_HSM_SUSPENDED = 4,
	RV_HSM_SUSPEND_PENDING = 5,
	RV_HSM_RESUME_PENDING = 6,
};

struct rv_machine {
	unsigned nharts;
	struct rv_hart *harts[RV_MACHINE_MAX_HARTS];
	uint32_t hsm[RV_MACHINE_MAX_HARTS]; /* enum rv_hsm_state, __atomic access */
	/*
	 * START_PENDING and SUSPENDED end when the hart next enters run(): the
	 * hart's flush ticket (rv_hart_request_flush) taken on entering them is
	 * done then, before its first instruction. UINT64_MAX while STOPPED
	 * or STARTED. __atomic access.
	 */
	uint64_t hsm_ticket[RV_MACHINE_MAX_HARTS];
	struct axvm_console *console; /* SBI console I/O; NULL = output dropped */
	/*
	 * Base probe_extension's answer for an EID no table entry serves (the
	 * VMM's own, reached through Hypercall exits); NULL = 0 (absent).
	 */
	long (*probe)(void *opaque, uint64_t eid);
	void *probe_opaque;
	/*
	 * SBI SSE's global software event: one for the whole VM, used from
	 * every hart's thread, so only under sse_lock (sbi_sse.c's spinlock:
	 * every critical section is a few loads and stores).
	 */
	struct rv_sse_event sse_global;
	uint32_t sse_lock;
};

/*
 * A machine for `nharts` harts: hart 0 STARTED, the others STOPPED (they wait
 * for an HSM hart_start). `console` may be NULL.
 */
int rv_machine_create(unsigned nharts, struct axvm_console *console, struct rv_machine **out);
void rv_machine_destroy(struct rv_machine *m);

/* Record hart `id` (the riscv64 backend object of vCPU `id`). */
int rv_machine_attach_hart(struct rv_machine *m, unsigned id, struct rv_hart *h);
/* Attach every vCPU of `vm` (whose backend must be the riscv64 hart). */
int rv_machine_attach_vm(struct rv_machine *m, struct axvm *vm);

/* The attached hart with this id, or NULL (any thread). */
struct rv_hart *rv_machine_hart(const struct rv_machine *m, uint64_t id);

enum rv_hsm_state rv_machine_hsm_state(const struct rv_machine *m, unsigned id);
void rv_machine_set_hsm_state(struct rv_machine *m, unsigned id, enum rv_hsm_state state);
/* Atomically move `id` from `from` to `to`; false (nothing changed) if it was not in `from`. */
bool rv_machine_hsm_transition(struct rv_machine *m, unsigned id, enum rv_hsm_state from,
			       enum rv_hsm_state to);

/*
 * The HSM transitions that wait for the hart to run again (SBI spec v2.0
 * chapter 9): hart_start moves a STOPPED hart to START_PENDING (false if it
 * was not STOPPED: nothing changed); hart_suspend moves the calling hart to
 * SUSPENDED (its vCPU thread). Either becomes STARTED once the hart enters
 * run() again, which rv_machine_hsm_status observes.
 */
bool rv_machine_hsm_start(struct rv_machine *m, unsigned id);
void rv_machine_hsm_suspend(struct rv_machine *m, unsigned id);
/* hart_stop: STOPPED (the transient STOP_PENDING is not shown). */
void rv_machine_hsm_stop(struct rv_machine *m, unsigned id);
/*
 * The state hart_get_status reports (any thread): a START_PENDING or
 * SUSPENDED hart that has entered run() since is STARTED (and recorded so).
 */
enum rv_hsm_state rv_machine_hsm_status(struct rv_machine *m, unsigned id);

/*
 * Bring every hart back to its power-on HSM state (hart 0 STARTED, others
 * STOPPED), e.g. for a reboot that reuses the machine.
 */
void rv_machine_reset_hsm(struct rv_machine *m);

#endif
