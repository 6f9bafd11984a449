/* SPDX-License-Identifier: MIT */
/*
 * RV64F/D behaviours one at a time, with hand-derived expected bit patterns
 * and fflags (the exhaustive QEMU-recorded tables are in test_fpu_qemu.c).
 * Convention of every case: f1 = x11 = a, f2 = b, f3 = c; rd = f4, or x12
 * for integer results.
 */
#include "test.h"

#include "arch/riscv64/fpu.h"

enum { S = 0, D = 1 };
enum { RNE, RTZ, RDN, RUP, RMM, DYN = 7 };
enum { NX = 0x01, UF = 0x02, OF = 0x04, DZ = 0x08, NV = 0x10 };

#define F5_ADD 0x00
#define F5_SUB 0x01
#define F5_MUL 0x02
#define F5_DIV 0x03
#define F5_SGNJ 0x04
#define F5_MINMAX 0x05
#define F5_CVT_FF 0x08
#define F5_SQRT 0x0b
#define F5_CMP 0x14
#define F5_CVT_IF 0x18
#define F5_CVT_FI 0x1a
#define F5_MVX_CLASS 0x1c
#define F5_MVF 0x1e

#define BOX(v) (UINT64_C(0xffffffff00000000) | (uint32_t)(v))

/* OP-FP with the case convention: FP sources f1/f2, integer source x11. */
static uint32_t opfp(unsigned funct5, unsigned fmt, unsigned rs2, unsigned rm, bool int_dest,
		     bool int_src)
{
	return funct5 << 27 | fmt << 25 | rs2 << 20 | (int_src ? 11u : 1u) << 15 | rm << 12 |
	       (int_dest ? 12u : 4u) << 7 | RV_OPC_OP_FP;
}

static uint32_t r4(unsigned opcode, unsigned fmt, unsigned rm)
{
	return 3u << 27 | fmt << 25 | 2u << 20 | 1u << 15 | rm << 12 | 4u << 7 | opcode;
}

struct run {
	int ret;
	uint64_t f4, x12;
	uint32_t flags, fcsr;
};

static struct run run3(uint32_t insn, unsigned frm, uint64_t a, uint64_t b, uint64_t c)
{
	struct rv_fpu fpu = {.fcsr = frm << RV_FCSR_FRM_SHIFT};
	uint64_t x[32] = {0};
	struct run r;

	fpu.f[1] = a;
	fpu.f[2] = b;
	fpu.f[3] = c;
	x[11] = a;
	r.ret = rv_fpu_execute(&fpu, insn, x);
	r.f4 = fpu.f[4];
	r.x12 = x[12];
	r.fcsr = fpu.fcsr;
	r.flags = fpu.fcsr & RV_FFLAGS_MASK;
	return r;
}

static struct run run2(uint32_t insn, uint64_t a, uint64_t b)
{
	return run3(insn, 0, a, b, 0);
}

#define CHECK_F(r, value, fflags)                                                                  \
	do {                                                                                       \
		CHECK_INT(0, (r).ret);                                                             \
		CHECK_U64(value, (r).f4);                                                          \
		CHECK_U64(fflags, (r).flags);                                                      \
	} while (0)

#define CHECK_X(r, value, fflags)                                                                  \
	do {                                                                                       \
		CHECK_INT(0, (r).ret);                                                             \
		CHECK_U64(value, (r).x12);                                                         \
		CHECK_U64(fflags, (r).flags);                                                      \
	} while (0)

#define ONE_S BOX(0x3f800000)
#define ONE_D UINT64_C(0x3ff0000000000000)

/* ---- rounding ---- */

TEST(test_fpu_fadd_s_halfway_rounds_to_even)
{
	/* 1 + 2^-24 is exactly half an ulp above 1.0. */
	CHECK_F(run2(opfp(F5_ADD, S, 2, RNE, 0, 0), ONE_S, BOX(0x33800000)), BOX(0x3f800000), NX);
	/* (1 + 2^-23) + 2^-24: the tie goes up, to the even 1 + 2^-22. */
	CHECK_F(run2(opfp(F5_ADD, S, 2, RNE, 0, 0), BOX(0x3f800001), BOX(0x33800000)),
		BOX(0x3f800002), NX);
}

TEST(test_fpu_fadd_s_rmm_rounds_halfway_away_from_zero)
{
	CHECK_F(run2(opfp(F5_ADD, S, 2, RMM, 0, 0), ONE_S, BOX(0x33800000)), BOX(0x3f800001), NX);
	CHECK_F(run2(opfp(F5_ADD, S, 2, RMM, 0, 0), BOX(0xbf800000), BOX(0xb3800000)),
		BOX(0xbf800001), NX);
}

