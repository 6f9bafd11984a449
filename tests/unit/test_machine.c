/* SPDX-License-Identifier: MIT */
/*
 * The public riscv64 machine (axvm/riscv64.h) as an embedder without the
 * board uses it: a VM built through axvm_create with the machine in its
 * vCPUs' arch config, tiny hand-encoded guests, and the caller's own
 * axvm_run_vcpu loops (one host thread per vCPU). Checks the SBI console,
 * HSM hart_start of another hart (CpuUp), and Hypercall exits for an SBI
 * extension the VMM does not serve.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axvm/config.h"
#include "axvm/console.h"
#include "axvm/riscv64.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "test.h"
#include "unit/test_hart_util.h"

#define A0 10
#define A1 11
#define A2 12
#define A6 16
#define A7 17
#define T0 5
#define T1 6

#define EID_HSM 0x48534du
#define EID_SRST 0x53525354u
#define EID_DBCN 0x4442434eu
#define EID_CUSTOM 0x0a00beefu /* vendor-specific range: nobody serves it */

#define FLAG (RAM_BASE + 0x2000) /* a word the guests exchange results through */

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

#define SLLI(rd, rs1, sh) enc_i(0x13, rd, 1, rs1, sh)
#define SRLI(rd, rs1, sh) enc_i(0x13, rd, 5, rs1, sh)

/* rd = v (sign-extended 32-bit). */
static void li(struct prog *p, unsigned rd, uint32_t v)
{
	uint32_t hi = (v + 0x800) >> 12;
	int32_t lo = (int32_t)(v - (hi << 12));

	if (hi) {
		emit(p, LUI(rd, hi & 0xfffff));
		emit(p, ADDIW(rd, rd, lo));
	} else {
		emit(p, ADDI(rd, 0, lo));
	}
}

/* rd = v zero-extended (RAM addresses have bit 31 set). */
static void li_u32(struct prog *p, unsigned rd, uint32_t v)
{
	li(p, rd, v);
	emit(p, SLLI(rd, rd, 32));
	emit(p, SRLI(rd, rd, 32));
}

static void sbi(struct prog *p, uint32_t eid, uint32_t fid)
{
	li(p, A7, eid);
	li(p, A6, fid);
	emit(p, ECALL);
}

/* DBCN console_write_byte of a constant. */
static void put(struct prog *p, char c)
{
	li(p, A0, (uint8_t)c);
	sbi(p, EID_DBCN, 2);
}

struct embed {
	struct axvm_console *con;
	struct axvm_riscv64_machine *m;
	struct axvm_riscv64_config rvcfg;
	struct axvm_config *cfg;
	struct axvm *vm;
	char out[64];
	size_t out_len;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool start, done; /* a CpuUp for vCPU 1 arrived / vCPU 0's loop ended */
	uint64_t start_entry, start_arg;
	uint64_t deadline_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void embed_sink(void *opaque, const uint8_t *buf, size_t len)
{
	struct embed *e = opaque;

	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < len && e->out_len + 1 < sizeof(e->out); i++)
		e->out[e->out_len++] = (char)buf[i];
	e->out[e->out_len] = '\0';
	pthread_mutex_unlock(&e->lock);
}

/* A board-less VM: RAM at RAM_BASE, `nharts` riscv64 vCPUs sharing one machine. */
static int embed_init(struct embed *e, unsigned nharts, const struct prog *p)
{
	struct axvm_console_sink sink = {.write = embed_sink, .opaque = e};
	int ret;

	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	e->deadline_ms = now_ms() + 5000;
	e->cfg = calloc(1, sizeof(*e->cfg));
	if (!e->cfg)
		return -AXVM_ENOMEM;
	if ((ret = axvm_console_create(&sink, &e->con)))
		return ret;
	if ((ret = axvm_riscv64_machine_create(nharts, &e->m)))
		return ret;
	axvm_riscv64_machine_set_console(e->m, e->con);
	e->rvcfg.machine = e->m;
	axvm_config_init(e->cfg);
	e->cfg->cpu_num = nharts;
	e->cfg->region_count = 1;
	e->cfg->regions[0].gpa = RAM_BASE;
	e->cfg->regions[0].size = RAM_SIZE;
	e->cfg->regions[0].flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC;
	e->cfg->regions[0].map_type = AXVM_MAP_ALLOC;
	e->cfg->bsp_entry = e->cfg->ap_entry = RAM_BASE;
	e->cfg->vcpu_ops = axvm_riscv64_vcpu_ops();
	e->cfg->vcpu_arch_config = &e->rvcfg;
	if ((ret = axvm_create(e->cfg, &e->vm)) || (ret = axvm_init(e->vm)))
		return ret;
	if ((ret = axvm_riscv64_machine_attach(e->m, e->vm)))
		return ret;
	if ((ret = axvm_write_guest(e->vm, RAM_BASE, p->w, p->n * 4)))
		return ret;
	return axvm_boot(e->vm);
}

