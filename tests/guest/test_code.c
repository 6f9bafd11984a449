/* SPDX-License-Identifier: MIT */
/*
 * Code that changes under the hart (guests/isa/code.c, code_smp.c): the
 * cases a decoded-instruction cache must not serve stale. isa_code runs on
 * one vCPU through the VM API and on the board: self-modifying code with
 * fence.i (1000 patches, compressed, a change of length, AMO/SC/8-byte
 * patches, code sharing its page with hot counters, patches later in the
 * running page and on the next page, an instruction straddling two pages
 * patched half by half, SBI remote_fence_i covering the caller) and Sv39
 * code pages remapped, re-permissioned and switched by satp, in S and U
 * mode, also by code running on the page being switched. isa_code_smp runs
 * on the board with 2 and 4 vCPUs: one hart patches a routine the others
 * run, made visible by SBI remote_fence_i or by the runners' own fence.i,
 * 500 rounds each, 200 rounds patched while the runners execute it, and
 * 500 rounds of a code page remapped under them with remote_sfence_vma.
 * Each case's "ok" line is asserted, so a case that disappears from the
 * guest fails here too. The same binaries pass under QEMU
 * (scripts/qemu-guest.sh; the guests print what they skip there).
 */
#include <stdio.h>
#include <stdlib.h>

#include "support/guest_vm.h"
#include "test.h"

static struct guest_result code_res;

static const char *const code_cases[] = {
    "test_patch_li_1000_times",
    "test_patch_c_li_1000_times",
    "test_patch_alternating_length",
    "test_patch_upper_half_of_instruction",
    "test_patch_one_instruction_of_a_pair",
    "test_patch_by_amo_sc_and_wide_store",
    "test_code_and_hot_data_in_one_page",
    "test_patch_next_instruction_in_running_page",
    "test_patch_later_in_running_page",
    "test_patch_first_instruction_of_next_page",
    "test_patch_straddling_instruction_half_by_half",
    "test_sbi_remote_fence_i_covers_caller",
    "test_remapped_code_page_runs_new_target",
    "test_remapped_user_code_page_runs_new_target",
    "test_code_page_loses_and_regains_execute",
    "test_user_code_page_loses_and_regains_execute",
    "test_satp_switch_runs_other_tables_code",
    "test_satp_asid_switch_without_fence",
    "test_straddling_instruction_second_page_remapped",
    "test_sfence_vma_remaps_the_running_page",
    "test_satp_write_switches_the_running_page",
};

static void code_check_cases(void)
{
	char line[128];

	for (size_t i = 0; i < sizeof(code_cases) / sizeof(code_cases[0]); i++) {
		snprintf(line, sizeof(line), "ok %s", code_cases[i]);
		if (!guest_console_has_line(&code_res, line))
			test_fail_at(__FILE__, __LINE__, "console lacks \"%s\"", line);
	}
}

TEST(guest_isa_code_passes_on_one_vcpu)
{
	char path[512];

	CHECK_INT(0,
		  guest_vm_run_raw(guest_path("isa_code", path, sizeof(path)), 10000, &code_res));
	CHECK(!code_res.timed_out);
	code_check_cases();
	CHECK(guest_result_passed(&code_res, "isa_code"));
	if (test_failed_now() || getenv("GUEST_VERBOSE"))
		guest_result_dump(&code_res);
}

TEST(guest_isa_code_passes_on_board)
{
	char path[512];

	CHECK_INT(
	    0, guest_vm_run_board(guest_path("isa_code", path, sizeof(path)), 1, 10000, &code_res));
	code_check_cases();
	CHECK(guest_result_passed(&code_res, "isa_code"));
	CHECK_INT(0, code_res.status);
	if (test_failed_now() || getenv("GUEST_VERBOSE"))
		guest_result_dump(&code_res);
}

static void code_smp_run(unsigned cpus)
{
	static const char *const lines[] = {
	    "code_smp: remote fence.i: 500 of 500 rounds ok",
	    "code_smp: fence.i on signal: 500 of 500 rounds ok",
	    "code_smp: both decoded: 500 of 500 rounds ok",
	    "code_smp: patched while running: 200 of 200 rounds ok",
	    "code_smp: remote sfence.vma: 500 of 500 rounds ok",
	};
	char path[512], line[64];

	CHECK_INT(0, guest_vm_run_board(guest_path("isa_code_smp", path, sizeof(path)), cpus, 30000,
					&code_res));
	snprintf(line, sizeof(line), "code_smp: harts=%u", cpus);
	CHECK(guest_console_has_line(&code_res, line));
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (!guest_console_has_line(&code_res, lines[i]))
			test_fail_at(__FILE__, __LINE__, "console lacks \"%s\"", lines[i]);
	}
	CHECK(guest_result_passed(&code_res, "isa_code_smp"));
	CHECK_INT(0, code_res.status);
	if (test_failed_now() || getenv("GUEST_VERBOSE"))
		guest_result_dump(&code_res);
}

TEST(guest_code_smp_two_harts_see_every_patch)
{
	code_smp_run(2);
}

TEST(guest_code_smp_four_harts_see_every_patch)
{
	code_smp_run(4);
}