TEST(test_fpu_fadd_d_each_rounding_mode_on_a_tail_below_half)
{
	/* 1 + 2^-60: a nonzero tail far below half an ulp (2^-53). */
	uint64_t tiny = UINT64_C(0x3c30000000000000);

	CHECK_F(run2(opfp(F5_ADD, D, 2, RNE, 0, 0), ONE_D, tiny), ONE_D, NX);
	CHECK_F(run2(opfp(F5_ADD, D, 2, RTZ, 0, 0), ONE_D, tiny), ONE_D, NX);
	CHECK_F(run2(opfp(F5_ADD, D, 2, RDN, 0, 0), ONE_D, tiny), ONE_D, NX);
	CHECK_F(run2(opfp(F5_ADD, D, 2, RUP, 0, 0), ONE_D, tiny), UINT64_C(0x3ff0000000000001), NX);
	CHECK_F(run2(opfp(F5_ADD, D, 2, RMM, 0, 0), ONE_D, tiny), ONE_D, NX);
}

TEST(test_fpu_dynamic_rm_uses_frm)
{
	uint64_t tiny = UINT64_C(0x3c30000000000000);

	CHECK_F(run3(opfp(F5_ADD, D, 2, DYN, 0, 0), RUP, ONE_D, tiny, 0),
		UINT64_C(0x3ff0000000000001), NX);
	CHECK_F(run3(opfp(F5_ADD, D, 2, DYN, 0, 0), RNE, ONE_D, tiny, 0), ONE_D, NX);
}

TEST(test_fpu_static_rm_overrides_frm)
{
	uint64_t tiny = UINT64_C(0x3c30000000000000);

	CHECK_F(run3(opfp(F5_ADD, D, 2, RTZ, 0, 0), RUP, ONE_D, tiny, 0), ONE_D, NX);
}

TEST(test_fpu_exact_result_raises_no_flag)
{
	CHECK_F(run2(opfp(F5_MUL, D, 2, RNE, 0, 0), UINT64_C(0x4008000000000000),
		     UINT64_C(0x3fe0000000000000)),
		UINT64_C(0x3ff8000000000000), 0); /* 3 * 0.5 = 1.5 */
}

/* ---- overflow and underflow ---- */

TEST(test_fpu_overflow_gives_inf_or_max_by_rounding_mode)
{
	uint64_t max = BOX(0x7f7fffff), two = BOX(0x40000000);

	CHECK_F(run2(opfp(F5_MUL, S, 2, RNE, 0, 0), max, two), BOX(0x7f800000), OF | NX);
	CHECK_F(run2(opfp(F5_MUL, S, 2, RTZ, 0, 0), max, two), BOX(0x7f7fffff), OF | NX);
	CHECK_F(run2(opfp(F5_MUL, S, 2, RDN, 0, 0), max, two), BOX(0x7f7fffff), OF | NX);
	CHECK_F(run2(opfp(F5_MUL, S, 2, RUP, 0, 0), max, two), BOX(0x7f800000), OF | NX);
	CHECK_F(run2(opfp(F5_MUL, S, 2, RMM, 0, 0), max, two), BOX(0x7f800000), OF | NX);
	CHECK_F(run2(opfp(F5_MUL, S, 2, RUP, 0, 0), BOX(0xff7fffff), two), BOX(0xff7fffff),
		OF | NX);
	CHECK_F(run2(opfp(F5_MUL, S, 2, RDN, 0, 0), BOX(0xff7fffff), two), BOX(0xff800000),
		OF | NX);
}

TEST(test_fpu_tininess_is_detected_after_rounding)
{
	/*
	 * (1 + 2^-23) * (2^-126 * (1 - 2^-23)) = 2^-126 * (1 - 2^-46): rounded to
	 * 24 bits with an unbounded exponent it is 2^-126, not tiny, so RNE gives
	 * the smallest normal with NX and no UF (x86 detects tininess before
	 * rounding and would raise UF here).
	 */
	CHECK_F(run2(opfp(F5_MUL, S, 2, RNE, 0, 0), BOX(0x3f800001), BOX(0x007fffff)),
		BOX(0x00800000), NX);
	/* Truncated, the same product stays below 2^-126: tiny and inexact. */
	CHECK_F(run2(opfp(F5_MUL, S, 2, RTZ, 0, 0), BOX(0x3f800001), BOX(0x007fffff)),
		BOX(0x007fffff), UF | NX);
}

TEST(test_fpu_tiny_inexact_result_rounding_up_to_min_normal_raises_uf)
{
	/*
	 * (1 - 2^-24) * 2^-126 is exact with 24 bits, so tiny after rounding; in
	 * the subnormal range it is a tie between 0x7fffff and 0x800000 ulps.
	 */
	CHECK_F(run2(opfp(F5_MUL, S, 2, RNE, 0, 0), BOX(0x3f7fffff), BOX(0x00800000)),
		BOX(0x00800000), UF | NX);
}

