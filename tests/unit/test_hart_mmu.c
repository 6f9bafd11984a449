/* SPDX-License-Identifier: MIT */
/*
 * The hart's Sv39/Sv48 translation: walks with A/D updates, permission
 * checks (U/SUM/MXR), page faults with stval, superpage and reserved-bit
 * checks, page-table accesses hitting MMIO or lazy memory, sfence.vma.
 *
 * Layout: code runs from a 1 GiB identity superpage at 0x80000000 (root[2]);
 * va 0x40000000 + n * 4 KiB is mapped by L0[n] (root[1] -> L1 -> L0).
 */
#include "test_hart_util.h"

#define R RAM_BASE
#define ROOT (R + 0x100000)
#define L1 (R + 0x101000)
#define L0 (R + 0x102000)
#define ROOT48 (R + 0x103000)
#define DATA (R + 0x200000) /* physical pages for the 4 KiB mappings */
#define VA 0x40000000ull

#define PTE_V 0x01u
#define PTE_R 0x02u
#define PTE_W 0x04u
#define PTE_X 0x08u
#define PTE_U 0x10u
#define PTE_A 0x40u
#define PTE_D 0x80u

static uint64_t pte(uint64_t pa, unsigned flags)
{
	return (pa >> 12) << 10 | flags;
}

static const uint64_t satp_sv39 = 8ull << 60 | (ROOT >> 12);

/* Page tables with code identity-mapped and L0 empty; the hart in Sv39. */
static void mmu_setup(struct hart_fix *f)
{
	fix_wr64(f, ROOT + 2 * 8, pte(R, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D));
	fix_wr64(f, ROOT + 1 * 8, pte(L1, PTE_V));
	fix_wr64(f, L1, pte(L0, PTE_V));
	f->h->satp = satp_sv39;
}

#define MMU_FIX(f)                                                                                 \
	FIX(f);                                                                                    \
	mmu_setup(&f)

TEST(hart_sv39_load_sets_accessed_but_not_dirty)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_W));
	fix_wr64(&f, DATA + 8, 0x1234);
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, LD(7, 6, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x1234, f.h->x[7]);
	CHECK_U64(pte(DATA, PTE_V | PTE_R | PTE_W | PTE_A), fix_rd64(&f, L0 + 8));
	fix_fini(&f);
}

TEST(hart_sv39_store_sets_accessed_and_dirty)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_W));
	f.h->x[6] = VA + 0x1000;
	f.h->x[8] = 0x5566;
	CODE(f, R, SD(8, 6, 16), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x5566, fix_rd64(&f, DATA + 16));
	CHECK_U64(pte(DATA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D), fix_rd64(&f, L0 + 8));
	fix_fini(&f);
}

TEST(hart_sv39_invalid_pte_is_a_load_page_fault_with_stval)
{
	MMU_FIX(f);
	f.h->x[6] = VA + 0x2000;
	CODE(f, R, LD(7, 6, 0x18));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);
	CHECK_U64(VA + 0x2018, f.h->stval);
	CHECK_U64(R, f.h->sepc);
	fix_fini(&f);
}

TEST(hart_sv39_store_to_read_only_page_is_a_store_page_fault)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A));
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, SW(8, 6, 4));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_STORE_PAGE, f.h->scause);
	CHECK_U64(VA + 0x1004, f.h->stval);
	fix_fini(&f);
}

TEST(hart_sv39_fetch_from_non_executable_page_is_an_instruction_page_fault)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A));
	f.h->x[1] = VA + 0x1000;
	CODE(f, R, JALR(0, 1, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_INSN_PAGE, f.h->scause);
	CHECK_U64(VA + 0x1000, f.h->stval);
	CHECK_U64(VA + 0x1000, f.h->sepc);
	fix_fini(&f);
}

TEST(hart_sv39_user_page_needs_sum_in_s_mode)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_U | PTE_A));
	fix_wr64(&f, DATA, 0x99);
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);

	f.h->scause = 0;
	f.h->pc = R;
	f.h->sstatus |= RV_SSTATUS_SUM;
	CODE(f, R, LD(7, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0, f.h->scause);
	CHECK_U64(0x99, f.h->x[7]);
	fix_fini(&f);
}

