/* SPDX-License-Identifier: MIT */
/*
 * Differential-test runtime: enters a generated program (diff_prog) with
 * every register set from the program's init tables, takes its traps
 * (record scause/stval/sepc in the log, skip the instruction), and dumps
 * the whole register state through C (diff_dump) whenever the program asks.
 * See diff.h for the area layout and the tp/gp conventions.
 */
#include "diff.h"

	.option	norvc
	.text
	.globl	diff_body
diff_body:
	la	t0, diff_host_save
	sd	ra, 0(t0)
	sd	sp, 8(t0)
	sd	gp, 16(t0)
	sd	tp, 24(t0)
	sd	s0, 32(t0)
	sd	s1, 40(t0)
	sd	s2, 48(t0)
	sd	s3, 56(t0)
	sd	s4, 64(t0)
	sd	s5, 72(t0)
	sd	s6, 80(t0)
	sd	s7, 88(t0)
	sd	s8, 96(t0)
	sd	s9, 104(t0)
	sd	s10, 112(t0)
	sd	s11, 120(t0)
	csrr	t1, stvec
	sd	t1, 128(t0)
	csrr	t1, sscratch
	sd	t1, 136(t0)
	la	t1, diff_trap
	csrw	stvec, t1
	la	tp, diff_area + 2048
	sd	sp, D_CSP(tp)
	la	gp, diff_log
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld	f\n, D_FINIT + 8 * \n(tp)
	.endr
	fscsr	zero
	.irp n, 1,2,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, D_XINIT + 8 * \n(tp)
	.endr
	j	diff_prog

	.globl	diff_prog_end
diff_prog_end:
	csrw	satp, zero
	sfence.vma
	la	t0, diff_host_save
	ld	t1, 128(t0)
	csrw	stvec, t1
	ld	t1, 136(t0)
	csrw	sscratch, t1
	ld	ra, 0(t0)
	ld	sp, 8(t0)
	ld	gp, 16(t0)
	ld	tp, 24(t0)
	ld	s0, 32(t0)
	ld	s1, 40(t0)
	ld	s2, 48(t0)
	ld	s3, 56(t0)
	ld	s4, 64(t0)
	ld	s5, 72(t0)
	ld	s6, 80(t0)
	ld	s7, 88(t0)
	ld	s8, 96(t0)
	ld	s9, 104(t0)
	ld	s10, 112(t0)
	ld	s11, 120(t0)
	ret

/*
 * Called as `sd ra, D_SAVEX+8(tp); call diff_dump_asm; ld ra, D_SAVEX+8(tp)`
 * so that every register the program sees is preserved; the C printer runs on
 * the host program's stack. C code here is rv64imac: it never touches f
 * registers or fcsr.
 */
	.globl	diff_dump_asm
diff_dump_asm:
	sd	ra, D_RET(tp)
	.irp n, 2,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, D_SAVEX + 8 * \n(tp)
	.endr
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\n, D_SAVEF + 8 * \n(tp)
	.endr
	frcsr	t0
	sd	t0, D_FCSR(tp)
	ld	sp, D_CSP(tp)
	mv	a0, tp
	call	diff_dump
	la	gp, diff_log
	.irp n, 2,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, D_SAVEX + 8 * \n(tp)
	.endr
	sd	gp, D_SAVEX + 8 * 3(tp)
	ld	ra, D_RET(tp)
	ret

/*
 * Every trap of the program: append (mark, scause, stval, sepc) to the log
 * and resume after the trapping instruction (2 or 4 bytes, from its low
 * bits), in the mode it came from, except that an ecall from U-mode returns
 * to S-mode (how a generated program leaves U-mode) and that an instruction
 * access or page fault resumes at ra (the program got there with jalr ra).
 * An interrupt (only the `irq` class enables one: SSIP) is logged, SSIP is
 * cleared, and the program resumes at sepc.
 */
	.align	2
diff_trap:
	sd	t0, D_T0(tp)
	sd	t1, D_T1(tp)
	li	t0, D_TRAP_MARK
	sd	t0, 0(gp)
	csrr	t0, scause
	sd	t0, 8(gp)
	csrr	t1, stval
	sd	t1, 16(gp)
	csrr	t1, sepc
	sd	t1, 24(gp)
	addi	gp, gp, 32
	bltz	t0, 2f
	/* instruction access / page fault: resume at ra (the program jumped there with jalr ra) */
	addi	t0, t0, -1
	beqz	t0, 4f
	addi	t0, t0, -11
	beqz	t0, 4f
	csrr	t0, scause
	addi	t0, t0, -8
	bnez	t0, 3f
	/* ecall from U-mode: resume in S-mode after it */
	li	t0, 0x100
	csrs	sstatus, t0
	/*
	 * the instruction's length, read with SUM set: it may sit in a U page
	 * (the `vmu` class), and sstatus is restored exactly afterwards
	 */
3:	sd	t2, D_T2(tp)
	li	t2, 1 << 18
	csrrs	t2, sstatus, t2
	lhu	t0, 0(t1)
	csrw	sstatus, t2
	ld	t2, D_T2(tp)
	andi	t0, t0, 3
	addi	t1, t1, 2
	xori	t0, t0, 3
	bnez	t0, 1f
	addi	t1, t1, 2
1:	csrw	sepc, t1
	j	5f
	/* an interrupt: only SSIP is ever made pending (the `irq` class); clear it */
2:	li	t0, 2
	csrc	sip, t0
5:	ld	t0, D_T0(tp)
	ld	t1, D_T1(tp)
	sret
4:	csrw	sepc, ra
	ld	t0, D_T0(tp)
	ld	t1, D_T1(tp)
	sret

	.bss
	.align	3
diff_host_save:
	.space	144

	/* at a fixed address (see DIFF_SECTIONS in diff.h): gp is printed */
	.section .difflog, "aw", @nobits
	.globl	diff_log
	.align	12
diff_log:
	.space	8 * D_LOG_WORDS

	/*
	 * pages 0-7: page tables and target pages of the `vm` class, pages 8-11:
	 * code written by the `smc` class (tests/diff/gen.py)
	 */
	.section .diffpt, "aw", @nobits
	.align	12
	.globl	diff_pt
diff_pt:
	.space	12 * 4096