static void embed_fini(struct embed *e)
{
	axvm_destroy(e->vm);
	axvm_riscv64_machine_destroy(e->m);
	axvm_console_destroy(e->con);
	free(e->cfg);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
}

static uint32_t read_flag(struct embed *e)
{
	uint32_t v = 0;

	axvm_read_guest(e->vm, FLAG, &v, sizeof(v));
	return v;
}

/* ---- two harts, the caller's own run loops ---- */

struct loop0 {
	struct embed *e;
	int cpu_ups;
	bool system_down;
	enum axvm_exit_reason bad; /* an exit the loop did not expect */
	int ret;
};

static void *vcpu0_loop(void *arg)
{
	struct loop0 *l = arg;
	struct embed *e = l->e;
	struct axvm_exit exit;

	l->bad = AXVM_EXIT_REASON_COUNT;
	while (now_ms() < e->deadline_ms) {
		l->ret = axvm_run_vcpu(e->vm, 0, &exit);
		if (l->ret)
			break;
		if (exit.reason == AXVM_EXIT_NOTHING)
			continue;
		if (exit.reason == AXVM_EXIT_CPU_UP && exit.cpu_up.target_cpu == 1) {
			l->cpu_ups++;
			pthread_mutex_lock(&e->lock);
			e->start = true;
			e->start_entry = exit.cpu_up.entry_point;
			e->start_arg = exit.cpu_up.arg;
			pthread_cond_broadcast(&e->cond);
			pthread_mutex_unlock(&e->lock);
			continue;
		}
		if (exit.reason == AXVM_EXIT_SYSTEM_DOWN)
			l->system_down = true;
		else
			l->bad = exit.reason;
		break;
	}
	pthread_mutex_lock(&e->lock);
	e->done = true;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

struct loop1 {
	struct embed *e;
	bool started, stopped;
	enum axvm_exit_reason bad;
	int ret;
};

static void *vcpu1_loop(void *arg)
{
	struct loop1 *l = arg;
	struct embed *e = l->e;
	struct axvm_vcpu *vcpu = axvm_vcpu(e->vm, 1);
	struct axvm_exit exit;

	l->bad = AXVM_EXIT_REASON_COUNT;
	pthread_mutex_lock(&e->lock);
	while (!e->start && !e->done)
		pthread_cond_wait(&e->cond, &e->lock);
	l->started = e->start;
	pthread_mutex_unlock(&e->lock);
	if (!l->started)
		return NULL;
	/* The SBI boot protocol: entry, a0 = hart id, a1 = opaque. */
	l->ret = axvm_vcpu_set_entry(vcpu, e->start_entry);
	if (!l->ret)
		l->ret = axvm_vcpu_set_gpr(vcpu, A0, 1);
	if (!l->ret)
		l->ret = axvm_vcpu_set_gpr(vcpu, A1, e->start_arg);
	while (!l->ret && now_ms() < e->deadline_ms) {
		l->ret = axvm_run_vcpu(e->vm, 1, &exit);
		if (l->ret || exit.reason == AXVM_EXIT_NOTHING)
			continue;
		if (exit.reason == AXVM_EXIT_CPU_DOWN)
			l->stopped = true;
		else
			l->bad = exit.reason;
		break;
	}
	return NULL;
}

/*
 * Hart 0 prints "0", starts hart 1 at `h1` with opaque 7, waits for FLAG,
 * powers off. Hart 1 prints "1", stores a0 + a1 (1 + 7) to FLAG, stops.
 */
static void prog_two_harts(struct prog *p)
{
	unsigned auipc, wait, h1;

	put(p, '0');
	li(p, A0, 1);
	auipc = emit(p, 0);
	emit(p, NOP);
	li(p, A2, 7);
	sbi(p, EID_HSM, 0);
	li_u32(p, T0, (uint32_t)FLAG);
	wait = emit(p, LW(T1, T0, 0));
	emit(p, BEQ(T1, 0, ((int32_t)wait - (int32_t)p->n) * 4));
	li(p, A0, 0);
	li(p, A1, 0);
	sbi(p, EID_SRST, 0);
	emit(p, JAL(0, 0));
	h1 = emit(p, ADD(T1, A0, A1));
	put(p, '1');
	li_u32(p, T0, (uint32_t)FLAG);
	emit(p, SW(T1, T0, 0));
	sbi(p, EID_HSM, 1);
	emit(p, JAL(0, 0));
	/* a1 = pc of the auipc + distance to h1 */
	p->w[auipc] = (uint32_t)A1 << 7 | 0x17;
	p->w[auipc + 1] = ADDI(A1, A1, (int32_t)(h1 - auipc) * 4);
}

TEST(test_machine_boardless_vm_prints_on_sbi_console_and_starts_hart_1)
{
	struct prog p = {0};
	struct embed e;
	struct loop0 l0 = {.e = &e};
	struct loop1 l1 = {.e = &e};
	pthread_t t0, t1;

	prog_two_harts(&p);
	REQUIRE_OK(embed_init(&e, 2, &p));
	REQUIRE(pthread_create(&t1, NULL, vcpu1_loop, &l1) == 0);
	REQUIRE(pthread_create(&t0, NULL, vcpu0_loop, &l0) == 0);
	pthread_join(t0, NULL);
	pthread_join(t1, NULL);
	CHECK_INT(0, l0.ret);
	CHECK_INT(0, l1.ret);
	CHECK_INT(AXVM_EXIT_REASON_COUNT, l0.bad);
	CHECK_INT(AXVM_EXIT_REASON_COUNT, l1.bad);
	CHECK_INT(1, l0.cpu_ups);
	CHECK(l1.started);
	CHECK(l1.stopped);
	CHECK(l0.system_down);
	CHECK_U64(8, read_flag(&e)); /* hart id 1 + opaque 7 */
	CHECK_STR("01", e.out);
	embed_fini(&e);
}

/* ---- Hypercall exits through axvm_run_vcpu ---- */

/*
 * Call EID_CUSTOM fid 5 with a0 = 11, a1 = 22; store the returned a0 at FLAG
 * and a1 at FLAG + 4; power off.
 */
static void prog_custom_call(struct prog *p, unsigned *ecall_at)
{
	li(p, A0, 11);
	li(p, A1, 22);
	li(p, A7, EID_CUSTOM);
	li(p, A6, 5);
	*ecall_at = emit(p, ECALL);
	li_u32(p, T0, (uint32_t)FLAG);
	emit(p, SW(A0, T0, 0));
	emit(p, SW(A1, T0, 4));
	li(p, A0, 0);
	li(p, A1, 0);
	sbi(p, EID_SRST, 0);
	emit(p, JAL(0, 0));
}

/* Run vCPU 0 to its first exit other than Nothing. */
static int run_to_exit(struct embed *e, struct axvm_exit *exit)
{
	int ret;

	do {
		ret = axvm_run_vcpu(e->vm, 0, exit);
	} while (!ret && exit->reason == AXVM_EXIT_NOTHING && now_ms() < e->deadline_ms);
	return ret;
}

TEST(test_machine_unknown_extension_is_a_hypercall_exit_with_pc_past_the_ecall)
{
	struct prog p = {0};
	struct embed e;
	struct axvm_exit exit;
	unsigned at;
	uint64_t pc = 0, fid_reg = 0;

	prog_custom_call(&p, &at);
	REQUIRE_OK(embed_init(&e, 1, &p));
	REQUIRE_OK(run_to_exit(&e, &exit));
	CHECK_INT(AXVM_EXIT_HYPERCALL, exit.reason);
	CHECK_U64(EID_CUSTOM, exit.hypercall.nr);
	CHECK_U64(5, exit.hypercall.fid);
	CHECK_U64(11, exit.hypercall.args[0]);
	CHECK_U64(22, exit.hypercall.args[1]);
	axvm_vcpu_get_gpr(axvm_vcpu(e.vm, 0), AXVM_RISCV64_REG_PC, &pc);
	CHECK_U64(RAM_BASE + at * 4 + 4, pc);
	axvm_vcpu_get_gpr(axvm_vcpu(e.vm, 0), A6, &fid_reg);
	CHECK_U64(5, fid_reg);
	embed_fini(&e);
}

TEST(test_machine_hypercall_answer_reaches_the_guest)
{
	struct prog p = {0};
	struct embed e;
	struct axvm_exit exit;
	unsigned at;
	uint32_t res[2] = {0};

	prog_custom_call(&p, &at);
	REQUIRE_OK(embed_init(&e, 1, &p));
	REQUIRE_OK(run_to_exit(&e, &exit));
	REQUIRE(exit.reason == AXVM_EXIT_HYPERCALL);
	REQUIRE_OK(axvm_vcpu_set_return_value(axvm_vcpu(e.vm, 0), 0));
	REQUIRE_OK(axvm_vcpu_set_gpr(axvm_vcpu(e.vm, 0), A1, 33));
	REQUIRE_OK(run_to_exit(&e, &exit));
	CHECK_INT(AXVM_EXIT_SYSTEM_DOWN, exit.reason);
	axvm_read_guest(e.vm, FLAG, res, sizeof(res));
	CHECK_U64(0, res[0]);
	CHECK_U64(33, res[1]);
	embed_fini(&e);
}

TEST(test_machine_ignored_hypercall_gives_the_guest_not_supported)
{
	struct prog p = {0};
	struct embed e;
	struct axvm_exit exit;
	unsigned at;
	uint32_t res[2] = {0};

	prog_custom_call(&p, &at);
	REQUIRE_OK(embed_init(&e, 1, &p));
	REQUIRE_OK(run_to_exit(&e, &exit));
	REQUIRE(exit.reason == AXVM_EXIT_HYPERCALL);
	REQUIRE_OK(run_to_exit(&e, &exit)); /* no answer: resume as is */
	CHECK_INT(AXVM_EXIT_SYSTEM_DOWN, exit.reason);
	axvm_read_guest(e.vm, FLAG, res, sizeof(res));
	CHECK_U64((uint32_t)-2, res[0]); /* SBI_ERR_NOT_SUPPORTED */
	CHECK_U64(0, res[1]);
	embed_fini(&e);
}

/* ---- attach's checks ---- */

TEST(test_machine_attach_refuses_a_vm_with_another_vcpu_count)
{
	struct prog p = {0};
	struct embed e;
	struct axvm_riscv64_machine *m2;

	emit(&p, JAL(0, 0));
	REQUIRE_OK(embed_init(&e, 1, &p));
	REQUIRE_OK(axvm_riscv64_machine_create(2, &m2));
	CHECK_INT(-AXVM_EINVAL, axvm_riscv64_machine_attach(m2, e.vm));
	axvm_riscv64_machine_destroy(m2);
	embed_fini(&e);
}

TEST(test_machine_attach_refuses_harts_created_with_another_machine)
{
	struct prog p = {0};
	struct embed e;
	struct axvm_riscv64_machine *m2;

	emit(&p, JAL(0, 0));
	REQUIRE_OK(embed_init(&e, 1, &p));
	REQUIRE_OK(axvm_riscv64_machine_create(1, &m2));
	CHECK_INT(-AXVM_EINVAL, axvm_riscv64_machine_attach(m2, e.vm));
	axvm_riscv64_machine_destroy(m2);
	embed_fini(&e);
}

TEST(test_machine_create_refuses_zero_harts)
{
	struct axvm_riscv64_machine *m = (void *)1;

	CHECK_INT(-AXVM_EINVAL, axvm_riscv64_machine_create(0, &m));
	CHECK(m == NULL);
}
