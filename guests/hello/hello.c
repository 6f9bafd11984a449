/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal greeting (`make run-hello`): greets through the SBI console, runs a
 * short self-check of arithmetic, memory and trap handling, prints the
 * result and powers off with SBI SRST. A failed self-check ends through the
 * test finisher with the number of failed checks, so the VMM's exit status
 * is nonzero.
 */
#include "guest.h"

GUEST_PROGRAM("hello");

static volatile u64 scratch[16];

static int check_arith(void)
{
	volatile s64 a = -7, b = 2;
	volatile u64 big = 0xffffffffffffffffull;

	return a / b == -3 && a % b == -1 && a * b == -14 && big + 1 == 0 &&
	       (u64)(a >> 1) == 0xfffffffffffffffcull;
}

static int check_memory(void)
{
	for (unsigned i = 0; i < 16; i++)
		scratch[i] = 0x0101010101010101ull * i;
	for (unsigned i = 0; i < 16; i++)
		if (scratch[i] != 0x0101010101010101ull * i)
			return 0;
	return *(volatile u8 *)((uintptr_t)&scratch[3] + 5) == 3;
}

static int check_trap(void)
{
	int ok;

	trap_expect();
	__asm__ volatile("ebreak");
	ok = last_trap.count == 1 && last_trap.cause == EXC_BREAKPOINT;
	trap_expect_none();
	return ok;
}

int main(unsigned long hartid, unsigned long dtb)
{
	int failed = 0;

	printf("axvm default guest: hello from hart %lu\n", hartid);
	failed += !check_arith();
	failed += !check_memory();
	failed += !check_trap();
	if (failed) {
		printf("self-check: %d of 3 checks failed\n", failed);
		return failed;
	}
	printf("self-check: 3 of 3 checks passed\n");
	printf("powering off\n");
	sbi_system_reset(0, 0);
	/* SRST returned: report through the finisher instead. */
	printf("SRST system_reset returned\n");
	return 100;
}
