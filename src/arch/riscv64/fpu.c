/* SPDX-License-Identifier: MIT */
/*
 * RV64F/RV64D instruction execution (RISC-V unprivileged spec, chapters "F"
 * and "D"; opcode map in "RV32/64G Instruction Set Listings").
 *
 *   OP-FP 0x53   funct5[31:27] fmt[26:25] rs2 rs1 rm/funct3 rd
 *     00000 FADD   00001 FSUB   00010 FMUL   00011 FDIV   01011 FSQRT (rs2=0)
 *     00100 FSGNJ  (000 J, 001 JN, 010 JX)   00101 FMIN/FMAX (000 MIN, 001 MAX)
 *     01000 FCVT.fmt.fmt (rs2 = source fmt)  10100 FLE/FLT/FEQ (000, 001, 010)
 *     11000 FCVT.int.fmt  11010 FCVT.fmt.int (rs2: 0 W, 1 WU, 2 L, 3 LU)
 *     11100 FMV.X.fmt (funct3 000) / FCLASS (funct3 001), rs2=0
 *     11110 FMV.fmt.X (funct3 000, rs2=0)
 *   MADD 0x43 / MSUB 0x47 / NMSUB 0x4b / NMADD 0x4f: rs3[31:27] fmt[26:25]
 *
 * This map is decoded by insn_table.h's RV_INSN_FP rows (one per operation,
 * fmt left out of the match, a format column for which of S/D/H each takes),
 * each naming its fpu_op_* function below; rv_fpu_execute finds the row,
 * checks the format and calls the function with it set.
 *
 * fmt 00 is S, 01 is D, 10 is H (Zfh; with only Zfhmin just the moves and the
 * conversions between H and S/D: FCVT.S.H, FCVT.H.S, FCVT.D.H, FCVT.H.D
 * with rs2 = the source fmt); Q is not implemented and is illegal. Narrow
 * (S, H) operands are NaN-unboxed on every read except by the transfers
 * FMV.X.W/FMV.X.H: a register whose upper bits are not all ones reads as the
 * canonical NaN (spec 12.2, "NaN Boxing of Narrower Values"); S and H
 * results are NaN-boxed.
 * Zfa (when fpu->zfa): insn_table.h's RV_INSN_ZFA rows, each naming its
 * fpu_zfa_* function below: FLI (FMV.fmt.X with rs2 = 1: rs1 indexes the
 * constant table), FMINM/FMAXM (FMIN/FMAX funct3 2/3), FROUND/FROUNDNX
 * (FCVT.fmt.fmt with rs2 = 4/5), FCVTMOD.W.D (FCVT.int.D with rs2 = 8, rm =
 * RTZ only), FLEQ/FLTQ (compare funct3 4/5). FMVH.X.D and FMVP.D.X are
 * RV32-only.
 *
 * An illegal encoding changes nothing, so the hart can raise the trap cleanly.
 */
#include "arch/riscv64/fpu.h"

#include "arch/riscv64/fpu_ieee.h"
#include "arch/riscv64/insn_table.h"

#include <stdbool.h>

#define FPU_BOX_S UINT64_C(0xffffffff00000000)
#define FPU_BOX_H UINT64_C(0xffffffffffff0000)
#define FPU_FMT_S 0u
#define FPU_FMT_D 1u
#define FPU_FMT_H 2u

static const struct fpu_fmt *const fpu_fmts[3] = {&fpu_binary32, &fpu_binary64, &fpu_binary16};
static const uint64_t fpu_boxes[3] = {FPU_BOX_S, 0, FPU_BOX_H};

struct fpu_insn {
	unsigned rd, rs1, rs2, rs3, funct3;
	const struct fpu_fmt *fmt;
	uint64_t box;  /* the NaN-boxing bits of fmt: all ones above a narrow value */
	unsigned fmtn; /* FPU_FMT_* */
};

static uint64_t fpu_read(const struct rv_fpu *fpu, const struct fpu_insn *in, unsigned r)
{
	uint64_t v = fpu->f[r];

	if (!in->box)
		return v;
	return (v & in->box) == in->box ? v & ~in->box : in->fmt->qnan;
}

static void fpu_write(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t bits)
{
	fpu->f[in->rd] = in->box | (bits & ~in->box);
}

