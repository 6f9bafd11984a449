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
	RUN(test_ecall_from_u);
	RUN(test_u_mode_privileged_illegal);
	RUN(test_u_mode_counters_follow_scounteren);
	RUN(test_u_mode_takes_interrupts_with_sie_clear);
	return test_failures();
}
