/* SPDX-License-Identifier: MIT */
/*
 * Exact IEEE 754 binary32/binary64 arithmetic on integers, as RISC-V
 * specifies it (unprivileged spec 20191213, chapter 11 "F": 11.2 fcsr, 11.3
 * NaN generation and propagation, 11.4 subnormal arithmetic, 11.6-11.8).
 *
 * Every finite nonzero operand is unpacked to an integer significand and a
 * power of two (value = sig * 2^exp). Each operation computes its exact
 * result, or a truncation of it with a "sticky" 1 in the lowest bit standing
 * for the discarded nonzero tail, with enough bits below the rounding point
 * that one final rounding (fpu_round_pack) is correct. The host FPU is never
 * used, so the host's rounding mode and flags cannot leak into guest results.
 */
#include "arch/riscv64/fpu_ieee.h"

#include "arch/riscv64/fpu.h"

#include <stddef.h>

#if !defined(__SIZEOF_INT128__)
#error "fpu_ieee.c needs a compiler with unsigned __int128 (a 64-bit gcc or clang target)"
#endif
__extension__ typedef unsigned __int128 fpu_u128;

const struct fpu_fmt fpu_binary16 = {
    .p = 11, .ebits = 5, .bias = 15, .qnan = 0x7e00, .signbit = 0x8000};
const struct fpu_fmt fpu_binary32 = {
    .p = 24, .ebits = 8, .bias = 127, .qnan = 0x7fc00000, .signbit = 0x80000000};
const struct fpu_fmt fpu_binary64 = {
    .p = 53, .ebits = 11, .bias = 1023, .qnan = 0x7ff8000000000000, .signbit = 0x8000000000000000};

enum fpu_cls { FPU_ZERO, FPU_FINITE, FPU_INF, FPU_QNAN, FPU_SNAN };

/* An unpacked operand: for FPU_FINITE, value = (-1)^sign * sig * 2^exp, sig != 0. */
struct fpu_num {
	enum fpu_cls cls;
	bool sign;
	int32_t exp;
	uint64_t sig;
};

static uint64_t fpu_frac_mask(const struct fpu_fmt *f)
{
	return (UINT64_C(1) << (f->p - 1)) - 1;
}

static uint64_t fpu_exp_max(const struct fpu_fmt *f)
{
	return (UINT64_C(1) << f->ebits) - 1;
}

static uint64_t fpu_inf(const struct fpu_fmt *f, bool sign)
{
	return (sign ? f->signbit : 0) | fpu_exp_max(f) << (f->p - 1);
}

static uint64_t fpu_zero(const struct fpu_fmt *f, bool sign)
{
	return sign ? f->signbit : 0;
}

static struct fpu_num fpu_unpack(const struct fpu_fmt *f, uint64_t bits)
{
	struct fpu_num n = {.sign = (bits & f->signbit) != 0};
	uint64_t e = (bits >> (f->p - 1)) & fpu_exp_max(f);
	uint64_t frac = bits & fpu_frac_mask(f);

	if (e == fpu_exp_max(f)) {
		if (!frac)
			n.cls = FPU_INF;
		else if (frac >> (f->p - 2))
			n.cls = FPU_QNAN;
		else
			n.cls = FPU_SNAN;
	} else if (e == 0) {
		n.cls = frac ? FPU_FINITE : FPU_ZERO;
		n.sig = frac;
		n.exp = 1 - f->bias - (f->p - 1);
	} else {
		n.cls = FPU_FINITE;
		n.sig = frac | (UINT64_C(1) << (f->p - 1));
		n.exp = (int32_t)e - f->bias - (f->p - 1);
	}
	return n;
}

static bool fpu_is_nan(const struct fpu_num *n)
{
	return n->cls == FPU_QNAN || n->cls == FPU_SNAN;
}

static int fpu_clz64(uint64_t v)
{
	return v ? __builtin_clzll(v) : 64;
}

static int fpu_clz128(fpu_u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64);

	return hi ? fpu_clz64(hi) : 64 + fpu_clz64((uint64_t)v);
}

/* v >> d, with any nonzero bit shifted out ORed into bit 0. */
static uint64_t fpu_shr_jam64(uint64_t v, int d)
{
	if (d <= 0)
		return v;
	if (d >= 64)
		return v != 0;
	return (v >> d) | ((v << (64 - d)) != 0);
}

