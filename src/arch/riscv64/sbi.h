/* SPDX-License-Identifier: MIT */
/*
 * The SBI served by the VMM (placeholder: every ecall becomes a Hypercall exit).
 */
#ifndef AXVM_ARCH_RISCV64_SBI_H
#define AXVM_ARCH_RISCV64_SBI_H

#include "axvm/exit.h"

struct rv_hart;

/*
 * Called by the hart on every ecall from S-mode, with pc already past the
 * ecall. Returns > 0: handled, resume the guest (a0/a1 set by the handler);
 * 0: return *exit from run(); < 0: a negative AXVM_E* error.
 */
int rv_sbi_ecall(struct rv_hart *h, struct axvm_exit *exit);

#endif