TEST(hart_sv39_sum_cleared_by_csr_write_faults_again)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_U | PTE_A));
	f.h->x[6] = VA + 0x1000;
	f.h->x[5] = RV_SSTATUS_SUM;
	/* load with SUM (cached in the TLB), clear SUM, load again: must fault */
	CODE(f, R, CSRRS(0, CSR_SSTATUS, 5), LD(7, 6, 0), CSRRC(0, CSR_SSTATUS, 5), LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);
	CHECK_U64(R + 12, f.h->sepc);
	fix_fini(&f);
}

/*
 * Clearing SUM drops only the S-mode entries of U pages (tlb.sum_at): the
 * kernel's own entry stays cached, the user page (loaded and stored) faults
 * again; with more U pages than the list holds, all of them still fault.
 */
static void mmu_sum_clear(unsigned upages)
{
	MMU_FIX(f);
	const unsigned kidx = ((VA + 0x1000 * 40) >> 12) & (RV_TLB_SIZE - 1);

	fix_wr64(&f, L0 + 40 * 8, pte(DATA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D));
	for (unsigned i = 1; i <= upages; i++)
		fix_wr64(&f, L0 + i * 8, pte(DATA, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D));
	f.h->x[6] = VA + 0x1000;
	f.h->x[9] = VA + 0x1000 * 40;
	f.h->x[5] = RV_SSTATUS_SUM;
	f.h->x[10] = upages;
	/* SUM on; load and store every U page; a kernel load; SUM off; a kernel load */
	CODE(f, R, CSRRS(0, CSR_SSTATUS, 5), LD(7, 6, 0), SD(7, 6, 8), ADDI(6, 6, 0x7ff),
	     ADDI(6, 6, 0x7ff), ADDI(6, 6, 2), ADDI(10, 10, -1), BNE(10, 0, -24), LD(8, 9, 0),
	     CSRRC(0, CSR_SSTATUS, 5), LD(8, 9, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64((VA + 0x1000 * 40) & ~0xfffull, f.h->tlb.e[RV_PRIV_S][RV_ACC_R][kidx].tag);
	/* The probes on a page not run yet (a decoded page would not see new code). */
	for (unsigned i = 1; i <= upages; i++)
		CODE(f, R + 0x3000 + 8 * i, (i & 1) ? LD(7, 6, 0) : SD(7, 6, 0), WFI);
	for (unsigned i = 1; i <= upages; i++) {
		f.h->scause = 0;
		f.h->pc = R + 0x3000 + 8 * i;
		f.h->x[6] = VA + 0x1000 * i;
		REQUIRE_OK(fix_run(&f));
		CHECK_U64((i & 1) ? RV_EXC_LOAD_PAGE : RV_EXC_STORE_PAGE, f.h->scause);
	}
	fix_fini(&f);
}

TEST(hart_sv39_sum_cleared_drops_only_user_entries)
{
	mmu_sum_clear(3);
}

TEST(hart_sv39_sum_cleared_after_more_user_pages_than_listed_faults_on_each)
{
	mmu_sum_clear(RV_TLB_SUM_MAX / 2 + 3); /* each page a load and a store entry */
}

TEST(hart_sv39_execute_only_page_readable_only_with_mxr)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_X | PTE_A));
	fix_wr64(&f, DATA, 0x77);
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);

	f.h->scause = 0;
	f.h->pc = R;
	f.h->sstatus |= RV_SSTATUS_MXR;
	CODE(f, R, LD(7, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0, f.h->scause);
	CHECK_U64(0x77, f.h->x[7]);
	fix_fini(&f);
}

TEST(hart_sv39_u_mode_cannot_load_from_supervisor_page)
{
	MMU_FIX(f);
	/* U code: a user superpage at 0xc0000000 aliasing RAM */
	fix_wr64(&f, ROOT + 3 * 8, pte(R, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A));
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A));
	f.h->x[6] = VA + 0x1000;
	f.h->sepc = 0xc0000000ull + 0x40;
	CODE(f, R, SRET);
	CODE(f, R + 0x40, LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);
	CHECK_U64(0xc0000040ull, f.h->sepc);
	CHECK_U64(VA + 0x1000, f.h->stval);
	fix_fini(&f);
}

