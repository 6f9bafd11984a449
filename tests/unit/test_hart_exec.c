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

/*
 * A remote sfence.vma keeps decoded pages (keyed by host page); a remote
 * fence.i checks them: a page whose bytes are unchanged is kept, one
 * written behind the hart's back (as a device or another hart would) is
 * reset and runs its new code.
 */
TEST(exec_tlb_only_flush_keeps_decoded_slots_and_full_flush_resets_them)
{
	FIX(f);
	uint64_t resets, kept, ticket;

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
	kept = f.h->dc.kept;
	ticket = rv_hart_request_flush(f.h);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK(rv_hart_flush_done(f.h, ticket));
	CHECK_U64(resets, f.h->dc.resets);
	CHECK_U64(kept + 1, f.h->dc.kept);
	CHECK_U64(3, f.h->x[5]);
	/* The same page rewritten from outside the hart: without a fence.i the
	 * old code may still run; after one, the new code must. */
	CODE(f, P, ADDI(5, 5, 100), WFI);
	ticket = rv_hart_request_flush(f.h);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK(rv_hart_flush_done(f.h, ticket));
	CHECK_U64(resets + 1, f.h->dc.resets);
	CHECK_U64(103, f.h->x[5]);
	fix_fini(&f);
}

#define SLLI(rd, rs, sh) enc_i(0x13, rd, 1, rs, sh)
#define SRLI(rd, rs, sh) enc_i(0x13, rd, 5, rs, sh)
#define DATA (RAM_BASE + 0x20000)

TEST(exec_shift_pair_writes_both_destinations)
{
	FIX(f);
	/* slli x6, x5, 32; srli x7, x6, 30 (zero-extend and scale by 4) */
	CODE(f, P, SLLI(6, 5, 32), SRLI(7, 6, 30), WFI);
	f.h->pc = P;
	f.h->x[5] = 0xffffffff80000001ull;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x8000000100000000ull, f.h->x[6]);
	CHECK_U64(0x200000004ull, f.h->x[7]);
	CHECK_U64(3, f.h->instret);
	fix_fini(&f);
}

TEST(exec_add_then_load_through_the_sum_writes_the_sum_and_the_value)
{
	FIX(f);
	const uint64_t v = 0x1122334455667788ull;

	REQUIRE_OK(axvm_addrspace_write(f.as, DATA + 0x18, &v, 8));
	/* ld first (the pair then hits the TLB); add x6, x5, x7; ld x8, 8(x6) */
	CODE(f, P, LD(9, 5, 0), ADD(6, 5, 7), LD(8, 6, 8), WFI);
	f.h->pc = P;
	f.h->x[5] = DATA;
	f.h->x[7] = 0x10;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(DATA + 0x10, f.h->x[6]);
	CHECK_U64(v, f.h->x[8]);
	CHECK_U64(4, f.h->instret);
	fix_fini(&f);
}

TEST(exec_add_then_load_into_the_same_register_keeps_the_loaded_value)
{
	FIX(f);
	const uint32_t v = 0x80000001u;

	REQUIRE_OK(axvm_addrspace_write(f.as, DATA + 4, &v, 4));
	/* ld first (TLB); add x6, x6, x7; lw x6, 0(x6): sign-extended word */
	CODE(f, P, LD(9, 6, 0), ADD(6, 6, 7), LW(6, 6, 0), WFI);
	f.h->pc = P;
	f.h->x[6] = DATA;
	f.h->x[7] = 4;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0xffffffff80000001ull, f.h->x[6]);
	fix_fini(&f);
}

TEST(exec_add_then_store_of_the_sum_stores_the_new_value)
{
	FIX(f);
	uint64_t got = 0;

	/* sd first (TLB); add x6, x5, x7; sd x6, 0(x6) */
	CODE(f, P, SD(0, 5, 0x80), ADD(6, 5, 7), SD(6, 6, 0), WFI);
	f.h->pc = P;
	f.h->x[5] = DATA;
	f.h->x[7] = 0x40;
	REQUIRE_OK(fix_run(&f));
	REQUIRE_OK(axvm_addrspace_read(f.as, DATA + 0x40, &got, 8));
	CHECK_U64(DATA + 0x40, got);
	CHECK_U64(4, f.h->instret);
	fix_fini(&f);
}