TEST(test_fpu_exact_subnormal_result_raises_no_uf)
{
	/* 2^-126 * 0.5 = 2^-127, exactly representable as a subnormal. */
	CHECK_F(run2(opfp(F5_MUL, S, 2, RNE, 0, 0), BOX(0x00800000), BOX(0x3f000000)),
		BOX(0x00400000), 0);
	CHECK_F(run2(opfp(F5_SUB, D, 2, RNE, 0, 0), UINT64_C(0x0010000000000001),
		     UINT64_C(0x0010000000000000)),
		UINT64_C(0x0000000000000001), 0);
}

TEST(test_fpu_underflow_to_zero_keeps_the_sign)
{
	/* -min_subnormal * 0.25 rounds to -0 (RNE), or to -min_subnormal under RDN. */
	CHECK_F(run2(opfp(F5_MUL, D, 2, RNE, 0, 0), UINT64_C(0x8000000000000001),
		     UINT64_C(0x3fd0000000000000)),
		UINT64_C(0x8000000000000000), UF | NX);
	CHECK_F(run2(opfp(F5_MUL, D, 2, RDN, 0, 0), UINT64_C(0x8000000000000001),
		     UINT64_C(0x3fd0000000000000)),
		UINT64_C(0x8000000000000001), UF | NX);
}

/* ---- signed zeros ---- */

TEST(test_fpu_exact_zero_sum_is_positive_except_rdn)
{
	CHECK_F(run2(opfp(F5_ADD, S, 2, RNE, 0, 0), BOX(0), BOX(0x80000000)), BOX(0), 0);
	CHECK_F(run2(opfp(F5_ADD, S, 2, RDN, 0, 0), BOX(0), BOX(0x80000000)), BOX(0x80000000), 0);
	CHECK_F(run2(opfp(F5_SUB, D, 2, RNE, 0, 0), ONE_D, ONE_D), 0, 0);
	CHECK_F(run2(opfp(F5_SUB, D, 2, RDN, 0, 0), ONE_D, ONE_D), UINT64_C(0x8000000000000000), 0);
	CHECK_F(run2(opfp(F5_ADD, D, 2, RUP, 0, 0), UINT64_C(0x8000000000000000),
		     UINT64_C(0x8000000000000000)),
		UINT64_C(0x8000000000000000), 0);
}

/* ---- NaNs ---- */

TEST(test_fpu_nan_results_are_canonical)
{
	/* A quiet NaN with payload and sign set: no NV, the payload is dropped. */
	CHECK_F(run2(opfp(F5_ADD, D, 2, RNE, 0, 0), UINT64_C(0xfff8000000001234), ONE_D),
		UINT64_C(0x7ff8000000000000), 0);
	CHECK_F(run2(opfp(F5_MUL, S, 2, RNE, 0, 0), ONE_S, BOX(0xffc01234)), BOX(0x7fc00000), 0);
}

TEST(test_fpu_signalling_nan_operand_raises_nv)
{
	CHECK_F(run2(opfp(F5_ADD, D, 2, RNE, 0, 0), UINT64_C(0x7ff0000000000001), ONE_D),
		UINT64_C(0x7ff8000000000000), NV);
	CHECK_F(run2(opfp(F5_DIV, S, 2, RNE, 0, 0), ONE_S, BOX(0x7f800001)), BOX(0x7fc00000), NV);
}

TEST(test_fpu_invalid_operations_raise_nv)
{
	uint64_t inf = UINT64_C(0x7ff0000000000000), ninf = UINT64_C(0xfff0000000000000);

	CHECK_F(run2(opfp(F5_ADD, D, 2, RNE, 0, 0), inf, ninf), UINT64_C(0x7ff8000000000000), NV);
	CHECK_F(run2(opfp(F5_MUL, D, 2, RNE, 0, 0), inf, 0), UINT64_C(0x7ff8000000000000), NV);
	CHECK_F(run2(opfp(F5_DIV, D, 2, RNE, 0, 0), 0, 0), UINT64_C(0x7ff8000000000000), NV);
	CHECK_F(run2(opfp(F5_DIV, D, 2, RNE, 0, 0), inf, ninf), UINT64_C(0x7ff8000000000000), NV);
}

TEST(test_fpu_divide_by_zero_raises_dz)
{
	CHECK_F(run2(opfp(F5_DIV, S, 2, RNE, 0, 0), BOX(0xbf800000), BOX(0)), BOX(0xff800000), DZ);
	CHECK_F(run2(opfp(F5_DIV, S, 2, RNE, 0, 0), ONE_S, BOX(0x80000000)), BOX(0xff800000), DZ);
}

