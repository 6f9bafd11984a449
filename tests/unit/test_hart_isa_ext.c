/* SPDX-License-Identifier: MIT */
/*
 * The extensions beyond RV64GC (axvm/riscv64.h AXVM_RISCV64_EXT_*): every
 * row of insn_table.h decodes to its own semantics in both engines (the
 * decoded-slot engine and the one-instruction interpreter), a turned-off
 * extension's instructions are illegal, cbo.* with the senvcfg enables,
 * Zawrs and Svinval, and the page-table bits of Svpbmt, Svnapot and Svade.
 */
#include "test_hart_util.h"

#include "arch/riscv64/insn_table.h"

#define P (RAM_BASE + 0x10000)
#define BUF (RAM_BASE + 0x20000)

static int fix_ext(struct hart_fix *f, uint64_t ext_off)
{
	static struct axvm_riscv64_config cfg;

	cfg.run_budget = 100000;
	cfg.ext_off = ext_off;
	return fix_init_cfg(f, &cfg, axvm_hal_linux());
}

/* Run `insn` with x5 = a, x6 = b into x7 (then wfi); *scause = 0 if it did not trap. */
static uint64_t run_one(uint64_t ext_off, bool interp, uint32_t insn, uint64_t a, uint64_t b,
			uint64_t *scause)
{
	struct hart_fix f;
	uint64_t r;

	if (fix_ext(&f, ext_off)) {
		fix_fini(&f);
		*scause = ~0ull;
		return 0;
	}
	const uint32_t code[2] = {insn, WFI};

	if (interp)
		rv_dcache_destroy(&f.h->dc);
	fix_code(&f, P, code, 2);
	f.h->pc = P;
	f.h->x[5] = a;
	f.h->x[6] = b;
	f.h->x[7] = 0xdead;
	fix_run(&f);
	*scause = f.h->pc == TRAP_END ? f.h->scause : 0;
	r = f.h->x[7];
	fix_fini(&f);
	return r;
}

/* rd = x7, rs1 = x5, rs2 = x6 (or the immediate bits a test put in). */
#define RD_RS(match) ((match) | 7u << 7 | 5u << 15 | 6u << 20)
/* rd = x7, rs1 = x5: unary and fixed-immediate forms. */
#define RD_R1(match) ((match) | 7u << 7 | 5u << 15)

TEST(isa_every_alu_row_matches_its_semantics_in_both_engines)
{
	static const struct {
		const char *name;
		uint32_t mask, match;
		int fmt_reg;
	} rows[] = {
#define ROW(n, s, opc, mask, match, fmt, ext, jx, expr) {s, mask, match, RV_INSN_FMT_IS_REG_##fmt},
	    RV_INSN_ALU(ROW)
#undef ROW
	};
	static const uint64_t vals[][2] = {
	    {0x0123456789abcdefull, 0xfedcba9876543210ull},
	    {0x8000000000000000ull, ~0ull},
	    {0x00000000ffff0f01ull, 37},
	    {0, 0},
	};

	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* rd x7, rs1 x5; R: rs2 x6; others: the immediate/shift field keeps bits of ~mask.
		 */
		uint32_t insn = rows[i].match | 7u << 7 | 5u << 15 |
				(rows[i].fmt_reg ? 6u << 20 : (0x01100000u & ~rows[i].mask));
		int id = rv_insn_alu_find(insn, insn & 0x7f, AXVM_RISCV64_EXT_ALL);

		CHECK_INT((int)i, id);
		for (unsigned v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			uint64_t x[33] = {0}, want, c1, c2, got_exec, got_interp;

			x[5] = vals[v][0];
			x[6] = vals[v][1];
			want = rv_insn_alu_exec(id, insn, x);
			got_exec = run_one(0, false, insn, x[5], x[6], &c1);
			got_interp = run_one(0, true, insn, x[5], x[6], &c2);
			if (c1 || c2 || got_exec != want || got_interp != want)
				test_fail_at(__FILE__, __LINE__,
					     "%s (0x%08x) a=%llx b=%llx: want %llx, exec %llx "
					     "(cause %llu), interp %llx (cause %llu)",
					     rows[i].name, insn, (unsigned long long)x[5],
					     (unsigned long long)x[6], (unsigned long long)want,
					     (unsigned long long)got_exec, (unsigned long long)c1,
					     (unsigned long long)got_interp,
					     (unsigned long long)c2);
		}
	}
}

