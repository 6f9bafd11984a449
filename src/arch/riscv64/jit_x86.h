/* SPDX-License-Identifier: MIT */
/*
 * A small x86-64 instruction encoder for the translator (jit.c): just the
 * forms it emits, each a function that appends bytes to a buffer. Memory
 * operands are [base + disp32] (any base, r12/r13/rsp/rbp included); the
 * encodings follow the Intel SDM, volume 2 (REX, ModRM, SIB). A buffer that
 * runs out of room sets `full` and drops further bytes: the caller checks
 * once at the end of a block.
 */
#ifndef AXVM_ARCH_RISCV64_JIT_X86_H
#define AXVM_ARCH_RISCV64_JIT_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum x86_reg {
	X86_RAX = 0,
	X86_RCX,
	X86_RDX,
	X86_RBX,
	X86_RSP,
	X86_RBP,
	X86_RSI,
	X86_RDI,
	X86_R8,
	X86_R9,
	X86_R10,
	X86_R11,
	X86_R12,
	X86_R13,
	X86_R14,
	X86_R15,
};

/* Two-operand ALU operations: the /digit of 81 /n and the opcode of the r, r/m form. */
enum x86_alu {
	X86_ADD = 0,
	X86_OR = 1,
	X86_AND = 4,
	X86_SUB = 5,
	X86_XOR = 6,
	X86_CMP = 7,
};

/* Shifts: the /digit of C1 /n and D3 /n. */
enum x86_shift {
	X86_SHL = 4,
	X86_SHR = 5,
	X86_SAR = 7,
};

/* Condition codes (the low nibble of Jcc / SETcc). */
enum x86_cc {
	X86_CC_B = 0x2,
	X86_CC_AE = 0x3,
	X86_CC_E = 0x4,
	X86_CC_NE = 0x5,
	X86_CC_BE = 0x6,
	X86_CC_A = 0x7,
	X86_CC_L = 0xc,
	X86_CC_GE = 0xd,
	X86_CC_LE = 0xe,
	X86_CC_G = 0xf,
};

/* One-operand F7 group: the /digit. */
enum x86_unary {
	X86_NEG = 3,
	X86_MUL = 4,   /* rdx:rax = rax * r (unsigned) */
	X86_IMUL1 = 5, /* rdx:rax = rax * r (signed) */
	X86_DIV = 6,
	X86_IDIV = 7,
};

/* Widths and extensions of a load: [base + disp] into a 64-bit register. */
enum x86_load {
	X86_LD_S8,
	X86_LD_U8,
	X86_LD_S16,
	X86_LD_U16,
	X86_LD_S32,
	X86_LD_U32,
	X86_LD_64,
};

struct x86_buf {
	uint8_t *p;   /* next byte */
	uint8_t *end; /* one past the last byte */
	bool full;    /* a write did not fit */
};

void x86_init(struct x86_buf *b, void *start, size_t len);
void x86_byte(struct x86_buf *b, uint8_t v);
void x86_u32(struct x86_buf *b, uint32_t v);

/* dst = [base + disp] (64-bit) / [base + disp] = src (64-bit). */
void x86_mov_load(struct x86_buf *b, enum x86_reg dst, enum x86_reg base, int32_t disp);
void x86_mov_store(struct x86_buf *b, enum x86_reg base, int32_t disp, enum x86_reg src);
/* A load of `kind` from [base + disp], extended to 64 bits. */
void x86_load(struct x86_buf *b, enum x86_load kind, enum x86_reg dst, enum x86_reg base,
	      int32_t disp);
/* [base + disp] = low 1/2/4/8 bytes of src. */
void x86_store(struct x86_buf *b, unsigned size, enum x86_reg base, int32_t disp, enum x86_reg src);
/* qword [base + disp] = imm (sign-extended). */
void x86_store_imm32(struct x86_buf *b, enum x86_reg base, int32_t disp, int32_t imm);
/* dst = src (64-bit), dst = imm (shortest form), dst = sign-extended low 32 bits of src. */
void x86_mov_rr(struct x86_buf *b, enum x86_reg dst, enum x86_reg src);
/* dst = low 32 bits of src, zero-extended. */
void x86_mov_rr32(struct x86_buf *b, enum x86_reg dst, enum x86_reg src);
void x86_mov_imm(struct x86_buf *b, enum x86_reg dst, uint64_t imm);
void x86_movsxd(struct x86_buf *b, enum x86_reg dst, enum x86_reg src);
/* dst = base + disp. */
void x86_lea(struct x86_buf *b, enum x86_reg dst, enum x86_reg base, int32_t disp);
/* dst op= src; dst op= [base + disp]; dst op= imm (w64: 64-bit, else 32-bit). */
void x86_alu_rr(struct x86_buf *b, enum x86_alu op, bool w64, enum x86_reg dst, enum x86_reg src);
void x86_alu_rm(struct x86_buf *b, enum x86_alu op, bool w64, enum x86_reg dst, enum x86_reg base,
		int32_t disp);
