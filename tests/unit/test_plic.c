/* SPDX-License-Identifier: MIT */
/* SiFive PLIC: register-level behaviour through the device ops. */
#include "test.h"

#include "devices/plic.h"

#define NCTX 4 /* two harts: contexts 0 (M0) 1 (S0) 2 (M1) 3 (S1) */

struct plic_fixture {
	struct axvm_plic *plic;
	int out[NCTX]; /* -1 = never driven */
	unsigned calls;
};

static void plic_out(void *opaque, unsigned ctx, bool level)
{
	struct plic_fixture *f = opaque;

	if (ctx < NCTX)
		f->out[ctx] = level;
	f->calls++;
}

static int plic_setup(struct plic_fixture *f)
{
	struct axvm_plic_params p = {
	    .ndev = 95, .contexts = NCTX, .ctx_output = plic_out, .opaque = f};

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < NCTX; i++)
		f->out[i] = -1;
	return axvm_plic_create(&p, &f->plic);
}

static uint32_t rd(struct plic_fixture *f, uint64_t off)
{
	uint64_t v = 0xdeadbeef;

	if (axvm_plic_ops.read(f->plic, off, 4, &v) != 0)
		return 0xeeeeeeee;
	return (uint32_t)v;
}

static void wr(struct plic_fixture *f, uint64_t off, uint32_t v)
{
	axvm_plic_ops.write(f->plic, off, 4, v);
}

#define PRIO(s) (4u * (s))
#define PENDING(w) (0x1000u + 4u * (w))
#define ENABLE(c, w) (0x2000u + 0x80u * (c) + 4u * (w))
#define THRESHOLD(c) (0x200000u + 0x1000u * (c))
#define CLAIM(c) (0x200004u + 0x1000u * (c))

/* Source s enabled in context c with priority prio. */
static void route(struct plic_fixture *f, unsigned s, unsigned c, uint32_t prio)
{
	wr(f, PRIO(s), prio);
	wr(f, ENABLE(c, s / 32), rd(f, ENABLE(c, s / 32)) | 1u << (s % 32));
}

TEST(test_plic_rejects_bad_params)
{
	struct axvm_plic *p;
	struct axvm_plic_params none = {.ndev = 0, .contexts = 2};
	struct axvm_plic_params big = {.ndev = 1024, .contexts = 2};
	struct axvm_plic_params noctx = {.ndev = 95, .contexts = 0};

	CHECK_INT(-AXVM_EINVAL, axvm_plic_create(&none, &p));
	CHECK_INT(-AXVM_EINVAL, axvm_plic_create(&big, &p));
	CHECK_INT(-AXVM_EINVAL, axvm_plic_create(&noctx, &p));
}

