/* SPDX-License-Identifier: MIT */
/*
 * The SBI extensions past the base set (PMU, STA, SUSP, FWFT) as a guest
 * uses them. axvm must offer all four (probe_extension), so these fail if
 * one is missing there; OpenSBI 1.1 (QEMU, the reference for sbi.c) has
 * only PMU, and the cases that need more are skipped there.
 */
#include "guest.h"

#define SBI_EXT_PMU 0x504D55
#define SBI_EXT_STA 0x535441
#define SBI_EXT_SUSP 0x53555350
#define SBI_EXT_FWFT 0x46574654
#define SBI_ERR_ALREADY_STOPPED (-8)

static struct sbiret sbi_call5(long ext, long fid, long a0, long a1, long a2, long a3, long a4)
{
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a3 __asm__("a3") = a3;
	register long r_a4 __asm__("a4") = a4;
	register long r_a6 __asm__("a6") = fid;
	register long r_a7 __asm__("a7") = ext;
	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){r_a0, r_a1};
}

/* Only axvm must have them all; the reference firmware may lack some. */
static int have(long ext)
{
	long p = sbi_probe(ext);

	if (!sbi_is_opensbi())
		CHECK(p != 0);
	return p != 0;
}

void test_probe_new_extensions(void)
{
	printf("  PMU %d STA %d SUSP %d FWFT %d\n", have(SBI_EXT_PMU), have(SBI_EXT_STA),
	       have(SBI_EXT_SUSP), have(SBI_EXT_FWFT));
}

