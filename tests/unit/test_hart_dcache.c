/* SPDX-License-Identifier: MIT */
/*
 * The hart's decoded-instruction cache (src/arch/riscv64/dcache.h) and the
 * threaded interpreter (exec.c), tested through the hart's behaviour only:
 * this hart's stores into decoded code without fence.i (every store kind,
 * length changes, page-crossing and cached-translation paths), writes by the
 * host, another hart or another thread made visible by fence.i, flushes and
 * resets, remapped, aliased, re-permissioned and S/U-shared code pages under
 * Sv39, address-space changes (also from another thread), page edges, fused
 * pairs, rd = x0, exact instret and run budgets (also with interrupts at
 * every stop), more code pages than the cache holds, and traps raised on the
 * slow path of a decoded load/store.
 *
 * Most tests run a routine once (so its page is decoded), change it, and run
 * it again: a stale decoded copy shows up as the old routine's result.
 *
 * Memory (RAM at 0x80000000): page 0 data, TRAP_VEC at +0x1000 (halts),
 * code pages P and Q = P + 4 KiB, a handler page, a data page, Sv39 tables
 * at +1 MiB and the physical pages of 4 KiB mappings at +2 MiB.
 */
#include <pthread.h>
#include <time.h>

#include "arch/riscv64/jit.h"
#include "test_hart_util.h"

#define R RAM_BASE
#define P (R + 0x3000)	     /* main code page */
#define Q (P + 0x1000)	     /* the page after it */
#define HANDLER (R + 0x6000) /* a trap handler that returns past the faulting insn */
#define DATA (R + 0x8000)    /* scratch data page */
#define ROUTINES (R + 0x10000)

/* Sv39 layout: identity 1 GiB superpage for RAM (root[2]); VA + n * 4 KiB via L0[n]. */
#define ROOT (R + 0x100000)
#define L1 (R + 0x101000)
#define L0 (R + 0x102000)
#define ROOT_B (R + 0x103000)
#define L1_B (R + 0x104000)
#define L0_B (R + 0x105000)
#define PA_A (R + 0x200000)
#define PA_B (R + 0x201000)
#define VA 0x40000000ull

#define PTE_V 0x01u
#define PTE_R 0x02u
#define PTE_W 0x04u
#define PTE_X 0x08u
#define PTE_A 0x40u
#define PTE_D 0x80u
#define PTE_RX (PTE_V | PTE_R | PTE_X | PTE_A)
#define PTE_RW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

#define CSR_STVAL 0x143
#define CSR_SCAUSE 0x142

#define AUIPC(rd, imm20) ((uint32_t)(imm20) << 12 | (rd) << 7 | 0x17)
#define ORI(rd, rs1, imm) enc_i(0x13, rd, 6, rs1, imm)
#define OP_IMM(f3, rd, rs1, imm) enc_i(0x13, rd, f3, rs1, imm)
#define OP_IMM32(f3, rd, rs1, imm) enc_i(0x1b, rd, f3, rs1, imm)
#define OP(f3, f7, rd, a, b) enc_r(0x33, rd, f3, a, b, f7)
#define OP32(f3, f7, rd, a, b) enc_r(0x3b, rd, f3, a, b, f7)
#define OR(rd, a, b) OP(6, 0, rd, a, b)
#define BLT(a, b, imm) enc_b(4, a, b, imm)
#define AMOSWAP_W(rd, rs1, rs2) AMO(0x01, 2, rd, rs1, rs2)
#define LR_W(rd, rs1) AMO(0x02, 2, rd, rs1, 0)
#define SC_W(rd, rs1, rs2) AMO(0x03, 2, rd, rs1, rs2)
#define RET JALR(0, 1, 0)
#define CUSTOM0 0x0000000bu /* an opcode the hart does not implement */

/* Compressed encodings (RVC): c.addi / c.li rd, imm (imm in -32..31). */
#define C_ADDI(rd, imm)                                                                            \
	((uint16_t)(0x0001 | ((unsigned)(imm)&0x20) << 7 | (rd) << 7 | ((unsigned)(imm)&0x1f) << 2))
#define C_LI(rd, imm)                                                                              \
	((uint16_t)(0x4001 | ((unsigned)(imm)&0x20) << 7 | (rd) << 7 | ((unsigned)(imm)&0x1f) << 2))
#define C_NOP 0x0001u
/* Two 16-bit parcels as one little-endian word: lo at the lower address. */
#define HW2(lo, hi) ((uint32_t)(lo) | (uint32_t)(hi) << 16)

/* The routine most tests patch: x10 += 1, return; patched into x10 += 0x100. */
#define INC1 ADDI(10, 10, 1)
#define INC100 ADDI(10, 10, 0x100)

static uint64_t dct_pte(uint64_t pa, unsigned flags)
{
	return (pa >> 12) << 10 | flags;
}

static int dct_bytes(struct hart_fix *f, uint64_t gpa, const void *p, size_t n)
{
	return axvm_addrspace_write(f->as, gpa, p, n);
}

static int dct_u16(struct hart_fix *f, uint64_t gpa, uint16_t v)
{
	return dct_bytes(f, gpa, &v, 2);
}

static int dct_u32(struct hart_fix *f, uint64_t gpa, uint32_t v)
{
	return dct_bytes(f, gpa, &v, 4);
}

/* Sv39 page tables (identity superpage for RAM, L0 empty); the hart in Sv39. */
static void dct_sv39(struct hart_fix *f)
{
	fix_wr64(f, ROOT + 2 * 8, dct_pte(R, PTE_RW | PTE_X));
	fix_wr64(f, ROOT + 1 * 8, dct_pte(L1, PTE_V));
	fix_wr64(f, L1, dct_pte(L0, PTE_V));
	f->h->satp = 8ull << 60 | (ROOT >> 12);
}

/*
 * The handler counts in x16, records sepc/stval/scause in x11/x12/x13 and
 * returns past the (4-byte) faulting instruction.
 */
static int dct_handler(struct hart_fix *f)
{
	const uint32_t h[] = {ADDI(16, 16, 1),
			      CSRRS(11, CSR_SEPC, 0),
			      CSRRS(12, CSR_STVAL, 0),
			      CSRRS(13, CSR_SCAUSE, 0),
			      ADDI(14, 11, 4),
			      CSRRW(0, CSR_SEPC, 14),
			      SRET};

	f->h->stvec = HANDLER;
	return fix_code(f, HANDLER, h, 7);
}

/* The hart without a decoded-instruction cache: the one-instruction path (reference). */
static void dct_without_cache(struct hart_fix *f)
{
	rv_dcache_destroy(&f->h->dc);
}

/*
 * Call the routine at `tgt` (x20), run `w1` and `w2` (the writer: x7 = value,
 * x8 = address), call the routine again, halt. The routine is `routine`.
 * With `warm` != 0 a store to x19 = warm comes between the first call and the
 * writer, so that the writer finds a cached write translation for a decoded
 * page (RV_TLB_CODE) instead of filling a new one.
 */
static int dct_patch_run_warm(struct hart_fix *f, uint64_t tgt, const uint32_t *routine, size_t n,
			      uint32_t w1, uint32_t w2, uint64_t value, uint64_t addr,
			      uint64_t warm)
{
	const uint32_t code[] = {
	    JALR(1, 20, 0), warm ? SW(0, 19, 0) : NOP, w1, w2, JALR(1, 20, 0), WFI};
	int r;

	if ((r = fix_code(f, P, code, 6)) || (r = fix_code(f, tgt, routine, n)))
		return r;
	f->h->pc = P;
	f->h->x[20] = tgt;
	f->h->x[7] = value;
	f->h->x[8] = addr;
	f->h->x[19] = warm;
	if ((r = fix_run(f)))
		return r;
	return f->exit.reason == AXVM_EXIT_HALT && f->h->pc == P + 24 ? 0 : -1;
}

static int dct_patch_run(struct hart_fix *f, uint64_t tgt, const uint32_t *routine, size_t n,
			 uint32_t w1, uint32_t w2, uint64_t value, uint64_t addr)
{
	return dct_patch_run_warm(f, tgt, routine, n, w1, w2, value, addr, 0);
}

/* ---- 1. this hart's stores into decoded code, without fence.i ---- */

/*
 * The ISA only promises that a hart's fetches see its own stores after a
 * fence.i; this hart promises more (dcache.h: its stores reset the decoded
 * slots they overlap before the next instruction), and these tests hold it
 * to that.
 */

TEST(dcache_sw_into_a_decoded_insn_on_the_same_page_is_seen_without_fence_i)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 2, SW(7, 8, 0), NOP, INC100, P + 0x800));
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(INC100, fix_rd64(&f, P + 0x800) & 0xffffffff);
	fix_fini(&f);
}

TEST(dcache_sw_into_a_decoded_insn_on_the_next_page_is_seen_without_fence_i)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	REQUIRE_OK(dct_patch_run(&f, Q + 0x10, routine, 2, SW(7, 8, 0), NOP, INC100, Q + 0x10));
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_store_into_the_insn_right_after_it_is_seen_at_once)
{
	FIX(f);
	/* P: sw x7, 4(x8); P + 4: the instruction the sw overwrites. */
	CODE(f, P, SW(7, 8, 4), INC1, WFI);
	f.h->pc = P;
	f.h->x[7] = INC100;
	f.h->x[8] = DATA; /* first run: decode everything, store elsewhere */
	REQUIRE_OK(fix_run(&f));
	REQUIRE(f.h->x[10] == 1);
	f.h->pc = P;
	f.h->x[8] = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(P + 12, f.h->pc);
	fix_fini(&f);
}

TEST(dcache_sb_of_one_insn_byte_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};
	/* Byte 3 holds imm[11:4]: 0x10 there turns "addi 1" into "addi 0x101". */
	const uint8_t top = (uint8_t)(ADDI(10, 10, 0x101) >> 24);

	REQUIRE(top == 0x10);
	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 2, SB(7, 8, 3), NOP, top, P + 0x800));
	CHECK_U64(0x102, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_sh_of_an_insn_upper_half_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	REQUIRE((INC1 & 0xffff) == (INC100 & 0xffff));
	REQUIRE_OK(
	    dct_patch_run(&f, P + 0x800, routine, 2, SH(7, 8, 2), NOP, INC100 >> 16, P + 0x800));
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_sd_over_two_insns_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 2, SD(7, 8, 0), NOP,
				 (uint64_t)RET << 32 | ADDI(10, 10, 0x300), P + 0x800));
	CHECK_U64(0x301, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_amoswap_w_into_a_decoded_insn_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	REQUIRE_OK(
	    dct_patch_run(&f, P + 0x800, routine, 2, AMOSWAP_W(9, 8, 7), NOP, INC100, P + 0x800));
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(INC1, f.h->x[9]); /* the old instruction word */
	fix_fini(&f);
}

