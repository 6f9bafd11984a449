/* SPDX-License-Identifier: MIT */
/*
 * Zicsr instructions inside translated blocks (jit.c): the CSRs whose
 * access has no effect a block could miss, through one direct call, so that
 * Linux's interrupt masking (csrrc/csrs sstatus.SIE, ~380,000 per Debian
 * boot), its trap entry (sscratch, sepc, scause, stval) and its clock reads
 * (time) no longer end the block and the batch.
 */
#ifndef AXVM_ARCH_RISCV64_JIT_CSR_H
#define AXVM_ARCH_RISCV64_JIT_CSR_H

#include <stdbool.h>
#include <stdint.h>

struct rv_hart;

/* What rv_jit_csr_run did. */
enum rv_jit_csr {
	RV_JIT_CSR_DONE = 0,  /* retired: the block goes on */
	RV_JIT_CSR_SLOW = 1,  /* nothing changed: the interpreter runs it (and raises) */
	RV_JIT_CSR_LEAVE = 2, /* retired, but an interrupt may be taken now: leave the batch */
};

/*
 * Translate time: whether a block may hold this 32-bit instruction as a call
 * of rv_jit_csr_run (a Zicsr row on a CSR of the list in jit_csr.c). Every
 * other CSR access ends the block before it, as before.
 */
bool rv_jit_csr_can(uint32_t insn);

/*
 * Run time, with every earlier instruction of the block retired and the
 * guest registers in h->x: run insn as interp.c's interp_csr would, and say
 * how the block goes on (enum rv_jit_csr). RV_JIT_CSR_LEAVE sets
 * h->recheck, which ends exec.c's batch after the block.
 */
int rv_jit_csr_run(struct rv_hart *h, uint32_t insn);

/* Whether insn may write sstatus (a block forgets what it knew of FS after it). */
bool rv_jit_csr_writes_sstatus(uint32_t insn);

#endif
