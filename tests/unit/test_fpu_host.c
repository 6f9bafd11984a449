/* SPDX-License-Identifier: MIT */
/*
 * RV64F/D against a second, independent reference: the host's own IEEE 754
 * hardware (and libm's fma), on millions of seeded random operands, in the
 * four rounding modes both share. Host and RISC-V agree bit for bit except
 * where the ISAs differ, which is exactly what rv_fpu_execute must handle
 * itself: NaN payloads (the host propagates them, RISC-V returns the
 * canonical NaN, so only "is a NaN" is compared). Tininess is compared too:
 * x86's SSE, like RISC-V, detects it after rounding, so UF agrees even for
 * results that round to the smallest normal (operands are drawn around it).
 */
#include "test.h"

#include "arch/riscv64/fpu.h"

#include <fenv.h>
#include <math.h>

#define CASES_PER_RUN 40000

enum fh_op { FH_ADD, FH_SUB, FH_MUL, FH_DIV, FH_SQRT, FH_FMA };

static const int fh_host_modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
static const unsigned fh_rv_modes[] = {RV_RM_RNE, RV_RM_RTZ, RV_RM_RDN, RV_RM_RUP};

static uint64_t fh_rng_state;

static uint64_t fh_rand(void)
{
	uint64_t x = fh_rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	fh_rng_state = x;
	return x;
}

/* Random operand bits, biased towards the exponent extremes, subnormals and specials. */
static uint64_t fh_operand(int p, int ebits)
{
	uint64_t emax = (UINT64_C(1) << ebits) - 1, bias = emax >> 1;
	uint64_t frac = fh_rand() & ((UINT64_C(1) << (p - 1)) - 1);
	uint64_t sign = fh_rand() & 1, e;
	unsigned k = fh_rand() % 100;

	if (k < 40)
		e = bias - 20 + fh_rand() % 41;
	else if (k < 60)
		e = 1 + fh_rand() % (emax - 1);
	else if (k < 72)
		e = 1 + fh_rand() % 4;
	else if (k < 84)
		e = emax - 1 - fh_rand() % 4;
	else if (k < 94)
		e = 0;
	else
		e = emax; /* inf or NaN */
	if (fh_rand() % 4 == 0)
		frac &= ~((UINT64_C(1) << (fh_rand() % (p - 1))) - 1);
	return sign << (p + ebits - 1) | e << (p - 1) | frac;
}

static uint32_t fh_insn(enum fh_op op, unsigned fmt, unsigned rm)
{
	static const unsigned funct5[] = {
	    [FH_ADD] = 0x00, [FH_SUB] = 0x01, [FH_MUL] = 0x02, [FH_DIV] = 0x03, [FH_SQRT] = 0x0b};

	if (op == FH_FMA)
		return 3u << 27 | fmt << 25 | 2u << 20 | 1u << 15 | rm << 12 | 4u << 7 |
		       RV_OPC_MADD;
	return funct5[op] << 27 | fmt << 25 | (op == FH_SQRT ? 0u : 2u) << 20 | 1u << 15 |
	       rm << 12 | 4u << 7 | RV_OPC_OP_FP;
}

/* The host computes in its current rounding mode; volatile keeps it at run time. */
static double fh_host_d(enum fh_op op, double a, double b, double c)
{
	volatile double va = a, vb = b, vc = c, r;

	switch (op) {
	case FH_ADD:
		r = va + vb;
		break;
	case FH_SUB:
		r = va - vb;
		break;
	case FH_MUL:
		r = va * vb;
		break;
	case FH_DIV:
		r = va / vb;
		break;
	case FH_SQRT:
		r = sqrt(va);
		break;
	default:
		r = fma(va, vb, vc);
		break;
	}
	return r;
}

static float fh_host_s(enum fh_op op, float a, float b, float c)
{
	volatile float va = a, vb = b, vc = c, r;

	switch (op) {
	case FH_ADD:
		r = va + vb;
		break;
	case FH_SUB:
		r = va - vb;
		break;
	case FH_MUL:
		r = va * vb;
		break;
	case FH_DIV:
		r = va / vb;
		break;
	case FH_SQRT:
		r = sqrtf(va);
		break;
	default:
		r = fmaf(va, vb, vc);
		break;
	}
	return r;
}

static uint32_t fh_host_flags(void)
{
	int e = fetestexcept(FE_ALL_EXCEPT);

	return (e & FE_INEXACT ? RV_FFLAGS_NX : 0) | (e & FE_UNDERFLOW ? RV_FFLAGS_UF : 0) |
	       (e & FE_OVERFLOW ? RV_FFLAGS_OF : 0) | (e & FE_DIVBYZERO ? RV_FFLAGS_DZ : 0) |
	       (e & FE_INVALID ? RV_FFLAGS_NV : 0);
}