TEST(exec_add_then_mmio_load_retires_the_add_and_exits_at_the_load)
{
	FIX(f);
	/* add x6, x5, x7; lbu x8, 5(x6) with x6 in the MMIO page */
	CODE(f, P, ADD(6, 5, 7), LBU(8, 6, 5), WFI);
	f.h->pc = P;
	f.h->x[5] = MMIO_BASE;
	f.h->x[7] = 0x10;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
	CHECK_U64(MMIO_BASE + 0x15, f.exit.mmio_read.addr);
	CHECK_INT(8, f.exit.mmio_read.reg);
	CHECK_U64(MMIO_BASE + 0x10, f.h->x[6]);
	CHECK_U64(P + 8, f.h->pc);
	CHECK_U64(2, f.h->instret);
	fix_fini(&f);
}

TEST(exec_add_then_faulting_store_reports_the_store_pc)
{
	FIX(f);
	/* add x6, x5, x0; sw x7, 0(x6) at an address with no memory: access fault */
	CODE(f, P, ADD(6, 5, 0), SW(7, 6, 0), WFI);
	f.h->pc = P;
	f.h->stvec = TRAP_VEC;
	f.h->x[5] = 0x40000000ull;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_STORE_ACCESS, f.h->scause);
	CHECK_U64(P + 4, f.h->sepc);
	CHECK_U64(0x40000000ull, f.h->stval);
	CHECK_U64(0x40000000ull, f.h->x[6]);
	fix_fini(&f);
}

TEST(exec_budget_ending_inside_an_add_load_pair_runs_only_the_add)
{
	struct hart_fix f;
	const uint64_t v = 77;

	REQUIRE_OK(fix_budget(&f, 1));
	REQUIRE_OK(axvm_addrspace_write(f.as, DATA, &v, 8));
	CODE(f, P, ADD(6, 5, 0), LD(8, 6, 0), WFI);
	f.h->pc = P;
	f.h->x[5] = DATA;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	CHECK_U64(DATA, f.h->x[6]);
	CHECK_U64(0, f.h->x[8]);
	CHECK_U64(P + 4, f.h->pc);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(77, f.h->x[8]);
	fix_fini(&f);
}

/* A trapped custom CSR read-modify-write retires once, at its write half. */
TEST(exec_trapped_csr_rmw_counts_one_instruction)
{
	FIX(f);
	f.h->x[7] = 0x3333;
	CODE(f, P, CSRRW(6, 0x5c0, 7), WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_READ, f.exit.reason);
	CHECK_U64(0, f.h->instret);
	REQUIRE_OK(f.ops->set_gpr(f.be, f.exit.sysreg_read.reg, 0x1111));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_WRITE, f.exit.reason);
	CHECK_U64(1, f.h->instret);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(2, f.h->instret);
	fix_fini(&f);
}

/* ---- F/D fast paths ---- */

#define FLW(rd, rs1, imm) enc_i(0x07, rd, 2, rs1, imm)
#define FLD(rd, rs1, imm) enc_i(0x07, rd, 3, rs1, imm)
#define FSW(rs2, rs1, imm) enc_s(0x27, 2, rs1, rs2, imm)
#define FSD(rs2, rs1, imm) enc_s(0x27, 3, rs1, rs2, imm)
/* fadd.d rd, rs1, rs2 (rm = dyn), feq.d rd, rs1, rs2 */
#define FADD_D(rd, a, b) enc_r(0x53, rd, 7, a, b, 0x01)
#define FEQ_D(rd, a, b) enc_r(0x53, rd, 2, a, b, 0x51)

static void fix_fp_on(struct hart_fix *f)
{
	f->h->sstatus = (f->h->sstatus & ~RV_SSTATUS_FS) | (1ull << RV_SSTATUS_FS_SHIFT);
}

TEST(exec_flw_nan_boxes_and_fld_loads_into_f0_and_mark_fs_dirty)
{
	FIX(f);
	const uint64_t v = 0x400921fb54442d18ull; /* pi */

	REQUIRE_OK(axvm_addrspace_write(f.as, DATA, &v, 8));
	/* ld first: the F loads then hit the TLB (the fast path under test). */
	CODE(f, P, LD(7, 5, 0), FLW(1, 5, 0), FLD(0, 5, 0), WFI);
	f.h->pc = P;
	f.h->x[5] = DATA;
	fix_fp_on(&f);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0xffffffff54442d18ull, f.h->fpu.f[1]);
	CHECK_U64(v, f.h->fpu.f[0]);
	CHECK_U64(RV_SSTATUS_FS, f.h->sstatus & RV_SSTATUS_FS);
	CHECK_U64(0, f.h->x[0]);
	fix_fini(&f);
}