TEST(dcache_sc_w_into_a_decoded_insn_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 2, LR_W(9, 8), SC_W(11, 8, 7), INC100,
				 P + 0x800));
	CHECK_U64(0, f.h->x[11]); /* sc succeeded */
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_misaligned_sw_spanning_two_insns_changes_both)
{
	FIX(f);
	/* sw at +2: the upper half of insn 0 and the lower half (rd) of insn 1. */
	const uint32_t routine[] = {INC1, ADDI(11, 0, 1), RET};
	const uint32_t v = INC100 >> 16 | (ADDI(12, 0, 1) & 0xffff) << 16;

	REQUIRE((ADDI(11, 0, 1) >> 16) == (ADDI(12, 0, 1) >> 16));
	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 3, SW(7, 8, 2), NOP, v, P + 0x800));
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(1, f.h->x[11]); /* first call only */
	CHECK_U64(1, f.h->x[12]); /* second call only */
	fix_fini(&f);
}

TEST(dcache_sd_over_two_insns_through_a_cached_write_translation_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	REQUIRE_OK(dct_patch_run_warm(&f, P + 0x800, routine, 2, SD(7, 8, 0), NOP,
				      (uint64_t)RET << 32 | ADDI(10, 10, 0x300), P + 0x800,
				      P + 0xf00));
	CHECK_U64(0x301, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_misaligned_sw_through_a_cached_write_translation_changes_both_insns)
{
	FIX(f);
	const uint32_t routine[] = {INC1, ADDI(11, 0, 1), RET};
	const uint32_t v = INC100 >> 16 | (ADDI(12, 0, 1) & 0xffff) << 16;

	REQUIRE_OK(dct_patch_run_warm(&f, P + 0x800, routine, 3, SW(7, 8, 2), NOP, v, P + 0x800,
				      P + 0xf00));
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(1, f.h->x[11]);
	CHECK_U64(1, f.h->x[12]);
	fix_fini(&f);
}

/* sd at P + 0xffc: its first half patches the insn at the end of P, its second the first of Q. */
static void dct_sd_across_pages(uint64_t warm)
{
	FIX(f);
	const uint32_t routine[] = {INC1, ADDI(11, 11, 1), RET};

	REQUIRE_OK(dct_patch_run_warm(&f, P + 0xffc, routine, 3, SD(7, 8, 0), NOP,
				      (uint64_t)ADDI(12, 12, 1) << 32 | INC100, P + 0xffc, warm));
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(1, f.h->x[11]);
	CHECK_U64(1, f.h->x[12]);
	fix_fini(&f);
}

TEST(dcache_misaligned_sd_across_a_page_boundary_patches_code_on_both_pages)
{
	dct_sd_across_pages(0);
}

TEST(dcache_misaligned_sd_across_a_page_boundary_through_cached_write_translations)
{
	dct_sd_across_pages(Q + 0xf00); /* a store to Q first: Q's write translation is cached */
}

TEST(dcache_compressed_sw_into_a_decoded_insn_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	/* mv x15, x7; c.sw x15, 0(x8); c.nop */
	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 2, ADDI(15, 7, 0), HW2(0xc01c, C_NOP),
				 INC100, P + 0x800));
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_fsd_over_two_insns_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	f.h->sstatus |= 1ull << 13; /* FS = Initial: FP loads and stores are legal */
	f.h->fpu.f[1] = (uint64_t)RET << 32 | ADDI(10, 10, 0x300);
	REQUIRE_OK(
	    dct_patch_run(&f, P + 0x800, routine, 2, enc_s(0x27, 3, 8, 1, 0), NOP, 0, P + 0x800));
	CHECK_U64(0x301, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_four_byte_insn_patched_into_two_compressed_runs_both)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 2, SW(7, 8, 0), NOP,
				 HW2(C_ADDI(10, 16), C_ADDI(11, 1)), P + 0x800));
	CHECK_U64(0x11, f.h->x[10]);
	CHECK_U64(1, f.h->x[11]);
	fix_fini(&f);
}

TEST(dcache_two_compressed_patched_into_one_four_byte_insn_runs_it)
{
	FIX(f);
	const uint32_t routine[] = {HW2(C_ADDI(10, 1), C_ADDI(11, 1)), RET};

	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 2, SW(7, 8, 0), NOP, INC100, P + 0x800));
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(1, f.h->x[11]); /* the second parcel ran on the first call only */
	fix_fini(&f);
}

/* ---- 2./3. writes behind the hart's back: fence.i and flushes ---- */

/*
 * Call the routine at P + 0x800, stop with an MMIO write exit (the host then
 * changes the routine), call it again, fence.i, call it a third time.
 *
 * Without fence.i the ISA lets the second call run either version. Here it is
 * deterministically the old one: nothing this hart did touched the decoded
 * page (no store of its own, no fence, no flush, no address-space change), so
 * its slots still hold the old decode. Asserting it proves the routine really
 * ran from the cache, so the new code after fence.i is fence.i's doing.
 */
static int dct_fence_i_run(struct hart_fix *f)
{
	const uint32_t routine[] = {INC1, RET};
	const uint32_t code[] = {JALR(1, 20, 0), SW(0, 9, 0),	 JALR(1, 20, 0),
				 FENCE_I,	 JALR(1, 20, 0), WFI};
	int r;

	if ((r = fix_code(f, P, code, 6)) || (r = fix_code(f, P + 0x800, routine, 2)))
		return r;
	f->h->pc = P;
	f->h->x[20] = P + 0x800;
	f->h->x[9] = MMIO_BASE;
	if ((r = fix_run(f)))
		return r;
	return f->exit.reason == AXVM_EXIT_MMIO_WRITE && f->h->x[10] == 1 ? 0 : -1;
}