TEST(hart_sv39_supervisor_cannot_execute_user_page)
{
	MMU_FIX(f);
	fix_wr64(&f, ROOT + 3 * 8, pte(R, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A));
	f.h->sstatus |= RV_SSTATUS_SUM;
	f.h->x[1] = 0xc0000040ull;
	CODE(f, R, JALR(0, 1, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_INSN_PAGE, f.h->scause);
	CHECK_U64(0xc0000040ull, f.h->stval);
	fix_fini(&f);
}

TEST(hart_sv39_misaligned_superpage_is_a_page_fault)
{
	MMU_FIX(f);
	/* a 1 GiB leaf whose PPN is only 4 KiB aligned */
	fix_wr64(&f, ROOT + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A));
	f.h->x[6] = VA;
	CODE(f, R, LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);
	CHECK_U64(VA, f.h->stval);
	fix_fini(&f);
}

TEST(hart_sv39_2mib_superpage_translates)
{
	MMU_FIX(f);
	/* L1[1] = 2 MiB leaf at va 0x40200000 -> pa R + 0x200000 */
	fix_wr64(&f, L1 + 8, pte(R + 0x200000, PTE_V | PTE_R | PTE_A));
	fix_wr64(&f, R + 0x200000 + 0x12340, 0xfeed);
	f.h->x[6] = VA + 0x200000 + 0x12340;
	CODE(f, R, LD(7, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0, f.h->scause);
	CHECK_U64(0xfeed, f.h->x[7]);
	fix_fini(&f);
}

/*
 * sfence.vma of one page inside a 2 MiB superpage drops the translations of
 * the superpage's other pages too (the TLB keeps one entry per 4 KiB page),
 * but keeps a 4 KiB page's translation and another superpage's, which the
 * flushed page's leaf PTE does not govern.
 */
TEST(hart_sfence_vma_of_one_page_drops_the_whole_superpage_and_keeps_other_ranges)
{
	MMU_FIX(f);
	const uint64_t big = VA + 0x200000, small = VA + 0x1000, other = VA + 0x400000;

	fix_wr64(&f, L1 + 16,
		 pte(R, PTE_V | PTE_R | PTE_A)); /* other: an alias of R's first 2 MiB */
	fix_wr64(&f, R + 0x3000, 4);
	f.h->x[14] = other + 0x3000;
	fix_wr64(&f, L1 + 8, pte(R, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D));
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A));
	fix_wr64(&f, R + 0x5000, 1);
	fix_wr64(&f, R + 0x200000 + 0x5000, 2);
	fix_wr64(&f, DATA, 3);
	f.h->x[6] = big + 0x5000;  /* read through the superpage */
	f.h->x[11] = big + 0x9000; /* the page whose sfence.vma is done */
	f.h->x[12] = small;	   /* a 4 KiB page */
	f.h->x[9] = L1 + 8;
	f.h->x[10] = pte(R + 0x200000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	/* both cached, retarget the superpage, sfence.vma of another page of it, load again */
	CODE(f, R, LD(7, 6, 0), LD(13, 12, 0), LD(15, 14, 0), SD(10, 9, 0),
	     enc_r(0x73, 0, 0, 11, 0, 0x09), LD(8, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0, f.h->scause);
	CHECK_U64(1, f.h->x[7]);
	CHECK_U64(2, f.h->x[8]); /* the new mapping of the superpage */
	CHECK_U64(3, f.h->x[13]);
	/* the 4 KiB page's R entry survived the flush (nothing touched that page since) */
	CHECK_U64(small, f.h->tlb.e[f.h->priv][RV_ACC_R][(small >> 12) & (RV_TLB_SIZE - 1)].tag);
	/* so did the other superpage's (fails if a one-page flush drops every big entry) */
	CHECK_U64(4, f.h->x[15]);
	CHECK_U64(
	    other + 0x3000,
	    f.h->tlb.e[f.h->priv][RV_ACC_R][((other + 0x3000) >> 12) & (RV_TLB_SIZE - 1)].tag);
	fix_fini(&f);
}

/*
 * The same inside the highest range cached, filled after the code's 1 GiB
 * page: a one-page flush scans for big entries only between tlb.big_lo and
 * big_hi, which must have grown to cover it (else the stale entry stays).
 */
TEST(hart_sfence_vma_inside_the_highest_superpage_drops_it)
{
	MMU_FIX(f);
	const uint64_t hi = 0xc0000000ull;

	fix_wr64(&f, ROOT + 3 * 8, pte(R, PTE_V | PTE_R | PTE_A)); /* an alias of R */
	fix_wr64(&f, R + 0x5000, 1);
	f.h->x[6] = hi + 0x5000;
	f.h->x[9] = ROOT + 3 * 8;
	f.h->x[11] = hi + 0x9000;
	/* cached; unmap the 1 GiB page; sfence.vma of another page of it; load again */
	CODE(f, R, LD(7, 6, 0), SD(0, 9, 0), enc_r(0x73, 0, 0, 11, 0, 0x09), LD(8, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(1, f.h->x[7]);
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);
	CHECK_U64(R + 12, f.h->sepc);
	fix_fini(&f);
}

TEST(hart_sv39_reserved_pte_bits_are_a_page_fault)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A) | 1ull << 60);
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);
	fix_fini(&f);
}

