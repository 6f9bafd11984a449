/* SPDX-License-Identifier: MIT */
/*
 * insn_table.h's RV_INSN_FP rows (F, D, Zfh/Zfhmin arithmetic): every row,
 * in every format (S, D, H, Q) and with binary16 support none / Zfhmin /
 * Zfh, decodes to itself and to no other row (nor a Zfa row), runs when the
 * spec says the encoding exists and is illegal (changing nothing) when it
 * does not. The expectation is written here from the spec's extension
 * chapters, not from the row's format column: Zfhmin has of the H
 * instructions only FMV.X.H, FMV.H.X and FCVT between H and S/D; a
 * conversion to its own format is reserved; Q (fmt 3) is not implemented.
 */
#include "test.h"

#include "arch/riscv64/fpu.h"
#include "arch/riscv64/insn_table.h"

#include <string.h>

enum { S = 0, D = 1, H = 2, Q = 3 };

static const struct {
	const char *name;
	uint32_t mask, match;
} rows[] = {
#define ROW(n, s, opc, mask, match, ...) {s, mask, match},
    RV_INSN_FP(ROW)
#undef ROW
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static bool name_is(unsigned i, const char *s)
{
	return strcmp(rows[i].name, s) == 0;
}

/* The source format of a fcvt.fmt.fmt row, else -1. */
static int cvt_src(unsigned i)
{
	return name_is(i, "fcvt.fmt.s")	  ? S
	       : name_is(i, "fcvt.fmt.d") ? D
	       : name_is(i, "fcvt.fmt.h") ? H
					  : -1;
}

static bool expect_legal(unsigned i, unsigned fmt, unsigned half)
{
	int src = cvt_src(i);
	bool needs_h = fmt == H || src == H;

	if (fmt == Q || (src >= 0 && (unsigned)src == fmt))
		return false;
	if (!needs_h || half == RV_FPU_HALF_FULL)
		return true;
	if (half == RV_FPU_HALF_MIN)
		return src >= 0 || name_is(i, "fmv.x") || name_is(i, "fmv.fmt.x");
	return false;
}

/* The row's encoding in fmt with rd = 4, rs1 = 1 and the fields its mask leaves free set (rm =
 * RNE). */
static uint32_t encode(unsigned i, unsigned fmt)
{
	uint32_t free_rs2 = (rows[i].mask >> 20) & 31 ? 0 : 2u << 20;
	uint32_t free_rs3 = (rows[i].mask >> 27) & 31 ? 0 : 3u << 27;

	return rows[i].match | fmt << 25 | 4u << 7 | 1u << 15 | free_rs2 | free_rs3;
}

TEST(fp_every_table_row_decodes_to_itself_and_is_legal_exactly_per_spec)
{
	static const unsigned halves[] = {RV_FPU_HALF_NONE, RV_FPU_HALF_MIN, RV_FPU_HALF_FULL};

	CHECK_INT(31, (int)NROWS);
	for (unsigned i = 0; i < NROWS; i++) {
		for (unsigned fmt = 0; fmt < 4; fmt++) {
			uint32_t insn = encode(i, fmt);

			CHECK_INT((int)i, rv_insn_fp_find(insn));
			CHECK_INT(-1, rv_insn_zfa_find(insn, RV_X_ZFA));
			for (unsigned j = 0; j < NROWS; j++)
				if (j != i && (insn & rows[j].mask) == rows[j].match)
					test_fail_at(__FILE__, __LINE__, "%s also matches %s",
						     rows[i].name, rows[j].name);
			for (unsigned h = 0; h < 3; h++) {
				struct rv_fpu fpu = {.half = (uint8_t)halves[h], .zfa = 1};
				uint64_t x[32] = {0};
				bool legal = expect_legal(i, fmt, halves[h]);
				int ret;

				for (unsigned r = 0; r < 32; r++)
					fpu.f[r] = UINT64_C(0xffffffff3f800000); /* 1.0f, boxed */
				fpu.f[4] = 0x5a5a;
				x[1] = 3;
				x[4] = 0x5a5a;
				ret = rv_fpu_execute(&fpu, insn, x);
				if (ret != (legal ? 0 : -1))
					test_fail_at(__FILE__, __LINE__,
						     "%s fmt %u half %u (0x%08x): %d", rows[i].name,
						     fmt, halves[h], insn, ret);
				if (!legal && (fpu.f[4] != 0x5a5a || x[4] != 0x5a5a || fpu.fcsr))
					test_fail_at(__FILE__, __LINE__,
						     "%s fmt %u: illegal but changed state",
						     rows[i].name, fmt);
			}
		}
	}
}

/* A row that reads rm refuses the reserved ones (5, 6; 7 = frm, itself reserved here). */
TEST(fp_rows_with_rm_refuse_a_reserved_rounding_mode)
{
	unsigned with_rm = 0;

	for (unsigned i = 0; i < NROWS; i++) {
		if ((rows[i].mask >> 12) & 7)
			continue;
		with_rm++;
		for (unsigned rm = 5; rm <= 7; rm++) {
			struct rv_fpu fpu = {.half = RV_FPU_HALF_FULL, .fcsr = 5u << 5};
			uint64_t x[32] = {0};

			if (rv_fpu_execute(&fpu, encode(i, D) | rm << 12, x) != -1)
				test_fail_at(__FILE__, __LINE__, "%s: rm %u accepted", rows[i].name,
					     rm);
		}
	}
	/* fused 4, fadd/fsub/fmul/fdiv/fsqrt 5, fcvt 3 + 4 + 4 */
	CHECK_INT(20, (int)with_rm);
}