TEST(dcache_fence_i_makes_an_addrspace_write_visible)
{
	FIX(f);
	REQUIRE_OK(dct_fence_i_run(&f));
	REQUIRE_OK(dct_u32(&f, P + 0x800, INC100));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(1 + 1 + 0x100, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_fence_i_makes_a_direct_host_memory_write_visible)
{
	FIX(f);
	void *hva = NULL;
	uint64_t avail = 0;
	uint32_t insn = INC100;

	REQUIRE_OK(dct_fence_i_run(&f));
	/* As another hart's store or a device's DMA would: straight into host memory. */
	REQUIRE_OK(
	    axvm_addrspace_translate(f.as, P + 0x800, AXVM_ACCESS_WRITE, &hva, &avail, NULL));
	REQUIRE(avail >= 4);
	__atomic_store_n((uint32_t *)hva, insn, __ATOMIC_RELEASE);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(1 + 1 + 0x100, f.h->x[10]);
	fix_fini(&f);
}

/* The writer is a second hart on the same address space (its own decode cache and TLB). */
TEST(dcache_fence_i_makes_another_harts_store_visible)
{
	FIX(f);
	struct axvm_vcpu_create_info ci = {.id = 1, .hal = f.hal};
	struct axvm_vcpu_setup_info si = {.addrspace = f.as, .entry = HANDLER};
	struct axvm_exit exit2;
	void *be2 = NULL;
	struct rv_hart *h2;

	REQUIRE_OK(dct_fence_i_run(&f));
	REQUIRE_OK(f.ops->create(&ci, &be2));
	h2 = be2;
	if (f.ops->setup(be2, &si) == 0) {
		CODE(f, HANDLER, SW(7, 8, 0), WFI);
		h2->x[7] = INC100;
		h2->x[8] = P + 0x800;
		CHECK_INT(0, f.ops->run(be2, &exit2));
		CHECK_INT(AXVM_EXIT_HALT, exit2.reason);
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(1 + 1 + 0x100, f.h->x[10]);
	} else {
		test_fail_at(__FILE__, __LINE__, "second hart setup failed");
	}
	f.ops->destroy(be2);
	fix_fini(&f);
}

/* A VMM that reloads an image and resets the vCPU (a reboot) runs the new image. */
TEST(dcache_vcpu_reset_after_reloading_code_runs_the_new_code)
{
	FIX(f);
	CODE(f, P, ADDI(10, 0, 1), WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	REQUIRE(f.h->x[10] == 1);
	CODE(f, P, ADDI(10, 0, 2), WFI);
	REQUIRE_OK(f.ops->set_entry(f.be, P));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(2, f.h->x[10]);
	fix_fini(&f);
}

/* Call the routine, halt; three times. The host patches it after the first halt. */
static int dct_flush_setup(struct hart_fix *f)
{
	const uint32_t routine[] = {INC1, RET};
	const uint32_t code[] = {JALR(1, 20, 0), WFI, JALR(1, 20, 0), WFI, JALR(1, 20, 0), WFI};
	int r;

	if ((r = fix_code(f, P, code, 6)) || (r = fix_code(f, P + 0x800, routine, 2)))
		return r;
	f->h->pc = P;
	f->h->x[20] = P + 0x800;
	if ((r = fix_run(f)) || f->h->x[10] != 1)
		return r ? r : -1;
	if ((r = dct_u32(f, P + 0x800, INC100)))
		return r;
	/* No flush yet: the decoded old routine runs (see dct_fence_i_run). */
	if ((r = fix_run(f)) || f->h->x[10] != 2)
		return r ? r : -1;
	return 0;
}

TEST(dcache_flush_local_makes_new_code_visible)
{
	FIX(f);
	REQUIRE_OK(dct_flush_setup(&f));
	rv_hart_flush_local(f.h);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(2 + 0x100, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_remote_flush_request_makes_new_code_visible)
{
	FIX(f);
	uint64_t ticket;

	REQUIRE_OK(dct_flush_setup(&f));
	ticket = rv_hart_request_flush(f.h);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK(rv_hart_flush_done(f.h, ticket));
	CHECK_U64(2 + 0x100, f.h->x[10]);
	fix_fini(&f);
}

struct dct_patcher {
	struct rv_hart *h;
	uint32_t *insn;	      /* host address of the routine's first instruction */
	const uint64_t *done; /* host address of the guest's count of calls so far */
	bool flushed;
};

static void dct_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/*
 * Another thread patches the routine in host memory while the hart runs (once
 * the guest has called it a few times: waiting a fixed time instead failed on
 * a loaded host that had not yet scheduled the hart), and asks for a remote
 * flush (what SBI remote fence.i does); it kicks the hart only if it is still
 * running 5 s later (the test then fails on the exit).
 */
static void *dct_patcher_run(void *arg)
{
	struct dct_patcher *p = arg;
	uint64_t ticket;
	int i;

	for (i = 0; i < 5000 && __atomic_load_n(p->done, __ATOMIC_ACQUIRE) < 3; i++)
		dct_sleep_ms(1);
	__atomic_store_n(p->insn, ADDI(10, 0, 2), __ATOMIC_RELEASE);
	ticket = rv_hart_request_flush(p->h);
	for (i = 0; i < 5000 && !rv_hart_flush_done(p->h, ticket); i++)
		dct_sleep_ms(1);
	p->flushed = rv_hart_flush_done(p->h, ticket);
	for (i = 0; i < 5000 && rv_hart_is_running(p->h); i++)
		dct_sleep_ms(1);
	if (rv_hart_is_running(p->h))
		rv_hart_kick(p->h);
	return NULL;
}

/* The hart calls the routine (x10 = 1) until it returns 2, then halts. */
TEST(dcache_remote_flush_while_running_makes_new_code_visible)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = UINT64_MAX};
	struct hart_fix f;
	struct dct_patcher pt = {0};
	pthread_t t;
	void *hva = NULL, *done = NULL;
	uint64_t avail = 0;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	CODE(f, P + 0x800, ADDI(10, 0, 1), RET);
	/* x11 counts the calls, also stored at P + 0x2000 for the patcher to see */
	CODE(f, P, JALR(1, 20, 0), ADDI(11, 11, 1), SD(11, 21, 0), BEQ(10, 12, -12), WFI);
	REQUIRE_OK(
	    axvm_addrspace_translate(f.as, P + 0x800, AXVM_ACCESS_WRITE, &hva, &avail, NULL));
	REQUIRE_OK(
	    axvm_addrspace_translate(f.as, P + 0x2000, AXVM_ACCESS_WRITE, &done, &avail, NULL));
	f.h->pc = P;
	f.h->x[20] = P + 0x800;
	f.h->x[21] = P + 0x2000;
	f.h->x[12] = 1;
	pt.h = f.h;
	pt.insn = hva;
	pt.done = done;
	REQUIRE(pthread_create(&t, NULL, dct_patcher_run, &pt) == 0);
	CHECK_INT(0, fix_run(&f));
	pthread_join(t, NULL);
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK(pt.flushed);
	CHECK_U64(2, f.h->x[10]);
	CHECK(f.h->x[11] > 3);
	fix_fini(&f);
}

/* ---- 4. remapping under Sv39 ---- */

TEST(dcache_sv39_pte_changed_to_another_page_runs_the_new_page)
{
	FIX(f);
	const uint32_t a[] = {INC1, RET}, b[] = {INC100, RET};

	dct_sv39(&f);
	fix_wr64(&f, L0, dct_pte(PA_A, PTE_RX));
	REQUIRE_OK(fix_code(&f, PA_A, a, 2));
	REQUIRE_OK(fix_code(&f, PA_B, b, 2));
	/* call VA; L0[0] = PA_B; sfence.vma; call VA */
	CODE(f, P, JALR(1, 20, 0), SD(7, 8, 0), SFENCE_VMA, JALR(1, 20, 0), WFI);
	f.h->pc = P;
	f.h->x[20] = VA;
	f.h->x[8] = L0;
	f.h->x[7] = dct_pte(PA_B, PTE_RX);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_sv39_pte_change_with_a_one_page_sfence_vma_runs_the_new_page)
{
	FIX(f);
	const uint32_t a[] = {INC1, RET}, b[] = {INC100, RET};

	dct_sv39(&f);
	fix_wr64(&f, L0, dct_pte(PA_A, PTE_RX));
	REQUIRE_OK(fix_code(&f, PA_A, a, 2));
	REQUIRE_OK(fix_code(&f, PA_B, b, 2));
	/* call VA; L0[0] = PA_B; sfence.vma VA; call VA */
	CODE(f, P, JALR(1, 20, 0), SD(7, 8, 0), enc_r(0x73, 0, 0, 20, 0, 0x09), JALR(1, 20, 0),
	     WFI);
	f.h->pc = P;
	f.h->x[20] = VA;
	f.h->x[8] = L0;
	f.h->x[7] = dct_pte(PA_B, PTE_RX);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

/*
 * A remote sfence.vma (rv_hart_request_tlb_flush) keeps decoded slots, which
 * are keyed by host page: after the host changes the PTE behind the hart's
 * back, the same va must run the new page's code.
 */
TEST(dcache_tlb_only_flush_after_a_pte_change_runs_the_new_page)
{
	FIX(f);
	const uint32_t a[] = {INC1, RET}, b[] = {INC100, RET};
	uint64_t ticket;

	dct_sv39(&f);
	fix_wr64(&f, L0, dct_pte(PA_A, PTE_RX));
	REQUIRE_OK(fix_code(&f, PA_A, a, 2));
	REQUIRE_OK(fix_code(&f, PA_B, b, 2));
	CODE(f, P, JALR(1, 20, 0), WFI, JALR(1, 20, 0), WFI);
	f.h->pc = P;
	f.h->x[20] = VA;
	REQUIRE_OK(fix_run(&f));
	REQUIRE(f.h->x[10] == 1);
	fix_wr64(&f, L0, dct_pte(PA_B, PTE_RX));
	ticket = rv_hart_request_tlb_flush(f.h);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK(rv_hart_flush_done(f.h, ticket));
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_store_through_a_writable_alias_is_seen_through_the_executable_one)
{
	FIX(f);
	const uint32_t a[] = {INC1, RET};

	dct_sv39(&f);
	fix_wr64(&f, L0 + 0 * 8, dct_pte(PA_A, PTE_RX)); /* VA: execute */
	fix_wr64(&f, L0 + 1 * 8, dct_pte(PA_A, PTE_RW)); /* VA + 4 KiB: write, same page */
	REQUIRE_OK(fix_code(&f, PA_A, a, 2));
	/*
	 * A store through the alias before the page is decoded (its W TLB entry
	 * exists first), call, the patch through the alias, call.
	 */
	CODE(f, P, SW(0, 9, 0), JALR(1, 20, 0), SW(7, 8, 0), JALR(1, 20, 0), WFI);
	f.h->pc = P;
	f.h->x[20] = VA;
	f.h->x[9] = VA + 0x1000 + 0x800;
	f.h->x[8] = VA + 0x1000;
	f.h->x[7] = INC100;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_auipc_follows_the_virtual_pc_of_each_alias)
{
	FIX(f);
	const uint32_t a[] = {AUIPC(10, 1), RET};

	dct_sv39(&f);
	fix_wr64(&f, L0 + 0 * 8, dct_pte(PA_A, PTE_RX));
	fix_wr64(&f, L0 + 5 * 8, dct_pte(PA_A, PTE_RX));
	REQUIRE_OK(fix_code(&f, PA_A + 0x24, a, 2));
	CODE(f, P, JALR(1, 20, 0), ADDI(11, 10, 0), JALR(1, 21, 0), ADDI(12, 10, 0), JALR(1, 20, 0),
	     WFI);
	f.h->pc = P;
	f.h->x[20] = VA + 0x24;
	f.h->x[21] = VA + 0x5024;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(VA + 0x1024, f.h->x[11]);
	CHECK_U64(VA + 0x6024, f.h->x[12]);
	CHECK_U64(VA + 0x1024, f.h->x[10]);
	fix_fini(&f);
}

/*
 * Two roots map VA to different pages; code in the identity region switches
 * satp between calls. With no ASIDs the ISA would allow the old translation
 * until an sfence.vma; this hart flushes its TLB on every satp write (tlb.h,
 * csr.c), so the new root applies at once.
 */
TEST(dcache_satp_switch_runs_the_other_roots_page_at_the_same_va)
{
	FIX(f);
	const uint32_t a[] = {INC1, RET}, b[] = {INC100, RET};

	dct_sv39(&f);
	fix_wr64(&f, L0, dct_pte(PA_A, PTE_RX));
	fix_wr64(&f, ROOT_B + 2 * 8, dct_pte(R, PTE_RW | PTE_X));
	fix_wr64(&f, ROOT_B + 1 * 8, dct_pte(L1_B, PTE_V));
	fix_wr64(&f, L1_B, dct_pte(L0_B, PTE_V));
	fix_wr64(&f, L0_B, dct_pte(PA_B, PTE_RX));
	REQUIRE_OK(fix_code(&f, PA_A, a, 2));
	REQUIRE_OK(fix_code(&f, PA_B, b, 2));
	CODE(f, P, JALR(1, 20, 0), CSRRW(0, CSR_SATP, 21), JALR(1, 20, 0), CSRRW(0, CSR_SATP, 22),
	     JALR(1, 20, 0), WFI);
	f.h->pc = P;
	f.h->x[20] = VA;
	f.h->x[21] = 8ull << 60 | (ROOT_B >> 12);
	f.h->x[22] = 8ull << 60 | (ROOT >> 12);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(1 + 0x100 + 1, f.h->x[10]);
	fix_fini(&f);
}

/*
 * One physical page mapped for S (VA + 4 KiB) and for U (VA): decoded pages
 * are shared by both modes. S runs the routine, U runs it, S patches it
 * through the identity map, U runs it again. The routine ends in ebreak; the
 * handler returns to S at x21.
 */
TEST(dcache_page_shared_by_s_and_u_mode_sees_an_s_mode_patch_in_u_mode)
{
	FIX(f);
	const uint32_t routine[] = {INC1, EBREAK};
	const uint32_t handler[] = {CSRRS(0, CSR_SSTATUS, 22), CSRRW(0, CSR_SEPC, 21), SRET};

	dct_sv39(&f);
	fix_wr64(&f, L0 + 0 * 8, dct_pte(PA_A, PTE_RX | 0x10)); /* U */
	fix_wr64(&f, L0 + 1 * 8, dct_pte(PA_A, PTE_RX));
	REQUIRE_OK(fix_code(&f, PA_A, routine, 2));
	REQUIRE_OK(fix_code(&f, HANDLER, handler, 3));
	f.h->stvec = HANDLER;
	CODE(f, P, ADDI(21, 23, 0x10), JALR(0, 20, 0), NOP, NOP,
	     /* P + 0x10 */ ADDI(21, 23, 0x28), CSRRW(0, CSR_SEPC, 24), CSRRC(0, CSR_SSTATUS, 22),
	     SRET, NOP, NOP,
	     /* P + 0x28 */ SW(7, 8, 0), ADDI(21, 23, 0x40), CSRRW(0, CSR_SEPC, 24),
	     CSRRC(0, CSR_SSTATUS, 22), SRET, NOP,
	     /* P + 0x40 */ WFI);
	f.h->pc = P;
	f.h->x[20] = VA + 0x1000;
	f.h->x[22] = RV_SSTATUS_SPP;
	f.h->x[23] = P;
	f.h->x[24] = VA;
	f.h->x[8] = PA_A;
	f.h->x[7] = INC100;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(P + 0x44, f.h->pc);
	CHECK_INT(RV_PRIV_S, f.h->priv);
	CHECK_U64(RV_EXC_BREAKPOINT, f.h->scause);
	CHECK_U64(VA + 4, f.h->stval); /* the last ebreak was U's */
	CHECK_U64(1 + 1 + 0x100, f.h->x[10]);
	fix_fini(&f);
}

/*
 * sret to U mode at the very next instruction, on a decoded S-only page: the
 * fetch in U mode must be checked again (instruction page fault), not run
 * from the page's slots.
 */
TEST(dcache_sret_to_u_mode_at_the_next_insn_of_an_s_page_faults)
{
	FIX(f);
	dct_sv39(&f);
	CODE(f, P, CSRRW(0, CSR_SEPC, 20), CSRRC(0, CSR_SSTATUS, 22), SRET, ADDI(10, 0, 1), WFI);
	f.h->pc = P;
	f.h->x[20] = P + 12;
	f.h->x[22] = RV_SSTATUS_SPP;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_INSN_PAGE, f.h->scause);
	CHECK_U64(P + 12, f.h->sepc);
	CHECK_U64(P + 12, f.h->stval);
	CHECK_U64(0, f.h->x[10]);
	CHECK_INT(RV_PRIV_S, f.h->priv);
	fix_fini(&f);
}

/* A page made non-executable (PTE + sfence.vma) faults, although it is decoded. */
TEST(dcache_code_page_made_non_executable_faults_on_the_next_call)
{
	FIX(f);
	const uint32_t a[] = {INC1, RET};

	dct_sv39(&f);
	fix_wr64(&f, L0, dct_pte(PA_A, PTE_RX));
	REQUIRE_OK(fix_code(&f, PA_A, a, 2));
	CODE(f, P, JALR(1, 20, 0), SD(7, 8, 0), SFENCE_VMA, JALR(1, 20, 0), WFI);
	f.h->pc = P;
	f.h->x[20] = VA;
	f.h->x[8] = L0;
	f.h->x[7] = dct_pte(PA_A, PTE_V | PTE_R | PTE_A);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_INSN_PAGE, f.h->scause);
	CHECK_U64(VA, f.h->sepc);
	CHECK_U64(1, f.h->x[10]);
	fix_fini(&f);
}

