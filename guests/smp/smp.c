/* SPDX-License-Identifier: MIT */
/*
 * Multi-hart atomics: the boot hart starts every other hart it can (SBI HSM
 * hart_start on ids 0..7), all harts meet at a barrier, then each adds 1 to
 * shared counters SMP_ITERS (100000) times with amoadd.d, amoadd.w, an lr.d/sc.d loop
 * and an lr.w/sc.w loop. The boot hart checks the exact totals and prints
 * "smp: harts=N ...", which host tests assert on for 2 and 4 vCPUs.
 * Then each secondary hart waits in wfi (SSIE enabled, SIE off) until the
 * boot hart's SBI IPI wakes it, and stops with HSM hart_stop; the boot hart
 * checks each reaches HSM state STOPPED. Before stopping, the secondary
 * harts spin reading a virtual address through Sv39 (so their TLBs hold
 * it) while the boot hart remaps it and sends an SBI RFENCE
 * remote_sfence_vma: each must then see the new page.
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

/* ---- remote TLB shootdown ---- */
#define TLB_VA 0x40000000ul
#define MAGIC_A 0xaaaa5555aaaa5555ull
#define MAGIC_B 0xbbbb6666bbbb6666ull
#define PTE_VRA 0x43ul   /* V R A */
#define PTE_RAM 0xcful   /* V R W X A D */
#define PTE_DEV 0xc7ul   /* V R W A D */

static u64 tlb_root[512] __attribute__((aligned(4096)));
static u64 tlb_l1[512] __attribute__((aligned(4096)));
static u64 tlb_l0[512] __attribute__((aligned(4096)));
static u64 page_a[512] __attribute__((aligned(4096)));
static u64 page_b[512] __attribute__((aligned(4096)));
static volatile int primed[GUEST_MAX_HARTS], saw_b[GUEST_MAX_HARTS], tlb_done[GUEST_MAX_HARTS];

static u64 pte_of(const void *pa, u64 flags)
{
	return ((uintptr_t)pa >> 12) << 10 | flags;
}

static void tlb_tables_init(void)
{
	tlb_root[0] = pte_of(0, PTE_DEV);
	tlb_root[1] = pte_of(tlb_l1, 1);
	tlb_root[2] = pte_of((void *)0x80000000ul, PTE_RAM);
	tlb_l1[0] = pte_of(tlb_l0, 1);
	tlb_l0[0] = pte_of(page_a, PTE_VRA);
	page_a[0] = MAGIC_A;
	page_b[0] = MAGIC_B;
}

/* Secondary: read TLB_VA until it shows page B (or 2 s of guest time pass). */
static void tlb_reader(unsigned long hartid)
{
	u64 end = rdtime() + 2 * dt_timebase(), v;

	csr_write(satp, (8ul << 60) | ((uintptr_t)tlb_root >> 12));
	sfence_vma();
	do {
		v = *(volatile u64 *)TLB_VA;
		if (v == MAGIC_A)
			__atomic_store_n(&primed[hartid], 1, __ATOMIC_RELEASE);
	} while (v != MAGIC_B && rdtime() < end);
	csr_write(satp, 0);
	sfence_vma();
	__atomic_store_n(&saw_b[hartid], v == MAGIC_B, __ATOMIC_RELEASE);
	__atomic_store_n(&tlb_done[hartid], 1, __ATOMIC_RELEASE);
}

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
	tlb_reader(hartid);
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

/* Remap TLB_VA to page B under the readers, then shoot down their TLB entries. */
static unsigned tlb_shootdown(const unsigned *started)
{
	unsigned long mask = 0;
	unsigned n = 0;

	for (unsigned id = 0; id < GUEST_MAX_HARTS; id++)
		if (started[id] && wait_flag(&primed[id]))
			mask |= 1ul << id;
	__atomic_store_n(&tlb_l0[0], pte_of(page_b, PTE_VRA), __ATOMIC_SEQ_CST);
	/* RFENCE remote_sfence_vma(hart_mask, base 0, start, size) */
	if (sbi_call(0x52464E43, 1, (long)mask, 0, (long)TLB_VA, 4096).error)
		return 0;
	for (unsigned id = 0; id < GUEST_MAX_HARTS; id++)
		if ((mask >> id) & 1)
			n += wait_flag(&tlb_done[id]) && saw_b[id];
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
	unsigned harts = 1, started[GUEST_MAX_HARTS] = {0}, woke, stopped, fenced;
	int failed = 0;
	u64 want, spins = 0;

	tlb_tables_init();
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
	fenced = tlb_shootdown(started);
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
	printf("smp: remote sfence.vma reached %u of %u harts\n", fenced, harts - 1);
	failed += woke != harts - 1;
	failed += fenced != harts - 1;
	failed += stopped != harts - 1;
	printf("smp: %s (expected %lu each, %lu sc retries)\n", failed ? "MISMATCH" : "totals exact",
	       want, sc_retries);
	return failed;
}
