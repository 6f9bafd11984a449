/* SPDX-License-Identifier: MIT */
/*
 * Interrupts and privilege changes: software interrupts (sip.SSIP written by
 * S, and SBI IPI to self), the timer interrupt (SBI set_timer), direct and
 * vectored stvec (cause N lands at BASE + 4 * N), priority SSI over STI,
 * sstatus.SIE gating in S but not in U, SIE -> SPIE on a trap and back on
 * sret, ecall from U, sret to U, privileged instructions and counters in U
 * (scounteren).
 */
#include "isa.h"

GUEST_PROGRAM("isa_irq");

#define MAX_SEEN 8
static volatile unsigned long seen_cause[MAX_SEEN], seen_sstatus[MAX_SEEN];
static volatile long seen_vec[MAX_SEEN];
static volatile unsigned seen;

/* Interrupts: record, clear the source, resume. Exceptions: the recorder. */
static int irq_hook(struct trap_frame *tf)
{
	unsigned long code = tf->scause & ~SCAUSE_INTR;

	if (!(tf->scause & SCAUSE_INTR))
		return trap_recorder(tf);
	if (seen < MAX_SEEN) {
		seen_cause[seen] = tf->scause;
		seen_vec[seen] = tf->vec;
		seen_sstatus[seen] = tf->sstatus;
	}
	seen++;
	if (code == IRQ_SSI)
		csr_clear(sip, SIE_SSIE);
	else if (code == IRQ_STI)
		sbi_set_timer(~0ull);
	else
		csr_clear(sie, 1ul << code);
	return 1;
}

static int stimecmp_hook(struct trap_frame *tf)
{
	if (tf->scause != (SCAUSE_INTR | IRQ_STI))
		return trap_recorder(tf);
	if (seen < MAX_SEEN) {
		seen_cause[seen] = tf->scause;
		seen_vec[seen] = tf->vec;
		seen_sstatus[seen] = tf->sstatus;
	}
	seen++;
	csr_write(stimecmp, -1ul);
	return 1;
}

static void irq_begin(int vectored)
{
	seen = 0;
	trap_expect();
	trap_set_hook(irq_hook);
	csr_write(stvec, vectored ? (unsigned long)trap_vectors | 1 : (unsigned long)trap_entry);
}

static void irq_end(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
	csr_write(sie, 0);
	csr_clear(sip, SIE_SSIE);
	sbi_set_timer(~0ull);
	csr_write(stvec, (unsigned long)trap_entry);
}

/* Wait (bounded by guest time) until n interrupts were seen. */
static void wait_seen(unsigned n, u64 ticks)
{
	u64 end = rdtime() + ticks;

	while (seen < n && rdtime() < end)
		;
}

static void test_ssip_direct_mode(void)
{
	irq_begin(0);
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
	csr_set(sip, SIE_SSIE);
	__asm__ volatile("nop\n\tnop");
	CHECK_EQ(seen, 1);
	CHECK_EQ(seen_cause[0], SCAUSE_INTR | IRQ_SSI);
	CHECK_EQ(seen_vec[0], -1);
	/* taken with SIE = 1 in S: SPIE = 1, SPP = S */
	CHECK_EQ(seen_sstatus[0] & (SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SIE),
		 SSTATUS_SPIE | SSTATUS_SPP);
	/* sret restored SIE */
	CHECK(csr_read(sstatus) & SSTATUS_SIE);
	CHECK_EQ(csr_read(sip) & SIE_SSIE, 0);
	irq_end();
}