/* ---- 5. address-space changes ---- */

TEST(dcache_code_runs_after_a_map_and_unmap_of_another_region)
{
	FIX(f);
	const uint32_t a[] = {INC1, RET}, b[] = {ADDI(11, 11, 1), RET};

	REQUIRE_OK(fix_code(&f, P + 0x800, a, 2));
	REQUIRE_OK(fix_code(&f, Q + 0x800, b, 2));
	CODE(f, P, JALR(1, 20, 0), JALR(1, 21, 0), WFI, JAL(0, -12));
	f.h->pc = P;
	f.h->x[20] = P + 0x800;
	f.h->x[21] = Q + 0x800;
	REQUIRE_OK(fix_run(&f));
	REQUIRE(f.h->dc.pages == 2);
	REQUIRE_OK(axvm_addrspace_map_linear(f.as, 0xa0000000, 0x10000, AXVM_MEM_READ));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(2, f.h->x[10]);
	CHECK_U64(2, f.h->x[11]);
	CHECK_U64(1, f.h->dc.frees);
	REQUIRE_OK(axvm_addrspace_unmap(f.as, 0xa0000000, 0x10000));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(3, f.h->x[10]);
	CHECK_U64(3, f.h->x[11]);
	CHECK_U64(2, f.h->dc.frees);
	fix_fini(&f);
}

struct dct_mapper {
	struct axvm_addrspace *as;
	unsigned changes; /* atomic */
};

static void *dct_mapper_run(void *arg)
{
	struct dct_mapper *m = arg;

	while (__atomic_load_n(&m->changes, __ATOMIC_ACQUIRE) < 2000) {
		if (axvm_addrspace_map_linear(m->as, 0xa0000000, 0x1000, AXVM_MEM_READ) ||
		    axvm_addrspace_unmap(m->as, 0xa0000000, 0x1000))
			break;
		__atomic_add_fetch(&m->changes, 2, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Address-space changes from another thread while the hart runs calls to
 * four pages in a loop; once the thread is done, the host ends the loop
 * (x5 = 1 between two run()s, which always completes whole iterations). The
 * iteration count depends on timing, so the checks relate x10 to instret:
 * 14 instructions and x10 += 15 per iteration, + the final wfi.
 */
TEST(dcache_code_runs_while_another_thread_changes_the_address_space)
{
	FIX(f);
	struct dct_mapper m = {.as = f.as};
	pthread_t t;
	uint64_t iters;
	unsigned i;

	for (i = 0; i < 4; i++) {
		const uint32_t rt[] = {ADDI(10, 10, (int32_t)(1u << i)), RET};

		REQUIRE_OK(fix_code(&f, ROUTINES + i * 0x1000 + 0x40 * i, rt, 2));
	}
	CODE(f, P, JALR(1, 20, 0), JALR(1, 21, 0), JALR(1, 22, 0), JALR(1, 23, 0), ADDI(5, 5, -1),
	     BNE(5, 0, -20), WFI);
	f.h->pc = P;
	f.h->x[5] = UINT64_MAX;
	for (i = 0; i < 4; i++)
		f.h->x[20 + i] = ROUTINES + i * 0x1000 + 0x40 * i;
	/* A first run() decodes the pages, so every change meets them. */
	REQUIRE_OK(fix_run(&f));
	REQUIRE(f.exit.reason == AXVM_EXIT_NOTHING && f.h->dc.pages == 5);
	REQUIRE(pthread_create(&t, NULL, dct_mapper_run, &m) == 0);
	do {
		if (fix_run(&f))
			break;
		if (__atomic_load_n(&m.changes, __ATOMIC_ACQUIRE) >= 2000)
			f.h->x[5] = 1;
	} while (f.exit.reason == AXVM_EXIT_NOTHING);
	pthread_join(t, NULL);
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(2000, m.changes);
	CHECK_U64(0, (f.h->instret - 1) % 14);
	iters = (f.h->instret - 1) / 14;
	CHECK(iters > 0);
	CHECK_U64(15 * iters, f.h->x[10]);
	CHECK(f.h->dc.frees > 0);
	fix_fini(&f);
}

/* ---- 6. page edges ---- */

TEST(dcache_compressed_insn_at_0xffe_continues_on_the_next_page)
{
	FIX(f);
	const uint32_t addi = ADDI(10, 0, 1);

	/* P + 0xffa: addi (4 bytes), P + 0xffe: c.li x11, 5, Q: addi x12, 7; wfi */
	REQUIRE_OK(dct_bytes(&f, P + 0xffa, &addi, 4));
	REQUIRE_OK(dct_u16(&f, P + 0xffe, C_LI(11, 5)));
	CODE(f, Q, ADDI(12, 0, 7), WFI);
	for (int pass = 0; pass < 2; pass++) {
		f.h->pc = P + 0xffa;
		f.h->x[10] = f.h->x[11] = f.h->x[12] = 0;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(1, f.h->x[10]);
		CHECK_U64(5, f.h->x[11]);
		CHECK_U64(7, f.h->x[12]);
		CHECK_U64(Q + 8, f.h->pc);
	}
	CHECK_U64(8, f.h->instret);
	fix_fini(&f);
}

/*
 * A routine whose first instruction straddles P/Q (P + 0xffe .. Q + 1):
 * called, its upper half (on Q) patched, fence.i, called, its lower half
 * (on P) patched, fence.i, called.
 */
TEST(dcache_straddling_insn_patched_on_either_half_then_fence_i)
{
	FIX(f);
	const uint32_t first = INC1, ret = RET;

	REQUIRE((INC100 & 0xffff) == (INC1 & 0xffff));
	REQUIRE((ADDI(11, 10, 0x100) >> 16) == (INC100 >> 16));
	REQUIRE_OK(dct_bytes(&f, P + 0xffe, &first, 4));
	REQUIRE_OK(dct_u32(&f, Q + 2, ret));
	CODE(f, P, JALR(1, 20, 0), SH(7, 8, 2), FENCE_I, JALR(1, 20, 0), SH(9, 8, 0), FENCE_I,
	     JALR(1, 20, 0), WFI);
	f.h->pc = P;
	f.h->x[20] = P + 0xffe;
	f.h->x[8] = P + 0xffe;
	f.h->x[7] = INC100 >> 16;
	f.h->x[9] = ADDI(11, 10, 0x100) & 0xffff;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(0x201, f.h->x[11]);
	fix_fini(&f);
}

TEST(dcache_straddling_insn_upper_half_patched_without_fence_i_is_seen)
{
	FIX(f);
	const uint32_t first = INC1, ret = RET;

	REQUIRE_OK(dct_bytes(&f, P + 0xffe, &first, 4));
	REQUIRE_OK(dct_u32(&f, Q + 2, ret));
	CODE(f, P, JALR(1, 20, 0), SH(7, 8, 0), JALR(1, 20, 0), WFI);
	f.h->pc = P;
	f.h->x[20] = P + 0xffe;
	f.h->x[8] = Q;
	f.h->x[7] = INC100 >> 16;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x101, f.h->x[10]);
	fix_fini(&f);
}

/*
 * Four control transfers, each setting one bit of x10 at its target: forward
 * on the page, backward on the page, forward onto the next page, backward
 * onto the previous page. Laid out near the end of P so every target is in a
 * branch's reach:
 *   P+0xf00 j1 -> P+0xff0   P+0xf04 ori 2; j3 -> Q+0x10   P+0xf0c ori 8; wfi
 *   P+0xff0 ori 1; j2 -> P+0xf04                          Q+0x10 ori 4; j4 -> P+0xf0c
 * Run twice: the second time from decoded slots.
 */
static void dct_four_jumps(uint32_t j1, uint32_t j2, uint32_t j3, uint32_t j4, bool links)
{
	FIX(f);
	CODE(f, P + 0xf00, j1, ORI(10, 10, 2), j3, ORI(10, 10, 8), WFI);
	CODE(f, P + 0xff0, ORI(10, 10, 1), j2);
	CODE(f, Q + 0x10, ORI(10, 10, 4), j4);
	for (int pass = 0; pass < 2; pass++) {
		f.h->pc = P + 0xf00;
		f.h->x[10] = 0;
		f.h->x[20] = P + 0xff0;
		f.h->x[21] = P + 0xf04;
		f.h->x[22] = Q + 0x10;
		f.h->x[23] = P + 0xf0c;
		f.h->instret = 0;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(0xf, f.h->x[10]);
		CHECK_U64(P + 0xf14, f.h->pc);
		CHECK_U64(9, f.h->instret);
		if (links) {
			CHECK_U64(P + 0xf04, f.h->x[5]);
			CHECK_U64(P + 0xff8, f.h->x[6]);
			CHECK_U64(P + 0xf0c, f.h->x[7]);
			CHECK_U64(Q + 0x18, f.h->x[28]);
		}
	}
	fix_fini(&f);
}

TEST(dcache_jal_to_same_and_other_page_forwards_and_backwards)
{
	dct_four_jumps(JAL(5, 0xf0), JAL(6, -0xf0), JAL(7, 0x108), JAL(28, -0x108), true);
}

TEST(dcache_branch_to_same_and_other_page_forwards_and_backwards)
{
	dct_four_jumps(BEQ(0, 0, 0xf0), BEQ(0, 0, -0xf0), BEQ(0, 0, 0x108), BEQ(0, 0, -0x108),
		       false);
}

TEST(dcache_jalr_to_same_and_other_page_forwards_and_backwards)
{
	dct_four_jumps(JALR(5, 20, 0), JALR(6, 21, 0), JALR(7, 22, 0), JALR(28, 23, 0), true);
}

TEST(dcache_not_taken_branch_falls_through_on_both_pages)
{
	FIX(f);
	/* x5 = 1: beq x5, x0 never taken, blt x0, x5 always taken (to the next insn + 4). */
	CODE(f, P + 0xff8, BEQ(5, 0, -0x800), BLT(0, 5, 8));
	CODE(f, Q, ORI(10, 10, 1), ORI(10, 10, 2), BEQ(5, 0, -0x400), WFI);
	f.h->pc = P + 0xff8;
	f.h->x[5] = 1;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(2, f.h->x[10]);
	CHECK_U64(Q + 0x10, f.h->pc);
	fix_fini(&f);
}

TEST(dcache_compressed_jalr_and_jr_link_two_bytes_on)
{
	FIX(f);
	const uint32_t wfi = WFI;

	/* P: c.jalr x20 (to Q + 0x10); P + 2: wfi. Q + 0x10: ori x10, 1; c.jr x1 */
	REQUIRE_OK(dct_u16(&f, P, (uint16_t)(0x9002 | 20 << 7)));
	REQUIRE_OK(dct_bytes(&f, P + 2, &wfi, 4));
	REQUIRE_OK(dct_u32(&f, Q + 0x10, ORI(10, 10, 1)));
	REQUIRE_OK(dct_u16(&f, Q + 0x14, (uint16_t)(0x8002 | 1 << 7)));
	for (int pass = 0; pass < 2; pass++) {
		f.h->pc = P;
		f.h->x[20] = Q + 0x10;
		f.h->x[1] = f.h->x[10] = 0;
		f.h->instret = 0;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(P + 2, f.h->x[1]);
		CHECK_U64(1, f.h->x[10]);
		CHECK_U64(P + 6, f.h->pc);
		CHECK_U64(4, f.h->instret);
	}
	fix_fini(&f);
}

/* ---- fused pairs (lui + addi/addiw, slli + srli, add + load/store) ---- */

#define SLLI(rd, rs1, sh) OP_IMM(1, rd, rs1, sh)
#define SRLI(rd, rs1, sh) OP_IMM(5, rd, rs1, sh)
/* c.addiw rd, imm: 001 imm[5] rd imm[4:0] 01 */
#define C_ADDIW(rd, imm)                                                                           \
	((uint16_t)(0x2001 | ((unsigned)(imm)&0x20) << 7 | (rd) << 7 | ((unsigned)(imm)&0x1f) << 2))

TEST(dcache_byte_store_into_the_second_insn_of_a_fused_pair_is_seen)
{
	FIX(f);
	/* li x10, 0x12345 as lui + addiw; a byte store to its last byte makes the imm 0x305. */
	const uint32_t routine[] = {LUI(10, 0x12), ADDIW(10, 10, 0x345), RET};
	REQUIRE((ADDIW(10, 10, 0x345) & 0x00ffffff) == (ADDIW(10, 10, 0x305) & 0x00ffffff));
	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 3, SB(7, 8, 7), NOP,
				 (uint8_t)(ADDIW(10, 10, 0x305) >> 24), P + 0x800));
	CHECK_U64(0x12305, f.h->x[10]);
	fix_fini(&f);
}

