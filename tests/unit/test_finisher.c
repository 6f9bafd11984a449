/* SPDX-License-Identifier: MIT */
/* sifive,test0 finisher: commands and their results. */
#include "test.h"

#include "devices/test_finisher.h"

struct finisher_fixture {
	struct axvm_test_finisher *tf;
	unsigned calls;
	enum axvm_system_down_type type;
	int status;
};

static void finisher_cb(void *opaque, enum axvm_system_down_type type, int status)
{
	struct finisher_fixture *f = opaque;

	f->calls++;
	f->type = type;
	f->status = status;
}

static int finisher_setup(struct finisher_fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->status = -1;
	f->type = AXVM_SYSTEM_DOWN_WARM_REBOOT;
	return axvm_test_finisher_create(finisher_cb, f, &f->tf);
}

static void wr(struct finisher_fixture *f, uint64_t off, uint32_t v)
{
	axvm_test_finisher_ops.write(f->tf, off, 4, v);
}

TEST(test_finisher_pass_powers_off_with_status_zero)
{
	struct finisher_fixture f;

	REQUIRE_OK(finisher_setup(&f));
	wr(&f, 0, 0x5555);
	CHECK_INT(1, f.calls);
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, f.type);
	CHECK_INT(0, f.status);
	axvm_test_finisher_destroy(f.tf);
}

TEST(test_finisher_fail_reports_code)
{
	struct finisher_fixture f;

	REQUIRE_OK(finisher_setup(&f));
	wr(&f, 0, (42u << 16) | 0x3333);
	CHECK_INT(1, f.calls);
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, f.type);
	CHECK_INT(42, f.status);
	axvm_test_finisher_destroy(f.tf);
}

/* The status is a process exit status: the code's low 8 bits, as exit(3) keeps them. */
TEST(test_finisher_fail_status_is_the_low_byte_of_the_code)
{
	struct finisher_fixture f;

	REQUIRE_OK(finisher_setup(&f));
	wr(&f, 0, (300u << 16) | 0x3333);
	CHECK_INT(44, f.status);
	wr(&f, 0, 0xffff3333);
	CHECK_INT(255, f.status);
	axvm_test_finisher_destroy(f.tf);
}

TEST(test_finisher_fail_with_code_zero_is_status_one)
{
	struct finisher_fixture f;

	REQUIRE_OK(finisher_setup(&f));
	wr(&f, 0, 0x3333);
	CHECK_INT(1, f.calls);
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, f.type);
	CHECK_INT(1, f.status);
	axvm_test_finisher_destroy(f.tf);
}

/* Code 256 would be exit status 0: a pass. */
TEST(test_finisher_fail_with_a_multiple_of_256_is_status_one)
{
	struct finisher_fixture f;

	REQUIRE_OK(finisher_setup(&f));
	wr(&f, 0, (256u << 16) | 0x3333);
	CHECK_INT(1, f.status);
	wr(&f, 0, (0xff00u << 16) | 0x3333);
	CHECK_INT(1, f.status);
	axvm_test_finisher_destroy(f.tf);
}

TEST(test_finisher_reset_asks_cold_reboot)
{
	struct finisher_fixture f;

	REQUIRE_OK(finisher_setup(&f));
	wr(&f, 0, 0x7777);
	CHECK_INT(1, f.calls);
	CHECK_INT(AXVM_SYSTEM_DOWN_COLD_REBOOT, f.type);
	axvm_test_finisher_destroy(f.tf);
}

TEST(test_finisher_ignores_unknown_commands_and_offsets)
{
	struct finisher_fixture f;

	REQUIRE_OK(finisher_setup(&f));
	wr(&f, 0, 0x1234);
	wr(&f, 0, 0);
	wr(&f, 4, 0x5555);
	CHECK_INT(0, f.calls);
	axvm_test_finisher_destroy(f.tf);
}

TEST(test_finisher_reads_zero)
{
	struct finisher_fixture f;
	uint64_t v = 99;

	REQUIRE_OK(finisher_setup(&f));
	CHECK_INT(0, axvm_test_finisher_ops.read(f.tf, 0, 4, &v));
	CHECK_U64(0, v);
	axvm_test_finisher_destroy(f.tf);
}
