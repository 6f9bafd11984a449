/* SPDX-License-Identifier: MIT */
/*
 * The one definition of the instructions the engines share, as X-macro
 * tables (one row per instruction; every engine expands the rows, so an
 * instruction's encoding, extension, translation and semantics are written
 * once):
 *
 *   RV_INSN_ALU     integer ALU: RV64I OP/OP-IMM/OP-32/OP-IMM-32, "M", the
 *                   bit-manipulation extensions Zba, Zbb, Zbc, Zbs, Zicond;
 *   RV_INSN_LOAD, RV_INSN_STORE, RV_INSN_BRANCH  RV64I loads (width and
 *                   widening), stores, conditional branches;
 *   RV_INSN_CBO     the cache-block operations (Zicbom, Zicboz), whose
 *                   semantics are helpers in cmo.c;
 *   RV_INSN_ZFA     the Zfa instructions, whose semantics are fpu.c's;
 *   RV_INSN_AMO     the A extension (LR/SC, AMO*.W/.D), whose semantics
 *                   are amo.c's helpers;
 *   RV_INSN_CSR     the Zicsr read-modify-writes (csr.c does the access);
 *   RV_INSN_JUMP    lui, auipc, jal, jalr: the value written to rd and the
 *                   next pc (the engines keep one recipe per kind of row:
 *                   the LI fusion, slot links, the translator's chaining);
 *   RV_INSN_FP      F, D and Zfh/Zfhmin arithmetic (OP-FP and the fused
 *                   multiply-adds), one row per operation with a format
 *                   column (S, D, H and the extension each needs), whose
 *                   semantics are fpu.c's;
 *   RV_INSN_SYSTEM  the other SYSTEM instructions: ecall, ebreak, sret, wfi,
 *                   sfence.vma, Svinval's sinval.vma/sfence.w.inval/
 *                   sfence.inval.ir, Zawrs's wrs.nto/wrs.sto, whose
 *                   semantics are interp.c's.
 *
 * Not in the table (each still decoded in one place, named here so nobody
 * looks for them): FENCE/FENCE.I (MISC-MEM: every FENCE encoding, PAUSE
 * and FENCE.TSO included, is one full fence in interp.c), the FP
 * loads/stores (interp.c), compressed forms (rvc.c
 * expands them to the 32-bit rows), and the prefetch.* hints (ORI rd = x0:
 * the ORI row runs them as no-ops).
 *
 * The ALU rows say:
 *
 *	X(NAME, "name", opcode, mask, match, format, extension, translation, semantics)
 *
 *  - an instruction is NAME when (insn & mask) == match (mask includes the
 *    major opcode, which is also given alone so a decoder that switches on
 *    the opcode first prunes the other rows at compile time);
 *  - format says what the second operand `b` is: R = x[rs2], I = the
 *    sign-extended 12-bit immediate, S6/S5 = the 6/5-bit shift amount,
 *    U = none (unary; b is 0);
 *  - extension is the AXVM_RISCV64_EXT_* bit that must be on for the
 *    encoding to exist (0: always there), else it is an illegal instruction;
 *  - translation is how the x86-64 translator (jit.c) emits the row, one
 *    recipe per family, with b from the format (register or immediate):
 *      J_ALU(op)   x86 `op` (ADD SUB XOR OR AND) on 64 bits,
 *      J_ALUW(op)  the same on 32 bits, result sign-extended (the W forms),
 *      J_SET(cc)   cmp then setcc `cc` (L = signed <, B = unsigned <),
 *      J_SHF(op) / J_SHFW(op)  x86 shift SHL/SHR/SAR (x86 masks the count
 *                  by 63/31 as RISC-V does), W: sign-extended,
 *      J_MUL / J_MULW  imul, J_MULH(IMUL1 | MUL) the high half of the
 *                  one-operand form, J_MULHSU the unsigned one corrected,
 *      J_DIV(S|U, Q|R, 64|32)  idiv/div with RISC-V's /0 and overflow cases,
 *      J_CALL      a call to a function generated from the semantics
 *                  column (jit.c's JIT_ALU_FN): a new row needs nothing
 *                  else in the translator;
 *    jit.c defines these names; every other expander ignores the column.
 *  - semantics is an expression of a = x[rs1] and b (uint64_t) giving the
 *    value written to rd. Every row is a pure function: it never traps and
 *    writes only rd (so rd = x0 makes it a no-op).
 *
 * Generated from it: interp.c's execution of these opcodes (the reference
 * interpreter), predecode.c's decoder, exec.c's threaded handlers (one
 * RV_DOP_<NAME> operation per row, enum in dcache.h) and the translator's
 * list of what it translates, how, and which operand fields each row reads
 * (jit.c: jit_alu_rows). tests/unit/test_jit_insn_table.c walks every row
 * of every family here except Zfa (test_fpu_zfa.c) through the engines
 * against the table's semantics (a row added is walked without an edit). Encodings from the
 *ratified specs' tables ("RV32/64G Instruction Set Listings", "Bit-manipulation ... Instructions",
 *"Zicond").
 */
#ifndef AXVM_ARCH_RISCV64_INSN_TABLE_H
#define AXVM_ARCH_RISCV64_INSN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "axvm/riscv64.h"

#include "arch/riscv64/decode.h"

/* ---- helpers the semantics use (pure, branch-light) ---- */

static inline uint64_t rv_alu_sext32(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}
static inline uint64_t rv_alu_div(uint64_t a, uint64_t b)
{
	if (b == 0)
		return UINT64_MAX;
	if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
		return a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}
static inline uint64_t rv_alu_rem(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}
static inline uint64_t rv_alu_divw(uint64_t a, uint64_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return UINT64_MAX;
	if (x == INT32_MIN && y == -1)
		return (uint64_t)(int64_t)INT32_MIN;
	return (uint64_t)(int64_t)(x / y);
}
static inline uint64_t rv_alu_remw(uint64_t a, uint64_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return (uint64_t)(int64_t)x;
	if (x == INT32_MIN && y == -1)
		return 0;
	return (uint64_t)(int64_t)(x % y);
}
static inline uint64_t rv_alu_rol(uint64_t a, unsigned s)
{
	s &= 63;
	return s ? a << s | a >> (64 - s) : a;
}
static inline uint64_t rv_alu_ror(uint64_t a, unsigned s)
{
	s &= 63;
	return s ? a >> s | a << (64 - s) : a;
}
static inline uint64_t rv_alu_rolw(uint64_t a, unsigned s)
{
	uint32_t w = (uint32_t)a;

	s &= 31;
	return rv_alu_sext32(s ? w << s | w >> (32 - s) : w);
}
static inline uint64_t rv_alu_rorw(uint64_t a, unsigned s)
{
	uint32_t w = (uint32_t)a;

	s &= 31;
	return rv_alu_sext32(s ? w >> s | w << (32 - s) : w);
}
static inline uint64_t rv_alu_orcb(uint64_t a)
{
	uint64_t r = 0;

	for (unsigned i = 0; i < 64; i += 8)
		if ((a >> i) & 0xff)
			r |= 0xffull << i;
	return r;
}
/* Carry-less products (Zbc): the low, high and "reversed" 64 bits of a clmul b. */
static inline uint64_t rv_alu_clmul(uint64_t a, uint64_t b)
{
	uint64_t r = 0;

	for (unsigned i = 0; i < 64; i++)
		if ((b >> i) & 1)
			r ^= a << i;
	return r;
}
static inline uint64_t rv_alu_clmulh(uint64_t a, uint64_t b)
{
	uint64_t r = 0;

	for (unsigned i = 1; i < 64; i++)
		if ((b >> i) & 1)
			r ^= a >> (64 - i);
	return r;
}
static inline uint64_t rv_alu_clmulr(uint64_t a, uint64_t b)
{
	uint64_t r = 0;

	for (unsigned i = 0; i < 64; i++)
		if ((b >> i) & 1)
			r ^= a >> (63 - i);
	return r;
}

/* Extension bits for the table's extension column. */
#define RV_X_BASE 0ull
#define RV_X_ZBA (1ull << AXVM_RISCV64_EXT_ZBA)
#define RV_X_ZBB (1ull << AXVM_RISCV64_EXT_ZBB)
#define RV_X_ZBC (1ull << AXVM_RISCV64_EXT_ZBC)
#define RV_X_ZBS (1ull << AXVM_RISCV64_EXT_ZBS)
#define RV_X_ZICOND (1ull << AXVM_RISCV64_EXT_ZICOND)

/* Masks: R-type (funct7, funct3, opcode), I-type (funct3, opcode), shifts, fixed rs2/imm. */
#define RV_M_R 0xfe00707fu
#define RV_M_I 0x0000707fu
#define RV_M_S6 0xfc00707fu
#define RV_M_U 0xfff0707fu