TEST(dcache_jump_into_the_second_insn_of_a_fused_pair_runs_it_alone)
{
	FIX(f);
	/* P: lui x5, 0x12; P + 4: addiw x5, x5, 0x34; wfi. Run from P, then from P + 4. */
	CODE(f, P, LUI(5, 0x12), ADDIW(5, 5, 0x34), WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x12034, f.h->x[5]);
	f.h->x[5] = 0x1000;
	f.h->pc = P + 4;
	f.h->instret = 0;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x1034, f.h->x[5]);
	CHECK_U64(2, f.h->instret);
	fix_fini(&f);
}

TEST(dcache_lui_addiw_with_different_registers_sets_both)
{
	FIX(f);
	CODE(f, P, LUI(5, 0x12), ADDIW(6, 5, 0x34), LUI(7, 0x12), ADDIW(7, 8, 0x34), SLLI(9, 9, 32),
	     SRLI(28, 9, 32), WFI);
	f.h->x[8] = 0x100;
	f.h->x[9] = 0xfedcba9876543210ull;
	for (int pass = 0; pass < 2; pass++) {
		f.h->pc = P;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(0x12000, f.h->x[5]);
		CHECK_U64(0x12034, f.h->x[6]);
		CHECK_U64(0x134, f.h->x[7]);
		CHECK_U64(0x7654321000000000ull, f.h->x[9]);
		CHECK_U64(0x76543210, f.h->x[28]);
		f.h->x[9] = 0xfedcba9876543210ull;
	}
	fix_fini(&f);
}

TEST(dcache_lui_addi_pairs_keep_64_bit_results)
{
	FIX(f);
	/*
	 * lui 0x80000 is -2^31: addi -1 gives -2^31 - 1 (outside 32 bits),
	 * addiw -1 wraps to 0x7fffffff; lui 0x7ffff + addi 0x7ff stays inside.
	 */
	CODE(f, P, LUI(5, 0x80000), ADDI(5, 5, -1), LUI(6, 0x80000), ADDIW(6, 6, -1),
	     LUI(7, 0x7ffff), ADDI(7, 7, 0x7ff), LUI(28, 0x12), HW2(C_ADDIW(28, -1), C_NOP), WFI);
	for (int pass = 0; pass < 2; pass++) {
		f.h->pc = P;
		f.h->instret = 0;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(0xffffffff7fffffffull, f.h->x[5]);
		CHECK_U64(0x7fffffff, f.h->x[6]);
		CHECK_U64(0x7ffff7ff, f.h->x[7]);
		CHECK_U64(0x11fff, f.h->x[28]);
		CHECK_U64(10, f.h->instret);
	}
	fix_fini(&f);
}

TEST(dcache_lui_at_a_page_end_and_addiw_on_the_next_page_both_run)
{
	FIX(f);
	CODE(f, P + 0xffc, LUI(5, 0x12), ADDIW(5, 5, 0x34), WFI);
	for (int pass = 0; pass < 2; pass++) {
		f.h->pc = P + 0xffc;
		f.h->x[5] = 0;
		f.h->instret = 0;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(0x12034, f.h->x[5]);
		CHECK_U64(3, f.h->instret);
	}
	/* This hart patches the addiw on Q (from HANDLER's page), no fence.i; run again. */
	CODE(f, HANDLER, SW(7, 8, 0), WFI);
	f.h->pc = HANDLER;
	f.h->x[7] = ADDIW(5, 5, 0x56);
	f.h->x[8] = Q;
	REQUIRE_OK(fix_run(&f));
	f.h->pc = P + 0xffc;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x12056, f.h->x[5]);
	fix_fini(&f);
}

TEST(dcache_fused_add_and_sw_into_a_decoded_insn_is_seen)
{
	FIX(f);
	const uint32_t routine[] = {INC1, RET};

	/* add x12, x8, x0; sw x7, 0(x12): the store goes to the decoded routine. */
	REQUIRE_OK(dct_patch_run(&f, P + 0x800, routine, 2, ADD(12, 8, 0), SW(7, 12, 0), INC100,
				 P + 0x800));
	CHECK_U64(0x101, f.h->x[10]);
	CHECK_U64(P + 0x800, f.h->x[12]);
	fix_fini(&f);
}

TEST(dcache_fused_add_and_memory_access_keep_both_results)
{
	FIX(f);
	/*
	 * add x12, x12, x13; ld x12, 8(x12): the load replaces the sum.
	 * add x14, x9, x13; sd x14, 0(x14): the store stores the sum.
	 * add x15, x9, x13; lw x0, 4(x15): the sum is kept, x0 stays 0.
	 */
	CODE(f, P, ADD(12, 12, 13), LD(12, 12, 8), ADD(14, 9, 13), SD(14, 14, 0), ADD(15, 9, 13),
	     LW(0, 15, 4), OR(31, 31, 0), WFI);
	fix_wr64(&f, DATA + 0x18, 0x1122334455667788ull);
	for (int pass = 0; pass < 2; pass++) { /* TLB misses, then hits */
		f.h->pc = P;
		f.h->x[9] = DATA;
		f.h->x[12] = DATA;
		f.h->x[13] = 0x10;
		f.h->x[31] = 0;
		f.h->instret = 0;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(0x1122334455667788ull, f.h->x[12]);
		CHECK_U64(DATA + 0x10, f.h->x[14]);
		CHECK_U64(DATA + 0x10, fix_rd64(&f, DATA + 0x10));
		CHECK_U64(DATA + 0x10, f.h->x[15]);
		CHECK_U64(0, f.h->x[0]);
		CHECK_U64(0, f.h->x[31]);
		CHECK_U64(8, f.h->instret);
	}
	fix_fini(&f);
}

