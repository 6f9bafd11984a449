/* SPDX-License-Identifier: MIT */
/*
 * SBI unit tests: every function of every extension and its error codes,
 * driven through rv_sbi_ecall with harts whose registers the test sets (a7 =
 * EID, a6 = FID, a0.. = arguments), on a machine of up to four harts with a
 * real address space (RAM at 0x80000000) and a console that records output.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/riscv64/hart.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"
#include "axvm/addrspace.h"
#include "axvm/console.h"
#include "axvm/riscv64.h"
#include "test.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)
#define MMIO_BASE 0x10000000ull

struct fx {
	struct axvm_addrspace *as;
	struct axvm_console *con;
	struct rv_machine *m;
	struct rv_hart *h[4];
	unsigned n;
	char out[256];
	size_t out_len;
};

static void fx_sink(void *opaque, const uint8_t *buf, size_t len)
{
	struct fx *f = opaque;

	for (size_t i = 0; i < len && f->out_len + 1 < sizeof(f->out); i++)
		f->out[f->out_len++] = (char)buf[i];
	f->out[f->out_len] = '\0';
}

static int fx_init(struct fx *f, unsigned nharts)
{
	struct axvm_console_sink sink = {.write = fx_sink, .opaque = f};
	struct axvm_riscv64_config cfg = {0};
	int err;

	memset(f, 0, sizeof(*f));
	f->n = nharts;
	err = axvm_addrspace_create(axvm_hal_linux(), &f->as);
	if (!err)
		err = axvm_addrspace_map_linear(f->as, RAM_BASE, RAM_SIZE,
						AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC);
	if (!err)
		err = axvm_addrspace_map_mmio(f->as, MMIO_BASE, 0x1000);
	if (!err)
		err = axvm_console_create(&sink, &f->con);
	if (!err)
		err = rv_machine_create(nharts, f->con, &f->m);
	cfg.machine = f->m;
	for (unsigned i = 0; !err && i < nharts; i++) {
		err = rv_hart_create(&cfg, i, axvm_hal_linux(), &f->h[i]);
		if (!err) {
			f->h[i]->as = f->as;
			err = rv_machine_attach_hart(f->m, i, f->h[i]);
		}
	}
	return err;
}

static void fx_fini(struct fx *f)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->h[i])
			rv_hart_destroy(f->h[i]);
	rv_machine_destroy(f->m);
	axvm_console_destroy(f->con);
	axvm_addrspace_destroy(f->as);
}

/* Set up an ecall: a7 = eid, a6 = fid, a0..a5 = args. */
static void set_call(struct rv_hart *h, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
		     uint64_t a2, uint64_t a3, uint64_t a4)
{
	h->x[17] = eid;
	h->x[16] = fid;
	h->x[10] = a0;
	h->x[11] = a1;
	h->x[12] = a2;
	h->x[13] = a3;
	h->x[14] = a4;
	h->x[15] = 0;
}

/* Perform a call; returns rv_sbi_ecall's result. */
static int call(struct rv_hart *h, struct axvm_exit *exit, uint64_t eid, uint64_t fid, uint64_t a0,
		uint64_t a1, uint64_t a2)
{
	set_call(h, eid, fid, a0, a1, a2, 0, 0);
	return rv_sbi_ecall(h, exit);
}

static uint32_t pending(struct rv_hart *h)
{
	return __atomic_load_n(&h->pending, __ATOMIC_SEQ_CST);
}

#define FX(f, n)                                                                                   \
	struct fx f;                                                                               \
	REQUIRE_OK(fx_init(&f, n))

/* ---- dispatch ---- */

TEST(test_sbi_unknown_extension_becomes_hypercall_exit_with_eid_fid_and_args)
{
	FX(f, 1);
	struct axvm_exit e;

	set_call(f.h[0], 0x12345678, 7, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4);
	f.h[0]->x[15] = 0xa5;
	CHECK_INT(0, rv_sbi_ecall(f.h[0], &e));
	CHECK_INT(AXVM_EXIT_HYPERCALL, e.reason);
	CHECK_U64(0x12345678, e.hypercall.nr);
	CHECK_U64(7, e.hypercall.fid);
	CHECK_U64(0xa0, e.hypercall.args[0]);
	CHECK_U64(0xa1, e.hypercall.args[1]);
	CHECK_U64(0xa2, e.hypercall.args[2]);
	CHECK_U64(0xa3, e.hypercall.args[3]);
	CHECK_U64(0xa4, e.hypercall.args[4]);
	CHECK_U64(0xa5, e.hypercall.args[5]);
	fx_fini(&f);
}

TEST(test_sbi_unknown_extension_presets_not_supported_for_a_caller_that_ignores_the_exit)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, 0x12345678, 0, 0x55, 0x66, 0));
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, f.h[0]->x[11]);
	/* a2..a7 are the guest's: the VMM may still read them. */
	CHECK_U64(0x12345678, f.h[0]->x[17]);
	fx_fini(&f);
}

TEST(test_sbi_negative_eid_becomes_hypercall_with_the_sign_extended_a7)
{
	FX(f, 1);
	struct axvm_exit e;

	/* EID 0x80000000 as the guest's li a7 leaves it: sign-extended. */
	CHECK_INT(0, call(f.h[0], &e, 0xffffffff80000000ull, 1, 0, 0, 0));
	CHECK_INT(AXVM_EXIT_HYPERCALL, e.reason);
	CHECK_U64(0xffffffff80000000ull, e.hypercall.nr);
	fx_fini(&f);
}

TEST(test_sbi_implemented_extension_never_becomes_hypercall)
{
	FX(f, 1);
	struct axvm_exit e;

	/* TIME with an unknown FID is ours to refuse. */
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_TIME, 9, 0, 0, 0));
	CHECK_INT(AXVM_EXIT_NOTHING, e.reason);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_eid_wider_than_32_bits_is_answered_not_supported_without_exit)
{
	FX(f, 1);
	struct axvm_exit e;

	/* 0x1_0000_0010 is not the sign extension of Base's 0x10. */
	CHECK_INT(1, call(f.h[0], &e, 0x100000010ull, 0, 0, 0, 0));
	CHECK_INT(AXVM_EXIT_NOTHING, e.reason);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_unknown_legacy_extension_returns_not_supported)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(1, call(f.h[0], &e, 0x09, 0, 0, 0, 0));
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

/* ---- guest diagnostics ---- */