/* clang-format off */
#define RV_INSN_ALU(X)                                                                            \
	/* OP-IMM */                                                                               \
	X(ADDI,    "addi",    0x13, RV_M_I,  0x00000013, I,  RV_X_BASE, J_ALU(ADD),   a + b)       \
	X(SLTI,    "slti",    0x13, RV_M_I,  0x00002013, I,  RV_X_BASE, J_SET(L),     (uint64_t)((int64_t)a < (int64_t)b)) \
	X(SLTIU,   "sltiu",   0x13, RV_M_I,  0x00003013, I,  RV_X_BASE, J_SET(B),     (uint64_t)(a < b)) \
	X(XORI,    "xori",    0x13, RV_M_I,  0x00004013, I,  RV_X_BASE, J_ALU(XOR),   a ^ b)       \
	X(ORI,     "ori",     0x13, RV_M_I,  0x00006013, I,  RV_X_BASE, J_ALU(OR),    a | b)       \
	X(ANDI,    "andi",    0x13, RV_M_I,  0x00007013, I,  RV_X_BASE, J_ALU(AND),   a & b)       \
	X(SLLI,    "slli",    0x13, RV_M_S6, 0x00001013, S6, RV_X_BASE, J_SHF(SHL),   a << b)      \
	X(SRLI,    "srli",    0x13, RV_M_S6, 0x00005013, S6, RV_X_BASE, J_SHF(SHR),   a >> b)      \
	X(SRAI,    "srai",    0x13, RV_M_S6, 0x40005013, S6, RV_X_BASE, J_SHF(SAR),   (uint64_t)((int64_t)a >> b)) \
	X(CLZ,     "clz",     0x13, RV_M_U,  0x60001013, U,  RV_X_ZBB, J_CALL,        a ? (uint64_t)__builtin_clzll(a) : 64) \
	X(CTZ,     "ctz",     0x13, RV_M_U,  0x60101013, U,  RV_X_ZBB, J_CALL,        a ? (uint64_t)__builtin_ctzll(a) : 64) \
	X(CPOP,    "cpop",    0x13, RV_M_U,  0x60201013, U,  RV_X_ZBB, J_CALL,        (uint64_t)__builtin_popcountll(a)) \
	X(SEXT_B,  "sext.b",  0x13, RV_M_U,  0x60401013, U,  RV_X_ZBB, J_CALL,        (uint64_t)(int64_t)(int8_t)a) \
	X(SEXT_H,  "sext.h",  0x13, RV_M_U,  0x60501013, U,  RV_X_ZBB, J_CALL,        (uint64_t)(int64_t)(int16_t)a) \
	X(RORI,    "rori",    0x13, RV_M_S6, 0x60005013, S6, RV_X_ZBB, J_CALL,        rv_alu_ror(a, (unsigned)b)) \
	X(ORC_B,   "orc.b",   0x13, RV_M_U,  0x28705013, U,  RV_X_ZBB, J_CALL,        rv_alu_orcb(a)) \
	X(REV8,    "rev8",    0x13, RV_M_U,  0x6b805013, U,  RV_X_ZBB, J_CALL,        __builtin_bswap64(a)) \
	X(BCLRI,   "bclri",   0x13, RV_M_S6, 0x48001013, S6, RV_X_ZBS, J_CALL,        a & ~(1ull << b)) \
	X(BSETI,   "bseti",   0x13, RV_M_S6, 0x28001013, S6, RV_X_ZBS, J_CALL,        a | 1ull << b) \
	X(BINVI,   "binvi",   0x13, RV_M_S6, 0x68001013, S6, RV_X_ZBS, J_CALL,        a ^ 1ull << b) \
	X(BEXTI,   "bexti",   0x13, RV_M_S6, 0x48005013, S6, RV_X_ZBS, J_CALL,        (a >> b) & 1) \
	/* OP-IMM-32 */                                                                            \
	X(ADDIW,   "addiw",   0x1b, RV_M_I,  0x0000001b, I,  RV_X_BASE, J_ALUW(ADD),  rv_alu_sext32(a + b)) \
	X(SLLIW,   "slliw",   0x1b, RV_M_R,  0x0000101b, S5, RV_X_BASE, J_SHFW(SHL),  rv_alu_sext32((uint32_t)a << b)) \
	X(SRLIW,   "srliw",   0x1b, RV_M_R,  0x0000501b, S5, RV_X_BASE, J_SHFW(SHR),  rv_alu_sext32((uint32_t)a >> b)) \
	X(SRAIW,   "sraiw",   0x1b, RV_M_R,  0x4000501b, S5, RV_X_BASE, J_SHFW(SAR),  (uint64_t)(int64_t)((int32_t)(uint32_t)a >> b)) \
	X(SLLI_UW, "slli.uw", 0x1b, RV_M_S6, 0x0800101b, S6, RV_X_ZBA, J_CALL,        (uint64_t)(uint32_t)a << b) \
	X(CLZW,    "clzw",    0x1b, RV_M_U,  0x6000101b, U,  RV_X_ZBB, J_CALL,        (uint32_t)a ? (uint64_t)__builtin_clz((uint32_t)a) : 32) \
	X(CTZW,    "ctzw",    0x1b, RV_M_U,  0x6010101b, U,  RV_X_ZBB, J_CALL,        (uint32_t)a ? (uint64_t)__builtin_ctz((uint32_t)a) : 32) \
	X(CPOPW,   "cpopw",   0x1b, RV_M_U,  0x6020101b, U,  RV_X_ZBB, J_CALL,        (uint64_t)__builtin_popcount((uint32_t)a)) \
	X(RORIW,   "roriw",   0x1b, RV_M_R,  0x6000501b, S5, RV_X_ZBB, J_CALL,        rv_alu_rorw(a, (unsigned)b)) \
	/* OP */                                                                                   \
	X(ADD,     "add",     0x33, RV_M_R,  0x00000033, R,  RV_X_BASE, J_ALU(ADD),   a + b)       \
	X(SUB,     "sub",     0x33, RV_M_R,  0x40000033, R,  RV_X_BASE, J_ALU(SUB),   a - b)       \
	X(SLL,     "sll",     0x33, RV_M_R,  0x00001033, R,  RV_X_BASE, J_SHF(SHL),   a << (b & 63)) \
	X(SLT,     "slt",     0x33, RV_M_R,  0x00002033, R,  RV_X_BASE, J_SET(L),     (uint64_t)((int64_t)a < (int64_t)b)) \
	X(SLTU,    "sltu",    0x33, RV_M_R,  0x00003033, R,  RV_X_BASE, J_SET(B),     (uint64_t)(a < b)) \
	X(XOR,     "xor",     0x33, RV_M_R,  0x00004033, R,  RV_X_BASE, J_ALU(XOR),   a ^ b)       \
	X(SRL,     "srl",     0x33, RV_M_R,  0x00005033, R,  RV_X_BASE, J_SHF(SHR),   a >> (b & 63)) \
	X(SRA,     "sra",     0x33, RV_M_R,  0x40005033, R,  RV_X_BASE, J_SHF(SAR),   (uint64_t)((int64_t)a >> (b & 63))) \
	X(OR,      "or",      0x33, RV_M_R,  0x00006033, R,  RV_X_BASE, J_ALU(OR),    a | b)       \
	X(AND,     "and",     0x33, RV_M_R,  0x00007033, R,  RV_X_BASE, J_ALU(AND),   a & b)       \
	X(MUL,     "mul",     0x33, RV_M_R,  0x02000033, R,  RV_X_BASE, J_MUL,        a * b)       \
	X(MULH,    "mulh",    0x33, RV_M_R,  0x02001033, R,  RV_X_BASE, J_MULH(IMUL1), (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64)) \
	X(MULHSU,  "mulhsu",  0x33, RV_M_R,  0x02002033, R,  RV_X_BASE, J_MULHSU,     (uint64_t)(((__int128)(int64_t)a * (__int128)b) >> 64)) \
	X(MULHU,   "mulhu",   0x33, RV_M_R,  0x02003033, R,  RV_X_BASE, J_MULH(MUL),  (uint64_t)(((unsigned __int128)a * b) >> 64)) \
	X(DIV,     "div",     0x33, RV_M_R,  0x02004033, R,  RV_X_BASE, J_DIV(S, Q, 64), rv_alu_div(a, b)) \
	X(DIVU,    "divu",    0x33, RV_M_R,  0x02005033, R,  RV_X_BASE, J_DIV(U, Q, 64), b == 0 ? UINT64_MAX : a / b) \
	X(REM,     "rem",     0x33, RV_M_R,  0x02006033, R,  RV_X_BASE, J_DIV(S, R, 64), rv_alu_rem(a, b)) \
	X(REMU,    "remu",    0x33, RV_M_R,  0x02007033, R,  RV_X_BASE, J_DIV(U, R, 64), b == 0 ? a : a % b) \
	X(SH1ADD,  "sh1add",  0x33, RV_M_R,  0x20002033, R,  RV_X_ZBA, J_CALL,        (a << 1) + b) \
	X(SH2ADD,  "sh2add",  0x33, RV_M_R,  0x20004033, R,  RV_X_ZBA, J_CALL,        (a << 2) + b) \
	X(SH3ADD,  "sh3add",  0x33, RV_M_R,  0x20006033, R,  RV_X_ZBA, J_CALL,        (a << 3) + b) \
	X(ANDN,    "andn",    0x33, RV_M_R,  0x40007033, R,  RV_X_ZBB, J_CALL,        a & ~b)      \
	X(ORN,     "orn",     0x33, RV_M_R,  0x40006033, R,  RV_X_ZBB, J_CALL,        a | ~b)      \
	X(XNOR,    "xnor",    0x33, RV_M_R,  0x40004033, R,  RV_X_ZBB, J_CALL,        ~(a ^ b))    \
	X(MAX,     "max",     0x33, RV_M_R,  0x0a006033, R,  RV_X_ZBB, J_CALL,        (int64_t)a < (int64_t)b ? b : a) \
	X(MAXU,    "maxu",    0x33, RV_M_R,  0x0a007033, R,  RV_X_ZBB, J_CALL,        a < b ? b : a) \
	X(MIN,     "min",     0x33, RV_M_R,  0x0a004033, R,  RV_X_ZBB, J_CALL,        (int64_t)a < (int64_t)b ? a : b) \
	X(MINU,    "minu",    0x33, RV_M_R,  0x0a005033, R,  RV_X_ZBB, J_CALL,        a < b ? a : b) \
	X(ROL,     "rol",     0x33, RV_M_R,  0x60001033, R,  RV_X_ZBB, J_CALL,        rv_alu_rol(a, (unsigned)b)) \
	X(ROR,     "ror",     0x33, RV_M_R,  0x60005033, R,  RV_X_ZBB, J_CALL,        rv_alu_ror(a, (unsigned)b)) \
	X(BCLR,    "bclr",    0x33, RV_M_R,  0x48001033, R,  RV_X_ZBS, J_CALL,        a & ~(1ull << (b & 63))) \
	X(BSET,    "bset",    0x33, RV_M_R,  0x28001033, R,  RV_X_ZBS, J_CALL,        a | 1ull << (b & 63)) \
	X(BINV,    "binv",    0x33, RV_M_R,  0x68001033, R,  RV_X_ZBS, J_CALL,        a ^ 1ull << (b & 63)) \
	X(BEXT,    "bext",    0x33, RV_M_R,  0x48005033, R,  RV_X_ZBS, J_CALL,        (a >> (b & 63)) & 1) \
	X(CLMUL,   "clmul",   0x33, RV_M_R,  0x0a001033, R,  RV_X_ZBC, J_CALL,        rv_alu_clmul(a, b)) \
	X(CLMULR,  "clmulr",  0x33, RV_M_R,  0x0a002033, R,  RV_X_ZBC, J_CALL,        rv_alu_clmulr(a, b)) \
	X(CLMULH,  "clmulh",  0x33, RV_M_R,  0x0a003033, R,  RV_X_ZBC, J_CALL,        rv_alu_clmulh(a, b)) \
	X(CZERO_EQZ, "czero.eqz", 0x33, RV_M_R, 0x0e005033, R, RV_X_ZICOND, J_CALL,   b == 0 ? 0 : a) \
	X(CZERO_NEZ, "czero.nez", 0x33, RV_M_R, 0x0e007033, R, RV_X_ZICOND, J_CALL,   b != 0 ? 0 : a) \
	/* OP-32 */                                                                                \
	X(ADDW,    "addw",    0x3b, RV_M_R,  0x0000003b, R,  RV_X_BASE, J_ALUW(ADD),  rv_alu_sext32(a + b)) \
	X(SUBW,    "subw",    0x3b, RV_M_R,  0x4000003b, R,  RV_X_BASE, J_ALUW(SUB),  rv_alu_sext32(a - b)) \
	X(SLLW,    "sllw",    0x3b, RV_M_R,  0x0000103b, R,  RV_X_BASE, J_SHFW(SHL),  rv_alu_sext32((uint32_t)a << (b & 31))) \
	X(SRLW,    "srlw",    0x3b, RV_M_R,  0x0000503b, R,  RV_X_BASE, J_SHFW(SHR),  rv_alu_sext32((uint32_t)a >> (b & 31))) \
	X(SRAW,    "sraw",    0x3b, RV_M_R,  0x4000503b, R,  RV_X_BASE, J_SHFW(SAR),  (uint64_t)(int64_t)((int32_t)(uint32_t)a >> (b & 31))) \
	X(MULW,    "mulw",    0x3b, RV_M_R,  0x0200003b, R,  RV_X_BASE, J_MULW,       rv_alu_sext32((uint32_t)a * (uint32_t)b)) \
	X(DIVW,    "divw",    0x3b, RV_M_R,  0x0200403b, R,  RV_X_BASE, J_DIV(S, Q, 32), rv_alu_divw(a, b)) \
	X(DIVUW,   "divuw",   0x3b, RV_M_R,  0x0200503b, R,  RV_X_BASE, J_DIV(U, Q, 32), (uint32_t)b == 0 ? UINT64_MAX : rv_alu_sext32((uint32_t)a / (uint32_t)b)) \
	X(REMW,    "remw",    0x3b, RV_M_R,  0x0200603b, R,  RV_X_BASE, J_DIV(S, R, 32), rv_alu_remw(a, b)) \
	X(REMUW,   "remuw",   0x3b, RV_M_R,  0x0200703b, R,  RV_X_BASE, J_DIV(U, R, 32), rv_alu_sext32((uint32_t)b == 0 ? (uint32_t)a : (uint32_t)a % (uint32_t)b)) \
	X(ADD_UW,  "add.uw",  0x3b, RV_M_R,  0x0800003b, R,  RV_X_ZBA, J_CALL,        (uint64_t)(uint32_t)a + b) \
	X(SH1ADD_UW, "sh1add.uw", 0x3b, RV_M_R, 0x2000203b, R, RV_X_ZBA, J_CALL,      ((uint64_t)(uint32_t)a << 1) + b) \
	X(SH2ADD_UW, "sh2add.uw", 0x3b, RV_M_R, 0x2000403b, R, RV_X_ZBA, J_CALL,      ((uint64_t)(uint32_t)a << 2) + b) \
	X(SH3ADD_UW, "sh3add.uw", 0x3b, RV_M_R, 0x2000603b, R, RV_X_ZBA, J_CALL,      ((uint64_t)(uint32_t)a << 3) + b) \
	X(ZEXT_H,  "zext.h",  0x3b, RV_M_U,  0x0800403b, U,  RV_X_ZBB, J_CALL,        (uint64_t)(uint16_t)a) \
	X(ROLW,    "rolw",    0x3b, RV_M_R,  0x6000103b, R,  RV_X_ZBB, J_CALL,        rv_alu_rolw(a, (unsigned)b)) \
	X(RORW,    "rorw",    0x3b, RV_M_R,  0x6000503b, R,  RV_X_ZBB, J_CALL,        rv_alu_rorw(a, (unsigned)b))