void x86_alu_imm(struct x86_buf *b, enum x86_alu op, bool w64, enum x86_reg dst, int32_t imm);
/* cmp [base + disp], reg (64-bit). */
void x86_cmp_mr(struct x86_buf *b, enum x86_reg base, int32_t disp, enum x86_reg reg);
void x86_test_rr(struct x86_buf *b, bool w64, enum x86_reg a, enum x86_reg c);
void x86_shift_imm(struct x86_buf *b, enum x86_shift op, bool w64, enum x86_reg dst,
		   unsigned count);
void x86_shift_cl(struct x86_buf *b, enum x86_shift op, bool w64, enum x86_reg dst);
/* dst *= src (two-operand imul, low half). */
void x86_imul_rr(struct x86_buf *b, bool w64, enum x86_reg dst, enum x86_reg src);
void x86_unary(struct x86_buf *b, enum x86_unary op, bool w64, enum x86_reg r);
/* Sign-extend rax into rdx (cqo) / eax into edx (cdq). */
void x86_cqo(struct x86_buf *b, bool w64);
/* dst = cc ? 1 : 0 (setcc + movzx, 32-bit clears the top). */
void x86_setcc(struct x86_buf *b, enum x86_cc cc, enum x86_reg dst);
/* Jumps with a rel32 to patch later: the returned pointer is the rel32's address. */
uint8_t *x86_jcc32(struct x86_buf *b, enum x86_cc cc);
uint8_t *x86_jmp32(struct x86_buf *b);
/* Point a rel32 (from x86_jcc32/x86_jmp32) at target (both in the buffer's address space). */
void x86_patch_rel32(uint8_t *rel, const uint8_t *target);
void x86_jmp_reg(struct x86_buf *b, enum x86_reg r);
void x86_call_reg(struct x86_buf *b, enum x86_reg r);
/* lock or dword [base + disp], 0: a full barrier (what interp.c's FENCE does on x86-64). */
void x86_lock_or0(struct x86_buf *b, enum x86_reg base, int32_t disp);
void x86_push(struct x86_buf *b, enum x86_reg r);
void x86_pop(struct x86_buf *b, enum x86_reg r);
void x86_ret(struct x86_buf *b);

/* [base + index + disp] forms (scale 1, index not rsp): lea, op r/m, cmp, load. */
void x86_lea_idx(struct x86_buf *b, enum x86_reg dst, enum x86_reg base, enum x86_reg index,
		 int32_t disp);
void x86_alu_rm_idx(struct x86_buf *b, enum x86_alu op, bool w64, enum x86_reg dst,
		    enum x86_reg base, enum x86_reg index, int32_t disp);
void x86_cmp_mr_idx(struct x86_buf *b, enum x86_reg base, enum x86_reg index, int32_t disp,
		    enum x86_reg reg);
void x86_mov_load_idx(struct x86_buf *b, enum x86_reg dst, enum x86_reg base, enum x86_reg index,
		      int32_t disp);
/* A load of `kind` from [base + index + disp], extended to 64 bits. */
void x86_load_idx(struct x86_buf *b, enum x86_load kind, enum x86_reg dst, enum x86_reg base,
		  enum x86_reg index, int32_t disp);
/* [base + index + disp] = low 1/2/4/8 bytes of src. */
void x86_store_idx(struct x86_buf *b, unsigned size, enum x86_reg base, enum x86_reg index,
		   int32_t disp, enum x86_reg src);
/* dst = src rotated right by count (BMI2: the caller checks the host has it). */
void x86_rorx(struct x86_buf *b, enum x86_reg dst, enum x86_reg src, unsigned count);

#endif