TEST(test_fpu_unboxed_single_operand_reads_as_canonical_nan)
{
	/* 1.0f without the upper 32 ones: a quiet NaN, so no NV. */
	CHECK_F(run2(opfp(F5_ADD, S, 2, RNE, 0, 0), UINT64_C(0x000000003f800000), ONE_S),
		BOX(0x7fc00000), 0);
	/* Even a partial box (one zero bit in the upper half) is not a box. */
	CHECK_F(run2(opfp(F5_SGNJ, S, 2, 0, 0, 0), UINT64_C(0xfffffffe3f800000), ONE_S),
		BOX(0x7fc00000), 0);
}

TEST(test_fpu_single_results_are_nan_boxed)
{
	CHECK_F(run2(opfp(F5_ADD, S, 2, RNE, 0, 0), ONE_S, ONE_S), BOX(0x40000000), 0);
}

/* ---- sqrt ---- */

TEST(test_fpu_fsqrt)
{
	CHECK_F(run2(opfp(F5_SQRT, D, 0, RNE, 0, 0), UINT64_C(0x4000000000000000), 0),
		UINT64_C(0x3ff6a09e667f3bcd), NX); /* sqrt(2) */
	CHECK_F(run2(opfp(F5_SQRT, D, 0, RTZ, 0, 0), UINT64_C(0x4000000000000000), 0),
		UINT64_C(0x3ff6a09e667f3bcc), NX);
	CHECK_F(run2(opfp(F5_SQRT, S, 0, RNE, 0, 0), BOX(0x41100000), 0), BOX(0x40400000), 0);
	CHECK_F(run2(opfp(F5_SQRT, D, 0, RNE, 0, 0), UINT64_C(0x8000000000000000), 0),
		UINT64_C(0x8000000000000000), 0); /* sqrt(-0) = -0 */
	CHECK_F(run2(opfp(F5_SQRT, D, 0, RNE, 0, 0), UINT64_C(0xbff0000000000000), 0),
		UINT64_C(0x7ff8000000000000), NV);
	CHECK_F(run2(opfp(F5_SQRT, S, 0, RNE, 0, 0), BOX(1), 0), BOX(0x1a3504f3),
		NX); /* sqrt(2^-149) = 2^-74.5 */
}

/* ---- fused multiply-add ---- */

TEST(test_fpu_fmadd_rounds_once)
{
	/* (1 + 2^-30)(1 - 2^-30) - 1 = -2^-60 exactly; two roundings would give 0. */
	CHECK_F(run3(r4(RV_OPC_MADD, D, RNE), 0, UINT64_C(0x3ff0000000400000),
		     UINT64_C(0x3fefffffff800000), UINT64_C(0xbff0000000000000)),
		UINT64_C(0xbc30000000000000), 0);
}

TEST(test_fpu_fma_sign_variants)
{
	uint64_t two = UINT64_C(0x4000000000000000), three = UINT64_C(0x4008000000000000);

	/* a*b + c, a*b - c, -(a*b) + c, -(a*b) - c with a = b = 1, c = 2. */
	CHECK_F(run3(r4(RV_OPC_MADD, D, RNE), 0, ONE_D, ONE_D, two), three, 0);
	CHECK_F(run3(r4(RV_OPC_MSUB, D, RNE), 0, ONE_D, ONE_D, two), UINT64_C(0xbff0000000000000),
		0);
	CHECK_F(run3(r4(RV_OPC_NMSUB, D, RNE), 0, ONE_D, ONE_D, two), ONE_D, 0);
	CHECK_F(run3(r4(RV_OPC_NMADD, D, RNE), 0, ONE_D, ONE_D, two), UINT64_C(0xc008000000000000),
		0);
}

TEST(test_fpu_fma_inf_times_zero_plus_qnan_raises_nv)
{
	CHECK_F(run3(r4(RV_OPC_MADD, S, RNE), 0, BOX(0x7f800000), BOX(0), BOX(0x7fc00000)),
		BOX(0x7fc00000), NV);
	/* Without the inf * 0, a quiet NaN addend is quiet. */
	CHECK_F(run3(r4(RV_OPC_MADD, S, RNE), 0, BOX(0x7f800000), ONE_S, BOX(0x7fc00000)),
		BOX(0x7fc00000), 0);
}

TEST(test_fpu_fma_zero_product_plus_zero_sign)
{
	/* +0 * 1 + -0 = +0 (RNE), -0 (RDN); fnmadd(+0, 1, +0) = -0 - 0 = -0. */
	CHECK_F(run3(r4(RV_OPC_MADD, D, RNE), 0, 0, ONE_D, UINT64_C(0x8000000000000000)), 0, 0);
	CHECK_F(run3(r4(RV_OPC_MADD, D, RDN), 0, 0, ONE_D, UINT64_C(0x8000000000000000)),
		UINT64_C(0x8000000000000000), 0);
	CHECK_F(run3(r4(RV_OPC_NMADD, D, RNE), 0, 0, ONE_D, 0), UINT64_C(0x8000000000000000), 0);
}