TEST(test_sbi_guest_notes_are_rate_limited_per_hart)
{
	FX(f, 2);
	struct axvm_exit e;
	enum axvm_log_level old = axvm_log_get_level();

	axvm_log_set_level(AXVM_LOG_DEBUG);
	CHECK_INT(1, call(f.h[1], &e, SBI_EXT_BASE, 99, 0, 0, 0));
	CHECK_INT(1, call(f.h[1], &e, SBI_EXT_BASE, 99, 0, 0, 0));
	axvm_log_set_level(old);
	CHECK_INT(2, f.h[1]->sbi_log_limit.printed);
	CHECK_INT(0, f.h[0]->sbi_log_limit.printed);
	fx_fini(&f);
}

TEST(test_sbi_hart_without_machine_rate_limits_its_notes_in_the_hart)
{
	struct axvm_riscv64_config cfg = {0};
	struct axvm_exit e;
	struct rv_hart *h;
	enum axvm_log_level old = axvm_log_get_level();

	REQUIRE_OK(rv_hart_create(&cfg, 0, axvm_hal_linux(), &h));
	axvm_log_set_level(AXVM_LOG_DEBUG);
	CHECK_INT(1, call(h, &e, SBI_EXT_BASE, 99, 0, 0, 0));
	axvm_log_set_level(old);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)h->x[10]);
	CHECK_INT(1, h->sbi_log_limit.printed);
	rv_hart_destroy(h);
}

/* ---- Base ---- */

TEST(test_sbi_base_spec_version_is_3_0)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_BASE, 0, 0, 0, 0));
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0x03000000, f.h[0]->x[11]);
	fx_fini(&f);
}

TEST(test_sbi_base_impl_id_and_version)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_BASE, 1, 0, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0x6178766d, f.h[0]->x[11]);
	call(f.h[0], &e, SBI_EXT_BASE, 2, 0, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0x100, f.h[0]->x[11]);
	fx_fini(&f);
}

TEST(test_sbi_base_probe_finds_every_implemented_extension)
{
	static const uint64_t eids[] = {
	    SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM,  SBI_EXT_SRST,
	    SBI_EXT_DBCN, SBI_EXT_PMU,	SBI_EXT_STA, SBI_EXT_SUSP,   SBI_EXT_FWFT, SBI_EXT_DBTR,
	    SBI_EXT_SSE,  0x00,		0x01,	     0x02,	     0x08};
	FX(f, 1);
	struct axvm_exit e;

	for (size_t i = 0; i < sizeof(eids) / sizeof(eids[0]); i++) {
		call(f.h[0], &e, SBI_EXT_BASE, 3, eids[i], 0, 0);
		CHECK_INT(0, (int64_t)f.h[0]->x[10]);
		CHECK_U64(1, f.h[0]->x[11]);
	}
	fx_fini(&f);
}

TEST(test_sbi_base_probe_unknown_extension_returns_0)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_BASE, 3, 0x43505043 /* CPPC */, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, f.h[0]->x[11]);
	call(f.h[0], &e, SBI_EXT_BASE, 3, 0x4E41434C /* NACL */, 0, 0);
	CHECK_U64(0, f.h[0]->x[11]);
	call(f.h[0], &e, SBI_EXT_BASE, 3, 0x4D505859 /* MPXY */, 0, 0);
	CHECK_U64(0, f.h[0]->x[11]);
	call(f.h[0], &e, SBI_EXT_BASE, 3, 0x09, 0, 0);
	CHECK_U64(0, f.h[0]->x[11]);
	call(f.h[0], &e, SBI_EXT_BASE, 3, 0x0f, 0, 0);
	CHECK_U64(0, f.h[0]->x[11]);
	fx_fini(&f);
}

static long probe_custom(void *opaque, uint64_t eid)
{
	return eid == 0x0abcde ? *(long *)opaque : 0;
}

TEST(test_sbi_base_probe_asks_the_machine_about_extensions_it_does_not_serve)
{
	FX(f, 1);
	struct axvm_exit e;
	long answer = 5;

	axvm_riscv64_machine_set_probe((struct axvm_riscv64_machine *)(void *)f.m, probe_custom,
				       &answer);
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_BASE, 3, 0x0abcde, 0, 0));
	CHECK_U64(5, f.h[0]->x[11]);
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_BASE, 3, 0x0abcdf, 0, 0));
	CHECK_U64(0, f.h[0]->x[11]);
	/* Our own extensions are still answered by the table. */
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_BASE, 3, SBI_EXT_TIME, 0, 0));
	CHECK_U64(1, f.h[0]->x[11]);
	fx_fini(&f);
}

TEST(test_sbi_reserved_legacy_extension_preserves_a1)
{
	FX(f, 1);
	struct axvm_exit e;

	for (uint64_t eid = 0x09; eid <= 0x0f; eid++) {
		set_call(f.h[0], eid, 0, 0, 0x1234, 0, 0, 0);
		CHECK_INT(1, rv_sbi_ecall(f.h[0], &e));
		CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
		CHECK_U64(0x1234, f.h[0]->x[11]);
	}
	fx_fini(&f);
}

TEST(test_sbi_base_impl_id_is_not_a_registered_implementation)
{
	FX(f, 1);
	struct axvm_exit e;

	/* 0-11: BBL ... bhyve (SBI spec, "SBI Implementation IDs"): claiming one invites quirks. */
	call(f.h[0], &e, SBI_EXT_BASE, 1, 0, 0, 0);
	CHECK(f.h[0]->x[11] > 11);
	fx_fini(&f);
}

TEST(test_sbi_base_machine_ids_are_0)
{
	FX(f, 1);
	struct axvm_exit e;

	for (uint64_t fid = 4; fid <= 6; fid++) {
		f.h[0]->x[11] = 0xdead;
		call(f.h[0], &e, SBI_EXT_BASE, fid, 0, 0, 0);
		CHECK_INT(0, (int64_t)f.h[0]->x[10]);
		CHECK_U64(0, f.h[0]->x[11]);
	}
	fx_fini(&f);
}

TEST(test_sbi_base_unknown_function_returns_not_supported)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_BASE, 7, 0, 0, 0));
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

/* ---- TIME ---- */

TEST(test_sbi_time_set_timer_arms_deadline_and_clears_stip)
{
	FX(f, 1);
	struct axvm_exit e;

	rv_hart_post_interrupt(f.h[0], RV_IRQ_STI);
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_TIME, 0, 0x123456789ull, 0, 0));
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0x123456789ull, f.h[0]->timecmp);
	CHECK_U64(0, pending(f.h[0]) & RV_MIP_STIP);
	fx_fini(&f);
}

TEST(test_sbi_time_unknown_function_returns_not_supported)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_TIME, 1, 5, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	CHECK_U64(UINT64_MAX, f.h[0]->timecmp);
	fx_fini(&f);
}

/* ---- IPI ---- */

