/* SPDX-License-Identifier: MIT */
/*
 * Memory-bound kernel: pointer chasing through a random cyclic permutation
 * (Sattolo's algorithm, so the walk visits every node) of 64-byte nodes
 * spread over mib MiB (default 4, bench/run.sh uses 64). Each step is a
 * dependent load to a random cache line and, past the host's TLB reach, a
 * random page: it measures the guest memory path, not the ALU.
 * Parameter scale (default 1) multiplies the number of steps (about 1M per unit).
 */
#include "bench.h"

GUEST_PROGRAM("bench_mem");

#define NODE_BYTES 64u
#define STEPS_PER_SCALE 1048573u /* not a multiple of any node count */

struct node {
	struct node *next;
	u64 pad[NODE_BYTES / 8 - 1];
};

int main(unsigned long hartid, unsigned long dtb)
{
	u64 scale = bench_param("scale", 1);
	u64 mib = bench_param("mib", 4);
	u64 n = (mib << 20) / NODE_BYTES, steps = scale * STEPS_PER_SCALE;
	struct node *nodes = (struct node *)BENCH_BUF_BASE;
	u32 *perm = (u32 *)(BENCH_BUF_BASE + (mib << 20));
	u64 seed = 0xdeadbeefcafef00dull, check = 0;
	struct bench_mark m;
	struct node *p;

	if (mib < 1 || bench_buf_check((mib << 20) + n * 4))
		return 2;
	for (u64 i = 0; i < n; i++)
		perm[i] = (u32)i;
	for (u64 i = n - 1; i > 0; i--) {
		u64 j = bench_rand(&seed) % i; /* j < i: one cycle (Sattolo) */
		u32 t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	/* node perm[k] -> node perm[k + 1]: the cycle order is the permutation */
	for (u64 k = 0; k < n; k++)
		nodes[perm[k]].next = &nodes[perm[(k + 1) % n]];
	p = &nodes[0];
	bench_start(&m);
	for (u64 s = 0; s < steps; s++)
		p = p->next;
	bench_stop(&m);
	check = (u64)(p - nodes);
	bench_report("mem.chase", &m, steps, check);
	return 0;
}
