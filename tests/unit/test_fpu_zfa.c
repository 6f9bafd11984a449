/* SPDX-License-Identifier: MIT */
/*
 * Zfa ("Additional Floating-Point Instructions", ratified) and binary16
 * (Zfh) cases with expected bit patterns and fflags derived by hand from the
 * specification's definitions (QEMU 7.2 has no Zfa to compare with). Every
 * case: f1 = a, f2 = b; FP results in f4, integer results in x12.
 */
#include "test.h"

#include "arch/riscv64/fpu.h"
#include "arch/riscv64/insn_table.h"

enum { S = 0, D = 1, H = 2 };
enum { RNE, RTZ, RDN, RUP, RMM, DYN = 7 };
enum { NX = 0x01, NV = 0x10 };

#define BOX(v) (UINT64_C(0xffffffff00000000) | (uint32_t)(v))
#define BOXH(v) (UINT64_C(0xffffffffffff0000) | (uint16_t)(v))
#define QNAN_D UINT64_C(0x7ff8000000000000)
#define SNAN_D UINT64_C(0x7ff4000000000000)
#define ONE_D UINT64_C(0x3ff0000000000000)

static uint32_t op(unsigned funct5, unsigned fmt, unsigned rs2, unsigned rs1, unsigned f3,
		   unsigned rd)
{
	return funct5 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | RV_OPC_OP_FP;
}

struct run {
	int ret;
	uint64_t f4, x12;
	uint32_t flags;
};

static struct run run_zfa(bool zfa, uint32_t insn, uint64_t a, uint64_t b)
{
	struct rv_fpu fpu = {.zfa = zfa, .half = RV_FPU_HALF_FULL};
	uint64_t x[32] = {0};
	struct run r;

	fpu.f[1] = a;
	fpu.f[2] = b;
	fpu.f[4] = 0x5a5a;
	x[12] = 0x5a5a;
	r.ret = rv_fpu_execute(&fpu, insn, x);
	r.f4 = fpu.f[4];
	r.x12 = x[12];
	r.flags = fpu.fcsr & RV_FFLAGS_MASK;
	return r;
}

#define CHECK_F(insn, a, b, value, fflags)                                                         \
	do {                                                                                       \
		struct run r_ = run_zfa(true, insn, a, b);                                         \
		CHECK_INT(0, r_.ret);                                                              \
		CHECK_U64(value, r_.f4);                                                           \
		CHECK_U64(fflags, r_.flags);                                                       \
	} while (0)
#define CHECK_X(insn, a, b, value, fflags)                                                         \
	do {                                                                                       \
		struct run r_ = run_zfa(true, insn, a, b);                                         \
		CHECK_INT(0, r_.ret);                                                              \
		CHECK_U64(value, r_.x12);                                                          \
		CHECK_U64(fflags, r_.flags);                                                       \
	} while (0)

/* fli.fmt f4, index */
#define FLI(fmt, i) op(0x1e, fmt, 1, i, 0, 4)

TEST(zfa_fli_table)
{
	CHECK_F(FLI(S, 0), 0, 0, BOX(0xbf800000), 0);  /* -1.0 */
	CHECK_F(FLI(S, 1), 0, 0, BOX(0x00800000), 0);  /* minimum positive normal */
	CHECK_F(FLI(S, 2), 0, 0, BOX(0x37800000), 0);  /* 2^-16 */
	CHECK_F(FLI(S, 9), 0, 0, BOX(0x3ea00000), 0);  /* 0.3125 */
	CHECK_F(FLI(S, 16), 0, 0, BOX(0x3f800000), 0); /* 1.0 */
	CHECK_F(FLI(S, 29), 0, 0, BOX(0x47800000), 0); /* 2^16 */
	CHECK_F(FLI(S, 30), 0, 0, BOX(0x7f800000), 0); /* inf */
	CHECK_F(FLI(S, 31), 0, 0, BOX(0x7fc00000), 0); /* canonical NaN */
	CHECK_F(FLI(D, 1), 0, 0, UINT64_C(0x0010000000000000), 0);
	CHECK_F(FLI(D, 11), 0, 0, UINT64_C(0x3fdc000000000000), 0); /* 0.4375 */
	CHECK_F(FLI(D, 28), 0, 0, UINT64_C(0x40e0000000000000), 0); /* 2^15 */
	CHECK_F(FLI(H, 1), 0, 0, BOXH(0x0400), 0);		    /* half: min normal 2^-14 */
	CHECK_F(FLI(H, 2), 0, 0, BOXH(0x0100), 0);		    /* 2^-16: subnormal */
	CHECK_F(FLI(H, 29), 0, 0, BOXH(0x7c00), 0);		    /* 2^16: +inf in binary16 */
	CHECK_F(FLI(H, 31), 0, 0, BOXH(0x7e00), 0);
}