TEST(test_sbi_ipi_posts_ssip_on_masked_harts)
{
	FX(f, 4);
	struct axvm_exit e;

	/* mask 0b101 at base 1: harts 1 and 3. */
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_IPI, 0, 0x5, 1, 0));
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, pending(f.h[0]));
	CHECK_U64(RV_MIP_SSIP, pending(f.h[1]));
	CHECK_U64(0, pending(f.h[2]));
	CHECK_U64(RV_MIP_SSIP, pending(f.h[3]));
	fx_fini(&f);
}

TEST(test_sbi_ipi_base_minus_one_targets_all_harts)
{
	FX(f, 3);
	struct axvm_exit e;

	call(f.h[1], &e, SBI_EXT_IPI, 0, 0, UINT64_MAX, 0);
	CHECK_INT(0, (int64_t)f.h[1]->x[10]);
	for (int i = 0; i < 3; i++)
		CHECK_U64(RV_MIP_SSIP, pending(f.h[i]));
	fx_fini(&f);
}

TEST(test_sbi_ipi_invalid_hart_returns_invalid_param_and_posts_nothing)
{
	FX(f, 2);
	struct axvm_exit e;

	/* harts 1 and 2: hart 2 does not exist. */
	call(f.h[0], &e, SBI_EXT_IPI, 0, 0x3, 1, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, pending(f.h[1]));
	call(f.h[0], &e, SBI_EXT_IPI, 0, 0x1, 64, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	call(f.h[0], &e, SBI_EXT_IPI, 0, 1ull << 63, 1, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_ipi_base_naming_no_hart_returns_invalid_param_even_with_empty_mask)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_IPI, 0, 0, 2, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	call(f.h[0], &e, SBI_EXT_IPI, 0, 1, 64, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	call(f.h[0], &e, SBI_EXT_IPI, 0, 1, 1, 0); /* base 1, bit 0: hart 1 */
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(RV_MIP_SSIP, pending(f.h[1]));
	fx_fini(&f);
}

TEST(test_sbi_ipi_empty_mask_succeeds)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_IPI, 0, 0, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, pending(f.h[0]) | pending(f.h[1]));
	fx_fini(&f);
}

TEST(test_sbi_ipi_unknown_function_returns_not_supported)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_IPI, 1, 1, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, pending(f.h[0]));
	fx_fini(&f);
}

/* ---- RFENCE ---- */

TEST(test_sbi_rfence_requests_a_flush_on_each_target)
{
	FX(f, 3);
	struct axvm_exit e;

	for (uint64_t fid = 0; fid <= 2; fid++) {
		uint64_t before = f.h[2]->flush_req;

		set_call(f.h[0], SBI_EXT_RFENCE, fid, 0x4, 0, 0x1000, 0x2000, 7);
		CHECK_INT(1, rv_sbi_ecall(f.h[0], &e));
		CHECK_INT(0, (int64_t)f.h[0]->x[10]);
		CHECK_U64(before + 1, f.h[2]->flush_req);
		CHECK_U64(0, f.h[1]->flush_req);
	}
	fx_fini(&f);
}

TEST(test_sbi_rfence_on_self_flushes_at_once)
{
	FX(f, 2);
	struct axvm_exit e;

	f.h[0]->resv_valid = true; /* the local flush drops the LR reservation */
	call(f.h[0], &e, SBI_EXT_RFENCE, 0, 0x1, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK(!f.h[0]->resv_valid);
	CHECK_U64(0, f.h[0]->flush_req);
	fx_fini(&f);
}

struct acker {
	struct rv_hart *h;
	int delay_ms;
};

/* Plays a running hart that services its flush request after a delay. */
static void *acker_thread(void *arg)
{
	struct acker *a = arg;
	struct timespec ts = {0, a->delay_ms * 1000000L};

	while (__atomic_load_n(&a->h->flush_req, __ATOMIC_SEQ_CST) == 0)
		sched_yield();
	nanosleep(&ts, NULL);
	__atomic_store_n(&a->h->flush_done, __atomic_load_n(&a->h->flush_req, __ATOMIC_SEQ_CST),
			 __ATOMIC_SEQ_CST);
	return NULL;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

TEST(test_sbi_rfence_waits_for_a_running_target_to_acknowledge)
{
	FX(f, 2);
	struct axvm_exit e;
	struct acker a = {f.h[1], 100};
	pthread_t t;
	uint64_t start;

	__atomic_store_n(&f.h[1]->running, 1, __ATOMIC_SEQ_CST);
	REQUIRE(pthread_create(&t, NULL, acker_thread, &a) == 0);
	start = mono_ms();
	call(f.h[0], &e, SBI_EXT_RFENCE, 1, 0x2, 0, 0);
	CHECK(mono_ms() - start >= 90);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(1, __atomic_load_n(&f.h[1]->flush_done, __ATOMIC_SEQ_CST));
	pthread_join(t, NULL);
	fx_fini(&f);
}

TEST(test_sbi_rfence_does_not_wait_for_a_target_outside_run)
{
	FX(f, 2);
	struct axvm_exit e;
	uint64_t start = mono_ms();

	call(f.h[0], &e, SBI_EXT_RFENCE, 0, 0x2, 0, 0);
	CHECK(mono_ms() - start < 50);
	/* Not running: it flushes at its next run(); the request stays queued. */
	CHECK_U64(1, f.h[1]->flush_req);
	CHECK_U64(0, f.h[1]->flush_done);
	fx_fini(&f);
}

TEST(test_sbi_rfence_wrapping_range_returns_invalid_address)
{
	FX(f, 2);
	struct axvm_exit e;

	for (uint64_t fid = 1; fid <= 2; fid++) {
		set_call(f.h[0], SBI_EXT_RFENCE, fid, 0x2, 0, UINT64_MAX - 0xfff, 0x2000, 1);
		CHECK_INT(1, rv_sbi_ecall(f.h[0], &e));
		CHECK_INT(SBI_ERR_INVALID_ADDRESS, (int64_t)f.h[0]->x[10]);
		CHECK_U64(0, f.h[1]->flush_req);
	}
	fx_fini(&f);
}

TEST(test_sbi_rfence_whole_space_and_top_ending_ranges_are_valid)
{
	static const uint64_t ranges[][2] = {
	    {0, 0}, {0x1000, UINT64_MAX}, {UINT64_MAX - 0xfff, 0x1000}, {0x5000, 0}};
	FX(f, 2);
	struct axvm_exit e;

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		set_call(f.h[0], SBI_EXT_RFENCE, 1, 0x2, 0, ranges[i][0], ranges[i][1], 0);
		CHECK_INT(1, rv_sbi_ecall(f.h[0], &e));
		CHECK_INT(0, (int64_t)f.h[0]->x[10]);
		CHECK_U64(i + 1, f.h[1]->flush_req);
	}
	fx_fini(&f);
}

TEST(test_sbi_rfence_invalid_hart_returns_invalid_param)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_RFENCE, 1, 0x4, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_rfence_hfence_returns_not_supported)
{
	FX(f, 1);
	struct axvm_exit e;

	for (uint64_t fid = 3; fid <= 7; fid++) {
		call(f.h[0], &e, SBI_EXT_RFENCE, fid, 0x1, 0, 0);
		CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	}
	fx_fini(&f);
}

