/* SPDX-License-Identifier: MIT */
/*
 * SBI IPI extension (EID 0x735049 "sPI"; SBI spec v2.0 chapter 7):
 * send_ipi(hart_mask, hart_mask_base) makes a supervisor software interrupt
 * (SSIP) pending on every named hart; base -1 names all harts. The IPI is
 * posted directly on the target (any-thread safe), which also wakes it if it
 * is halted, so no exit is needed.
 */
#include "arch/riscv64/sbi.h"

enum {
	SBI_IPI_SEND_IPI = 0,
};

static int sbi_ipi_handler(struct rv_sbi_call *call)
{
	uint64_t targets;

	if (call->fid != SBI_IPI_SEND_IPI) {
		rv_sbi_log_guest(call, "unknown IPI function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
	call->error = rv_sbi_hart_mask(call, call->args[0], call->args[1], &targets);
	if (call->error == SBI_SUCCESS)
		rv_sbi_send_ipi(call, targets);
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_ipi = {
    .name = "IPI",
    .eid_min = SBI_EXT_IPI,
    .eid_max = SBI_EXT_IPI,
    .handler = sbi_ipi_handler,
};