TEST(hart_sv39_write_without_read_pte_is_a_page_fault)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_W | PTE_A | PTE_D));
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, SD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_STORE_PAGE, f.h->scause);
	fix_fini(&f);
}

TEST(hart_sv39_non_canonical_address_is_a_page_fault)
{
	MMU_FIX(f);
	f.h->x[6] = 0x0000004000000000ull; /* bit 38 set, bits 63:39 clear */
	CODE(f, R, LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);
	CHECK_U64(0x0000004000000000ull, f.h->stval);
	fix_fini(&f);
}

TEST(hart_sv48_four_level_walk_translates)
{
	MMU_FIX(f);
	fix_wr64(&f, ROOT48, pte(ROOT, PTE_V)); /* va < 512 GiB: the Sv39 root as level 2 */
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A));
	fix_wr64(&f, DATA + 0x20, 0x4848);
	f.h->satp = 9ull << 60 | (ROOT48 >> 12);
	f.h->x[6] = VA + 0x1020;
	CODE(f, R, LD(7, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0, f.h->scause);
	CHECK_U64(0x4848, f.h->x[7]);
	fix_fini(&f);
}

TEST(hart_sv39_straddling_instruction_faults_on_second_page)
{
	MMU_FIX(f);
	uint32_t addi = ADDI(5, 0, 1);

	fix_wr64(&f, L0 + 3 * 8, pte(DATA + 0x3000, PTE_V | PTE_R | PTE_X | PTE_A));
	REQUIRE_OK(axvm_addrspace_write(f.as, DATA + 0x3ffe, &addi, 2));
	f.h->x[1] = VA + 0x3ffe;
	CODE(f, R, JALR(0, 1, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_INSN_PAGE, f.h->scause);
	CHECK_U64(VA + 0x4000, f.h->stval);
	CHECK_U64(VA + 0x3ffe, f.h->sepc);
	CHECK_U64(0, f.h->x[5]);
	fix_fini(&f);
}

TEST(hart_sfence_vma_makes_a_changed_pte_visible)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A));
	fix_wr64(&f, DATA, 1);
	fix_wr64(&f, DATA + 0x1000, 2);
	f.h->x[6] = VA + 0x1000;
	f.h->x[9] = L0 + 8;
	f.h->x[10] = pte(DATA + 0x1000, PTE_V | PTE_R | PTE_A);
	/* load (cached), retarget the PTE, sfence.vma va, load again */
	CODE(f, R, LD(7, 6, 0), SD(10, 9, 0), enc_r(0x73, 0, 0, 6, 0, 0x09), LD(8, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(1, f.h->x[7]);
	CHECK_U64(2, f.h->x[8]);
	fix_fini(&f);
}

TEST(hart_sv39_page_table_in_mmio_is_an_access_fault)
{
	MMU_FIX(f);
	fix_wr64(&f, ROOT + 1 * 8, pte(MMIO_BASE, PTE_V));
	f.h->x[6] = VA;
	CODE(f, R, SD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_STORE_ACCESS, f.h->scause);
	CHECK_U64(VA, f.h->stval);
	fix_fini(&f);
}

TEST(hart_sv39_page_table_in_unpopulated_lazy_page_is_a_nested_fault)
{
	MMU_FIX(f);
	fix_wr64(&f, ROOT + 1 * 8, pte(LAZY_BASE, PTE_V));
	f.h->x[6] = VA;
	CODE(f, R, LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NESTED_PAGE_FAULT, f.exit.reason);
	CHECK_U64(LAZY_BASE, f.exit.nested_page_fault.addr);
	CHECK_U64(R, f.h->pc);
	fix_fini(&f);
}

TEST(hart_sv39_mapping_to_no_region_is_an_access_fault)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(0x20000000, PTE_V | PTE_R | PTE_A));
	f.h->x[6] = VA + 0x1008;
	CODE(f, R, LD(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_LOAD_ACCESS, f.h->scause);
	CHECK_U64(VA + 0x1008, f.h->stval);
	fix_fini(&f);
}

