/* SPDX-License-Identifier: MIT */
/*
 * Instruction -> decoded slot (see predecode.h). Only encodings that are
 * legal in every mode get a fast operation; reserved encodings, and whatever
 * depends on privilege or CSR state, stay RV_DOP_GENERIC so that interp.c
 * raises exactly what it always did.
 */
#include "arch/riscv64/predecode.h"

#include <string.h>

#include "axvm/types.h"

#include "arch/riscv64/decode.h"
#include "arch/riscv64/fpu.h"

/* The sink register index written instead of x0 (hart.h: x[32]). */
#define PREDECODE_X0_SINK 32u

static void predecode_generic(struct rv_dinsn *d, uint32_t insn, uint32_t raw)
{
	d->op = RV_DOP_GENERIC;
	d->insn = insn;
	d->imm = (int32_t)raw;
}

void rv_predecode_step(struct rv_dinsn *d, unsigned step)
{
	memset(d, 0, sizeof(*d));
	d->op = RV_DOP_STEP;
	d->step = (uint8_t)step;
	d->target = -1;
}

/* Slot of pc-relative target off + imm if it is on the same page, else -1. */
static int16_t predecode_target(unsigned off, int64_t imm)
{
	int64_t t = (int64_t)off + imm;

	return t >= 0 && t < (int64_t)AXVM_PAGE_SIZE ? (int16_t)(t >> 1) : -1;
}

/* A load, store or branch (insn_table.h): its row's operation, 0 if none (illegal). */
static unsigned predecode_load(uint32_t insn, uint64_t ext_on)
{
	switch (rv_insn_load_find(insn, ext_on)) {
#define PREDECODE_ROW(n, s, ...)                                                                   \
	case RV_I_##n:                                                                             \
		return RV_DOP_##n;
		RV_INSN_LOAD(PREDECODE_ROW)
	default:
		return 0;
	}
}

static unsigned predecode_store(uint32_t insn, uint64_t ext_on)
{
	switch (rv_insn_store_find(insn, ext_on)) {
		RV_INSN_STORE(PREDECODE_ROW)
	default:
		return 0;
	}
}

static unsigned predecode_branch(uint32_t insn, uint64_t ext_on)
{
	switch (rv_insn_branch_find(insn, ext_on)) {
		RV_INSN_BRANCH(PREDECODE_ROW)
#undef PREDECODE_ROW
	default:
		return 0;
	}
}

/*
 * An integer ALU instruction (insn_table.h): its row's operation with the
 * immediate (or shift amount) in d->imm, or 0 when the encoding is illegal
 * (interp.c raises it).
 */
