/* SPDX-License-Identifier: MIT */
/*
 * MMIO exit round trip: 16K * scale byte writes, then as many reads, of the
 * ns16550a scratch register (SCR, offset 7 of the UART at 0x10000000; 16550
 * datasheet: a plain read/write byte with no side effect). Each access is
 * one exit to the VMM's device model and back (or its MMIO fast path).
 * rounds=N (default 1) does both N times, a BENCH line each time: many
 * short timed sections, of which bench/run.sh takes the fastest.
 */
#include "bench.h"

GUEST_PROGRAM("bench_mmio");

#define UART_SCR ((volatile u8 *)0x10000007ul)
#define ACCESSES_PER_SCALE (16u << 10)

int main(unsigned long hartid, unsigned long dtb)
{
	u64 n = bench_param("scale", 1) * ACCESSES_PER_SCALE;
	u64 rounds = bench_param("rounds", 1);
	struct bench_mark m;
	u64 sum = 0;

	for (u64 r = 0; r < rounds; r++) {
		bench_start(&m);
		for (u64 i = 0; i < n; i++)
			*UART_SCR = (u8)i;
		bench_stop(&m);
		bench_report("mmio.write", &m, n, *UART_SCR);
		sum = 0;
		bench_start(&m);
		for (u64 i = 0; i < n; i++)
			sum += *UART_SCR;
		bench_stop(&m);
		/* the last write left (n - 1) & 0xff there */
		bench_report("mmio.read", &m, n, sum);
	}
	return sum == n * ((n - 1) & 0xff) ? 0 : 1;
}