TEST(hart_sv39_mmio_through_paging_exits_with_physical_address)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(MMIO_BASE, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D));
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, LBU(7, 6, 5));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
	CHECK_U64(MMIO_BASE + 5, f.exit.mmio_read.addr);
	fix_fini(&f);
}

TEST(hart_satp_write_switches_translation_on)
{
	FIX(f);
	mmu_setup(&f);
	f.h->satp = 0;
	fix_wr64(&f, L0 + 1 * 8, pte(DATA, PTE_V | PTE_R | PTE_A));
	fix_wr64(&f, DATA, 0x3939);
	f.h->x[5] = satp_sv39;
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, CSRRW(0, CSR_SATP, 5), LD(7, 6, 0), CSRRS(8, CSR_SATP, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x3939, f.h->x[7]);
	CHECK_U64(satp_sv39, f.h->x[8]);
	fix_fini(&f);
}

TEST(hart_address_space_generation_change_flushes_the_tlb)
{
	FIX(f);
	f.h->x[6] = 0xa0000000ull;
	REQUIRE_OK(axvm_addrspace_map_linear(f.as, 0xa0000000ull, 0x1000, AXVM_MEM_READ));
	fix_wr64(&f, 0xa0000000ull, 0x1111);
	CODE(f, R, LD(7, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x1111, f.h->x[7]); /* the page is now in the TLB */
	/* replace the region (bumps the generation): the next load sees the new memory */
	REQUIRE_OK(axvm_addrspace_unmap(f.as, 0xa0000000ull, 0x1000));
	REQUIRE_OK(axvm_addrspace_map_linear(f.as, 0xa0000000ull, 0x1000, AXVM_MEM_READ));
	fix_wr64(&f, 0xa0000000ull, 0x2222);
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x2222, f.h->x[7]);
	fix_fini(&f);
}

TEST(hart_generation_change_drops_the_walks_cached_ram_region)
{
	/*
	 * The MMU keeps the RAM region it last found an address in
	 * (rv_hart.mmu_ram). Code and data in one region that is replaced
	 * (new host memory, a new generation): the next fetch and load must
	 * find the new memory, not the freed one through that cache.
	 */
	const uint64_t base = 0xa0000000ull;
	const uint32_t mem = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC;

	FIX(f);
	f.h->x[6] = base;
	REQUIRE_OK(axvm_addrspace_map_linear(f.as, base, 0x2000, mem));
	fix_wr64(&f, base + 0x1000, 0x1111);
	CODE(f, base, LD(7, 6, 0x100), LD(8, 6, 0x100), WFI);
	fix_wr64(&f, base + 0x100, 0x1111);
	f.h->pc = base;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x1111, f.h->x[8]);
	REQUIRE_OK(axvm_addrspace_unmap(f.as, base, 0x2000));
	REQUIRE_OK(axvm_addrspace_map_linear(f.as, base, 0x2000, mem));
	CODE(f, base, LD(7, 6, 0x100), ADDI(8, 7, 1), WFI);
	fix_wr64(&f, base + 0x100, 0x2222);
	f.h->pc = base;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x2222, f.h->x[7]);
	CHECK_U64(0x2223, f.h->x[8]); /* the new code ran */
	fix_fini(&f);
}

/* Fill the TLB for `pages` RAM pages (bare mode) in each access kind, both modes. */
static void mmu_fill(struct hart_fix *f, unsigned pages)
{
	struct axvm_exit exit;
	uint8_t *host;
	axvm_gpa_t gpa;

	for (unsigned p = 0; p < 2; p++) {
		f->h->priv = p ? RV_PRIV_S : RV_PRIV_U;
		for (unsigned a = 0; a < 3; a++)
			for (unsigned i = 0; i < pages; i++)
				CHECK_INT(RV_XL_HOST,
					  rv_mmu_translate(f->h, RAM_BASE + i * 0x1000ull,
							   (enum rv_acc)a, &host, &gpa, &exit));
	}
	f->h->priv = RV_PRIV_S;
}