TEST(exec_fsw_stores_the_low_word_and_fsd_the_double)
{
	FIX(f);
	uint64_t got[2] = {0, 0};

	/* sd first: the F stores then hit the TLB (the fast path under test). */
	CODE(f, P, SD(0, 5, 16), FSW(2, 5, 0), FSD(2, 5, 8), WFI);
	f.h->pc = P;
	f.h->x[5] = DATA;
	f.h->fpu.f[2] = 0x1122334455667788ull;
	fix_fp_on(&f);
	REQUIRE_OK(fix_run(&f));
	REQUIRE_OK(axvm_addrspace_read(f.as, DATA, got, 16));
	CHECK_U64(0x55667788ull, got[0]);
	CHECK_U64(0x1122334455667788ull, got[1]);
	fix_fini(&f);
}

TEST(exec_fp_load_with_fs_off_is_illegal_and_changes_nothing)
{
	FIX(f);
	CODE(f, P, LD(7, 5, 0), FLD(3, 5, 0), WFI);
	f.h->pc = P;
	f.h->stvec = TRAP_VEC;
	f.h->x[5] = DATA;
	f.h->fpu.f[3] = 7;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(FLD(3, 5, 0), f.h->stval);
	CHECK_U64(P + 4, f.h->sepc);
	CHECK_U64(7, f.h->fpu.f[3]);
	CHECK_U64(0, f.h->sstatus & RV_SSTATUS_FS);
	fix_fini(&f);
}

TEST(exec_fp_arithmetic_runs_and_an_integer_result_into_x0_is_dropped)
{
	FIX(f);
	const double a = 1.5, b = 2.25;

	/* x7 = x0 + 5 right after the feq into x0, before anything resets x0. */
	CODE(f, P, FADD_D(4, 1, 2), FEQ_D(0, 1, 1), ADDI(7, 0, 5), FEQ_D(6, 1, 1), WFI);
	f.h->pc = P;
	memcpy(&f.h->fpu.f[1], &a, 8);
	memcpy(&f.h->fpu.f[2], &b, 8);
	fix_fp_on(&f);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x400e000000000000ull, f.h->fpu.f[4]); /* 3.75 */
	CHECK_U64(5, f.h->x[7]);
	CHECK_U64(1, f.h->x[6]);
	CHECK_U64(5, f.h->instret);
	fix_fini(&f);
}

TEST(exec_fp_arithmetic_with_a_reserved_rounding_mode_is_illegal)
{
	FIX(f);
	/* fadd.d f4, f1, f2 with rm = 5 (reserved) */
	const uint32_t bad = enc_r(0x53, 4, 5, 1, 2, 0x01);

	CODE(f, P, bad, WFI);
	f.h->pc = P;
	f.h->stvec = TRAP_VEC;
	f.h->fpu.f[4] = 9;
	fix_fp_on(&f);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(bad, f.h->stval);
	CHECK_U64(9, f.h->fpu.f[4]);
	fix_fini(&f);
}

/*
 * The VM's MMIO fast path (h->mmio_access, from setup): loads and stores
 * to an MMIO page whose translation the MMIO TLB holds complete without an
 * exit, extended as the instruction says; the first access of each kind
 * (the translation not cached yet) still exits through interp.c.
 */
struct fast_log {
	unsigned n;
	uint64_t addr[16], val[16];
	unsigned width[16];
	bool write[16];
	int ret;	       /* what the hook returns (nonzero: it declines) */
	struct rv_hart *raise; /* post SEI to this hart from the access */
};

static int fast_rec(void *opaque, uint64_t addr, unsigned width, uint64_t *value, bool write)
{
	struct fast_log *l = opaque;

	if (l->ret)
		return l->ret;
	if (l->n < 16) {
		l->addr[l->n] = addr;
		l->width[l->n] = width;
		l->write[l->n] = write;
		l->val[l->n] = write ? *value : 0;
		l->n++;
	}
	if (!write)
		*value = 0x8182838485868788ull; /* bytes past `width` are junk the hart drops */
	if (l->raise)
		rv_hart_post_interrupt(l->raise, RV_IRQ_SEI);
	return 0;
}

/* Run from P, answering (and checking) the two warm-up exits: a read, then a write. */
static void run_past_warmup(struct hart_fix *f)
{
	f->h->pc = P;
	REQUIRE_OK(fix_run(f));
	CHECK_INT(AXVM_EXIT_MMIO_READ, f->exit.reason);
	REQUIRE_OK(fix_run(f));
	CHECK_INT(AXVM_EXIT_MMIO_WRITE, f->exit.reason);
	REQUIRE_OK(fix_run(f));
}

