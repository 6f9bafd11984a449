/* SPDX-License-Identifier: MIT */
/*
 * Multi-vCPU atomics (guests/smp): on the virt board with the runtime (one
 * host thread per vCPU), the boot hart starts the others with SBI HSM
 * hart_start and every hart adds 1 to shared counters 100000 times with
 * amoadd.d, amoadd.w, lr.d/sc.d and lr.w/sc.w loops; the totals must be
 * exact. Then the secondary harts sleep in wfi until the boot hart's SBI IPI
 * wakes them (a halted vCPU woken from another thread) and stop with HSM
 * hart_stop, which the boot hart sees through hart_get_status. Before they
 * stop, a page they keep reading through Sv39 is remapped and an SBI RFENCE
 * remote_sfence_vma must make each of them see the new page.
 */
#include <stdio.h>
#include <stdlib.h>

#include "support/guest_vm.h"
#include "test.h"

static struct guest_result smp_res;

static void smp_run(unsigned cpus)
{
	char path[512], line[160];
	unsigned long long want = 100000ull * cpus;

	CHECK_INT(0,
		  guest_vm_run_board(guest_path("smp", path, sizeof(path)), cpus, 20000, &smp_res));
	snprintf(line, sizeof(line),
		 "smp: harts=%u iters=100000 amo_d=%llu amo_w=%llu lrsc_d=%llu lrsc_w=%llu", cpus,
		 want, want, want, want);
	CHECK(guest_console_has_line(&smp_res, line));
	snprintf(line, sizeof(line), "smp: ipi woke %u of %u harts", cpus - 1, cpus - 1);
	CHECK(guest_console_has_line(&smp_res, line));
	snprintf(line, sizeof(line), "smp: remote sfence.vma reached %u of %u harts", cpus - 1,
		 cpus - 1);
	CHECK(guest_console_has_line(&smp_res, line));
	snprintf(line, sizeof(line), "smp: %u of %u harts stopped", cpus - 1, cpus - 1);
	CHECK(guest_console_has_line(&smp_res, line));
	CHECK(guest_result_passed(&smp_res, "smp"));
	CHECK_INT(0, smp_res.status);
	if (test_failed_now() || getenv("GUEST_VERBOSE"))
		guest_result_dump(&smp_res);
}

TEST(guest_smp_two_harts_reach_exact_totals)
{
	smp_run(2);
}

TEST(guest_smp_four_harts_reach_exact_totals)
{
	smp_run(4);
}