/* How many of those pages still hit the TLB. */
static unsigned mmu_hits(struct hart_fix *f, unsigned pages)
{
	unsigned n = 0;

	for (unsigned p = 0; p < 2; p++)
		for (unsigned a = 0; a < 3; a++)
			for (unsigned i = 0; i < pages; i++)
				n += rv_tlb_lookup(&f->h->tlb, p, (enum rv_acc)a,
						   RAM_BASE + i * 0x1000ull) != NULL;
	return n;
}

TEST(hart_full_tlb_flush_resets_every_entry_filled_since_the_last_one)
{
	/*
	 * A full flush (satp, sfence.vma x0) resets only the entries filled
	 * since the previous one (rv_tlb.filled), or all of them past
	 * RV_TLB_FILL_LOG fills: either way, nothing filled may hit after it.
	 */
	FIX(f);
	mmu_fill(&f, 50); /* 300 fills: the log */
	CHECK_U64(300, mmu_hits(&f, 50));
	rv_tlb_flush_all(&f.h->tlb);
	CHECK_U64(0, mmu_hits(&f, 50));
	mmu_fill(&f, 50);
	rv_tlb_flush_all(&f.h->tlb); /* a second round: the log was emptied and refilled */
	CHECK_U64(0, mmu_hits(&f, 50));
	mmu_fill(&f, 1000); /* 6,000 fills: past the log, everything */
	rv_tlb_flush_all(&f.h->tlb);
	CHECK_U64(0, mmu_hits(&f, 1000));
	mmu_fill(&f, 7);
	rv_tlb_flush_all(&f.h->tlb);
	CHECK_U64(0, mmu_hits(&f, 1000));
	fix_fini(&f);
}

TEST(hart_sfence_vma_drops_a_cached_mmio_translation)
{
	MMU_FIX(f);
	fix_wr64(&f, L0 + 1 * 8, pte(MMIO_BASE, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D));
	fix_wr64(&f, DATA + 8, 0x6161);
	f.h->x[6] = VA + 0x1000;
	f.h->x[9] = L0 + 8;
	f.h->x[10] = pte(DATA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	/* two MMIO reads (the second from the cached translation), remap to RAM, sfence, load */
	CODE(f, R, LD(7, 6, 8), LD(7, 6, 8), SD(10, 9, 0), SFENCE_VMA, LD(8, 6, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
	CHECK_U64(MMIO_BASE + 8, f.exit.mmio_read.addr);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x6161, f.h->x[8]);
	fix_fini(&f);
}

TEST(hart_generation_change_drops_a_cached_mmio_translation)
{
	FIX(f);
	f.h->x[6] = 0xb0000000ull;
	f.h->x[7] = 0x4242;
	REQUIRE_OK(axvm_addrspace_map_mmio(f.as, 0xb0000000ull, 0x1000));
	CODE(f, R, SD(7, 6, 0), SD(7, 6, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_WRITE, f.exit.reason);
	/* the page becomes RAM (bumps the generation): the second store is a plain store */
	REQUIRE_OK(axvm_addrspace_unmap(f.as, 0xb0000000ull, 0x1000));
	REQUIRE_OK(
	    axvm_addrspace_map_linear(f.as, 0xb0000000ull, 0x1000, AXVM_MEM_READ | AXVM_MEM_WRITE));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x4242, fix_rd64(&f, 0xb0000000ull));
	fix_fini(&f);
}

TEST(hart_cached_mmio_translation_respects_the_access_kind)
{
	MMU_FIX(f);
	/* readable MMIO mapping, not writable: a read is cached, a write still faults */
	fix_wr64(&f, L0 + 1 * 8, pte(MMIO_BASE, PTE_V | PTE_R | PTE_A));
	f.h->x[6] = VA + 0x1000;
	CODE(f, R, LW(7, 6, 0), SW(7, 6, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(RV_EXC_STORE_PAGE, f.h->scause);
	fix_fini(&f);
}