static void fpu_set_fmt(struct fpu_insn *in, unsigned fmtn)
{
	in->fmtn = fmtn;
	in->fmt = fpu_fmts[fmtn];
	in->box = fpu_boxes[fmtn];
}

/* The effective rounding mode, or -1 when rm (or frm for a dynamic rm) is reserved. */
static int fpu_rm(const struct rv_fpu *fpu, unsigned rm)
{
	if (rm == RV_RM_DYN)
		rm = (fpu->fcsr >> RV_FCSR_FRM_SHIFT) & 7;
	return rm <= RV_RM_RMM ? (int)rm : -1;
}

/* ---- F/D/Zfh: the semantics insn_table.h's RV_INSN_FP rows name ---- */

/* The fused multiply-adds: -(a*b) when neg_prod, -c when neg_add. */
static int fpu_fused(struct rv_fpu *fpu, const struct fpu_insn *in, uint32_t *flags, bool neg_prod,
		     bool neg_add)
{
	int rm = fpu_rm(fpu, in->funct3);

	if (rm < 0)
		return -1;
	fpu_write(fpu, in,
		  fpu_fma(in->fmt, rm, flags, fpu_read(fpu, in, in->rs1),
			  fpu_read(fpu, in, in->rs2), fpu_read(fpu, in, in->rs3), neg_prod,
			  neg_add));
	return 0;
}

static int fpu_op_madd(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)x;
	return fpu_fused(fpu, in, flags, false, false);
}

static int fpu_op_msub(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)x;
	return fpu_fused(fpu, in, flags, false, true);
}

static int fpu_op_nmsub(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)x;
	return fpu_fused(fpu, in, flags, true, false);
}

static int fpu_op_nmadd(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)x;
	return fpu_fused(fpu, in, flags, true, true);
}

/* A rounded two-operand operation of fpu_ieee.c (fadd, fsub, fmul, fdiv). */
#define FPU_OP_RM2(name, ieee)                                                                     \
	static int name(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,                \
			uint32_t *flags)                                                           \
	{                                                                                          \
		int rm = fpu_rm(fpu, in->funct3);                                                  \
		(void)x;                                                                           \
		if (rm < 0)                                                                        \
			return -1;                                                                 \
		fpu_write(fpu, in,                                                                 \
			  ieee(in->fmt, rm, flags, fpu_read(fpu, in, in->rs1),                     \
			       fpu_read(fpu, in, in->rs2)));                                       \
		return 0;                                                                          \
	}
FPU_OP_RM2(fpu_op_add, fpu_add)
FPU_OP_RM2(fpu_op_sub, fpu_sub)
FPU_OP_RM2(fpu_op_mul, fpu_mul)
FPU_OP_RM2(fpu_op_div, fpu_div)
#undef FPU_OP_RM2

static int fpu_op_sqrt(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	int rm = fpu_rm(fpu, in->funct3);

	(void)x;
	if (rm < 0)
		return -1;
	fpu_write(fpu, in, fpu_sqrt(in->fmt, rm, flags, fpu_read(fpu, in, in->rs1)));
	return 0;
}

/* FSGNJ/FSGNJN/FSGNJX: a's magnitude with the sign sign(a, b) gives. */
#define FPU_OP_SGNJ(name, sign)                                                                    \
	static int name(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,                \
			uint32_t *flags)                                                           \
	{                                                                                          \
		uint64_t a = fpu_read(fpu, in, in->rs1), b = fpu_read(fpu, in, in->rs2);           \
		uint64_t sb = in->fmt->signbit;                                                    \
		(void)x;                                                                           \
		(void)flags;                                                                       \
		fpu_write(fpu, in, (a & ~sb) | ((sign)&sb));                                       \
		return 0;                                                                          \
	}
FPU_OP_SGNJ(fpu_op_sgnj, b)
FPU_OP_SGNJ(fpu_op_sgnjn, ~b)
FPU_OP_SGNJ(fpu_op_sgnjx, a ^ b)
#undef FPU_OP_SGNJ

/* FMIN/FMAX: an FP result of fpu_ieee.c's two-operand function without rm. */
#define FPU_OP_F2(name, ieee)                                                                      \
	static int name(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,                \
			uint32_t *flags)                                                           \
	{                                                                                          \
		(void)x;                                                                           \
		fpu_write(                                                                         \
		    fpu, in,                                                                       \
		    ieee(in->fmt, flags, fpu_read(fpu, in, in->rs1), fpu_read(fpu, in, in->rs2))); \
		return 0;                                                                          \
	}