static fpu_u128 fpu_shr_jam128(fpu_u128 v, int d)
{
	if (d <= 0)
		return v;
	if (d >= 128)
		return v != 0;
	return (v >> d) | ((v << (128 - d)) != 0);
}

/*
 * sig >> shift (shift >= 1), rounded in mode rm for a value of sign `sign`;
 * *inexact tells whether anything nonzero was shifted out. Shifts of 64 and
 * more are allowed: the whole significand is then the discarded tail.
 */
static uint64_t fpu_round_shift(int rm, bool sign, uint64_t sig, int shift, bool *inexact)
{
	uint64_t kept, rem, half;
	bool up = false;

	if (shift > 64) {
		/* sig < 2^64 <= 2^(shift-1): a nonzero tail below one half. */
		kept = 0;
		rem = sig != 0;
		half = 2;
	} else if (shift == 64) {
		kept = 0;
		rem = sig;
		half = UINT64_C(1) << 63;
	} else {
		kept = sig >> shift;
		rem = sig & ((UINT64_C(1) << shift) - 1);
		half = UINT64_C(1) << (shift - 1);
	}
	*inexact = rem != 0;
	switch (rm) {
	case RV_RM_RNE:
		up = rem > half || (rem == half && (kept & 1));
		break;
	case RV_RM_RTZ:
		break;
	case RV_RM_RDN:
		up = rem && sign;
		break;
	case RV_RM_RUP:
		up = rem && !sign;
		break;
	case RV_RM_RMM:
		up = rem >= half;
		break;
	}
	return kept + up;
}

static uint64_t fpu_overflow(const struct fpu_fmt *f, int rm, uint32_t *flags, bool sign)
{
	bool to_inf = rm == RV_RM_RNE || rm == RV_RM_RMM || (rm == RV_RM_RDN && sign) ||
		      (rm == RV_RM_RUP && !sign);

	*flags |= RV_FFLAGS_OF | RV_FFLAGS_NX;
	return to_inf ? fpu_inf(f, sign) : fpu_inf(f, sign) - 1;
}

/*
 * Round (-1)^sign * sig * 2^exp (sig != 0, its bit 0 possibly a sticky bit) to
 * format f and pack it. Tininess is detected after rounding: the result is
 * tiny when, rounded to p bits with an unbounded exponent, it is still below
 * the smallest normal. UF is raised only for a tiny and inexact result.
 */
static uint64_t fpu_round_pack(const struct fpu_fmt *f, int rm, uint32_t *flags, bool sign,
			       int32_t exp, uint64_t sig)
{
	const int32_t emin = 1 - f->bias;
	int lz = fpu_clz64(sig);
	int32_t e;
	int shift = 64 - f->p;
	bool tiny = false, inexact;
	uint64_t kept;

	sig <<= lz;
	e = exp - lz + 63; /* the exponent of the leading bit */
	if (e < emin) {
		if (e < emin - 1) {
			tiny = true;
		} else {
			kept = fpu_round_shift(rm, sign, sig, shift, &inexact);
			tiny = !(kept >> f->p);
		}
		shift += emin - e;
	}
	kept = fpu_round_shift(rm, sign, sig, shift, &inexact);
	if (inexact)
		*flags |= RV_FFLAGS_NX;
	if (e < emin) {
		if (tiny && inexact)
			*flags |= RV_FFLAGS_UF;
		/* A carry into bit p-1 lands in the exponent field: the smallest normal. */
		return fpu_zero(f, sign) | kept;
	}
	if (kept >> f->p) {
		kept >>= 1; /* exactly 2^p: nothing is lost */
		e++;
	}
	if (e > f->bias)
		return fpu_overflow(f, rm, flags, sign);
	return fpu_zero(f, sign) | (uint64_t)(e + f->bias) << (f->p - 1) |
	       (kept & fpu_frac_mask(f));
}

static uint64_t fpu_round_pack128(const struct fpu_fmt *f, int rm, uint32_t *flags, bool sign,
				  int32_t exp, fpu_u128 sig)
{
	int excess = 64 - fpu_clz128(sig);

	if (excess > 0) {
		sig = fpu_shr_jam128(sig, excess);
		exp += excess;
	}
	return fpu_round_pack(f, rm, flags, sign, exp, (uint64_t)sig);
}