/* clang-format on */

/* Row identifiers. */
enum rv_insn_alu_id {
#define RV_INSN_ID(n, s, opc, mask, match, fmt, ext, jx, expr) RV_I_##n,
	RV_INSN_ALU(RV_INSN_ID)
#undef RV_INSN_ID
	    RV_I_ALU_COUNT
};

/* The second operand for each format, from the instruction and the registers. */
#define RV_INSN_B_R(insn, x) ((x)[rv_rs2(insn)])
#define RV_INSN_B_I(insn, x) ((uint64_t)rv_imm_i(insn))
#define RV_INSN_B_S6(insn, x) ((uint64_t)(((insn) >> 20) & 63))
#define RV_INSN_B_S5(insn, x) ((uint64_t)(((insn) >> 20) & 31))
#define RV_INSN_B_U(insn, x) ((uint64_t)0)

/* Whether the second operand is a register (R) or a decoded immediate (others). */
#define RV_INSN_FMT_IS_REG_R 1
#define RV_INSN_FMT_IS_REG_I 0
#define RV_INSN_FMT_IS_REG_S6 0
#define RV_INSN_FMT_IS_REG_S5 0
#define RV_INSN_FMT_IS_REG_U 0

/*
 * The row for insn, whose major opcode is `opc` (pass a constant: the
 * compiler then drops every row of another opcode), with the extensions of
 * `ext_on` (AXVM_RISCV64_EXT_* bits) available; -1 = illegal.
 */
