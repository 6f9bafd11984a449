/* SPDX-License-Identifier: MIT */
/*
 * SBI 3.0 from a guest, the parts C cannot write (guests/sbi/v3.c):
 *
 * sse_handler: the SSE entry point. It may touch only a6 and a7 (complete
 * gives those two back; every other register is the interrupted code's):
 * a6 = hart id, a7 = ENTRY_ARG = struct sse_rec *, which it fills in (0 hart
 * id, 8 count, 16 sepc, 24 sstatus as it found them) before calling
 * complete, which never returns here.
 *
 * long sse_selfcheck(long hartid, unsigned long out[32]): sets every
 * register it may (a2-a5, s0-s11, t0-t6) to 0x5a5a0000 + n, injects the
 * local software event on this hart (a0 = event, a1 = hartid, a6 = 7,
 * a7 = SSE) and, once the ecall and the event handler are done, stores x5..x31
 * into out[5..31] for the C side to compare; returns 0. sse_after_ecall is
 * the address the event interrupts.
 *
 * sse_pmu_handler: the PMU-overflow event's entry, touching only a6 and
 * a7 (a7 = ENTRY_ARG = struct sse_pmu_rec *: 0 count, 8 sepc, 16 scountovf
 * as it found them), then complete: the interrupted code, stopped anywhere,
 * resumes with every register as it was.
 *
 * dbtr_exec_target: returns 42 (its first instruction is a nop, what an
 * execute trigger on it makes the trap recorder skip).
 */
	.text
	.globl	sse_handler
	.balign	4
sse_handler:
	sd	a6, 0(a7)
	ld	a6, 8(a7)
	addi	a6, a6, 1
	sd	a6, 8(a7)
	csrr	a6, sepc
	sd	a6, 16(a7)
	csrr	a6, sstatus
	sd	a6, 24(a7)
	sd	a0, 32(a7)
	sd	a1, 40(a7)
	li	a0, 0x5a5a000a
	li	a1, 0x5a5a000b
	li	a7, 0x535345
	li	a6, 6
	ecall
1:	j	1b

	.globl	sse_pmu_handler
	.balign	4
sse_pmu_handler:
	ld	a6, 0(a7)
	addi	a6, a6, 1
	sd	a6, 0(a7)
	csrr	a6, sepc
	sd	a6, 8(a7)
	csrr	a6, 0xda0
	sd	a6, 16(a7)
	li	a7, 0x535345
	li	a6, 6
	ecall
1:	j	1b

.macro PAT reg, n
	li	\reg, 0x5a5a0000 + \n
.endm

	.globl	sse_selfcheck
	.globl	sse_after_ecall
sse_selfcheck:
	addi	sp, sp, -128
	sd	ra, 0(sp)
	sd	a1, 8(sp)
	sd	s0, 16(sp)
	sd	s1, 24(sp)
	sd	s2, 32(sp)
	sd	s3, 40(sp)
	sd	s4, 48(sp)
	sd	s5, 56(sp)
	sd	s6, 64(sp)
	sd	s7, 72(sp)
	sd	s8, 80(sp)
	sd	s9, 88(sp)
	sd	s10, 96(sp)
	sd	s11, 104(sp)
	sd	tp, 112(sp)
	mv	a1, a0
	li	a0, 0xffff0000
	li	a6, 7
	li	a7, 0x535345
	PAT	t0, 5
	PAT	t1, 6
	PAT	t2, 7
	PAT	s0, 8
	PAT	s1, 9
	PAT	a2, 12
	PAT	a3, 13
	PAT	a4, 14
	PAT	a5, 15
	PAT	s2, 18
	PAT	s3, 19
	PAT	s4, 20
	PAT	s5, 21
	PAT	s6, 22
	PAT	s7, 23
	PAT	s8, 24
	PAT	s9, 25
	PAT	s10, 26
	PAT	s11, 27
	PAT	t3, 28
	PAT	t4, 29
	PAT	t5, 30
	PAT	t6, 31
	ecall
sse_after_ecall:
	ld	tp, 8(sp)
	sd	t0, 40(tp)
	sd	t1, 48(tp)
	sd	t2, 56(tp)
	sd	s0, 64(tp)
	sd	s1, 72(tp)
	sd	a0, 80(tp)
	sd	a1, 88(tp)
	sd	a2, 96(tp)
	sd	a3, 104(tp)
	sd	a4, 112(tp)
	sd	a5, 120(tp)
	sd	a6, 128(tp)
	sd	a7, 136(tp)
	sd	s2, 144(tp)
	sd	s3, 152(tp)
	sd	s4, 160(tp)
	sd	s5, 168(tp)
	sd	s6, 176(tp)
	sd	s7, 184(tp)
	sd	s8, 192(tp)
	sd	s9, 200(tp)
	sd	s10, 208(tp)
	sd	s11, 216(tp)
	sd	t3, 224(tp)
	sd	t4, 232(tp)
	sd	t5, 240(tp)
	sd	t6, 248(tp)
	ld	ra, 0(sp)
	ld	s0, 16(sp)
	ld	s1, 24(sp)
	ld	s2, 32(sp)
	ld	s3, 40(sp)
	ld	s4, 48(sp)
	ld	s5, 56(sp)
	ld	s6, 64(sp)
	ld	s7, 72(sp)
	ld	s8, 80(sp)
	ld	s9, 88(sp)
	ld	s10, 96(sp)
	ld	s11, 104(sp)
	ld	tp, 112(sp)
	addi	sp, sp, 128
	li	a0, 0
	ret

	.globl	dbtr_exec_target
	.balign	4
dbtr_exec_target:
	nop
	li	a0, 42
	ret
