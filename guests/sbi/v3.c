/* SPDX-License-Identifier: MIT */
/*
 * The SBI 3.0 extensions that reach into the hart, as a guest uses them
 * (v3.S has the parts in assembly):
 * DBTR: an execute trigger and a store trigger installed through the shared
 * memory, each taken as a breakpoint exception (scause 3) before the
 * instruction with stval = the address; read back, disabled, uninstalled;
 * bad arguments answered with the spec's errors.
 * SSE: the local software event registered, enabled and injected by the
 * hart itself; its handler runs at once after the inject ecall (a6 = hart
 * id, a7 = ENTRY_ARG, sepc = the interrupted pc, SIE clear) and complete
 * resumes the interrupted code with every register as it was.
 * SSE PMU overflow: with the event enabled, hpmcounter3 wrapping enters its
 * handler (scountovf shows the counter) instead of raising LCOFI.
 * axvm must have both; OpenSBI 1.1 (QEMU) has neither: skipped there.
 */
#include "guest.h"

#define SBI_EXT_DBTR 0x44425452
#define SBI_EXT_SSE 0x535345
#define SBI_ERR_INVALID_ADDRESS (-5)
#define SBI_ERR_INVALID_STATE (-10)
#define SBI_ERR_BAD_RANGE (-11)
#define SSE_LOCAL_SW 0xffff0000ul
#define SSE_PMU_OVF 0x00010000ul
#define SBI_EXT_PMU 0x504D55
#define IRQ_LCOFI 13

#define MC6 (6ul << 60)
#define MC6_S (1ul << 4)
#define MC6_EXEC (1ul << 2)
#define MC6_STORE (1ul << 1)
#define EXC_BREAKPOINT 3

struct sse_rec {
	volatile unsigned long hartid, count, sepc, sstatus, a0, a1;
};

struct sse_pmu_rec {
	volatile unsigned long count, sepc, ovf;
};

extern char sse_handler[], sse_after_ecall[], sse_pmu_handler[];
long sse_selfcheck(long hartid, unsigned long out[32]);
long dbtr_exec_target(void);

static unsigned long shmem[16][4] __attribute__((aligned(64)));
static volatile unsigned long watched;

static int have(long ext)
{
	long p = sbi_probe(ext);

	if (!sbi_is_opensbi())
		CHECK(p != 0);
	return p != 0;
}

void test_probe_sbi3_extensions(void)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0, 0);

	printf("  DBTR %d SSE %d\n", have(SBI_EXT_DBTR), have(SBI_EXT_SSE));
	if (!sbi_is_opensbi())
		CHECK_EQ(r.value, 3ul << 24); /* v3.0 */
}

