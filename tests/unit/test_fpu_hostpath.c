/* SPDX-License-Identifier: MIT */
/*
 * The host fast path (fpu_host.c) against fpu.c's exact software core, on
 * every one of the recorded QEMU cases (test_fpu_qemu_vectors.inc): where
 * the host path takes an instruction, registers, integer result and fflags
 * must be bit-identical to fpu.c's (and to QEMU's record); where it refuses,
 * nothing may have changed. Run with FMA3 on and off, and under a hostile
 * caller MXCSR (another rounding mode, every flag raised) that must neither
 * leak in nor be lost. Then the rules the vectors could pass by accident:
 * canonical NaNs (x86 would give its negative default NaN or a payload),
 * each flag raised by the host itself, un-boxed singles, RMM and reserved
 * rounding modes.
 */
#include "test.h"

#include "arch/riscv64/fpu_host.h"

#include <fenv.h>
#include <string.h>

#include "test_fpu_vectors.h"

static void hp_setup(const struct fpv_case *k, struct rv_fpu *fpu, uint64_t *x)
{
	memset(fpu, 0, sizeof(*fpu));
	memset(x, 0, 32 * sizeof(*x));
	fpu->fcsr = (uint32_t)k->frm << RV_FCSR_FRM_SHIFT;
	fpu->f[1] = fpv_values[k->a];
	fpu->f[2] = fpv_values[k->b];
	fpu->f[3] = fpv_values[k->c];
	x[11] = fpv_values[k->a];
}

/* Every case through both paths; returns how many the host path took. */
static unsigned hp_all_cases(void)
{
	unsigned taken = 0, bad = 0;

	for (size_t i = 0; i < FPV_NCASES; i++) {
		const struct fpv_case *k = &fpv_cases[i];
		struct rv_fpu soft, host, before;
		uint64_t xs[32], xh[32], xb[32];
		int rs, rh;

		hp_setup(k, &soft, xs);
		hp_setup(k, &host, xh);
		hp_setup(k, &before, xb);
		rs = rv_fpu_execute(&soft, k->insn, xs);
		rh = rv_fpu_host_execute(&host, k->insn, xh);
		if (rh == 1) {
			if (memcmp(&host, &before, sizeof(host)) || memcmp(xh, xb, sizeof(xh))) {
				if (++bad <= 8)
					test_fail_at(
					    __FILE__, __LINE__,
					    "case %zu %s insn 0x%08x: refused but changed state", i,
					    fpv_groups[k->group], k->insn);
			}
			continue;
		}
		taken++;
		if (rh != 0 || rs != 0 || memcmp(&host, &soft, sizeof(host)) ||
		    memcmp(xh, xs, sizeof(xh)) ||
		    ((k->kind & FPV_XD) ? xh[12] : host.f[4]) != k->result ||
		    (host.fcsr & RV_FFLAGS_MASK) != k->flags) {
			if (++bad <= 8)
				test_fail_at(__FILE__, __LINE__,
					     "case %zu %s insn 0x%08x frm %u a 0x%" PRIx64
					     " b 0x%" PRIx64 " c 0x%" PRIx64 ": soft %d 0x%" PRIx64
					     " fflags 0x%x, host %d 0x%" PRIx64 " fflags 0x%x",
					     i, fpv_groups[k->group], k->insn, k->frm,
					     fpv_values[k->a], fpv_values[k->b], fpv_values[k->c],
					     rs, (k->kind & FPV_XD) ? xs[12] : soft.f[4],
					     soft.fcsr & RV_FFLAGS_MASK, rh,
					     (k->kind & FPV_XD) ? xh[12] : host.f[4],
					     host.fcsr & RV_FFLAGS_MASK);
		}
	}
	if (bad > 8)
		test_fail_at(__FILE__, __LINE__, "%u of %zu cases differ", bad, FPV_NCASES);
	return taken;
}

static void hp_require_host(void)
{
	if (!rv_fpu_host_supported())
		test_skip("no host fast path on this architecture (fpu.c does everything)");
}

