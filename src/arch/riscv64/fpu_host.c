/* SPDX-License-Identifier: MIT */
/*
 * The host fast path of fpu_host.h. Every host operation runs in one asm
 * statement that saves the caller's MXCSR, loads the instruction's, runs the
 * SSE/FMA instruction, reads the flags back and restores the caller's: the
 * compiler can neither move the operation out of its rounding mode nor fold
 * it at compile time. The refusals (see fpu_host.h) are checked before (the
 * operands) and after (the result and the flags) the host runs it; a refusal
 * after the run discards what the host computed.
 */
#include "arch/riscv64/fpu_host.h"

#include "arch/riscv64/fpu_ieee.h"

#include <string.h>

#if defined(__x86_64__)

#define FH_MXCSR_MASKED 0x1f80u /* every exception masked, RNE, DAZ/FTZ off, no flags */
#define FH_MXCSR_PE 0x20u

#define FH_D_SIGN UINT64_C(0x8000000000000000)
#define FH_D_INF UINT64_C(0x7ff0000000000000)
#define FH_D_MIN_NORMAL UINT64_C(0x0010000000000000)
#define FH_S_SIGN UINT64_C(0x80000000)
#define FH_S_INF UINT64_C(0x7f800000)
#define FH_S_MIN_NORMAL UINT64_C(0x00800000)
#define FH_BOX_S UINT64_C(0xffffffff00000000)

/* MXCSR.RC for RV_RM_RNE..RV_RM_RUP: 00 nearest, 11 toward zero, 01 down, 10 up. */
static const uint32_t fh_rc[4] = {0u << 13, 3u << 13, 1u << 13, 2u << 13};

enum fh_op {
	FH_ADD,
	FH_SUB,
	FH_MUL,
	FH_DIV,
	FH_SQRT,
	FH_FMADD,  /* a*b + c */
	FH_FMSUB,  /* a*b - c */
	FH_FNMADD, /* x86's: -(a*b) + c (RISC-V FNMSUB) */
	FH_FNMSUB, /* x86's: -(a*b) - c (RISC-V FNMADD) */
	FH_CVT_SD, /* single -> double */
	FH_CVT_DS, /* double -> single */
};

static int fh_fma = -1; /* -1: not probed yet */

bool rv_fpu_host_supported(void)
{
	return true;
}

static bool fh_probe_fma(void)
{
	/* FMA3 is VEX-encoded: it also needs AVX state enabled by the OS (what "avx" checks). */
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx") && __builtin_cpu_supports("fma");
}

bool rv_fpu_host_has_fma(void)
{
	int v = __atomic_load_n(&fh_fma, __ATOMIC_RELAXED);

	if (v < 0) {
		v = fh_probe_fma() ? 1 : 0;
		__atomic_store_n(&fh_fma, v, __ATOMIC_RELAXED);
	}
	return v != 0;
}

void rv_fpu_host_set_fma(bool on)
{
	__atomic_store_n(&fh_fma, on && fh_probe_fma() ? 1 : 0, __ATOMIC_RELAXED);
}

uint32_t rv_fpu_host_env_enter(void)
{
	uint32_t m, want;

	__asm__ volatile("stmxcsr %0" : "=m"(m));
	if ((m & ~0x3fu) != FH_MXCSR_MASKED) {
		want = FH_MXCSR_MASKED | (m & 0x3fu);
		__asm__ volatile("ldmxcsr %0" : : "m"(want) : "memory");
	}
	return m;
}

void rv_fpu_host_env_leave(uint32_t saved)
{
	uint32_t m;

	/* Translated code may have cleared or raised flags: the caller's come back too. */
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	if (m != saved)
		__asm__ volatile("ldmxcsr %0" : : "m"(saved) : "memory");
}

uint32_t rv_fpu_host_mxcsr_fflags(uint32_t mxcsr)
{
	return (mxcsr & 0x01u ? RV_FFLAGS_NV : 0) | (mxcsr & 0x04u ? RV_FFLAGS_DZ : 0) |
	       (mxcsr & 0x08u ? RV_FFLAGS_OF : 0) | (mxcsr & 0x10u ? RV_FFLAGS_UF : 0) |
	       (mxcsr & 0x20u ? RV_FFLAGS_NX : 0);
}

