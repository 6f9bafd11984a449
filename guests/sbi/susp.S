/* SPDX-License-Identifier: MIT */
/*
 * SBI SUSP from a guest: long susp_to_ram(struct susp_ctx *ctx) saves what
 * the resumed hart needs (callee-saved registers, sp, ra, gp, tp and the
 * S-mode CSRs the spec lets the firmware lose) and calls system_suspend with
 * resume address susp_resume and opaque = ctx. A return from the ecall is an
 * error (a0). After the wake-up the hart enters susp_resume in S-mode with
 * satp = 0, a0 = hart id, a1 = opaque: it records a0 and a1 in the context,
 * restores everything and returns 0 from susp_to_ram.
 *
 * struct susp_ctx (guests/sbi/ext.c): 0 ra, 8 sp, 16 gp, 24 tp, 32..120 s0-s11,
 * 128 stvec, 136 sscratch, 144 sie, 152 sstatus, 160 resumed a0, 168 resumed a1.
 */
	.text
	.globl	susp_to_ram
susp_to_ram:
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	gp, 16(a0)
	sd	tp, 24(a0)
	sd	s0, 32(a0)
	sd	s1, 40(a0)
	sd	s2, 48(a0)
	sd	s3, 56(a0)
	sd	s4, 64(a0)
	sd	s5, 72(a0)
	sd	s6, 80(a0)
	sd	s7, 88(a0)
	sd	s8, 96(a0)
	sd	s9, 104(a0)
	sd	s10, 112(a0)
	sd	s11, 120(a0)
	csrr	t0, stvec
	sd	t0, 128(a0)
	csrr	t0, sscratch
	sd	t0, 136(a0)
	csrr	t0, sie
	sd	t0, 144(a0)
	csrr	t0, sstatus
	sd	t0, 152(a0)
	mv	a2, a0			/* opaque = ctx */
	li	a0, 0			/* SUSPEND_TO_RAM */
	la	a1, susp_resume
	li	a6, 0
	li	a7, 0x53555350		/* "SUSP" */
	ecall
	ret				/* only on error: a0 = the SBI error */

	.align	2
susp_resume:
	sd	a0, 160(a1)
	sd	a1, 168(a1)
	ld	ra, 0(a1)
	ld	sp, 8(a1)
	ld	gp, 16(a1)
	ld	tp, 24(a1)
	ld	s0, 32(a1)
	ld	s1, 40(a1)
	ld	s2, 48(a1)
	ld	s3, 56(a1)
	ld	s4, 64(a1)
	ld	s5, 72(a1)
	ld	s6, 80(a1)
	ld	s7, 88(a1)
	ld	s8, 96(a1)
	ld	s9, 104(a1)
	ld	s10, 112(a1)
	ld	s11, 120(a1)
	ld	t0, 128(a1)
	csrw	stvec, t0
	ld	t0, 136(a1)
	csrw	sscratch, t0
	ld	t0, 144(a1)
	csrw	sie, t0
	ld	t0, 152(a1)
	csrw	sstatus, t0
	li	a0, 0
	ret
