/* SPDX-License-Identifier: MIT */
/*
 * Trap-heavy kernel: 64K * scale system-call-like round trips inside the
 * guest -- ecall from U-mode into the guest's own S-mode handler and sret
 * back (trap_s.S) -- with no VMM exit on the way on hardware with the
 * H extension, nor on axvm.
 */
#include "bench.h"

GUEST_PROGRAM("bench_trap");

#define CALLS_PER_SCALE (64u << 10)

extern char bench_trap_entry[];
void bench_trap_user(long n);

static u64 user_stack[64] __attribute__((aligned(16)));

int main(unsigned long hartid, unsigned long dtb)
{
	u64 calls = bench_param("scale", 1) * CALLS_PER_SCALE;
	struct bench_mark m;
	long r;

	/* the library's recorder ends the U-mode run on the exit ecall */
	trap_expect();
	csr_write(stvec, (unsigned long)bench_trap_entry);
	bench_start(&m);
	r = user_enter(bench_trap_user, (unsigned long)&user_stack[64], (long)calls);
	bench_stop(&m);
	csr_write(stvec, (unsigned long)trap_entry);
	if (last_trap.count != 1 || last_trap.cause != EXC_ECALL_U) {
		printf("bench_trap: expected one exit ecall, got %lu traps (cause %lu)\n",
		       last_trap.count, last_trap.cause);
		return 1;
	}
	bench_report("trap.ecall", &m, calls, (u64)r);
	return (u64)r == 3 * calls ? 0 : 1;
}