FPU_OP_F2(fpu_op_min, fpu_min)
FPU_OP_F2(fpu_op_max, fpu_max)
#undef FPU_OP_F2

/* FLE/FLT/FEQ: x[rd] = the comparison. */
#define FPU_OP_CMP(name, ieee)                                                                     \
	static int name(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,                \
			uint32_t *flags)                                                           \
	{                                                                                          \
		x[in->rd] =                                                                        \
		    ieee(in->fmt, flags, fpu_read(fpu, in, in->rs1), fpu_read(fpu, in, in->rs2));  \
		return 0;                                                                          \
	}
FPU_OP_CMP(fpu_op_le, fpu_le)
FPU_OP_CMP(fpu_op_lt, fpu_lt)
FPU_OP_CMP(fpu_op_eq, fpu_eq)
#undef FPU_OP_CMP

/* FCVT.fmt.fmt: destination fmt <- the source format rs2 (the row fixes it: 0 S, 1 D, 2 H). */
static int fpu_op_cvt_ff(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,
			 uint32_t *flags)
{
	int rm = fpu_rm(fpu, in->funct3);
	struct fpu_insn src = *in;

	(void)x;
	if (rm < 0)
		return -1;
	fpu_set_fmt(&src, in->rs2);
	fpu_write(fpu, in, fpu_convert(in->fmt, src.fmt, rm, flags, fpu_read(fpu, &src, in->rs1)));
	return 0;
}

/* FCVT.{W,WU,L,LU}.fmt: the integer kind is rs2 (the row fixes it). */
static int fpu_op_cvt_to_int(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,
			     uint32_t *flags)
{
	int rm = fpu_rm(fpu, in->funct3);

	if (rm < 0)
		return -1;
	x[in->rd] =
	    fpu_to_int(in->fmt, rm, flags, fpu_read(fpu, in, in->rs1), (enum fpu_int_kind)in->rs2);
	return 0;
}

/* FCVT.fmt.{W,WU,L,LU}. */
static int fpu_op_cvt_from_int(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,
			       uint32_t *flags)
{
	int rm = fpu_rm(fpu, in->funct3);

	if (rm < 0)
		return -1;
	fpu_write(fpu, in,
		  fpu_from_int(in->fmt, rm, flags, x[in->rs1], (enum fpu_int_kind)in->rs2));
	return 0;
}

/* FMV.X.W/D/H: a transfer: the raw low bits, boxed or not; W and H are sign-extended. */
static int fpu_op_mv_x(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)flags;
	x[in->rd] = in->fmtn == FPU_FMT_S   ? (uint64_t)(int64_t)(int32_t)fpu->f[in->rs1]
		    : in->fmtn == FPU_FMT_H ? (uint64_t)(int64_t)(int16_t)fpu->f[in->rs1]
					    : fpu->f[in->rs1];
	return 0;
}

static int fpu_op_class(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)flags;
	x[in->rd] = fpu_class(in->fmt, fpu_read(fpu, in, in->rs1));
	return 0;
}

/* FMV.W/D/H.X. */
static int fpu_op_mv_f(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)flags;
	fpu_write(fpu, in, x[in->rs1]);
	return 0;
}

/* ---- Zfa: the semantics insn_table.h's RV_INSN_ZFA rows name ---- */

static int fpu_zfa_fli(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)x;
	(void)flags;
	fpu_write(fpu, in, fpu_fli(in->fmt, in->rs1));
	return 0;
}

static int fpu_zfa_minm(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)x;
	fpu_write(fpu, in,
		  fpu_minm(in->fmt, flags, fpu_read(fpu, in, in->rs1), fpu_read(fpu, in, in->rs2)));
	return 0;
}

static int fpu_zfa_maxm(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	(void)x;
	fpu_write(fpu, in,
		  fpu_maxm(in->fmt, flags, fpu_read(fpu, in, in->rs1), fpu_read(fpu, in, in->rs2)));
	return 0;
}

static int fpu_zfa_round_any(struct rv_fpu *fpu, const struct fpu_insn *in, uint32_t *flags,
			     bool nx)
{
	int rm = fpu_rm(fpu, in->funct3);

	if (rm < 0)
		return -1;
	fpu_write(fpu, in, fpu_round_int(in->fmt, rm, flags, fpu_read(fpu, in, in->rs1), nx));
	return 0;
}

