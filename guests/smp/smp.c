/* SPDX-License-Identifier: MIT */
/*
 * Multi-hart atomics: the boot hart starts every other hart it can (SBI HSM
 * hart_start on ids 0..7), all harts meet at a barrier, then each adds 1 to
 * shared counters SMP_ITERS (100000) times with amoadd.d, amoadd.w, an lr.d/sc.d loop
 * and an lr.w/sc.w loop. The boot hart checks the exact totals and prints
 * "smp: harts=N ...", which host tests assert on for 2 and 4 vCPUs.
 */
#include "guest.h"

GUEST_PROGRAM("smp");

#define SMP_ITERS 100000

static volatile u64 amo_d;
static volatile u32 amo_w;
static volatile u64 lrsc_d;
static volatile u32 lrsc_w;
static volatile int arrived;
static volatile int go;
static volatile u64 sc_retries;

static void add_amo_d(volatile u64 *p)
{
	__asm__ volatile("amoadd.d zero, %1, (%0)" ::"r"(p), "r"(1ul) : "memory");
}

static void add_amo_w(volatile u32 *p)
{
	__asm__ volatile("amoadd.w zero, %1, (%0)" ::"r"(p), "r"(1u) : "memory");
}

static unsigned long add_lrsc_d(volatile u64 *p)
{
	unsigned long tmp, fail, retries = 0;

	__asm__ volatile("1: lr.d %0, (%3)\n"
			 "   addi %0, %0, 1\n"
			 "   sc.d %1, %0, (%3)\n"
			 "   beqz %1, 2f\n"
			 "   addi %2, %2, 1\n"
			 "   j 1b\n"
			 "2:\n"
			 : "=&r"(tmp), "=&r"(fail), "+r"(retries)
			 : "r"(p)
			 : "memory");
	return retries;
}

static unsigned long add_lrsc_w(volatile u32 *p)
{
	unsigned long tmp, fail, retries = 0;

	__asm__ volatile("1: lr.w %0, (%3)\n"
			 "   addiw %0, %0, 1\n"
			 "   sc.w %1, %0, (%3)\n"
			 "   beqz %1, 2f\n"
			 "   addi %2, %2, 1\n"
			 "   j 1b\n"
			 "2:\n"
			 : "=&r"(tmp), "=&r"(fail), "+r"(retries)
			 : "r"(p)
			 : "memory");
	return retries;
}

static void work(unsigned long hartid, void *arg)
{
	unsigned long retries = 0;

	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	for (unsigned i = 0; i < SMP_ITERS; i++) {
		add_amo_d(&amo_d);
		add_amo_w(&amo_w);
		retries += add_lrsc_d(&lrsc_d);
		retries += add_lrsc_w(&lrsc_w);
	}
	__atomic_fetch_add(&sc_retries, retries, __ATOMIC_RELAXED);
}

static struct hart_work works[GUEST_MAX_HARTS];

int main(unsigned long hartid, unsigned long dtb)
{
	unsigned harts = 1, started[GUEST_MAX_HARTS] = {0};
	int failed = 0;
	u64 want, spins = 0;

	for (unsigned long id = 0; id < GUEST_MAX_HARTS; id++) {
		if (id == hartid)
			continue;
		works[id].fn = work;
		if (hart_start(id, &works[id]) == SBI_SUCCESS) {
			started[id] = 1;
			harts++;
		}
	}
	while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) != (int)harts - 1) {
		if (++spins > 2000000000ull) {
			printf("smp: only %d of %u harts arrived\n", arrived + 1, harts);
			return 1;
		}
	}
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	work(hartid, 0);
	for (unsigned id = 0; id < GUEST_MAX_HARTS; id++)
		while (started[id] && !__atomic_load_n(&works[id].done, __ATOMIC_ACQUIRE))
			;
	want = (u64)harts * SMP_ITERS;
	printf("smp: harts=%u iters=%u amo_d=%lu amo_w=%u lrsc_d=%lu lrsc_w=%u\n", harts,
	       SMP_ITERS, amo_d, amo_w, lrsc_d, lrsc_w);
	failed += amo_d != want;
	failed += amo_w != (u32)want;
	failed += lrsc_d != want;
	failed += lrsc_w != (u32)want;
	printf("smp: %s (expected %lu each, %lu sc retries)\n", failed ? "MISMATCH" : "totals exact",
	       want, sc_retries);
	return failed;
}
