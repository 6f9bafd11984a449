/* SPDX-License-Identifier: MIT */
/*
 * The hart's A extension: LR/SC success and failure paths, every AMO, the
 * alignment and MMIO faults, and exact totals from two harts on two host
 * threads incrementing one counter.
 */
#include <pthread.h>

#include "test_hart_util.h"

#define R RAM_BASE
#define MEM (R + 0x3000)

#define LR_W(rd, rs1) AMO(0x02, 2, rd, rs1, 0)
#define LR_D(rd, rs1) AMO(0x02, 3, rd, rs1, 0)
#define SC_W(rd, rs1, rs2) AMO(0x03, 2, rd, rs1, rs2)
#define SC_D(rd, rs1, rs2) AMO(0x03, 3, rd, rs1, rs2)

TEST(hart_lr_then_sc_succeeds_and_stores)
{
	FIX(f);
	fix_wr64(&f, MEM, 5);
	f.h->x[6] = MEM;
	f.h->x[8] = 6;
	CODE(f, R, LR_D(7, 6), SC_D(9, 6, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(5, f.h->x[7]);
	CHECK_U64(0, f.h->x[9]);
	CHECK_U64(6, fix_rd64(&f, MEM));
	fix_fini(&f);
}

TEST(hart_sc_without_lr_fails_and_does_not_store)
{
	FIX(f);
	fix_wr64(&f, MEM, 5);
	f.h->x[6] = MEM;
	f.h->x[8] = 6;
	CODE(f, R, SC_D(9, 6, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(1, f.h->x[9]);
	CHECK_U64(5, fix_rd64(&f, MEM));
	fix_fini(&f);
}

TEST(hart_sc_fails_after_the_word_changed)
{
	FIX(f);
	fix_wr64(&f, MEM, 5);
	f.h->x[6] = MEM;
	f.h->x[8] = 6;
	f.h->x[10] = 100;
	CODE(f, R, LR_D(7, 6), SD(10, 6, 0), SC_D(9, 6, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(1, f.h->x[9]);
	CHECK_U64(100, fix_rd64(&f, MEM));
	fix_fini(&f);
}

TEST(hart_sc_to_another_address_fails)
{
	FIX(f);
	f.h->x[6] = MEM;
	f.h->x[11] = MEM + 8;
	f.h->x[8] = 6;
	CODE(f, R, LR_D(7, 6), SC_D(9, 11, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(1, f.h->x[9]);
	CHECK_U64(0, fix_rd64(&f, MEM + 8));
	fix_fini(&f);
}

TEST(hart_sc_fails_after_a_trap_between_lr_and_sc)
{
	FIX(f);
	/* LR, then ebreak (trap); the handler returns with sret to the SC */
	const uint32_t handler[] = {CSRRS(20, CSR_SEPC, 0), ADDI(20, 20, 4), CSRRW(0, CSR_SEPC, 20),
				    SRET};

	f.h->x[6] = MEM;
	f.h->x[8] = 6;
	f.h->stvec = R + 0x2000;
	f.h->sstatus = RV_SSTATUS_SPP;
	REQUIRE_OK(fix_code(&f, R + 0x2000, handler, 4));
	CODE(f, R, LR_D(7, 6), EBREAK, SC_D(9, 6, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(1, f.h->x[9]);
	CHECK_U64(0, fix_rd64(&f, MEM));
	fix_fini(&f);
}

TEST(hart_lr_w_sign_extends)
{
	FIX(f);
	fix_wr64(&f, MEM, 0x80000000u);
	f.h->x[6] = MEM;
	CODE(f, R, LR_W(7, 6), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0xffffffff80000000ull, f.h->x[7]);
	fix_fini(&f);
}

TEST(hart_amoadd_w_returns_old_sign_extended_and_wraps)
{
	FIX(f);
	fix_wr64(&f, MEM, 0x00000000ffffffffull);
	f.h->x[6] = MEM;
	f.h->x[8] = 2;
	CODE(f, R, AMO(0x00, 2, 7, 6, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(UINT64_MAX, f.h->x[7]);
	CHECK_U64(1, fix_rd64(&f, MEM)); /* upper word untouched */
	fix_fini(&f);
}

TEST(hart_amo_min_max_signed_and_unsigned)
{
	FIX(f);
	fix_wr64(&f, MEM, (uint64_t)-5);
	fix_wr64(&f, MEM + 8, (uint64_t)-5);
	fix_wr64(&f, MEM + 16, (uint64_t)-5);
	fix_wr64(&f, MEM + 24, (uint64_t)-5);
	f.h->x[6] = MEM;
	f.h->x[10] = MEM + 8;
	f.h->x[11] = MEM + 16;
	f.h->x[12] = MEM + 24;
	f.h->x[8] = 3;
	CODE(f, R, AMO(0x10, 3, 0, 6, 8), AMO(0x14, 3, 0, 10, 8), AMO(0x18, 3, 0, 11, 8),
	     AMO(0x1c, 3, 0, 12, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64((uint64_t)-5, fix_rd64(&f, MEM));	 /* min */
	CHECK_U64(3, fix_rd64(&f, MEM + 8));		 /* max */
	CHECK_U64(3, fix_rd64(&f, MEM + 16));		 /* minu */
	CHECK_U64((uint64_t)-5, fix_rd64(&f, MEM + 24)); /* maxu */
	fix_fini(&f);
}

TEST(hart_amo_swap_xor_and_or_d)
{
	FIX(f);
	fix_wr64(&f, MEM, 0xf0);
	fix_wr64(&f, MEM + 8, 0xf0);
	fix_wr64(&f, MEM + 16, 0xf0);
	fix_wr64(&f, MEM + 24, 0xf0);
	f.h->x[6] = MEM;
	f.h->x[10] = MEM + 8;
	f.h->x[11] = MEM + 16;
	f.h->x[12] = MEM + 24;
	f.h->x[8] = 0x3c;
	CODE(f, R, AMO(0x01, 3, 7, 6, 8), AMO(0x04, 3, 0, 10, 8), AMO(0x0c, 3, 0, 11, 8),
	     AMO(0x08, 3, 0, 12, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0xf0, f.h->x[7]);
	CHECK_U64(0x3c, fix_rd64(&f, MEM));
	CHECK_U64(0xcc, fix_rd64(&f, MEM + 8));
	CHECK_U64(0x30, fix_rd64(&f, MEM + 16));
	CHECK_U64(0xfc, fix_rd64(&f, MEM + 24));
	fix_fini(&f);
}

TEST(hart_misaligned_amo_is_a_store_misaligned_fault)
{
	FIX(f);
	f.h->x[6] = MEM + 4;
	CODE(f, R, AMO(0x00, 3, 7, 6, 8));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_STORE_MISALIGNED, f.h->scause);
	CHECK_U64(MEM + 4, f.h->stval);
	fix_fini(&f);
}

TEST(hart_misaligned_lr_is_a_load_misaligned_fault)
{
	FIX(f);
	f.h->x[6] = MEM + 2;
	CODE(f, R, LR_W(7, 6));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_MISALIGNED, f.h->scause);
	CHECK_U64(MEM + 2, f.h->stval);
	fix_fini(&f);
}

TEST(hart_amo_on_mmio_is_a_store_access_fault)
{
	FIX(f);
	f.h->x[6] = MMIO_BASE;
	CODE(f, R, AMO(0x00, 2, 7, 6, 8));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_STORE_ACCESS, f.h->scause);
	CHECK_U64(MMIO_BASE, f.h->stval);
	fix_fini(&f);
}

TEST(hart_lr_with_nonzero_rs2_is_illegal)
{
	FIX(f);
	uint32_t bad = AMO(0x02, 3, 7, 6, 1);

	f.h->x[6] = MEM;
	CODE(f, R, bad);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(bad, f.h->stval);
	fix_fini(&f);
}

/* Two harts on two threads sharing one address space. */
struct amo_worker {
	const struct axvm_vcpu_ops *ops;
	void *be;
	struct axvm_exit exit;
	int ret;
};

static void *amo_worker_run(void *arg)
{
	struct amo_worker *w = arg;

	do
		w->ret = w->ops->run(w->be, &w->exit);
	while (w->ret == 0 && w->exit.reason == AXVM_EXIT_NOTHING);
	return NULL;
}

#define LOOP (R + 0x400)

static void amo_two_harts(const uint32_t *code, size_t n, uint64_t iters, uint64_t *total)
{
	struct hart_fix f;
	struct axvm_vcpu_create_info ci = {.id = 1, .hal = axvm_hal_linux()};
	struct axvm_vcpu_setup_info si = {.entry = LOOP};
	struct amo_worker w[2];
	pthread_t t[2];

	*total = 0;
	if (fix_init(&f) || fix_code(&f, LOOP, code, n)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		fix_fini(&f);
		return;
	}
	si.addrspace = f.as;
	w[0] = (struct amo_worker){.ops = f.ops, .be = f.be};
	w[1] = (struct amo_worker){.ops = f.ops};
	if (f.ops->create(&ci, &w[1].be) || f.ops->setup(w[1].be, &si)) {
		test_fail_at(__FILE__, __LINE__, "second hart");
		fix_fini(&f);
		return;
	}
	f.h->pc = LOOP;
	for (int i = 0; i < 2; i++) {
		f.ops->set_gpr(w[i].be, 5, iters);
		f.ops->set_gpr(w[i].be, 6, MEM);
		f.ops->set_gpr(w[i].be, 7, 1);
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, amo_worker_run, &w[i]);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(0, w[i].ret);
		CHECK_INT(AXVM_EXIT_HALT, w[i].exit.reason);
	}
	*total = fix_rd64(&f, MEM);
	f.ops->destroy(w[1].be);
	fix_fini(&f);
}

TEST(hart_two_threads_amoadd_reach_the_exact_total)
{
	/* loop: amoadd.d x0, x7, (x6); addi x5, x5, -1; bnez x5, loop; wfi */
	const uint32_t code[] = {AMO(0x00, 3, 0, 6, 7), ADDI(5, 5, -1), BNE(5, 0, -8), WFI};
	uint64_t total;

	amo_two_harts(code, 4, 200000, &total);
	CHECK_U64(400000, total);
}

TEST(hart_two_threads_lr_sc_loops_reach_the_exact_total)
{
	/*
	 * loop: lr.d x8, (x6); addi x8, x8, 1; sc.d x9, x8, (x6); bnez x9, loop;
	 *       addi x5, x5, -1; bnez x5, loop; wfi
	 */
	const uint32_t code[] = {LR_D(8, 6),
				 ADDI(8, 8, 1),
				 SC_D(9, 6, 8),
				 BNE(9, 0, -12),
				 ADDI(5, 5, -1),
				 BNE(5, 0, -20),
				 WFI};
	uint64_t total;

	amo_two_harts(code, 7, 200000, &total);
	CHECK_U64(400000, total);
}