/* Known answers from the specifications' definitions (Zbb, Zbc, Zicond). */
TEST(isa_bitmanip_known_answers)
{
	uint64_t c;
	const uint64_t a = 0x0123456789abcdefull, b = 0xfedcba9876543210ull;

#define KA(match, x, y, want)                                                                      \
	do {                                                                                       \
		CHECK_U64(want, run_one(0, false, RD_RS(match), x, y, &c));                        \
		CHECK_U64(0, c);                                                                   \
		CHECK_U64(want, run_one(0, true, RD_RS(match), x, y, &c));                         \
	} while (0)
#define KA1(match, x, want)                                                                        \
	do {                                                                                       \
		CHECK_U64(want, run_one(0, false, RD_R1(match), x, 0, &c));                        \
		CHECK_U64(0, c);                                                                   \
		CHECK_U64(want, run_one(0, true, RD_R1(match), x, 0, &c));                         \
	} while (0)
	KA(0x20002033, 3, 10, 16);				       /* sh1add */
	KA(0x2000603b, 0xffffffff00000002ull, 1, 17);		       /* sh3add.uw */
	KA(0x0800003b, 0xffffffff80000000ull, 1, 0x80000001ull);       /* add.uw */
	KA(0x40007033, 0xff, 0x0f, 0xf0);			       /* andn */
	KA(0x0a004033, (uint64_t)-5, 3, (uint64_t)-5);		       /* min */
	KA(0x0a005033, (uint64_t)-5, 3, 3);			       /* minu */
	KA(0x60001033, 0x8000000000000001ull, 1, 3);		       /* rol */
	KA(0x0a001033, 3, 3, 5);				       /* clmul: (x+1)^2 = x^2+1 */
	KA(0x0a003033, 0x8000000000000000ull, 2, 1);		       /* clmulh */
	KA(0x0a002033, 0x8000000000000000ull, 1, 1);		       /* clmulr */
	KA(0x0e005033, a, 0, 0);				       /* czero.eqz, rs2 = 0 */
	KA(0x0e005033, a, 1, a);				       /* czero.eqz */
	KA(0x0e007033, a, 0, a);				       /* czero.nez, rs2 = 0 */
	KA(0x0e007033, a, b, 0);				       /* czero.nez */
	KA(0x48005033, 0x10, 4, 1);				       /* bext */
	KA1(0x60001013, 0x00f0000000000000ull, 8);		       /* clz */
	KA1(0x60101013, 0, 64);					       /* ctz of 0 */
	KA1(0x60201013, a, 32);					       /* cpop */
	KA1(0x6b805013, a, 0xefcdab8967452301ull);		       /* rev8 */
	KA1(0x28705013, 0x0100200000000300ull, 0xff00ff000000ff00ull); /* orc.b */
	KA1(0x0800403b, a, 0xcdef);				       /* zext.h */
	KA1(0x60501013, 0x8000, 0xffffffffffff8000ull);		       /* sext.h */
#undef KA
#undef KA1
}

TEST(isa_turned_off_extension_is_illegal_in_both_engines)
{
	static const struct {
		unsigned ext;
		uint32_t insn;
	} cases[] = {
	    {AXVM_RISCV64_EXT_ZBA, RD_RS(0x20002033)},		/* sh1add */
	    {AXVM_RISCV64_EXT_ZBA, RD_R1(0x0800101b)},		/* slli.uw */
	    {AXVM_RISCV64_EXT_ZBB, RD_RS(0x40007033)},		/* andn */
	    {AXVM_RISCV64_EXT_ZBB, RD_R1(0x6b805013)},		/* rev8 */
	    {AXVM_RISCV64_EXT_ZBC, RD_RS(0x0a001033)},		/* clmul */
	    {AXVM_RISCV64_EXT_ZBS, RD_RS(0x48005033)},		/* bext */
	    {AXVM_RISCV64_EXT_ZICOND, RD_RS(0x0e005033)},	/* czero.eqz */
	    {AXVM_RISCV64_EXT_ZICBOZ, 0x0042a00fu},		/* cbo.zero (x5) */
	    {AXVM_RISCV64_EXT_ZICBOM, 0x0012a00fu},		/* cbo.clean (x5) */
	    {AXVM_RISCV64_EXT_ZAWRS, 0x00d00073u},		/* wrs.nto */
	    {AXVM_RISCV64_EXT_SVINVAL, 0x16000073u | 5u << 15}, /* sinval.vma x5 */
	    {AXVM_RISCV64_EXT_SVINVAL, 0x18000073u},		/* sfence.w.inval */
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int interp = 0; interp < 2; interp++) {
			uint64_t c_on, c_off;

			run_one(0, interp, cases[i].insn, BUF, 1, &c_on);
			run_one(1ull << cases[i].ext, interp, cases[i].insn, BUF, 1, &c_off);
			if (c_on != 0 || c_off != RV_EXC_ILLEGAL)
				test_fail_at(__FILE__, __LINE__,
					     "%s 0x%08x (%s): cause on %llu, off %llu",
					     axvm_riscv64_ext_name(cases[i].ext), cases[i].insn,
					     interp ? "interp" : "exec", (unsigned long long)c_on,
					     (unsigned long long)c_off);
		}
	}
}

