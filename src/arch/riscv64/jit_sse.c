/* SPDX-License-Identifier: MIT */
/* The SSE2/FMA3 encoder of jit_sse.h. */
#include "arch/riscv64/jit_sse.h"

/* ModRM + (SIB) + disp32 for reg field r and [base + disp32]. */
static void sse_mem(struct x86_buf *b, unsigned r, enum x86_reg base, int32_t disp)
{
	x86_byte(b, (uint8_t)(0x80 | ((r & 7) << 3) | (base & 7)));
	if ((base & 7) == 4) /* rsp / r12 as base need a SIB */
		x86_byte(b, 0x24);
	x86_u32(b, (uint32_t)disp);
}

void sse_sd_mem(struct x86_buf *b, enum sse_op op, unsigned x, enum x86_reg base, int32_t disp)
{
	sse_scalar_mem(b, true, op, x, base, disp);
}

void sse_scalar_mem(struct x86_buf *b, bool dbl, enum sse_op op, unsigned x, enum x86_reg base,
		    int32_t disp)
{
	x86_byte(b, dbl ? 0xf2 : 0xf3);
	if ((x & 8) || (base & 8))
		x86_byte(b, (uint8_t)(0x40 | ((x & 8) ? 4 : 0) | ((base & 8) ? 1 : 0)));
	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)op);
	sse_mem(b, x, base, disp);
}

void sse_fma_mem(struct x86_buf *b, bool dbl, enum sse_fma op, unsigned x, unsigned y,
		 enum x86_reg base, int32_t disp)
{
	x86_byte(b, 0xc4);
	/* ~R ~X ~B, map 00010 (0F38) */
	x86_byte(b, (uint8_t)(((x & 8) ? 0 : 0x80) | 0x40 | ((base & 8) ? 0 : 0x20) | 0x02));
	/* W1 (sd) / W0 (ss), ~vvvv = y, L0, pp 01 (66) */
	x86_byte(b, (uint8_t)((dbl ? 0x80 : 0) | ((~y & 15) << 3) | 0x01));
	x86_byte(b, (uint8_t)op);
	sse_mem(b, x, base, disp);
}

void sse_movq_r_x(struct x86_buf *b, enum x86_reg dst, unsigned x)
{
	x86_byte(b, 0x66);
	x86_byte(b, (uint8_t)(0x48 | ((x & 8) ? 4 : 0) | ((dst & 8) ? 1 : 0)));
	x86_byte(b, 0x0f);
	x86_byte(b, 0x7e);
	x86_byte(b, (uint8_t)(0xc0 | ((x & 7) << 3) | (dst & 7)));
}

/* [rsp - 8] as ModRM (mod 01, rm 100) + SIB (base rsp) + disp8, with reg field r. */
static void sse_redzone(struct x86_buf *b, unsigned r)
{
	x86_byte(b, (uint8_t)(0x44 | (r << 3)));
	x86_byte(b, 0x24);
	x86_byte(b, 0xf8);
}

void sse_ldmxcsr_imm(struct x86_buf *b, uint32_t value)
{
	x86_byte(b, 0xc7); /* mov dword [rsp - 8], imm32 */
	sse_redzone(b, 0);
	x86_u32(b, value);
	x86_byte(b, 0x0f); /* ldmxcsr [rsp - 8]: 0F AE /2 */
	x86_byte(b, 0xae);
	sse_redzone(b, 2);
}

void sse_stmxcsr_test(struct x86_buf *b, uint8_t mask)
{
	x86_byte(b, 0x0f); /* stmxcsr [rsp - 8]: 0F AE /3 */
	x86_byte(b, 0xae);
	sse_redzone(b, 3);
	x86_byte(b, 0xf6); /* test byte [rsp - 8], imm8: F6 /0 */
	sse_redzone(b, 0);
	x86_byte(b, mask);
}

void sse_or_byte(struct x86_buf *b, enum x86_reg base, int32_t disp, uint8_t imm)
{
	if (base & 8)
		x86_byte(b, 0x41);
	x86_byte(b, 0x80); /* 80 /1 ib */
	sse_mem(b, 1, base, disp);
	x86_byte(b, imm);
}

void sse_ucomisd_mem(struct x86_buf *b, unsigned x, enum x86_reg base, int32_t disp)
{
	x86_byte(b, 0x66);
	if ((x & 8) || (base & 8))
		x86_byte(b, (uint8_t)(0x40 | ((x & 8) ? 4 : 0) | ((base & 8) ? 1 : 0)));
	x86_byte(b, 0x0f);
	x86_byte(b, 0x2e);
	sse_mem(b, x, base, disp);
}

void sse_cvtsi2sd_r(struct x86_buf *b, unsigned x, enum x86_reg src)
{
	x86_byte(b, 0xf2);
	x86_byte(b, (uint8_t)(0x48 | ((x & 8) ? 4 : 0) | ((src & 8) ? 1 : 0)));
	x86_byte(b, 0x0f);
	x86_byte(b, 0x2a);
	x86_byte(b, (uint8_t)(0xc0 | ((x & 7) << 3) | (src & 7)));
}

void sse_cvttsd2si_mem(struct x86_buf *b, bool w64, enum x86_reg dst, enum x86_reg base,
		       int32_t disp)
{
	x86_byte(b, 0xf2);
	if (w64 || (dst & 8) || (base & 8))
		x86_byte(b, (uint8_t)(0x40 | (w64 ? 8 : 0) | ((dst & 8) ? 4 : 0) |
				      ((base & 8) ? 1 : 0)));
	x86_byte(b, 0x0f);
	x86_byte(b, 0x2c);
	sse_mem(b, dst, base, disp);
}