/*
 * One asm statement per operation: save the caller's MXCSR, load mx, run,
 * store the resulting MXCSR into *out, restore. x: the first operand and the
 * result; y, z: the others.
 */
#define FH_ASM_C(cons, insn, dst, ...)                                                             \
	__asm__ volatile("stmxcsr %[sv]\n\t"                                                       \
			 "ldmxcsr %[mx]\n\t" insn "\n\t"                                           \
			 "stmxcsr %[res]\n\t"                                                      \
			 "ldmxcsr %[sv]"                                                           \
			 : [x] cons(dst), [sv] "+m"(saved), [res] "=m"(res)                        \
			 : [mx] "m"(mx), __VA_ARGS__)

#define FH_ASM(insn, dst, ...) FH_ASM_C("+x", insn, dst, __VA_ARGS__)
#define FH_ASM_R(insn, dst, ...) FH_ASM_C("+r", insn, dst, __VA_ARGS__)

static uint64_t fh_run_d(enum fh_op op, uint64_t a, uint64_t b, uint64_t c, uint32_t mx,
			 uint32_t *mxcsr)
{
	double x, y, z;
	float s;
	uint32_t saved = 0, res = 0;
	uint64_t r;

	memcpy(&x, &a, 8);
	memcpy(&y, &b, 8);
	memcpy(&z, &c, 8);
	switch (op) {
	case FH_ADD:
		FH_ASM("addsd %[y], %[x]", x, [y] "x"(y));
		break;
	case FH_SUB:
		FH_ASM("subsd %[y], %[x]", x, [y] "x"(y));
		break;
	case FH_MUL:
		FH_ASM("mulsd %[y], %[x]", x, [y] "x"(y));
		break;
	case FH_DIV:
		FH_ASM("divsd %[y], %[x]", x, [y] "x"(y));
		break;
	case FH_SQRT:
		FH_ASM("sqrtsd %[x], %[x]", x, [y] "x"(y));
		break;
	/* vfmXXX231sd y, z, x: x = z * y +/- x. Operands a*b +/- c: x is c. */
	case FH_FMADD:
		FH_ASM("vfmadd231sd %[y], %[z], %[x]", z, [y] "x"(y), [z] "x"(x));
		x = z;
		break;
	case FH_FMSUB:
		FH_ASM("vfmsub231sd %[y], %[z], %[x]", z, [y] "x"(y), [z] "x"(x));
		x = z;
		break;
	case FH_FNMADD:
		FH_ASM("vfnmadd231sd %[y], %[z], %[x]", z, [y] "x"(y), [z] "x"(x));
		x = z;
		break;
	case FH_FNMSUB:
		FH_ASM("vfnmsub231sd %[y], %[z], %[x]", z, [y] "x"(y), [z] "x"(x));
		x = z;
		break;
	case FH_CVT_SD: {
		float f;
		uint32_t fa = (uint32_t)a;

		memcpy(&f, &fa, 4);
		FH_ASM("cvtss2sd %[f], %[x]", x, [f] "x"(f));
		break;
	}
	default: /* FH_CVT_DS: the single result in the low 32 bits */
		s = 0.0f;
		FH_ASM("cvtsd2ss %[y], %[x]", s, [y] "x"(x));
		*mxcsr = res;
		memcpy(&res, &s, 4);
		return res;
	}
	*mxcsr = res;
	memcpy(&r, &x, 8);
	return r;
}

static uint64_t fh_run_s(enum fh_op op, uint64_t a, uint64_t b, uint64_t c, uint32_t mx,
			 uint32_t *mxcsr)
{
	float x, y, z;
	uint32_t saved = 0, res = 0, ua = (uint32_t)a, ub = (uint32_t)b, uc = (uint32_t)c, r;

	memcpy(&x, &ua, 4);
	memcpy(&y, &ub, 4);
	memcpy(&z, &uc, 4);
	switch (op) {
	case FH_ADD:
		FH_ASM("addss %[y], %[x]", x, [y] "x"(y));
		break;
	case FH_SUB:
		FH_ASM("subss %[y], %[x]", x, [y] "x"(y));
		break;
	case FH_MUL:
		FH_ASM("mulss %[y], %[x]", x, [y] "x"(y));
		break;
	case FH_DIV:
		FH_ASM("divss %[y], %[x]", x, [y] "x"(y));
		break;
	case FH_SQRT:
		FH_ASM("sqrtss %[x], %[x]", x, [y] "x"(y));
		break;
	case FH_FMADD:
		FH_ASM("vfmadd231ss %[y], %[z], %[x]", z, [y] "x"(y), [z] "x"(x));
		x = z;
		break;
	case FH_FMSUB:
		FH_ASM("vfmsub231ss %[y], %[z], %[x]", z, [y] "x"(y), [z] "x"(x));
		x = z;
		break;
	case FH_FNMADD:
		FH_ASM("vfnmadd231ss %[y], %[z], %[x]", z, [y] "x"(y), [z] "x"(x));
		x = z;
		break;
	default: /* FH_FNMSUB */
		FH_ASM("vfnmsub231ss %[y], %[z], %[x]", z, [y] "x"(y), [z] "x"(x));
		x = z;
		break;
	}
	*mxcsr = res;
	memcpy(&r, &x, 4);
	return r;
}