/* ---- HSM ---- */

TEST(test_sbi_hsm_hart_start_becomes_cpu_up_exit)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE + 0x1000, 0xabcd));
	CHECK_INT(AXVM_EXIT_CPU_UP, e.reason);
	CHECK_U64(1, e.cpu_up.target_cpu);
	CHECK_U64(RAM_BASE + 0x1000, e.cpu_up.entry_point);
	CHECK_U64(0xabcd, e.cpu_up.arg);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

/* Let hart `i` enter run() (where a started or resumed hart's code begins): it halts in wfi. */
static void run_to_wfi(struct fx *f, unsigned i)
{
	static const uint32_t wfi = 0x10500073u;
	struct axvm_exit e;

	REQUIRE_OK(axvm_addrspace_write(f->as, RAM_BASE + 0x3000, &wfi, sizeof(wfi)));
	f->h[i]->pc = RAM_BASE + 0x3000;
	f->h[i]->sie = 0;
	REQUIRE_OK(rv_hart_run(f->h[i], &e));
	CHECK_INT(AXVM_EXIT_HALT, e.reason);
}

static uint64_t hsm_status(struct fx *f, unsigned caller, uint64_t id)
{
	struct axvm_exit e;

	call(f->h[caller], &e, SBI_EXT_HSM, 2, id, 0, 0);
	CHECK_INT(0, (int64_t)f->h[caller]->x[10]);
	return f->h[caller]->x[11];
}

TEST(test_sbi_hsm_started_hart_is_start_pending_until_it_runs)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE + 0x1000, 0));
	CHECK_U64(RV_HSM_START_PENDING, hsm_status(&f, 0, 1));
	CHECK_U64(RV_HSM_START_PENDING, hsm_status(&f, 0, 1));
	run_to_wfi(&f, 1);
	CHECK_U64(RV_HSM_STARTED, hsm_status(&f, 0, 1));
	fx_fini(&f);
}

TEST(test_sbi_hsm_hart_start_of_start_pending_hart_returns_already_available)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE, 0));
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE, 0));
	CHECK_INT(SBI_ERR_ALREADY_AVAILABLE, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_hsm_retentive_suspend_reports_suspended_until_the_hart_runs_again)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[1], &e, SBI_EXT_HSM, 3, 0, 0, 0));
	CHECK_U64(RV_HSM_SUSPENDED, hsm_status(&f, 0, 1));
	CHECK_U64(RV_HSM_STARTED, hsm_status(&f, 0, 0));
	run_to_wfi(&f, 1);
	CHECK_U64(RV_HSM_STARTED, hsm_status(&f, 0, 1));
	fx_fini(&f);
}

TEST(test_sbi_hsm_non_retentive_suspend_reports_suspended_until_the_hart_runs_again)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[1], &e, SBI_EXT_HSM, 3, 0x80000000u, RAM_BASE + 0x3000, 0));
	CHECK_U64(RV_HSM_SUSPENDED, hsm_status(&f, 0, 1));
	run_to_wfi(&f, 1);
	CHECK_U64(RV_HSM_STARTED, hsm_status(&f, 0, 1));
	fx_fini(&f);
}

TEST(test_sbi_hsm_hart_suspended_twice_is_suspended_again)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[1], &e, SBI_EXT_HSM, 3, 0, 0, 0);
	run_to_wfi(&f, 1);
	call(f.h[1], &e, SBI_EXT_HSM, 3, 0, 0, 0);
	CHECK_U64(RV_HSM_SUSPENDED, hsm_status(&f, 0, 1));
	fx_fini(&f);
}

TEST(test_sbi_hsm_hart_start_of_suspended_hart_returns_already_available)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[1], &e, SBI_EXT_HSM, 3, 0, 0, 0);
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE, 0));
	CHECK_INT(SBI_ERR_ALREADY_AVAILABLE, (int64_t)f.h[0]->x[10]);
	CHECK_U64(RV_HSM_SUSPENDED, hsm_status(&f, 0, 1));
	fx_fini(&f);
}

TEST(test_sbi_hsm_stopped_hart_can_be_started_again)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE, 0));
	run_to_wfi(&f, 1);
	CHECK_INT(0, call(f.h[1], &e, SBI_EXT_HSM, 1, 0, 0, 0));
	CHECK_U64(RV_HSM_STOPPED, hsm_status(&f, 0, 1));
	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE, 0));
	CHECK_INT(AXVM_EXIT_CPU_UP, e.reason);
	CHECK_U64(RV_HSM_START_PENDING, hsm_status(&f, 0, 1));
	fx_fini(&f);
}

TEST(test_sbi_hsm_hart_start_of_started_hart_returns_already_available)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 0, 0, RAM_BASE, 0));
	CHECK_INT(SBI_ERR_ALREADY_AVAILABLE, (int64_t)f.h[0]->x[10]);
	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE, 0));
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE, 0));
	CHECK_INT(SBI_ERR_ALREADY_AVAILABLE, (int64_t)f.h[0]->x[10]);
	CHECK_INT(AXVM_EXIT_NOTHING, e.reason);
	fx_fini(&f);
}

TEST(test_sbi_hsm_hart_start_invalid_hart_returns_invalid_param)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 0, 2, RAM_BASE, 0));
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 0, UINT64_MAX, RAM_BASE, 0));
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_hsm_hart_start_bad_address_returns_invalid_address)
{
	FX(f, 2);
	struct axvm_exit e;

	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, 0x1000, 0));
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, (int64_t)f.h[0]->x[10]);
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 0, 1, MMIO_BASE, 0));
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, (int64_t)f.h[0]->x[10]);
	CHECK_INT(RV_HSM_STOPPED, rv_machine_hsm_state(f.m, 1));
	fx_fini(&f);
}

TEST(test_sbi_hsm_hart_stop_becomes_cpu_down_exit)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_HSM, 0, 1, RAM_BASE, 0);
	CHECK_INT(0, call(f.h[1], &e, SBI_EXT_HSM, 1, 0, 0, 0));
	CHECK_INT(AXVM_EXIT_CPU_DOWN, e.reason);
	CHECK_INT(RV_HSM_STOPPED, rv_machine_hsm_state(f.m, 1));
	fx_fini(&f);
}

