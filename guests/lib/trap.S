/* SPDX-License-Identifier: MIT */
/*
 * Trap entry. sscratch always holds this hart's trap-stack top, so traps from
 * S- and U-mode both land on a known stack: swap sp with sscratch, build a
 * struct trap_frame, call trap_dispatch(frame), restore (sepc and sstatus
 * from the frame, so a handler can redirect the return) and sret.
 * Traps taken inside a handler are not supported.
 *
 * trap_entry is the direct-mode entry (frame->vec = -1). trap_vectors is the
 * vectored-mode table: slot N records N in frame->vec, so a test can check
 * that an interrupt with cause N arrived at BASE + 4 * N.
 */
#include "asm.h"

.macro SAVE_AND_DISPATCH
	sd	ra, TF_X(1)(sp)
	sd	gp, TF_X(3)(sp)
	sd	tp, TF_X(4)(sp)
	sd	t1, TF_X(6)(sp)
	sd	t2, TF_X(7)(sp)
	sd	s0, TF_X(8)(sp)
	sd	s1, TF_X(9)(sp)
	sd	a0, TF_X(10)(sp)
	sd	a1, TF_X(11)(sp)
	sd	a2, TF_X(12)(sp)
	sd	a3, TF_X(13)(sp)
	sd	a4, TF_X(14)(sp)
	sd	a5, TF_X(15)(sp)
	sd	a6, TF_X(16)(sp)
	sd	a7, TF_X(17)(sp)
	sd	s2, TF_X(18)(sp)
	sd	s3, TF_X(19)(sp)
	sd	s4, TF_X(20)(sp)
	sd	s5, TF_X(21)(sp)
	sd	s6, TF_X(22)(sp)
	sd	s7, TF_X(23)(sp)
	sd	s8, TF_X(24)(sp)
	sd	s9, TF_X(25)(sp)
	sd	s10, TF_X(26)(sp)
	sd	s11, TF_X(27)(sp)
	sd	t3, TF_X(28)(sp)
	sd	t4, TF_X(29)(sp)
	sd	t5, TF_X(30)(sp)
	sd	t6, TF_X(31)(sp)
	csrr	t0, sscratch
	sd	t0, TF_X(2)(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	mv	a0, sp
	call	trap_dispatch
	j	trap_return
.endm

	.text
	.align	2
	.globl	trap_entry
trap_entry:
	csrrw	sp, sscratch, sp
	addi	sp, sp, -TF_SIZE
	sd	t0, TF_X(5)(sp)
	li	t0, -1
	sd	t0, TF_VEC(sp)
	SAVE_AND_DISPATCH

trap_return:
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	addi	t0, sp, TF_SIZE
	csrw	sscratch, t0
	ld	ra, TF_X(1)(sp)
	ld	gp, TF_X(3)(sp)
	ld	tp, TF_X(4)(sp)
	ld	t0, TF_X(5)(sp)
	ld	t1, TF_X(6)(sp)
	ld	t2, TF_X(7)(sp)
	ld	s0, TF_X(8)(sp)
	ld	s1, TF_X(9)(sp)
	ld	a0, TF_X(10)(sp)
	ld	a1, TF_X(11)(sp)
	ld	a2, TF_X(12)(sp)
	ld	a3, TF_X(13)(sp)
	ld	a4, TF_X(14)(sp)
	ld	a5, TF_X(15)(sp)
	ld	a6, TF_X(16)(sp)
	ld	a7, TF_X(17)(sp)
	ld	s2, TF_X(18)(sp)
	ld	s3, TF_X(19)(sp)
	ld	s4, TF_X(20)(sp)
	ld	s5, TF_X(21)(sp)
	ld	s6, TF_X(22)(sp)
	ld	s7, TF_X(23)(sp)
	ld	s8, TF_X(24)(sp)
	ld	s9, TF_X(25)(sp)
	ld	s10, TF_X(26)(sp)
	ld	s11, TF_X(27)(sp)
	ld	t3, TF_X(28)(sp)
	ld	t4, TF_X(29)(sp)
	ld	t5, TF_X(30)(sp)
	ld	t6, TF_X(31)(sp)
	ld	sp, TF_X(2)(sp)
	sret

.macro VEC_STUB n
vec_stub_\n:
	csrrw	sp, sscratch, sp
	addi	sp, sp, -TF_SIZE
	sd	t0, TF_X(5)(sp)
	li	t0, \n
	sd	t0, TF_VEC(sp)
	SAVE_AND_DISPATCH
.endm

	.align	8
	.globl	trap_vectors
trap_vectors:
	.option push
	.option norvc
	j	trap_entry
	j	vec_stub_1
	j	vec_stub_2
	j	vec_stub_3
	j	vec_stub_4
	j	vec_stub_5
	j	vec_stub_6
	j	vec_stub_7
	j	vec_stub_8
	j	vec_stub_9
	j	vec_stub_10
	j	vec_stub_11
	j	vec_stub_12
	j	vec_stub_13
	j	vec_stub_14
	j	vec_stub_15
	.option pop

	VEC_STUB 1
	VEC_STUB 2
	VEC_STUB 3
	VEC_STUB 4
	VEC_STUB 5
	VEC_STUB 6
	VEC_STUB 7
	VEC_STUB 8
	VEC_STUB 9
	VEC_STUB 10
	VEC_STUB 11
	VEC_STUB 12
	VEC_STUB 13
	VEC_STUB 14
	VEC_STUB 15

/*
 * long user_enter(void (*fn)(long), unsigned long user_sp, long arg):
 * run fn(arg) in U-mode on user_sp. It comes back here (user_resume) when
 * the trap handler ends the U-mode run (ecall with a7 = 93, or a fault) and
 * returns the value the handler chose. One U-mode run at a time per image.
 */
	.globl	user_enter
user_enter:
	addi	sp, sp, -112
	sd	ra, 0(sp)
	sd	s0, 8(sp)
	sd	s1, 16(sp)
	sd	s2, 24(sp)
	sd	s3, 32(sp)
	sd	s4, 40(sp)
	sd	s5, 48(sp)
	sd	s6, 56(sp)
	sd	s7, 64(sp)
	sd	s8, 72(sp)
	sd	s9, 80(sp)
	sd	s10, 88(sp)
	sd	s11, 96(sp)
	la	t0, user_saved_sp
	sd	sp, 0(t0)
	csrw	sepc, a0
	li	t0, (1 << 8)		/* SPP = U */
	csrc	sstatus, t0
	mv	sp, a1
	mv	a0, a2
	sret

	.globl	user_resume
user_resume:
	la	t0, user_saved_sp
	ld	sp, 0(t0)
	ld	ra, 0(sp)
	ld	s0, 8(sp)
	ld	s1, 16(sp)
	ld	s2, 24(sp)
	ld	s3, 32(sp)
	ld	s4, 40(sp)
	ld	s5, 48(sp)
	ld	s6, 56(sp)
	ld	s7, 64(sp)
	ld	s8, 72(sp)
	ld	s9, 80(sp)
	ld	s10, 88(sp)
	ld	s11, 96(sp)
	addi	sp, sp, 112
	ret

	.bss
	.align	3
user_saved_sp:
	.space	8