TEST(zfa_fminm_fmaxm_propagate_nan)
{
	const uint32_t fminm = op(0x05, D, 2, 1, 2, 4), fmaxm = op(0x05, D, 2, 1, 3, 4);
	const uint32_t fmin = op(0x05, D, 2, 1, 0, 4);

	CHECK_F(fmin, ONE_D, QNAN_D, ONE_D, 0); /* the old one returns the number */
	CHECK_F(fminm, ONE_D, QNAN_D, QNAN_D, 0);
	CHECK_F(fmaxm, UINT64_C(0xfff8000000000001), ONE_D, QNAN_D, 0); /* canonical */
	CHECK_F(fmaxm, SNAN_D, ONE_D, QNAN_D, NV);
	CHECK_F(fminm, UINT64_C(0x8000000000000000), 0, UINT64_C(0x8000000000000000), 0);
	CHECK_F(fmaxm, UINT64_C(0x8000000000000000), 0, 0, 0);
	CHECK_F(op(0x05, S, 2, 1, 2, 4), BOX(0x40000000), BOX(0xbf800000), BOX(0xbf800000), 0);
}

TEST(zfa_fround_and_froundnx)
{
	const uint64_t two_half = UINT64_C(0x4004000000000000); /* 2.5 */

	CHECK_F(op(0x08, D, 4, 1, RNE, 4), two_half, 0, UINT64_C(0x4000000000000000), 0);
	CHECK_F(op(0x08, D, 5, 1, RNE, 4), two_half, 0, UINT64_C(0x4000000000000000), NX);
	CHECK_F(op(0x08, D, 4, 1, RUP, 4), two_half, 0, UINT64_C(0x4008000000000000), 0);
	CHECK_F(op(0x08, D, 5, 1, RMM, 4), two_half, 0, UINT64_C(0x4008000000000000), NX);
	/* -0.3 rounds to -0; 1e300 is integral already; infinities stay. */
	CHECK_F(op(0x08, D, 5, 1, RNE, 4), UINT64_C(0xbfd3333333333333), 0,
		UINT64_C(0x8000000000000000), NX);
	CHECK_F(op(0x08, D, 5, 1, RNE, 4), UINT64_C(0x7e37e43c8800759c), 0,
		UINT64_C(0x7e37e43c8800759c), 0);
	CHECK_F(op(0x08, D, 5, 1, RNE, 4), UINT64_C(0xfff0000000000000), 0,
		UINT64_C(0xfff0000000000000), 0);
	CHECK_F(op(0x08, D, 4, 1, RNE, 4), SNAN_D, 0, QNAN_D, NV);
	CHECK_F(op(0x08, S, 5, 1, RDN, 4), BOX(0xbfc00000), 0, BOX(0xc0000000), NX); /* -1.5 */
	CHECK_F(op(0x08, H, 5, 1, RTZ, 4), BOXH(0x3e00), 0, BOXH(0x3c00), NX);	     /* 1.5 */
}

