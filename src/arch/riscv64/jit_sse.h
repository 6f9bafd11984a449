/* SPDX-License-Identifier: MIT */
/*
 * The SSE2/FMA3 scalar forms the translator emits for F/D arithmetic
 * (jit.c's inline double-precision path), on top of jit_x86.h's buffer:
 * xmm0/xmm1 against [base + disp32] memory operands (the hart's f registers)
 * and the one move to a general register. Encodings: Intel SDM volume 2
 * (legacy SSE prefixes, the three-byte VEX prefix for FMA3).
 */
#ifndef AXVM_ARCH_RISCV64_JIT_SSE_H
#define AXVM_ARCH_RISCV64_JIT_SSE_H

#include "arch/riscv64/jit_x86.h"

/* Scalar double operations xmm = xmm op [base + disp]: the second opcode byte after 0F. */
enum sse_op {
	SSE_MOVSD_LOAD = 0x10,
	SSE_MOVSD_STORE = 0x11, /* [base + disp] = xmm */
	SSE_SQRTSD = 0x51,
	SSE_ADDSD = 0x58,
	SSE_MULSD = 0x59,
	SSE_SUBSD = 0x5c,
	SSE_DIVSD = 0x5e,
};

/* The FMA3 231 forms, x = y * [m] +- x: the opcode byte after VEX 0F38. */
enum sse_fma {
	SSE_VFMADD231SD = 0xb9,	 /* y*m + x */
	SSE_VFMSUB231SD = 0xbb,	 /* y*m - x */
	SSE_VFNMADD231SD = 0xbd, /* -(y*m) + x */
	SSE_VFNMSUB231SD = 0xbf, /* -(y*m) - x */
};

/* F2 0F op /r with xmm x (0..15) and [base + disp] (movsd store: the other direction). */
void sse_sd_mem(struct x86_buf *b, enum sse_op op, unsigned x, enum x86_reg base, int32_t disp);
/* The same in single precision (F3 0F op: movss, sqrtss, addss, ...) when !dbl. */
void sse_scalar_mem(struct x86_buf *b, bool dbl, enum sse_op op, unsigned x, enum x86_reg base,
		    int32_t disp);
/* x = y * [base + disp] +- x (VEX.LIG.66.0F38.W1: sd; W0: ss when !dbl). */
void sse_fma_mem(struct x86_buf *b, bool dbl, enum sse_fma op, unsigned x, unsigned y,
		 enum x86_reg base, int32_t disp);
/* Jcc "parity" (after ucomisd: the operands were unordered, a NaN among them). */
#define SSE_CC_P ((enum x86_cc)0xa)

/* ucomisd xmm x, [base + disp]: ZF PF CF = equal/unordered/less (66 0F 2E /r). */
void sse_ucomisd_mem(struct x86_buf *b, unsigned x, enum x86_reg base, int32_t disp);
/* xmm x = (double) src, src a 64-bit signed integer (cvtsi2sd: F2 REX.W 0F 2A /r). */
void sse_cvtsi2sd_r(struct x86_buf *b, unsigned x, enum x86_reg src);
/* dst = [base + disp] (a double) truncated to int32 (w64 false: eax) or int64; cvttsd2si. */
void sse_cvttsd2si_mem(struct x86_buf *b, bool w64, enum x86_reg dst, enum x86_reg base,
		       int32_t disp);
/* dst = the 64 bits of xmm x (movq r64, xmm: 66 REX.W 0F 7E /r). */
void sse_movq_r_x(struct x86_buf *b, enum x86_reg dst, unsigned x);

/*
 * MXCSR through the red zone ([rsp - 8], which Linux signal delivery
 * leaves alone): load `value` into it / store it and test its low byte
 * against mask (ZF clear: a flag in mask is set).
 */
void sse_ldmxcsr_imm(struct x86_buf *b, uint32_t value);
void sse_stmxcsr_test(struct x86_buf *b, uint8_t mask);
/* or byte [base + disp], imm. */
void sse_or_byte(struct x86_buf *b, enum x86_reg base, int32_t disp, uint8_t imm);

#endif
