/* SPDX-License-Identifier: MIT */
/*
 * Runtime tests: tiny riscv64 guests, hand-encoded here as flat binaries,
 * run on the virt board through axvm_runtime_run with real vCPU threads.
 * They check how a run ends (poweroff, finisher code, reboot, stop, timeout),
 * AP start/stop through HSM, IPI and timer wakeups from Halt, that an idle
 * guest does not burn host CPU, and console output to a file.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axvm/console.h"
#include "axvm/device.h"
#include "axvm/runtime.h"
#include "axvm/vcpu.h"
#include "test.h"
#include "unit/test_hart_util.h"

#define A0 10
#define A1 11
#define A2 12
#define A6 16
#define A7 17
#define T0 5
#define T1 6
#define T2 7
#define T3 28

#define SLLI(rd, rs1, sh) enc_i(0x13, rd, 1, rs1, sh)
#define SRLI(rd, rs1, sh) enc_i(0x13, rd, 5, rs1, sh)
#define OR(rd, a, b) enc_r(0x33, rd, 6, a, b, 0)
#define AUIPC(rd, imm20) ((uint32_t)(imm20) << 12 | (rd) << 7 | 0x17)
#define J_SELF JAL(0, 0)

struct prog {
	uint32_t w[128];
	unsigned n;
};

static unsigned emit(struct prog *p, uint32_t insn)
{
	if (p->n < sizeof(p->w) / sizeof(p->w[0]))
		p->w[p->n] = insn;
	return p->n++;
}

/* Fill in a placeholder emitted earlier (a forward branch). */
static void patch(struct prog *p, unsigned at, uint32_t insn)
{
	if (at < sizeof(p->w) / sizeof(p->w[0]))
		p->w[at] = insn;
}

/* rd = v for 0 <= v < 0x7ffff800. */
static void li(struct prog *p, unsigned rd, uint32_t v)
{
	uint32_t hi = (v + 0x800) >> 12;
	int32_t lo = (int32_t)(v - (hi << 12));

	if (hi) {
		emit(p, LUI(rd, hi));
		emit(p, ADDIW(rd, rd, lo));
	} else {
		emit(p, ADDI(rd, 0, lo));
	}
}

static void sbi(struct prog *p, uint32_t eid, uint32_t fid)
{
	li(p, A7, eid);
	li(p, A6, fid);
	emit(p, ECALL);
}

/* Write (code << 16) | 0x3333 (code 0: 0x5555, pass) to the test finisher. */
static void finisher_exit_reg(struct prog *p, unsigned code_reg)
{
	li(p, T0, 0x100000);
	emit(p, SLLI(T1, code_reg, 16));
	li(p, T3, 0x3333);
	emit(p, OR(T1, T1, T3));
	emit(p, SW(T1, T0, 0));
	emit(p, J_SELF);
}

static void srst(struct prog *p, uint32_t type, uint32_t reason)
{
	li(p, A0, type);
	li(p, A1, reason);
	sbi(p, 0x53525354, 0);
	emit(p, J_SELF);
}

/* a1 = address of instruction `target` (patched later through fix_auipc). */
static unsigned auipc_a1(struct prog *p)
{
	unsigned at = emit(p, AUIPC(A1, 0));

	emit(p, ADDI(A1, A1, 0));
	return at;
}

static void fix_auipc(struct prog *p, unsigned at, unsigned target)
{
	p->w[at + 1] = ADDI(A1, A1, (int32_t)(target - at) * 4);
}

struct run {
	struct axvm_runtime_result res;
	int ret;
	char err[512];
	char console[512];
	double wall_s;
	double cpu_s;
};

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct stopper {
	struct axvm_runtime *rt;
	int after_ms;
};

