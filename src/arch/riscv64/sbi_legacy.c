/* SPDX-License-Identifier: MIT */
/*
 * SBI v0.1 legacy extensions (EIDs 0x00-0x08; SBI spec v2.0 chapter 5). No
 * FID; the result is returned in a0 only (a1 is preserved).
 *   0x00 set_timer(stime_value)
 *   0x01 console_putchar(ch)          (waits while the console's buffer is full)
 *   0x02 console_getchar()            -> byte, or -1 when none is queued
 *   0x03 clear_ipi()                  -> clears the caller's SSIP
 *   0x04 send_ipi(hart_mask *)
 *   0x05 remote_fence_i(hart_mask *)
 *   0x06 remote_sfence_vma(hart_mask *, start, size)
 *   0x07 remote_sfence_vma_asid(hart_mask *, start, size, asid)
 *   0x08 shutdown()                   -> SystemDown (poweroff)
 *   0x09-0x0F reserved                -> SBI_ERR_NOT_SUPPORTED (a1 preserved too)
 * hart_mask points to an unsigned long bit vector in the caller's virtual
 * address space (NULL = every hart), read as an S-mode load would: through
 * satp (Sv39/Sv48) with the U/SUM rule. As the spec says for memory the SBI
 * accesses on the supervisor's behalf, a mask that cannot be read is the
 * guest's own fault: a load page fault (translation) or load access fault
 * (no RAM there) with sepc at the ecall and stval the mask address.
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK ((1ull << 44) - 1)

/*
 * Translate an S-mode data address through the guest's page table (no A/D
 * update); false means a load page fault.
 */
static bool sbi_legacy_translate(struct rv_hart *h, uint64_t va, uint64_t *gpa)
{
	unsigned mode = (unsigned)(h->satp >> RV_SATP_MODE_SHIFT);
	unsigned levels = mode == RV_SATP_MODE_SV39 ? 3 : mode == RV_SATP_MODE_SV48 ? 4 : 0;
	unsigned va_bits = 12 + 9 * levels;
	uint64_t table = (h->satp & PTE_PPN_MASK) << AXVM_PAGE_SHIFT;

	if (mode == RV_SATP_MODE_BARE) {
		*gpa = va;
		return true;
	}
	if (!levels || (uint64_t)((int64_t)(va << (64 - va_bits)) >> (64 - va_bits)) != va)
		return false;
	for (int level = (int)levels - 1; level >= 0; level--) {
		uint64_t vpn = (va >> (12 + 9 * level)) & 0x1ff;
		uint64_t pte, ppn, offset_mask;

		if (axvm_addrspace_read(h->as, table + vpn * 8, &pte, 8) != 0)
			return false;
		if (!(pte & PTE_V) || ((pte & PTE_W) && !(pte & PTE_R)))
			return false;
		ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
		if (!(pte & (PTE_R | PTE_X))) {
			table = ppn << AXVM_PAGE_SHIFT;
			continue;
		}
		if (!(pte & PTE_R) && !((pte & PTE_X) && (h->sstatus & RV_SSTATUS_MXR)))
			return false;
		if ((pte & PTE_U) && !(h->sstatus & RV_SSTATUS_SUM))
			return false;
		offset_mask = (1ull << (12 + 9 * level)) - 1;
		if ((ppn << AXVM_PAGE_SHIFT) & offset_mask)
			return false; /* misaligned superpage */
		*gpa = (ppn << AXVM_PAGE_SHIFT) | (va & offset_mask);
		return true;
	}
	return false;
}

/*
 * Read the hart mask; false if it faulted (the fault is delivered to the
 * guest, which re-executes the ecall after handling it).
 */
static bool sbi_legacy_targets(struct rv_sbi_call *call, uint64_t *targets)
{
	struct rv_hart *h = call->hart;
	uint64_t va = call->args[0], gpa, mask;
	enum rv_exc cause;

	*targets = 0;
	if (va == 0) {
		call->error = rv_sbi_hart_mask(call, 0, UINT64_MAX, targets);
		return true;
	}
	if (!sbi_legacy_translate(h, va, &gpa))
		cause = RV_EXC_LOAD_PAGE;
	else if (axvm_addrspace_read(h->as, gpa, &mask, sizeof(mask)) != 0)
		cause = RV_EXC_LOAD_ACCESS;
	else {
		call->error = rv_sbi_hart_mask(call, mask, 0, targets);
		return true;
	}
	rv_sbi_log_guest(call, "legacy hart_mask pointer unreadable: fault to the guest");
	h->pc -= 4; /* the ecall (never compressed) */
	rv_hart_raise(h, cause, va);
	call->regs_set = true;
	return false;
}

static int sbi_legacy_handler(struct rv_sbi_call *call)
{
	struct axvm_console *con = call->machine ? call->machine->console : NULL;
	uint64_t targets;

	switch (call->eid) {
	case SBI_EXT_LEGACY_SET_TIMER:
		rv_sbi_pmu_count(&call->hart->sbi, RV_PMU_FW_SET_TIMER);
		rv_hart_set_timer(call->hart, call->args[0]);
		return 1;
	case SBI_EXT_LEGACY_CONSOLE_PUTCHAR:
		rv_sbi_console_put_blocking(call, (uint8_t)call->args[0]);
		return 1;
	case SBI_EXT_LEGACY_CONSOLE_GETCHAR:
		if (con)
			rv_sbi_console_claim(con);
		call->error = con ? axvm_console_pop_for(con, RV_SBI_CONSOLE_CONSUMER) : -1;
		return 1;
	case SBI_EXT_LEGACY_CLEAR_IPI:
		/* 0 if no IPI was pending, a positive value if one was. */
		call->error =
		    (__atomic_load_n(&call->hart->pending, __ATOMIC_ACQUIRE) & RV_MIP_SSIP) != 0;
		rv_hart_clear_interrupt(call->hart, RV_IRQ_SSI);
		return 1;
	case SBI_EXT_LEGACY_SEND_IPI:
		if (sbi_legacy_targets(call, &targets))
			rv_sbi_send_ipi(call, targets);
		return 1;
	case SBI_EXT_LEGACY_REMOTE_FENCE_I:
	case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA:
	case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID:
		if (sbi_legacy_targets(call, &targets))
			rv_sbi_remote_flush(call, targets,
					    call->eid == SBI_EXT_LEGACY_REMOTE_FENCE_I);
		return 1;
	case SBI_EXT_LEGACY_SHUTDOWN:
		rv_sbi_exit_system_down(call, AXVM_SYSTEM_DOWN_POWEROFF, 0);
		return 0;
	default:
		rv_sbi_log_guest(call, "reserved legacy extension");
		call->error = SBI_ERR_NOT_SUPPORTED;
		return 1;
	}
}

/* The reserved EIDs 0x09-0x0F use the legacy convention but are not available. */
static long sbi_legacy_probe(const struct rv_sbi_call *call)
{
	return call->args[0] <= SBI_EXT_LEGACY_SHUTDOWN;
}

const struct rv_sbi_ext rv_sbi_ext_legacy = {
    .name = "legacy",
    .eid_min = SBI_EXT_LEGACY_SET_TIMER,
    .eid_max = SBI_EXT_LEGACY_LAST,
    .legacy = true,
    .probe = sbi_legacy_probe,
    .handler = sbi_legacy_handler,
};
