/* SPDX-License-Identifier: MIT */
/*
 * SBI Base extension (EID 0x10; SBI spec v3.0 chapter 4): spec version (3.0),
 * implementation id/version, probe_extension, and the machine id CSRs, which
 * a virtual machine reports as 0 ("not implemented").
 */
#include "arch/riscv64/sbi.h"

#include "arch/riscv64/machine.h"

enum {
	SBI_BASE_GET_SPEC_VERSION = 0,
	SBI_BASE_GET_IMPL_ID = 1,
	SBI_BASE_GET_IMPL_VERSION = 2,
	SBI_BASE_PROBE_EXTENSION = 3,
	SBI_BASE_GET_MVENDORID = 4,
	SBI_BASE_GET_MARCHID = 5,
	SBI_BASE_GET_MIMPID = 6,
};

static int sbi_base_handler(struct rv_sbi_call *call)
{
	const struct rv_sbi_ext *ext;

	switch (call->fid) {
	case SBI_BASE_GET_SPEC_VERSION:
		call->value = SBI_SPEC_VERSION;
		break;
	case SBI_BASE_GET_IMPL_ID:
		call->value = SBI_IMPL_ID;
		break;
	case SBI_BASE_GET_IMPL_VERSION:
		call->value = SBI_IMPL_VERSION;
		break;
	case SBI_BASE_PROBE_EXTENSION:
		/* EIDs are signed 32-bit: a wider value names nothing. */
		ext = (uint64_t)(int64_t)(int32_t)call->args[0] == call->args[0]
			  ? rv_sbi_find_ext(call->args[0])
			  : NULL;
		if (ext)
			call->value = ext->probe ? (uint64_t)ext->probe(call) : 1;
		else if ((uint64_t)(int64_t)(int32_t)call->args[0] == call->args[0] &&
			 call->machine && call->machine->probe)
			/* An extension the VMM serves through Hypercall exits. */
			call->value = (uint64_t)call->machine->probe(call->machine->probe_opaque,
								     call->args[0]);
		else
			call->value = 0;
		break;
	case SBI_BASE_GET_MVENDORID:
	case SBI_BASE_GET_MARCHID:
	case SBI_BASE_GET_MIMPID:
		call->value = 0;
		break;
	default:
		rv_sbi_log_guest(call, "unknown Base function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_base = {
    .name = "Base",
    .eid_min = SBI_EXT_BASE,
    .eid_max = SBI_EXT_BASE,
    .handler = sbi_base_handler,
};