static uint64_t fpu_pack_num(const struct fpu_fmt *f, const struct fpu_num *n)
{
	uint32_t ignored = 0;

	/* Representable already: packing is exact and raises nothing. */
	return fpu_round_pack(f, RV_RM_RNE, &ignored, n->sign, n->exp, n->sig);
}

/* Shift a finite significand left so that its leading one is at bit `top`. */
static void fpu_normalize(struct fpu_num *n, int top)
{
	int s = fpu_clz64(n->sig) - (63 - top);

	n->sig <<= s;
	n->exp -= s;
}

/* The canonical NaN for an operation with a NaN operand; NV if any is signalling. */
static uint64_t fpu_nan_result(const struct fpu_fmt *f, uint32_t *flags, const struct fpu_num *a,
			       const struct fpu_num *b)
{
	if (a->cls == FPU_SNAN || (b && b->cls == FPU_SNAN))
		*flags |= RV_FFLAGS_NV;
	return f->qnan;
}

static uint64_t fpu_invalid(const struct fpu_fmt *f, uint32_t *flags)
{
	*flags |= RV_FFLAGS_NV;
	return f->qnan;
}

static uint64_t fpu_add_nums(const struct fpu_fmt *f, int rm, uint32_t *flags, struct fpu_num a,
			     struct fpu_num b)
{
	uint64_t sum;
	bool sign;

	if (fpu_is_nan(&a) || fpu_is_nan(&b))
		return fpu_nan_result(f, flags, &a, &b);
	if (a.cls == FPU_INF) {
		if (b.cls == FPU_INF && a.sign != b.sign)
			return fpu_invalid(f, flags);
		return fpu_inf(f, a.sign);
	}
	if (b.cls == FPU_INF)
		return fpu_inf(f, b.sign);
	if (a.cls == FPU_ZERO && b.cls == FPU_ZERO)
		return fpu_zero(f, a.sign == b.sign ? a.sign : rm == RV_RM_RDN);
	if (a.cls == FPU_ZERO)
		return fpu_pack_num(f, &b);
	if (b.cls == FPU_ZERO)
		return fpu_pack_num(f, &a);

	/* Leading ones at bit 61: room for a carry, >= 8 guard bits below p. */
	fpu_normalize(&a, 61);
	fpu_normalize(&b, 61);
	if (a.exp < b.exp) {
		struct fpu_num t = a;

		a = b;
		b = t;
	}
	b.sig = fpu_shr_jam64(b.sig, a.exp - b.exp);
	if (a.sign == b.sign) {
		sum = a.sig + b.sig;
		sign = a.sign;
	} else if (a.sig > b.sig) {
		sum = a.sig - b.sig;
		sign = a.sign;
	} else if (b.sig > a.sig) {
		sum = b.sig - a.sig;
		sign = b.sign;
	} else {
		return fpu_zero(f, rm == RV_RM_RDN); /* exact cancellation */
	}
	return fpu_round_pack(f, rm, flags, sign, a.exp, sum);
}

uint64_t fpu_add(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b)
{
	return fpu_add_nums(f, rm, flags, fpu_unpack(f, a), fpu_unpack(f, b));
}

uint64_t fpu_sub(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b)
{
	struct fpu_num nb = fpu_unpack(f, b);

	nb.sign = !nb.sign;
	return fpu_add_nums(f, rm, flags, fpu_unpack(f, a), nb);
}

uint64_t fpu_mul(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b);
	bool sign = na.sign != nb.sign;

	if (fpu_is_nan(&na) || fpu_is_nan(&nb))
		return fpu_nan_result(f, flags, &na, &nb);
	if (na.cls == FPU_INF || nb.cls == FPU_INF) {
		if (na.cls == FPU_ZERO || nb.cls == FPU_ZERO)
			return fpu_invalid(f, flags);
		return fpu_inf(f, sign);
	}
	if (na.cls == FPU_ZERO || nb.cls == FPU_ZERO)
		return fpu_zero(f, sign);
	return fpu_round_pack128(f, rm, flags, sign, na.exp + nb.exp, (fpu_u128)na.sig * nb.sig);
}

