/* SPDX-License-Identifier: MIT */
/*
 * SBI RFENCE extension (EID 0x52464E43 "RFNC"; SBI spec v2.0 chapter 8):
 *   0 remote_fence_i(hart_mask, hart_mask_base)
 *   1 remote_sfence_vma(hart_mask, hart_mask_base, start_addr, size)
 *   2 remote_sfence_vma_asid(hart_mask, hart_mask_base, start_addr, size, asid)
 *   3-6 remote_hfence_* (need the H extension, which the guest does not have)
 * A remote fence.i resets the targets' decoded-instruction caches (and TLBs);
 * a remote sfence.vma flushes their whole TLB (decoded code is keyed by host
 * page, so it stays valid). The ranges and ASIDs only narrow what must go,
 * so flushing everything is always correct.
 * The call returns after every target has flushed.
 *
 * Ranges: start = size = 0 or size = 2^64 - 1 mean the whole address space;
 * any other range that wraps past the top of the address space is not valid
 * (SBI_ERR_INVALID_ADDRESS), checked before the hart mask.
 */
#include "arch/riscv64/sbi.h"

enum {
	SBI_RFENCE_FENCE_I = 0,
	SBI_RFENCE_SFENCE_VMA = 1,
	SBI_RFENCE_SFENCE_VMA_ASID = 2,
	SBI_RFENCE_HFENCE_GVMA_VMID = 3,
	SBI_RFENCE_HFENCE_VVMA_ASID = 6,
};

static bool sbi_rfence_range_ok(uint64_t start, uint64_t size)
{
	/* [start, start + size) may end exactly at 2^64. */
	return size == 0 || size == UINT64_MAX || size - 1 <= UINT64_MAX - start;
}

static int sbi_rfence_handler(struct rv_sbi_call *call)
{
	uint64_t targets;

	if (call->fid > SBI_RFENCE_SFENCE_VMA_ASID) {
		rv_sbi_log_guest(call, call->fid <= SBI_RFENCE_HFENCE_VVMA_ASID
					   ? "hfence without the H extension"
					   : "unknown RFENCE function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
	if (call->fid != SBI_RFENCE_FENCE_I && !sbi_rfence_range_ok(call->args[2], call->args[3])) {
		rv_sbi_log_guest(call, "remote sfence: range wraps around the address space");
		call->error = SBI_ERR_INVALID_ADDRESS;
		return 1;
	}
	call->error = rv_sbi_hart_mask(call, call->args[0], call->args[1], &targets);
	if (call->error == SBI_SUCCESS)
		rv_sbi_remote_flush(call, targets, call->fid == SBI_RFENCE_FENCE_I);
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_rfence = {
    .name = "RFENCE",
    .eid_min = SBI_EXT_RFENCE,
    .eid_max = SBI_EXT_RFENCE,
    .handler = sbi_rfence_handler,
};