static unsigned predecode_alu(struct rv_dinsn *d, uint32_t insn, unsigned opc, uint64_t ext_on)
{
	int id;

	switch (opc) {
	case RV_OP_IMM:
		id = rv_insn_alu_find(insn, RV_OP_IMM, ext_on);
		break;
	case RV_OP_IMM_32:
		id = rv_insn_alu_find(insn, RV_OP_IMM_32, ext_on);
		break;
	case RV_OP_OP:
		id = rv_insn_alu_find(insn, RV_OP_OP, ext_on);
		break;
	default:
		id = rv_insn_alu_find(insn, RV_OP_OP_32, ext_on);
		break;
	}
	switch (id) {
#define PREDECODE_ALU(n, s, opc_, mask, match, fmt, ext, jx, expr)                                 \
	case RV_I_##n:                                                                             \
		if (!RV_INSN_FMT_IS_REG_##fmt)                                                     \
			d->imm = (int32_t)(int64_t)RV_INSN_B_##fmt(insn, (const uint64_t *)0);     \
		return RV_DOP_##n;
		RV_INSN_ALU(PREDECODE_ALU)
#undef PREDECODE_ALU
	default:
		return 0;
	}
}

/* Per kind of jump row: the slot's target (auipc: its page offset; jal: the in-page slot). */
#define PREDECODE_K_UPPER(d, off) (void)(off)
#define PREDECODE_K_PCREL(d, off) ((d)->target = (int16_t)(off))
#define PREDECODE_K_JUMP(d, off) ((d)->target = predecode_target((off), (d)->imm))
#define PREDECODE_K_JUMPR(d, off) (void)(off)

/* The operation for insn, 0 (= generic) if it has none. May adjust d->imm. */
static unsigned predecode_op_of(struct rv_dinsn *d, uint32_t insn, unsigned off, uint64_t ext_on)
{
	unsigned f3 = rv_funct3(insn);

	switch (rv_opcode(insn)) {
		/* insn_table.h's RV_INSN_JUMP rows; the kind says what the slot keeps */
#define PREDECODE_JUMP(n, s, opc, mask, match, immf, kind, value, next)                            \
	case opc:                                                                                  \
		d->imm = (int32_t)RV_INSN_IMM_##immf(insn);                                        \
		PREDECODE_##kind(d, off);                                                          \
		return (insn & (mask)) == (match) ? RV_DOP_##n : 0;
		RV_INSN_JUMP(PREDECODE_JUMP)
#undef PREDECODE_JUMP
	case RV_OP_BRANCH:
		d->imm = (int32_t)rv_imm_b(insn);
		d->target = predecode_target(off, d->imm);
		return predecode_branch(insn, ext_on);
	case RV_OP_LOAD:
		d->imm = (int32_t)rv_imm_i(insn);
		d->target = (int16_t)off; /* for the MMIO exit's pc */
		return predecode_load(insn, ext_on);
	case RV_OP_STORE:
		d->imm = (int32_t)rv_imm_s(insn);
		d->target = (int16_t)off;
		return predecode_store(insn, ext_on);
	case RV_OP_IMM:
	case RV_OP_IMM_32:
	case RV_OP_OP:
	case RV_OP_OP_32:
		return predecode_alu(d, insn, rv_opcode(insn), ext_on);
	case RV_OP_LOAD_FP:
		d->imm = (int32_t)rv_imm_i(insn);
		return f3 == 2 ? RV_DOP_FLW : f3 == 3 ? RV_DOP_FLD : 0;
	case RV_OP_STORE_FP:
		d->imm = (int32_t)rv_imm_s(insn);
		return f3 == 2 ? RV_DOP_FSW : f3 == 3 ? RV_DOP_FSD : 0;
	case RV_OPC_OP_FP:
	case RV_OPC_MADD:
	case RV_OPC_MSUB:
	case RV_OPC_NMSUB:
	case RV_OPC_NMADD:
		return RV_DOP_FPU;
	default:
		return 0;
	}
}

/* Operations whose rd is an f register (x0 handling does not apply). */
static int predecode_fp(unsigned op)
{
	return op >= RV_DOP_FLW && op <= RV_DOP_FPU;
}

/* Operations with no effect but on rd: with rd = x0 they do nothing. */
static int predecode_pure(unsigned op)
{
	return op == RV_DOP_LUI || op == RV_DOP_AUIPC ||
	       (op >= RV_DOP_ADDI && op < RV_DOP_FLW) /* the ALU rows */ ||
	       (op >= RV_DOP_ZEXTW && op < RV_DOP_COUNT);
}

void rv_predecode(struct rv_dinsn *d, uint32_t insn, uint32_t raw, unsigned len, unsigned off,
		  uint64_t ext_on)
{
	unsigned op;

	memset(d, 0, sizeof(*d));
	d->step = (uint8_t)(len / 2);
	d->target = -1;
	d->insn = insn;
	d->rd = (uint8_t)rv_rd(insn);
	d->rs1 = (uint8_t)rv_rs1(insn);
	d->rs2 = (uint8_t)rv_rs2(insn);
	op = predecode_op_of(d, insn, off, ext_on);
	if (!op) {
		predecode_generic(d, insn, raw);
		return;
	}
	if ((op == RV_DOP_JAL || (op >= RV_DOP_BEQ && op <= RV_DOP_BGEU)) && d->target >= 0)
		d->delta = (d->target - (int32_t)(off >> 1)) * (int32_t)sizeof(*d);
	/* Branches and stores have no rd: the field holds immediate bits. */
	if (d->rd == 0 && !predecode_fp(op)) {
		if (predecode_pure(op))
			op = RV_DOP_NOP;
		else
			d->rd = PREDECODE_X0_SINK;
	}
	d->op = (uint8_t)op;
}

int rv_predecode_may_fuse(const struct rv_dinsn *d)
{
	return d->op == RV_DOP_SLLI || d->op == RV_DOP_LUI || d->op == RV_DOP_ADD;
}

/* add t, a, b followed by a load/store based on t: the fused operation, or 0. */
static unsigned predecode_fuse_add_mem(struct rv_dinsn *d, const struct rv_dinsn *next)
{
	unsigned kind = next->op;

	if (next->rs1 != d->rd || kind < RV_DOP_LB || kind > RV_DOP_SD)
		return 0;
	d->target = d->rd; /* t */
	d->first_step = d->step;
	d->rd = kind >= RV_DOP_SB ? next->rs2 : next->rd; /* the value stored, or the load's rd */
	d->imm = next->imm;
	/* both groups are generated from the load rows then the store rows (dcache.h) */
	_Static_assert(RV_DOP_ADD_SD - RV_DOP_ADD_LB == RV_DOP_SD - RV_DOP_LB, "same order");
	return RV_DOP_ADD_LB + (kind - RV_DOP_LB);
}

void rv_predecode_fuse(struct rv_dinsn *d, const struct rv_dinsn *next)
{
	unsigned op = 0;

	if (d->op == RV_DOP_ADD) {
		op = predecode_fuse_add_mem(d, next);
	} else if (next->rs1 != d->rd) {
		return; /* the other idioms feed the first result to the second */
	} else if (d->op == RV_DOP_SLLI && next->op == RV_DOP_SRLI) {
		if (d->imm == 32 && next->imm == 32 && next->rd == d->rd) {
			op = RV_DOP_ZEXTW;
		} else {
			d->target = d->rd;
			d->rd = next->rd;
			d->imm = d->imm | next->imm << 8;
			op = RV_DOP_SHIFTS;
		}
	} else if (d->op == RV_DOP_LUI && (next->op == RV_DOP_ADDI || next->op == RV_DOP_ADDIW) &&
		   next->rd == d->rd) {
		int64_t v = (int64_t)d->imm + next->imm;

		if (next->op == RV_DOP_ADDIW)
			v = (int32_t)(uint32_t)(uint64_t)v;
		if (v < INT32_MIN || v > INT32_MAX)
			return;
		d->imm = (int32_t)v;
		op = RV_DOP_LI;
	}
	if (!op)
		return;
	d->op = (uint8_t)op;
	d->step = (uint8_t)(d->step + next->step);
}
