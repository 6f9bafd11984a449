/* SPDX-License-Identifier: MIT */
/*
 * The trap-heavy loop: U-mode code that makes `a0` ecalls (a7 = 1) and then
 * exits with a7 = 93 and a0 = the handler's sum, and a syscall-sized S-mode handler for it.
 *
 * bench_trap_entry is installed in stvec for the timed section. For an
 * ecall from U with a7 != 93 it saves two registers on the trap stack
 * (sscratch), adds a1 into a2 (the "system call"), steps sepc past the
 * ecall and srets; anything else (the exit ecall, a fault) goes on to the
 * guest library's trap_entry with every register as it was.
 */
#include "asm.h"

	.text
	.align	2
	.globl	bench_trap_user
bench_trap_user:
	.option push
	.option norvc
	li	a1, 3			/* added into a2 per call: a2 ends at 3 * n */
	li	a2, 0
1:	li	a7, 1
	ecall
	addi	a0, a0, -1
	bnez	a0, 1b
	mv	a0, a2
	li	a7, 93
	ecall
	.option pop
2:	j	2b

	.align	2
	.globl	bench_trap_entry
bench_trap_entry:
	csrrw	sp, sscratch, sp
	addi	sp, sp, -16
	sd	t0, 0(sp)
	sd	t1, 8(sp)
	csrr	t0, scause
	li	t1, 8			/* ecall from U */
	bne	t0, t1, 3f
	li	t1, 93
	beq	a7, t1, 3f
	add	a2, a2, a1
	csrr	t0, sepc
	addi	t0, t0, 4
	csrw	sepc, t0
	ld	t0, 0(sp)
	ld	t1, 8(sp)
	addi	sp, sp, 16
	csrrw	sp, sscratch, sp
	sret
3:	ld	t0, 0(sp)
	ld	t1, 8(sp)
	addi	sp, sp, 16
	csrrw	sp, sscratch, sp
	j	trap_entry