TEST(test_sbi_hsm_hart_get_status_reports_each_state)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_HSM, 2, 0, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(RV_HSM_STARTED, f.h[0]->x[11]);
	call(f.h[0], &e, SBI_EXT_HSM, 2, 1, 0, 0);
	CHECK_U64(RV_HSM_STOPPED, f.h[0]->x[11]);
	call(f.h[0], &e, SBI_EXT_HSM, 2, 5, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_hsm_retentive_suspend_is_a_halt_returning_success)
{
	FX(f, 1);
	struct axvm_exit e;

	f.h[0]->pc = RAM_BASE + 0x104;
	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_HSM, 3, 0, 0, 0));
	CHECK_INT(AXVM_EXIT_HALT, e.reason);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(RAM_BASE + 0x104, f.h[0]->pc);
	fx_fini(&f);
}

TEST(test_sbi_hsm_non_retentive_suspend_resumes_at_address_with_hartid_and_opaque)
{
	FX(f, 2);
	struct axvm_exit e;

	f.h[1]->satp = (8ull << 60) | 0x80010;
	f.h[1]->sstatus = RV_SSTATUS_SIE;
	CHECK_INT(0, call(f.h[1], &e, SBI_EXT_HSM, 3, 0x80000000u, RAM_BASE + 0x2000, 0x77));
	CHECK_INT(AXVM_EXIT_HALT, e.reason);
	CHECK_U64(RAM_BASE + 0x2000, f.h[1]->pc);
	CHECK_U64(1, f.h[1]->x[10]);
	CHECK_U64(0x77, f.h[1]->x[11]);
	CHECK_U64(0, f.h[1]->satp);
	CHECK_U64(0, f.h[1]->sstatus & RV_SSTATUS_SIE);
	fx_fini(&f);
}

TEST(test_sbi_hsm_suspend_reserved_type_returns_invalid_param)
{
	static const uint64_t types[] = {1, 0x0fffffff, 0x10000000, 0x80000001, 0x90000000};
	FX(f, 1);
	struct axvm_exit e;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 3, types[i], RAM_BASE, 0));
		CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	}
	fx_fini(&f);
}

TEST(test_sbi_hsm_non_retentive_suspend_bad_address_returns_invalid_address)
{
	FX(f, 1);
	struct axvm_exit e;

	f.h[0]->pc = RAM_BASE + 0x10;
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 3, 0x80000000u, 0x4000, 0));
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, (int64_t)f.h[0]->x[10]);
	CHECK_U64(RAM_BASE + 0x10, f.h[0]->pc);
	fx_fini(&f);
}

TEST(test_sbi_hsm_unknown_function_returns_not_supported)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_HSM, 4, 0, 0, 0));
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

/* ---- SRST ---- */

TEST(test_sbi_srst_shutdown_becomes_system_down_poweroff)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_SRST, 0, 0, 0, 0));
	CHECK_INT(AXVM_EXIT_SYSTEM_DOWN, e.reason);
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, e.system_down.type);
	CHECK_U64(0, e.system_down.code);
	fx_fini(&f);
}

TEST(test_sbi_srst_reboots_carry_their_type)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_SRST, 0, 1, 0, 0));
	CHECK_INT(AXVM_SYSTEM_DOWN_COLD_REBOOT, e.system_down.type);
	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_SRST, 0, 2, 0, 0));
	CHECK_INT(AXVM_SYSTEM_DOWN_WARM_REBOOT, e.system_down.type);
	fx_fini(&f);
}

TEST(test_sbi_srst_system_failure_reason_is_the_code)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, SBI_EXT_SRST, 0, 0, 1, 0));
	CHECK_INT(AXVM_EXIT_SYSTEM_DOWN, e.reason);
	CHECK_U64(1, e.system_down.code);
	fx_fini(&f);
}

TEST(test_sbi_srst_invalid_type_or_reason_returns_invalid_param)
{
	static const uint64_t bad[][2] = {
	    {3, 0}, {0xEFFFFFFF, 0}, {0xF0000000, 0}, {0, 2}, {0, 0xE0000000}};
	FX(f, 1);
	struct axvm_exit e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(1, call(f.h[0], &e, SBI_EXT_SRST, 0, bad[i][0], bad[i][1], 0));
		CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
		CHECK_INT(AXVM_EXIT_NOTHING, e.reason);
	}
	fx_fini(&f);
}

TEST(test_sbi_srst_unknown_function_returns_not_supported)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_SRST, 1, 0, 0, 0));
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

/* ---- DBCN ---- */

