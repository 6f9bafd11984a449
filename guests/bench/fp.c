/* SPDX-License-Identifier: MIT */
/*
 * Floating-point kernel (built rv64gc): a 32x32 double matrix multiply
 * C = A * B, repeated 8 * scale times with B updated from C between rounds
 * so no round can be skipped. The checksum is the bit pattern of the sum of
 * C: every VMM that implements IEEE 754 exactly prints the same value.
 */
#include "bench.h"

GUEST_PROGRAM("bench_fp");

#define N 32

static double mat_a[N][N], mat_b[N][N], mat_c[N][N];

static void matmul(void)
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			double s = 0.0;

			for (int k = 0; k < N; k++)
				s += mat_a[i][k] * mat_b[k][j];
			mat_c[i][j] = s;
		}
}

int main(unsigned long hartid, unsigned long dtb)
{
	u64 scale = bench_param("scale", 1), rounds = 8 * scale;
	struct bench_mark m;
	double sum = 0.0;
	u64 bits;

	csr_set(sstatus, 1ul << 13); /* FS = Initial: FP instructions legal */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			mat_a[i][j] = (double)((i * 7 + j * 3) % 17) / 16.0 - 0.5;
			mat_b[i][j] = (double)((i * 5 + j * 11) % 13) / 8.0 - 0.75;
		}
	bench_start(&m);
	for (u64 r = 0; r < rounds; r++) {
		matmul();
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++)
				mat_b[i][j] = mat_c[i][j] * 0.125 + mat_b[i][j] * 0.5;
	}
	bench_stop(&m);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			sum += mat_c[i][j];
	memcpy(&bits, &sum, sizeof(bits));
	bench_report("fp.matmul", &m, rounds * N * N * N, bits);
	return 0;
}
