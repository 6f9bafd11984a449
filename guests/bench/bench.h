/* SPDX-License-Identifier: MIT */
/*
 * Benchmark guests (bench/run.sh runs them under axvm and QEMU): shared
 * helpers. Every guest takes its sizes from /chosen/bootargs ("scale=N
 * mib=N", the VMM's -p / -append); without a device tree or without those
 * words the small defaults are used, which is what the correctness test
 * (tests/guest/test_bench_guests.c) runs.
 *
 * A timed section is reported as one console line the host harness parses:
 *   BENCH <name> insns=<instret delta> ticks=<time delta> tb=<timebase Hz>
 *         work=<units of work> check=0x<result checksum>
 * instret counts retired instructions on axvm; QEMU without -icount returns
 * host cycles there instead, so the harness takes the instruction count
 * from axvm (or from a QEMU -icount run) -- the section runs the same
 * instructions on both VMMs.
 */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#include "guest.h"

/*
 * Scratch memory for the kernels: from RAM + 32 MiB, above the image (at
 * RAM + 2 MiB) and, with 128 MiB of RAM or more, below the device tree.
 */
#define BENCH_BUF_BASE 0x82000000ul

/* The value of "key=N" in bootargs, or def. */
u64 bench_param(const char *key, u64 def);

struct bench_mark {
	u64 insns, ticks;
};

static inline void bench_start(struct bench_mark *m)
{
	/* time first: the instret window then holds only the kernel */
	m->ticks = rdtime();
	m->insns = rdinstret();
}

static inline void bench_stop(struct bench_mark *m)
{
	u64 i = rdinstret();
	u64 t = rdtime();

	m->insns = i - m->insns;
	m->ticks = t - m->ticks;
}

void bench_report(const char *name, const struct bench_mark *m, u64 work, u64 check);

/*
 * Fail (nonzero) if [BENCH_BUF_BASE, + bytes) would overlap the device
 * tree, printing why.
 */
int bench_buf_check(u64 bytes);

static inline u64 bench_rand(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

#endif
