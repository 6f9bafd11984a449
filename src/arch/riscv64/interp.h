/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the interpreter (interp.c) and the A extension (amo.c).
 */
#ifndef AXVM_ARCH_RISCV64_INTERP_H
#define AXVM_ARCH_RISCV64_INTERP_H

#include "arch/riscv64/hart.h"

enum rv_mem {
	RV_MEM_OK,   /* host pointers valid */
	RV_MEM_MMIO, /* the access is emulated: span.gpa */
	RV_MEM_TRAP, /* an exception was delivered to the guest */
	RV_MEM_EXIT, /* the exit is filled (nested page fault) */
};

/* Host bytes of one guest access: p[0] for n0 bytes, then p[1] (page crossing). */
struct rv_span {
	uint8_t *p[2];
	unsigned n0;
	axvm_gpa_t gpa;
};

enum rv_mem rv_interp_mem(struct rv_hart *h, uint64_t va, unsigned len, enum rv_acc acc,
			  struct rv_span *sp, struct axvm_exit *exit);

/* Execute an instruction with major opcode AMO (LR/SC/AMO*). Returns RV_STEP_*. */
int rv_amo_exec(struct rv_hart *h, uint32_t insn, struct axvm_exit *exit);

#endif