static int fpu_zfa_round(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,
			 uint32_t *flags)
{
	(void)x;
	return fpu_zfa_round_any(fpu, in, flags, false);
}

static int fpu_zfa_roundnx(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,
			   uint32_t *flags)
{
	(void)x;
	return fpu_zfa_round_any(fpu, in, flags, true);
}

/* FCVTMOD.W.D: the row's match fixes D and rm = RTZ. */
static int fpu_zfa_cvtmod(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x,
			  uint32_t *flags)
{
	x[in->rd] = fpu_cvtmod_w(in->fmt, flags, fpu_read(fpu, in, in->rs1));
	return 0;
}

/* FLEQ/FLTQ: quiet compares, NV only for a signalling NaN. */
static int fpu_zfa_cmpq(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags,
			bool lt)
{
	uint64_t a = fpu_read(fpu, in, in->rs1), b = fpu_read(fpu, in, in->rs2);
	uint32_t ignored = 0;
	bool snan = (fpu_class(in->fmt, a) | fpu_class(in->fmt, b)) & FPU_CLASS_SNAN;

	x[in->rd] = lt ? fpu_lt(in->fmt, &ignored, a, b) : fpu_le(in->fmt, &ignored, a, b);
	if (snan)
		*flags |= RV_FFLAGS_NV;
	return 0;
}

static int fpu_zfa_leq(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	return fpu_zfa_cmpq(fpu, in, x, flags, false);
}

static int fpu_zfa_ltq(struct rv_fpu *fpu, const struct fpu_insn *in, uint64_t *x, uint32_t *flags)
{
	return fpu_zfa_cmpq(fpu, in, x, flags, true);
}

/* The Zfa row insn is (when Zfa is on), run: 0, or -1 (reserved rm); 1 when it is not a Zfa row. */
static int fpu_exec_zfa(struct rv_fpu *fpu, uint32_t insn, const struct fpu_insn *in, uint64_t *x,
			uint32_t *flags)
{
	switch (rv_insn_zfa_find(insn, fpu->zfa ? RV_X_ZFA : 0)) {
#define FPU_ZFA(n, s, opc, mask, match, ext, fmt, fn)                                              \
	case RV_I_##n:                                                                             \
		return fn(fpu, in, x, flags);
		RV_INSN_ZFA(FPU_ZFA)
#undef FPU_ZFA
	default:
		return 1;
	}
}

/*
 * The RV_INSN_FP row insn is runs (its format legal for fpu->half:
 * rv_fp_fmt_ok, folded per row), else Zfa's rows, whose encodings no F row
 * has, so F/D/Zfh pay nothing for them.
 */
int rv_fpu_execute(struct rv_fpu *fpu, uint32_t insn, uint64_t *x)
{
	struct fpu_insn in = {
	    .rd = (insn >> 7) & 31,
	    .funct3 = (insn >> 12) & 7,
	    .rs1 = (insn >> 15) & 31,
	    .rs2 = (insn >> 20) & 31,
	    .rs3 = insn >> 27,
	};
	unsigned fmt = (insn >> 25) & 3;
	uint32_t flags = 0;
	int ret;

	switch (rv_insn_fp_find(insn)) {
#define FPU_FP(n, s, opc, mask, match, fmts, fn)                                                   \
	case RV_I_##n:                                                                             \
		if (!rv_fp_fmt_ok(fmts, fmt, fpu->half))                                           \
			return -1;                                                                 \
		fpu_set_fmt(&in, fmt);                                                             \
		ret = fn(fpu, &in, x, &flags);                                                     \
		break;
		RV_INSN_FP(FPU_FP)
#undef FPU_FP
	default:
		/* Zfa: the H forms need Zfh as well (its rows' format is fmt). */
		if ((insn & 0x7f) != RV_OPC_OP_FP || fmt > FPU_FMT_H ||
		    (fmt == FPU_FMT_H && fpu->half != RV_FPU_HALF_FULL))
			return -1;
		fpu_set_fmt(&in, fmt);
		ret = fpu_exec_zfa(fpu, insn, &in, x, &flags) == 0 ? 0 : -1;
		break;
	}
	if (ret == 0)
		fpu->fcsr |= flags;
	return ret;
}