static void test_disabled_interrupt_stays_pending(void)
{
	irq_begin(0);
	csr_set(sie, SIE_SSIE);
	csr_clear(sstatus, SSTATUS_SIE);
	csr_set(sip, SIE_SSIE);
	__asm__ volatile("nop\n\tnop");
	CHECK_EQ(seen, 0);
	CHECK(csr_read(sip) & SIE_SSIE);
	/* enabled in sstatus but not in sie: still not taken */
	csr_clear(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
	__asm__ volatile("nop\n\tnop");
	CHECK_EQ(seen, 0);
	csr_set(sie, SIE_SSIE);
	__asm__ volatile("nop\n\tnop");
	CHECK_EQ(seen, 1);
	irq_end();
}

static void test_timer_interrupt_vectored(void)
{
	u64 hz = dt_timebase();

	irq_begin(1);
	csr_set(sie, SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	sbi_set_timer(rdtime() + hz / 1000);
	wait_seen(1, hz);
	CHECK_EQ(seen, 1);
	CHECK_EQ(seen_cause[0], SCAUSE_INTR | IRQ_STI);
	CHECK_EQ(seen_vec[0], IRQ_STI);
	CHECK_EQ(csr_read(sip) & SIE_STIE, 0);
	irq_end();
}

static void test_ipi_to_self_vectored(void)
{
	u64 hz = dt_timebase();
	struct sbiret r;

	irq_begin(1);
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
	r = sbi_send_ipi(1ul << guest_boot_hartid, 0);
	CHECK_EQ(r.error, 0);
	wait_seen(1, hz);
	CHECK_EQ(seen, 1);
	CHECK_EQ(seen_cause[0], SCAUSE_INTR | IRQ_SSI);
	CHECK_EQ(seen_vec[0], IRQ_SSI);
	irq_end();
}

static void test_wfi_then_timer_trap(void)
{
	u64 hz = dt_timebase(), after_wfi;

	irq_begin(0);
	csr_set(sie, SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	sbi_set_timer(rdtime() + hz / 1000);
	/* wfi with the interrupt enabled: it is taken right after the wfi */
	__asm__ volatile("lla %0, 1f\n\twfi\n1:" : "=r"(after_wfi));
	wait_seen(1, hz);
	CHECK_EQ(seen, 1);
	CHECK_EQ(seen_cause[0], SCAUSE_INTR | IRQ_STI);
	CHECK_EQ(last_trap.count, 0);
	irq_end();
	(void)after_wfi;
}

static void test_sret_enabling_sie_takes_pending_interrupt(void)
{
	irq_begin(0);
	csr_clear(sstatus, SSTATUS_SIE);
	csr_set(sie, SIE_SSIE);
	csr_set(sip, SIE_SSIE);
	CHECK_EQ(seen, 0);
	/* sret to S with SPIE = 1: SIE becomes 1 and the SSI is taken at once */
	__asm__ volatile("lla t0, 1f\n\t"
			 "csrw sepc, t0\n\t"
			 "li t0, %0\n\t"
			 "csrs sstatus, t0\n\t"
			 "sret\n"
			 "1:" ::"i"(SSTATUS_SPIE | SSTATUS_SPP)
			 : "t0", "memory");
	CHECK_EQ(seen, 1);
	CHECK_EQ(seen_cause[0], SCAUSE_INTR | IRQ_SSI);
	CHECK(csr_read(sstatus) & SSTATUS_SIE);
	irq_end();
}

/*
 * A register-heavy loop (every allocatable register live, loads, stores,
 * branches, M ops) run once with interrupts off and once under a stream of
 * timer interrupts (re-armed every ~50 us by the handler, at most 300 of
 * them: a slow host where the handler outlasts the period must still make
 * progress): both runs must compute the same value, so asynchronous traps
 * preserve all state.
 */
static volatile unsigned ticks_wanted;
static u64 churn_mem[16];

static int rearm_hook(struct trap_frame *tf)
{
	if (tf->scause == (SCAUSE_INTR | IRQ_STI)) {
		seen++;
		sbi_set_timer(seen < ticks_wanted ? rdtime() + dt_timebase() / 20000 : ~0ull);
		return 1;
	}
	return trap_recorder(tf);
}

static u64 churn(u64 iters)
{
	u64 out;

	__asm__ volatile("mv t6, %1\n\t"
			 "li t0, 1\n\tli t1, 2\n\tli t2, 3\n\tli t3, 5\n\tli t4, 7\n\t"
			 "li a1, 11\n\tli a2, 13\n\tli a3, 17\n\tli a4, 19\n\tli a5, 23\n\t"
			 "li a6, 29\n\tli a7, 31\n\tli s2, 37\n\tli s3, 41\n\tli s4, 43\n\t"
			 "li s5, 47\n\tli s6, 53\n\tli s7, 59\n\tli s8, 61\n\tli s9, 67\n\t"
			 "li s10, 71\n\tli s11, 73\n\tmv t5, %2\n"
			 "1:\n\t"
			 "add t0, t0, t1\n\txor t1, t1, t2\n\tmul t2, t2, t3\n\t"
			 "addi t3, t3, 1\n\tsub t4, t4, a1\n\tadd a1, a1, a2\n\t"
			 "slli a2, a2, 1\n\txor a2, a2, t0\n\tadd a3, a3, a4\n\t"
			 "srli a4, a4, 1\n\tadd a4, a4, a5\n\txor a5, a5, a6\n\t"
			 "addw a6, a6, a7\n\tadd a7, a7, s2\n\tmulh s2, s2, t0\n\t"
			 "add s2, s2, s3\n\txor s3, s3, s4\n\tadd s4, s4, s5\n\t"
			 "add s5, s5, s6\n\tadd s6, s6, s7\n\txor s7, s7, s8\n\t"
			 "add s8, s8, s9\n\tadd s9, s9, s10\n\txor s10, s10, s11\n\t"
			 "add s11, s11, t0\n\t"
			 "andi t6, t6, 15\n\tslli t6, t6, 3\n\tadd t6, t6, t5\n\t"
			 "ld a0, 0(t6)\n\tadd a0, a0, t0\n\tsd a0, 0(t6)\n\t"
			 "sub t6, t6, t5\n\tsrli t6, t6, 3\n\taddi t6, t6, 1\n\t"
			 "addi %1, %1, -1\n\tbnez %1, 1b\n\t"
			 "add %0, t0, t1\n\txor %0, %0, t2\n\tadd %0, %0, t3\n\t"
			 "xor %0, %0, t4\n\tadd %0, %0, a1\n\txor %0, %0, a2\n\t"
			 "add %0, %0, a3\n\txor %0, %0, a4\n\tadd %0, %0, a5\n\t"
			 "xor %0, %0, a6\n\tadd %0, %0, a7\n\txor %0, %0, s2\n\t"
			 "add %0, %0, s3\n\txor %0, %0, s4\n\tadd %0, %0, s5\n\t"
			 "xor %0, %0, s6\n\tadd %0, %0, s7\n\txor %0, %0, s8\n\t"
			 "add %0, %0, s9\n\txor %0, %0, s10\n\tadd %0, %0, s11\n\t"
			 "ld a0, 8(t5)\n\txor %0, %0, a0"
			 : "=&r"(out), "+&r"(iters)
			 : "r"(churn_mem)
			 : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2", "a3", "a4",
			   "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10",
			   "s11", "memory");
	return out;
}

static void test_interrupts_preserve_register_state(void)
{
	u64 quiet, noisy, hz = dt_timebase();

	memset(churn_mem, 0, sizeof(churn_mem));
	quiet = churn(300000);
	memset(churn_mem, 0, sizeof(churn_mem));
	irq_begin(0);
	ticks_wanted = 300;
	trap_set_hook(rearm_hook);
	csr_set(sie, SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	sbi_set_timer(rdtime() + hz / 20000);
	noisy = churn(300000);
	csr_clear(sstatus, SSTATUS_SIE);
	irq_end();
	CHECK_EQ(noisy, quiet);
	CHECK(seen >= 5);
	printf("  %u timer interrupts during the run\n", seen);
}

/*
 * Sstc (when the platform offers it): stimecmp drives STIP directly, a
 * compare value in the future clears it, and the interrupt arrives at the
 * vectored slot 5. Without Sstc, stimecmp is an illegal CSR.
 */
static void test_stimecmp_when_present(void)
{
	u64 hz = dt_timebase(), v = 0;

	trap_expect();
	__asm__ volatile("csrr %0, stimecmp" : "=r"(v));
	if (last_trap.count) {
		CHECK_EQ(last_trap.cause, EXC_ILLEGAL);
		printf("  Sstc: absent (stimecmp illegal)\n");
		return;
	}
	irq_begin(1);
	csr_write(stimecmp, rdtime() + 100 * hz);
	CHECK_EQ(csr_read(sip) & SIE_STIE, 0);
	csr_write(stimecmp, 0);
	CHECK_EQ(csr_read(sip) & SIE_STIE, SIE_STIE);
	csr_write(stimecmp, -1ul);
	CHECK_EQ(csr_read(sip) & SIE_STIE, 0);
	csr_set(sie, SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	/* the handler only clears SBI timers: take one interrupt, then silence it */
	trap_set_hook(stimecmp_hook);
	csr_write(stimecmp, rdtime() + hz / 1000);
	wait_seen(1, hz);
	csr_clear(sstatus, SSTATUS_SIE);
	CHECK_EQ(seen, 1);
	CHECK_EQ(seen_cause[0], SCAUSE_INTR | IRQ_STI);
	CHECK_EQ(seen_vec[0], IRQ_STI);
	irq_end();
	printf("  Sstc: stimecmp interrupt taken\n");
}

static void test_ssi_before_sti(void)
{
	u64 hz = dt_timebase(), end = rdtime() + hz;

	irq_begin(1);
	csr_clear(sstatus, SSTATUS_SIE);
	csr_write(sie, SIE_SSIE | SIE_STIE);
	sbi_set_timer(0);
	while (!(csr_read(sip) & SIE_STIE) && rdtime() < end)
		;
	csr_set(sip, SIE_SSIE);
	CHECK_EQ(csr_read(sip) & (SIE_SSIE | SIE_STIE), SIE_SSIE | SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	__asm__ volatile("nop\n\tnop");
	CHECK_EQ(seen, 2);
	CHECK_EQ(seen_cause[0], SCAUSE_INTR | IRQ_SSI);
	CHECK_EQ(seen_cause[1], SCAUSE_INTR | IRQ_STI);
	CHECK_EQ(seen_vec[1], IRQ_STI);
	irq_end();
}

/* U-mode snippets (run with satp = Bare, so any address is executable). */
void u_exit42(long arg);
void u_read_sstatus(long arg);
void u_sret(long arg);
void u_rdtime(long arg);
void u_spin_then_exit(long arg);
void u_sfence(long arg);
extern char u_read_sstatus_insn[], u_exit42_ecall[];
__asm__(".pushsection .text.user, \"ax\"\n"
	".align 2\n"
	"u_exit42:\n"
	"	li a7, 93\n"
	"	li a0, 42\n"
	"u_exit42_ecall:\n"
	"	ecall\n"
	"u_read_sstatus:\n"
	"u_read_sstatus_insn:\n"
	"	csrr a0, sstatus\n"
	"	li a7, 93\n"
	"	ecall\n"
	"u_sret:\n"
	"	sret\n"
	"u_rdtime:\n"
	"	rdtime a0\n"
	"	li a7, 93\n"
	"	ecall\n"
	"u_sfence:\n"
	"	sfence.vma\n"
	"	li a7, 93\n"
	"	ecall\n"
	"u_spin_then_exit:\n"
	"	li t0, 100\n"
	"1:	addi t0, t0, -1\n"
	"	bnez t0, 1b\n"
	"	li a7, 93\n"
	"	li a0, 7\n"
	"	ecall\n"
	".popsection\n");

static u64 user_stack[512] __attribute__((aligned(16)));
#define USER_SP ((unsigned long)(user_stack + 512))

static void test_ecall_from_u(void)
{
	long r;

	trap_expect();
	r = user_enter(u_exit42, USER_SP, 0);
	CHECK_EQ(r, 42);
	CHECK_EQ(last_trap.count, 1);
	CHECK_EQ(last_trap.cause, EXC_ECALL_U);
	CHECK_EQ(last_trap.epc, (uintptr_t)u_exit42_ecall);
	/* SPP records U */
	CHECK_EQ(last_trap.sstatus & SSTATUS_SPP, 0);
}

static void test_u_mode_privileged_illegal(void)
{
	long r;

	trap_expect();
	r = user_enter(u_read_sstatus, USER_SP, 0);
	CHECK_EQ(r, -1);
	CHECK_EQ(last_trap.cause, EXC_ILLEGAL);
	CHECK_EQ(last_trap.epc, (uintptr_t)u_read_sstatus_insn);
	CHECK_EQ(last_trap.tval, 0x10002573); /* csrr a0, sstatus */
	trap_expect();
	r = user_enter(u_sret, USER_SP, 0);
	CHECK_EQ(r, -1);
	CHECK_EQ(last_trap.cause, EXC_ILLEGAL);
	CHECK_EQ(last_trap.tval, 0x10200073); /* sret */
	trap_expect();
	r = user_enter(u_sfence, USER_SP, 0);
	CHECK_EQ(r, -1);
	CHECK_EQ(last_trap.cause, EXC_ILLEGAL);
	CHECK_EQ(last_trap.tval, 0x12000073); /* sfence.vma */
}

static void test_u_mode_counters_follow_scounteren(void)
{
	long r;

	/*
	 * scounteren.TM = 0: rdtime in U is illegal (privileged spec 4.1.5).
	 * QEMU 7.2 ignores scounteren, so this half is checked away from OpenSBI.
	 */
	csr_write(scounteren, 0);
	if (!sbi_is_opensbi()) {
		trap_expect();
		r = user_enter(u_rdtime, USER_SP, 0);
		CHECK_EQ(r, -1);
		CHECK_EQ(last_trap.cause, EXC_ILLEGAL);
		CHECK_EQ(last_trap.tval, 0xc0102573); /* rdtime a0 */
	} else {
		printf("  OpenSBI/QEMU: scounteren.TM = 0 not checked\n");
	}
	csr_write(scounteren, 2); /* TM */
	trap_expect();
	r = user_enter(u_rdtime, USER_SP, 0);
	CHECK(r > 0);
	CHECK_EQ(last_trap.cause, EXC_ECALL_U);
	csr_write(scounteren, 0);
}

static void test_u_mode_takes_interrupts_with_sie_clear(void)
{
	long r;

	irq_begin(0);
	csr_clear(sstatus, SSTATUS_SIE);
	csr_set(sie, SIE_SSIE);
	csr_set(sip, SIE_SSIE);
	CHECK_EQ(seen, 0);
	r = user_enter(u_spin_then_exit, USER_SP, 0);
	CHECK_EQ(r, 7);
	CHECK_EQ(seen, 1);
	CHECK_EQ(seen_cause[0], SCAUSE_INTR | IRQ_SSI);
	CHECK_EQ(seen_sstatus[0] & SSTATUS_SPP, 0);
	irq_end();
}

int main(unsigned long hartid, unsigned long dtb)
{
	RUN(test_ssip_direct_mode);
	RUN(test_disabled_interrupt_stays_pending);
	RUN(test_timer_interrupt_vectored);
	RUN(test_ipi_to_self_vectored);
	RUN(test_wfi_then_timer_trap);
	RUN(test_sret_enabling_sie_takes_pending_interrupt);
	RUN(test_ssi_before_sti);
	RUN(test_stimecmp_when_present);
	RUN(test_interrupts_preserve_register_state);
	RUN(test_ecall_from_u);
	RUN(test_u_mode_privileged_illegal);
	RUN(test_u_mode_counters_follow_scounteren);
	RUN(test_u_mode_takes_interrupts_with_sie_clear);
	return test_failures();
}