TEST(test_fpu_host_matches_soft_on_every_vector_with_fma)
{
	unsigned taken;

	hp_require_host();
	if (!rv_fpu_host_has_fma())
		test_skip("host has no FMA3");
	taken = hp_all_cases();
	/* The host must really take most of them, or this test proves nothing. */
	CHECK(taken > FPV_NCASES / 2);
	printf("  host path took %u of %zu cases (FMA3 on)\n", taken, FPV_NCASES);
}

TEST(test_fpu_host_matches_soft_on_every_vector_without_fma)
{
	unsigned taken;

	hp_require_host();
	rv_fpu_host_set_fma(false);
	taken = hp_all_cases();
	rv_fpu_host_set_fma(true);
	CHECK(taken > FPV_NCASES / 3);
	printf("  host path took %u of %zu cases (FMA3 off)\n", taken, FPV_NCASES);
}

TEST(test_fpu_host_ignores_and_keeps_the_callers_mxcsr)
{
	int ok;

	hp_require_host();
	ok = fesetround(FE_UPWARD) == 0 && feraiseexcept(FE_ALL_EXCEPT) == 0;
	hp_all_cases();
	CHECK(fegetround() == FE_UPWARD);
	CHECK(fetestexcept(FE_ALL_EXCEPT) == FE_ALL_EXCEPT);
	fesetround(FE_TONEAREST);
	feclearexcept(FE_ALL_EXCEPT);
	CHECK(ok);
}

#define HP_OPFP(f5, fmt, rs2, rm)                                                                  \
	(((uint32_t)(f5) << 27) | ((uint32_t)(fmt) << 25) | ((uint32_t)(rs2) << 20) | (1u << 15) | \
	 ((uint32_t)(rm) << 12) | (4u << 7) | 0x53u)
#define HP_FMADD_D(rm)                                                                             \
	((3u << 27) | (1u << 25) | (2u << 20) | (1u << 15) | ((uint32_t)(rm) << 12) | (4u << 7) |  \
	 0x43u)
#define D_ONE UINT64_C(0x3ff0000000000000)
#define D_THREE UINT64_C(0x4008000000000000)
#define D_ZERO UINT64_C(0)
#define D_MAX UINT64_C(0x7fefffffffffffff)
#define D_INF UINT64_C(0x7ff0000000000000)
#define D_TINY UINT64_C(0x0010000000000001) /* just above the smallest normal */
#define D_HALF UINT64_C(0x3fe0000000000000)
#define D_QNAN UINT64_C(0x7ff8000000000000)
#define S_BOX UINT64_C(0xffffffff00000000)

/* One instruction on f1 = a, f2 = b, f3 = c through the host path; returns its result. */
static int hp_one(uint32_t insn, uint64_t a, uint64_t b, uint64_t c, uint32_t frm, uint64_t *r,
		  uint32_t *flags)
{
	struct rv_fpu fpu = {.fcsr = frm << RV_FCSR_FRM_SHIFT};
	uint64_t x[32] = {0};
	int ret;

	fpu.f[1] = a;
	fpu.f[2] = b;
	fpu.f[3] = c;
	ret = rv_fpu_host_execute(&fpu, insn, x);
	*r = fpu.f[4];
	*flags = fpu.fcsr & RV_FFLAGS_MASK;
	return ret;
}

TEST(test_fpu_host_raises_each_flag_itself)
{
	uint64_t r;
	uint32_t fl;

	hp_require_host();
	/* 1 / 0: DZ, +inf */
	CHECK_INT(0, hp_one(HP_OPFP(3, 1, 2, RV_RM_RNE), D_ONE, D_ZERO, 0, 0, &r, &fl));
	CHECK_U64(D_INF, r);
	CHECK_INT(RV_FFLAGS_DZ, fl);
	/* max * 2 in RTZ: OF | NX, the largest finite value */
	CHECK_INT(0, hp_one(HP_OPFP(2, 1, 2, RV_RM_RTZ), D_MAX, UINT64_C(0x4000000000000000), 0, 0,
			    &r, &fl));
	CHECK_U64(D_MAX, r);
	CHECK_INT(RV_FFLAGS_OF | RV_FFLAGS_NX, fl);
	/* (just above min normal) * 0.5 in RDN: tiny and inexact: UF | NX */
	CHECK_INT(0, hp_one(HP_OPFP(2, 1, 2, RV_RM_DYN), D_TINY, D_HALF, 0, RV_RM_RDN, &r, &fl));
	CHECK_U64(UINT64_C(0x0008000000000000), r);
	CHECK_INT(RV_FFLAGS_UF | RV_FFLAGS_NX, fl);
	/* 1 / 3 in RUP: NX, rounded up */
	CHECK_INT(0, hp_one(HP_OPFP(3, 1, 2, RV_RM_RUP), D_ONE, D_THREE, 0, 0, &r, &fl));
	CHECK_U64(UINT64_C(0x3fd5555555555556), r);
	CHECK_INT(RV_FFLAGS_NX, fl);
	/* fcvt.w.d 1.5, RNE: 2, NX */
	{
		struct rv_fpu fpu = {.fcsr = 0};
		uint64_t x[32] = {0};

		fpu.f[1] = UINT64_C(0x3ff8000000000000);
		CHECK_INT(0, rv_fpu_host_execute(&fpu, HP_OPFP(0x18, 1, 0, RV_RM_RNE), x));
		CHECK_U64(2, x[4]);
		CHECK_INT(RV_FFLAGS_NX, fpu.fcsr);
	}
}

