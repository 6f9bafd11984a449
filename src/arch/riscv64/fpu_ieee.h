/* SPDX-License-Identifier: MIT */
/*
 * An exact software IEEE 754-2019 binary16/binary32/binary64 core with the choices
 * RISC-V makes where IEEE leaves them open (unprivileged spec, "F" chapter):
 * tininess is detected after rounding, NaN results are always the canonical
 * NaN (no payload propagation), conversions to integers saturate, and a fused
 * multiply-add of (inf, 0, qNaN) is invalid.
 *
 * Values travel as raw bit patterns in the low bits of a uint64_t (binary32
 * in the low 32 bits, unboxed). Every operation takes the rounding mode
 * (RV_RM_RNE..RV_RM_RMM, already validated) and ORs the exception flags it
 * raises (RV_FFLAGS_*) into *flags. Everything is integer arithmetic: the
 * host's floating-point environment is neither read nor changed.
 */
#ifndef AXVM_ARCH_RISCV64_FPU_IEEE_H
#define AXVM_ARCH_RISCV64_FPU_IEEE_H

#include <stdbool.h>
#include <stdint.h>

struct fpu_fmt {
	int p;		  /* significand precision, hidden bit included */
	int ebits;	  /* exponent field width */
	int bias;	  /* exponent bias; emax = bias, emin = 1 - bias */
	uint64_t qnan;	  /* the canonical NaN */
	uint64_t signbit; /* the sign bit */
};

extern const struct fpu_fmt fpu_binary16;
extern const struct fpu_fmt fpu_binary32;
extern const struct fpu_fmt fpu_binary64;

/* fclass result bits (RISC-V FCLASS). */
#define FPU_CLASS_NEG_INF 0x001u
#define FPU_CLASS_NEG_NORMAL 0x002u
#define FPU_CLASS_NEG_SUBNORMAL 0x004u
#define FPU_CLASS_NEG_ZERO 0x008u
#define FPU_CLASS_POS_ZERO 0x010u
#define FPU_CLASS_POS_SUBNORMAL 0x020u
#define FPU_CLASS_POS_NORMAL 0x040u
#define FPU_CLASS_POS_INF 0x080u
#define FPU_CLASS_SNAN 0x100u
#define FPU_CLASS_QNAN 0x200u

/* Integer kinds for conversions, numbered as the rs2 field of FCVT. */
enum fpu_int_kind {
	FPU_INT_W = 0,	/* int32_t */
	FPU_INT_WU = 1, /* uint32_t */
	FPU_INT_L = 2,	/* int64_t */
	FPU_INT_LU = 3, /* uint64_t */
};

uint64_t fpu_add(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b);
uint64_t fpu_sub(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b);
uint64_t fpu_mul(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b);
uint64_t fpu_div(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b);
uint64_t fpu_sqrt(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a);
/* (neg_prod ? -(a * b) : a * b) + (neg_add ? -c : c), rounded once. */
uint64_t fpu_fma(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b,
		 uint64_t c, bool neg_prod, bool neg_add);

/* IEEE 754-2019 minimumNumber / maximumNumber with -0 < +0. */
uint64_t fpu_min(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b);
uint64_t fpu_max(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b);

/* Quiet equality (NV only for sNaN); signalling less / less-or-equal (NV for any NaN). */
bool fpu_eq(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b);
bool fpu_lt(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b);
bool fpu_le(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b);

unsigned fpu_class(const struct fpu_fmt *f, uint64_t a);

/*
 * Zfa (the "Additional Floating-Point Instructions" extension):
 * minimum/maximum that propagate NaN (IEEE 754-2019 minimum/maximum: a NaN
 * operand gives the canonical NaN), rounding to an integral value in the
 * same format (NX only when `exact_flag`: froundnx), the modular
 * double -> int32 conversion (fcvtmod.w.d, always toward zero), and the
 * constant index -> value of fli.
 */
uint64_t fpu_minm(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b);
uint64_t fpu_maxm(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b);
uint64_t fpu_round_int(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a,
		       bool exact_flag);
uint64_t fpu_cvtmod_w(const struct fpu_fmt *f, uint32_t *flags, uint64_t a);
uint64_t fpu_fli(const struct fpu_fmt *f, unsigned index);

/* Float to integer, saturating; the 32-bit kinds come back sign-extended to 64 bits. */
uint64_t fpu_to_int(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a,
		    enum fpu_int_kind kind);
/* Integer (the low 32 bits of v for the 32-bit kinds) to float. */
uint64_t fpu_from_int(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t v,
		      enum fpu_int_kind kind);
/* Between formats: narrowing rounds, widening is exact. */
uint64_t fpu_convert(const struct fpu_fmt *to, const struct fpu_fmt *from, int rm, uint32_t *flags,
		     uint64_t a);

#endif