/* ---- sign injection, min/max, compares, class ---- */

TEST(test_fpu_fsgnj_family)
{
	uint64_t m2 = BOX(0xc0000000); /* -2 */

	CHECK_F(run2(opfp(F5_SGNJ, S, 2, 0, 0, 0), ONE_S, m2), BOX(0xbf800000), 0);
	CHECK_F(run2(opfp(F5_SGNJ, S, 2, 1, 0, 0), ONE_S, m2), BOX(0x3f800000), 0);
	CHECK_F(run2(opfp(F5_SGNJ, S, 2, 2, 0, 0), BOX(0xbf800000), m2), BOX(0x3f800000), 0);
	/* Sign injection never canonicalises or signals: an sNaN keeps its payload. */
	CHECK_F(run2(opfp(F5_SGNJ, D, 2, 1, 0, 0), UINT64_C(0x7ff0000000000001), 0),
		UINT64_C(0xfff0000000000001), 0);
}

TEST(test_fpu_fmin_fmax_order_minus_zero_below_plus_zero)
{
	CHECK_F(run2(opfp(F5_MINMAX, S, 2, 0, 0, 0), BOX(0), BOX(0x80000000)), BOX(0x80000000), 0);
	CHECK_F(run2(opfp(F5_MINMAX, S, 2, 1, 0, 0), BOX(0x80000000), BOX(0)), BOX(0), 0);
}

TEST(test_fpu_fmin_fmax_with_nan_operands)
{
	uint64_t qnan = UINT64_C(0x7ff8000000000000), snan = UINT64_C(0x7ff0000000000001);

	CHECK_F(run2(opfp(F5_MINMAX, D, 2, 0, 0, 0), qnan, ONE_D), ONE_D, 0);
	CHECK_F(run2(opfp(F5_MINMAX, D, 2, 1, 0, 0), ONE_D, snan), ONE_D, NV);
	CHECK_F(run2(opfp(F5_MINMAX, D, 2, 0, 0, 0), UINT64_C(0xfff8000000000005), snan),
		UINT64_C(0x7ff8000000000000), NV);
}

TEST(test_fpu_feq_is_quiet_flt_fle_signal)
{
	uint64_t qnan = BOX(0x7fc00000), snan = BOX(0x7f800001);

	CHECK_X(run2(opfp(F5_CMP, S, 2, 2, 1, 0), qnan, ONE_S), 0, 0);
	CHECK_X(run2(opfp(F5_CMP, S, 2, 2, 1, 0), snan, ONE_S), 0, NV);
	CHECK_X(run2(opfp(F5_CMP, S, 2, 1, 1, 0), qnan, ONE_S), 0, NV);
	CHECK_X(run2(opfp(F5_CMP, S, 2, 0, 1, 0), ONE_S, qnan), 0, NV);
}

TEST(test_fpu_compares_treat_zeros_as_equal)
{
	uint64_t nz = UINT64_C(0x8000000000000000);

	CHECK_X(run2(opfp(F5_CMP, D, 2, 2, 1, 0), nz, 0), 1, 0); /* feq */
	CHECK_X(run2(opfp(F5_CMP, D, 2, 1, 1, 0), nz, 0), 0, 0); /* flt */
	CHECK_X(run2(opfp(F5_CMP, D, 2, 0, 1, 0), 0, nz), 1, 0); /* fle */
	CHECK_X(run2(opfp(F5_CMP, D, 2, 1, 1, 0), UINT64_C(0xbff0000000000000), nz), 1, 0);
}

