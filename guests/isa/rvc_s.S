/* SPDX-License-Identifier: MIT */
/*
 * Code placed across page boundaries for isa_rvc (both pages mapped, Bare):
 *   rvc_page_tail: c.li at the end-4, c.addi in the page's last two bytes,
 *                  c.jr ra on the next page; returns 6.
 *   rvc_straddle:  a 4-byte addi whose halves sit on two pages; returns 7.
 */
	.section .text.pagecross, "ax"
	.option push
	.option rvc
	.balign	4096
	.skip	4096 - 4
	.globl	rvc_page_tail
rvc_page_tail:
	c.li	a0, 5
	c.addi	a0, 1
	/* page boundary */
	c.jr	ra
	.skip	4096 - 2 - 2
	.globl	rvc_straddle
rvc_straddle:
	.option norvc
	addi	a0, zero, 7
	.option rvc
	c.jr	ra
	.option pop
