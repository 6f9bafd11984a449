/* SPDX-License-Identifier: MIT */
/*
 * SBI Hart State Management extension (EID 0x48534D "HSM"; SBI spec v2.0
 * chapter 9):
 *   0 hart_start(hartid, start_addr, opaque)  -> CpuUp exit; the runtime starts
 *     the hart in S-mode at start_addr with a0 = hartid, a1 = opaque, satp = 0
 *   1 hart_stop()                             -> CpuDown exit (no return)
 *   2 hart_get_status(hartid)                 -> enum rv_hsm_state
 *   3 hart_suspend(suspend_type, resume_addr, opaque), suspend_type 32-bit:
 *     0x00000000 default retentive: like wfi, returns 0 after an interrupt
 *     0x80000000 default non-retentive: resumes at resume_addr with
 *                a0 = hartid, a1 = opaque, satp = 0, sstatus.SIE = 0
 *     others: reserved or platform-specific, none implemented
 * Both suspends leave run() as a Halt exit: the runtime sleeps until an
 * interrupt is pending (or, as for wfi, a spurious wakeup: the guest then
 * sees the call return early, which the spec allows for any interrupt).
 *
 * States as hart_get_status reports them (machine.h): hart_start makes the
 * target START_PENDING, STARTED once it runs; hart_suspend makes the caller
 * SUSPENDED until it runs again; hart_stop makes it STOPPED at once (the
 * runtime parks its vCPU; a hart_start meanwhile is queued, so the transient
 * STOP_PENDING is not shown). SUSPEND_PENDING / RESUME_PENDING never show:
 * entering and leaving suspend take no time here.
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"

#include <string.h>

enum {
	SBI_HSM_HART_START = 0,
	SBI_HSM_HART_STOP = 1,
	SBI_HSM_HART_GET_STATUS = 2,
	SBI_HSM_HART_SUSPEND = 3,
};

#define SBI_HSM_SUSPEND_RETENTIVE 0x00000000u
#define SBI_HSM_SUSPEND_NON_RETENTIVE 0x80000000u

/* Can the hart execute from this guest-physical address at all? */
static bool sbi_hsm_addr_ok(struct rv_hart *h, uint64_t addr)
{
	void *hva;
	uint64_t avail;
	int err = axvm_addrspace_translate(h->as, addr, AXVM_ACCESS_EXEC, &hva, &avail, NULL);

	return err == 0 || err == -AXVM_ENOTPRESENT;
}

static bool sbi_hsm_hart_exists(const struct rv_sbi_call *call, uint64_t id)
{
	if (!call->machine)
		return id == call->hart->id;
	return rv_machine_hart(call->machine, id) != NULL;
}

static enum rv_hsm_state sbi_hsm_state(const struct rv_sbi_call *call, uint64_t id)
{
	if (!call->machine)
		return RV_HSM_STARTED;
	return rv_machine_hsm_status(call->machine, (unsigned)id);
}

static int sbi_hsm_start(struct rv_sbi_call *call)
{
	uint64_t id = call->args[0], addr = call->args[1];

	if (!sbi_hsm_hart_exists(call, id)) {
		call->error = SBI_ERR_INVALID_PARAM;
		return 1;
	}
	if (!sbi_hsm_addr_ok(call->hart, addr)) {
		call->error = SBI_ERR_INVALID_ADDRESS;
		return 1;
	}
	/* Only a STOPPED hart can start (START_PENDING, SUSPENDED... are "already available"). */
	if (!call->machine || !rv_machine_hsm_start(call->machine, (unsigned)id)) {
		call->error = SBI_ERR_ALREADY_AVAILABLE;
		return 1;
	}
	call->exit->reason = AXVM_EXIT_CPU_UP;
	call->exit->cpu_up.target_cpu = id;
	call->exit->cpu_up.entry_point = addr;
	call->exit->cpu_up.arg = call->args[2];
	return 0;
}

static int sbi_hsm_stop(struct rv_sbi_call *call)
{
	rv_sbi_hart_stop(call->hart);
	if (call->machine)
		rv_machine_hsm_stop(call->machine, call->hart->id);
	call->exit->reason = AXVM_EXIT_CPU_DOWN;
	call->exit->cpu_down.state = 0;
	return 0;
}

static int sbi_hsm_suspend(struct rv_sbi_call *call)
{
	uint32_t type = (uint32_t)call->args[0];
	struct rv_hart *h = call->hart;

	if (type != SBI_HSM_SUSPEND_RETENTIVE && type != SBI_HSM_SUSPEND_NON_RETENTIVE) {
		rv_sbi_log_guest(call, "hart_suspend: reserved or platform-specific type");
		call->error = SBI_ERR_INVALID_PARAM;
		return 1;
	}
	if (type == SBI_HSM_SUSPEND_NON_RETENTIVE) {
		if (!sbi_hsm_addr_ok(h, call->args[1])) {
			call->error = SBI_ERR_INVALID_ADDRESS;
			return 1;
		}
		/* Resuming is a fresh S-mode entry: satp 0, SIE 0, TLB flushed. */
		rv_hart_boot(h, call->args[1], call->args[2]);
		call->regs_set = true;
	}
	if (call->machine)
		rv_machine_hsm_suspend(call->machine, h->id);
	call->exit->reason = AXVM_EXIT_HALT;
	return 0;
}

static int sbi_hsm_handler(struct rv_sbi_call *call)
{
	switch (call->fid) {
	case SBI_HSM_HART_START:
		return sbi_hsm_start(call);
	case SBI_HSM_HART_STOP:
		return sbi_hsm_stop(call);
	case SBI_HSM_HART_GET_STATUS:
		if (!sbi_hsm_hart_exists(call, call->args[0]))
			call->error = SBI_ERR_INVALID_PARAM;
		else
			call->value = sbi_hsm_state(call, call->args[0]);
		return 1;
	case SBI_HSM_HART_SUSPEND:
		return sbi_hsm_suspend(call);
	default:
		rv_sbi_log_guest(call, "unknown HSM function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
}

const struct rv_sbi_ext rv_sbi_ext_hsm = {
    .name = "HSM",
    .eid_min = SBI_EXT_HSM,
    .eid_max = SBI_EXT_HSM,
    .handler = sbi_hsm_handler,
};