uint64_t fpu_div(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b);
	bool sign = na.sign != nb.sign;
	fpu_u128 n;
	uint64_t q;

	if (fpu_is_nan(&na) || fpu_is_nan(&nb))
		return fpu_nan_result(f, flags, &na, &nb);
	if (na.cls == FPU_INF) {
		if (nb.cls == FPU_INF)
			return fpu_invalid(f, flags);
		return fpu_inf(f, sign);
	}
	if (nb.cls == FPU_INF)
		return fpu_zero(f, sign);
	if (nb.cls == FPU_ZERO) {
		if (na.cls == FPU_ZERO)
			return fpu_invalid(f, flags);
		*flags |= RV_FFLAGS_DZ;
		return fpu_inf(f, sign);
	}
	if (na.cls == FPU_ZERO)
		return fpu_zero(f, sign);

	/* a.sig < 2^63 <= b.sig, so the quotient fits 64 bits and has >= 63 of them. */
	fpu_normalize(&na, 62);
	fpu_normalize(&nb, 63);
	n = (fpu_u128)na.sig << 64;
	q = (uint64_t)(n / nb.sig);
	q |= (n % nb.sig) != 0;
	return fpu_round_pack(f, rm, flags, sign, na.exp - nb.exp - 64, q);
}

uint64_t fpu_sqrt(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a)
{
	struct fpu_num n = fpu_unpack(f, a);
	fpu_u128 r, rem = 0;
	uint64_t root = 0;
	int32_t e;
	int digits, top;

	if (fpu_is_nan(&n))
		return fpu_nan_result(f, flags, &n, NULL);
	if (n.cls == FPU_ZERO)
		return a; /* sqrt(-0) = -0 */
	if (n.sign)
		return fpu_invalid(f, flags);
	if (n.cls == FPU_INF)
		return a;

	/*
	 * p + 2 root bits (a guard bit, a round bit, then the remainder as sticky)
	 * need a radicand of 2p + 4 bits; its exponent must be even to halve
	 * exactly. The significand has only p bits, so neither shift loses any.
	 */
	fpu_normalize(&n, 63);
	digits = f->p + 2;
	top = 2 * digits - 1;
	if ((n.exp + 63 - top) & 1)
		top--;
	e = n.exp + 63 - top;
	r = top >= 63 ? (fpu_u128)n.sig << (top - 63) : n.sig >> (63 - top);
	/* Digit by digit: two radicand bits in, one root bit out; rem < 2 * root + 1. */
	for (int i = digits - 1; i >= 0; i--) {
		fpu_u128 trial;

		rem = rem << 2 | ((r >> (2 * i)) & 3);
		trial = (fpu_u128)root << 2 | 1;
		if (rem >= trial) {
			rem -= trial;
			root = root << 1 | 1;
		} else {
			root <<= 1;
		}
	}
	return fpu_round_pack(f, rm, flags, false, e / 2, root | (rem != 0));
}