/* Run CASES_PER_RUN random cases of op in format fmt (0 S, 1 D) under every shared mode. */
static void fh_compare(enum fh_op op, unsigned fmt)
{
	unsigned bad = 0;
	int p = fmt ? 53 : 24, ebits = fmt ? 11 : 8;
	uint64_t min_normal = UINT64_C(1) << (p - 1);
	uint64_t mag_mask = fmt ? UINT64_C(0x7fffffffffffffff) : 0x7fffffff;
	uint64_t qnan = fmt ? UINT64_C(0x7ff8000000000000) : 0x7fc00000;

	fh_rng_state = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)op << 8 ^ fmt;
	for (unsigned m = 0; m < 4; m++) {
		for (unsigned i = 0; i < CASES_PER_RUN; i++) {
			uint64_t a = fh_operand(p, ebits), b = fh_operand(p, ebits);
			uint64_t c = fh_operand(p, ebits), host, ours;
			struct rv_fpu fpu = {.fcsr = 0};
			uint64_t x[32] = {0};
			uint32_t host_flags, mask = RV_FFLAGS_MASK;
			bool host_nan;

			if (op == FH_FMA && fh_rand() % 2) {
				/* An addend near the product: cancellation and close ties. */
				int64_t emax = (1 << ebits) - 1, bias = emax >> 1;
				int64_t ea = (int64_t)((a & mag_mask) >> (p - 1));
				int64_t eb = (int64_t)((b & mag_mask) >> (p - 1));
				int64_t ec = ea + eb - bias + (int64_t)(fh_rand() % (p + 6)) - p;

				ec = ec < 1 ? 1 : ec > emax - 1 ? emax - 1 : ec;
				c = (fh_rand() & 1) << (p + ebits - 1) | (uint64_t)ec << (p - 1) |
				    (fh_rand() & (min_normal - 1));
			}
			fesetround(fh_host_modes[m]);
			feclearexcept(FE_ALL_EXCEPT);
			if (fmt) {
				double da, db, dc, r;

				memcpy(&da, &a, 8);
				memcpy(&db, &b, 8);
				memcpy(&dc, &c, 8);
				r = fh_host_d(op, da, db, dc);
				host_flags = fh_host_flags();
				memcpy(&host, &r, 8);
				host_nan = isnan(r);
			} else {
				uint32_t ua = (uint32_t)a, ub = (uint32_t)b, uc = (uint32_t)c, ur;
				float fa, fb, fc, r;

				memcpy(&fa, &ua, 4);
				memcpy(&fb, &ub, 4);
				memcpy(&fc, &uc, 4);
				r = fh_host_s(op, fa, fb, fc);
				host_flags = fh_host_flags();
				memcpy(&ur, &r, 4);
				host = ur;
				host_nan = isnan(r);
			}
			fesetround(FE_TONEAREST);
			feclearexcept(FE_ALL_EXCEPT);

			fpu.f[1] = fmt ? a : UINT64_C(0xffffffff00000000) | a;
			fpu.f[2] = fmt ? b : UINT64_C(0xffffffff00000000) | b;
			fpu.f[3] = fmt ? c : UINT64_C(0xffffffff00000000) | c;
			if (rv_fpu_execute(&fpu, fh_insn(op, fmt, fh_rv_modes[m]), x) != 0) {
				bad++;
				continue;
			}
			ours = fmt ? fpu.f[4] : (uint32_t)fpu.f[4];
			if (host_nan)
				host = qnan;
			if (ours == host && (fpu.fcsr & mask) == (host_flags & mask))
				continue;
			if (++bad <= 6)
				test_fail_at(__FILE__, __LINE__,
					     "op %d fmt %u rm %u a 0x%" PRIx64 " b 0x%" PRIx64
					     " c 0x%" PRIx64 ": host 0x%" PRIx64 " flags 0x%x, "
					     "ours 0x%" PRIx64 " flags 0x%x",
					     op, fmt, fh_rv_modes[m], a, b, c, host, host_flags,
					     ours, fpu.fcsr);
		}
	}
	CHECK_INT(0, bad);
}

TEST(test_fpu_fadd_matches_host_on_random_operands)
{
	fh_compare(FH_ADD, 0);
	fh_compare(FH_ADD, 1);
}

TEST(test_fpu_fsub_matches_host_on_random_operands)
{
	fh_compare(FH_SUB, 0);
	fh_compare(FH_SUB, 1);
}

TEST(test_fpu_fmul_matches_host_on_random_operands)
{
	fh_compare(FH_MUL, 0);
	fh_compare(FH_MUL, 1);
}

TEST(test_fpu_fdiv_matches_host_on_random_operands)
{
	fh_compare(FH_DIV, 0);
	fh_compare(FH_DIV, 1);
}

TEST(test_fpu_fsqrt_matches_host_on_random_operands)
{
	fh_compare(FH_SQRT, 0);
	fh_compare(FH_SQRT, 1);
}

TEST(test_fpu_fmadd_matches_host_fma_on_random_operands)
{
	fh_compare(FH_FMA, 0);
	fh_compare(FH_FMA, 1);
}