TEST(zfa_fcvtmod_w_d)
{
#define FCVTMOD op(0x18, D, 8, 1, RTZ, 12)
	CHECK_X(FCVTMOD, UINT64_C(0x400d99999999999a), 0, 3, NX);	     /* 3.7 */
	CHECK_X(FCVTMOD, UINT64_C(0xc00d99999999999a), 0, (uint64_t)-3, NX); /* -3.7 */
	CHECK_X(FCVTMOD, UINT64_C(0x41f0000005000000), 0, 0x50, NV);	     /* 2^32 + 80 */
	CHECK_X(FCVTMOD, UINT64_C(0x41e0000000000000), 0, UINT64_C(0xffffffff80000000), NV);
	CHECK_X(FCVTMOD, UINT64_C(0xc1e0000000000000), 0, UINT64_C(0xffffffff80000000), 0);
	CHECK_X(FCVTMOD, UINT64_C(0x4415af1d78b58c40), 0, 0x63100000, NV); /* 1e20 */
	CHECK_X(FCVTMOD, QNAN_D, 0, 0, NV);
	CHECK_X(FCVTMOD, UINT64_C(0x7ff0000000000000), 0, 0, NV);
	CHECK_X(FCVTMOD, UINT64_C(0x8000000000000000), 0, 0, 0);
	/* only RTZ, only D */
	CHECK_INT(-1, run_zfa(true, op(0x18, D, 8, 1, RNE, 12), ONE_D, 0).ret);
	CHECK_INT(-1, run_zfa(true, op(0x18, S, 8, 1, RTZ, 12), BOX(0x3f800000), 0).ret);
#undef FCVTMOD
}

TEST(zfa_fleq_fltq_are_quiet)
{
	const uint32_t fleq = op(0x14, D, 2, 1, 4, 12), fltq = op(0x14, D, 2, 1, 5, 12);

	CHECK_X(op(0x14, D, 2, 1, 0, 12), QNAN_D, ONE_D, 0, NV); /* fle signals */
	CHECK_X(fleq, QNAN_D, ONE_D, 0, 0);
	CHECK_X(fltq, QNAN_D, ONE_D, 0, 0);
	CHECK_X(fltq, SNAN_D, ONE_D, 0, NV);
	CHECK_X(fleq, ONE_D, ONE_D, 1, 0);
	CHECK_X(fltq, ONE_D, ONE_D, 0, 0);
	CHECK_X(fltq, UINT64_C(0x8000000000000000), 0, 0, 0); /* -0 < +0 is false */
}

TEST(zfa_off_is_illegal)
{
	const uint32_t insns[] = {
	    op(0x1e, D, 1, 3, 0, 4),	op(0x05, D, 2, 1, 2, 4),  op(0x08, D, 4, 1, RNE, 4),
	    op(0x18, D, 8, 1, RTZ, 12), op(0x14, D, 2, 1, 4, 12),
	};

	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		CHECK_INT(-1, run_zfa(false, insns[i], ONE_D, ONE_D).ret);
		CHECK_INT(0, run_zfa(true, insns[i], ONE_D, ONE_D).ret);
	}
}

/*
 * Every Zfa row of insn_table.h: its encoding decodes to itself, runs with
 * Zfa on (operands f1, f2 = 1.0, rd = 4, and with the rm/rs1 bits the row
 * leaves free set to 0: RNE), and is illegal with Zfa off; the same bits
 * with the row's fixed funct3/rs2 changed are not that row.
 */
TEST(zfa_every_table_row_decodes_runs_and_is_illegal_when_off)
{
	static const struct {
		const char *name;
		uint32_t mask, match;
	} rows[] = {
#define ROW(n, s, opc, mask, match, ...) {s, mask, match},
	    RV_INSN_ZFA(ROW)
#undef ROW
	};

	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint32_t insn =
		    rows[i].match | 4u << 7 | 1u << 15 | ((rows[i].mask >> 20) & 31 ? 0 : 2u << 20);
		struct run on = run_zfa(true, insn, ONE_D, ONE_D);

		CHECK_INT((int)i, rv_insn_zfa_find(insn, RV_X_ZFA));
		CHECK_INT(-1, rv_insn_zfa_find(insn, 0));
		if (on.ret != 0 || run_zfa(false, insn, ONE_D, ONE_D).ret != -1)
			test_fail_at(__FILE__, __LINE__, "%s (0x%08x): on %d", rows[i].name, insn,
				     on.ret);
	}
}