static void *stopper_thread(void *arg)
{
	struct stopper *s = arg;
	struct timespec ts = {s->after_ms / 1000, (s->after_ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
	axvm_runtime_stop(s->rt);
	return NULL;
}

/*
 * Run a guest program on `cpus` vCPUs. timeout_ms bounds the run;
 * stop_after_ms > 0 calls axvm_runtime_stop from another thread.
 */
/* Adjusts the runtime options a test run uses (hooks, console). */
typedef void (*opts_hook)(struct axvm_runtime_options *o, void *ctx);

static void run_prog_with(const struct prog *p, unsigned cpus, uint64_t timeout_ms,
			  unsigned max_reboots, int stop_after_ms, struct run *r, opts_hook hook,
			  void *ctx);

static void run_prog(const struct prog *p, unsigned cpus, uint64_t timeout_ms, unsigned max_reboots,
		     int stop_after_ms, struct run *r)
{
	run_prog_with(p, cpus, timeout_ms, max_reboots, stop_after_ms, r, NULL, NULL);
}

static void run_prog_with(const struct prog *p, unsigned cpus, uint64_t timeout_ms,
			  unsigned max_reboots, int stop_after_ms, struct run *r, opts_hook hook,
			  void *ctx)
{
	char kpath[] = "/tmp/axvm-test-runtime-XXXXXX";
	char cpath[] = "/tmp/axvm-test-console-XXXXXX";
	struct axvm_runtime_options o;
	struct axvm_runtime *rt = NULL;
	pthread_t t;
	struct stopper s;
	int kfd = mkstemp(kpath), cfd = mkstemp(cpath);
	FILE *f;
	double w0, c0;

	memset(r, 0, sizeof(*r));
	r->ret = -1;
	if (kfd < 0 || cfd < 0 ||
	    write(kfd, p->w, p->n * sizeof(uint32_t)) != (ssize_t)(p->n * sizeof(uint32_t)))
		goto out;
	axvm_runtime_options_init(&o);
	o.board.kernel_path = kpath;
	o.board.cpus = cpus;
	o.board.ram_size = 16ull << 20;
	o.console_path = cpath;
	o.timeout_ms = timeout_ms;
	o.max_reboots = max_reboots;
	if (hook)
		hook(&o, ctx);
	if (axvm_runtime_create(&o, &rt))
		goto out;
	s.rt = rt;
	s.after_ms = stop_after_ms;
	if (stop_after_ms > 0)
		pthread_create(&t, NULL, stopper_thread, &s);
	w0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	r->ret = axvm_runtime_run(rt, &r->res);
	r->wall_s = clock_s(CLOCK_MONOTONIC) - w0;
	r->cpu_s = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	if (stop_after_ms > 0)
		pthread_join(t, NULL);
	snprintf(r->err, sizeof(r->err), "%s", axvm_runtime_error(rt));
	f = fopen(cpath, "r");
	if (f) {
		size_t n = fread(r->console, 1, sizeof(r->console) - 1, f);

		r->console[n] = '\0';
		fclose(f);
	}
out:
	axvm_runtime_destroy(rt);
	if (kfd >= 0) {
		close(kfd);
		unlink(kpath);
	}
	if (cfd >= 0) {
		close(cfd);
		unlink(cpath);
	}
}

TEST(test_runtime_srst_shutdown_ends_with_status_0)
{
	struct prog p = {0};
	struct run r;

	srst(&p, 0, 0);
	run_prog(&p, 1, 5000, 0, 0, &r);
	CHECK_INT(0, r.ret);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(0, r.res.status);
}

TEST(test_runtime_srst_system_failure_ends_with_status_1)
{
	struct prog p = {0};
	struct run r;

	srst(&p, 0, 1);
	run_prog(&p, 1, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(1, r.res.status);
}

TEST(test_runtime_finisher_code_is_the_exit_status)
{
	struct prog p = {0};
	struct run r;

	li(&p, A0, 3);
	finisher_exit_reg(&p, A0);
	run_prog(&p, 1, 5000, 0, 0, &r);
	CHECK_INT(0, r.ret);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(3, r.res.status);
}

TEST(test_runtime_finisher_ends_a_vm_whose_aps_never_started)
{
	struct prog p = {0};
	struct run r;

	li(&p, A0, 4);
	finisher_exit_reg(&p, A0);
	run_prog(&p, 4, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(4, r.res.status);
	CHECK(r.wall_s < 2.0);
}

TEST(test_runtime_unknown_sbi_call_returns_not_supported_and_vm_continues)
{
	struct prog p = {0};
	struct run r;
	unsigned bne;

	sbi(&p, 0x0abcde, 0);
	emit(&p, ADDI(T2, 0, -2));
	bne = emit(&p, 0);
	srst(&p, 0, 0);
	p.w[bne] = BNE(A0, T2, (int32_t)(p.n - bne) * 4);
	li(&p, A0, 1);
	finisher_exit_reg(&p, A0);
	run_prog(&p, 1, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(0, r.res.status);
}

TEST(test_runtime_hart_start_runs_ap_with_hartid_and_opaque)
{
	struct prog p = {0};
	struct run r;
	unsigned at, h1;

	li(&p, A0, 1);
	at = auipc_a1(&p);
	li(&p, A2, 41);
	sbi(&p, 0x48534D, 0);
	emit(&p, J_SELF);
	h1 = emit(&p, ADD(T2, A0, A1)); /* a0 = 1 (hart id) + a1 = 41 (opaque) */
	finisher_exit_reg(&p, T2);
	fix_auipc(&p, at, h1);
	run_prog(&p, 2, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(42, r.res.status);
}

TEST(test_runtime_stopped_ap_restarts_on_next_hart_start)
{
	struct prog p = {0};
	struct run r;
	unsigned at1, at2, loop, bne_loop, h1, bnez;

	/* hart 0: start hart 1 (opaque 0), wait until it is STOPPED, start it again (opaque 5). */
	li(&p, A0, 1);
	at1 = auipc_a1(&p);
	li(&p, A2, 0);
	sbi(&p, 0x48534D, 0);
	loop = p.n;
	li(&p, A0, 1);
	sbi(&p, 0x48534D, 2);
	li(&p, T2, 1);
	bne_loop = emit(&p, 0);
	p.w[bne_loop] = BNE(A1, T2, (int32_t)(loop - bne_loop) * 4);
	li(&p, A0, 1);
	at2 = auipc_a1(&p);
	li(&p, A2, 5);
	sbi(&p, 0x48534D, 0);
	emit(&p, J_SELF);
	/* hart 1: first start (a1 == 0) stops; the second exits with a0 + a1 = 6. */
	h1 = p.n;
	bnez = emit(&p, 0);
	sbi(&p, 0x48534D, 1);
	emit(&p, J_SELF);
	p.w[bnez] = BNE(A1, 0, (int32_t)(p.n - bnez) * 4);
	emit(&p, ADD(T2, A0, A1));
	finisher_exit_reg(&p, T2);
	fix_auipc(&p, at1, h1);
	fix_auipc(&p, at2, h1);
	run_prog(&p, 2, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(6, r.res.status);
}

TEST(test_runtime_ipi_wakes_a_halted_ap)
{
	struct prog p = {0};
	struct run r;
	unsigned at, h1;

	li(&p, A0, 1);
	at = auipc_a1(&p);
	sbi(&p, 0x48534D, 0);
	li(&p, A0, 2); /* hart_mask: hart 1 */
	li(&p, A1, 0);
	sbi(&p, 0x735049, 0);
	emit(&p, J_SELF);
	h1 = p.n;
	li(&p, T2, 2); /* sie.SSIE; sstatus.SIE stays 0: wfi wakes, no trap */
	emit(&p, CSRRS(0, CSR_SIE, T2));
	emit(&p, WFI);
	li(&p, T2, 7);
	finisher_exit_reg(&p, T2);
	fix_auipc(&p, at, h1);
	run_prog(&p, 2, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(7, r.res.status);
}

TEST(test_runtime_timer_wakes_a_halted_hart_after_its_deadline)
{
	struct prog p = {0};
	struct run r;

	emit(&p, CSRRS(T0, CSR_TIME, 0));
	li(&p, T1, 2000000); /* 200 ms at 10 MHz */
	emit(&p, ADD(A0, T0, T1));
	sbi(&p, 0x54494D45, 0);
	li(&p, T2, 1 << 5); /* sie.STIE */
	emit(&p, CSRRS(0, CSR_SIE, T2));
	emit(&p, WFI);
	li(&p, T2, 9);
	finisher_exit_reg(&p, T2);
	run_prog(&p, 1, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(9, r.res.status);
	CHECK(r.wall_s >= 0.19);
}

TEST(test_runtime_idle_guest_does_not_burn_host_cpu)
{
	struct prog p = {0};
	struct run r;

	emit(&p, WFI);
	emit(&p, JAL(0, -4));
	run_prog(&p, 2, 600, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_TIMEOUT, r.res.end);
	CHECK_INT(1, r.res.status);
	CHECK(r.wall_s >= 0.55);
	/* Busy waiting would cost about 0.6 s of CPU per vCPU. */
	if (r.cpu_s > 0.15)
		test_fail_at(__FILE__, __LINE__, "idle run used %.3f s of CPU in %.3f s", r.cpu_s,
			     r.wall_s);
}

TEST(test_runtime_stop_from_another_thread_ends_the_run)
{
	struct prog p = {0};
	struct run r;

	emit(&p, J_SELF); /* a busy guest: the stop must reach running vCPUs too */
	run_prog(&p, 2, 10000, 0, 200, &r);
	CHECK_INT(0, r.ret);
	CHECK_INT(AXVM_RUNTIME_END_STOPPED, r.res.end);
	CHECK_INT(0, r.res.status);
	CHECK(r.wall_s < 5.0);
}

TEST(test_runtime_reboot_recreates_the_vm_until_the_limit)
{
	struct prog p = {0};
	struct run r;

	srst(&p, 1, 0); /* cold reboot, every boot */
	run_prog(&p, 1, 10000, 2, 0, &r);
	CHECK_INT(2, r.res.reboots);
	CHECK_INT(AXVM_RUNTIME_END_ERROR, r.res.end);
	CHECK_INT(1, r.res.status);
	CHECK(strstr(r.err, "rebooted 2 times") != NULL);
}

TEST(test_runtime_console_output_goes_to_the_file)
{
	struct prog p = {0};
	struct run r;

	for (const char *s = "hi\n"; *s; s++) {
		li(&p, A0, (uint8_t)*s);
		sbi(&p, 0x01, 0);
	}
	srst(&p, 0, 0);
	run_prog(&p, 1, 5000, 0, 0, &r);
	CHECK_INT(0, r.res.status);
	CHECK_STR("hi\n", r.console);
}

TEST(test_runtime_missing_kernel_is_an_error_naming_the_file)
{
	struct axvm_runtime_options o;
	struct axvm_runtime_result res;
	struct axvm_runtime *rt;
	char cpath[] = "/tmp/axvm-test-console-XXXXXX";
	int cfd = mkstemp(cpath);

	axvm_runtime_options_init(&o);
	o.board.kernel_path = "/nonexistent/axvm-kernel";
	o.console_path = cpath;
	REQUIRE_OK(axvm_runtime_create(&o, &rt));
	CHECK(axvm_runtime_run(rt, &res) < 0);
	CHECK_INT(AXVM_RUNTIME_END_ERROR, res.end);
	CHECK_INT(1, res.status);
	CHECK(strstr(axvm_runtime_error(rt), "/nonexistent/axvm-kernel") != NULL);
	axvm_runtime_destroy(rt);
	close(cfd);
	unlink(cpath);
}

TEST(test_runtime_end_names)
{
	CHECK_STR("guest powered off", axvm_runtime_end_name(AXVM_RUNTIME_END_POWEROFF));
	CHECK_STR("timed out", axvm_runtime_end_name(AXVM_RUNTIME_END_TIMEOUT));
	CHECK_STR("unknown", axvm_runtime_end_name((enum axvm_runtime_end)99));
}

/* Arm the timer `ticks` ahead and enable STIE (sstatus.SIE stays 0: no trap). */
static void arm_timer(struct prog *p, uint32_t ticks)
{
	emit(p, CSRRS(T0, CSR_TIME, 0));
	li(p, T1, ticks);
	emit(p, ADD(A0, T0, T1));
	sbi(p, 0x54494D45, 0);
	li(p, T2, 1 << 5);
	emit(p, CSRRS(0, CSR_SIE, T2));
}

TEST(test_runtime_retentive_suspend_returns_success_after_the_timer)
{
	struct prog p = {0};
	struct run r;
	unsigned beqz;

	arm_timer(&p, 1000000); /* 100 ms */
	li(&p, A0, 0);
	li(&p, A1, 0);
	li(&p, A2, 0);
	sbi(&p, 0x48534D, 3);
	beqz = emit(&p, 0);
	li(&p, T2, 12); /* a0 != 0: status 12 */
	finisher_exit_reg(&p, T2);
	p.w[beqz] = BEQ(A0, 0, (int32_t)(p.n - beqz) * 4);
	li(&p, T2, 11);
	finisher_exit_reg(&p, T2);
	run_prog(&p, 1, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(11, r.res.status);
	CHECK(r.wall_s >= 0.09);
}

TEST(test_runtime_non_retentive_suspend_resumes_at_the_address_with_opaque)
{
	struct prog p = {0};
	struct run r;
	unsigned at, resume;

	arm_timer(&p, 500000); /* 50 ms */
	/* a0 = 0x80000000 (LUI sign-extends: clear the upper half). */
	emit(&p, LUI(A0, 0x80000));
	emit(&p, SLLI(A0, A0, 32));
	emit(&p, SRLI(A0, A0, 32));
	at = auipc_a1(&p);
	li(&p, A2, 13);
	sbi(&p, 0x48534D, 3);
	li(&p, T2, 14); /* returned instead of resuming: status 14 */
	finisher_exit_reg(&p, T2);
	resume = emit(&p, ADD(T2, A0, A1)); /* a0 = hart id 0, a1 = opaque 13 */
	finisher_exit_reg(&p, T2);
	fix_auipc(&p, at, resume);
	run_prog(&p, 1, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(13, r.res.status);
}

#define RTC_BASE 0x101000u
#define PLIC_BASE 0x0c000000u
#define RTC_IRQ 11

/*
 * The goldfish RTC has no thread: only the runtime's board polling fires its
 * alarm. The guest arms it 300 ms ahead, routes IRQ 11 through the PLIC to
 * hart 0's S context and sleeps in wfi until the claim returns the IRQ.
 */
TEST(test_runtime_rtc_alarm_wakes_a_guest_waiting_in_wfi)
{
	struct prog p = {0};
	struct run r;
	unsigned loop, beqz;

	li(&p, T0, RTC_BASE);
	emit(&p, LWU(T1, T0, 0x00)); /* TIME_LOW latches TIME_HIGH */
	emit(&p, LWU(T2, T0, 0x04));
	emit(&p, SLLI(T2, T2, 32));
	emit(&p, OR(T1, T1, T2));
	li(&p, T2, 300000000); /* 300 ms in ns */
	emit(&p, ADD(T1, T1, T2));
	emit(&p, SRLI(T2, T1, 32));
	emit(&p, SW(T2, T0, 0x0c)); /* ALARM_HIGH */
	emit(&p, SW(T1, T0, 0x08)); /* ALARM_LOW: arms */
	li(&p, T2, 1);
	emit(&p, SW(T2, T0, 0x10)); /* IRQ_ENABLED */
	li(&p, T0, PLIC_BASE + 4 * RTC_IRQ);
	emit(&p, SW(T2, T0, 0)); /* priority 1 */
	li(&p, T0, PLIC_BASE + 0x2080);
	li(&p, T2, 1u << RTC_IRQ);
	emit(&p, SW(T2, T0, 0)); /* enabled for context 1 (hart 0, S) */
	li(&p, T2, 1u << 9);
	emit(&p, CSRRS(0, CSR_SIE, T2)); /* sie.SEIE; sstatus.SIE stays 0: no trap */
	li(&p, T0, PLIC_BASE + 0x201004);
	loop = emit(&p, WFI);
	emit(&p, LW(A0, T0, 0)); /* claim */
	beqz = emit(&p, 0);
	p.w[beqz] = BEQ(A0, 0, (int32_t)(loop - beqz) * 4);
	finisher_exit_reg(&p, A0);
	run_prog(&p, 1, 3000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(RTC_IRQ, r.res.status);
	CHECK(r.wall_s >= 0.29);
	if (r.wall_s > 1.0)
		test_fail_at(__FILE__, __LINE__, "the alarm due at 0.3 s woke the guest at %.3f s",
			     r.wall_s);
}

/*
 * hart 0 starts hart 1, which suspends (retentive, SSIE enabled); hart 0
 * waits to see it SUSPENDED through hart_get_status, wakes it with an IPI,
 * waits to see it STARTED again and exits with 20. (Hart 1 exits with 30 +
 * the error if its suspend returns one.)
 */
TEST(test_runtime_hart_status_is_suspended_while_suspended_and_started_after_resume)
{
	struct prog p = {0};
	struct run r;
	unsigned at, w1, b1, w2, b2, h1;

	li(&p, A0, 1);
	at = auipc_a1(&p);
	sbi(&p, 0x48534D, 0); /* hart_start(1) */
	w1 = p.n;
	li(&p, A0, 1);
	sbi(&p, 0x48534D, 2); /* hart_get_status(1) */
	li(&p, T2, 4);	      /* SUSPENDED */
	b1 = emit(&p, 0);
	p.w[b1] = BNE(A1, T2, (int32_t)(w1 - b1) * 4);
	li(&p, A0, 2); /* hart_mask: hart 1 */
	li(&p, A1, 0);
	sbi(&p, 0x735049, 0);
	w2 = p.n;
	li(&p, A0, 1);
	sbi(&p, 0x48534D, 2);
	b2 = emit(&p, 0); /* until STARTED (0) */
	p.w[b2] = BNE(A1, 0, (int32_t)(w2 - b2) * 4);
	li(&p, T2, 20);
	finisher_exit_reg(&p, T2);
	h1 = p.n;
	li(&p, T2, 2); /* sie.SSIE; sstatus.SIE stays 0: the IPI resumes, no trap */
	emit(&p, CSRRS(0, CSR_SIE, T2));
	li(&p, A0, 0);
	li(&p, A1, 0);
	li(&p, A2, 0);
	sbi(&p, 0x48534D, 3);	 /* hart_suspend(retentive) */
	emit(&p, BEQ(A0, 0, 0)); /* success: spin; hart 0 ends the VM */
	emit(&p, ADDI(T2, A0, 30));
	finisher_exit_reg(&p, T2);
	fix_auipc(&p, at, h1);
	run_prog(&p, 2, 5000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(20, r.res.status);
}

/*
 * The alarm is armed while the only halted hart (1) already sleeps and
 * hart 0 spins: the vCPU threads' polls when run() returns and the main
 * thread must fire it on time, not hart 1's next bounded wakeup (1 s).
 */
TEST(test_runtime_rtc_alarm_armed_by_a_busy_hart_wakes_another_in_wfi)
{
	struct prog p = {0};
	struct run r;
	unsigned at, delay, loop, beqz, h1;

	li(&p, A0, 1);
	at = auipc_a1(&p);
	sbi(&p, 0x48534D, 0); /* hart_start(1) */
	/* 100 ms for hart 1 to reach wfi. */
	emit(&p, CSRRS(T0, CSR_TIME, 0));
	li(&p, T1, 1000000);
	emit(&p, ADD(T1, T0, T1));
	delay = emit(&p, CSRRS(T0, CSR_TIME, 0));
	emit(&p, enc_b(6, T0, T1, (int32_t)(delay - p.n) * 4)); /* bltu t0, t1, delay */
	li(&p, T0, PLIC_BASE + 4 * RTC_IRQ);
	li(&p, T2, 1);
	emit(&p, SW(T2, T0, 0)); /* priority 1 */
	li(&p, T0, PLIC_BASE + 0x2000 + 0x80 * 3);
	li(&p, T2, 1u << RTC_IRQ);
	emit(&p, SW(T2, T0, 0)); /* enabled for context 3 (hart 1, S) */
	li(&p, T0, RTC_BASE);
	emit(&p, LWU(T1, T0, 0x00));
	emit(&p, LWU(T2, T0, 0x04));
	emit(&p, SLLI(T2, T2, 32));
	emit(&p, OR(T1, T1, T2));
	li(&p, T2, 300000000);
	emit(&p, ADD(T1, T1, T2));
	emit(&p, SRLI(T2, T1, 32));
	emit(&p, SW(T2, T0, 0x0c));
	emit(&p, SW(T1, T0, 0x08));
	li(&p, T2, 1);
	emit(&p, SW(T2, T0, 0x10));
	emit(&p, J_SELF);
	h1 = p.n;
	li(&p, T2, 1u << 9);
	emit(&p, CSRRS(0, CSR_SIE, T2));
	li(&p, T0, PLIC_BASE + 0x200000 + 0x1000 * 3 + 4);
	loop = emit(&p, WFI);
	emit(&p, LW(A0, T0, 0));
	beqz = emit(&p, 0);
	patch(&p, beqz, BEQ(A0, 0, (int32_t)(loop - beqz) * 4));
	emit(&p, ADDI(A0, A0, 10));
	finisher_exit_reg(&p, A0);
	fix_auipc(&p, at, h1);
	run_prog(&p, 2, 3000, 0, 0, &r);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(RTC_IRQ + 10, r.res.status);
	CHECK(r.wall_s >= 0.39);
	if (r.wall_s > 0.8)
		test_fail_at(__FILE__, __LINE__, "the alarm due at ~0.4 s woke hart 1 at %.3f s",
			     r.wall_s);
}

/* ---- embedder hooks: hypercall handler, board_ready, the caller's console ---- */

struct hc {
	int ret; /* what the handler returns */
	unsigned calls;
	uint64_t nr, fid, a0; /* what the last call carried */
	unsigned vcpu_id;
};

static int hc_handler(void *opaque, struct axvm *vm, unsigned vcpu_id, const struct axvm_exit *exit)
{
	struct hc *h = opaque;
	struct axvm_vcpu *vcpu = axvm_vcpu(vm, vcpu_id);

	h->calls++;
	h->nr = exit->hypercall.nr;
	h->fid = exit->hypercall.fid;
	h->a0 = exit->hypercall.args[0];
	h->vcpu_id = vcpu_id;
	if (h->ret == 0)
		axvm_vcpu_set_hypercall_result(vcpu, 0, exit->hypercall.args[0] + 37);
	return h->ret;
}

static void hook_hypercall(struct axvm_runtime_options *o, void *ctx)
{
	o->hypercall = hc_handler;
	o->hypercall_opaque = ctx;
}

/* Call EID 0x0abcde FID 3 with a0 = 5; if a0 comes back 0, exit with status a1, else 1. */
static void prog_custom_call(struct prog *p)
{
	unsigned beq;

	li(p, A0, 5);
	sbi(p, 0x0abcde, 3);
	beq = emit(p, 0);
	li(p, A0, 1);
	finisher_exit_reg(p, A0);
	patch(p, beq, BEQ(A0, 0, (int32_t)(p->n - beq) * 4));
	finisher_exit_reg(p, A1);
}

TEST(test_runtime_hypercall_handler_answers_an_unknown_sbi_extension)
{
	struct prog p = {0};
	struct hc h = {0};
	struct run r;

	prog_custom_call(&p);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_hypercall, &h);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(42, r.res.status); /* a1 = a0 (5) + 37 */
	CHECK_INT(1, h.calls);
	CHECK_U64(0x0abcde, h.nr);
	CHECK_U64(3, h.fid);
	CHECK_U64(5, h.a0);
	CHECK_INT(0, h.vcpu_id);
}

static long hc_probe(void *opaque, uint64_t eid)
{
	return eid == 0x0abcde ? 42 : 0;
}

static void hook_hypercall_probe(struct axvm_runtime_options *o, void *ctx)
{
	o->hypercall_probe = hc_probe;
	o->hypercall_opaque = ctx;
}

TEST(test_runtime_hypercall_probe_answers_sbi_probe_extension)
{
	struct prog p = {0};
	struct run r;

	li(&p, A0, 0x0abcde);
	sbi(&p, 0x10, 3); /* Base probe_extension */
	finisher_exit_reg(&p, A1);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_hypercall_probe, NULL);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(42, r.res.status);
}

TEST(test_runtime_hypercall_handler_enotsup_gives_the_guest_not_supported)
{
	struct prog p = {0};
	struct hc h = {.ret = -AXVM_ENOTSUP};
	struct run r;
	unsigned bne;

	sbi(&p, 0x0abcde, 0);
	emit(&p, ADDI(T2, 0, -2));
	bne = emit(&p, 0);
	srst(&p, 0, 0);
	p.w[bne] = BNE(A0, T2, (int32_t)(p.n - bne) * 4);
	li(&p, A0, 1);
	finisher_exit_reg(&p, A0);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_hypercall, &h);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(0, r.res.status);
	CHECK_INT(1, h.calls);
}

TEST(test_runtime_hypercall_handler_error_ends_the_run_with_an_error)
{
	struct prog p = {0};
	struct hc h = {.ret = -AXVM_EIO};
	struct run r;

	prog_custom_call(&p);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_hypercall, &h);
	CHECK_INT(AXVM_RUNTIME_END_ERROR, r.res.end);
	CHECK_INT(1, r.res.status);
	CHECK(strstr(r.err, "hypercall 0xabcde fid 3: handler failed") != NULL);
}

/* A read-only MMIO register at DEV_BASE reading 42, added through board_ready. */
#define DEV_BASE 0x20000000u

struct dev_ctx {
	int ret; /* board_ready's return */
	unsigned boards;
};

static int dev_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	*value = offset == 0 ? 42 : 0;
	return 0;
}

static int dev_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	return 0;
}

static const struct axvm_device_ops dev_ops = {.read = dev_read, .write = dev_write};

static int dev_board_ready(void *opaque, struct axvm_board *board)
{
	struct dev_ctx *d = opaque;
	struct axvm_device_desc desc = {
	    .name = "test-reg",
	    .base = DEV_BASE,
	    .size = 0x1000,
	    .min_width = 4,
	    .max_width = 4,
	    .ops = &dev_ops,
	    .opaque = d,
	};

	d->boards++;
	if (d->ret)
		return d->ret;
	/* Not booted yet: the VM is Loaded. */
	if (axvm_status(axvm_board_vm(board)) != AXVM_VM_LOADED)
		return -AXVM_ESTATE;
	return axvm_register_device(axvm_board_vm(board), AXVM_BUS_MMIO, &desc);
}

static void hook_board_ready(struct axvm_runtime_options *o, void *ctx)
{
	o->board_ready = dev_board_ready;
	o->board_ready_opaque = ctx;
}

TEST(test_runtime_board_ready_registers_a_device_the_guest_reads)
{
	struct prog p = {0};
	struct dev_ctx d = {0};
	struct run r;

	li(&p, T0, DEV_BASE);
	emit(&p, LW(A0, T0, 0));
	finisher_exit_reg(&p, A0);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_board_ready, &d);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(42, r.res.status);
	CHECK_INT(1, d.boards);
}

TEST(test_runtime_board_ready_runs_again_for_each_reboot)
{
	struct prog p = {0};
	struct dev_ctx d = {0};
	struct run r;

	srst(&p, 1, 0); /* cold reboot, every boot */
	run_prog_with(&p, 1, 10000, 2, 0, &r, hook_board_ready, &d);
	CHECK_INT(2, r.res.reboots);
	CHECK_INT(3, d.boards);
}

/* ---- devices from the options (board.devices), on the runtime's event loop ---- */

struct disk_ctx {
	char path[64];
};

static void hook_disk(struct axvm_runtime_options *o, void *ctx)
{
	struct disk_ctx *d = ctx;

	o->board.devices[0] = (struct axvm_board_device){"virtio-blk", d->path, "-d"};
	o->board.devices[1] = (struct axvm_board_device){"virtio-rng", NULL, "--rng"};
	o->board.device_count = 2;
}

static bool make_disk(struct disk_ctx *d)
{
	int fd;

	snprintf(d->path, sizeof(d->path), "/tmp/axvm-test-disk-XXXXXX");
	fd = mkstemp(d->path);
	if (fd < 0)
		return false;
	if (ftruncate(fd, 1 << 20) != 0) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* The guest reads DeviceID of the top slot (the first device) and exits with it. */
TEST(test_runtime_devices_from_the_options_are_on_the_guest_bus)
{
	struct prog p = {0};
	struct disk_ctx d;
	struct run r;

	REQUIRE(make_disk(&d));
	li(&p, T0, 0x10008000);
	emit(&p, LW(A0, T0, 8));
	finisher_exit_reg(&p, A0);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_disk, &d);
	CHECK_INT(AXVM_RUNTIME_END_POWEROFF, r.res.end);
	CHECK_INT(2, r.res.status); /* virtio DeviceID 2: block */
	unlink(d.path);
}

/* Each boot's board releases the image before the next one locks it again. */
TEST(test_runtime_devices_are_rebuilt_on_each_reboot)
{
	struct prog p = {0};
	struct disk_ctx d;
	struct run r;

	REQUIRE(make_disk(&d));
	srst(&p, 1, 0); /* cold reboot, every boot */
	run_prog_with(&p, 1, 10000, 2, 0, &r, hook_disk, &d);
	CHECK_INT(2, r.res.reboots);
	CHECK(strstr(r.err, "rebooted 2 times") != NULL);
	unlink(d.path);
}

TEST(test_runtime_device_error_names_its_origin)
{
	struct prog p = {0};
	struct disk_ctx d;
	struct run r;

	snprintf(d.path, sizeof(d.path), "/nonexistent/disk.img");
	srst(&p, 0, 0);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_disk, &d);
	CHECK_INT(AXVM_RUNTIME_END_ERROR, r.res.end);
	CHECK_STR("-d /nonexistent/disk.img: No such file or directory", r.err);
}

TEST(test_runtime_board_ready_failure_ends_the_run_with_its_error)
{
	struct prog p = {0};
	struct dev_ctx d = {.ret = -AXVM_EBUSY};
	struct run r;

	srst(&p, 0, 0);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_board_ready, &d);
	CHECK_INT(-AXVM_EBUSY, r.ret);
	CHECK_INT(AXVM_RUNTIME_END_ERROR, r.res.end);
	CHECK_INT(1, r.res.status);
	CHECK(strstr(r.err, "board_ready") != NULL);
}

struct capture {
	char buf[64];
	size_t len;
	struct axvm_console *con;
};

static void capture_write(void *opaque, const uint8_t *buf, size_t len)
{
	struct capture *c = opaque;

	for (size_t i = 0; i < len && c->len + 1 < sizeof(c->buf); i++)
		c->buf[c->len++] = (char)buf[i];
	c->buf[c->len] = '\0';
}

static void hook_console(struct axvm_runtime_options *o, void *ctx)
{
	struct capture *c = ctx;

	o->board.console = c->con;
	o->console_path = NULL;
}

TEST(test_runtime_callers_console_receives_the_guest_output)
{
	struct prog p = {0};
	struct capture c = {0};
	struct axvm_console_sink sink = {.write = capture_write, .opaque = &c};
	struct run r;

	REQUIRE_OK(axvm_console_create(&sink, &c.con));
	for (const char *s = "ok\n"; *s; s++) {
		li(&p, A0, (uint8_t)*s);
		sbi(&p, 0x01, 0);
	}
	srst(&p, 0, 0);
	run_prog_with(&p, 1, 5000, 0, 0, &r, hook_console, &c);
	CHECK_INT(0, r.res.status);
	CHECK_STR("ok\n", c.buf);
	CHECK_STR("", r.console); /* nothing went to the console file */
	axvm_console_destroy(c.con);
}

TEST(test_runtime_callers_console_with_console_path_is_refused)
{
	struct axvm_runtime_options o;
	struct axvm_runtime *rt = NULL;
	struct axvm_console_sink sink = {.write = capture_write, .opaque = NULL};
	struct axvm_console *con;

	REQUIRE_OK(axvm_console_create(&sink, &con));
	axvm_runtime_options_init(&o);
	o.board.kernel_path = "/nonexistent/axvm-kernel";
	o.board.console = con;
	o.console_path = "/tmp/axvm-test-console-unused";
	CHECK_INT(-AXVM_EINVAL, axvm_runtime_create(&o, &rt));
	CHECK(rt == NULL);
	axvm_console_destroy(con);
}