/* Float (double when dbl) -> int32 (w32) or int64, rounded by mx. */
static uint64_t fh_to_int(bool dbl, bool w32, uint64_t a, uint32_t mx, uint32_t *mxcsr)
{
	uint32_t saved = 0, res = 0, ua = (uint32_t)a;
	int64_t q = 0;
	int32_t l = 0;
	double d;
	float f;

	memcpy(&d, &a, 8);
	memcpy(&f, &ua, 4);
	if (dbl && w32)
		FH_ASM_R("cvtsd2si %[a], %k[x]", l, [a] "x"(d));
	else if (dbl)
		FH_ASM_R("cvtsd2si %[a], %q[x]", q, [a] "x"(d));
	else if (w32)
		FH_ASM_R("cvtss2si %[a], %k[x]", l, [a] "x"(f));
	else
		FH_ASM_R("cvtss2si %[a], %q[x]", q, [a] "x"(f));
	*mxcsr = res;
	return w32 ? (uint64_t)(int64_t)l : (uint64_t)q;
}

/* int64 v -> float (double when dbl), rounded by mx; the single in the low 32 bits. */
static uint64_t fh_from_int(bool dbl, int64_t v, uint32_t mx, uint32_t *mxcsr)
{
	uint32_t saved = 0, res = 0, u;
	uint64_t r;
	double d = 0.0;
	float f = 0.0f;

	if (dbl) {
		FH_ASM("cvtsi2sdq %[v], %[x]", d, [v] "r"(v));
		memcpy(&r, &d, 8);
	} else {
		FH_ASM("cvtsi2ssq %[v], %[x]", f, [v] "r"(v));
		memcpy(&u, &f, 4);
		r = u;
	}
	*mxcsr = res;
	return r;
}

#undef FH_ASM
#undef FH_ASM_R
#undef FH_ASM_C

/* A result the host may not give: a NaN, or inexact at exactly the smallest normal. */
static bool fh_refuse_result(bool dbl, uint64_t r, uint32_t mxcsr)
{
	uint64_t mag = r & ~(dbl ? FH_D_SIGN : FH_S_SIGN);

	return mag > (dbl ? FH_D_INF : FH_S_INF) ||
	       (mag == (dbl ? FH_D_MIN_NORMAL : FH_S_MIN_NORMAL) && (mxcsr & FH_MXCSR_PE));
}

static bool fh_is_nan(bool dbl, uint64_t v)
{
	return (v & ~(dbl ? FH_D_SIGN : FH_S_SIGN)) > (dbl ? FH_D_INF : FH_S_INF);
}

static bool fh_is_zero(bool dbl, uint64_t v)
{
	return (v & ~(dbl ? FH_D_SIGN : FH_S_SIGN)) == 0;
}

/* A source operand: D as is, S unboxed (false: not NaN-boxed, refuse). */
static bool fh_read(const struct rv_fpu *fpu, bool dbl, unsigned r, uint64_t *v)
{
	uint64_t bits = fpu->f[r];

	if (dbl) {
		*v = bits;
		return true;
	}
	*v = bits & 0xffffffffu;
	return (bits & FH_BOX_S) == FH_BOX_S;
}

static void fh_write(struct rv_fpu *fpu, bool dbl, unsigned rd, uint64_t v)
{
	fpu->f[rd] = dbl ? v : FH_BOX_S | v;
}

