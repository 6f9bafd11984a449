/* SPDX-License-Identifier: MIT */
/*
 * The smallest useful guest, for the VM lifecycle figure: boots, reports
 * PASS and powers off through the test finisher.
 */
#include "bench.h"

GUEST_PROGRAM("bench_tiny");

int main(unsigned long hartid, unsigned long dtb)
{
	return 0;
}