uint64_t fpu_fma(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a, uint64_t b,
		 uint64_t c, bool neg_prod, bool neg_add)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b), nc = fpu_unpack(f, c);
	bool psign = (na.sign != nb.sign) != neg_prod, csign = nc.sign != neg_add;
	bool pinf = na.cls == FPU_INF || nb.cls == FPU_INF;
	bool pzero = na.cls == FPU_ZERO || nb.cls == FPU_ZERO;
	fpu_u128 p, q, sum;
	int32_t pe, qe;
	bool sign;

	if (na.cls == FPU_SNAN || nb.cls == FPU_SNAN || nc.cls == FPU_SNAN)
		*flags |= RV_FFLAGS_NV;
	/* RISC-V: inf * 0 is invalid even when the addend is a quiet NaN. */
	if (pinf && pzero)
		return fpu_invalid(f, flags);
	if (fpu_is_nan(&na) || fpu_is_nan(&nb) || fpu_is_nan(&nc))
		return f->qnan;
	if (pinf) {
		if (nc.cls == FPU_INF && csign != psign)
			return fpu_invalid(f, flags);
		return fpu_inf(f, psign);
	}
	if (nc.cls == FPU_INF)
		return fpu_inf(f, csign);
	if (pzero) {
		if (nc.cls == FPU_ZERO)
			return fpu_zero(f, psign == csign ? psign : rm == RV_RM_RDN);
		nc.sign = csign;
		return fpu_pack_num(f, &nc);
	}
	p = (fpu_u128)na.sig * nb.sig;
	pe = na.exp + nb.exp;
	if (nc.cls == FPU_ZERO)
		return fpu_round_pack128(f, rm, flags, psign, pe, p);

	/*
	 * Both leading ones at bit 125: room for a carry, and >= 19 guard bits
	 * below the 106-bit product, so a sticky-jammed addend can cancel at
	 * most one bit above the rounding point.
	 */
	{
		int s = fpu_clz128(p) - 2;

		p <<= s;
		pe -= s;
	}
	{
		int s = fpu_clz64(nc.sig) + 64 - 2;

		q = (fpu_u128)nc.sig << s;
		qe = nc.exp - s;
	}
	if (pe < qe) {
		fpu_u128 t = p;
		int32_t te = pe;
		bool ts = psign;

		p = q;
		pe = qe;
		psign = csign;
		q = t;
		qe = te;
		csign = ts;
	}
	q = fpu_shr_jam128(q, pe - qe);
	if (psign == csign) {
		sum = p + q;
		sign = psign;
	} else if (p > q) {
		sum = p - q;
		sign = psign;
	} else if (q > p) {
		sum = q - p;
		sign = csign;
	} else {
		return fpu_zero(f, rm == RV_RM_RDN);
	}
	return fpu_round_pack128(f, rm, flags, sign, pe, sum);
}

/* a < b for non-NaN a and b, with -0 < +0 (IEEE totalOrder restricted to numbers). */
static bool fpu_less_total(const struct fpu_fmt *f, uint64_t a, uint64_t b)
{
	bool sa = (a & f->signbit) != 0, sb = (b & f->signbit) != 0;

	if (sa != sb)
		return sa;
	return sa ? a > b : a < b;
}

static uint64_t fpu_minmax(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b,
			   bool want_max)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b);

	if (na.cls == FPU_SNAN || nb.cls == FPU_SNAN)
		*flags |= RV_FFLAGS_NV;
	if (fpu_is_nan(&na) && fpu_is_nan(&nb))
		return f->qnan;
	if (fpu_is_nan(&na))
		return b;
	if (fpu_is_nan(&nb))
		return a;
	return fpu_less_total(f, a, b) != want_max ? a : b;
}

uint64_t fpu_min(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b)
{
	return fpu_minmax(f, flags, a, b, false);
}

uint64_t fpu_max(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b)
{
	return fpu_minmax(f, flags, a, b, true);
}

uint64_t fpu_minm(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b);

	if (fpu_is_nan(&na) || fpu_is_nan(&nb)) {
		if (na.cls == FPU_SNAN || nb.cls == FPU_SNAN)
			*flags |= RV_FFLAGS_NV;
		return f->qnan;
	}
	return fpu_less_total(f, a, b) ? a : b;
}

uint64_t fpu_maxm(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b);

	if (fpu_is_nan(&na) || fpu_is_nan(&nb)) {
		if (na.cls == FPU_SNAN || nb.cls == FPU_SNAN)
			*flags |= RV_FFLAGS_NV;
		return f->qnan;
	}
	return fpu_less_total(f, a, b) ? b : a;
}

bool fpu_eq(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b);

	if (fpu_is_nan(&na) || fpu_is_nan(&nb)) {
		if (na.cls == FPU_SNAN || nb.cls == FPU_SNAN)
			*flags |= RV_FFLAGS_NV;
		return false;
	}
	if (na.cls == FPU_ZERO && nb.cls == FPU_ZERO)
		return true;
	return a == b;
}

bool fpu_lt(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b);

	if (fpu_is_nan(&na) || fpu_is_nan(&nb)) {
		*flags |= RV_FFLAGS_NV;
		return false;
	}
	if (na.cls == FPU_ZERO && nb.cls == FPU_ZERO)
		return false;
	return fpu_less_total(f, a, b);
}

bool fpu_le(const struct fpu_fmt *f, uint32_t *flags, uint64_t a, uint64_t b)
{
	struct fpu_num na = fpu_unpack(f, a), nb = fpu_unpack(f, b);

	if (fpu_is_nan(&na) || fpu_is_nan(&nb)) {
		*flags |= RV_FFLAGS_NV;
		return false;
	}
	if (na.cls == FPU_ZERO && nb.cls == FPU_ZERO)
		return true;
	return a == b || fpu_less_total(f, a, b);
}

