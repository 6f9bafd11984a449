/* SPDX-License-Identifier: MIT */
/*
 * Integer kernels, each timed on its own: CRC32 (IEEE 802.3, reflected,
 * table-driven) over a 64 KiB buffer, a heapsort of pseudo-random 32-bit
 * keys, and a sieve of Eratosthenes. Parameter scale (default 1) multiplies
 * the work of each; parameter only (a mask: 1 CRC32, 2 heapsort, 4 sieve;
 * default 7) picks kernels, so that a profile of one kernel (callgrind's
 * host instructions at two scales) needs no arithmetic over the others.
 */
#include "bench.h"

GUEST_PROGRAM("bench_int");

#define CRC_BUF_BYTES (64u << 10)
#define SORT_KEYS 16384u
#define SIEVE_LIMIT (1u << 20)

static u32 crc_table[256];
static u8 crc_buf[CRC_BUF_BYTES];

static u32 crc32_update(u32 crc, const u8 *p, u32 len)
{
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static int bench_crc32(u64 scale)
{
	struct bench_mark m;
	u64 seed = 0x9e3779b97f4a7c15ull;
	u32 crc = 0;

	for (u32 i = 0; i < 256; i++) {
		u32 c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	for (u32 i = 0; i < CRC_BUF_BYTES; i++)
		crc_buf[i] = (u8)bench_rand(&seed);
	/* The standard check value: CRC32("123456789") = 0xcbf43926. */
	if (crc32_update(0, (const u8 *)"123456789", 9) != 0xcbf43926u) {
		printf("bench_int: crc32 check value wrong\n");
		return 1;
	}
	bench_start(&m);
	for (u64 r = 0; r < 4 * scale; r++)
		crc = crc32_update(crc, crc_buf, CRC_BUF_BYTES);
	bench_stop(&m);
	bench_report("int.crc32", &m, 4 * scale * CRC_BUF_BYTES, crc);
	return 0;
}

static void sift_down(u32 *a, u32 root, u32 n)
{
	for (;;) {
		u32 child = 2 * root + 1;
		u32 t;

		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heapsort(u32 *a, u32 n)
{
	for (u32 i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (u32 end = n; end-- > 1;) {
		u32 t = a[0];

		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

static int bench_sort(u64 scale)
{
	u32 *a = (u32 *)BENCH_BUF_BASE;
	struct bench_mark m;
	u64 seed = 12345, check = 0;
	u64 rounds = 2 * scale;

	bench_start(&m);
	for (u64 r = 0; r < rounds; r++) {
		for (u32 i = 0; i < SORT_KEYS; i++)
			a[i] = (u32)bench_rand(&seed);
		heapsort(a, SORT_KEYS);
		for (u32 i = 1; i < SORT_KEYS; i++) {
			if (a[i - 1] > a[i]) {
				printf("bench_int: sort: a[%u] > a[%u]\n", i - 1, i);
				return 1;
			}
		}
		for (u32 i = 0; i < SORT_KEYS; i += 97)
			check = check * 31 + a[i];
	}
	bench_stop(&m);
	bench_report("int.sort", &m, rounds * SORT_KEYS, check);
	return 0;
}

static int bench_sieve(u64 scale)
{
	u8 *composite = (u8 *)BENCH_BUF_BASE;
	struct bench_mark m;
	u64 primes = 0;

	bench_start(&m);
	for (u64 r = 0; r < scale; r++) {
		memset(composite, 0, SIEVE_LIMIT);
		for (u32 i = 2; (u64)i * i < SIEVE_LIMIT; i++)
			if (!composite[i])
				for (u32 j = i * i; j < SIEVE_LIMIT; j += i)
					composite[j] = 1;
		for (u32 i = 2; i < SIEVE_LIMIT; i++)
			primes += !composite[i];
	}
	bench_stop(&m);
	bench_report("int.sieve", &m, scale * SIEVE_LIMIT, primes);
	return 0;
}

int main(unsigned long hartid, unsigned long dtb)
{
	u64 scale = bench_param("scale", 1), only = bench_param("only", 7);

	if (bench_buf_check(SIEVE_LIMIT))
		return 2;
	if (((only & 1) && bench_crc32(scale)) || ((only & 2) && bench_sort(scale)) ||
	    ((only & 4) && bench_sieve(scale)))
		return 1;
	return 0;
}