TEST(test_fpu_host_never_gives_an_x86_nan)
{
	static const struct {
		uint32_t insn;
		uint64_t a, b, c;
		uint32_t flags;
	} nan_cases[] = {
	    {HP_OPFP(3, 1, 2, RV_RM_RNE), D_ZERO, D_ZERO, 0, RV_FFLAGS_NV}, /* 0/0 */
	    {HP_OPFP(1, 1, 2, RV_RM_RNE), D_INF, D_INF, 0, RV_FFLAGS_NV},   /* inf-inf */
	    {HP_OPFP(0x0b, 1, 0, RV_RM_RNE), D_ONE | (UINT64_C(1) << 63), 0, 0, RV_FFLAGS_NV},
	    {HP_OPFP(0, 1, 2, RV_RM_RNE), UINT64_C(0x7ff800000000dead), D_ONE, 0, 0}, /* payload */
	    {HP_OPFP(0, 1, 2, RV_RM_RNE), UINT64_C(0x7ff000000000beef), D_ONE, 0, RV_FFLAGS_NV},
	    {HP_OPFP(0, 0, 2, RV_RM_RNE), S_BOX | 0xffc01234u, S_BOX | 0x3f800000u, 0, 0},
	    /* RISC-V: (inf * 0) + qNaN is invalid; x86 FMA3 stays quiet */
	    {HP_FMADD_D(RV_RM_RNE), D_INF, D_ZERO, D_QNAN, RV_FFLAGS_NV},
	};

	hp_require_host();
	for (size_t i = 0; i < sizeof(nan_cases) / sizeof(nan_cases[0]); i++) {
		struct rv_fpu fpu = {.fcsr = 0};
		uint64_t x[32] = {0},
			 want = (nan_cases[i].insn >> 25 & 3) ? D_QNAN : S_BOX | 0x7fc00000u;
		uint64_t r;
		uint32_t fl;

		/* The host path refuses (its NaN never reaches a register)... */
		CHECK_INT(1, hp_one(nan_cases[i].insn, nan_cases[i].a, nan_cases[i].b,
				    nan_cases[i].c, 0, &r, &fl));
		CHECK_U64(0, r);
		/* ...and the combined path gives RISC-V's canonical NaN and flags. */
		fpu.f[1] = nan_cases[i].a;
		fpu.f[2] = nan_cases[i].b;
		fpu.f[3] = nan_cases[i].c;
		CHECK_INT(0, rv_fpu_execute_fast(&fpu, nan_cases[i].insn, x));
		CHECK_U64(want, fpu.f[4]);
		CHECK_INT(nan_cases[i].flags, fpu.fcsr & RV_FFLAGS_MASK);
	}
}

