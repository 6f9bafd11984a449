/* SPDX-License-Identifier: MIT */
/*
 * SBI System Suspend extension (EID 0x53555350 "SUSP"; SBI spec v2.0
 * chapter 15):
 *   0 system_suspend(sleep_type, resume_addr, opaque), sleep_type 32-bit:
 *     0 SUSPEND_TO_RAM; 1-0x7fffffff reserved and 0x80000000- platform
 *     types (none implemented): INVALID_PARAM
 * Entry requires every other hart to be STOPPED (else DENIED) and a
 * resume_addr the hart can execute from (else INVALID_ADDRESS). Memory is
 * this process's, so "to RAM" keeps it as it is; devices keep their state.
 * The calling hart then sleeps as a Halt exit (SUSPENDED, as HSM's
 * non-retentive suspend) until a wake-up event: an interrupt pending and
 * enabled in sie (the timer it armed, a device's interrupt through the
 * PLIC, an IPI from the VMM). It resumes in S-mode at resume_addr with
 * a0 = hart id, a1 = opaque, satp = 0, sstatus.SIE = 0.
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"

enum {
	SBI_SUSP_SYSTEM_SUSPEND = 0,
};

#define SBI_SUSP_SUSPEND_TO_RAM 0u

static bool susp_others_stopped(const struct rv_sbi_call *call)
{
	struct rv_machine *m = call->machine;

	if (!m)
		return true;
	for (unsigned i = 0; i < m->nharts; i++)
		if (i != call->hart->id && m->harts[i] &&
		    rv_machine_hsm_status(m, i) != RV_HSM_STOPPED)
			return false;
	return true;
}

static int susp_suspend(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	uint64_t addr = call->args[1];
	void *hva;
	uint64_t avail;
	int err;

	if ((uint32_t)call->args[0] != SBI_SUSP_SUSPEND_TO_RAM) {
		rv_sbi_log_guest(call, "system_suspend: reserved or platform sleep type");
		call->error = SBI_ERR_INVALID_PARAM;
		return 1;
	}
	err = axvm_addrspace_translate(h->as, addr, AXVM_ACCESS_EXEC, &hva, &avail, NULL);
	if (err != 0 && err != -AXVM_ENOTPRESENT) {
		call->error = SBI_ERR_INVALID_ADDRESS;
		return 1;
	}
	if (!susp_others_stopped(call)) {
		rv_sbi_log_guest(call, "system_suspend: another hart is not stopped");
		call->error = SBI_ERR_DENIED;
		return 1;
	}
	rv_hart_boot(h, addr, call->args[2]);
	call->regs_set = true;
	if (call->machine)
		rv_machine_hsm_suspend(call->machine, h->id);
	call->exit->reason = AXVM_EXIT_HALT;
	return 0;
}

static int sbi_susp_handler(struct rv_sbi_call *call)
{
	if (call->fid != SBI_SUSP_SYSTEM_SUSPEND) {
		rv_sbi_log_guest(call, "unknown SUSP function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
	return susp_suspend(call);
}

const struct rv_sbi_ext rv_sbi_ext_susp = {
    .name = "SUSP",
    .eid_min = SBI_EXT_SUSP,
    .eid_max = SBI_EXT_SUSP,
    .handler = sbi_susp_handler,
};