TEST(test_sbi_dbcn_write_prints_the_guest_buffer)
{
	FX(f, 1);
	struct axvm_exit e;

	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + 0x300, "hello", 5));
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_DBCN, 0, 5, RAM_BASE + 0x300, 0));
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(5, f.h[0]->x[11]);
	CHECK_STR("hello", f.out);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_write_outside_ram_returns_invalid_param)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_DBCN, 0, 4, 0x1000, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	call(f.h[0], &e, SBI_EXT_DBCN, 0, 4, MMIO_BASE, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	/* Runs past the end of RAM. */
	call(f.h[0], &e, SBI_EXT_DBCN, 0, 8, RAM_BASE + RAM_SIZE - 4, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	/* Wraps around the address space. */
	call(f.h[0], &e, SBI_EXT_DBCN, 0, 16, UINT64_MAX - 4, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	CHECK_INT(0, (int)f.out_len);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_nonzero_high_address_returns_invalid_param)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_DBCN, 0, 1, RAM_BASE, 1);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	call(f.h[0], &e, SBI_EXT_DBCN, 1, 1, RAM_BASE, 1);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_write_is_partial_beyond_a_chunk)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_DBCN, 0, 100000, RAM_BASE, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(1024, f.h[0]->x[11]);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_read_copies_queued_input_into_guest_memory)
{
	FX(f, 1);
	struct axvm_exit e;
	char buf[4] = {0};

	axvm_console_push(f.con, (const uint8_t *)"abc", 3);
	call(f.h[0], &e, SBI_EXT_DBCN, 1, 2, RAM_BASE + 0x400, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(2, f.h[0]->x[11]);
	REQUIRE_OK(axvm_addrspace_read(f.as, RAM_BASE + 0x400, buf, 3));
	CHECK_STR("ab", buf);
	CHECK_INT('c', axvm_console_pop(f.con));
	fx_fini(&f);
}

TEST(test_sbi_dbcn_read_with_no_input_returns_0)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_DBCN, 1, 8, RAM_BASE, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, f.h[0]->x[11]);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_write_spans_adjacent_ram_regions)
{
	FX(f, 1);
	struct axvm_exit e;

	REQUIRE_OK(axvm_addrspace_map_linear(f.as, RAM_BASE + RAM_SIZE, 0x1000,
					     AXVM_MEM_READ | AXVM_MEM_WRITE));
	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + RAM_SIZE - 2, "he", 2));
	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + RAM_SIZE, "llo", 3));
	call(f.h[0], &e, SBI_EXT_DBCN, 0, 5, RAM_BASE + RAM_SIZE - 2, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(5, f.h[0]->x[11]);
	CHECK_STR("hello", f.out);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_read_spans_adjacent_ram_regions)
{
	FX(f, 1);
	struct axvm_exit e;
	char got[4] = "";

	REQUIRE_OK(axvm_addrspace_map_linear(f.as, RAM_BASE + RAM_SIZE, 0x1000,
					     AXVM_MEM_READ | AXVM_MEM_WRITE));
	axvm_console_push(f.con, (const uint8_t *)"abc", 3);
	call(f.h[0], &e, SBI_EXT_DBCN, 1, 3, RAM_BASE + RAM_SIZE - 1, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(3, f.h[0]->x[11]);
	REQUIRE_OK(axvm_addrspace_read(f.as, RAM_BASE + RAM_SIZE - 1, got, 1));
	REQUIRE_OK(axvm_addrspace_read(f.as, RAM_BASE + RAM_SIZE, got + 1, 2));
	CHECK_STR("abc", got);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_write_checks_the_whole_range_not_just_one_chunk)
{
	FX(f, 1);
	struct axvm_exit e;

	/* 1500 bytes of RAM left, 2000 asked: the first 1024 alone would be fine. */
	call(f.h[0], &e, SBI_EXT_DBCN, 0, 2000, RAM_BASE + RAM_SIZE - 1500, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	CHECK_INT(0, (int)f.out_len);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_read_into_read_only_memory_returns_invalid_param)
{
	FX(f, 1);
	struct axvm_exit e;

	REQUIRE_OK(axvm_addrspace_map_linear(f.as, 0x90000000ull, 0x1000, AXVM_MEM_READ));
	axvm_console_push(f.con, (const uint8_t *)"q", 1);
	call(f.h[0], &e, SBI_EXT_DBCN, 1, 1, 0x90000000ull, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	CHECK_INT('q', axvm_console_pop(f.con));
	fx_fini(&f);
}

TEST(test_sbi_dbcn_read_into_bad_buffer_keeps_the_input)
{
	FX(f, 1);
	struct axvm_exit e;

	axvm_console_push(f.con, (const uint8_t *)"z", 1);
	call(f.h[0], &e, SBI_EXT_DBCN, 1, 1, 0x2000, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)f.h[0]->x[10]);
	CHECK_INT('z', axvm_console_pop(f.con));
	fx_fini(&f);
}

TEST(test_sbi_dbcn_write_byte_prints_one_byte)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_DBCN, 2, 0x141, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_STR("A", f.out);
	fx_fini(&f);
}

TEST(test_sbi_dbcn_unknown_function_returns_not_supported)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, SBI_EXT_DBCN, 3, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

/* ---- legacy ---- */

TEST(test_sbi_legacy_console_putchar_prints_and_preserves_a1)
{
	FX(f, 1);
	struct axvm_exit e;

	set_call(f.h[0], 0x01, 0, 'x', 0x5555, 0, 0, 0);
	CHECK_INT(1, rv_sbi_ecall(f.h[0], &e));
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0x5555, f.h[0]->x[11]);
	CHECK_STR("x", f.out);
	fx_fini(&f);
}

TEST(test_sbi_legacy_console_getchar_returns_minus_one_without_input)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, 0x02, 0, 0, 0, 0);
	CHECK_INT(-1, (int64_t)f.h[0]->x[10]);
	axvm_console_push(f.con, (const uint8_t *)"\xe9", 1);
	call(f.h[0], &e, 0x02, 0, 0, 0, 0);
	CHECK_U64(0xe9, f.h[0]->x[10]);
	fx_fini(&f);
}

/* console_read and console_getchar claim the console's input from the UART or virtio-console. */
TEST(test_sbi_console_reads_claim_the_console_input)
{
	FX(f, 1);
	struct axvm_exit e;
	static const char uart = 'u';

	axvm_console_claim_input(f.con, &uart);
	axvm_console_push(f.con, (const uint8_t *)"kl", 2);
	call(f.h[0], &e, 0x02, 0, 0, 0, 0);
	CHECK_U64('k', f.h[0]->x[10]);
	CHECK(axvm_console_input_owner(f.con) != &uart);
	CHECK_INT(-1, axvm_console_pop_for(f.con, &uart));
	axvm_console_claim_input(f.con, &uart);
	call(f.h[0], &e, SBI_EXT_DBCN, 1, 1, RAM_BASE + 0x400, 0);
	CHECK_U64(1, f.h[0]->x[11]);
	CHECK(axvm_console_input_owner(f.con) != &uart);
	fx_fini(&f);
}

TEST(test_sbi_legacy_set_timer_arms_deadline)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, 0x00, 0, 4242, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(4242, f.h[0]->timecmp);
	fx_fini(&f);
}

TEST(test_sbi_legacy_clear_ipi_clears_ssip)
{
	FX(f, 1);
	struct axvm_exit e;

	rv_hart_post_interrupt(f.h[0], RV_IRQ_SSI);
	rv_hart_post_interrupt(f.h[0], RV_IRQ_SEI);
	call(f.h[0], &e, 0x03, 0, 0, 0, 0);
	CHECK_U64(RV_MIP_SEIP, pending(f.h[0]));
	fx_fini(&f);
}

TEST(test_sbi_legacy_clear_ipi_returns_whether_an_ipi_was_pending)
{
	FX(f, 1);
	struct axvm_exit e;

	call(f.h[0], &e, 0x03, 0, 0, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	rv_hart_post_interrupt(f.h[0], RV_IRQ_SSI);
	call(f.h[0], &e, 0x03, 0, 0, 0, 0);
	CHECK_INT(1, (int64_t)f.h[0]->x[10]);
	fx_fini(&f);
}

TEST(test_sbi_legacy_send_ipi_reads_mask_from_guest_memory)
{
	FX(f, 3);
	struct axvm_exit e;
	uint64_t mask = 0x4;

	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + 0x800, &mask, 8));
	call(f.h[0], &e, 0x04, 0, RAM_BASE + 0x800, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, pending(f.h[1]));
	CHECK_U64(RV_MIP_SSIP, pending(f.h[2]));
	fx_fini(&f);
}