TEST(test_plic_priority_is_three_bits)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	wr(&f, PRIO(10), 0xffffffff);
	CHECK_U64(7, rd(&f, PRIO(10)));
	wr(&f, PRIO(95), 5);
	CHECK_U64(5, rd(&f, PRIO(95)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_source_zero_and_beyond_ndev_are_hardwired_zero)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	wr(&f, PRIO(0), 7);
	wr(&f, PRIO(96), 7);
	CHECK_U64(0, rd(&f, PRIO(0)));
	CHECK_U64(0, rd(&f, PRIO(96)));
	wr(&f, ENABLE(1, 0), 0xffffffff);
	CHECK_U64(0xfffffffe, rd(&f, ENABLE(1, 0)));
	wr(&f, ENABLE(1, 2), 0xffffffff);
	CHECK_U64(0xffffffff, rd(&f, ENABLE(1, 2))); /* sources 64..95 */
	wr(&f, ENABLE(1, 3), 0xffffffff);
	CHECK_U64(0, rd(&f, ENABLE(1, 3)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_enables_are_per_context)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	wr(&f, ENABLE(1, 0), 0x400);
	wr(&f, ENABLE(3, 0), 0x800);
	CHECK_U64(0, rd(&f, ENABLE(0, 0)));
	CHECK_U64(0x400, rd(&f, ENABLE(1, 0)));
	CHECK_U64(0, rd(&f, ENABLE(2, 0)));
	CHECK_U64(0x800, rd(&f, ENABLE(3, 0)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_threshold_is_three_bits_per_context)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	wr(&f, THRESHOLD(1), 0xff);
	wr(&f, THRESHOLD(3), 2);
	CHECK_U64(0, rd(&f, THRESHOLD(0)));
	CHECK_U64(7, rd(&f, THRESHOLD(1)));
	CHECK_U64(2, rd(&f, THRESHOLD(3)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_contexts_beyond_count_read_zero)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	wr(&f, THRESHOLD(4), 3);
	wr(&f, ENABLE(4, 0), 0xff);
	CHECK_U64(0, rd(&f, THRESHOLD(4)));
	CHECK_U64(0, rd(&f, ENABLE(4, 0)));
	CHECK_U64(0, rd(&f, CLAIM(4)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_pending_follows_source_and_is_read_only)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	axvm_plic_set_irq(f.plic, 10, true);
	axvm_plic_set_irq(f.plic, 33, true);
	CHECK_U64(0x400, rd(&f, PENDING(0)));
	CHECK_U64(0x2, rd(&f, PENDING(1)));
	wr(&f, PENDING(0), 0);
	CHECK_U64(0x400, rd(&f, PENDING(0)));
	axvm_plic_set_irq(f.plic, 10, false);
	CHECK_U64(0, rd(&f, PENDING(0)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_ignores_out_of_range_sources)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	axvm_plic_set_irq(f.plic, 0, true);
	axvm_plic_set_irq(f.plic, 96, true);
	axvm_plic_set_irq(f.plic, 5000, true);
	CHECK_U64(0, rd(&f, PENDING(0)));
	CHECK_U64(0, rd(&f, PENDING(3)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_enabled_source_raises_s_context)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 1);
	CHECK_INT(-1, f.out[1]);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_INT(1, f.out[1]);
	CHECK_INT(-1, f.out[0]);
	CHECK_INT(-1, f.out[3]);
	axvm_plic_set_irq(f.plic, 10, false);
	CHECK_INT(0, f.out[1]);
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_priority_zero_never_interrupts)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 0);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_INT(-1, f.out[1]);
	CHECK_U64(0, rd(&f, CLAIM(1)));
	CHECK_U64(0x400, rd(&f, PENDING(0)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_threshold_masks_priorities_at_or_below)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 3);
	wr(&f, THRESHOLD(1), 3);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_INT(-1, f.out[1]);
	wr(&f, THRESHOLD(1), 2);
	CHECK_INT(1, f.out[1]);
	wr(&f, THRESHOLD(1), 7);
	CHECK_INT(0, f.out[1]);
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_claim_ignores_threshold)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 3);
	wr(&f, THRESHOLD(1), 7);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_U64(10, rd(&f, CLAIM(1)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_claim_returns_highest_priority)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 2);
	route(&f, 11, 1, 5);
	route(&f, 40, 1, 3);
	axvm_plic_set_irq(f.plic, 10, true);
	axvm_plic_set_irq(f.plic, 11, true);
	axvm_plic_set_irq(f.plic, 40, true);
	CHECK_U64(11, rd(&f, CLAIM(1)));
	CHECK_U64(40, rd(&f, CLAIM(1)));
	CHECK_U64(10, rd(&f, CLAIM(1)));
	CHECK_U64(0, rd(&f, CLAIM(1)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_claim_ties_go_to_lowest_id)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 50, 1, 4);
	route(&f, 12, 1, 4);
	axvm_plic_set_irq(f.plic, 50, true);
	axvm_plic_set_irq(f.plic, 12, true);
	CHECK_U64(12, rd(&f, CLAIM(1)));
	CHECK_U64(50, rd(&f, CLAIM(1)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_claim_clears_pending_and_lowers_line)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 1);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_INT(1, f.out[1]);
	CHECK_U64(10, rd(&f, CLAIM(1)));
	CHECK_U64(0, rd(&f, PENDING(0)));
	CHECK_INT(0, f.out[1]);
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_claimed_level_source_waits_for_complete)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 1);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_U64(10, rd(&f, CLAIM(1)));
	/* Line still high, but in service: not pending, no claim. */
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_U64(0, rd(&f, PENDING(0)));
	CHECK_U64(0, rd(&f, CLAIM(1)));
	wr(&f, CLAIM(1), 10);
	CHECK_U64(0x400, rd(&f, PENDING(0)));
	CHECK_INT(1, f.out[1]);
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_complete_after_line_dropped_stays_idle)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 1);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_U64(10, rd(&f, CLAIM(1)));
	axvm_plic_set_irq(f.plic, 10, false);
	wr(&f, CLAIM(1), 10);
	CHECK_U64(0, rd(&f, PENDING(0)));
	CHECK_INT(0, f.out[1]);
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_complete_of_source_not_enabled_is_ignored)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 1);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_U64(10, rd(&f, CLAIM(1)));
	/* Context 3 does not enable source 10: its completion is ignored. */
	wr(&f, CLAIM(3), 10);
	CHECK_U64(0, rd(&f, PENDING(0)));
	wr(&f, CLAIM(1), 10);
	CHECK_U64(0x400, rd(&f, PENDING(0)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_source_routed_to_two_contexts_claimed_once)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 10, 1, 1);
	route(&f, 10, 3, 1);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_INT(1, f.out[1]);
	CHECK_INT(1, f.out[3]);
	CHECK_U64(10, rd(&f, CLAIM(3)));
	CHECK_INT(0, f.out[1]);
	CHECK_INT(0, f.out[3]);
	CHECK_U64(0, rd(&f, CLAIM(1)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_enable_change_updates_line)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	wr(&f, PRIO(10), 1);
	axvm_plic_set_irq(f.plic, 10, true);
	CHECK_INT(-1, f.out[1]);
	wr(&f, ENABLE(1, 0), 0x400);
	CHECK_INT(1, f.out[1]);
	wr(&f, ENABLE(1, 0), 0);
	CHECK_INT(0, f.out[1]);
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_m_context_has_its_own_line)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	route(&f, 7, 2, 1);
	axvm_plic_set_irq(f.plic, 7, true);
	CHECK_INT(1, f.out[2]);
	CHECK_INT(-1, f.out[3]);
	CHECK_U64(7, rd(&f, CLAIM(2)));
	axvm_plic_destroy(f.plic);
}

