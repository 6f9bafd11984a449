/* SPDX-License-Identifier: MIT */
/*
 * fp_exec(struct fp_io *io): run one FP instruction placed in a code buffer.
 *   io+0  a  -> f1 and a1 (x11)     io+8  b -> f2     io+16 c -> f3
 *   io+24 fcsr before               io+32 code (the instruction, then ret)
 *   io+40 f4 after  io+48 a2 (x12) after  io+56 fcsr after
 * f4 and a2 start at 0: the instruction writes f4 or x12.
 */
	.text
	.globl	fp_exec
	.align	2
fp_exec:
	addi	sp, sp, -16
	sd	ra, 0(sp)
	sd	a0, 8(sp)
	ld	t0, 0(a0)
	fmv.d.x	f1, t0
	mv	a1, t0
	ld	t0, 8(a0)
	fmv.d.x	f2, t0
	ld	t0, 16(a0)
	fmv.d.x	f3, t0
	fmv.d.x	f4, zero
	li	a2, 0
	ld	t1, 32(a0)
	ld	t0, 24(a0)
	fscsr	t0
	jalr	ra, 0(t1)
	frcsr	t0
	ld	a0, 8(sp)
	sd	t0, 56(a0)
	fmv.x.d	t0, f4
	sd	t0, 40(a0)
	sd	a2, 48(a0)
	ld	ra, 0(sp)
	addi	sp, sp, 16
	ret