static inline int rv_insn_alu_find(uint32_t insn, unsigned opc, uint64_t ext_on)
{
#define RV_INSN_FIND(n, s, op_, mask, match, fmt, ext, jx, expr)                                   \
	if ((op_) == opc && (insn & (mask)) == (match) && ((ext) == 0 || (ext_on & (ext))))        \
		return RV_I_##n;
	RV_INSN_ALU(RV_INSN_FIND)
#undef RV_INSN_FIND
	return -1;
}

/* The value written to rd by row `id` for instruction insn with registers x. */
static inline uint64_t rv_insn_alu_exec(int id, uint32_t insn, const uint64_t *x)
{
	uint64_t a = x[rv_rs1(insn)], b;

	switch (id) {
#define RV_INSN_EXEC(n, s, opc, mask, match, fmt, ext, jx, expr)                                   \
	case RV_I_##n:                                                                             \
		b = RV_INSN_B_##fmt(insn, x);                                                      \
		(void)b;                                                                           \
		return (expr);
		RV_INSN_ALU(RV_INSN_EXEC)
#undef RV_INSN_EXEC
	default:
		return 0;
	}
}

/*
 * Loads, stores and conditional branches (RV64I LOAD, STORE, BRANCH): the
 * same first columns as the ALU rows but no format (the operands are fixed:
 * rs1 + the I/S immediate, rs2 / the B offset), then
 *
 *	X(NAME, "name", opcode, mask, match, extension, translation, ...)
 *
 *  - loads:    translation J_LD(<x86 load kind>), then `type` (what memory
 *              holds) and `ext` (how it widens): x[rd] = (uint64_t)(ext)(type)v;
 *  - stores:   translation J_ST, then `type`: memory = (type)x[rs2];
 *  - branches: translation J_BR(<x86 condition>), then the condition, an
 *              expression of a = x[rs1] and b = x[rs2].
 * The access itself (TLB, faults, MMIO, misalignment) is each engine's own
 * memory path; a row says only what is moved and how it is widened.
 * Generated from them: the RV_DOP_<NAME> operations in table order (and the
 * fused RV_DOP_ADD_<NAME> "add then access" forms), predecode.c's decoding,
 * interp.c's widths, widening and conditions, exec.c's handlers and the
 * translator's load kinds, store sizes and branch conditions.
 */
/* clang-format off */
#define RV_INSN_LOAD(X)                                                                            \
	X(LB,   "lb",   0x03, RV_M_I, 0x00000003, RV_X_BASE, J_LD(S8),  int8_t,   int64_t)           \
	X(LH,   "lh",   0x03, RV_M_I, 0x00001003, RV_X_BASE, J_LD(S16), int16_t,  int64_t)           \
	X(LW,   "lw",   0x03, RV_M_I, 0x00002003, RV_X_BASE, J_LD(S32), int32_t,  int64_t)           \
	X(LD,   "ld",   0x03, RV_M_I, 0x00003003, RV_X_BASE, J_LD(64),  uint64_t, uint64_t)          \
	X(LBU,  "lbu",  0x03, RV_M_I, 0x00004003, RV_X_BASE, J_LD(U8),  uint8_t,  uint64_t)          \
	X(LHU,  "lhu",  0x03, RV_M_I, 0x00005003, RV_X_BASE, J_LD(U16), uint16_t, uint64_t)          \
	X(LWU,  "lwu",  0x03, RV_M_I, 0x00006003, RV_X_BASE, J_LD(U32), uint32_t, uint64_t)
#define RV_INSN_STORE(X)                                                                           \
	X(SB,   "sb",   0x23, RV_M_I, 0x00000023, RV_X_BASE, J_ST,      uint8_t)                     \
	X(SH,   "sh",   0x23, RV_M_I, 0x00001023, RV_X_BASE, J_ST,      uint16_t)                    \
	X(SW,   "sw",   0x23, RV_M_I, 0x00002023, RV_X_BASE, J_ST,      uint32_t)                    \
	X(SD,   "sd",   0x23, RV_M_I, 0x00003023, RV_X_BASE, J_ST,      uint64_t)
#define RV_INSN_BRANCH(X)                                                                          \
	X(BEQ,  "beq",  0x63, RV_M_I, 0x00000063, RV_X_BASE, J_BR(E),   a == b)                      \
	X(BNE,  "bne",  0x63, RV_M_I, 0x00001063, RV_X_BASE, J_BR(NE),  a != b)                      \
	X(BLT,  "blt",  0x63, RV_M_I, 0x00004063, RV_X_BASE, J_BR(L),   (int64_t)a < (int64_t)b)     \
	X(BGE,  "bge",  0x63, RV_M_I, 0x00005063, RV_X_BASE, J_BR(GE),  (int64_t)a >= (int64_t)b)    \
	X(BLTU, "bltu", 0x63, RV_M_I, 0x00006063, RV_X_BASE, J_BR(B),   a < b)                       \
	X(BGEU, "bgeu", 0x63, RV_M_I, 0x00007063, RV_X_BASE, J_BR(AE),  a >= b)
/* clang-format on */

/* Row identifiers of the three tables (each from 0, in table order). */
#define RV_INSN_ID6(n, s, opc, mask, match, ext, ...) RV_I_##n,
enum rv_insn_load_id { RV_INSN_LOAD(RV_INSN_ID6) RV_I_LOAD_COUNT };
enum rv_insn_store_id { RV_INSN_STORE(RV_INSN_ID6) RV_I_STORE_COUNT };
enum rv_insn_branch_id { RV_INSN_BRANCH(RV_INSN_ID6) RV_I_BRANCH_COUNT };
#undef RV_INSN_ID6

/* The row of TABLE that insn is (its extension on in ext_on), -1 if none. */
#define RV_INSN_FIND6(n, s, opc, mask, match, ext, ...)                                            \
	if ((insn & (mask)) == (match) && ((ext) == 0 || (ext_on & (ext))))                        \
		return RV_I_##n;
static inline int rv_insn_load_find(uint32_t insn, uint64_t ext_on)
{
	RV_INSN_LOAD(RV_INSN_FIND6)
	return -1;
}
static inline int rv_insn_store_find(uint32_t insn, uint64_t ext_on)
{
	RV_INSN_STORE(RV_INSN_FIND6)
	return -1;
}
static inline int rv_insn_branch_find(uint32_t insn, uint64_t ext_on)
{
	RV_INSN_BRANCH(RV_INSN_FIND6)
	return -1;
}
#undef RV_INSN_FIND6

/* Bytes a load / store row moves. */
static inline unsigned rv_insn_load_width(int id)
{
	static const uint8_t w[] = {
#define RV_INSN_LW(n, s, opc, mask, match, ext, jx, type, xt) sizeof(type),
	    RV_INSN_LOAD(RV_INSN_LW)
#undef RV_INSN_LW
	};
	return id >= 0 && id < RV_I_LOAD_COUNT ? w[id] : 0;
}
static inline unsigned rv_insn_store_width(int id)
{
	static const uint8_t w[] = {
#define RV_INSN_SW(n, s, opc, mask, match, ext, jx, type) sizeof(type),
	    RV_INSN_STORE(RV_INSN_SW)
#undef RV_INSN_SW
	};
	return id >= 0 && id < RV_I_STORE_COUNT ? w[id] : 0;
}

/* x[rd] for load row `id` from the bits v read (little-endian, width bytes). */
static inline uint64_t rv_insn_load_value(int id, uint64_t v)
{
	switch (id) {
#define RV_INSN_LV(n, s, opc, mask, match, ext, jx, type, xt)                                      \
	case RV_I_##n:                                                                             \
		return (uint64_t)(xt)(type)v;
		RV_INSN_LOAD(RV_INSN_LV)
#undef RV_INSN_LV
	default:
		return 0;
	}
}

/* Whether branch row `id` is taken for a = x[rs1], b = x[rs2]. */
static inline bool rv_insn_branch_taken(int id, uint64_t a, uint64_t b)
{
	switch (id) {
#define RV_INSN_BT(n, s, opc, mask, match, ext, jx, cond)                                          \
	case RV_I_##n:                                                                             \
		return (cond);
		RV_INSN_BRANCH(RV_INSN_BT)
#undef RV_INSN_BT
	default:
		return false;
	}
}

/*
 * Cache-block operations (Zicbom, Zicboz; MISC-MEM funct3 2 with rd = 0, the
 * operation in imm, the block at x[rs1]; cmo.c): side effects and traps, so
 * the semantics are helpers named by the row,
 *
 *	X(NAME, "name", opcode, mask, match, extension, fast, semantics)
 *
 *  - semantics: int fn(h, insn, raw, len, exit) (interp.c's execution,
 *    the reference: permission checks, faults, the pc; returns RV_STEP_*);
 *  - fast: int fn(h, insn), the translator's call: 0 when done (the block
 *    hits this mode's TLB, pc and instret untouched), else nothing changed
 *    and the instruction leaves for the interpreter.
 * The predecoder keeps them RV_DOP_GENERIC (the interpreter's row). The
 * prefetch.i/r/w hints (Zicbop) are ORI with rd = x0: the ORI row runs them
 * as the no-ops they are here, so they have no rows of their own.
 */