TEST(test_plic_irq_line_adapter_drives_source)
{
	struct plic_fixture f;

	REQUIRE_OK(plic_setup(&f));
	axvm_plic_irq_line_set(f.plic, 11, true);
	CHECK_U64(0x800, rd(&f, PENDING(0)));
	axvm_plic_destroy(f.plic);
}

/* Random guest accesses anywhere in the window never crash, and the PLIC still works. */
TEST(test_plic_survives_random_accesses)
{
	struct plic_fixture f;
	uint64_t s = 0x243f6a8885a308d3ull;

	REQUIRE_OK(plic_setup(&f));
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t off, v;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		off = (s % AXVM_PLIC_MMIO_SIZE) & ~3ull;
		if (s >> 63)
			axvm_plic_ops.write(f.plic, off, 4, s >> 20);
		else
			axvm_plic_ops.read(f.plic, off, 4, &v);
		if (i % 64 == 0)
			axvm_plic_set_irq(f.plic, (unsigned)(s >> 40) % 100, (s >> 50) & 1);
	}
	for (unsigned c = 0; c < NCTX; c++) {
		wr(&f, THRESHOLD(c), 0);
		for (unsigned w = 0; w < 4; w++)
			wr(&f, ENABLE(c, w), 0);
		while (rd(&f, CLAIM(c)))
			;
		for (unsigned src = 1; src <= 95; src++)
			wr(&f, CLAIM(c), src);
	}
	for (unsigned src = 1; src <= 95; src++)
		axvm_plic_set_irq(f.plic, src, false);
	route(&f, 20, 1, 6);
	axvm_plic_set_irq(f.plic, 20, true);
	CHECK_INT(1, f.out[1]);
	CHECK_U64(20, rd(&f, CLAIM(1)));
	axvm_plic_destroy(f.plic);
}