unsigned fpu_class(const struct fpu_fmt *f, uint64_t a)
{
	struct fpu_num n = fpu_unpack(f, a);
	bool subnormal = n.cls == FPU_FINITE && !(n.sig >> (f->p - 1));

	switch (n.cls) {
	case FPU_SNAN:
		return FPU_CLASS_SNAN;
	case FPU_QNAN:
		return FPU_CLASS_QNAN;
	case FPU_INF:
		return n.sign ? FPU_CLASS_NEG_INF : FPU_CLASS_POS_INF;
	case FPU_ZERO:
		return n.sign ? FPU_CLASS_NEG_ZERO : FPU_CLASS_POS_ZERO;
	case FPU_FINITE:
		break;
	}
	if (subnormal)
		return n.sign ? FPU_CLASS_NEG_SUBNORMAL : FPU_CLASS_POS_SUBNORMAL;
	return n.sign ? FPU_CLASS_NEG_NORMAL : FPU_CLASS_POS_NORMAL;
}

static uint64_t fpu_sext32(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

uint64_t fpu_to_int(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a,
		    enum fpu_int_kind kind)
{
	static const uint64_t max_pos[] = {
	    [FPU_INT_W] = INT32_MAX,
	    [FPU_INT_WU] = UINT32_MAX,
	    [FPU_INT_L] = INT64_MAX,
	    [FPU_INT_LU] = UINT64_MAX,
	};
	/* The largest magnitude of a negative result; 0 for the unsigned kinds. */
	static const uint64_t max_neg[] = {
	    [FPU_INT_W] = UINT64_C(1) << 31,
	    [FPU_INT_WU] = 0,
	    [FPU_INT_L] = UINT64_C(1) << 63,
	    [FPU_INT_LU] = 0,
	};
	struct fpu_num n = fpu_unpack(f, a);
	bool word = kind == FPU_INT_W || kind == FPU_INT_WU;
	bool inexact = false, overflow = false;
	uint64_t mag = 0, v;

	switch (n.cls) {
	case FPU_QNAN:
	case FPU_SNAN:
		/* NaN converts like +inf: the largest positive value, invalid. */
		n.sign = false;
		overflow = true;
		break;
	case FPU_INF:
		overflow = true;
		break;
	case FPU_ZERO:
		return 0;
	case FPU_FINITE:
		if (n.exp >= 0) {
			if (n.exp >= 64 || (n.exp > 0 && n.sig >> (64 - n.exp)))
				overflow = true;
			else
				mag = n.sig << n.exp;
		} else {
			mag = fpu_round_shift(rm, n.sign, n.sig, -n.exp, &inexact);
		}
		if (mag > (n.sign ? max_neg[kind] : max_pos[kind]))
			overflow = true;
		break;
	}
	if (overflow) {
		*flags |= RV_FFLAGS_NV;
		v = n.sign ? -max_neg[kind] : max_pos[kind];
	} else {
		if (inexact)
			*flags |= RV_FFLAGS_NX;
		v = n.sign ? -mag : mag;
	}
	return word ? fpu_sext32(v) : v;
}

uint64_t fpu_from_int(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t v,
		      enum fpu_int_kind kind)
{
	bool sign = false;

	switch (kind) {
	case FPU_INT_W:
		v = fpu_sext32(v);
		sign = (int64_t)v < 0;
		break;
	case FPU_INT_WU:
		v = (uint32_t)v;
		break;
	case FPU_INT_L:
		sign = (int64_t)v < 0;
		break;
	case FPU_INT_LU:
		break;
	}
	if (sign)
		v = -v; /* magnitude; INT64_MIN maps to 2^63 as an unsigned value */
	if (!v)
		return fpu_zero(f, false);
	return fpu_round_pack(f, rm, flags, sign, 0, v);
}

uint64_t fpu_convert(const struct fpu_fmt *to, const struct fpu_fmt *from, int rm, uint32_t *flags,
		     uint64_t a)
{
	struct fpu_num n = fpu_unpack(from, a);

	switch (n.cls) {
	case FPU_QNAN:
	case FPU_SNAN:
		return fpu_nan_result(to, flags, &n, NULL);
	case FPU_INF:
		return fpu_inf(to, n.sign);
	case FPU_ZERO:
		return fpu_zero(to, n.sign);
	case FPU_FINITE:
		break;
	}
	return fpu_round_pack(to, rm, flags, n.sign, n.exp, n.sig);
}

uint64_t fpu_round_int(const struct fpu_fmt *f, int rm, uint32_t *flags, uint64_t a,
		       bool exact_flag)
{
	struct fpu_num n = fpu_unpack(f, a);
	bool inexact = false;
	uint64_t mag;

	switch (n.cls) {
	case FPU_SNAN:
		*flags |= RV_FFLAGS_NV;
		return f->qnan;
	case FPU_QNAN:
		return f->qnan;
	case FPU_FINITE:
		break;
	default:
		return a; /* zeros and infinities are integral */
	}
	if (n.exp >= 0)
		return a; /* already an integer */
	mag = fpu_round_shift(rm, n.sign, n.sig, -n.exp, &inexact);
	if (inexact && exact_flag)
		*flags |= RV_FFLAGS_NX;
	/* mag <= 2^(p-1) + 1 < 2^p: exact in f; a zero keeps the operand's sign. */
	return fpu_from_int(f, RV_RM_RNE, flags, mag, FPU_INT_LU) | (n.sign ? f->signbit : 0);
}

uint64_t fpu_cvtmod_w(const struct fpu_fmt *f, uint32_t *flags, uint64_t a)
{
	struct fpu_num n = fpu_unpack(f, a);
	fpu_u128 mag;
	bool inexact = false;
	uint64_t v;

	switch (n.cls) {
	case FPU_ZERO:
		return 0;
	case FPU_FINITE:
		break;
	default:
		*flags |= RV_FFLAGS_NV; /* NaN and infinities give 0 */
		return 0;
	}
	if (n.exp >= 0) {
		/* The low 64 bits are all that matter modulo 2^32; beyond 2^127 they are 0. */
		mag = n.exp < 64 ? (fpu_u128)n.sig << n.exp : 0;
		if (n.exp >= 64)
			mag = (fpu_u128)1 << 100; /* any out-of-range magnitude with low bits 0 */
	} else {
		mag = fpu_round_shift(RV_RM_RTZ, n.sign, n.sig, -n.exp, &inexact);
	}
	v = (uint64_t)mag;
	if (n.sign)
		v = -v;
	if (mag > (n.sign ? (fpu_u128)1 << 31 : ((fpu_u128)1 << 31) - 1))
		*flags |= RV_FFLAGS_NV;
	else if (inexact)
		*flags |= RV_FFLAGS_NX;
	return fpu_sext32(v);
}

uint64_t fpu_fli(const struct fpu_fmt *f, unsigned index)
{
	/* The Zfa table as binary64 (index 1, the minimum normal, depends on the format). */
	static const uint64_t d[32] = {
	    0xbff0000000000000, 0,
	    0x3ef0000000000000, 0x3f00000000000000,
	    0x3f70000000000000, 0x3f80000000000000,
	    0x3fb0000000000000, 0x3fc0000000000000,
	    0x3fd0000000000000, 0x3fd4000000000000,
	    0x3fd8000000000000, 0x3fdc000000000000,
	    0x3fe0000000000000, 0x3fe4000000000000,
	    0x3fe8000000000000, 0x3fec000000000000,
	    0x3ff0000000000000, 0x3ff4000000000000,
	    0x3ff8000000000000, 0x3ffc000000000000,
	    0x4000000000000000, 0x4004000000000000,
	    0x4008000000000000, 0x4010000000000000,
	    0x4020000000000000, 0x4030000000000000,
	    0x4060000000000000, 0x4070000000000000,
	    0x40e0000000000000, 0x40f0000000000000,
	    0x7ff0000000000000, 0x7ff8000000000000,
	};
	uint32_t ignored = 0;

	index &= 31;
	if (index == 1)
		return (uint64_t)1 << (f->p - 1);
	if (index == 31)
		return f->qnan;
	/* Exact except 2^16 in binary16, which is +inf there (the spec's table says so). */
	return fpu_convert(f, &fpu_binary64, RV_RM_RNE, &ignored, d[index]);
}