#define RV_X_ZICBOM (1ull << AXVM_RISCV64_EXT_ZICBOM)
#define RV_X_ZICBOZ (1ull << AXVM_RISCV64_EXT_ZICBOZ)
#define RV_M_CBO 0xfff07fffu
/* clang-format off */
#define RV_INSN_CBO(X)                                                                             \
	X(CBO_INVAL, "cbo.inval", 0x0f, RV_M_CBO, 0x0000200f, RV_X_ZICBOM, rv_cmo_manage_fast, rv_cmo_inval) \
	X(CBO_CLEAN, "cbo.clean", 0x0f, RV_M_CBO, 0x0010200f, RV_X_ZICBOM, rv_cmo_manage_fast, rv_cmo_clean) \
	X(CBO_FLUSH, "cbo.flush", 0x0f, RV_M_CBO, 0x0020200f, RV_X_ZICBOM, rv_cmo_manage_fast, rv_cmo_flush) \
	X(CBO_ZERO,  "cbo.zero",  0x0f, RV_M_CBO, 0x0040200f, RV_X_ZICBOZ, rv_cmo_zero_fast,   rv_cmo_zero)
/* clang-format on */

#define RV_INSN_ID6(n, s, opc, mask, match, ext, ...) RV_I_##n,
enum rv_insn_cbo_id { RV_INSN_CBO(RV_INSN_ID6) RV_I_CBO_COUNT };
#undef RV_INSN_ID6

static inline int rv_insn_cbo_find(uint32_t insn, uint64_t ext_on)
{
#define RV_INSN_FIND6(n, s, opc, mask, match, ext, ...)                                            \
	if ((insn & (mask)) == (match) && ((ext) == 0 || (ext_on & (ext))))                        \
		return RV_I_##n;
	RV_INSN_CBO(RV_INSN_FIND6)
#undef RV_INSN_FIND6
	return -1;
}

/*
 * Zfa (the additional floating-point instructions; RV64 has no fmvh.x.d /
 * fmvp.d.x, which are RV32-only), OP-FP:
 *
 *	X(NAME, "name", opcode, mask, match, extension, format, semantics)
 *
 *  - format is the operand format (S, D, H; the H forms also need Zfh,
 *    which fpu.c's format gate checks before any row);
 *  - semantics names fpu.c's function for the row (over fpu_ieee.c's
 *    exact arithmetic: fpu_fli, fpu_minm/maxm, fpu_round_int, fpu_cvtmod_w,
 *    quiet compares); rv_fpu_execute dispatches through these rows, and
 *    every engine reaches it (interp.c, exec.c's RV_DOP_FPU, the
 *    translator's call of fpu.c).
 * Masks: funct7 + funct3 (FF3), funct7 + rs2 (FRS2; rm free), funct7 + rs2 + funct3 (FRS2F3).
 */
#define RV_X_ZFA (1ull << AXVM_RISCV64_EXT_ZFA)
#define RV_M_FF3 0xfe00707fu
#define RV_M_FRS2 0xfff0007fu
#define RV_M_FRS2F3 0xfff0707fu
/* clang-format off */
#define RV_INSN_ZFA(X)                                                                             \
	X(FLI_S,        "fli.s",       0x53, RV_M_FRS2F3, 0xf0100053, RV_X_ZFA, S, fpu_zfa_fli)           \
	X(FLI_D,        "fli.d",       0x53, RV_M_FRS2F3, 0xf2100053, RV_X_ZFA, D, fpu_zfa_fli)           \
	X(FLI_H,        "fli.h",       0x53, RV_M_FRS2F3, 0xf4100053, RV_X_ZFA, H, fpu_zfa_fli)           \
	X(FMINM_S,      "fminm.s",     0x53, RV_M_FF3,    0x28002053, RV_X_ZFA, S, fpu_zfa_minm)          \
	X(FMAXM_S,      "fmaxm.s",     0x53, RV_M_FF3,    0x28003053, RV_X_ZFA, S, fpu_zfa_maxm)          \
	X(FMINM_D,      "fminm.d",     0x53, RV_M_FF3,    0x2a002053, RV_X_ZFA, D, fpu_zfa_minm)          \
	X(FMAXM_D,      "fmaxm.d",     0x53, RV_M_FF3,    0x2a003053, RV_X_ZFA, D, fpu_zfa_maxm)          \
	X(FMINM_H,      "fminm.h",     0x53, RV_M_FF3,    0x2c002053, RV_X_ZFA, H, fpu_zfa_minm)          \
	X(FMAXM_H,      "fmaxm.h",     0x53, RV_M_FF3,    0x2c003053, RV_X_ZFA, H, fpu_zfa_maxm)          \
	X(FROUND_S,     "fround.s",    0x53, RV_M_FRS2,   0x40400053, RV_X_ZFA, S, fpu_zfa_round)         \
	X(FROUNDNX_S,   "froundnx.s",  0x53, RV_M_FRS2,   0x40500053, RV_X_ZFA, S, fpu_zfa_roundnx)       \
	X(FROUND_D,     "fround.d",    0x53, RV_M_FRS2,   0x42400053, RV_X_ZFA, D, fpu_zfa_round)         \
	X(FROUNDNX_D,   "froundnx.d",  0x53, RV_M_FRS2,   0x42500053, RV_X_ZFA, D, fpu_zfa_roundnx)       \
	X(FROUND_H,     "fround.h",    0x53, RV_M_FRS2,   0x44400053, RV_X_ZFA, H, fpu_zfa_round)         \
	X(FROUNDNX_H,   "froundnx.h",  0x53, RV_M_FRS2,   0x44500053, RV_X_ZFA, H, fpu_zfa_roundnx)       \
	X(FCVTMOD_W_D,  "fcvtmod.w.d", 0x53, RV_M_FRS2F3, 0xc2801053, RV_X_ZFA, D, fpu_zfa_cvtmod)        \
	X(FLEQ_S,       "fleq.s",      0x53, RV_M_FF3,    0xa0004053, RV_X_ZFA, S, fpu_zfa_leq)           \
	X(FLTQ_S,       "fltq.s",      0x53, RV_M_FF3,    0xa0005053, RV_X_ZFA, S, fpu_zfa_ltq)           \
	X(FLEQ_D,       "fleq.d",      0x53, RV_M_FF3,    0xa2004053, RV_X_ZFA, D, fpu_zfa_leq)           \
	X(FLTQ_D,       "fltq.d",      0x53, RV_M_FF3,    0xa2005053, RV_X_ZFA, D, fpu_zfa_ltq)           \
	X(FLEQ_H,       "fleq.h",      0x53, RV_M_FF3,    0xa4004053, RV_X_ZFA, H, fpu_zfa_leq)           \
	X(FLTQ_H,       "fltq.h",      0x53, RV_M_FF3,    0xa4005053, RV_X_ZFA, H, fpu_zfa_ltq)
/* clang-format on */

#define RV_INSN_ID6(n, s, opc, mask, match, ext, ...) RV_I_##n,
enum rv_insn_zfa_id { RV_INSN_ZFA(RV_INSN_ID6) RV_I_ZFA_COUNT };
#undef RV_INSN_ID6

static inline int rv_insn_zfa_find(uint32_t insn, uint64_t ext_on)
{
#define RV_INSN_FIND6(n, s, opc, mask, match, ext, ...)                                            \
	if ((insn & (mask)) == (match) && ((ext) == 0 || (ext_on & (ext))))                        \
		return RV_I_##n;
	RV_INSN_ZFA(RV_INSN_FIND6)
#undef RV_INSN_FIND6
	return -1;
}

/*
 * Upper immediates and jumps (RV64I LUI, AUIPC, JAL, JALR): what they write
 * to rd and where they go next,
 *
 *	X(NAME, "name", opcode, mask, match, immediate, kind, value, next)
 *
 *  - immediate: U, J or I (decode.h's rv_imm_u/j/i), given to the
 *    expressions as imm;
 *  - value: x[rd], and next: the next pc, expressions of pc (this
 *    instruction's), len (its length: 2 when expanded from a compressed
 *    form), a = x[rs1] and imm (all uint64_t), evaluated before either is
 *    written (jalr with rd = rs1);
 *  - kind: how the engines place the row, one recipe each (the value and
 *    target still the row's expressions where the engine computes them):
 *      K_UPPER  rd = a constant (predecode's LI fusion, the translator's
 *               constant store),
 *      K_PCREL  rd from the pc (the slot remembers its page offset),
 *      K_JUMP   a pc-relative jump (in-page targets become slot links;
 *               the translator chains to the target and ends the block),
 *      K_JUMPR  an indirect jump (the translator's lookup, block end).
 * None traps (the target's alignment is checked at the fetch there).
 */
