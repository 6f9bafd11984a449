/* SPDX-License-Identifier: MIT */
/*
 * SBI Firmware Features extension (EID 0x46574654 "FWFT"; SBI spec v3.0
 * chapter "Firmware Features Extension"):
 *   0 set(feature, value, flags)   flags bit 0 = LOCK (until the hart stops)
 *   1 get(feature)
 * Every feature here is local (per hart); the state lives in the hart
 * (sbi_state.h) and returns to its reset value when the hart stops.
 *   0 MISALIGNED_EXC_DELEG  reset 0: the hart performs misaligned loads and
 *                           stores itself; 1: they raise the misaligned
 *                           exceptions to the guest's stvec (AMOs always do)
 *   4 PTE_AD_HW_UPDATING    only where the ISA string lists Svade and Svadu
 *                           both (`--cpu rv64,svade=on`), as OpenSBI rules:
 *                           reset 0, the spec's value and what the device
 *                           tree binding tells such a guest to assume: a
 *                           clear A, or D on a store, is a page fault
 *                           (Svade); 1: the walk sets them itself (Svadu).
 *                           With Svadu alone (the default, as QEMU's default
 *                           CPU) the hart updates A/D from reset and may not
 *                           be switched: a reset value of 0 would contradict
 *                           it. NOT_SUPPORTED there and with Svade alone
 *   1 LANDING_PAD, 2 SHADOW_STACK, 3 DOUBLE_TRAP, 5 POINTER_MASKING_PMLEN:
 *                           the hart has no Zicfilp, Zicfiss, Ssdbltrp or
 *                           Ssnpm: NOT_SUPPORTED
 *   6-0x3fffffff, 0x80000000-0xbfffffff reserved, the platform-specific
 *   ranges unimplemented: DENIED (set and get)
 * A locked feature answers set with DENIED_LOCKED (SBI 3.0's code).
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"

enum {
	SBI_FWFT_SET = 0,
	SBI_FWFT_GET = 1,
};

enum {
	FWFT_MISALIGNED_EXC_DELEG = 0,
	FWFT_LANDING_PAD = 1,
	FWFT_SHADOW_STACK = 2,
	FWFT_DOUBLE_TRAP = 3,
	FWFT_PTE_AD_HW_UPDATING = 4,
	FWFT_POINTER_MASKING_PMLEN = 5,
	FWFT_NUM_DEFINED = 6,
};

#define SBI_FWFT_SET_FLAG_LOCK 1u

void rv_sbi_hart_stop(struct rv_hart *h)
{
	h->sbi.misaligned_deleg = false;
	h->sbi.ad_hw_off = rv_sbi_fwft_ad_hw_off_at_reset(h);
	h->sbi.fwft_locked = 0;
	h->sbi.sta_gpa = RV_STA_OFF;
	rv_sbi_dbtr_hart_stop(h);
	rv_sbi_sse_hart_stop(h);
	h->sbi.pmu.snap_gpa = RV_PMU_SNAP_OFF;
	rv_sbi_update_misaligned(h);
	rv_hart_flush_tlb_local(h);
}

/* Svade and Svadu both: the one hart whose A/D updating the guest switches. */
static bool fwft_ad_switchable(const struct rv_hart *h)
{
	const uint64_t both = 1ull << AXVM_RISCV64_EXT_SVADU | 1ull << AXVM_RISCV64_EXT_SVADE;

	return (h->ext_on & both) == both;
}

bool rv_sbi_fwft_ad_hw_off_at_reset(const struct rv_hart *h)
{
	return fwft_ad_switchable(h); /* PTE_AD_HW_UPDATING's reset value is 0 */
}

/*
 * SBI_SUCCESS if `feature` is one this hart implements, else the error for
 * it. The feature number is 32 bits (the spec's table): a7's upper half is
 * not part of it, as OpenSBI and kvm-unit-tests read it.
 */
static int64_t fwft_check(const struct rv_hart *h, uint32_t feature)
{
	if (feature >= FWFT_NUM_DEFINED)
		return SBI_ERR_DENIED; /* reserved or platform-specific: none implemented */
	if (feature == FWFT_PTE_AD_HW_UPDATING && !fwft_ad_switchable(h))
		return SBI_ERR_NOT_SUPPORTED;
	if (feature != FWFT_MISALIGNED_EXC_DELEG && feature != FWFT_PTE_AD_HW_UPDATING)
		return SBI_ERR_NOT_SUPPORTED;
	return SBI_SUCCESS;
}

static void fwft_set(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	uint32_t feature = (uint32_t)call->args[0];
	uint64_t value = call->args[1], flags = call->args[2];

	call->error = fwft_check(h, feature);
	if (call->error)
		return;
	if (value > 1 || (flags & ~(uint64_t)SBI_FWFT_SET_FLAG_LOCK)) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if (h->sbi.fwft_locked & (1u << feature)) {
		call->error = SBI_ERR_DENIED_LOCKED;
		return;
	}
	if (feature == FWFT_MISALIGNED_EXC_DELEG) {
		h->sbi.misaligned_deleg = value;
		rv_sbi_update_misaligned(h);
	} else {
		h->sbi.ad_hw_off = !value;
		/* TLB entries were made under the old rule. */
		rv_hart_flush_tlb_local(h);
	}
	if (flags & SBI_FWFT_SET_FLAG_LOCK)
		h->sbi.fwft_locked |= 1u << feature;
}

static int sbi_fwft_handler(struct rv_sbi_call *call)
{
	switch (call->fid) {
	case SBI_FWFT_SET:
		fwft_set(call);
		break;
	case SBI_FWFT_GET:
		call->error = fwft_check(call->hart, (uint32_t)call->args[0]);
		if (call->error)
			break;
		call->value = (uint32_t)call->args[0] == FWFT_MISALIGNED_EXC_DELEG
				  ? call->hart->sbi.misaligned_deleg
				  : !call->hart->sbi.ad_hw_off;
		break;
	default:
		rv_sbi_log_guest(call, "unknown FWFT function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_fwft = {
    .name = "FWFT",
    .eid_min = SBI_EXT_FWFT,
    .eid_max = SBI_EXT_FWFT,
    .handler = sbi_fwft_handler,
};
