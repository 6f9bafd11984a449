/* SPDX-License-Identifier: MIT */
/*
 * Code that patches itself, for isa_code. Three pages of .text (writable in
 * Bare mode, as all RAM is), laid out so the patched instruction sits where
 * a per-page decode cache could hold a stale copy:
 *
 *   page 0 +0x000  code_patch_near(insn): store insn over code_near (the
 *                  instruction right after the fence.i), fence.i, fall
 *                  through into it; returns its a0.
 *   page 0 +0x...  code_patch_far(insn): the same for code_far, 3.75 KiB
 *                  further down the same page, reached with a jump.
 *   page 0 +0xff0  code_patch_next_page(insn): patches code_next, the first
 *                  instruction of page 1, then falls through the page
 *                  boundary into it.
 *   page 1 +0xffe  code_straddle: a 4-byte OP-IMM a0, a0, imm whose low half
 *                  is the last two bytes of page 1 and whose high half
 *                  (rs1[4:1], imm) is the first two bytes of page 2, then
 *                  ret. The C side patches each half on its own.
 *
 * Each patched instruction must be a 32-bit `addi a0, zero, imm` and starts
 * as `li a0, 0`. No compressed instructions here (the offsets are exact).
 */
	.section .text.code_pages, "ax"
	.option push
	.option norvc
	/* no linker relaxation either: it could shorten lla and move the labels */
	.option norelax
	.balign	4096
code_pages:
	.globl	code_patch_near
code_patch_near:
	lla	t0, code_near
	sw	a0, 0(t0)
	fence.i
code_near:
	addi	a0, zero, 0
	ret

	.globl	code_patch_far
code_patch_far:
	lla	t0, code_far
	sw	a0, 0(t0)
	fence.i
	j	code_far

	.org	0xf00
code_far:
	addi	a0, zero, 0
	ret

	/* lla (8) + sw (4) + fence.i (4) end exactly at the page boundary */
	.org	0x1000 - 16
	.globl	code_patch_next_page
code_patch_next_page:
	lla	t0, code_next
	sw	a0, 0(t0)
	fence.i
	.org	0x1000
	.globl	code_next
code_next:
	addi	a0, zero, 0
	ret

	.org	0x2000 - 2
	.globl	code_straddle
code_straddle:
	addi	a0, a0, 1
	ret
	.org	0x3000
	.option pop