TEST(test_fpu_host_refuses_what_only_fpu_c_knows)
{
	uint64_t r;
	uint32_t fl;

	hp_require_host();
	/* An un-boxed single reads as the canonical NaN: fpu.c's */
	CHECK_INT(1, hp_one(HP_OPFP(0, 0, 2, RV_RM_RNE), 0x3f800000u, S_BOX | 0x3f800000u, 0, 0, &r,
			    &fl));
	/* RMM (static and dynamic), reserved static and dynamic modes */
	CHECK_INT(1, hp_one(HP_OPFP(0, 1, 2, RV_RM_RMM), D_ONE, D_ONE, 0, 0, &r, &fl));
	CHECK_INT(1, hp_one(HP_OPFP(0, 1, 2, RV_RM_DYN), D_ONE, D_ONE, 0, RV_RM_RMM, &r, &fl));
	CHECK_INT(1, hp_one(HP_OPFP(0, 1, 2, 5), D_ONE, D_ONE, 0, 0, &r, &fl));
	CHECK_INT(1, hp_one(HP_OPFP(0, 1, 2, RV_RM_DYN), D_ONE, D_ONE, 0, 6, &r, &fl));
	/* fcvt.w.d of +inf: x86's "integer indefinite", RISC-V saturates */
	CHECK_INT(1, hp_one(HP_OPFP(0x18, 1, 0, RV_RM_RNE), D_INF, 0, 0, 0, &r, &fl));
	/* fmin of -0 and +0 */
	CHECK_INT(1, hp_one(HP_OPFP(5, 1, 2, 0), D_ZERO, UINT64_C(1) << 63, 0, 0, &r, &fl));
	/* an inexact result of exactly the smallest normal (tininess rules) */
	CHECK_INT(1, hp_one(HP_OPFP(2, 1, 2, RV_RM_RUP), UINT64_C(0x000fffffffffffff),
			    UINT64_C(0x3ff0000000000001), 0, 0, &r, &fl));
	CHECK_U64(0, r);
	CHECK_INT(0, fl);
	/*
	 * (SSE measured here detects tininess after rounding too, so the host
	 * would agree; the refusal costs nothing and keeps the proof simple.)
	 * RISC-V: rounded to the smallest normal, not tiny after rounding: NX only.
	 */
	{
		struct rv_fpu fpu = {.fcsr = 0};
		uint64_t x[32] = {0};

		fpu.f[1] = UINT64_C(0x000fffffffffffff);
		fpu.f[2] = UINT64_C(0x3ff0000000000001);
		CHECK_INT(0, rv_fpu_execute_fast(&fpu, HP_OPFP(2, 1, 2, RV_RM_RUP), x));
		CHECK_U64(UINT64_C(0x0010000000000000), fpu.f[4]);
		CHECK_INT(RV_FFLAGS_NX, fpu.fcsr);
	}
}

#if defined(__x86_64__)
static uint32_t hp_mxcsr(void)
{
	uint32_t m;

	__asm__ volatile("stmxcsr %0" : "=m"(m));
	return m;
}

static void hp_set_mxcsr(uint32_t m)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(m) : "memory");
}
#endif

/*
 * The environment translated code runs in (jit.c's inline path needs RNE,
 * every exception masked, no DAZ/FTZ), and the caller's MXCSR given back
 * whole, control bits and flags, whatever the translated code did to it.
 */
TEST(test_fpu_host_env_for_translated_code_and_back)
{
#if defined(__x86_64__)
	/* round up, DAZ + FTZ, overflow unmasked, flags PE|IE set */
	uint32_t hostile = (0x1f80u & ~0x0400u) | (2u << 13) | 0x8040u | 0x21u, saved, m;

	hp_set_mxcsr(hostile);
	saved = rv_fpu_host_env_enter();
	m = hp_mxcsr();
	hp_set_mxcsr(0x1f80u); /* what the inline path's ldmxcsr does to the flags */
	rv_fpu_host_env_leave(saved);
	CHECK_INT((int)hostile, (int)hp_mxcsr());
	CHECK_INT((int)(0x1f80u | 0x21u), (int)m);
	/* the usual environment: kept as is, flags included */
	hp_set_mxcsr(0x1f80u | 0x10u);
	saved = rv_fpu_host_env_enter();
	CHECK_INT((int)(0x1f80u | 0x10u), (int)hp_mxcsr());
	hp_set_mxcsr(0x1f80u | 0x20u);
	rv_fpu_host_env_leave(saved);
	CHECK_INT((int)(0x1f80u | 0x10u), (int)hp_mxcsr());
	hp_set_mxcsr(0x1f80u);
#else
	test_skip("no MXCSR on this architecture");
#endif
}
