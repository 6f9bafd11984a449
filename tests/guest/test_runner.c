/* SPDX-License-Identifier: MIT */
/*
 * The guest runner itself: a guest that fails is reported as failed with its
 * code, and the default guest's greeting and SRST poweroff are seen.
 */
#include "support/guest_vm.h"
#include "test.h"

static struct guest_result runner_res;

TEST(guest_runner_reports_failure_code)
{
	char path[512];

	CHECK_INT(0, guest_vm_run_raw(guest_path("fail", path, sizeof(path)), 5000, &runner_res));
	CHECK(runner_res.finished);
	CHECK(!runner_res.finisher_pass);
	CHECK_INT(7, runner_res.finisher_code);
	CHECK(guest_console_has_line(&runner_res, "FAIL fail 7"));
	CHECK(!guest_result_passed(&runner_res, "fail"));
}

TEST(guest_sbi_calls_behave_raw)
{
	char path[512];

	CHECK_INT(0, guest_vm_run_raw(guest_path("sbi", path, sizeof(path)), 5000, &runner_res));
	CHECK(guest_result_passed(&runner_res, "sbi"));
	CHECK(guest_console_has_line(&runner_res, "legacy console: ok"));
	if (test_failed_now())
		guest_result_dump(&runner_res);
}

TEST(guest_hello_greets_and_powers_off_raw)
{
	char path[512];

	CHECK_INT(0, guest_vm_run_raw(guest_path("hello", path, sizeof(path)), 5000, &runner_res));
	CHECK(guest_console_has_line(&runner_res, "axvm default guest: hello from hart 0"));
	CHECK(guest_console_has_line(&runner_res, "self-check: 3 of 3 checks passed"));
	CHECK(runner_res.system_down);
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, runner_res.down_type);
	CHECK_U64(0, runner_res.down_code);
	CHECK(!runner_res.finished);
	if (test_failed_now())
		guest_result_dump(&runner_res);
}
