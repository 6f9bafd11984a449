/* SPDX-License-Identifier: MIT */
/*
 * The C extension: each RV64C instruction expanded to its 32-bit form,
 * following the unprivileged spec's "RVC Instruction Set Listings"
 * (quadrants 0, 1, 2). Reserved encodings and the all-zero parcel expand to
 * 0 (illegal). HINT encodings expand to their no-op base instructions.
 */
#include "arch/riscv64/decode.h"

static uint32_t rvc_bits(uint32_t c, int hi, int lo)
{
	return (c >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* Sign-extend the low `bits` bits of v. */
static int32_t rvc_sext(uint32_t v, int bits)
{
	return (int32_t)(v << (32 - bits)) >> (32 - bits);
}

static uint32_t rvc_i(unsigned op, unsigned rd, unsigned f3, unsigned rs1, int32_t imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t rvc_s(unsigned op, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
	uint32_t u = (uint32_t)imm & 0xfff;

	return (u >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op;
}

static uint32_t rvc_r(unsigned op, unsigned rd, unsigned f3, unsigned rs1, unsigned rs2,
		      unsigned f7)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t rvc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
	       ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | RV_OP_BRANCH;
}

static uint32_t rvc_jal(unsigned rd, int32_t imm)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
	       ((u >> 12) & 0xff) << 12 | rd << 7 | RV_OP_JAL;
}

/* Scaled offsets of the load/store forms ("RVC Instruction Set Listings"). */
static uint32_t rvc_ud(uint32_t c) /* C.LD C.SD C.FLD C.FSD */
{
	return rvc_bits(c, 12, 10) << 3 | rvc_bits(c, 6, 5) << 6;
}

static uint32_t rvc_uw(uint32_t c) /* C.LW C.SW */
{
	return rvc_bits(c, 12, 10) << 3 | rvc_bits(c, 6, 6) << 2 | rvc_bits(c, 5, 5) << 6;
}

static uint32_t rvc_ldsp(uint32_t c)
{
	return rvc_bits(c, 12, 12) << 5 | rvc_bits(c, 6, 5) << 3 | rvc_bits(c, 4, 2) << 6;
}

static uint32_t rvc_lwsp(uint32_t c)
{
	return rvc_bits(c, 12, 12) << 5 | rvc_bits(c, 6, 4) << 2 | rvc_bits(c, 3, 2) << 6;
}

static uint32_t rvc_sdsp(uint32_t c)
{
	return rvc_bits(c, 12, 10) << 3 | rvc_bits(c, 9, 7) << 6;
}

static uint32_t rvc_swsp(uint32_t c)
{
	return rvc_bits(c, 12, 9) << 2 | rvc_bits(c, 8, 7) << 6;
}

static uint32_t rvc_q0(uint32_t c)
{
	unsigned rdp = 8 + rvc_bits(c, 4, 2), rs1p = 8 + rvc_bits(c, 9, 7);

	switch (rvc_bits(c, 15, 13)) {
	case 0: { /* C.ADDI4SPN */
		uint32_t imm = rvc_bits(c, 12, 11) << 4 | rvc_bits(c, 10, 7) << 6 |
			       rvc_bits(c, 6, 6) << 2 | rvc_bits(c, 5, 5) << 3;

		if (imm == 0)
			return 0;
		return rvc_i(RV_OP_IMM, rdp, 0, 2, (int32_t)imm);
	}
	case 1: /* C.FLD */
		return rvc_i(RV_OP_LOAD_FP, rdp, 3, rs1p, (int32_t)rvc_ud(c));
	case 2: /* C.LW */
		return rvc_i(RV_OP_LOAD, rdp, 2, rs1p, (int32_t)rvc_uw(c));
	case 3: /* C.LD */
		return rvc_i(RV_OP_LOAD, rdp, 3, rs1p, (int32_t)rvc_ud(c));
	case 5: /* C.FSD */
		return rvc_s(RV_OP_STORE_FP, 3, rs1p, rdp, (int32_t)rvc_ud(c));
	case 6: /* C.SW */
		return rvc_s(RV_OP_STORE, 2, rs1p, rdp, (int32_t)rvc_uw(c));
	case 7: /* C.SD */
		return rvc_s(RV_OP_STORE, 3, rs1p, rdp, (int32_t)rvc_ud(c));
	default:
		return 0;
	}
}

static uint32_t rvc_q1(uint32_t c)
{
	unsigned rd = rvc_bits(c, 11, 7);
	unsigned rdp = 8 + rvc_bits(c, 9, 7), rs2p = 8 + rvc_bits(c, 4, 2);
	int32_t imm6 = rvc_sext(rvc_bits(c, 12, 12) << 5 | rvc_bits(c, 6, 2), 6);

	switch (rvc_bits(c, 15, 13)) {
	case 0: /* C.ADDI, C.NOP */
		return rvc_i(RV_OP_IMM, rd, 0, rd, imm6);
	case 1: /* C.ADDIW */
		if (rd == 0)
			return 0;
		return rvc_i(RV_OP_IMM_32, rd, 0, rd, imm6);
	case 2: /* C.LI */
		return rvc_i(RV_OP_IMM, rd, 0, 0, imm6);
	case 3:
		if (rd == 2) { /* C.ADDI16SP */
			uint32_t u = rvc_bits(c, 12, 12) << 9 | rvc_bits(c, 6, 6) << 4 |
				     rvc_bits(c, 5, 5) << 6 | rvc_bits(c, 4, 3) << 7 |
				     rvc_bits(c, 2, 2) << 5;

			if (u == 0)
				return 0;
			return rvc_i(RV_OP_IMM, 2, 0, 2, rvc_sext(u, 10));
		}
		/* C.LUI */
		if (imm6 == 0)
			return 0;
		return ((uint32_t)imm6 & 0xfffff) << 12 | rd << 7 | RV_OP_LUI;
	case 4: {
		unsigned shamt = rvc_bits(c, 12, 12) << 5 | rvc_bits(c, 6, 2);

		switch (rvc_bits(c, 11, 10)) {
		case 0: /* C.SRLI */
			return rvc_i(RV_OP_IMM, rdp, 5, rdp, (int32_t)shamt);
		case 1: /* C.SRAI */
			return rvc_i(RV_OP_IMM, rdp, 5, rdp, (int32_t)(shamt | 0x400));
		case 2: /* C.ANDI */
			return rvc_i(RV_OP_IMM, rdp, 7, rdp, imm6);
		default:
			break;
		}
		static const unsigned f3[4] = {0, 4, 6, 7}; /* SUB XOR OR AND */

		if (rvc_bits(c, 12, 12) == 0) {
			unsigned k = rvc_bits(c, 6, 5);

			return rvc_r(RV_OP_OP, rdp, f3[k], rdp, rs2p, k == 0 ? 0x20 : 0);
		}
		switch (rvc_bits(c, 6, 5)) {
		case 0: /* C.SUBW */
			return rvc_r(RV_OP_OP_32, rdp, 0, rdp, rs2p, 0x20);
		case 1: /* C.ADDW */
			return rvc_r(RV_OP_OP_32, rdp, 0, rdp, rs2p, 0);
		default:
			return 0;
		}
	}
	case 5: { /* C.J */
		uint32_t u = rvc_bits(c, 12, 12) << 11 | rvc_bits(c, 11, 11) << 4 |
			     rvc_bits(c, 10, 9) << 8 | rvc_bits(c, 8, 8) << 10 |
			     rvc_bits(c, 7, 7) << 6 | rvc_bits(c, 6, 6) << 7 |
			     rvc_bits(c, 5, 3) << 1 | rvc_bits(c, 2, 2) << 5;

		return rvc_jal(0, rvc_sext(u, 12));
	}
	default: { /* 6: C.BEQZ, 7: C.BNEZ */
		uint32_t u = rvc_bits(c, 12, 12) << 8 | rvc_bits(c, 11, 10) << 3 |
			     rvc_bits(c, 6, 5) << 6 | rvc_bits(c, 4, 3) << 1 |
			     rvc_bits(c, 2, 2) << 5;

		return rvc_b(rvc_bits(c, 15, 13) == 6 ? 0 : 1, rdp, 0, rvc_sext(u, 9));
	}
	}
}

static uint32_t rvc_q2(uint32_t c)
{
	unsigned rd = rvc_bits(c, 11, 7), rs2 = rvc_bits(c, 6, 2);

	switch (rvc_bits(c, 15, 13)) {
	case 0: { /* C.SLLI */
		unsigned shamt = rvc_bits(c, 12, 12) << 5 | rs2;

		return rvc_i(RV_OP_IMM, rd, 1, rd, (int32_t)shamt);
	}
	case 1: /* C.FLDSP */
		return rvc_i(RV_OP_LOAD_FP, rd, 3, 2, (int32_t)rvc_ldsp(c));
	case 2: /* C.LWSP */
		if (rd == 0)
			return 0;
		return rvc_i(RV_OP_LOAD, rd, 2, 2, (int32_t)rvc_lwsp(c));
	case 3: /* C.LDSP */
		if (rd == 0)
			return 0;
		return rvc_i(RV_OP_LOAD, rd, 3, 2, (int32_t)rvc_ldsp(c));
	case 4:
		if (rvc_bits(c, 12, 12) == 0) {
			if (rs2 == 0) { /* C.JR */
				if (rd == 0)
					return 0;
				return rvc_i(RV_OP_JALR, 0, 0, rd, 0);
			}
			return rvc_r(RV_OP_OP, rd, 0, 0, rs2, 0); /* C.MV */
		}
		if (rs2 == 0) {
			if (rd == 0)
				return 0x00100073;	       /* C.EBREAK */
			return rvc_i(RV_OP_JALR, 1, 0, rd, 0); /* C.JALR */
		}
		return rvc_r(RV_OP_OP, rd, 0, rd, rs2, 0); /* C.ADD */
	case 5:						   /* C.FSDSP */
		return rvc_s(RV_OP_STORE_FP, 3, 2, rs2, (int32_t)rvc_sdsp(c));
	case 6: /* C.SWSP */
		return rvc_s(RV_OP_STORE, 2, 2, rs2, (int32_t)rvc_swsp(c));
	default: /* C.SDSP */
		return rvc_s(RV_OP_STORE, 3, 2, rs2, (int32_t)rvc_sdsp(c));
	}
}

uint32_t rv_expand_compressed(uint16_t c)
{
	switch (c & 3) {
	case 0:
		return rvc_q0(c);
	case 1:
		return rvc_q1(c);
	case 2:
		return rvc_q2(c);
	default:
		return 0; /* not a 16-bit instruction */
	}
}
