/* SPDX-License-Identifier: MIT */
/*
 * Multi-hart atomics: the boot hart starts every other hart it can (SBI HSM
 * hart_start on ids 0..7), all harts meet at a barrier, then each adds 1 to
 * shared counters SMP_ITERS (100000) times with amoadd.d, amoadd.w, an lr.d/sc.d loop
 * and an lr.w/sc.w loop. The boot hart checks the exact totals and prints
 * "smp: harts=N ...", which host tests assert on for 2 and 4 vCPUs.
 * Then each secondary hart waits in wfi (SSIE enabled, SIE off) until the
 * boot hart's SBI IPI wakes it, and stops with HSM hart_stop; the boot hart
 * checks each reaches HSM state STOPPED.
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
static volatile int waiting[GUEST_MAX_HARTS], woken[GUEST_MAX_HARTS];

/* Secondary harts: count, then sleep in wfi until an IPI arrives. */
static void ap_work(unsigned long hartid, void *arg)
{
	work(hartid, arg);
	csr_clear(sstatus, SSTATUS_SIE);
	csr_set(sie, SIE_SSIE);
	__atomic_store_n(&waiting[hartid], 1, __ATOMIC_RELEASE);
	while (!(csr_read(sip) & SIE_SSIE))
		__asm__ volatile("wfi");
	csr_clear(sip, SIE_SSIE);
	csr_clear(sie, SIE_SSIE);
	__atomic_store_n(&woken[hartid], 1, __ATOMIC_RELEASE);
}

/* Wait (bounded by guest time: 2 s) until *flag is set. */
static int wait_flag(volatile int *flag)
{
	u64 end = rdtime() + 2 * dt_timebase();

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		if (rdtime() > end)
			return 0;
	return 1;
}

static unsigned ipi_wake_all(const unsigned *started)
{
	unsigned long mask = 0;
	unsigned n = 0;

	for (unsigned id = 0; id < GUEST_MAX_HARTS; id++)
		if (started[id] && wait_flag(&waiting[id]))
			mask |= 1ul << id;
	if (sbi_send_ipi(mask, 0).error)
		return 0;
	for (unsigned id = 0; id < GUEST_MAX_HARTS; id++)
		if ((mask >> id) & 1)
			n += wait_flag(&woken[id]);
	return n;
}

/* HSM hart_get_status until STOPPED (1), bounded by guest time. */
static unsigned count_stopped(const unsigned *started)
{
	unsigned n = 0;

	for (unsigned id = 0; id < GUEST_MAX_HARTS; id++) {
		u64 end = rdtime() + 2 * dt_timebase();
		struct sbiret r;

		if (!started[id])
			continue;
		do {
			r = sbi_hart_status(id);
		} while ((r.error || r.value != 1) && rdtime() < end);
		n += !r.error && r.value == 1;
	}
	return n;
}

int main(unsigned long hartid, unsigned long dtb)
{
	unsigned harts = 1, started[GUEST_MAX_HARTS] = {0}, woke, stopped;
	int failed = 0;
	u64 want, spins = 0;

	for (unsigned long id = 0; id < GUEST_MAX_HARTS; id++) {
		if (id == hartid)
			continue;
		works[id].fn = ap_work;
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
	woke = ipi_wake_all(started);
	for (unsigned id = 0; id < GUEST_MAX_HARTS; id++)
		if (started[id] && !wait_flag(&works[id].done))
			printf("smp: hart %u did not finish\n", id);
	stopped = count_stopped(started);
	want = (u64)harts * SMP_ITERS;
	printf("smp: harts=%u iters=%u amo_d=%lu amo_w=%u lrsc_d=%lu lrsc_w=%u\n", harts,
	       SMP_ITERS, amo_d, amo_w, lrsc_d, lrsc_w);
	failed += amo_d != want;
	failed += amo_w != (u32)want;
	failed += lrsc_d != want;
	failed += lrsc_w != (u32)want;
	printf("smp: ipi woke %u of %u harts\n", woke, harts - 1);
	printf("smp: %u of %u harts stopped\n", stopped, harts - 1);
	failed += woke != harts - 1;
	failed += stopped != harts - 1;
	printf("smp: %s (expected %lu each, %lu sc retries)\n", failed ? "MISMATCH" : "totals exact",
	       want, sc_retries);
	return failed;
}