TEST(isa_cbo_zero_clears_the_aligned_64_byte_block_only)
{
	FIX(f);
	for (unsigned i = 0; i < 256; i += 8)
		fix_wr64(&f, BUF + i, 0x1111111111111111ull);
	f.h->x[5] = BUF + 64 + 13; /* inside the second block */
	CODE(f, P, 0x0042a00fu /* cbo.zero (x5) */, 0x0022a00fu /* cbo.flush */,
	     0x0002a00fu /* cbo.inval */, WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x1111111111111111ull, fix_rd64(&f, BUF + 56));
	for (unsigned i = 64; i < 128; i += 8)
		CHECK_U64(0, fix_rd64(&f, BUF + i));
	CHECK_U64(0x1111111111111111ull, fix_rd64(&f, BUF + 128));
	fix_fini(&f);
}

TEST(isa_cbo_zero_over_decoded_code_is_seen_by_the_next_fetch)
{
	FIX(f);
	/* x7 = 1; cbo.zero on the block holding the next instruction: it becomes 0 (illegal). */
	f.h->x[5] = P + 64;
	CODE(f, P + 60, 0x0042a00fu, ADDI(7, 0, 5), WFI);
	f.h->pc = P + 60;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(P + 64, f.h->sepc);
	CHECK_U64(0, f.h->x[7]);
	fix_fini(&f);
}

/* U-mode cbo.zero / cbo.clean / cbo.inval obey senvcfg.CBZE / CBCFE / CBIE. */
TEST(isa_cbo_in_u_mode_follows_senvcfg)
{
	static const struct {
		uint32_t insn;
		uint64_t senvcfg;
		uint64_t cause;
	} cases[] = {
	    {0x0042a00fu, 0, RV_EXC_ILLEGAL}, {0x0042a00fu, 1u << 7, 0},
	    {0x0012a00fu, 0, RV_EXC_ILLEGAL}, {0x0012a00fu, 1u << 6, 0},
	    {0x0002a00fu, 0, RV_EXC_ILLEGAL}, {0x0002a00fu, 1u << 4, 0},
	    {0x0002a00fu, 3u << 4, 0},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FIX(f);
		/* S: senvcfg = value; sret to U at P + 0x100 (which runs the cbo, then ecall). */
		f.h->x[6] = cases[i].senvcfg;
		f.h->x[8] = P + 0x100;
		f.h->x[5] = BUF;
		CODE(f, P, CSRRW(0, 0x10a, 6), CSRRW(0, CSR_SEPC, 8), SRET);
		CODE(f, P + 0x100, cases[i].insn, ECALL);
		f.h->pc = P;
		REQUIRE_OK(fix_run(&f));
		CHECK_U64(cases[i].cause ? cases[i].cause : RV_EXC_ECALL_U, f.h->scause);
		fix_fini(&f);
	}
}

TEST(isa_senvcfg_cbo_fields_are_writable_only_with_the_extension)
{
	uint64_t v;
	struct hart_fix f;

	REQUIRE_OK(fix_ext(&f, 0));
	CHECK_INT(0, rv_csr_write(f.h, 0x10a, ~0ull));
	rv_csr_read(f.h, 0x10a, &v);
	CHECK_U64(0xf1, v);
	CHECK_INT(0, rv_csr_write(f.h, 0x10a, 2u << 4)); /* CBIE = 10 is reserved */
	rv_csr_read(f.h, 0x10a, &v);
	CHECK_U64(0, v);
	fix_fini(&f);
	REQUIRE_OK(fix_ext(&f, 1ull << AXVM_RISCV64_EXT_ZICBOM | 1ull << AXVM_RISCV64_EXT_ZICBOZ));
	CHECK_INT(0, rv_csr_write(f.h, 0x10a, ~0ull));
	rv_csr_read(f.h, 0x10a, &v);
	CHECK_U64(1, v);
	fix_fini(&f);
}