#define RV_INSN_IMM_U(insn) ((uint64_t)rv_imm_u(insn))
#define RV_INSN_IMM_J(insn) ((uint64_t)rv_imm_j(insn))
#define RV_INSN_IMM_I(insn) ((uint64_t)rv_imm_i(insn))
/* clang-format off */
#define RV_INSN_JUMP(X)                                                                            \
	X(LUI,   "lui",   0x37, 0x7fu,   0x37u, U, K_UPPER, imm,      pc + len)                        \
	X(AUIPC, "auipc", 0x17, 0x7fu,   0x17u, U, K_PCREL, pc + imm, pc + len)                        \
	X(JAL,   "jal",   0x6f, 0x7fu,   0x6fu, J, K_JUMP,  pc + len, pc + imm)                        \
	X(JALR,  "jalr",  0x67, 0x707fu, 0x67u, I, K_JUMPR, pc + len, (a + imm) & ~1ull)
/* clang-format on */

#define RV_INSN_ID6(n, s, opc, mask, match, ...) RV_I_##n,
enum rv_insn_jump_id { RV_INSN_JUMP(RV_INSN_ID6) RV_I_JUMP_COUNT };
#undef RV_INSN_ID6

static inline int rv_insn_jump_find(uint32_t insn)
{
#define RV_INSN_FIND6(n, s, opc, mask, match, ...)                                                 \
	if ((insn & (mask)) == (match))                                                            \
		return RV_I_##n;
	RV_INSN_JUMP(RV_INSN_FIND6)
#undef RV_INSN_FIND6
	return -1;
}

/* Row id's immediate of insn. */
static inline uint64_t rv_insn_jump_imm(int id, uint32_t insn)
{
	switch (id) {
#define RV_INSN_IMM6(n, s, opc, mask, match, immf, ...)                                            \
	case RV_I_##n:                                                                             \
		return RV_INSN_IMM_##immf(insn);
		RV_INSN_JUMP(RV_INSN_IMM6)
#undef RV_INSN_IMM6
	default:
		return 0;
	}
}

/* Row id's value for rd (link *link) and next pc. */
static inline uint64_t rv_insn_jump_exec(int id, uint64_t pc, uint64_t len, uint64_t a,
					 uint64_t imm, uint64_t *link)
{
	switch (id) {
#define RV_INSN_JX(n, s, opc, mask, match, immf, kind, value, next)                                \
	case RV_I_##n:                                                                             \
		*link = (value);                                                                   \
		return (next);
		RV_INSN_JUMP(RV_INSN_JX)
#undef RV_INSN_JX
	default:
		*link = 0;
		return pc + len;
	}
}

/*
 * The A extension (LR/SC and the AMOs, .W and .D; major opcode AMO): host
 * atomics on guest RAM, so the semantics are amo.c's helpers named by the row,
 *
 *	X(NAME, "name", opcode, mask, match, width, access, semantics)
 *
 *  - width: 4 or 8 bytes (.W results sign-extended into rd);
 *  - access: R (LR: a load's misaligned and access-fault causes, and the R
 *    TLB entry) or W (SC and the AMOs: the store/AMO ones);
 *  - semantics: uint64_t fn(h, p, src), the operation on the naturally
 *    aligned host word p with src = x[rs2], giving rd's new value (LR and
 *    SC also keep or drop h's reservation). amo.c defines each; its
 *    rv_amo_run (the interpreter: alignment, translation, MMIO faults) and
 *    rv_amo_fast_run (the translator's: done when this mode's TLB maps the
 *    word, else nothing changed) do the rest, the same for every row.
 * aq/rl (bits 26:25) are outside the masks: every host atomic is
 * sequentially consistent, which satisfies any combination. LR needs rs2 =
 * 0. The predecoder keeps them RV_DOP_GENERIC (the interpreter's row).
 */
#define RV_M_AMO 0xf800707fu
#define RV_M_LR 0xf9f0707fu
/* clang-format off */
#define RV_INSN_AMO(X)                                                                             \
	X(LR_W,      "lr.w",      0x2f, RV_M_LR,  0x1000202fu, 4, R, rv_amo_lr_w)                      \
	X(SC_W,      "sc.w",      0x2f, RV_M_AMO, 0x1800202fu, 4, W, rv_amo_sc_w)                      \
	X(AMOSWAP_W, "amoswap.w", 0x2f, RV_M_AMO, 0x0800202fu, 4, W, rv_amo_swap_w)                    \
	X(AMOADD_W,  "amoadd.w",  0x2f, RV_M_AMO, 0x0000202fu, 4, W, rv_amo_add_w)                     \
	X(AMOXOR_W,  "amoxor.w",  0x2f, RV_M_AMO, 0x2000202fu, 4, W, rv_amo_xor_w)                     \
	X(AMOAND_W,  "amoand.w",  0x2f, RV_M_AMO, 0x6000202fu, 4, W, rv_amo_and_w)                     \
	X(AMOOR_W,   "amoor.w",   0x2f, RV_M_AMO, 0x4000202fu, 4, W, rv_amo_or_w)                      \
	X(AMOMIN_W,  "amomin.w",  0x2f, RV_M_AMO, 0x8000202fu, 4, W, rv_amo_min_w)                     \
	X(AMOMAX_W,  "amomax.w",  0x2f, RV_M_AMO, 0xa000202fu, 4, W, rv_amo_max_w)                     \
	X(AMOMINU_W, "amominu.w", 0x2f, RV_M_AMO, 0xc000202fu, 4, W, rv_amo_minu_w)                    \
	X(AMOMAXU_W, "amomaxu.w", 0x2f, RV_M_AMO, 0xe000202fu, 4, W, rv_amo_maxu_w)                    \
	X(LR_D,      "lr.d",      0x2f, RV_M_LR,  0x1000302fu, 8, R, rv_amo_lr_d)                      \
	X(SC_D,      "sc.d",      0x2f, RV_M_AMO, 0x1800302fu, 8, W, rv_amo_sc_d)                      \
	X(AMOSWAP_D, "amoswap.d", 0x2f, RV_M_AMO, 0x0800302fu, 8, W, rv_amo_swap_d)                    \
	X(AMOADD_D,  "amoadd.d",  0x2f, RV_M_AMO, 0x0000302fu, 8, W, rv_amo_add_d)                     \
	X(AMOXOR_D,  "amoxor.d",  0x2f, RV_M_AMO, 0x2000302fu, 8, W, rv_amo_xor_d)                     \
	X(AMOAND_D,  "amoand.d",  0x2f, RV_M_AMO, 0x6000302fu, 8, W, rv_amo_and_d)                     \
	X(AMOOR_D,   "amoor.d",   0x2f, RV_M_AMO, 0x4000302fu, 8, W, rv_amo_or_d)                      \
	X(AMOMIN_D,  "amomin.d",  0x2f, RV_M_AMO, 0x8000302fu, 8, W, rv_amo_min_d)                     \
	X(AMOMAX_D,  "amomax.d",  0x2f, RV_M_AMO, 0xa000302fu, 8, W, rv_amo_max_d)                     \
	X(AMOMINU_D, "amominu.d", 0x2f, RV_M_AMO, 0xc000302fu, 8, W, rv_amo_minu_d)                    \
	X(AMOMAXU_D, "amomaxu.d", 0x2f, RV_M_AMO, 0xe000302fu, 8, W, rv_amo_maxu_d)
/* clang-format on */

#define RV_INSN_ID6(n, s, opc, mask, match, ...) RV_I_##n,
enum rv_insn_amo_id { RV_INSN_AMO(RV_INSN_ID6) RV_I_AMO_COUNT };
#undef RV_INSN_ID6

static inline int rv_insn_amo_find(uint32_t insn)
{
#define RV_INSN_FIND6(n, s, opc, mask, match, ...)                                                 \
	if ((insn & (mask)) == (match))                                                            \
		return RV_I_##n;
	RV_INSN_AMO(RV_INSN_FIND6)
#undef RV_INSN_FIND6
	return -1;
}

/*
 * Zicsr (SYSTEM funct3 1-3, 5-7): the CSR read-modify-writes, through
 * csr.c's rv_csr_read / rv_csr_write (or the SysReg exits of a trapped
 * CSR), one row each,
 *
 *	X(NAME, "name", opcode, mask, match, source, always, semantics)
 *
 *  - source: R = x[rs1], I = the 5-bit zero-extended immediate in the rs1
 *    field;
 *  - always: 1 if the row always writes the CSR (csrrw/csrrwi: and reads it
 *    only when rd != x0), 0 if it writes only when the rs1 field is not 0
 *    (csrrs/csrrc and their immediates always read);
 *  - semantics: the CSR's new value, an expression of old and src.
 * Privilege and read-only checks are the CSR number's (interp.c). The
 * predecoder keeps them RV_DOP_GENERIC and the translator ends a block before
 * them: they run in interp.c.
 */
