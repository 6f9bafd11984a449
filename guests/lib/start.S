/* SPDX-License-Identifier: MIT */
/*
 * Guest entry. The loader (OpenSBI on QEMU, our virt board) starts the boot
 * hart here in S-mode with a0 = hart id, a1 = device tree; harts started
 * with SBI HSM hart_start enter at _ap_start with a0 = hart id, a1 = opaque.
 *
 * Each hart owns a 32 KiB slot in .stacks: the lower half is its trap stack
 * (its top lives in sscratch, see trap.S), the upper half its boot stack.
 */
#include "asm.h"

	.section .text.start, "ax"
	.globl _start
_start:
	csrw	sie, zero
	la	t0, early_trap
	csrw	stvec, t0
	li	t0, GUEST_MAX_HARTS
	bgeu	a0, t0, park
	call	setup_stacks

	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	call	guest_boot
	/* guest_boot never returns; if it does, fall into park. */
park:
	wfi
	j	park

	.globl _ap_start
_ap_start:
	csrw	sie, zero
	la	t0, early_trap
	csrw	stvec, t0
	li	t0, GUEST_MAX_HARTS
	bgeu	a0, t0, park
	call	setup_stacks
	call	guest_ap_boot
	j	park

/* a0 = hart id; sets sscratch (trap stack top) and sp (boot stack top). */
setup_stacks:
	la	t0, __stacks_start
	slli	t1, a0, 15
	add	t0, t0, t1
	li	t2, 16384
	add	t0, t0, t2
	csrw	sscratch, t0
	add	sp, t0, t2
	ret

/* A trap before the C trap handler is installed: report failure code 0xee. */
	.align	2
early_trap:
	li	t0, FINISHER_BASE
	li	t1, (0xee << 16) | 0x3333
	sw	t1, 0(t0)
	j	park