void test_dbtr_execute_and_store_triggers(void)
{
	struct sbiret r;
	long v;

	if (!have(SBI_EXT_DBTR))
		return;
	r = sbi_call(SBI_EXT_DBTR, 0, 0, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	CHECK(r.value >= 2);
	/* Hostile set_shmem first: misaligned, not RAM. */
	r = sbi_call(SBI_EXT_DBTR, 1, (long)shmem + 4, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
	r = sbi_call(SBI_EXT_DBTR, 1, 0x1000, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_ADDRESS);
	r = sbi_call(SBI_EXT_DBTR, 1, (long)shmem, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	shmem[0][1] = MC6 | MC6_S | MC6_EXEC;
	shmem[0][2] = (unsigned long)dbtr_exec_target;
	shmem[0][3] = 0;
	shmem[1][1] = MC6 | MC6_S | MC6_STORE;
	shmem[1][2] = (unsigned long)&watched;
	shmem[1][3] = 0;
	r = sbi_call(SBI_EXT_DBTR, 3, 2, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	CHECK_EQ(shmem[0][0], 0);
	CHECK_EQ(shmem[1][0], 1);

	trap_expect();
	v = dbtr_exec_target(); /* the recorder skips its first instruction (a nop) */
	CHECK_EQ(v, 42);
	CHECK_EQ(last_trap.count, 1);
	CHECK_EQ(last_trap.cause, EXC_BREAKPOINT);
	CHECK_EQ(last_trap.tval, (unsigned long)dbtr_exec_target);
	CHECK_EQ(last_trap.epc, (unsigned long)dbtr_exec_target);
	watched = 5; /* the store is skipped too */
	CHECK_EQ(last_trap.count, 2);
	CHECK_EQ(last_trap.cause, EXC_BREAKPOINT);
	CHECK_EQ(last_trap.tval, (unsigned long)&watched);
	CHECK_EQ(watched, 0);
	trap_expect_none();

	r = sbi_call(SBI_EXT_DBTR, 2, 0, 2, 0, 0);
	CHECK_EQ(r.error, 0);
	CHECK_EQ(shmem[0][0], 1 | 4); /* mapped, s */
	CHECK_EQ(shmem[1][1], MC6 | MC6_S | MC6_STORE);
	CHECK_EQ(shmem[1][2], (unsigned long)&watched);
	/* Disabled, the store goes through (a trap would end the run). */
	r = sbi_call(SBI_EXT_DBTR, 7, 1, 1, 0, 0);
	CHECK_EQ(r.error, 0);
	watched = 6;
	CHECK_EQ(watched, 6);
	/* Hostile indices. */
	r = sbi_call(SBI_EXT_DBTR, 5, 20, 1, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
	r = sbi_call(SBI_EXT_DBTR, 5, 2, 1, 0, 0); /* not installed */
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
	r = sbi_call(SBI_EXT_DBTR, 2, 16, 1, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_BAD_RANGE);
	shmem[0][1] = MC6 | MC6_S | MC6_EXEC | (1ul << 59); /* dmode */
	r = sbi_call(SBI_EXT_DBTR, 3, 1, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
	r = sbi_call(SBI_EXT_DBTR, 5, 0, 3, 0, 0);
	CHECK_EQ(r.error, 0);
	CHECK_EQ(dbtr_exec_target(), 42); /* no trap: the run would have failed */
	r = sbi_call(SBI_EXT_DBTR, 1, -1, -1, 0, 0);
	CHECK_EQ(r.error, 0);
	printf("  DBTR execute and store triggers taken\n");
}

void test_sse_local_event_runs_and_complete_resumes(void)
{
	static struct sse_rec rec;
	static unsigned long out[32];
	struct sbiret r;

	if (!have(SBI_EXT_SSE))
		return;
	/* Hostile: an event nobody defined, a misaligned entry, unregister while unused. */
	r = sbi_call(SBI_EXT_SSE, 2, 0x4242, (long)sse_handler, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
	r = sbi_call(SBI_EXT_SSE, 2, SSE_LOCAL_SW, (long)sse_handler + 1, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM);
	r = sbi_call(SBI_EXT_SSE, 3, SSE_LOCAL_SW, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_STATE);

	r = sbi_call(SBI_EXT_SSE, 2, SSE_LOCAL_SW, (long)sse_handler, (long)&rec, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 4, SSE_LOCAL_SW, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 8, 0, 0, 0, 0); /* unmask */
	CHECK_EQ(r.error, 0);
	CHECK_EQ(sse_selfcheck((long)guest_boot_hartid, out), 0);
	CHECK_EQ(rec.count, 1);
	CHECK_EQ(rec.hartid, guest_boot_hartid);
	CHECK_EQ(rec.sepc, (unsigned long)sse_after_ecall);
	CHECK(rec.sstatus & SSTATUS_SPP);
	CHECK(!(rec.sstatus & SSTATUS_SIE));
	CHECK_EQ(rec.a0, 0); /* inject's result, as the handler found it */
	CHECK_EQ(rec.a1, 0);
	/*
	 * Every register as the interrupted code had it, a6/a7 restored by
	 * complete; a0/a1 as the handler set them (complete writes no result).
	 */
	CHECK_EQ(out[16], 7);
	CHECK_EQ(out[17], SBI_EXT_SSE);
	for (int n = 5; n < 32; n++)
		if (n != 16 && n != 17)
			CHECK_EQ(out[n], 0x5a5a0000ul + n);
	/* Back to ENABLED: it cannot be unregistered until disabled. */
	r = sbi_call(SBI_EXT_SSE, 3, SSE_LOCAL_SW, 0, 0, 0);
	CHECK_EQ(r.error, SBI_ERR_INVALID_STATE);
	r = sbi_call(SBI_EXT_SSE, 5, SSE_LOCAL_SW, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 3, SSE_LOCAL_SW, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 9, 0, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	printf("  SSE handler ran, complete resumed\n");
}

/* PMU config_matching(base 3, mask 1, flags 0, INSTRUCTIONS, event_data 0): a4 too. */
static struct sbiret pmu_config_hpm3_instructions(void)
{
	register long a0 __asm__("a0") = 3, a1 __asm__("a1") = 1, a2 __asm__("a2") = 0;
	register long a3 __asm__("a3") = 2, a4 __asm__("a4") = 0;
	register long a6 __asm__("a6") = 2, a7 __asm__("a7") = SBI_EXT_PMU;

	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1)
			 : "r"(a2), "r"(a3), "r"(a4), "r"(a6), "r"(a7)
			 : "memory");
	return (struct sbiret){a0, a1};
}

static volatile unsigned long pmu_lcofi_seen;

static int pmu_lcofi_hook(struct trap_frame *tf)
{
	if (tf->scause != (SCAUSE_INTR | IRQ_LCOFI))
		return trap_recorder(tf);
	pmu_lcofi_seen++;
	csr_clear(sip, 1ul << IRQ_LCOFI);
	return 1;
}

void test_sse_pmu_overflow_event_instead_of_lcofi(void)
{
	static struct sse_pmu_rec rec;
	struct sbiret r;

	if (!have(SBI_EXT_SSE) || sbi_is_opensbi())
		return;
	r = pmu_config_hpm3_instructions();
	CHECK_EQ(r.error, 0);
	CHECK_EQ(r.value, 3);
	r = sbi_call(SBI_EXT_SSE, 2, SSE_PMU_OVF, (long)sse_pmu_handler, (long)&rec, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 4, SSE_PMU_OVF, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 8, 0, 0, 0, 0); /* unmask */
	CHECK_EQ(r.error, 0);
	pmu_lcofi_seen = 0;
	trap_set_hook(pmu_lcofi_hook);
	csr_write(stvec, (unsigned long)trap_entry);
	csr_set(sie, 1ul << IRQ_LCOFI);
	csr_set(sstatus, SSTATUS_SIE);
	r = sbi_call(SBI_EXT_PMU, 3, 3, 1, 1 /* SET_INIT_VALUE */, -200l);
	CHECK_EQ(r.error, 0);
	for (volatile int i = 0; i < 1000 && !rec.count; i++)
		;
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, 1ul << IRQ_LCOFI);
	CHECK_EQ(rec.count, 1);
	CHECK_EQ(rec.ovf & 8, 8); /* the handler found hpmcounter3 in scountovf */
	CHECK_EQ(pmu_lcofi_seen, 0);
	CHECK_EQ(csr_read(sip) & (1ul << IRQ_LCOFI), 0);
	r = sbi_call(SBI_EXT_PMU, 4, 3, 1, 1 /* RESET */, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 5, SSE_PMU_OVF, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 3, SSE_PMU_OVF, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	r = sbi_call(SBI_EXT_SSE, 9, 0, 0, 0, 0);
	CHECK_EQ(r.error, 0);
	trap_expect_none();
	printf("  SSE PMU-overflow handler ran instead of LCOFI\n");
}