/* clang-format off */
#define RV_INSN_CSR(X)                                                                             \
	X(CSRRW,  "csrrw",  0x73, 0x707fu, 0x1073u, R, 1, src)                                         \
	X(CSRRS,  "csrrs",  0x73, 0x707fu, 0x2073u, R, 0, old | src)                                   \
	X(CSRRC,  "csrrc",  0x73, 0x707fu, 0x3073u, R, 0, old & ~src)                                  \
	X(CSRRWI, "csrrwi", 0x73, 0x707fu, 0x5073u, I, 1, src)                                         \
	X(CSRRSI, "csrrsi", 0x73, 0x707fu, 0x6073u, I, 0, old | src)                                   \
	X(CSRRCI, "csrrci", 0x73, 0x707fu, 0x7073u, I, 0, old & ~src)
/* clang-format on */

#define RV_INSN_ID6(n, s, opc, mask, match, ...) RV_I_##n,
enum rv_insn_csr_id { RV_INSN_CSR(RV_INSN_ID6) RV_I_CSR_COUNT };
#undef RV_INSN_ID6

static inline int rv_insn_csr_find(uint32_t insn)
{
#define RV_INSN_FIND6(n, s, opc, mask, match, ...)                                                 \
	if ((insn & (mask)) == (match))                                                            \
		return RV_I_##n;
	RV_INSN_CSR(RV_INSN_FIND6)
#undef RV_INSN_FIND6
	return -1;
}

/*
 * The other SYSTEM instructions (funct3 0): the environment calls, sret,
 * wfi, and the address-translation fences with their Svinval and Zawrs
 * additions, one row each,
 *
 *	X(NAME, "name", opcode, mask, match, extension, s_only, semantics)
 *
 *  - extension as in the ALU rows (0: always there);
 *  - s_only: 1 if U-mode executing it is an illegal instruction;
 *  - semantics: interp.c's function for the row (they change privilege,
 *    raise traps, call the SBI or end the batch). The predecoder keeps these
 *    RV_DOP_GENERIC and the translator ends a block before them.
 * Masks: 0xffffffff for the fixed encodings, RV_M_SYS_RS for the fences
 * whose rs1/rs2 are operands (funct7, rd, funct3, opcode fixed).
 */
#define RV_X_SVINVAL (1ull << AXVM_RISCV64_EXT_SVINVAL)
#define RV_X_ZAWRS (1ull << AXVM_RISCV64_EXT_ZAWRS)
#define RV_M_SYS_RS 0xfe007fffu
/* clang-format off */
#define RV_INSN_SYSTEM(X)                                                                          \
	X(ECALL,           "ecall",           0x73, 0xffffffffu, 0x00000073u, RV_X_BASE,    0, interp_ecall)       \
	X(EBREAK,          "ebreak",          0x73, 0xffffffffu, 0x00100073u, RV_X_BASE,    0, interp_ebreak)      \
	X(SRET,            "sret",            0x73, 0xffffffffu, 0x10200073u, RV_X_BASE,    1, interp_sret)        \
	X(WFI,             "wfi",             0x73, 0xffffffffu, 0x10500073u, RV_X_BASE,    1, interp_wfi)         \
	X(SFENCE_VMA,      "sfence.vma",      0x73, RV_M_SYS_RS, 0x12000073u, RV_X_BASE,    1, interp_sfence_vma)  \
	X(SINVAL_VMA,      "sinval.vma",      0x73, RV_M_SYS_RS, 0x16000073u, RV_X_SVINVAL, 1, interp_sfence_vma)  \
	X(SFENCE_W_INVAL,  "sfence.w.inval",  0x73, 0xffffffffu, 0x18000073u, RV_X_SVINVAL, 1, interp_retire)      \
	X(SFENCE_INVAL_IR, "sfence.inval.ir", 0x73, 0xffffffffu, 0x18100073u, RV_X_SVINVAL, 1, interp_retire)      \
	X(WRS_NTO,         "wrs.nto",         0x73, 0xffffffffu, 0x00d00073u, RV_X_ZAWRS,   0, interp_retire)      \
	X(WRS_STO,         "wrs.sto",         0x73, 0xffffffffu, 0x01d00073u, RV_X_ZAWRS,   0, interp_retire)
/* clang-format on */

#define RV_INSN_ID7(n, ...) RV_I_##n,
enum rv_insn_system_id { RV_INSN_SYSTEM(RV_INSN_ID7) RV_I_SYSTEM_COUNT };
#undef RV_INSN_ID7

/* The SYSTEM row for insn with the extensions of `ext_on`; -1 = illegal. */
static inline int rv_insn_system_find(uint32_t insn, uint64_t ext_on)
{
#define RV_INSN_FIND7(n, s, opc, mask, match, ext, s_only, fn)                                     \
	if ((insn & (mask)) == (match) && ((ext) == 0 || (ext_on & (ext))))                        \
		return RV_I_##n;
	RV_INSN_SYSTEM(RV_INSN_FIND7)
#undef RV_INSN_FIND7
	return -1;
}

/* Whether row `id` is illegal in U-mode. */
static inline bool rv_insn_system_s_only(int id)
{
	switch (id) {
#define RV_INSN_SONLY7(n, s, opc, mask, match, ext, s_only, fn)                                    \
	case RV_I_##n:                                                                             \
		return s_only;
		RV_INSN_SYSTEM(RV_INSN_SONLY7)
#undef RV_INSN_SONLY7
	default:
		return true;
	}
}

#define RV_INSN_CSR_SRC_R(insn, x) ((x)[rv_rs1(insn)])
#define RV_INSN_CSR_SRC_I(insn, x) ((uint64_t)rv_rs1(insn))

/* Row id's source operand (x: the integer registers). */
static inline uint64_t rv_insn_csr_src(int id, uint32_t insn, const uint64_t *x)
{
	switch (id) {
#define RV_INSN_CSRC(n, s, opc, mask, match, srcf, ...)                                            \
	case RV_I_##n:                                                                             \
		return RV_INSN_CSR_SRC_##srcf(insn, x);
		RV_INSN_CSR(RV_INSN_CSRC)
#undef RV_INSN_CSRC
	default:
		return 0;
	}
}

/* Whether row id writes the CSR whatever the rs1 field. */
static inline bool rv_insn_csr_always(int id)
{
	switch (id) {
#define RV_INSN_CSRA(n, s, opc, mask, match, srcf, always, ...)                                    \
	case RV_I_##n:                                                                             \
		return (always) != 0;
		RV_INSN_CSR(RV_INSN_CSRA)
#undef RV_INSN_CSRA
	default:
		return false;
	}
}

/* Row id's new CSR value. */
static inline uint64_t rv_insn_csr_new(int id, uint64_t old, uint64_t src)
{
	(void)old;
	switch (id) {
#define RV_INSN_CSRN(n, s, opc, mask, match, srcf, always, expr)                                   \
	case RV_I_##n:                                                                             \
		return (expr);
		RV_INSN_CSR(RV_INSN_CSRN)
#undef RV_INSN_CSRN
	default:
		return old;
	}
}

/*
 * F, D and Zfh/Zfhmin arithmetic (OP-FP 0x53 and the fused MADD 0x43, MSUB
 * 0x47, NMSUB 0x4b, NMADD 0x4f), one row per operation, the operand format
 * (fmt, bits 26:25: 0 S, 1 D, 2 H, 3 Q = illegal) left out of mask/match:
 *
 *	X(NAME, "name", opcode, mask, match, formats, semantics)
 *
 *  - formats: the fmt values the row accepts, each with the extension it
 *    needs: RV_FP_S (F), RV_FP_D (D; F and D are always on: RV64GC),
 *    RV_FP_H (Zfh), RV_FP_HMIN (H with Zfhmin alone too: the moves and the
 *    conversions between H and S/D), RV_FP_SRC_H (the source operand is H,
 *    fcvt.fmt.h: Zfhmin or Zfh). A format not listed is illegal (fcvt.s.s);
 *    rv_fp_fmt_ok below applies it (rv_fpu_execute: folded per row);
 *  - semantics names fpu.c's function for the row (over fpu_ieee.c's exact
 *    arithmetic), called with the format set from fmt. The row's match fixes
 *    what the function reads from funct3/rs2 besides rm (fcvt's integer
 *    kind W/WU/L/LU and source format are rs2).
 * Rows that can hold a rounding mode (rm = funct3) leave it out of the mask;
 * the function refuses a reserved one. Zfa's encodings are none of these
 * rows' (funct3 2..5, rs2 1/4/5/8 are reserved here), so RV_INSN_ZFA is
 * looked at only when no row matches. Masks: opcode only (R4 fused), funct5
 * (F5), funct5 + rs2 (F5RS2), funct5 + funct3 (F5F3), funct5 + rs2 + funct3
 * (F5RS2F3).
 */
