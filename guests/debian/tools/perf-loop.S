/*
 * axvm-perfloop: a Linux riscv64 program (no libc) whose user-mode
 * instruction count is known: 2 * PERF_LOOP_N in its loop plus 6 around it
 * (li = lui + addiw, li a0, li a7, ecall). tests/integration/perf.sh builds
 * it with -DPERF_LOOP_N=N and compares perf's counts with that.
 */
	.text
	.globl _start
_start:
	li	t0, PERF_LOOP_N
1:	addi	t0, t0, -1
	bnez	t0, 1b
	li	a0, 0
	li	a7, 93		/* exit */
	ecall