TEST(exec_mmio_fast_path_completes_loads_and_stores_without_exits)
{
	struct fast_log l = {0};
	static const unsigned widths[] = {1, 1, 2, 2, 4, 4, 8, 1, 1, 2, 4, 8};

	FIX(f);
	CODE(f, P, LBU(0, 5, 0), SB(0, 5, 0), LB(8, 5, 1), LBU(9, 5, 1), LH(10, 5, 2),
	     LHU(11, 5, 2), LW(12, 5, 4), LWU(13, 5, 4), LD(14, 5, 8), LB(0, 5, 1), SB(6, 5, 1),
	     SH(6, 5, 2), SW(6, 5, 4), SD(6, 5, 8), WFI);
	f.h->mmio_access = fast_rec;
	f.h->mmio_opaque = &l;
	f.h->x[5] = MMIO_BASE;
	f.h->x[6] = 0x1122334455667788ull;
	run_past_warmup(&f);
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0xffffffffffffff88ull, f.h->x[8]);
	CHECK_U64(0x88, f.h->x[9]);
	CHECK_U64(0xffffffffffff8788ull, f.h->x[10]);
	CHECK_U64(0x8788, f.h->x[11]);
	CHECK_U64(0xffffffff85868788ull, f.h->x[12]);
	CHECK_U64(0x85868788, f.h->x[13]);
	CHECK_U64(0x8182838485868788ull, f.h->x[14]);
	CHECK_U64(0, f.h->x[0]);
	REQUIRE(l.n == 12);
	for (unsigned i = 0; i < 12; i++) {
		CHECK_INT((int)widths[i], (int)l.width[i]);
		CHECK_INT(i >= 8, l.write[i]);
	}
	CHECK_U64(MMIO_BASE + 1, l.addr[0]);
	CHECK_U64(MMIO_BASE + 8, l.addr[11]);
	/* Only the low `width` bytes of a store's value count. */
	CHECK_U64(0x88, l.val[8] & 0xff);
	CHECK_U64(0x55667788, l.val[10] & 0xffffffff);
	CHECK_U64(0x1122334455667788ull, l.val[11]);
	/* Every instruction retired once: the 14 before the wfi and the wfi. */
	CHECK_U64(15, f.h->instret);
	CHECK_U64(P + 15 * 4, f.h->pc);
	fix_fini(&f);
}

/* The hook declines: the same exit as without it, pc and instret exact. */
TEST(exec_mmio_fast_path_declined_makes_the_exit)
{
	struct fast_log l = {.ret = 1};

	FIX(f);
	CODE(f, P, LBU(0, 5, 0), SB(0, 5, 0), ADDI(7, 0, 1), LH(8, 5, 6), ADDI(7, 0, 2), WFI);
	f.h->mmio_access = fast_rec;
	f.h->mmio_opaque = &l;
	f.h->x[5] = MMIO_BASE;
	run_past_warmup(&f);
	CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
	CHECK_U64(MMIO_BASE + 6, f.exit.mmio_read.addr);
	CHECK_INT(2, f.exit.mmio_read.width);
	CHECK_INT(8, f.exit.mmio_read.reg);
	CHECK(f.exit.mmio_read.sign_ext);
	CHECK_U64(1, f.h->x[7]);
	CHECK_U64(P + 16, f.h->pc);
	CHECK_U64(4, f.h->instret);
	fix_fini(&f);
}

/*
 * An interrupt the device raises during a fast access is taken right after
 * the instruction, as it would be after an exit: sepc is the next one.
 */
TEST(exec_mmio_fast_path_interrupt_raised_by_the_access_is_taken_at_once)
{
	struct fast_log l = {0};

	FIX(f);
	CODE(f, P, LBU(0, 5, 0), SB(0, 5, 0), SB(6, 5, 0), ADDI(7, 0, 1), ADDI(7, 7, 1), WFI);
	f.h->mmio_access = fast_rec;
	f.h->mmio_opaque = &l;
	f.h->x[5] = MMIO_BASE;
	f.h->sie = RV_MIP_SEIP;
	f.h->sstatus |= RV_SSTATUS_SIE;
	l.raise = f.h;
	run_past_warmup(&f);
	CHECK_INT(1, (int)l.n);
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_CAUSE_INTERRUPT | RV_IRQ_SEI, f.h->scause);
	CHECK_U64(P + 12, f.h->sepc);
	CHECK_U64(0, f.h->x[7]);
	fix_fini(&f);
}