TEST(isa_zawrs_and_svinval_retire_as_hints)
{
	FIX(f);
	f.h->x[5] = BUF;
	CODE(f, P, 0x00d00073u /* wrs.nto */, 0x01d00073u /* wrs.sto */,
	     0x18000073u /* sfence.w.inval */, 0x16000073u | 5u << 15 /* sinval.vma x5 */,
	     0x18100073u /* sfence.inval.ir */, ADDI(7, 0, 9), WFI);
	f.h->pc = P;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(9, f.h->x[7]);
	CHECK_U64(7, f.h->instret);
	fix_fini(&f);
}

/* ---- page tables (the layout of test_hart_mmu.c) ---- */
#define ROOT (RAM_BASE + 0x100000)
#define L1 (RAM_BASE + 0x101000)
#define L0 (RAM_BASE + 0x102000)
#define DATA (RAM_BASE + 0x200000)
#define VA 0x40000000ull

static uint64_t pte(uint64_t pa, unsigned flags)
{
	return (pa >> 12) << 10 | flags;
}

static void mmu_setup(struct hart_fix *f)
{
	fix_wr64(f, ROOT + 2 * 8, pte(RAM_BASE, 0xcf)); /* VRWXAD identity gigapage */
	fix_wr64(f, ROOT + 1 * 8, pte(L1, 1));
	fix_wr64(f, L1, pte(L0, 1));
	f->h->satp = 8ull << 60 | (ROOT >> 12);
}

/* A load from VA + off through L0[idx] = leaf (and L1[0] = l1e): x7 and the cause. */
static uint64_t mmu_load(uint64_t ext_off, unsigned idx, uint64_t leaf, uint64_t l1e, uint64_t off,
			 uint64_t *cause)
{
	struct hart_fix f;
	uint64_t r;

	if (fix_ext(&f, ext_off)) {
		fix_fini(&f);
		*cause = ~0ull;
		return 0;
	}
	const uint32_t code[2] = {LD(7, 6, 8), WFI};

	mmu_setup(&f);
	if (l1e)
		fix_wr64(&f, L1, l1e);
	fix_wr64(&f, L0 + idx * 8, leaf);
	for (unsigned i = 0; i < 16; i++)
		fix_wr64(&f, DATA + 0x10000 + i * 0x1000 + 8, 0x100 + i);
	f.h->x[6] = VA + off;
	fix_code(&f, RAM_BASE, code, 2);
	fix_run(&f);
	*cause = f.h->pc == TRAP_END ? f.h->scause : 0;
	r = f.h->x[7];
	fix_fini(&f);
	return r;
}

TEST(isa_svpbmt_types_accepted_and_reserved_ones_fault)
{
	uint64_t c, leaf = pte(DATA + 0x10000, 0x43); /* VRA */

	CHECK_U64(0x100, mmu_load(0, 0, leaf | 1ull << 61, 0, 0, &c)); /* NC */
	CHECK_U64(0, c);
	CHECK_U64(0x100, mmu_load(0, 0, leaf | 2ull << 61, 0, 0, &c)); /* IO */
	CHECK_U64(0, c);
	mmu_load(0, 0, leaf | 3ull << 61, 0, 0, &c); /* reserved */
	CHECK_U64(RV_EXC_LOAD_PAGE, c);
	mmu_load(1ull << AXVM_RISCV64_EXT_SVPBMT, 0, leaf | 1ull << 61, 0, 0, &c);
	CHECK_U64(RV_EXC_LOAD_PAGE, c);
	/* PBMT on a non-leaf PTE is reserved. */
	mmu_load(0, 0, leaf, pte(L0, 1) | 1ull << 61, 0, &c);
	CHECK_U64(RV_EXC_LOAD_PAGE, c);
}

