/* SPDX-License-Identifier: MIT */
/*
 * Instruction fields (RISC-V unprivileged spec, "Base Instruction Formats")
 * and the compressed-instruction expander. Every 16-bit instruction is
 * expanded to the 32-bit instruction it stands for ("RVC Instruction Set
 * Listings"), so the interpreter (and a future decoded-instruction cache)
 * handles one encoding only.
 */
#ifndef AXVM_ARCH_RISCV64_DECODE_H
#define AXVM_ARCH_RISCV64_DECODE_H

#include <stdint.h>

static inline unsigned rv_opcode(uint32_t i)
{
	return i & 0x7f;
}
static inline unsigned rv_rd(uint32_t i)
{
	return (i >> 7) & 0x1f;
}
static inline unsigned rv_rs1(uint32_t i)
{
	return (i >> 15) & 0x1f;
}
static inline unsigned rv_rs2(uint32_t i)
{
	return (i >> 20) & 0x1f;
}
static inline unsigned rv_funct3(uint32_t i)
{
	return (i >> 12) & 7;
}
static inline unsigned rv_funct7(uint32_t i)
{
	return i >> 25;
}
/* Sign-extend the low `bits` bits of v (without shifting negative values). */
static inline int64_t rv_sext(uint64_t v, unsigned bits)
{
	uint64_t m = 1ull << (bits - 1);

	v &= (m << 1) - 1;
	return (int64_t)((v ^ m) - m);
}
static inline int64_t rv_imm_i(uint32_t i)
{
	return rv_sext(i >> 20, 12);
}
static inline int64_t rv_imm_s(uint32_t i)
{
	return rv_sext((i >> 25) << 5 | ((i >> 7) & 0x1f), 12);
}
static inline int64_t rv_imm_b(uint32_t i)
{
	return rv_sext((i >> 31) << 12 | ((i >> 7) & 1) << 11 | ((i >> 25) & 0x3f) << 5 |
			   ((i >> 8) & 0xf) << 1,
		       13);
}
static inline int64_t rv_imm_u(uint32_t i)
{
	return rv_sext(i & 0xfffff000u, 32);
}
static inline int64_t rv_imm_j(uint32_t i)
{
	return rv_sext(
	    (i >> 31) << 20 | (i & 0xff000) | ((i >> 20) & 1) << 11 | ((i >> 21) & 0x3ff) << 1, 21);
}

/* Major opcodes. */
#define RV_OP_LOAD 0x03
#define RV_OP_LOAD_FP 0x07
#define RV_OP_MISC_MEM 0x0f
#define RV_OP_IMM 0x13
#define RV_OP_AUIPC 0x17
#define RV_OP_IMM_32 0x1b
#define RV_OP_STORE 0x23
#define RV_OP_STORE_FP 0x27
#define RV_OP_AMO 0x2f
#define RV_OP_OP 0x33
#define RV_OP_LUI 0x37
#define RV_OP_OP_32 0x3b
#define RV_OP_BRANCH 0x63
#define RV_OP_JALR 0x67
#define RV_OP_JAL 0x6f
#define RV_OP_SYSTEM 0x73

/* The 32-bit equivalent of a 16-bit instruction, or 0 if it is illegal/reserved. */
uint32_t rv_expand_compressed(uint16_t c);

#endif
