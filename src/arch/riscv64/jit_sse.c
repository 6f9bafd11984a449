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
	x86_byte(b, 0xf2);
	if ((x & 8) || (base & 8))
		x86_byte(b, (uint8_t)(0x40 | ((x & 8) ? 4 : 0) | ((base & 8) ? 1 : 0)));
	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)op);
	sse_mem(b, x, base, disp);
}

void sse_fma_mem(struct x86_buf *b, enum sse_fma op, unsigned x, unsigned y, enum x86_reg base,
		 int32_t disp)
{
	x86_byte(b, 0xc4);
	/* ~R ~X ~B, map 00010 (0F38) */
	x86_byte(b, (uint8_t)(((x & 8) ? 0 : 0x80) | 0x40 | ((base & 8) ? 0 : 0x20) | 0x02));
	/* W1, ~vvvv = y, L0, pp 01 (66) */
	x86_byte(b, (uint8_t)(0x80 | ((~y & 15) << 3) | 0x01));
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