TEST(dcache_fused_add_and_load_page_fault_retires_the_add_only)
{
	FIX(f);
	dct_sv39(&f);
	REQUIRE_OK(dct_handler(&f));
	/* add x18, x6, x19; ld x7, 0(x18) with x18 = VA + 0x2018 (L0[2] invalid) */
	CODE(f, P + 0x100, ADD(18, 6, 19), LD(7, 18, 0), ADDI(15, 0, 3), WFI);
	for (int pass = 0; pass < 2; pass++) {
		f.h->pc = P + 0x100;
		f.h->x[6] = VA + 0x2000;
		f.h->x[19] = 0x18;
		f.h->x[7] = 0x77;
		f.h->x[18] = 0;
		f.h->instret = 0;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(pass + 1, f.h->x[16]);
		CHECK_U64(P + 0x104, f.h->x[11]); /* sepc: the load */
		CHECK_U64(VA + 0x2018, f.h->x[12]);
		CHECK_U64(RV_EXC_LOAD_PAGE, f.h->x[13]);
		CHECK_U64(VA + 0x2018, f.h->x[18]); /* the add retired */
		CHECK_U64(0x77, f.h->x[7]);
		CHECK_U64(3, f.h->x[15]);
		CHECK_U64(1 + 1 + 7 + 2, f.h->instret);
	}
	fix_fini(&f);
}

/* ---- 7. rd = x0 ---- */

/* Every register's value before the x0 tests (x9 and x18 are overridden). */
static uint64_t dct_reg_init(unsigned i)
{
	return 0x0123456789abcdefull ^ (i * 0x0001000100010001ull);
}

TEST(dcache_fast_ops_with_rd_x0_change_nothing)
{
	FIX(f);
	/* x31 |= x0 after each: a written x0 shows up in x31. */
	const uint32_t ops[] = {OP_IMM(0, 0, 5, 7),
				OP_IMM(2, 0, 5, 7),
				OP_IMM(3, 0, 5, 7),
				OP_IMM(4, 0, 5, 7),
				OP_IMM(6, 0, 5, 7),
				OP_IMM(7, 0, 5, 7),
				OP_IMM(1, 0, 5, 3),
				OP_IMM(5, 0, 5, 3),
				OP_IMM(5, 0, 5, 0x403),
				OP_IMM32(0, 0, 5, 7),
				OP_IMM32(1, 0, 5, 3),
				OP_IMM32(5, 0, 5, 3),
				OP_IMM32(5, 0, 5, 0x403),
				OP(0, 0, 0, 5, 6),
				OP(0, 0x20, 0, 5, 6),
				OP(1, 0, 0, 5, 6),
				OP(2, 0, 0, 5, 6),
				OP(3, 0, 0, 5, 6),
				OP(4, 0, 0, 5, 6),
				OP(5, 0, 0, 5, 6),
				OP(5, 0x20, 0, 5, 6),
				OP(6, 0, 0, 5, 6),
				OP(7, 0, 0, 5, 6),
				OP32(0, 0, 0, 5, 6),
				OP32(0, 0x20, 0, 5, 6),
				OP32(1, 0, 0, 5, 6),
				OP32(5, 0, 0, 5, 6),
				OP32(5, 0x20, 0, 5, 6),
				MULDIV(0, 0, 5, 6),
				MULDIV(1, 0, 5, 6),
				MULDIV(2, 0, 5, 6),
				MULDIV(3, 0, 5, 6),
				MULDIV(4, 0, 5, 6),
				MULDIV(5, 0, 5, 6),
				MULDIV(6, 0, 5, 6),
				MULDIV(7, 0, 5, 6),
				MULDIVW(0, 0, 5, 6),
				MULDIVW(4, 0, 5, 6),
				MULDIVW(5, 0, 5, 6),
				MULDIVW(6, 0, 5, 6),
				MULDIVW(7, 0, 5, 6),
				LUI(0, 0x12345),
				AUIPC(0, 0x12345),
				LB(0, 9, 0),
				LH(0, 9, 0),
				LW(0, 9, 0),
				LD(0, 9, 0),
				LBU(0, 9, 0),
				LHU(0, 9, 0),
				LWU(0, 9, 0),
				JAL(0, 4)};
	const size_t n = sizeof(ops) / sizeof(ops[0]);
	uint64_t pc = P;
	unsigned i;

	for (i = 0; i < n; i++) {
		CODE(f, pc, ops[i], OR(31, 31, 0));
		pc += 8;
	}
	/* jalr x0 to the next instruction (x18), then the final reads of x0. */
	CODE(f, pc, JALR(0, 18, 0), OR(31, 31, 0), ADD(30, 0, 0), WFI);
	fix_wr64(&f, DATA, 0x8877665544332211ull);
	for (int pass = 0; pass < 2; pass++) {
		for (i = 1; i < 32; i++)
			f.h->x[i] = dct_reg_init(i);
		f.h->x[9] = DATA;
		f.h->x[18] = pc + 4;
		f.h->x[31] = 0;
		f.h->pc = P;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(pc + 16, f.h->pc);
		CHECK_U64(0, f.h->x[0]);
		CHECK_U64(0, f.h->x[31]);
		CHECK_U64(0, f.h->x[30]);
		for (i = 1; i < 30; i++) {
			uint64_t want = i == 9 ? DATA : i == 18 ? pc + 4 : dct_reg_init(i);

			if (f.h->x[i] != want)
				test_fail_at(__FILE__, __LINE__,
					     "pass %d x%u: expected 0x%" PRIx64 ", got 0x%" PRIx64,
					     pass, i, want, f.h->x[i]);
		}
	}
	fix_fini(&f);
}

/* Two MMIO loads into x0: the second finds the MMIO translation cached (exec.c's shortcut). */
TEST(dcache_mmio_loads_into_x0_exit_and_change_nothing)
{
	FIX(f);
	unsigned i;

	CODE(f, P, LW(0, 6, 4), OR(31, 31, 0), LD(0, 6, 8), OR(31, 31, 0), WFI);
	for (i = 1; i < 32; i++)
		f.h->x[i] = dct_reg_init(i);
	f.h->x[6] = MMIO_BASE;
	f.h->x[31] = 0;
	f.h->pc = P;
	for (i = 0; i < 2; i++) {
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
		CHECK_U64(MMIO_BASE + 4 + 4 * i, f.exit.mmio_read.addr);
		CHECK_INT(4 + 4 * i, f.exit.mmio_read.width);
		CHECK_INT(0, f.exit.mmio_read.reg);
		CHECK_U64(P + 4 + 8 * i, f.h->pc);
		/* The VMM completes the read into reg 0, as vm.c does. */
		REQUIRE_OK(f.ops->set_gpr(f.be, f.exit.mmio_read.reg, 0xdeadbeef));
	}
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0, f.h->x[0]);
	CHECK_U64(0, f.h->x[31]);
	CHECK_U64(5, f.h->instret);
	for (i = 1; i < 31; i++) {
		uint64_t want = i == 6 ? MMIO_BASE : dct_reg_init(i);

		if (f.h->x[i] != want)
			test_fail_at(__FILE__, __LINE__,
				     "x%u: expected 0x%" PRIx64 ", got 0x%" PRIx64, i, want,
				     f.h->x[i]);
	}
	fix_fini(&f);
}

TEST(dcache_load_into_x0_from_a_bad_address_still_faults)
{
	FIX(f);
	CODE(f, P, ADDI(5, 0, 1), LD(0, 6, 8), ADDI(7, 0, 1), WFI);
	f.h->x[6] = 0x20000000; /* no region */
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_LOAD_ACCESS, f.h->scause);
	CHECK_U64(P + 4, f.h->sepc);
	CHECK_U64(0x20000008, f.h->stval);
	CHECK_U64(0, f.h->x[7]);
	fix_fini(&f);
}

/* ---- 8. instret ---- */

/*
 * Run code from `entry` to its halt (through MMIO exits), with the cache and without it (the
 * one-instruction path, whose counting is the reference): *with and
 * *without are the instret deltas.
 */
static int dct_instret_both(const uint32_t *code, size_t n, uint64_t entry, uint64_t *with,
			    uint64_t *without)
{
	for (int pass = 0; pass < 2; pass++) {
		struct hart_fix f;
		int r = fix_init(&f);

		if (!r)
			r = fix_code(&f, P, code, n);
		if (!r) {
			if (pass == 1)
				dct_without_cache(&f);
			f.h->pc = entry;
			do
				r = fix_run(&f);
			while (!r && (f.exit.reason == AXVM_EXIT_MMIO_READ ||
				      f.exit.reason == AXVM_EXIT_MMIO_WRITE));
		}
		if (!r && f.exit.reason != AXVM_EXIT_HALT)
			r = -1;
		if (!r)
			*(pass ? without : with) = f.h->instret;
		fix_fini(&f);
		if (r)
			return r;
	}
	return 0;
}

TEST(dcache_instret_counts_a_loop_crossing_pages)
{
	/* x10 = 5; loop: addi x11 at P + 0xffc, addi x10, -1 and bne on Q; wfi */
	uint32_t code[0x410] = {0};
	uint64_t with = 0, without = 0;

	code[0x3fe] = ADDI(10, 0, 5);
	code[0x3ff] = ADDI(11, 11, 1);
	code[0x400] = ADDI(10, 10, -1);
	code[0x401] = BNE(10, 0, -8);
	code[0x402] = WFI;
	REQUIRE_OK(dct_instret_both(code, 0x403, P + 0xff8, &with, &without));
	CHECK_U64(1 + 5 * 3 + 1, with);
	CHECK_U64(without, with);
}

TEST(dcache_instret_counts_an_illegal_insn_and_its_handler)
{
	const uint32_t code[] = {ADDI(5, 0, 1), CUSTOM0, WFI};
	uint64_t with = 0, without = 0;

	/* As rv_interp_step: the illegal 32-bit instruction counts; + csrw, wfi. */
	REQUIRE_OK(dct_instret_both(code, 3, P, &with, &without));
	CHECK_U64(1 + 1 + 2, with);
	CHECK_U64(without, with);
}

TEST(dcache_instret_does_not_count_an_illegal_compressed_insn)
{
	const uint32_t code[] = {ADDI(5, 0, 1), HW2(0x0000, C_NOP), WFI};
	uint64_t with = 0, without = 0;

	/* As rv_interp_step: a reserved 16-bit encoding traps before counting. */
	REQUIRE_OK(dct_instret_both(code, 3, P, &with, &without));
	CHECK_U64(1 + 0 + 2, with);
	CHECK_U64(without, with);
}

/*
 * c.fld with the FPU off: a valid expansion that is illegal in context.
 * stval holds the 16-bit encoding, and it counts (rv_interp_step counts every
 * instruction that expanded).
 */
TEST(dcache_compressed_fp_load_with_fpu_off_traps_with_its_16_bit_encoding)
{
	const uint32_t code[] = {HW2(0x2000 /* c.fld f8, 0(x8) */, C_NOP), WFI};
	uint64_t with = 0, without = 0;
	FIX(f);

	REQUIRE_OK(fix_code(&f, P, code, 2));
	f.h->pc = P;
	f.h->x[8] = DATA;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(0x2000, f.h->stval);
	CHECK_U64(P, f.h->sepc);
	fix_fini(&f);
	REQUIRE_OK(dct_instret_both(code, 2, P, &with, &without));
	CHECK_U64(1 + 2, with);
	CHECK_U64(without, with);
}