TEST(isa_svnapot_64k_pte_maps_the_whole_range)
{
	/* L0[16] is a NAPOT PTE for va VA+64K..VA+128K -> DATA+64K (ppn[3:0] = 1000). */
	uint64_t c, napot = pte(DATA + 0x10000, 0x43) | 1ull << 63 | 0x8ull << 10;

	CHECK_U64(0x105, mmu_load(0, 21, napot, 0, 0x15000, &c));
	CHECK_U64(0, c);
	CHECK_U64(0x10f, mmu_load(0, 31, napot, 0, 0x1f000, &c));
	CHECK_U64(0, c);
	/* Other ppn[3:0] encodings are reserved; so is N with Svnapot off. */
	mmu_load(0, 21, napot ^ 0x8ull << 10 ^ 0x4ull << 10, 0, 0x15000, &c);
	CHECK_U64(RV_EXC_LOAD_PAGE, c);
	mmu_load(1ull << AXVM_RISCV64_EXT_SVNAPOT, 21, napot, 0, 0x15000, &c);
	CHECK_U64(RV_EXC_LOAD_PAGE, c);
}

TEST(isa_svadu_off_makes_a_clear_accessed_bit_a_page_fault)
{
	uint64_t c, leaf = pte(DATA + 0x10000, 0x03); /* VR, A clear */

	CHECK_U64(0x100, mmu_load(0, 0, leaf, 0, 0, &c));
	CHECK_U64(0, c);
	mmu_load(1ull << AXVM_RISCV64_EXT_SVADU, 0, leaf, 0, 0, &c);
	CHECK_U64(RV_EXC_LOAD_PAGE, c);
	CHECK_U64(0x100, mmu_load(1ull << AXVM_RISCV64_EXT_SVADU, 0, leaf | 0x40, 0, 0, &c));
	CHECK_U64(0, c);
}

/* Zfh / Zfhmin: fmt H instructions with FS on, by what is turned off. */
static uint64_t run_fp(uint64_t ext_off, uint32_t insn, uint64_t *f1)
{
	struct hart_fix f;
	uint64_t cause;
	const uint32_t code[2] = {insn, WFI};

	if (fix_ext(&f, ext_off)) {
		fix_fini(&f);
		return ~0ull;
	}
	fix_code(&f, P, code, 2);
	f.h->pc = P;
	f.h->sstatus |= RV_SSTATUS_FS;
	f.h->x[5] = BUF;
	f.h->fpu.f[2] = 0xffffffffffff3c00ull; /* 1.0 (half) */
	f.h->fpu.f[3] = 0xffffffffffff3e00ull; /* 1.5 (half) */
	fix_wr64(&f, BUF, 0x4248);	       /* pi (half) */
	fix_run(&f);
	cause = f.h->pc == TRAP_END ? f.h->scause : 0;
	*f1 = f.h->fpu.f[1];
	fix_fini(&f);
	return cause;
}

TEST(isa_zfh_and_zfhmin)
{
	const uint32_t fadd_h = 0x04310053u | 1u << 7;	 /* fadd.h f1, f2, f3, rne */
	const uint32_t fcvt_s_h = 0x40210053u | 1u << 7; /* fcvt.s.h f1, f2 */
	const uint32_t flh = 0x00029007u | 1u << 7;	 /* flh f1, 0(x5) */
	const uint64_t no_zfh = 1ull << AXVM_RISCV64_EXT_ZFH;
	const uint64_t none = no_zfh | 1ull << AXVM_RISCV64_EXT_ZFHMIN;
	uint64_t v;

	CHECK_U64(0, run_fp(0, fadd_h, &v));
	CHECK_U64(0xffffffffffff4100ull, v); /* 2.5 */
	CHECK_U64(0, run_fp(0, fcvt_s_h, &v));
	CHECK_U64(0xffffffff3f800000ull, v);
	CHECK_U64(0, run_fp(0, flh, &v));
	CHECK_U64(0xffffffffffff4248ull, v);
	/* Zfhmin alone: the arithmetic is illegal, conversions and loads are not. */
	CHECK_U64(RV_EXC_ILLEGAL, run_fp(no_zfh, fadd_h, &v));
	CHECK_U64(0, run_fp(no_zfh, fcvt_s_h, &v));
	CHECK_U64(0, run_fp(no_zfh, flh, &v));
	/* Neither: all illegal. */
	CHECK_U64(RV_EXC_ILLEGAL, run_fp(none, fcvt_s_h, &v));
	CHECK_U64(RV_EXC_ILLEGAL, run_fp(none, flh, &v));
}