TEST(test_fpu_fclass_each_class)
{
	static const struct {
		uint64_t v;
		uint64_t cls;
	} cases[] = {
	    {UINT64_C(0xfff0000000000000), 1 << 0}, {UINT64_C(0xbff0000000000000), 1 << 1},
	    {UINT64_C(0x800fffffffffffff), 1 << 2}, {UINT64_C(0x8000000000000000), 1 << 3},
	    {UINT64_C(0x0000000000000000), 1 << 4}, {UINT64_C(0x0000000000000001), 1 << 5},
	    {UINT64_C(0x0010000000000000), 1 << 6}, {UINT64_C(0x7ff0000000000000), 1 << 7},
	    {UINT64_C(0x7ff4000000000000), 1 << 8}, {UINT64_C(0xfff8000000000000), 1 << 9},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_X(run2(opfp(F5_MVX_CLASS, D, 0, 1, 1, 0), cases[i].v, 0), cases[i].cls, 0);
	/* An unboxed single is the canonical quiet NaN. */
	CHECK_X(run2(opfp(F5_MVX_CLASS, S, 0, 1, 1, 0), UINT64_C(0x3f800000), 0), 1 << 9, 0);
}

/* ---- conversions ---- */

TEST(test_fpu_fcvt_to_int_saturates_on_nan_and_overflow)
{
	uint64_t qnan = BOX(0x7fc00000), ninf = BOX(0xff800000);
	uint64_t big = UINT64_C(0x41e65a0bc0000000); /* 3e9 */

	CHECK_X(run2(opfp(F5_CVT_IF, S, 0, RNE, 1, 0), qnan, 0), 0x7fffffff, NV);
	CHECK_X(run2(opfp(F5_CVT_IF, S, 1, RNE, 1, 0), qnan, 0), UINT64_C(0xffffffffffffffff), NV);
	CHECK_X(run2(opfp(F5_CVT_IF, S, 2, RNE, 1, 0), qnan, 0), UINT64_C(0x7fffffffffffffff), NV);
	CHECK_X(run2(opfp(F5_CVT_IF, S, 3, RNE, 1, 0), qnan, 0), UINT64_C(0xffffffffffffffff), NV);
	CHECK_X(run2(opfp(F5_CVT_IF, S, 0, RNE, 1, 0), ninf, 0), UINT64_C(0xffffffff80000000), NV);
	CHECK_X(run2(opfp(F5_CVT_IF, S, 3, RNE, 1, 0), ninf, 0), 0, NV);
	CHECK_X(run2(opfp(F5_CVT_IF, D, 0, RNE, 1, 0), big, 0), 0x7fffffff, NV);
	/* Not the x86 "integer indefinite" 0x8000000000000000 for +overflow. */
	CHECK_X(run2(opfp(F5_CVT_IF, D, 2, RNE, 1, 0), UINT64_C(0x43e0000000000000), 0),
		UINT64_C(0x7fffffffffffffff), NV); /* 2^63 */
	CHECK_X(run2(opfp(F5_CVT_IF, D, 2, RNE, 1, 0), UINT64_C(0xc3e0000000000000), 0),
		UINT64_C(0x8000000000000000), 0); /* -2^63 fits */
}

TEST(test_fpu_fcvt_wu_result_is_sign_extended)
{
	CHECK_X(run2(opfp(F5_CVT_IF, D, 1, RNE, 1, 0), UINT64_C(0x41e65a0bc0000000), 0),
		UINT64_C(0xffffffffb2d05e00), 0); /* 3000000000 */
}

TEST(test_fpu_fcvt_to_int_rounds_by_mode)
{
	uint64_t m25 = UINT64_C(0xc004000000000000); /* -2.5 */

	CHECK_X(run2(opfp(F5_CVT_IF, D, 0, RNE, 1, 0), m25, 0), UINT64_C(0xfffffffffffffffe), NX);
	CHECK_X(run2(opfp(F5_CVT_IF, D, 0, RTZ, 1, 0), m25, 0), UINT64_C(0xfffffffffffffffe), NX);
	CHECK_X(run2(opfp(F5_CVT_IF, D, 0, RDN, 1, 0), m25, 0), UINT64_C(0xfffffffffffffffd), NX);
	CHECK_X(run2(opfp(F5_CVT_IF, D, 0, RUP, 1, 0), m25, 0), UINT64_C(0xfffffffffffffffe), NX);
	CHECK_X(run2(opfp(F5_CVT_IF, D, 0, RMM, 1, 0), m25, 0), UINT64_C(0xfffffffffffffffd), NX);
}

TEST(test_fpu_fcvt_unsigned_of_negative)
{
	/* -0.5 rounds to -0, which fits: inexact only. -1.0 does not fit: invalid. */
	CHECK_X(run2(opfp(F5_CVT_IF, S, 1, RTZ, 1, 0), BOX(0xbf000000), 0), 0, NX);
	CHECK_X(run2(opfp(F5_CVT_IF, S, 3, RNE, 1, 0), BOX(0xbf800000), 0), 0, NV);
}

TEST(test_fpu_fcvt_from_int_rounds)
{
	/* 2^24 + 1 is halfway between two singles: ties to even 2^24. */
	CHECK_F(run2(opfp(F5_CVT_FI, S, 0, RNE, 0, 1), 0x01000001, 0), BOX(0x4b800000), NX);
	CHECK_F(run2(opfp(F5_CVT_FI, S, 0, RUP, 0, 1), 0x01000001, 0), BOX(0x4b800001), NX);
	/* W sources use only the low 32 bits, as a signed value. */
	CHECK_F(run2(opfp(F5_CVT_FI, D, 0, RNE, 0, 1), UINT64_C(0x12345678ffffffff), 0),
		UINT64_C(0xbff0000000000000), 0);
	CHECK_F(run2(opfp(F5_CVT_FI, D, 1, RNE, 0, 1), UINT64_C(0x12345678ffffffff), 0),
		UINT64_C(0x41efffffffe00000), 0);
	CHECK_F(run2(opfp(F5_CVT_FI, D, 3, RNE, 0, 1), UINT64_C(0xffffffffffffffff), 0),
		UINT64_C(0x43f0000000000000), NX);
	CHECK_F(run2(opfp(F5_CVT_FI, D, 2, RNE, 0, 1), UINT64_C(0x8000000000000000), 0),
		UINT64_C(0xc3e0000000000000), 0);
}

TEST(test_fpu_fcvt_s_d_rounds_and_fcvt_d_s_is_exact)
{
	/* 1 + 2^-24 in double: a tie when narrowed. */
	CHECK_F(run2(opfp(F5_CVT_FF, S, 1, RNE, 0, 0), UINT64_C(0x3ff0000010000000), 0),
		BOX(0x3f800000), NX);
	CHECK_F(run2(opfp(F5_CVT_FF, S, 1, RUP, 0, 0), UINT64_C(0x3ff0000010000000), 0),
		BOX(0x3f800001), NX);
	CHECK_F(run2(opfp(F5_CVT_FF, S, 1, RNE, 0, 0), UINT64_C(0x47effffff0000000), 0),
		BOX(0x7f800000), OF | NX); /* rounds above FLT_MAX */
	CHECK_F(run2(opfp(F5_CVT_FF, D, 0, RNE, 0, 0), BOX(1), 0), UINT64_C(0x36a0000000000000),
		0); /* 2^-149 */
	CHECK_F(run2(opfp(F5_CVT_FF, D, 0, RNE, 0, 0), BOX(0x7f800001), 0),
		UINT64_C(0x7ff8000000000000), NV);
}

/* ---- moves ---- */

TEST(test_fpu_fmv_x_w_sign_extends_raw_bits)
{
	CHECK_X(run2(opfp(F5_MVX_CLASS, S, 0, 0, 1, 0), BOX(0x80000000), 0),
		UINT64_C(0xffffffff80000000), 0);
	/* A transfer, not an operation: no unboxing and no canonicalisation. */
	CHECK_X(run2(opfp(F5_MVX_CLASS, S, 0, 0, 1, 0), UINT64_C(0x123456787fc00001), 0),
		UINT64_C(0x000000007fc00001), 0);
}

TEST(test_fpu_fmv_w_x_boxes_and_fmv_d_x_copies)
{
	CHECK_F(run2(opfp(F5_MVF, S, 0, 0, 0, 1), UINT64_C(0x12345678cafef00d), 0), BOX(0xcafef00d),
		0);
	CHECK_F(run2(opfp(F5_MVF, D, 0, 0, 0, 1), UINT64_C(0x7ff0000000000001), 0),
		UINT64_C(0x7ff0000000000001), 0);
	CHECK_X(run2(opfp(F5_MVX_CLASS, D, 0, 0, 1, 0), UINT64_C(0xfff0000000000001), 0),
		UINT64_C(0xfff0000000000001), 0);
}

/* ---- fcsr and illegal encodings ---- */

TEST(test_fpu_fflags_accrue_and_frm_is_kept)
{
	struct rv_fpu fpu = {.fcsr = RV_RM_RUP << RV_FCSR_FRM_SHIFT | RV_FFLAGS_DZ};
	uint64_t x[32] = {0};

	fpu.f[1] = UINT64_C(0x7ff0000000000001);
	fpu.f[2] = ONE_D;
	REQUIRE_OK(rv_fpu_execute(&fpu, opfp(F5_ADD, D, 2, DYN, 0, 0), x));
	CHECK_U64(RV_RM_RUP << RV_FCSR_FRM_SHIFT | RV_FFLAGS_DZ | RV_FFLAGS_NV, fpu.fcsr);
}

TEST(test_fpu_reserved_rounding_modes_are_illegal)
{
	CHECK_INT(-1, run2(opfp(F5_ADD, S, 2, 5, 0, 0), ONE_S, ONE_S).ret);
	CHECK_INT(-1, run2(opfp(F5_ADD, S, 2, 6, 0, 0), ONE_S, ONE_S).ret);
	CHECK_INT(-1, run3(opfp(F5_ADD, S, 2, DYN, 0, 0), 5, ONE_S, ONE_S, 0).ret);
	CHECK_INT(-1, run3(opfp(F5_ADD, S, 2, DYN, 0, 0), 7, ONE_S, ONE_S, 0).ret);
	CHECK_INT(-1, run3(r4(RV_OPC_NMSUB, D, DYN), 6, ONE_D, ONE_D, ONE_D).ret);
	/* Widening is exact, but its rm field is still decoded. */
	CHECK_INT(-1, run2(opfp(F5_CVT_FF, D, 0, 5, 0, 0), ONE_S, 0).ret);
}

TEST(test_fpu_rm_is_not_checked_where_funct3_selects_the_operation)
{
	/* fsgnj with frm = 7 (reserved) in fcsr still executes. */
	CHECK_F(run3(opfp(F5_SGNJ, D, 2, 0, 0, 0), 7, ONE_D, ONE_D, 0), ONE_D, 0);
}

TEST(test_fpu_unsupported_formats_and_functs_are_illegal)
{
	CHECK_INT(-1, run2(opfp(F5_ADD, 2, 2, RNE, 0, 0), ONE_D, ONE_D).ret); /* H */
	CHECK_INT(-1, run2(opfp(F5_ADD, 3, 2, RNE, 0, 0), ONE_D, ONE_D).ret); /* Q */
	CHECK_INT(-1, run2(opfp(0x06, D, 2, RNE, 0, 0), ONE_D, ONE_D).ret);
	CHECK_INT(-1, run2(opfp(F5_SQRT, D, 1, RNE, 0, 0), ONE_D, 0).ret);
	CHECK_INT(-1, run2(opfp(F5_CVT_FF, D, 1, RNE, 0, 0), ONE_D, 0).ret); /* fcvt.d.d */
	CHECK_INT(-1, run2(opfp(F5_CVT_IF, D, 4, RNE, 1, 0), ONE_D, 0).ret);
	CHECK_INT(-1, run2(opfp(F5_MVX_CLASS, D, 0, 2, 1, 0), ONE_D, 0).ret);
	CHECK_INT(-1, run2(opfp(F5_MVF, D, 0, 1, 0, 1), ONE_D, 0).ret);
	CHECK_INT(-1, run2(0x00000013, 0, 0).ret); /* addi: not an FP opcode */
}

TEST(test_fpu_illegal_instruction_changes_nothing)
{
	struct rv_fpu fpu = {.fcsr = 0x7f};
	uint64_t x[32];

	for (unsigned i = 0; i < 32; i++) {
		fpu.f[i] = UINT64_C(0x1111111111111111) * (i & 0xf);
		x[i] = UINT64_C(0x0101010101010101) * i;
	}
	fpu.f[1] = UINT64_C(0x7ff0000000000001);
	CHECK_INT(-1, rv_fpu_execute(&fpu, opfp(F5_ADD, D, 2, 5, 0, 0), x));
	CHECK_INT(-1, rv_fpu_execute(&fpu, opfp(F5_CMP, D, 2, 3, 1, 0), x));
	CHECK_U64(0x4444444444444444, fpu.f[4]);
	CHECK_U64(0x0c0c0c0c0c0c0c0c, x[12]);
	CHECK_U64(0x7f, fpu.fcsr);
}

TEST(test_fpu_random_encodings_either_execute_or_change_nothing)
{
	static const uint32_t opcodes[] = {RV_OPC_MADD, RV_OPC_MSUB, RV_OPC_NMSUB, RV_OPC_NMADD,
					   RV_OPC_OP_FP};
	uint64_t seed = 0x243f6a8885a308d3;
	unsigned executed = 0, illegal = 0;

	for (unsigned i = 0; i < 200000; i++) {
		struct rv_fpu fpu, before;
		uint64_t x[32], x_before[32];
		uint32_t insn;
		int ret;

		for (unsigned r = 0; r < 32; r++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			fpu.f[r] = seed;
			x[r] = seed * 31;
		}
		fpu.fcsr = (uint32_t)seed & RV_FCSR_MASK;
		insn = (uint32_t)(seed >> 32) & ~0x7fu;
		insn |= opcodes[(seed >> 8) % 5];
		before = fpu;
		memcpy(x_before, x, sizeof(x));
		ret = rv_fpu_execute(&fpu, insn, x);
		if (ret != 0) {
			illegal++;
			if (ret != -1 || memcmp(&fpu, &before, sizeof(fpu)) != 0 ||
			    memcmp(x, x_before, sizeof(x)) != 0) {
				test_fail_at(__FILE__, __LINE__,
					     "insn 0x%08x: ret %d, state changed", insn, ret);
				return;
			}
			continue;
		}
		executed++;
		/* Only fflags may change in fcsr, and only by being set. */
		CHECK_U64(before.fcsr, fpu.fcsr & before.fcsr);
		CHECK_U64(0, (fpu.fcsr ^ before.fcsr) & ~RV_FFLAGS_MASK);
		/* A single result in an f register is always NaN-boxed. */
		if (((insn >> 25) & 3) == 0 && memcmp(x, x_before, sizeof(x)) == 0)
			CHECK_U64(0xffffffff, fpu.f[(insn >> 7) & 31] >> 32);
		if (test_failed_now())
			return;
	}
	CHECK(executed > 10000);
	CHECK(illegal > 10000);
}