TEST(dcache_instret_counts_a_faulting_load_but_not_a_faulting_fetch)
{
	/* lui x6, 0x20000 (no region); ld from it: counts; jalr to it: the fetch fault does not. */
	const uint32_t load[] = {LUI(6, 0x20000), LD(7, 6, 0), WFI};
	const uint32_t fetch[] = {LUI(6, 0x20000), JALR(0, 6, 0), WFI};
	uint64_t with = 0, without = 0;

	REQUIRE_OK(dct_instret_both(load, 3, P, &with, &without));
	CHECK_U64(1 + 1 + 2, with);
	CHECK_U64(without, with);
	REQUIRE_OK(dct_instret_both(fetch, 3, P, &with, &without));
	CHECK_U64(1 + 1 + 0 + 2, with);
	CHECK_U64(without, with);
}

TEST(dcache_instret_counts_mmio_accesses_as_the_interpreter_does)
{
	/* The second and third access find the MMIO translation cached. */
	const uint32_t code[] = {LUI(6, MMIO_BASE >> 12), LW(7, 6, 0), LW(8, 6, 4), SW(7, 6, 8),
				 WFI};
	uint64_t with = 0, without = 0;

	REQUIRE_OK(dct_instret_both(code, 5, P, &with, &without));
	CHECK_U64(5, with);
	CHECK_U64(without, with);
}

/*
 * csrr of instret / cycle reads the instructions retired before it, as the
 * one-instruction path (rv_interp_step counts an instruction after running
 * it) and other harts (Spike, QEMU) do.
 */
TEST(dcache_csrr_instret_and_cycle_read_the_count_before_themselves)
{
	for (int cache = 1; cache >= 0; cache--) {
		FIX(f);
		if (!cache)
			dct_without_cache(&f);
		CODE(f, P, ADDI(5, 0, 1), CSRRS(10, 0xc02, 0), CSRRS(11, 0xc00, 0), ADDI(6, 0, 1),
		     CSRRS(12, 0xc02, 0), WFI);
		f.h->pc = P;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(1, f.h->x[10]);
		CHECK_U64(2, f.h->x[11]);
		CHECK_U64(4, f.h->x[12]);
		CHECK_U64(6, f.h->instret);
		fix_fini(&f);
	}
}

TEST(dcache_run_budget_stops_a_two_insn_branch_loop_at_the_exact_count)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = 1000};
	struct hart_fix f;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	CODE(f, P, ADDI(5, 5, 1), BEQ(0, 0, -4));
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	CHECK_U64(1000, f.h->instret);
	CHECK_U64(500, f.h->x[5]);
	CHECK_U64(P, f.h->pc);
	fix_fini(&f);
}

/* run_budget is "instructions per run() before AXVM_EXIT_NOTHING": exact. */
TEST(dcache_run_budget_stops_a_three_insn_branch_loop_at_the_exact_count)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = 1000};
	struct hart_fix f;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	CODE(f, P, ADDI(5, 5, 1), ADDI(6, 6, 1), BEQ(0, 0, -8));
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	/* 333 iterations, then the first addi of the 334th. */
	CHECK_U64(1000, f.h->instret);
	CHECK_U64(334, f.h->x[5]);
	CHECK_U64(333, f.h->x[6]);
	CHECK_U64(P + 4, f.h->pc);
	fix_fini(&f);
}

/*
 * A loop of 13 instructions (fused pairs lui + addiw, add + ld and
 * slli + srli, compressed ones, a store, a jal onto the next page, a branch
 * back) run 50 times:
 *   P+0xfd4 lui x6, 0x12; addiw x6, x6, 0x34; add x10, x10, x6; c.addi x10, 1; c.nop
 *   P+0xfe4 sd x10, 0(x9); add x12, x9, x0; ld x11, 0(x12); slli x13, x10, 40; srli x14, x13, 60
 *   P+0xff8 addi x5, x5, -1; jal Q + 0x10
 *   Q+0x10  bne x5, x0, P + 0xfd4; wfi
 * 651 instructions; x10 = x11 = 50 * 0x12035 = 0x384a5a.
 */
#define LOOP_ENTRY (P + 0xfd4)
#define LOOP_INSNS 651u
#define LOOP_SUM (50ull * 0x12035)

static int dct_loop_setup(struct hart_fix *f, const struct axvm_riscv64_config *cfg)
{
	const uint32_t a[] = {
	    LUI(6, 0x12),     ADDIW(6, 6, 0x34), ADD(10, 10, 6), HW2(C_ADDI(10, 1), C_NOP),
	    SD(10, 9, 0),     ADD(12, 9, 0),	 LD(11, 12, 0),	 SLLI(13, 10, 40),
	    SRLI(14, 13, 60), ADDI(5, 5, -1),	 JAL(0, 0x14)};
	const uint32_t b[] = {BNE(5, 0, -0x3c), WFI};
	int r = fix_init_cfg(f, cfg, axvm_hal_linux());

	if (!r)
		r = fix_code(f, LOOP_ENTRY, a, 11);
	if (!r)
		r = fix_code(f, Q + 0x10, b, 2);
	f->h->pc = LOOP_ENTRY;
	f->h->x[5] = 50;
	f->h->x[9] = DATA;
	return r;
}

static void dct_loop_check(struct hart_fix *f)
{
	CHECK_INT(AXVM_EXIT_HALT, f->exit.reason);
	CHECK_U64(LOOP_SUM, f->h->x[10]);
	CHECK_U64(LOOP_SUM, f->h->x[11]);
	CHECK_U64(DATA, f->h->x[12]);
	CHECK_U64(0x384a5a0000000000ull, f->h->x[13]);
	CHECK_U64(3, f->h->x[14]);
	CHECK_U64(Q + 0x18, f->h->pc);
}

/* With a budget of b, run() stops after exactly b instructions, wherever that is. */
TEST(dcache_loop_split_by_tiny_run_budgets_gives_exact_results)
{
	static const unsigned budgets[] = {1, 2, 3, 4, 5, 7, 9, 11, 13};

	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		const struct axvm_riscv64_config cfg = {.run_budget = budgets[i]};
		struct hart_fix f;
		unsigned stops = 0;

		REQUIRE_OK(dct_loop_setup(&f, &cfg));
		for (;;) {
			REQUIRE_OK(fix_run(&f));
			if (f.exit.reason != AXVM_EXIT_NOTHING)
				break;
			stops++;
			if (f.h->instret != (uint64_t)stops * budgets[i])
				break;
		}
		dct_loop_check(&f);
		CHECK_U64(LOOP_INSNS, f.h->instret);
		CHECK_INT((LOOP_INSNS + budgets[i] - 1) / budgets[i] - 1, stops);
		fix_fini(&f);
	}
}

/*
 * The same loop with an interrupt taken wherever each run() stopped: the
 * handler (x16 += 1; clear sip.SSIP; sret) must return to the exact
 * instruction, also between the two halves of a fused pair.
 */
TEST(dcache_interrupts_between_tiny_runs_resume_at_the_exact_insn)
{
	/* More than the handler's three instructions, so that every run() makes progress. */
	static const unsigned budgets[] = {4, 5, 6, 7, 11};
	const uint32_t handler[] = {ADDI(16, 16, 1), CSRRC(0, CSR_SIP, 17), SRET};

	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		const struct axvm_riscv64_config cfg = {.run_budget = budgets[i]};
		struct hart_fix f;
		unsigned posts = 0;

		REQUIRE_OK(dct_loop_setup(&f, &cfg));
		REQUIRE_OK(fix_code(&f, HANDLER, handler, 3));
		f.h->stvec = HANDLER;
		f.h->x[17] = RV_MIP_SSIP;
		f.h->sie = RV_MIP_SSIP;
		f.h->sstatus |= RV_SSTATUS_SIE;
		for (;;) {
			REQUIRE_OK(fix_run(&f));
			if (f.exit.reason != AXVM_EXIT_NOTHING || posts > 2 * LOOP_INSNS)
				break;
			rv_hart_post_interrupt(f.h, RV_IRQ_SSI);
			posts++;
		}
		dct_loop_check(&f);
		CHECK(posts > 0);
		CHECK_U64(posts, f.h->x[16]);
		CHECK_U64(LOOP_INSNS + 3ull * posts, f.h->instret);
		fix_fini(&f);
	}
}

/* ---- 9. more code pages than the cache keeps ---- */

TEST(dcache_code_on_more_pages_than_the_cache_holds_runs_correctly)
{
	FIX(f);
	const unsigned pages = 600;
	unsigned i;

	/* A cache smaller than the default, so that 600 pages overflow it in 4 MiB of RAM. */
	f.h->dc.max_pages = 512;
	REQUIRE(pages > f.h->dc.max_pages && f.h->dc.max_pages <= RV_DCACHE_MAX_PAGES);
	/* Routine i at ROUTINES + i * 4 KiB + (i % 64) * 8: x10 += i; ret */
	for (i = 0; i < pages; i++) {
		const uint32_t rt[] = {ADDI(10, 10, (int32_t)i), RET};

		REQUIRE_OK(fix_code(&f, ROUTINES + i * 0x1000ull + (i % 64) * 8, rt, 2));
	}
	/*
	 * Two rounds; each: x20 = ROUTINES (x26), x21 = 0..599, call x20 + (x21 % 64) * 8.
	 *   P+0x00 addi x22, x0, 2        rounds
	 *   P+0x04 addi x20, x26, 0; addi x21, x0, 0
	 *   P+0x0c andi x24, x21, 63; slli x24, x24, 3; add x24, x24, x20; jalr x1, 0(x24)
	 *   P+0x1c lui x25, 1; add x20, x20, x25; addi x21, x21, 1; blt x21, x23, -0x1c
	 *   P+0x2c addi x22, x22, -1; bne x22, x0, -0x2c; wfi
	 */
	CODE(f, P, ADDI(22, 0, 2), ADDI(20, 26, 0), ADDI(21, 0, 0), OP_IMM(7, 24, 21, 63),
	     OP_IMM(1, 24, 24, 3), ADD(24, 24, 20), JALR(1, 24, 0), LUI(25, 1), ADD(20, 20, 25),
	     ADDI(21, 21, 1), BLT(21, 23, -0x1c), ADDI(22, 22, -1), BNE(22, 0, -0x2c), WFI);
	f.h->pc = P;
	f.h->x[23] = pages;
	f.h->x[26] = ROUTINES;
	do
		REQUIRE_OK(fix_run(&f));
	while (f.exit.reason == AXVM_EXIT_NOTHING);
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(2 * (599 * 600 / 2), f.h->x[10]);
	CHECK_U64(1 + 2 * (2 + 600 * (8 + 2) + 2) + 1, f.h->instret);
	CHECK(f.h->dc.frees > 0);
	CHECK(f.h->dc.pages <= f.h->dc.max_pages);
	fix_fini(&f);
}