TEST(test_sbi_legacy_send_ipi_null_mask_targets_all)
{
	FX(f, 2);
	struct axvm_exit e;

	call(f.h[0], &e, 0x04, 0, 0, 0, 0);
	CHECK_U64(RV_MIP_SSIP, pending(f.h[0]));
	CHECK_U64(RV_MIP_SSIP, pending(f.h[1]));
	fx_fini(&f);
}

/* As the hart would have it after executing an ecall at RAM_BASE + 0x100. */
static void at_ecall(struct rv_hart *h)
{
	h->pc = RAM_BASE + 0x104;
	h->stvec = RAM_BASE + 0x2000;
}

TEST(test_sbi_legacy_send_ipi_mask_outside_ram_is_a_load_access_fault_at_the_ecall)
{
	FX(f, 2);
	struct axvm_exit e;

	at_ecall(f.h[0]);
	f.h[0]->x[11] = 0x1111;
	CHECK_INT(1, call(f.h[0], &e, 0x04, 0, 0x3000, 0, 0));
	CHECK_U64(RAM_BASE + 0x2000, f.h[0]->pc);
	CHECK_U64(RAM_BASE + 0x100, f.h[0]->sepc);
	CHECK_U64(5, f.h[0]->scause);
	CHECK_U64(0x3000, f.h[0]->stval);
	CHECK_U64(0x3000, f.h[0]->x[10]); /* a0 untouched: the ecall runs again */
	CHECK_U64(0, pending(f.h[1]));
	fx_fini(&f);
}

/* Sv39 root at RAM+0x10000 mapping VA 0xffffffc000000000 (gigapage) -> RAM_BASE. */
static void map_sv39_gigapage(struct fx *f, struct rv_hart *h, uint64_t pte_flags)
{
	uint64_t root = RAM_BASE + 0x10000;
	uint64_t vpn2 = (0xffffffc000000000ull >> 30) & 0x1ff;
	uint64_t pte = ((RAM_BASE >> 12) << 10) | pte_flags;

	axvm_addrspace_write(f->as, root + vpn2 * 8, &pte, 8);
	h->satp = (8ull << 60) | (root >> 12);
}

TEST(test_sbi_legacy_send_ipi_translates_a_virtual_mask_pointer)
{
	FX(f, 2);
	struct axvm_exit e;
	uint64_t mask = 0x2;

	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + 0x900, &mask, 8));
	map_sv39_gigapage(&f, f.h[0], 0xcf); /* V R W X A D */
	call(f.h[0], &e, 0x04, 0, 0xffffffc000000900ull, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(RV_MIP_SSIP, pending(f.h[1]));
	fx_fini(&f);
}

TEST(test_sbi_legacy_remote_fence_unmapped_mask_is_a_load_page_fault_at_the_ecall)
{
	FX(f, 2);
	struct axvm_exit e;

	at_ecall(f.h[0]);
	map_sv39_gigapage(&f, f.h[0], 0xcf); /* V R W X A D, not U */
	CHECK_INT(1, call(f.h[0], &e, 0x05, 0, 0x40000000ull, 0, 0));
	CHECK_U64(13, f.h[0]->scause);
	CHECK_U64(RAM_BASE + 0x100, f.h[0]->sepc);
	CHECK_U64(0x40000000ull, f.h[0]->stval);
	fx_fini(&f);
}

TEST(test_sbi_legacy_mask_in_user_page_needs_sum)
{
	FX(f, 2);
	struct axvm_exit e;
	uint64_t mask = 0x2;

	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + 0x900, &mask, 8));
	map_sv39_gigapage(&f, f.h[0], 0xdf); /* V R W X U A D */
	at_ecall(f.h[0]);
	call(f.h[0], &e, 0x04, 0, 0xffffffc000000900ull, 0, 0);
	CHECK_U64(13, f.h[0]->scause); /* load page fault */
	CHECK_U64(RAM_BASE + 0x100, f.h[0]->sepc);
	CHECK_U64(0, pending(f.h[1]));
	f.h[0]->sstatus |= RV_SSTATUS_SUM;
	call(f.h[0], &e, 0x04, 0, 0xffffffc000000900ull, 0, 0);
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(RV_MIP_SSIP, pending(f.h[1]));
	fx_fini(&f);
}

TEST(test_sbi_legacy_remote_fences_flush_targets)
{
	FX(f, 2);
	struct axvm_exit e;
	uint64_t mask = 0x2;

	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + 0x800, &mask, 8));
	for (uint64_t eid = 0x05; eid <= 0x07; eid++) {
		call(f.h[0], &e, eid, 0, RAM_BASE + 0x800, 0, 0);
		CHECK_INT(0, (int64_t)f.h[0]->x[10]);
		CHECK_U64(eid - 4, f.h[1]->flush_req);
	}
	fx_fini(&f);
}

TEST(test_sbi_legacy_shutdown_becomes_system_down)
{
	FX(f, 1);
	struct axvm_exit e;

	CHECK_INT(0, call(f.h[0], &e, 0x08, 0, 0, 0, 0));
	CHECK_INT(AXVM_EXIT_SYSTEM_DOWN, e.reason);
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, e.system_down.type);
	fx_fini(&f);
}

/* ---- a hart without a machine (bare hart tests) ---- */

TEST(test_sbi_hart_without_machine_serves_local_calls)
{
	struct axvm_riscv64_config cfg = {0};
	struct axvm_addrspace *as;
	struct rv_hart *h;
	struct axvm_exit e;

	REQUIRE_OK(axvm_addrspace_create(axvm_hal_linux(), &as));
	REQUIRE_OK(rv_hart_create(&cfg, 0, axvm_hal_linux(), &h));
	h->as = as;
	call(h, &e, SBI_EXT_IPI, 0, 1, 0, 0);
	CHECK_INT(0, (int64_t)h->x[10]);
	CHECK_U64(RV_MIP_SSIP, pending(h));
	call(h, &e, SBI_EXT_IPI, 0, 2, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, (int64_t)h->x[10]);
	call(h, &e, 0x01, 0, 'q', 0, 0); /* no console: dropped, still success */
	CHECK_INT(0, (int64_t)h->x[10]);
	call(h, &e, SBI_EXT_HSM, 2, 0, 0, 0);
	CHECK_U64(RV_HSM_STARTED, h->x[11]);
	rv_hart_destroy(h);
	axvm_addrspace_destroy(as);
}