#define RV_FP_S 1u
#define RV_FP_D 2u
#define RV_FP_H 4u
#define RV_FP_HMIN 8u
#define RV_FP_SRC_H 16u
#define RV_FP_SDH (RV_FP_S | RV_FP_D | RV_FP_H)
#define RV_FP_SDHMIN (RV_FP_S | RV_FP_D | RV_FP_H | RV_FP_HMIN)
#define RV_M_R4 0x0000007fu
#define RV_M_F5 0xf800007fu
#define RV_M_F5RS2 0xf9f0007fu
#define RV_M_F5F3 0xf800707fu
#define RV_M_F5RS2F3 0xf9f0707fu
/* clang-format off */
#define RV_INSN_FP(X)                                                                              \
	X(FMADD,     "fmadd",     0x43, RV_M_R4,      0x00000043, RV_FP_SDH, fpu_op_madd)                  \
	X(FMSUB,     "fmsub",     0x47, RV_M_R4,      0x00000047, RV_FP_SDH, fpu_op_msub)                  \
	X(FNMSUB,    "fnmsub",    0x4b, RV_M_R4,      0x0000004b, RV_FP_SDH, fpu_op_nmsub)                 \
	X(FNMADD,    "fnmadd",    0x4f, RV_M_R4,      0x0000004f, RV_FP_SDH, fpu_op_nmadd)                 \
	X(FADD,      "fadd",      0x53, RV_M_F5,      0x00000053, RV_FP_SDH, fpu_op_add)                   \
	X(FSUB,      "fsub",      0x53, RV_M_F5,      0x08000053, RV_FP_SDH, fpu_op_sub)                   \
	X(FMUL,      "fmul",      0x53, RV_M_F5,      0x10000053, RV_FP_SDH, fpu_op_mul)                   \
	X(FDIV,      "fdiv",      0x53, RV_M_F5,      0x18000053, RV_FP_SDH, fpu_op_div)                   \
	X(FSQRT,     "fsqrt",     0x53, RV_M_F5RS2,   0x58000053, RV_FP_SDH, fpu_op_sqrt)                  \
	X(FSGNJ,     "fsgnj",     0x53, RV_M_F5F3,    0x20000053, RV_FP_SDH, fpu_op_sgnj)                  \
	X(FSGNJN,    "fsgnjn",    0x53, RV_M_F5F3,    0x20001053, RV_FP_SDH, fpu_op_sgnjn)                 \
	X(FSGNJX,    "fsgnjx",    0x53, RV_M_F5F3,    0x20002053, RV_FP_SDH, fpu_op_sgnjx)                 \
	X(FMIN,      "fmin",      0x53, RV_M_F5F3,    0x28000053, RV_FP_SDH, fpu_op_min)                   \
	X(FMAX,      "fmax",      0x53, RV_M_F5F3,    0x28001053, RV_FP_SDH, fpu_op_max)                   \
	X(FLE,       "fle",       0x53, RV_M_F5F3,    0xa0000053, RV_FP_SDH, fpu_op_le)                    \
	X(FLT,       "flt",       0x53, RV_M_F5F3,    0xa0001053, RV_FP_SDH, fpu_op_lt)                    \
	X(FEQ,       "feq",       0x53, RV_M_F5F3,    0xa0002053, RV_FP_SDH, fpu_op_eq)                    \
	X(FCVT_F_S,  "fcvt.fmt.s", 0x53, RV_M_F5RS2,  0x40000053, RV_FP_D | RV_FP_H | RV_FP_HMIN, fpu_op_cvt_ff) \
	X(FCVT_F_D,  "fcvt.fmt.d", 0x53, RV_M_F5RS2,  0x40100053, RV_FP_S | RV_FP_H | RV_FP_HMIN, fpu_op_cvt_ff) \
	X(FCVT_F_H,  "fcvt.fmt.h", 0x53, RV_M_F5RS2,  0x40200053, RV_FP_S | RV_FP_D | RV_FP_SRC_H, fpu_op_cvt_ff) \
	X(FCVT_W_F,  "fcvt.w",    0x53, RV_M_F5RS2,   0xc0000053, RV_FP_SDH, fpu_op_cvt_to_int)            \
	X(FCVT_WU_F, "fcvt.wu",   0x53, RV_M_F5RS2,   0xc0100053, RV_FP_SDH, fpu_op_cvt_to_int)            \
	X(FCVT_L_F,  "fcvt.l",    0x53, RV_M_F5RS2,   0xc0200053, RV_FP_SDH, fpu_op_cvt_to_int)            \
	X(FCVT_LU_F, "fcvt.lu",   0x53, RV_M_F5RS2,   0xc0300053, RV_FP_SDH, fpu_op_cvt_to_int)            \
	X(FCVT_F_W,  "fcvt.fmt.w", 0x53, RV_M_F5RS2,  0xd0000053, RV_FP_SDH, fpu_op_cvt_from_int)          \
	X(FCVT_F_WU, "fcvt.fmt.wu", 0x53, RV_M_F5RS2, 0xd0100053, RV_FP_SDH, fpu_op_cvt_from_int)          \
	X(FCVT_F_L,  "fcvt.fmt.l", 0x53, RV_M_F5RS2,  0xd0200053, RV_FP_SDH, fpu_op_cvt_from_int)          \
	X(FCVT_F_LU, "fcvt.fmt.lu", 0x53, RV_M_F5RS2, 0xd0300053, RV_FP_SDH, fpu_op_cvt_from_int)          \
	X(FMV_X_F,   "fmv.x",     0x53, RV_M_F5RS2F3, 0xe0000053, RV_FP_SDHMIN, fpu_op_mv_x)              \
	X(FCLASS,    "fclass",    0x53, RV_M_F5RS2F3, 0xe0001053, RV_FP_SDH, fpu_op_class)                 \
	X(FMV_F_X,   "fmv.fmt.x", 0x53, RV_M_F5RS2F3, 0xf0000053, RV_FP_SDHMIN, fpu_op_mv_f)
/* clang-format on */

#define RV_INSN_ID7(n, ...) RV_I_##n,
enum rv_insn_fp_id { RV_INSN_FP(RV_INSN_ID7) RV_I_FP_COUNT };
#undef RV_INSN_ID7

/*
 * The row insn is (fmt ignored), or -1. The walk is a switch on funct5 whose
 * every case keeps, at compile time, only the rows with that funct5 (the
 * fused rows before it): at most three mask compares for any OP-FP
 * instruction, and a new row needs nothing here.
 */
#define RV_INSN_FP_R4(n, s, opc, mask, match, ...)                                                 \
	if ((opc) != 0x53 && (insn & (mask)) == (match))                                           \
		return RV_I_##n;
#define RV_INSN_FP_F5(n, s, opc, mask, match, ...)                                                 \
	if ((opc) == 0x53 && ((match) >> 27) == rv_fp_f5 && (insn & (mask)) == (match))            \
		return RV_I_##n;
#define RV_INSN_FP_CASE(f)                                                                         \
	case f: {                                                                                  \
		enum { rv_fp_f5 = f };                                                             \
		RV_INSN_FP(RV_INSN_FP_F5)                                                          \
		return -1;                                                                         \
	}
/* clang-format off */
#define RV_INSN_FP_CASE8(f)                                                                        \
	RV_INSN_FP_CASE(f) RV_INSN_FP_CASE(f + 1) RV_INSN_FP_CASE(f + 2) RV_INSN_FP_CASE(f + 3)    \
	RV_INSN_FP_CASE(f + 4) RV_INSN_FP_CASE(f + 5) RV_INSN_FP_CASE(f + 6) RV_INSN_FP_CASE(f + 7)
/* clang-format on */
static inline int rv_insn_fp_find(uint32_t insn)
{
	if ((insn & 0x7f) != 0x53) {
		RV_INSN_FP(RV_INSN_FP_R4)
		return -1;
	}
	switch (insn >> 27) {
		RV_INSN_FP_CASE8(0)
		RV_INSN_FP_CASE8(8)
		RV_INSN_FP_CASE8(16)
		RV_INSN_FP_CASE8(24)
	}
	return -1;
}
#undef RV_INSN_FP_CASE8
#undef RV_INSN_FP_CASE
#undef RV_INSN_FP_F5
#undef RV_INSN_FP_R4

/*
 * Whether a row with formats fmts exists in format fmt (0 S, 1 D, 2 H, 3 Q)
 * given the binary16 support half (fpu.h's RV_FPU_HALF_*: 0 none, 1 Zfhmin,
 * 2 Zfh).
 */
static inline bool rv_fp_fmt_ok(unsigned fmts, unsigned fmt, unsigned half)
{
	if (fmt > 2 || !(fmts & (1u << fmt)))
		return false;
	if ((fmts & RV_FP_SRC_H) && half == 0)
		return false;
	if (fmt == 2)
		return half == 2 || (half == 1 && (fmts & RV_FP_HMIN));
	return true;
}

#endif
