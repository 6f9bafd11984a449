/* SPDX-License-Identifier: MIT */
/*
 * SBI Timer extension (EID 0x54494D45 "TIME"; SBI spec v2.0 chapter 6):
 * set_timer(stime_value) arms the hart's timer for an absolute time and
 * clears its pending timer interrupt.
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"

enum {
	SBI_TIME_SET_TIMER = 0,
};

static int sbi_time_handler(struct rv_sbi_call *call)
{
	if (call->fid != SBI_TIME_SET_TIMER) {
		rv_sbi_log_guest(call, "unknown TIME function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
	rv_sbi_pmu_count(&call->hart->sbi, RV_PMU_FW_SET_TIMER);
	rv_hart_set_timer(call->hart, call->args[0]);
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_time = {
    .name = "TIME",
    .eid_min = SBI_EXT_TIME,
    .eid_max = SBI_EXT_TIME,
    .handler = sbi_time_handler,
};
