/* SPDX-License-Identifier: MIT */
/*
 * The threaded interpreter's own edges (exec.c): exact batch ends, fused
 * pairs cut by the budget, and remote fences of the two kinds.
 */
#include "test_hart_util.h"

#define P (RAM_BASE + 0x10000)

static int fix_budget(struct hart_fix *f, uint64_t budget)
{
	static struct axvm_riscv64_config cfg;

	cfg.run_budget = budget;
	return fix_init_cfg(f, &cfg, axvm_hal_linux());
}

TEST(exec_budget_of_one_runs_one_instruction_of_a_straight_run)
{
	struct hart_fix f;

	REQUIRE_OK(fix_budget(&f, 1));
	CODE(f, P, ADDI(5, 0, 1), ADDI(6, 0, 2), ADDI(7, 0, 3), WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	CHECK_U64(1, f.h->instret);
	CHECK_U64(1, f.h->x[5]);
	CHECK_U64(0, f.h->x[6]);
	CHECK_U64(P + 4, f.h->pc);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(2, f.h->x[6]);
	CHECK_U64(0, f.h->x[7]);
	CHECK_U64(P + 8, f.h->pc);
	fix_fini(&f);
}

TEST(exec_budget_ending_inside_a_fused_lui_addiw_runs_only_the_lui)
{
	struct hart_fix f;

	REQUIRE_OK(fix_budget(&f, 1));
	/* lui x5, 0x12345; addiw x5, x5, 0x678: decoded as one fused slot. */
	CODE(f, P, LUI(5, 0x12345), ADDIW(5, 5, 0x678), WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	CHECK_U64(1, f.h->instret);
	CHECK_U64(0x12345000ull, f.h->x[5]);
	CHECK_U64(P + 4, f.h->pc);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x12345678ull, f.h->x[5]);
	CHECK_U64(2, f.h->instret);
	fix_fini(&f);
}

TEST(exec_fused_pair_counts_two_instructions)
{
	FIX(f);
	CODE(f, P, LUI(5, 0x12345), ADDIW(5, 5, 0x678), WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x12345678ull, f.h->x[5]);
	CHECK_U64(3, f.h->instret);
	fix_fini(&f);
}

TEST(exec_zext_w_pair_zero_extends)
{
	FIX(f);
	/* slli x6, x5, 32; srli x6, x6, 32 */
	CODE(f, P, enc_i(0x13, 6, 1, 5, 32), enc_i(0x13, 6, 5, 6, 32), WFI);
	f.h->pc = P;
	f.h->x[5] = 0xfedcba9876543210ull;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x76543210ull, f.h->x[6]);
	CHECK_U64(3, f.h->instret);
	fix_fini(&f);
}

/* A remote sfence.vma keeps decoded pages (keyed by host page); a remote fence.i resets them. */
TEST(exec_tlb_only_flush_keeps_decoded_slots_and_full_flush_resets_them)
{
	FIX(f);
	uint64_t resets, ticket;

	CODE(f, P, ADDI(5, 5, 1), WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	resets = f.h->dc.resets;
	ticket = rv_hart_request_tlb_flush(f.h);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK(rv_hart_flush_done(f.h, ticket));
	CHECK_U64(resets, f.h->dc.resets);
	CHECK_U64(2, f.h->x[5]);
	ticket = rv_hart_request_flush(f.h);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK(rv_hart_flush_done(f.h, ticket));
	CHECK_U64(resets + 1, f.h->dc.resets);
	CHECK_U64(3, f.h->x[5]);
	fix_fini(&f);
}
