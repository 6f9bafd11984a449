/* SPDX-License-Identifier: MIT */
/*
 * The F/D guest (guests/fp/fp.c) on our VMM: named FP instructions with
 * literal results and fflags, then every QEMU-recorded reference case run
 * as a real guest instruction. The same binary passes under QEMU
 * (scripts/qemu-guest.sh build/guests/fp.elf). The raw run drives the vCPU on
 * the test's own thread, so it also runs once under a hostile host
 * floating-point environment (round upward, every exception flag raised).
 */
#include <fenv.h>
#include <stdlib.h>

#include "support/guest_vm.h"
#include "test.h"

static struct guest_result fp_res;

static void fp_check(const struct guest_result *res)
{
	CHECK(!res->timed_out);
	CHECK(guest_result_passed(res, "fp"));
	CHECK(guest_console_has_line(res, "ok test_qemu_reference_cases"));
	CHECK(guest_console_has_line(res, "ok test_qemu_reference_cases_with_nx_set"));
	if (test_failed_now() || getenv("GUEST_VERBOSE"))
		guest_result_dump(res);
}

TEST(guest_fp_results_and_fflags_match_reference_raw)
{
	char path[512];

	CHECK_INT(0, guest_vm_run_raw(guest_path("fp", path, sizeof(path)), 30000, &fp_res));
	fp_check(&fp_res);
}

TEST(guest_fp_results_and_fflags_match_reference_on_board)
{
	char path[512];

	CHECK_INT(0, guest_vm_run_board(guest_path("fp", path, sizeof(path)), 1, 30000, &fp_res));
	fp_check(&fp_res);
}

/*
 * Every instruction translated at its first run (AXVM_JIT_HOT=1): with the
 * translator on (JIT=1, the default) each reference case runs as host code,
 * the NX-set pass through jit.c's inline SSE path for D arithmetic.
 */
TEST(guest_fp_results_and_fflags_match_reference_translated_at_once)
{
	char path[512];
	int ret;

	setenv("AXVM_JIT_HOT", "1", 1);
	ret = guest_vm_run_raw(guest_path("fp", path, sizeof(path)), 60000, &fp_res);
	unsetenv("AXVM_JIT_HOT");
	CHECK_INT(0, ret);
	fp_check(&fp_res);
}

TEST(guest_fp_results_ignore_host_rounding_mode_and_flags)
{
	char path[512];
	int ret = -1, round_after = -1, flags_after = -1;

	if (fesetround(FE_UPWARD) == 0 && feraiseexcept(FE_ALL_EXCEPT) == 0) {
		ret = guest_vm_run_raw(guest_path("fp", path, sizeof(path)), 30000, &fp_res);
		round_after = fegetround();
		flags_after = fetestexcept(FE_ALL_EXCEPT);
	}
	feclearexcept(FE_ALL_EXCEPT);
	fesetround(FE_TONEAREST);
	CHECK_INT(0, ret);
	CHECK_INT(FE_UPWARD, round_after);
	CHECK_INT(FE_ALL_EXCEPT, flags_after);
	fp_check(&fp_res);
}
