/* SPDX-License-Identifier: MIT */
/*
 * The hart's statistics as named counters (axvm/stats.h, the backend's
 * read_counters op): instructions retired, interrupts and exceptions taken
 * by cause, SBI calls by extension and function. Zero counters are left
 * out, so a reader sees what the guest did, not the whole table.
 */
#include <stdio.h>

#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"

static const char *const stats_interrupt_names[RV_STAT_CAUSES] = {
    [1] = "ssi",
    [5] = "sti",
    [9] = "sei",
    [13] = "lcofi",
};
static const char *const stats_exception_names[RV_STAT_CAUSES] = {
    [RV_EXC_INSN_MISALIGNED] = "insn_misaligned",
    [RV_EXC_INSN_ACCESS] = "insn_access",
    [RV_EXC_ILLEGAL] = "illegal_insn",
    [RV_EXC_BREAKPOINT] = "breakpoint",
    [RV_EXC_LOAD_MISALIGNED] = "load_misaligned",
    [RV_EXC_LOAD_ACCESS] = "load_access",
    [RV_EXC_STORE_MISALIGNED] = "store_misaligned",
    [RV_EXC_STORE_ACCESS] = "store_access",
    [RV_EXC_ECALL_U] = "ecall_u",
    [RV_EXC_ECALL_S] = "ecall_s",
    [RV_EXC_INSN_PAGE] = "insn_page_fault",
    [RV_EXC_LOAD_PAGE] = "load_page_fault",
    [RV_EXC_STORE_PAGE] = "store_page_fault",
};

static uint64_t stats_load(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* "prefix.name" or "prefix.N" for a code without a name. */
static void stats_emit_causes(const uint64_t *counts, const char *const *names, const char *prefix,
			      void (*fn)(void *opaque, const char *name, uint64_t v), void *opaque)
{
	char name[64];

	for (unsigned i = 0; i < RV_STAT_CAUSES; i++) {
		uint64_t v = stats_load(&counts[i]);

		if (!v)
			continue;
		if (names[i])
			snprintf(name, sizeof(name), "%s.%s", prefix, names[i]);
		else
			snprintf(name, sizeof(name), "%s.%u", prefix, i);
		fn(opaque, name, v);
	}
}

void rv_hart_read_counters(struct rv_hart *h,
			   void (*fn)(void *opaque, const char *name, uint64_t v), void *opaque)
{
	char name[64];

	fn(opaque, "instret", stats_load(&h->instret));
	stats_emit_causes(h->stat_interrupts, stats_interrupt_names, "interrupt", fn, opaque);
	stats_emit_causes(h->stat_exceptions, stats_exception_names, "exception", fn, opaque);
	for (unsigned e = 0; e < RV_STAT_SBI_EXTS; e++) {
		const struct rv_sbi_ext *ext = rv_sbi_ext_at(e);

		for (unsigned f = 0; ext && f < RV_STAT_SBI_FIDS; f++) {
			uint64_t v = stats_load(&h->stat_sbi[e][f]);

			if (!v)
				continue;
			snprintf(name, sizeof(name), "sbi.%s.%s%u", ext->name,
				 f == RV_STAT_SBI_FIDS - 1 ? ">=" : "", f);
			fn(opaque, name, v);
		}
	}
	if (stats_load(&h->stat_sbi_unserved))
		fn(opaque, "sbi.unserved", stats_load(&h->stat_sbi_unserved));
}
