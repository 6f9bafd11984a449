/* SPDX-License-Identifier: MIT */
/*
 * The F/D guest (guests/fp/fp.c) on our VMM: named FP instructions with
 * literal results and fflags, then every QEMU-recorded reference case run
 * as a real guest instruction. The same binary passes under QEMU
 * (scripts/qemu-guest.sh build/guests/fp.elf).
 */
#include <stdlib.h>

#include "support/guest_vm.h"
#include "test.h"

static struct guest_result fp_res;

static void fp_check(const struct guest_result *res)
{
	CHECK(!res->timed_out);
	CHECK(guest_result_passed(res, "fp"));
	CHECK(guest_console_has_line(res, "ok test_qemu_reference_cases"));
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
