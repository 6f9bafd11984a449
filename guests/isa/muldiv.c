/* SPDX-License-Identifier: MIT */
/*
 * RV64M: MUL/MULH/MULHSU/MULHU/MULW and DIV/DIVU/REM/REMU with their W forms,
 * including division by zero (quotient all ones, remainder = dividend) and
 * signed overflow (quotient = dividend, remainder 0), ISA manual table 13.1.
 */
#include "isa.h"

GUEST_PROGRAM("isa_muldiv");

#define MIN64 0x8000000000000000ull
#define NEG1 0xffffffffffffffffull

static void test_mul(void)
{
	CHECK_EQ(RR("mul", 7, -3ull), (u64)-21);
	CHECK_EQ(RR("mul", 0x100000000ull, 0x100000000ull), 0);
	CHECK_EQ(RR("mul", MIN64, NEG1), MIN64);
	CHECK_EQ(RR("mul", 0x123456789abcdefull, 0x10), 0x123456789abcdef0ull);
}

static void test_mulh_variants(void)
{
	CHECK_EQ(RR("mulh", NEG1, NEG1), 0);
	CHECK_EQ(RR("mulhu", NEG1, NEG1), 0xfffffffffffffffeull);
	CHECK_EQ(RR("mulhsu", NEG1, NEG1), NEG1);
	CHECK_EQ(RR("mulh", MIN64, MIN64), 0x4000000000000000ull);
	CHECK_EQ(RR("mulhu", MIN64, MIN64), 0x4000000000000000ull);
	CHECK_EQ(RR("mulhsu", MIN64, MIN64), 0xc000000000000000ull);
	CHECK_EQ(RR("mulh", 0x7fffffffffffffffull, 2), 0);
	CHECK_EQ(RR("mulh", -2ull, 3), NEG1);
	CHECK_EQ(RR("mulhsu", 2, NEG1), 1);
}

static void test_mulw_sign_extends(void)
{
	CHECK_EQ(RR("mulw", 0x10000, 0x8000), 0xffffffff80000000ull);
	CHECK_EQ(RR("mulw", 0xffffffff00000003ull, 0x1234567800000005ull), 15);
	CHECK_EQ(RR("mulw", 0x7fffffff, 2), 0xfffffffffffffffeull);
}

static void test_div_rem(void)
{
	CHECK_EQ(RR("div", -7ull, 2), (u64)-3);
	CHECK_EQ(RR("rem", -7ull, 2), (u64)-1);
	CHECK_EQ(RR("div", 7, -2ull), (u64)-3);
	CHECK_EQ(RR("rem", 7, -2ull), 1);
	CHECK_EQ(RR("divu", -7ull, 2), 0x7ffffffffffffffcull);
	CHECK_EQ(RR("remu", -7ull, 2), 1);
}

static void test_div_by_zero(void)
{
	CHECK_EQ(RR("div", 42, 0), NEG1);
	CHECK_EQ(RR("div", -42ull, 0), NEG1);
	CHECK_EQ(RR("divu", 42, 0), NEG1);
	CHECK_EQ(RR("rem", -42ull, 0), -42ull);
	CHECK_EQ(RR("remu", 42, 0), 42);
	CHECK_EQ(RR("divw", 42, 0), NEG1);
	CHECK_EQ(RR("divuw", 42, 0), NEG1);
	CHECK_EQ(RR("remw", 0x1234567880000001ull, 0), 0xffffffff80000001ull);
	CHECK_EQ(RR("remuw", 0x12345678fffffff0ull, 0), 0xfffffffffffffff0ull);
	CHECK_EQ(RR("remuw", 0x1234567800000010ull, 0), 0x10);
	/* only the low 32 bits of the divisor count: 0x100000000 is zero */
	CHECK_EQ(RR("divw", 5, 0x100000000ull), NEG1);
}

static void test_div_overflow(void)
{
	CHECK_EQ(RR("div", MIN64, NEG1), MIN64);
	CHECK_EQ(RR("rem", MIN64, NEG1), 0);
	CHECK_EQ(RR("divw", 0x80000000ull, NEG1), 0xffffffff80000000ull);
	CHECK_EQ(RR("remw", 0x80000000ull, NEG1), 0);
	CHECK_EQ(RR("divu", MIN64, NEG1), 0);
	CHECK_EQ(RR("remu", MIN64, NEG1), MIN64);
}

static void test_w_forms_use_low_word(void)
{
	CHECK_EQ(RR("divw", 0xffffffff00000064ull, 0x00000000fffffff6ull), (u64)-10);
	CHECK_EQ(RR("divuw", 0xffffffff00000064ull, 0x12345678fffffff6ull), 0);
	CHECK_EQ(RR("divuw", 0xfffffffeull, 2), 0x7fffffff);
	CHECK_EQ(RR("divuw", 0xfffffffeull, 1), 0xfffffffffffffffeull);
	CHECK_EQ(RR("remw", -7ull, 2), NEG1);
	CHECK_EQ(RR("remuw", 0x80000007ull, 0x10), 7);
	CHECK_EQ(RR("remuw", 0xffffffffull, 0x80000000ull), 0x7fffffff);
}

int main(unsigned long hartid, unsigned long dtb)
{
	RUN(test_mul);
	RUN(test_mulh_variants);
	RUN(test_mulw_sign_extends);
	RUN(test_div_rem);
	RUN(test_div_by_zero);
	RUN(test_div_overflow);
	RUN(test_w_forms_use_low_word);
	return test_failures();
}