/*
 * A full cache keeps half of the pages entered since its last eviction
 * instead of freeing them all (which left only the new page), and the kept
 * ones are still found.
 */
TEST(dcache_full_cache_keeps_half_of_the_pages_entered_since_the_last_eviction)
{
	FIX(f);
	uintptr_t host[9];
	unsigned i, found = 0;

	f.h->dc.max_pages = 8;
	for (i = 0; i < 9; i++) {
		void *hva;
		uint64_t avail;

		REQUIRE_OK(axvm_addrspace_translate(f.as, ROUTINES + i * 0x1000ull,
						    AXVM_ACCESS_READ, &hva, &avail, NULL));
		host[i] = (uintptr_t)hva;
	}
	for (i = 0; i < 8; i++)
		REQUIRE(rv_dcache_enter(f.h, ROUTINES + i * 0x1000ull, host[i]) != NULL);
	CHECK_U64(8, f.h->dc.pages);
	REQUIRE(rv_dcache_enter(f.h, ROUTINES + 8 * 0x1000ull, host[8]) != NULL);
	CHECK_U64(1, f.h->dc.frees);
	CHECK_U64(4 + 1, f.h->dc.pages);
	for (i = 0; i < 8; i++)
		found += rv_dcache_find(&f.h->dc, host[i]) != NULL;
	CHECK_U64(4, found);
	CHECK(rv_dcache_find(&f.h->dc, host[8]) != NULL);
	fix_fini(&f);
}

/* ---- 10. traps from the slow path of decoded loads and stores ---- */

/* P + 0x7a0: c.li x17, 1; the access at P + 0x7a2; addi x15, x0, 3; wfi. Twice. */
static void dct_fault_in_page(uint32_t access, uint64_t cause, uint64_t tval)
{
	FIX(f);
	dct_sv39(&f);
	REQUIRE_OK(dct_handler(&f));
	REQUIRE_OK(dct_u16(&f, P + 0x7a0, C_LI(17, 1)));
	REQUIRE_OK(dct_bytes(&f, P + 0x7a2, &access, 4));
	REQUIRE_OK(dct_bytes(&f, P + 0x7a6, (const uint32_t[]){ADDI(15, 0, 3), WFI}, 8));
	for (int pass = 0; pass < 2; pass++) {
		f.h->pc = P + 0x7a0;
		f.h->x[6] = VA + 0x2000; /* L0[2] is invalid */
		f.h->x[7] = 0x77;
		f.h->x[15] = f.h->x[17] = 0;
		f.h->instret = 0;
		REQUIRE_OK(fix_run(&f));
		CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
		CHECK_U64(pass + 1, f.h->x[16]);
		CHECK_U64(P + 0x7a2, f.h->x[11]);
		CHECK_U64(tval, f.h->x[12]);
		CHECK_U64(cause, f.h->x[13]);
		CHECK_U64(0x77, f.h->x[7]);
		CHECK_U64(1, f.h->x[17]);
		CHECK_U64(3, f.h->x[15]);
		CHECK_U64(P + 0x7ae, f.h->pc);
		CHECK_U64(1 + 1 + 7 + 2, f.h->instret);
	}
	fix_fini(&f);
}

TEST(dcache_load_page_fault_inside_a_decoded_page_reaches_the_handler)
{
	dct_fault_in_page(LD(7, 6, 0x18), RV_EXC_LOAD_PAGE, VA + 0x2018);
}

TEST(dcache_store_page_fault_inside_a_decoded_page_reaches_the_handler)
{
	dct_fault_in_page(SW(7, 6, 0x20), RV_EXC_STORE_PAGE, VA + 0x2020);
}

/*
 * On a one-hart machine a fence.i compares a decoded page with its snapshot
 * only if guest RAM was written behind the hart's back since then
 * (axvm_addrspace_write_count): a fence.i after no such write keeps the page
 * unread; a write through a host pointer followed by
 * axvm_addrspace_note_write, and an axvm_addrspace_write, are seen after
 * the next fence.i.
 */
TEST(dcache_fence_i_on_a_one_hart_machine_rereads_only_pages_written_since)
{
	static struct axvm_riscv64_config cfg = {.run_budget = 100000};
	const uint32_t code[] = {
	    JALR(1, 20, 0), FENCE_I,	 JALR(1, 20, 0), SW(0, 9, 0),	 FENCE_I,
	    JALR(1, 20, 0), SW(0, 9, 0), FENCE_I,	 JALR(1, 20, 0), WFI};
	const uint32_t routine[] = {INC1, RET};
	struct axvm_riscv64_machine *m = NULL;
	struct hart_fix f;
	void *hva = NULL;
	uint64_t avail = 0, unwritten;

	REQUIRE_OK(axvm_riscv64_machine_create(1, &m));
	cfg.machine = m;
	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	REQUIRE_OK(fix_code(&f, P, code, sizeof(code) / 4));
	REQUIRE_OK(fix_code(&f, P + 0x800, routine, 2));
	f.h->pc = P;
	f.h->x[20] = P + 0x800;
	f.h->x[9] = MMIO_BASE;
	/* call, fence.i with nothing written, call, exit */
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_WRITE, f.exit.reason);
	CHECK_U64(2, f.h->x[10]);
	CHECK(f.h->dc.unwritten > 0);
	unwritten = f.h->dc.unwritten;
	/* As a device's DMA: straight into host memory, then counted. */
	REQUIRE_OK(
	    axvm_addrspace_translate(f.as, P + 0x800, AXVM_ACCESS_WRITE, &hva, &avail, NULL));
	REQUIRE(avail >= 4);
	__atomic_store_n((uint32_t *)hva, INC100, __ATOMIC_RELEASE);
	axvm_addrspace_note_write(f.as);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_WRITE, f.exit.reason);
	CHECK_U64(2 + 0x100, f.h->x[10]);
	CHECK_U64(unwritten, f.h->dc.unwritten);
	/* The VMM's own write counts by itself. */
	REQUIRE_OK(dct_u32(&f, P + 0x800, ADDI(10, 10, 0x10)));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(2 + 0x100 + 0x10, f.h->x[10]);
	fix_fini(&f);
	axvm_riscv64_machine_destroy(m);
}

TEST(dcache_fence_i_epoch_clears_every_x_entrys_decoded_page)
{
	/*
	 * A new epoch (fence.i) clears tlb.xd so that every page is entered
	 * (and its epoch checked) again. Only the entries set since the last
	 * clear are reset (rv_tlb.xd_set), or all past RV_TLB_FILL_LOG sets:
	 * either way none may be left.
	 */
	FIX(f);
	uintptr_t host[8];

	for (unsigned i = 0; i < 8; i++) {
		void *hva;
		uint64_t avail;

		REQUIRE_OK(axvm_addrspace_translate(f.as, ROUTINES + i * 0x1000ull,
						    AXVM_ACCESS_READ, &hva, &avail, NULL));
		host[i] = (uintptr_t)hva;
	}
	for (unsigned round = 0; round < 2; round++) {
		/* round 0: 8 sets (the log); round 1: 2,000 (past it) */
		unsigned sets = round ? 2000 : 8, left = 0;

		for (unsigned n = 0; n < sets; n++)
			REQUIRE(rv_dcache_enter(f.h, ROUTINES + (n % 8) * 0x1000ull, host[n % 8]) !=
				NULL);
		for (unsigned i = 0; i < 8; i++)
			CHECK(f.h->tlb.xd[f.h->priv][((ROUTINES >> 12) + i) & (RV_TLB_SIZE - 1)] !=
			      NULL);
		rv_dcache_invalidate_all(f.h);
		for (unsigned p = 0; p < 2; p++)
			for (unsigned i = 0; i < RV_TLB_SIZE; i++)
				left += f.h->tlb.xd[p][i] != NULL;
		CHECK_U64(0, left);
	}
	fix_fini(&f);
}

TEST(dcache_pages_come_from_the_arena_then_from_calloc)
{
	/*
	 * New decoded pages: the first RV_DCACHE_ARENA_AFTER from calloc (a
	 * small guest never maps the arena), then from the hart's arena (one
	 * mapping for transparent huge pages, rv_dcache.pages_arena) in
	 * order, and past its end from calloc again; every kind is freed at
	 * destroy (ASan checks the frees) and runs code alike.
	 */
	FIX(f);
	struct rv_dcache_arena *a = &f.h->dc.pages_arena;
	const unsigned n = RV_DCACHE_ARENA_AFTER + 4;
	const struct rv_dpage *dp[RV_DCACHE_ARENA_AFTER + 4];

	a->cap = 2;
	for (unsigned i = 0; i < n; i++) {
		void *hva;
		uint64_t avail;

		REQUIRE_OK(axvm_addrspace_translate(f.as, ROUTINES + i * 0x1000ull,
						    AXVM_ACCESS_READ, &hva, &avail, NULL));
		dp[i] = rv_dcache_enter(f.h, ROUTINES + i * 0x1000ull, (uintptr_t)hva);
		REQUIRE(dp[i] != NULL);
		if (i + 1 == RV_DCACHE_ARENA_AFTER)
			CHECK(!a->mapped); /* not before it is needed */
	}
	if (!a->base) {
		test_skip("no arena mapping on this host");
		fix_fini(&f);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		bool in =
		    (const uint8_t *)dp[i] >= a->base && (const uint8_t *)dp[i] < a->base + a->size;

		CHECK(in == (i >= RV_DCACHE_ARENA_AFTER && i < RV_DCACHE_ARENA_AFTER + 2));
	}
	CHECK((const uint8_t *)dp[RV_DCACHE_ARENA_AFTER + 1] -
		  (const uint8_t *)dp[RV_DCACHE_ARENA_AFTER] ==
	      (ptrdiff_t)sizeof(struct rv_dpage));
	{
		struct rv_jit_page *jp = rv_dcache_new_jit_page(&f.h->dc);

		REQUIRE(jp != NULL);
		CHECK(jp->s[100].entry == NULL && jp->npatch == 0);  /* zeroed */
		((struct rv_dpage *)(uintptr_t)dp[n - 1])->jit = jp; /* freed with its page */
	}
	fix_fini(&f);
}