/* The instruction's MXCSR, or 0 for RMM / a reserved mode (fpu.c's business). */
static uint32_t fh_mxcsr(const struct rv_fpu *fpu, unsigned rm)
{
	if (rm == RV_RM_DYN)
		rm = (fpu->fcsr >> RV_FCSR_FRM_SHIFT) & 7;
	return rm <= RV_RM_RUP ? FH_MXCSR_MASKED | fh_rc[rm] : 0;
}

/* A host arithmetic result: refuse it, or write it and its flags. */
static int fh_finish(struct rv_fpu *fpu, bool dbl, unsigned rd, uint64_t r, uint32_t mxcsr)
{
	if (fh_refuse_result(dbl, r, mxcsr))
		return 1;
	fh_write(fpu, dbl, rd, r);
	fpu->fcsr |= rv_fpu_host_mxcsr_fflags(mxcsr);
	return 0;
}

static int fh_fused(struct rv_fpu *fpu, uint32_t insn, bool dbl)
{
	static const enum fh_op ops[4] = {FH_FMADD, FH_FMSUB, FH_FNMADD, FH_FNMSUB};
	unsigned rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	uint32_t mx = fh_mxcsr(fpu, (insn >> 12) & 7), res;
	uint64_t a, b, c, r;
	enum fh_op op;

	if (!mx || !rv_fpu_host_has_fma() || !fh_read(fpu, dbl, rs1, &a) ||
	    !fh_read(fpu, dbl, rs2, &b) || !fh_read(fpu, dbl, insn >> 27, &c))
		return 1;
	/* MADD a*b+c, MSUB a*b-c, NMSUB -(a*b)+c (x86 FNMADD), NMADD -(a*b)-c (x86 FNMSUB). */
	op = ops[((insn & 0x7f) - RV_OPC_MADD) >> 2];
	r = dbl ? fh_run_d(op, a, b, c, mx, &res) : fh_run_s(op, a, b, c, mx, &res);
	return fh_finish(fpu, dbl, rd, r, res);
}

static int fh_minmax_cmp(struct rv_fpu *fpu, uint32_t insn, bool dbl, uint64_t *x)
{
	unsigned rd = (insn >> 7) & 31, funct3 = (insn >> 12) & 7, f5 = insn >> 27;
	uint64_t a, b;
	bool lt, eq;

	if (!fh_read(fpu, dbl, (insn >> 15) & 31, &a) ||
	    !fh_read(fpu, dbl, (insn >> 20) & 31, &b) || fh_is_nan(dbl, a) || fh_is_nan(dbl, b))
		return 1;
	/* Neither is a NaN: no flag, and the order is the host's. */
	if (dbl) {
		double da, db;

		memcpy(&da, &a, 8);
		memcpy(&db, &b, 8);
		lt = da < db;
		eq = da == db;
	} else {
		float fa, fb;
		uint32_t ua = (uint32_t)a, ub = (uint32_t)b;

		memcpy(&fa, &ua, 4);
		memcpy(&fb, &ub, 4);
		lt = fa < fb;
		eq = fa == fb;
	}
	if (f5 == 0x05) { /* FMIN / FMAX; two zeros (-0 < +0) are fpu.c's */
		if (funct3 > 1 || (fh_is_zero(dbl, a) && fh_is_zero(dbl, b)))
			return 1;
		fh_write(fpu, dbl, rd, (funct3 == 0) == lt ? a : b);
		return 0;
	}
	switch (funct3) { /* FLE, FLT, FEQ */
	case 0:
		x[rd] = lt || eq;
		return 0;
	case 1:
		x[rd] = lt;
		return 0;
	case 2:
		x[rd] = eq;
		return 0;
	default:
		return 1;
	}
}