void test_pmu_instret_counter_and_firmware_counter(void)
{
	struct sbiret r;
	unsigned long n, idx, fw, mask;
	u64 a, b;

	if (!have(SBI_EXT_PMU) || sbi_is_opensbi())
		return;
	r = sbi_call(SBI_EXT_PMU, 0, 0, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	n = r.value;
	CHECK(n >= 3);
	mask = (1ul << n) - 1;
	/* As Linux's driver does first: stop and release everything. */
	sbi_call(SBI_EXT_PMU, 4, 0, mask & ~2ul, 1, 0);
	/* Counter 2 only: with Sscofpmf an hpmcounter would be picked first. */
	r = sbi_call5(SBI_EXT_PMU, 2, 2, 1, 0, 2 /* INSTRUCTIONS */, 0);
	CHECK_EQ(r.error, 0);
	idx = r.value;
	r = sbi_call(SBI_EXT_PMU, 1, idx, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	CHECK_EQ(r.value & 0xfff, 0xc02); /* read through the instret CSR */
	r = sbi_call(SBI_EXT_PMU, 3, idx, 1, 1 /* SET_INIT_VALUE */, 0);
	CHECK_EQ(r.error, 0);
	a = rdinstret();
	for (volatile int i = 0; i < 1000; i++)
		;
	b = rdinstret();
	CHECK(b - a >= 1000);
	CHECK(a < 100); /* started from 0 just before */
	r = sbi_call(SBI_EXT_PMU, 4, idx, 1, 0, 0);
	CHECK_EQ(r.error, 0);
	a = rdinstret();
	for (volatile int i = 0; i < 100; i++)
		;
	CHECK_EQ(rdinstret(), a); /* stopped */
	r = sbi_call(SBI_EXT_PMU, 4, idx, 1, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_ALREADY_STOPPED);
	sbi_call(SBI_EXT_PMU, 3, idx, 1, 0, 0); /* leave it counting */

	/* Firmware counter of SBI calls (platform event 0xffff, data 0), auto-started. */
	r = sbi_call5(SBI_EXT_PMU, 2, 0, mask, 4 /* AUTO_START */, 0xfffff, 0);
	CHECK_EQ(r.error, 0);
	fw = r.value;
	for (int i = 0; i < 5; i++)
		sbi_call(SBI_EXT_BASE, 0, 0, 0, 0, 0);
	r = sbi_call(SBI_EXT_PMU, 5, fw, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	CHECK_EQ(r.value, 6); /* five, and the read itself */
	sbi_call(SBI_EXT_PMU, 4, fw, 1, 1, 0);
}

/*
 * Sscofpmf: hpmcounter3 counting instructions, started 200 below 2^64,
 * wraps: its OF bit shows in scountovf and the local counter-overflow
 * interrupt (13) is taken, once, with the counter just past 0.
 */
#define IRQ_LCOFI 13
static volatile unsigned long lcofi_seen, lcofi_ovf, lcofi_ctr;

static int lcofi_hook(struct trap_frame *tf)
{
	if (tf->scause != (SCAUSE_INTR | IRQ_LCOFI))
		return trap_recorder(tf);
	lcofi_seen++;
	lcofi_ovf = csr_read(0xda0);
	lcofi_ctr = csr_read(0xc03);
	csr_clear(sip, 1ul << IRQ_LCOFI); /* as Linux's handler does */
	return 1;
}

void test_sscofpmf_counter_wrap_takes_lcofi(void)
{
	struct sbiret r;
	unsigned long n;

	if (!have(SBI_EXT_PMU) || sbi_is_opensbi())
		return;
	n = sbi_call(SBI_EXT_PMU, 0, 0, 0, 0, 0).value;
	CHECK(n > 3);
	r = sbi_call5(SBI_EXT_PMU, 2, 3, 1, 0, 2 /* INSTRUCTIONS */, 0);
	CHECK_EQ(r.error, 0);
	CHECK_EQ(r.value, 3);
	r = sbi_call(SBI_EXT_PMU, 1, 3, 0, 0, 0);
	CHECK_EQ(r.value & 0xfff, 0xc03);
	CHECK_EQ(csr_read(0xda0) & 8, 8); /* configured: OF set until started */
	lcofi_seen = 0;
	trap_set_hook(lcofi_hook);
	csr_write(stvec, (unsigned long)trap_entry);
	csr_set(sie, 1ul << IRQ_LCOFI);
	CHECK_EQ(csr_read(sie) & (1ul << IRQ_LCOFI), 1ul << IRQ_LCOFI);
	csr_set(sstatus, SSTATUS_SIE);
	r = sbi_call(SBI_EXT_PMU, 3, 3, 1, 1 /* SET_INIT_VALUE */, -200l);
	CHECK_EQ(r.error, 0);
	for (volatile int i = 0; i < 1000 && !lcofi_seen; i++)
		;
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, 1ul << IRQ_LCOFI);
	CHECK_EQ(lcofi_seen, 1);
	CHECK_EQ(lcofi_ovf & 8, 8);
	CHECK(lcofi_ctr < 100); /* taken right after the wrap, not a batch later */
	CHECK(csr_read(0xc03) < 2000);
	CHECK_EQ(csr_read(0xda0) & 8, 8); /* OF stays until the next start */
	r = sbi_call(SBI_EXT_PMU, 4, 3, 1, 1 /* RESET */, 0);
	CHECK_EQ(r.error, 0);
	CHECK_EQ(csr_read(0xda0) & 8, 0);
	trap_expect_none();
}

/* The STA record: 64 bytes, 64-byte aligned. */
static struct {
	volatile u32 sequence, flags;
	volatile u64 steal;
	volatile u8 preempted, pad[47];
} sta __attribute__((aligned(64)));

void test_sta_set_shmem_and_read_steal_time(void)
{
	struct sbiret r;
	u32 seq = 0;
	u64 steal = 0, t0;
	int ok = 0;

	if (!have(SBI_EXT_STA))
		return;
	memset((void *)&sta, 0xff, sizeof(sta));
	r = sbi_call(SBI_EXT_STA, 0, (long)&sta + 32, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM); /* not 64-byte aligned */
	r = sbi_call(SBI_EXT_STA, 0, (long)&sta, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	CHECK_EQ(sta.flags, 0);
	CHECK_EQ(sta.pad[46], 0); /* zeroed, all 64 bytes */
	/*
	 * Updated on entries into the guest, at most once a millisecond: leave
	 * the guest (a wfi until a 2 ms timer is an exit, with or without a
	 * board around) until it has been.
	 */
	t0 = rdtime();
	while (rdtime() - t0 < 10000000ul / 10) { /* up to 100 ms at 10 MHz */
		u32 s1 = sta.sequence;

		__asm__ volatile("fence r, r" ::: "memory");
		steal = sta.steal;
		__asm__ volatile("fence r, r" ::: "memory");
		if (!(s1 & 1) && s1 == sta.sequence && s1 >= 2) {
			seq = s1;
			ok = 1;
			break;
		}
		sbi_set_timer(rdtime() + 20000);
		csr_set(sie, SIE_STIE);
		__asm__ volatile("wfi");
		csr_clear(sie, SIE_STIE);
		sbi_set_timer(~0ul);
	}
	CHECK(ok);
	CHECK_EQ(sta.preempted, 0);
	printf("  steal-time record: sequence %u, steal %lu ns\n", seq, (unsigned long)steal);
	r = sbi_call(SBI_EXT_STA, 0, -1, -1, 0, 0);
	CHECK_EQ(r.error, 0);
}

struct susp_ctx {
	unsigned long regs[20];
	unsigned long resumed_a0, resumed_a1;
};
long susp_to_ram(struct susp_ctx *ctx);

static unsigned long pattern[512];

void test_susp_suspend_to_ram_and_resume_with_memory_intact(void)
{
	static struct susp_ctx ctx;
	struct sbiret r;
	long err;

	if (!have(SBI_EXT_SUSP))
		return;
	r = sbi_call(SBI_EXT_SUSP, 0, 1, 0x80200000ul, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM); /* reserved sleep type */
	for (int i = 0; i < 512; i++)
		pattern[i] = 0x9e3779b97f4a7c15ul * (unsigned long)(i + 1);
	/* The wake-up source: the timer 10 ms from now, enabled in sie. */
	sbi_set_timer(rdtime() + 100000);
	csr_set(sie, SIE_STIE);
	err = susp_to_ram(&ctx);
	sbi_set_timer(~0ul);
	csr_clear(sie, SIE_STIE);
	CHECK_EQ(err, 0);
	CHECK_EQ(ctx.resumed_a0, guest_boot_hartid);
	CHECK_EQ(ctx.resumed_a1, (unsigned long)&ctx);
	for (int i = 0; i < 512; i++)
		if (pattern[i] != 0x9e3779b97f4a7c15ul * (unsigned long)(i + 1)) {
			CHECK_EQ(i, -1);
			break;
		}
	printf("  suspended to RAM and resumed\n");
}

static u32 misaligned_lw(volatile void *p)
{
	u32 v;

	__asm__ volatile("lw %0, 1(%1)" : "=r"(v) : "r"(p) : "memory");
	return v;
}

void test_fwft_misaligned_delegation_and_ad_updating(void)
{
	static u64 word[2] = {0x1122334455667788ul, 0};
	struct sbiret r;
	u32 v;

	if (!have(SBI_EXT_FWFT))
		return;
	/* The default CPU lists Svadu alone: A/D updating is the hart's, not switchable. */
	r = sbi_call(SBI_EXT_FWFT, 1, 4 /* PTE_AD_HW_UPDATING */, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED);
	r = sbi_call(SBI_EXT_FWFT, 1, 1 /* LANDING_PAD */, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED);
	r = sbi_call(SBI_EXT_FWFT, 0, 0 /* MISALIGNED_EXC_DELEG */, 1, 0, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_FWFT, 1, 0, 0, 0, 0);
	CHECK_EQ(r.value, 1);
	trap_expect();
	(void)misaligned_lw(word);
	CHECK_EQ(last_trap.count, 1);
	CHECK_EQ(last_trap.cause, EXC_LOAD_MISALIGNED);
	CHECK_EQ(last_trap.tval, (unsigned long)word + 1);
	trap_expect_none();
	r = sbi_call(SBI_EXT_FWFT, 0, 0, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	v = misaligned_lw(word); /* performed again */
	CHECK_EQ(v, 0x44556677u);
}
