/* SPDX-License-Identifier: MIT */
/*
 * An idle VM for the memory figure: prints one line, then waits in wfi
 * with every interrupt disabled until the host ends the VMM.
 */
#include "bench.h"

GUEST_PROGRAM("bench_idle");

int main(unsigned long hartid, unsigned long dtb)
{
	csr_write(sie, 0);
	printf("bench_idle: waiting in wfi\n");
	halt_forever();
}