/* ---- robustness: random calls ---- */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Arguments a guest might pass: addresses around RAM and MMIO, small ids, anything. */
static uint64_t random_arg(uint64_t *s)
{
	static const uint64_t bases[] = {
	    0,		RAM_BASE,    RAM_BASE + RAM_SIZE - 8, RAM_BASE + RAM_SIZE, MMIO_BASE,
	    UINT64_MAX, 0x80000000u, 0xffffffc000000000ull};
	uint64_t r = xorshift(s);

	switch (r & 3) {
	case 0:
		return (r >> 8) & 7;
	case 1:
		return bases[(r >> 8) % 8] + ((r >> 16) & 0xff) - 0x80;
	case 2:
		return r;
	default:
		return (r >> 8) & 0xffffffffu;
	}
}

TEST(test_sbi_random_calls_never_fail_the_host)
{
	static const uint64_t eids[] = {
	    SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM, SBI_EXT_SRST,
	    SBI_EXT_DBCN, 0x00,		0x01,	     0x02,	     0x03,	  0x04,
	    0x05,	  0x06,		0x07,	     0x08,	     0x09,	  0x504D55,
	    SBI_EXT_DBTR, SBI_EXT_SSE,	UINT64_MAX};
	FX(f, 4);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned bad = 0;
	uint64_t junk[512];

	/* Garbage page tables for the legacy calls' virtual hart-mask pointers. */
	for (uint64_t off = 0; off < RAM_SIZE; off += sizeof(junk)) {
		for (size_t k = 0; k < 512; k++)
			junk[k] = xorshift(&seed);
		REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + off, junk, sizeof(junk)));
	}
	for (int i = 0; i < 200000; i++) {
		struct rv_hart *h = f.h[xorshift(&seed) % 4];
		struct axvm_exit e;
		uint64_t eid = eids[xorshift(&seed) % (sizeof(eids) / sizeof(eids[0]))];
		uint64_t fid = xorshift(&seed) % 11;
		int64_t a0;
		int ret;

		h->x[17] = eid;
		h->x[16] = fid;
		for (int r = 10; r < 16; r++)
			h->x[r] = random_arg(&seed);
		h->pc = RAM_BASE;
		if (xorshift(&seed) & 1)
			h->satp = (8ull + (xorshift(&seed) & 1)) << 60 |
				  ((RAM_BASE >> 12) + xorshift(&seed) % (RAM_SIZE >> 12));
		else
			h->satp = 0;
		ret = rv_sbi_ecall(h, &e);
		a0 = (int64_t)h->x[10];
		if (ret < 0 || (unsigned)e.reason >= AXVM_EXIT_REASON_COUNT)
			bad++;
		/*
		 * Answered in place: a0 is an SBI error code (or a legacy getchar
		 * byte / -1); an SSE complete that resumed an event leaves the
		 * interrupted code's a0 (no result is written then).
		 */
		if (ret > 0 && eid > 0x0f && !(eid == SBI_EXT_SSE && fid == 6) &&
		    (a0 > 0 || a0 < SBI_ERR_DENIED_LOCKED))
			bad++;
		if ((i & 1023) == 0)
			rv_machine_reset_hsm(f.m);
	}
	CHECK_INT(0, bad);
	fx_fini(&f);
}

/* ---- the console held back by its host side (a buffered console nobody drains) ---- */

/* Swap the recording console for a buffered one, filled to `leave_free` bytes of room. */
static int fx_full_console(struct fx *f, size_t leave_free)
{
	struct axvm_console_sink sink = {.opaque = f};
	static uint8_t junk[AXVM_CONSOLE_OUTPUT_SIZE];
	int err;

	axvm_console_destroy(f->con);
	err = axvm_console_create(&sink, &f->con);
	if (err)
		return err;
	f->m->console = f->con;
	axvm_console_write(f->con, junk, AXVM_CONSOLE_OUTPUT_SIZE - leave_free);
	return 0;
}

TEST(test_sbi_dbcn_write_takes_only_what_the_console_has_room_for)
{
	FX(f, 1);
	struct axvm_exit e;

	REQUIRE_OK(fx_full_console(&f, 3));
	REQUIRE_OK(axvm_addrspace_write(f.as, RAM_BASE + 0x300, "hello", 5));
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_DBCN, 0, 5, RAM_BASE + 0x300, 0));
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(3, f.h[0]->x[11]);
	/* Full: after a short wait, 0 bytes, and the guest loops. */
	CHECK_INT(1, call(f.h[0], &e, SBI_EXT_DBCN, 0, 2, RAM_BASE + 0x303, 0));
	CHECK_INT(0, (int64_t)f.h[0]->x[10]);
	CHECK_U64(0, f.h[0]->x[11]);
	fx_fini(&f);
}

/* The blocking console calls leave run() without retiring while the console is full. */
static void check_blocking_put_retries(uint64_t eid, uint64_t fid, bool legacy)
{
	FX(f, 1);
	struct axvm_exit e;
	struct rv_hart *h = f.h[0];
	const uint8_t *p;

	REQUIRE_OK(fx_full_console(&f, 0));
	h->pc = RAM_BASE + 0x104; /* as interp.c leaves it: past the ecall at 0x100 */
	h->instret = 42;	  /* counting the ecall, as interp.c will */
	CHECK_INT(0, call(h, &e, eid, fid, 'Q', 0x5555, 0));
	CHECK_INT(AXVM_EXIT_NOTHING, e.reason);
	CHECK_U64(RAM_BASE + 0x100, h->pc); /* the ecall runs again */
	CHECK_U64(41, h->instret);	    /* and did not retire */
	CHECK_U64('Q', h->x[10]);	    /* a0/a1 untouched for the retry */
	CHECK_U64(0x5555, h->x[11]);
	/* The host drained: the retried call completes. */
	axvm_console_output_peek(f.con, &p);
	axvm_console_output_consume(f.con, 1);
	h->pc = RAM_BASE + 0x104;
	CHECK_INT(1, call(h, &e, eid, fid, 'Q', 0x5555, 0));
	CHECK_U64(RAM_BASE + 0x104, h->pc);
	CHECK_INT(0, (int64_t)h->x[10]);
	if (legacy)
		CHECK_U64(0x5555, h->x[11]);
	CHECK_INT(AXVM_CONSOLE_OUTPUT_SIZE, axvm_console_output_pending(f.con));
	fx_fini(&f);
}

TEST(test_sbi_dbcn_write_byte_on_a_full_console_is_retried_not_dropped)
{
	check_blocking_put_retries(SBI_EXT_DBCN, 2, false);
}

TEST(test_sbi_legacy_putchar_on_a_full_console_is_retried_not_dropped)
{
	check_blocking_put_retries(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, true);
}
