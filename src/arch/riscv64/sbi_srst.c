/* SPDX-License-Identifier: MIT */
/*
 * SBI System Reset extension (EID 0x53525354 "SRST"; SBI spec v2.0 chapter 10):
 * system_reset(reset_type, reset_reason), both 32-bit.
 *   reset_type:   0 shutdown, 1 cold reboot, 2 warm reboot; 0x3-0xEFFFFFFF
 *                 reserved, 0xF0000000-0xFFFFFFFF vendor (none implemented)
 *   reset_reason: 0 no reason, 1 system failure; the rest reserved or
 *                 implementation/vendor-specific (none implemented)
 * A valid call does not return to the guest: it becomes a SystemDown exit
 * with the type, and the reason as its code (the guest's exit status).
 */
#include "arch/riscv64/sbi.h"

enum {
	SBI_SRST_SYSTEM_RESET = 0,
};

#define SBI_SRST_TYPE_SHUTDOWN 0u
#define SBI_SRST_TYPE_COLD_REBOOT 1u
#define SBI_SRST_TYPE_WARM_REBOOT 2u
#define SBI_SRST_REASON_SYSTEM_FAILURE 1u

static int sbi_srst_handler(struct rv_sbi_call *call)
{
	static const enum axvm_system_down_type types[] = {
	    [SBI_SRST_TYPE_SHUTDOWN] = AXVM_SYSTEM_DOWN_POWEROFF,
	    [SBI_SRST_TYPE_COLD_REBOOT] = AXVM_SYSTEM_DOWN_COLD_REBOOT,
	    [SBI_SRST_TYPE_WARM_REBOOT] = AXVM_SYSTEM_DOWN_WARM_REBOOT,
	};
	uint32_t type = (uint32_t)call->args[0];
	uint32_t reason = (uint32_t)call->args[1];

	if (call->fid != SBI_SRST_SYSTEM_RESET) {
		rv_sbi_log_guest(call, "unknown SRST function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
	if (type > SBI_SRST_TYPE_WARM_REBOOT || reason > SBI_SRST_REASON_SYSTEM_FAILURE) {
		rv_sbi_log_guest(call, "system_reset: reserved or vendor type/reason");
		call->error = SBI_ERR_INVALID_PARAM;
		return 1;
	}
	rv_sbi_exit_system_down(call, types[type], reason);
	return 0;
}

const struct rv_sbi_ext rv_sbi_ext_srst = {
    .name = "SRST",
    .eid_min = SBI_EXT_SRST,
    .eid_max = SBI_EXT_SRST,
    .handler = sbi_srst_handler,
};