static int fh_cvt(struct rv_fpu *fpu, uint32_t insn, bool dbl, uint64_t *x)
{
	unsigned rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	unsigned f5 = insn >> 27;
	uint32_t mx = fh_mxcsr(fpu, (insn >> 12) & 7), res;
	uint64_t a, r;

	if (!mx)
		return 1;
	switch (f5) {
	case 0x08: /* FCVT.D.S (rs2 0, exact) / FCVT.S.D (rs2 1, rounds) */
		if (rs2 != (dbl ? 0u : 1u) || !fh_read(fpu, !dbl, rs1, &a))
			return 1;
		r = fh_run_d(dbl ? FH_CVT_SD : FH_CVT_DS, a, 0, 0, mx, &res);
		return fh_finish(fpu, dbl, rd, r, res);
	case 0x18: /* FCVT.W / FCVT.L: x86 flags invalid exactly where RISC-V saturates */
		if ((rs2 != FPU_INT_W && rs2 != FPU_INT_L) || !fh_read(fpu, dbl, rs1, &a))
			return 1;
		r = fh_to_int(dbl, rs2 == FPU_INT_W, a, mx, &res);
		if (res & 0x01u)
			return 1;
		x[rd] = r;
		fpu->fcsr |= rv_fpu_host_mxcsr_fflags(res);
		return 0;
	default: /* 0x1a: FCVT from W, WU (exact as an int64), L */
		if (rs2 > FPU_INT_L)
			return 1;
		r = fh_from_int(dbl,
				rs2 == FPU_INT_W    ? (int64_t)(int32_t)x[rs1]
				: rs2 == FPU_INT_WU ? (int64_t)(uint32_t)x[rs1]
						    : (int64_t)x[rs1],
				mx, &res);
		fh_write(fpu, dbl, rd, r);
		fpu->fcsr |= rv_fpu_host_mxcsr_fflags(res);
		return 0;
	}
}

int rv_fpu_host_execute(struct rv_fpu *fpu, uint32_t insn, uint64_t *x)
{
	static const enum fh_op arith[4] = {FH_ADD, FH_SUB, FH_MUL, FH_DIV};
	unsigned opcode = insn & 0x7f, fmt = (insn >> 25) & 3, f5 = insn >> 27;
	unsigned rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	bool dbl = fmt == 1;
	uint32_t mx, res;
	uint64_t a, b, r;

	if (fmt > 1)
		return 1; /* H and Q: fpu.c */
	if (opcode != RV_OPC_OP_FP)
		return fh_fused(fpu, insn, dbl);
	switch (f5) {
	case 0x00:
	case 0x01:
	case 0x02:
	case 0x03:
	case 0x0b:
		mx = fh_mxcsr(fpu, (insn >> 12) & 7);
		if (!mx || (f5 == 0x0b && rs2 != 0) || !fh_read(fpu, dbl, rs1, &a) ||
		    !fh_read(fpu, dbl, rs2, &b))
			return 1;
		r = dbl ? fh_run_d(f5 == 0x0b ? FH_SQRT : arith[f5], a, b, 0, mx, &res)
			: fh_run_s(f5 == 0x0b ? FH_SQRT : arith[f5], a, b, 0, mx, &res);
		return fh_finish(fpu, dbl, rd, r, res);
	case 0x04: { /* FSGNJ, FSGNJN, FSGNJX: bits only */
		uint64_t sb = dbl ? FH_D_SIGN : FH_S_SIGN, sign;
		unsigned funct3 = (insn >> 12) & 7;

		if (funct3 > 2 || !fh_read(fpu, dbl, rs1, &a) || !fh_read(fpu, dbl, rs2, &b))
			return 1;
		sign = funct3 == 0 ? b & sb : funct3 == 1 ? ~b & sb : (a ^ b) & sb;
		fh_write(fpu, dbl, rd, (a & ~sb) | sign);
		return 0;
	}
	case 0x05:
	case 0x14:
		return fh_minmax_cmp(fpu, insn, dbl, x);
	case 0x08:
	case 0x18:
	case 0x1a:
		return fh_cvt(fpu, insn, dbl, x);
	default:
		return 1; /* moves, fclass, Zfa: fpu.c */
	}
}

#else /* not x86-64: everything is fpu.c's */

bool rv_fpu_host_supported(void)
{
	return false;
}

bool rv_fpu_host_has_fma(void)
{
	return false;
}

void rv_fpu_host_set_fma(bool on)
{
	(void)on;
}

uint32_t rv_fpu_host_mxcsr_fflags(uint32_t mxcsr)
{
	(void)mxcsr;
	return 0;
}

uint32_t rv_fpu_host_env_enter(void)
{
	return 0;
}

void rv_fpu_host_env_leave(uint32_t saved)
{
	(void)saved;
}

int rv_fpu_host_execute(struct rv_fpu *fpu, uint32_t insn, uint64_t *x)
{
	(void)fpu;
	(void)insn;
	(void)x;
	return 1;
}

#endif
