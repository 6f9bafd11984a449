/* SPDX-License-Identifier: MIT */
/*
 * The SBI as a guest sees it (SBI spec v2.0): Base (spec version, probe of
 * the extensions a kernel needs, unknown extensions), HSM status and errors,
 * IPI and RFENCE argument errors, the legacy console. Literal results where
 * OpenSBI 1.1 (QEMU) and our SBI agree by the spec. ext.c: PMU, STA, SUSP,
 * FWFT; v3.c: DBTR and SSE.
 */
#include "guest.h"

GUEST_PROGRAM("sbi");

#define SBI_EXT_RFENCE 0x52464E43

static void test_base_spec_version_and_probe(void)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0, 0);

	CHECK_EQ(r.error, 0);
	/* major in bits 30:24; at least v0.2 for the extension-based calls */
	CHECK(((r.value >> 24) & 0x7f) > 0 || (r.value & 0xffffff) >= 2);
	CHECK(sbi_probe(SBI_EXT_TIME) != 0);
	CHECK(sbi_probe(SBI_EXT_IPI) != 0);
	CHECK(sbi_probe(SBI_EXT_RFENCE) != 0);
	CHECK(sbi_probe(SBI_EXT_HSM) != 0);
	CHECK(sbi_probe(SBI_EXT_SRST) != 0);
	CHECK_EQ(sbi_probe(0x0a000000), 0);
	printf("  spec version 0x%lx, DBCN %s\n", r.value,
	       sbi_probe(SBI_EXT_DBCN) ? "present" : "absent");
}

static void test_unknown_extension_not_supported(void)
{
	struct sbiret r = sbi_call(0x0a000000, 0, 1, 2, 3, 4);

	CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED);
	r = sbi_call(SBI_EXT_BASE, 0x77, 0, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED);
}

static void test_hsm_status_and_errors(void)
{
	struct sbiret r = sbi_hart_status(guest_boot_hartid);

	CHECK_EQ(r.error, 0);
	CHECK_EQ(r.value, 0); /* STARTED */
	r = sbi_hart_start(guest_boot_hartid, 0x80200000ul, 0);
	CHECK_EQ(r.error, SBI_ERR_ALREADY_AVAILABLE);
	r = sbi_hart_status(1000);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
	r = sbi_hart_start(1000, 0x80200000ul, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
}

static void test_ipi_and_rfence_bad_mask(void)
{
	struct sbiret r;

	/*
	 * A hart mask naming a hart that does not exist: INVALID_PARAM (SBI
	 * v2.0, send_ipi). OpenSBI 1.1 skips such harts and reports success.
	 */
	r = sbi_send_ipi(1ul << 60, 0);
	if (!sbi_is_opensbi())
		CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
	else
		CHECK(r.error == SBI_ERR_INVALID_PARAM || r.error == 0);
	/* remote fence.i to self is fine */
	r = sbi_call(SBI_EXT_RFENCE, 0, 1ul << guest_boot_hartid, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	/* remote sfence.vma of the whole address space (size = -1) */
	r = sbi_call(SBI_EXT_RFENCE, 1, 1ul << guest_boot_hartid, 0, 0, -1);
	CHECK_EQ(r.error, 0);
}

static void test_legacy_console_putchar(void)
{
	const char *s = "legacy console: ok\n";

	while (*s)
		sbi_legacy_putchar(*s++);
}

/* ext.c */
void test_probe_new_extensions(void);
void test_pmu_instret_counter_and_firmware_counter(void);
void test_sscofpmf_counter_wrap_takes_lcofi(void);
void test_sta_set_shmem_and_read_steal_time(void);
void test_susp_suspend_to_ram_and_resume_with_memory_intact(void);
void test_fwft_misaligned_delegation_and_ad_updating(void);
/* v3.c */
void test_probe_sbi3_extensions(void);
void test_dbtr_execute_and_store_triggers(void);
void test_sse_local_event_runs_and_complete_resumes(void);
void test_sse_pmu_overflow_event_instead_of_lcofi(void);

int main(unsigned long hartid, unsigned long dtb)
{
	RUN(test_base_spec_version_and_probe);
	RUN(test_unknown_extension_not_supported);
	RUN(test_hsm_status_and_errors);
	RUN(test_ipi_and_rfence_bad_mask);
	RUN(test_legacy_console_putchar);
	RUN(test_probe_new_extensions);
	RUN(test_pmu_instret_counter_and_firmware_counter);
	RUN(test_sscofpmf_counter_wrap_takes_lcofi);
	RUN(test_sta_set_shmem_and_read_steal_time);
	RUN(test_susp_suspend_to_ram_and_resume_with_memory_intact);
	RUN(test_fwft_misaligned_delegation_and_ad_updating);
	RUN(test_probe_sbi3_extensions);
	RUN(test_dbtr_execute_and_store_triggers);
	RUN(test_sse_local_event_runs_and_complete_resumes);
	RUN(test_sse_pmu_overflow_event_instead_of_lcofi);
	return test_failures();
}
