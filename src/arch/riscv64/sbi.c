/* SPDX-License-Identifier: MIT */
/*
 * Placeholder SBI: every ecall from S-mode leaves run() as a Hypercall exit
 * (nr = a7, args = a0..a5). The SBI engineer replaces this file.
 */
#include "arch/riscv64/sbi.h"

#include <string.h>

#include "arch/riscv64/hart.h"

int rv_sbi_ecall(struct rv_hart *h, struct axvm_exit *exit)
{
	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_HYPERCALL;
	exit->hypercall.nr = h->x[17];
	for (int i = 0; i < 6; i++)
		exit->hypercall.args[i] = h->x[10 + i];
	return 0;
}
