/* SPDX-License-Identifier: MIT */
/*
 * The ISA self-test guests (guests/isa/) on our VMM: each must print
 * "PASS isa_<area>" and signal pass through the finisher. The same
 * binaries pass under QEMU (scripts/qemu-guest.sh). isa_mmio needs the
 * board's devices and runs in test_guests_on_board.c only.
 */
#include <stdlib.h>

#include "support/guest_vm.h"
#include "test.h"

static struct guest_result isa_res;

static void isa_run(const char *name)
{
	char path[512];
	int ret = guest_vm_run_raw(guest_path(name, path, sizeof(path)), 5000, &isa_res);

	CHECK_INT(0, ret);
	CHECK(!isa_res.timed_out);
	CHECK(guest_result_passed(&isa_res, name));
	if (test_failed_now() || getenv("GUEST_VERBOSE"))
		guest_result_dump(&isa_res);
}

TEST(guest_isa_int_passes)
{
	isa_run("isa_int");
}

TEST(guest_isa_muldiv_passes)
{
	isa_run("isa_muldiv");
}

TEST(guest_isa_amo_passes)
{
	isa_run("isa_amo");
}

TEST(guest_isa_rvc_passes)
{
	isa_run("isa_rvc");
}

TEST(guest_isa_csr_passes)
{
	isa_run("isa_csr");
}

TEST(guest_isa_mmu_passes)
{
	isa_run("isa_mmu");
}

TEST(guest_isa_irq_passes)
{
	isa_run("isa_irq");
}

/* Zba/Zbb/Zbc/Zbs, Zicond, cbo.*, the hints and Svinval (guests/isa/rva22.c; axvm only). */
TEST(guest_isa_rva22_passes)
{
	isa_run("isa_rva22");
}

TEST(guest_isa_fp_passes)
{
	isa_run("isa_fp");
}
