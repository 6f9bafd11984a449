/* SPDX-License-Identifier: MIT */
/*
 * The translator (jit.c) against the interpreter: each program runs on two
 * harts, one with the translator forced on and one with it off (whatever
 * AXVM_JIT says), and every register, pc, instret, the trap CSRs and the
 * data they wrote must match after every run() -- and the translator must
 * actually have run blocks, so a test cannot pass by interpreting.
 * Covers: the integer and M operations with their corner cases (division by
 * 0, overflow), budgets that cut blocks at every length, self-modifying code
 * inside a hot block (with fence.i, and a store into the running block
 * without one), a fault in the middle of a block, interrupts posted while a
 * hot loop runs, a code cache so small that it is emptied again and again,
 * and blocks chained across pages when one page is remapped under them.
 */
#include <stdlib.h>
#include <unistd.h>

#include "arch/riscv64/jit.h"
#include "arch/riscv64/sbi.h"
#include "test_hart_util.h"

#define P (RAM_BASE + 0x10000)
#define DATA (RAM_BASE + 0x20000)

#define OPR(f3, f7, rd, a, b) enc_r(0x33, rd, f3, a, b, f7)
#define OPW(f3, f7, rd, a, b) enc_r(0x3b, rd, f3, a, b, f7)
#define OPI(f3, rd, a, imm) enc_i(0x13, rd, f3, a, imm)
#define OPIW(f3, rd, a, imm) enc_i(0x1b, rd, f3, a, imm)
#define SUB(rd, a, b) OPR(0, 0x20, rd, a, b)
#define XOR(rd, a, b) OPR(4, 0, rd, a, b)
#define SLLI(rd, a, sh) OPI(1, rd, a, sh)
#define SRLI(rd, a, sh) OPI(5, rd, a, sh)
#define SRAI(rd, a, sh) OPI(5, rd, a, 0x400 | (sh))
#define ANDI(rd, a, imm) OPI(7, rd, a, imm)
#define BLT(a, b, imm) enc_b(4, a, b, imm)
#define BGE(a, b, imm) enc_b(5, a, b, imm)
#define BLTU(a, b, imm) enc_b(6, a, b, imm)
#define BGEU(a, b, imm) enc_b(7, a, b, imm)
#define AUIPC(rd, imm20) ((uint32_t)(imm20) << 12 | (rd) << 7 | 0x17)
#define J(imm) JAL(0, imm)

struct jt {
	struct hart_fix on, off;
};

static int jt_side(struct hart_fix *f, bool jit, uint64_t budget, size_t cache)
{
	static struct axvm_riscv64_config cfg;
	int r;

	cfg.run_budget = budget;
	if ((r = fix_init_cfg(f, &cfg, axvm_hal_linux())))
		return r;
	rv_jit_destroy(f->h->jit); /* AXVM_JIT in the environment must not decide */
	f->h->jit = NULL;
	/* The loops here count rounds against the threshold they were written for. */
	setenv("AXVM_JIT_HOT", "16", 1);
	if (jit && !(f->h->jit = rv_jit_create(cache)))
		return -1;
	return 0;
}

/* Both harts with the same code at P; NULL-free on failure. */
static bool jt_init(struct jt *t, uint64_t budget, size_t cache, const uint32_t *code, size_t n)
{
	memset(t, 0, sizeof(*t));
	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return false;
	}
	if (jt_side(&t->on, true, budget, cache) || jt_side(&t->off, false, budget, cache) ||
	    fix_code(&t->on, P, code, n) || fix_code(&t->off, P, code, n)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		return false;
	}
	t->on.h->pc = t->off.h->pc = P;
	return true;
}

static void jt_fini(struct jt *t)
{
	fix_fini(&t->on);
	fix_fini(&t->off);
}

static void jt_set(struct jt *t, unsigned r, uint64_t v)
{
	t->on.h->x[r] = t->off.h->x[r] = v;
}

/* The two harts agree (registers, pc, instret, trap CSRs, exit, 4 KiB at DATA). */
static bool jt_same(struct jt *t, int line)
{
	const struct rv_hart *a = t->on.h, *b = t->off.h;
	char what[64] = "";

	for (unsigned i = 0; i < 32 && !what[0]; i++)
		if (a->x[i] != b->x[i])
			snprintf(what, sizeof(what), "x%u", i);
	if (!what[0] && a->pc != b->pc)
		snprintf(what, sizeof(what), "pc");
	if (!what[0] && a->instret != b->instret)
		snprintf(what, sizeof(what), "instret");
	if (!what[0] && (a->scause != b->scause || a->sepc != b->sepc || a->stval != b->stval))
		snprintf(what, sizeof(what), "trap CSRs");
	if (!what[0] && t->on.exit.reason != t->off.exit.reason)
		snprintf(what, sizeof(what), "exit reason");
	for (unsigned i = 0; i < 4096 && !what[0]; i += 8)
		if (fix_rd64(&t->on, DATA + i) != fix_rd64(&t->off, DATA + i))
			snprintf(what, sizeof(what), "memory at DATA+%u", i);
	if (what[0])
		test_fail_at(__FILE__, line, "jit and interpreter differ in %s (pc %#llx vs %#llx)",
			     what, (unsigned long long)a->pc, (unsigned long long)b->pc);
	return !what[0];
}

/* run() both until an exit other than NOTHING (at most `runs` times), comparing after each. */
static void jt_run(struct jt *t, unsigned runs, int line)
{
	for (unsigned i = 0; i < runs; i++) {
		int ra = fix_run(&t->on), rb = fix_run(&t->off);

		if (ra != rb) {
			test_fail_at(__FILE__, line, "run() returned %d with jit, %d without", ra,
				     rb);
			return;
		}
		if (!jt_same(t, line) || t->on.exit.reason != AXVM_EXIT_NOTHING)
			return;
	}
}

static const struct rv_jit_stats *jt_stats(struct jt *t)
{
	return rv_jit_stats(t->on.h->jit);
}

/* The ALU/M program: 200 rounds over an LCG's values and fixed corner values. */
#define JT_ALU_LEN 120
static void jt_alu_code(uint32_t *out)
{
	const uint32_t jt_alu[] = {
	    /* x5 = LCG state, x6 = multiplier, x7 = counter, x8 = 200, x31 = checksum */
	    /* loop: */
	    MULDIV(0, 5, 5, 6),
	    ADDI(5, 5, 1237),
	    /* mix of values: x9 = x5 >> 3, x10 = INT64_MIN, x11 = -1, x12 = 0, x13 = x5 w/ low bits
	     */
	    SRLI(9, 5, 3),
	    ADDI(11, 0, -1),
	    SLLI(10, 11, 63),
	    ADDI(12, 0, 0),
	    ANDI(13, 5, 7),
	    OPR(0, 0, 14, 5, 9),
	    ADD(31, 31, 14), /* add */
	    SUB(14, 5, 9),
	    XOR(31, 31, 14), /* sub */
	    OPR(1, 0, 14, 5, 13),
	    ADD(31, 31, 14), /* sll */
	    OPR(2, 0, 14, 5, 9),
	    ADD(31, 31, 14), /* slt */
	    OPR(3, 0, 14, 5, 9),
	    ADD(31, 31, 14), /* sltu */
	    OPR(5, 0, 14, 5, 13),
	    XOR(31, 31, 14), /* srl */
	    OPR(5, 0x20, 14, 5, 13),
	    ADD(31, 31, 14), /* sra */
	    OPR(6, 0, 14, 5, 9),
	    XOR(31, 31, 14), /* or */
	    OPR(7, 0, 14, 5, 9),
	    ADD(31, 31, 14), /* and */
	    OPW(0, 0, 14, 5, 9),
	    ADD(31, 31, 14), /* addw */
	    OPW(0, 0x20, 14, 5, 9),
	    XOR(31, 31, 14), /* subw */
	    OPW(1, 0, 14, 5, 9),
	    ADD(31, 31, 14), /* sllw */
	    OPW(5, 0, 14, 5, 9),
	    XOR(31, 31, 14), /* srlw */
	    OPW(5, 0x20, 14, 5, 9),
	    ADD(31, 31, 14), /* sraw */
	    OPI(2, 14, 5, -5),
	    ADD(31, 31, 14), /* slti */
	    OPI(3, 14, 5, -5),
	    ADD(31, 31, 14), /* sltiu */
	    OPI(4, 14, 5, -300),
	    XOR(31, 31, 14), /* xori */
	    OPI(6, 14, 5, 0x555),
	    ADD(31, 31, 14), /* ori */
	    SRAI(14, 5, 17),
	    XOR(31, 31, 14), /* srai */
	    OPIW(0, 14, 5, 2000),
	    ADD(31, 31, 14), /* addiw */
	    OPIW(1, 14, 5, 7),
	    XOR(31, 31, 14), /* slliw */
	    OPIW(5, 14, 5, 9),
	    ADD(31, 31, 14), /* srliw */
	    OPIW(5, 14, 5, 0x400 | 9),
	    XOR(31, 31, 14), /* sraiw */
	    MULDIV(1, 14, 5, 9),
	    ADD(31, 31, 14), /* mulh */
	    MULDIV(2, 14, 5, 9),
	    XOR(31, 31, 14), /* mulhsu */
	    MULDIV(2, 14, 10, 9),
	    ADD(31, 31, 14), /* mulhsu, negative */
	    MULDIV(3, 14, 5, 9),
	    ADD(31, 31, 14), /* mulhu */
	    MULDIVW(0, 14, 5, 9),
	    XOR(31, 31, 14), /* mulw */
	    MULDIV(4, 14, 5, 13),
	    ADD(31, 31, 14), /* div (13 may be 0) */
	    MULDIV(4, 14, 10, 11),
	    XOR(31, 31, 14), /* div overflow */
	    MULDIV(5, 14, 5, 13),
	    ADD(31, 31, 14), /* divu */
	    MULDIV(6, 14, 5, 13),
	    XOR(31, 31, 14), /* rem */
	    MULDIV(6, 14, 10, 11),
	    ADD(31, 31, 14), /* rem overflow */
	    MULDIV(7, 14, 5, 12),
	    XOR(31, 31, 14), /* remu by 0 */
	    MULDIVW(4, 14, 5, 13),
	    ADD(31, 31, 14), /* divw */
	    MULDIVW(4, 14, 10, 11),
	    XOR(31, 31, 14), /* divw: low words 0 / -1 */
	    MULDIVW(5, 14, 5, 12),
	    ADD(31, 31, 14), /* divuw by 0 */
	    MULDIVW(6, 14, 5, 13),
	    XOR(31, 31, 14), /* remw */
	    MULDIVW(6, 14, 5, 12),
	    ADD(31, 31, 14), /* remw by 0 */
	    MULDIVW(7, 14, 5, 13),
	    XOR(31, 31, 14), /* remuw */
	    LUI(14, 0x80000),
	    ADD(31, 31, 14), /* lui (negative) */
	    AUIPC(14, 0x12345),
	    XOR(31, 31, 14), /* auipc */
	    /* a store and a load of every width */
	    SD(31, 20, 0),
	    SW(5, 20, 8),
	    SH(5, 20, 12),
	    SB(5, 20, 14),
	    LB(14, 20, 14),
	    ADD(31, 31, 14),
	    LH(14, 20, 12),
	    ADD(31, 31, 14),
	    LW(14, 20, 8),
	    ADD(31, 31, 14),
	    LBU(14, 20, 8),
	    ADD(31, 31, 14),
	    LHU(14, 20, 8),
	    ADD(31, 31, 14),
	    LWU(14, 20, 8),
	    ADD(31, 31, 14),
	    LD(14, 20, 0),
	    ADD(31, 31, 14),
	    /* compare branches both ways */
	    BLT(5, 9, 8),
	    ADDI(31, 31, 1),
	    BGE(5, 9, 8),
	    ADDI(31, 31, 3),
	    BLTU(5, 9, 8),
	    ADDI(31, 31, 5),
	    BGEU(9, 5, 8),
	    ADDI(31, 31, 7),
	    ADDI(7, 7, 1),
	    BLT(7, 8, -4 * (JT_ALU_LEN - 2)),
	    EBREAK,
	};

	_Static_assert(sizeof(jt_alu) / 4 == JT_ALU_LEN, "the loop branch's offset counts on it");
	memcpy(out, jt_alu, sizeof(jt_alu));
}

static void jt_alu_setup(struct jt *t)
{
	jt_set(t, 5, 0x123456789abcdefull);
	jt_set(t, 6, 6364136223846793005ull);
	jt_set(t, 8, 200);
	jt_set(t, 20, DATA);
}

TEST(jit_alu_and_m_corner_cases_match_the_interpreter)
{
	struct jt t;
	uint32_t code[JT_ALU_LEN];

	jt_alu_code(code);
	if (!jt_init(&t, 100000, 0, code, JT_ALU_LEN))
		goto out;
	jt_alu_setup(&t);
	jt_run(&t, 100, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason); /* ebreak -> stvec -> wfi */
	CHECK_U64(200, t.on.h->x[7]);
	CHECK(jt_stats(&t)->blocks > 0);
	CHECK(jt_stats(&t)->runs > 0);
out:
	jt_fini(&t);
}

/* F/D (fd = f register), fcvt/fmv/compares between x and f; rm 7 = dynamic. */
#define FOP(f7, rd, a, b, rm) enc_r(0x53, rd, rm, a, b, f7)
#define FLD(rd, rs1, imm) enc_i(0x07, rd, 3, rs1, imm)
#define FLW(rd, rs1, imm) enc_i(0x07, rd, 2, rs1, imm)
#define FSD(rs2, rs1, imm) enc_s(0x27, 3, rs1, rs2, imm)
#define FSW(rs2, rs1, imm) enc_s(0x27, 2, rs1, rs2, imm)
#define ZB_U(bits, rd, a) ((bits) | (rd) << 7 | (a) << 15)
#define JT_AMO(f5, f3, rd, a, b)                                                                   \
	((uint32_t)(f5) << 27 | (b) << 20 | (a) << 15 | (f3) << 12 | (rd) << 7 | 0x2f)

TEST(jit_fp_zb_amo_and_fence_in_a_hot_loop_match_the_interpreter)
{
	/*
	 * F/D arithmetic through fpu.c (x registers read and written by it
	 * while they live in host registers), F/D loads and stores, the Zb*
	 * and Zicond rows called from translated code, AMOs and LR/SC through
	 * rv_amo_fast_run, and a fence, for 300
	 * rounds under budgets that cut the block everywhere; f registers,
	 * fcsr and sstatus compared besides the usual state.
	 */
	const uint32_t code[] = {
	    /* loop: */
	    FOP(0x69, 1, 5, 2, 7),    /* fcvt.d.l f1, x5 */
	    FLD(2, 20, 16),	      /* fld f2, 16(x20) */
	    FOP(0x09, 3, 1, 2, 7),    /* fmul.d f3, f1, f2 */
	    FOP(0x01, 2, 3, 1, 7),    /* fadd.d f2, f3, f1 */
	    FOP(0x0d, 4, 3, 2, 7),    /* fdiv.d f4, f3, f2 */
	    FSD(4, 20, 24),	      /* fsd f4, 24(x20) */
	    FSW(4, 20, 32),	      /* fsw f4, 32(x20) */
	    FLW(5, 20, 32),	      /* flw f5, 32(x20) */
	    FOP(0x51, 14, 4, 3, 2),   /* feq.d x14, f4, f3 */
	    ADD(31, 31, 14),	      /* */
	    FOP(0x71, 14, 4, 0, 0),   /* fmv.x.d x14, f4 */
	    XOR(31, 31, 14),	      /* */
	    FOP(0x61, 14, 3, 2, 1),   /* fcvt.l.d x14, f3, rtz */
	    ADD(31, 31, 14),	      /* */
	    FOP(0x00, 6, 5, 5, 7),    /* fadd.s f6, f5, f5 */
	    FSW(6, 20, 40),	      /* */
	    ZB_U(0x28705013u, 14, 5), /* orc.b x14, x5 */
	    ADD(31, 31, 14),
	    ZB_U(0x6b805013u, 14, 5), /* rev8 x14, x5 */
	    XOR(31, 31, 14),
	    ZB_U(0x60201013u, 14, 5), /* cpop x14, x5 */
	    ADD(31, 31, 14),
	    OPR(5, 0x30, 14, 5, 13), /* ror x14, x5, x13 */
	    XOR(31, 31, 14),
	    OPR(4, 0x10, 14, 5, 31), /* sh2add x14, x5, x31 */
	    ADD(31, 31, 14),
	    OPR(5, 0x07, 14, 5, 13), /* czero.eqz x14, x5, x13 */
	    XOR(31, 31, 14),
	    OPR(6, 0x05, 14, 5, 31), /* max x14, x5, x31 */
	    ADD(31, 31, 14),
	    JT_AMO(0x00, 3, 14, 21, 5), /* amoadd.d x14, x5, (x21) */
	    ADD(31, 31, 14),
	    JT_AMO(0x02, 3, 14, 21, 0),	 /* lr.d x14, (x21) */
	    JT_AMO(0x03, 3, 15, 21, 31), /* sc.d x15, x31, (x21) */
	    ADD(31, 31, 15),
	    JT_AMO(0x1c, 2, 14, 21, 5), /* amomaxu.w x14, x5, (x21) */
	    XOR(31, 31, 14),
	    0x0ff0000fu, /* fence */
	    MULDIV(0, 5, 5, 6),
	    ADDI(5, 5, 1237),
	    ANDI(13, 5, 7),
	    SD(31, 20, 0),
	    ADDI(7, 7, 1),
	    BLT(7, 8, -4 * 43),
	    EBREAK,
	};
	_Static_assert(sizeof(code) / 4 == 45, "the loop branch's offset counts on it");

	static const uint64_t budgets[] = {1, 3, 8, 13, 29, 37, 41, 100000};

	for (unsigned bi = 0; bi < sizeof(budgets) / sizeof(budgets[0]); bi++) {
		uint64_t budget = budgets[bi];
		struct jt t;

		if (!jt_init(&t, budget, 0, code, sizeof(code) / 4)) {
			jt_fini(&t);
			return;
		}
		jt_set(&t, 5, 0x123456789abcdefull);
		jt_set(&t, 6, 6364136223846793005ull);
		jt_set(&t, 8, 300);
		jt_set(&t, 20, DATA);
		jt_set(&t, 21, DATA + 48);
		t.on.h->sstatus |= 1ull << RV_SSTATUS_FS_SHIFT; /* FS = Initial */
		t.off.h->sstatus |= 1ull << RV_SSTATUS_FS_SHIFT;
		t.on.h->fpu.f[2] = t.off.h->fpu.f[2] = 0x3ff8000000000000ull; /* 1.5 */
		fix_wr64(&t.on, DATA + 16, 0x4005bf0a8b145769ull);	      /* e */
		fix_wr64(&t.off, DATA + 16, 0x4005bf0a8b145769ull);
		jt_run(&t, budget < 100000 ? 40000 : 100, __LINE__);
		CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
		CHECK_U64(300, t.on.h->x[7]);
		CHECK(memcmp(t.on.h->fpu.f, t.off.h->fpu.f, sizeof(t.on.h->fpu.f)) == 0);
		CHECK_U64(t.off.h->fpu.fcsr, t.on.h->fpu.fcsr);
		CHECK_U64(t.off.h->sstatus, t.on.h->sstatus);
		if (budget == 100000) /* ran translated, not just interpreted */
			CHECK(jt_stats(&t)->insns > 300 * 30);
		jt_fini(&t);
		if (test_failed_now())
			return;
	}
}

TEST(jit_budget_cuts_blocks_exactly_at_every_length)
{
	/* Budgets 1..70 in lockstep: every run() ends after exactly that many instructions. */
	uint32_t code[JT_ALU_LEN];

	jt_alu_code(code);
	for (uint64_t budget = 1; budget <= 70; budget += 3) {
		struct jt t;

		if (!jt_init(&t, budget, 0, code, JT_ALU_LEN)) {
			jt_fini(&t);
			return;
		}
		jt_alu_setup(&t);
		jt_run(&t, 4000, __LINE__);
		CHECK(jt_stats(&t)->runs > 0);
		jt_fini(&t);
		if (test_failed_now())
			return;
	}
}

TEST(jit_self_modifying_code_in_a_hot_block_with_fence_i)
{
	/* After 50 rounds the loop patches its own first instruction to add 2 instead of 1. */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),   /* P+0: patched */
	    ADDI(6, 6, 1),   /* P+4 */
	    BNE(6, 7, 12),   /* P+8: x7 = 50 */
	    SW(8, 9, 0),     /* P+12: x9 = P, x8 = addi x5, x5, 2 */
	    FENCE_I,	     /* P+16 */
	    BLT(6, 10, -20), /* P+20: x10 = 100 */
	    EBREAK,
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 7, 50);
	jt_set(&t, 8, ADDI(5, 5, 2));
	jt_set(&t, 9, P);
	jt_set(&t, 10, 100);
	jt_run(&t, 10, __LINE__);
	CHECK_U64(50 + 2 * 50, t.on.h->x[5]);
	CHECK(jt_stats(&t)->runs > 0);
out:
	jt_fini(&t);
}

TEST(jit_store_into_the_running_block_takes_effect_at_once)
{
	/*
	 * Every 32nd round rewrites an instruction further on in the same
	 * block (to add 3, or 1 again); this hart's own stores reach its
	 * decoded code at once (dcache.h), so the translated block must leave
	 * before the store and never run the old instruction again.
	 */
	const uint32_t code[] = {
	    ADDI(6, 6, 1),    /* P+0 */
	    ANDI(11, 6, 31),  /* P+4 */
	    BNE(11, 0, 20),   /* P+8: -> P+28 */
	    ANDI(11, 6, 32),  /* P+12 */
	    SLLI(11, 11, 16), /* P+16: bit 5 -> imm bit 1 */
	    ADD(12, 8, 11),   /* P+20: x8 = addi x5, x5, 1 */
	    SW(12, 9, 32),    /* P+24: x9 = P */
	    NOP,	      /* P+28 */
	    ADDI(5, 5, 1),    /* P+32: rewritten */
	    BLT(6, 10, -36),  /* P+36: x10 = 300 */
	    EBREAK,
	};
	uint64_t expect = 0, imm = 1;
	struct jt t;

	for (unsigned i = 1; i <= 300; i++) {
		if (i % 32 == 0)
			imm = (i & 32) ? 3 : 1;
		expect += imm;
	}
	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 8, ADDI(5, 5, 1));
	jt_set(&t, 9, P);
	jt_set(&t, 10, 300);
	jt_run(&t, 10, __LINE__);
	CHECK_U64(expect, t.on.h->x[5]);
	CHECK(jt_stats(&t)->runs > 0);
out:
	jt_fini(&t);
}

TEST(jit_fault_in_the_middle_of_a_block_is_precise)
{
	/*
	 * A hot loop walks a load and a store towards the end of RAM; the
	 * access past it faults mid-block: pc, instret and every earlier
	 * instruction's effect must be exactly the interpreter's.
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1), /* P+0 */
	    LD(6, 7, 0),   /* P+4: faults first */
	    ADD(8, 8, 6),  /* P+8 */
	    SD(8, 9, 0),   /* P+12 */
	    ADDI(7, 7, 8), /* P+16 */
	    ADDI(9, 9, 8), /* P+20 */
	    J(-24),
	};
	struct jt t;

	for (unsigned store_first = 0; store_first < 2; store_first++) {
		if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4)) {
			jt_fini(&t);
			return;
		}
		/* Whichever pointer reaches the end first faults; the other stays in RAM. */
		jt_set(&t, 7, store_first ? DATA : RAM_BASE + RAM_SIZE - 8 * 300);
		jt_set(&t, 9, store_first ? RAM_BASE + RAM_SIZE - 8 * 300 : DATA);
		jt_run(&t, 10, __LINE__);
		CHECK(t.on.exit.reason != AXVM_EXIT_NOTHING);
		CHECK_U64(301, t.on.h->x[5]); /* the 301st round faults after its addi */
		CHECK(jt_stats(&t)->runs > 0);
		jt_fini(&t);
		if (test_failed_now())
			return;
	}
}

TEST(jit_misaligned_access_delegated_by_fwft_traps_in_a_hot_loop)
{
	/*
	 * SBI FWFT's MISALIGNED_EXC_DELEG: the guest takes misaligned traps
	 * itself. A hot loop's load turns misaligned in round 128 (long after
	 * the block was translated): it must trap exactly as interpreted.
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),   /* P+0 */
	    SRAI(12, 5, 7),  /* P+4: 0 for rounds 1..127, then 1 */
	    ADD(13, 20, 12), /* P+8 */
	    LD(6, 13, 0),    /* P+12 */
	    J(-16),
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 20, DATA);
	t.on.h->sbi.misaligned_deleg = t.off.h->sbi.misaligned_deleg = true;
	rv_sbi_update_misaligned(t.on.h);
	rv_sbi_update_misaligned(t.off.h);
	jt_run(&t, 10, __LINE__);
	CHECK_U64(RV_EXC_LOAD_MISALIGNED, t.on.h->scause);
	CHECK_U64(P + 12, t.on.h->sepc);
	CHECK_U64(128, t.on.h->x[5]);
out:
	jt_fini(&t);
}

TEST(jit_interrupts_posted_during_a_hot_loop_are_taken_at_the_batch_edge)
{
	const uint32_t code[] = {ADDI(5, 5, 1), ADDI(6, 6, 2), J(-8)};
	struct jt t;

	if (!jt_init(&t, 5000, 0, code, sizeof(code) / 4))
		goto out;
	t.on.h->sie = t.off.h->sie = 1u << RV_IRQ_SSI;
	t.on.h->sstatus = t.off.h->sstatus = RV_SSTATUS_SIE;
	for (unsigned i = 0; i < 7; i++) {
		jt_run(&t, 1, __LINE__); /* the budget ends each run exactly */
		CHECK_U64(5000ull * (i + 1), t.on.h->instret);
	}
	rv_hart_post_interrupt(t.on.h, RV_IRQ_SSI);
	rv_hart_post_interrupt(t.off.h, RV_IRQ_SSI);
	jt_run(&t, 3, __LINE__);
	CHECK_U64(RV_CAUSE_INTERRUPT | RV_IRQ_SSI, t.on.h->scause);
	CHECK(t.on.h->sepc >= P && t.on.h->sepc < P + 12);
	CHECK(jt_stats(&t)->runs > 0);
out:
	jt_fini(&t);
}

TEST(jit_tiny_code_cache_is_emptied_and_refilled)
{
	/*
	 * 60 little hot loops, each its own block (the jal to the next one ends
	 * it: a block would otherwise take the loops after it in as inner
	 * loops), in a cache of RV_JIT_MIN_CACHE bytes.
	 */
	enum { LOOPS = 60, PER = 7 };
	uint32_t code[LOOPS * PER + 1];
	struct jt t;

	for (unsigned i = 0; i < LOOPS; i++) {
		uint32_t *c = &code[i * PER];

		c[0] = ADDI(6, 0, 40);
		c[1] = ADDI(5, 5, (int32_t)i + 1);
		c[2] = SD(5, 20, (int32_t)(8 * (i % 64)));
		c[3] = LD(7, 20, (int32_t)(8 * ((i + 1) % 64)));
		c[4] = ADDI(6, 6, -1);
		c[5] = BNE(6, 0, -16);
		c[6] = J(4);
	}
	code[LOOPS * PER] = EBREAK;
	if (!jt_init(&t, 100000, RV_JIT_MIN_CACHE, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 20, DATA);
	jt_run(&t, 100, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	CHECK(jt_stats(&t)->flushes > 0);
	CHECK(jt_stats(&t)->blocks >= LOOPS);
out:
	jt_fini(&t);
}

/* Sv39 for the remap test: RAM identity (a gigapage) and one 4 KiB page at JT_VA. */
#define JT_ROOT (RAM_BASE + 0x100000)
#define JT_L1 (RAM_BASE + 0x101000)
#define JT_L0 (RAM_BASE + 0x102000)
#define JT_PAGE_A (RAM_BASE + 0x30000)
#define JT_PAGE_B (RAM_BASE + 0x31000)
#define JT_VA 0x40000000ull

static uint64_t jt_pte(uint64_t pa, unsigned flags)
{
	return (pa >> 12) << 10 | flags;
}

static void jt_sv39(struct hart_fix *f)
{
	const uint32_t a[] = {ADDI(5, 5, 1), JALR(0, 1, 0)}, b[] = {ADDI(5, 5, 100), JALR(0, 1, 0)};

	fix_code(f, JT_PAGE_A, a, 2);
	fix_code(f, JT_PAGE_B, b, 2);
	fix_wr64(f, JT_ROOT + 2 * 8, jt_pte(RAM_BASE, 0xcf)); /* V R W X A D */
	fix_wr64(f, JT_ROOT + 1 * 8, jt_pte(JT_L1, 1));
	fix_wr64(f, JT_L1, jt_pte(JT_L0, 1));
	fix_wr64(f, JT_L0, jt_pte(JT_PAGE_A, 0x4b)); /* V R X A */
	f->h->satp = 8ull << 60 | (JT_ROOT >> 12);
}

TEST(jit_chained_blocks_follow_a_remapped_page)
{
	/*
	 * A hot loop calls a routine on another page (the call and the return
	 * chain block to block across pages); after 200 rounds it points that
	 * page's PTE at other code and runs sfence.vma: the next call must run
	 * the new code, not a chain into the old page's block.
	 */
	const uint32_t code[] = {
	    ADDI(7, 7, 1),  /* P+0 */
	    JALR(1, 10, 0), /* P+4: x10 = JT_VA */
	    BNE(7, 8, 12),  /* P+8: x8 = 200 */
	    SD(12, 13, 0),  /* P+12: x13 = &L0[0], x12 = the PTE of page B */
	    SFENCE_VMA,	    /* P+16 */
	    BLT(7, 9, -20), /* P+20: x9 = 400 */
	    EBREAK,
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_sv39(&t.on);
	jt_sv39(&t.off);
	jt_set(&t, 8, 200);
	jt_set(&t, 9, 400);
	jt_set(&t, 10, JT_VA);
	jt_set(&t, 12, jt_pte(JT_PAGE_B, 0x4b));
	jt_set(&t, 13, JT_L0);
	jt_run(&t, 20, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	CHECK_U64(200 * 1 + 200 * 100, t.on.h->x[5]);
	CHECK(jt_stats(&t)->blocks >= 2);
out:
	jt_fini(&t);
}

/*
 * A hot loop that stores to and loads from a device register through the
 * VM's MMIO fast path (h->mmio_access): translated code leaves its block at
 * the access (a TLB miss), exec.c makes it and holds translated code off
 * for a few instructions; registers, pc and instret match the interpreter
 * and every access reaches the device once.
 */
struct jt_dev {
	uint8_t reg[8];
	unsigned calls;
};

static int jt_dev_access(void *opaque, uint64_t addr, unsigned width, uint64_t *value, bool write)
{
	struct jt_dev *d = opaque;
	unsigned off = (unsigned)(addr - MMIO_BASE) & 7;

	d->calls++;
	if (write)
		d->reg[off] = (uint8_t)*value;
	else
		*value = d->reg[off];
	return 0;
}

TEST(jit_hot_loop_with_fast_path_mmio_matches_the_interpreter)
{
	/*
	 * sb x0, 0(x5); lbu x0, 0(x5) (both exit: the MMIO TLB learns the
	 * page), then 2000 rounds of: a store and a load of the register, and
	 * an inner loop of 80 instructions, long enough to run translated.
	 */
	const uint32_t code[] = {SB(0, 5, 0),
				 LBU(0, 5, 0),
				 ADDI(6, 6, 1),
				 SB(6, 5, 1),
				 LBU(7, 5, 1),
				 ADD(8, 8, 7),
				 ADDI(11, 0, 40),
				 ADDI(11, 11, -1),
				 BNE(11, 0, -4),
				 ADDI(9, 9, -1),
				 BNE(9, 0, -32),
				 ADDI(10, 10, 1),
				 WFI};
	struct jt_dev don = {0}, doff = {0};
	uint64_t sum = 0;
	struct jt t;

	if (!jt_init(&t, 1000000, 0, code, sizeof(code) / 4))
		goto out;
	t.on.h->mmio_access = jt_dev_access;
	t.on.h->mmio_opaque = &don;
	t.off.h->mmio_access = jt_dev_access;
	t.off.h->mmio_opaque = &doff;
	jt_set(&t, 5, MMIO_BASE);
	jt_set(&t, 9, 2000);
	jt_run(&t, 1, __LINE__);
	CHECK_INT(AXVM_EXIT_MMIO_WRITE, t.on.exit.reason);
	jt_run(&t, 1, __LINE__);
	CHECK_INT(AXVM_EXIT_MMIO_READ, t.on.exit.reason);
	jt_run(&t, 4, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	for (unsigned i = 1; i <= 2000; i++)
		sum += i & 0xff;
	CHECK_U64(sum, t.on.h->x[8]);
	CHECK_U64(1, t.on.h->x[10]);
	CHECK_INT(4000, (int)don.calls);
	CHECK_INT(4000, (int)doff.calls);
	CHECK(jt_stats(&t)->runs > 0);
out:
	jt_fini(&t);
}

#define JT_DPAGES 8
#define JT_DATA_PA (RAM_BASE + 0x40000)

/* Sv39 as jt_sv39, plus JT_DPAGES data pages at JT_VA + 4 KiB.. with A and D clear; the next
 * unmapped. */
static void jt_sv39_data(struct hart_fix *f)
{
	jt_sv39(f);
	for (unsigned i = 1; i <= JT_DPAGES; i++)
		fix_wr64(f, JT_L0 + 8 * i, jt_pte(JT_DATA_PA + 0x1000 * i, 0x07)); /* V R W */
}

TEST(jit_tlb_misses_in_a_block_are_refilled_in_place_with_a_d_updates_and_exact_faults)
{
	/*
	 * A hot loop loads and stores 32 times on each of 8 data pages in turn
	 * (each one's PTE with A and D clear), then reaches an unmapped page.
	 * Moving to a new page misses the TLB inside the translated block: the
	 * refill walks (setting A, and D for the store, as the interpreter's
	 * walk does) and the block goes on; the unmapped page must still raise
	 * a precise load page fault.
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),   /* P+0 */
	    LD(6, 7, 0),     /* P+4 */
	    ADD(8, 8, 6),    /* P+8 */
	    SD(8, 7, 8),     /* P+12 */
	    ANDI(11, 5, 31), /* P+16 */
	    BNE(11, 0, -20), /* P+20 */
	    ADD(7, 7, 12),   /* P+24: the next page */
	    J(-28),	     /* P+28 */
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_sv39_data(&t.on);
	jt_sv39_data(&t.off);
	for (unsigned i = 1; i <= JT_DPAGES; i++) {
		fix_wr64(&t.on, JT_DATA_PA + 0x1000 * i, i);
		fix_wr64(&t.off, JT_DATA_PA + 0x1000 * i, i);
	}
	jt_set(&t, 7, JT_VA + 0x1000);
	jt_set(&t, 12, 0x1000);
	jt_run(&t, 20, __LINE__);
	CHECK_U64(RV_EXC_LOAD_PAGE, t.on.h->scause);
	CHECK_U64(JT_VA + 0x1000 * (JT_DPAGES + 1), t.on.h->stval);
	CHECK_U64(P + 4, t.on.h->sepc);
	CHECK_U64(32 * JT_DPAGES + 1, t.on.h->x[5]);
	for (unsigned i = 1; i <= JT_DPAGES; i++) {
		CHECK_U64(jt_pte(JT_DATA_PA + 0x1000 * i, 0xc7), fix_rd64(&t.on, JT_L0 + 8 * i));
		CHECK_U64(fix_rd64(&t.off, JT_DATA_PA + 0x1000 * i + 8),
			  fix_rd64(&t.on, JT_DATA_PA + 0x1000 * i + 8));
	}
	/* the pages after the first were reached inside the block (fails if each miss left it) */
	CHECK(jt_stats(&t)->refills >= 2 * (JT_DPAGES - 1));
out:
	jt_fini(&t);
}

/*
 * Zicsr inside blocks (jit_csr.c): the CSRs without side effects a block
 * could miss run through a call and the block goes on; a write that makes
 * an interrupt deliverable leaves block and batch right after it; a CSR
 * access the call refuses (privilege) leaves before it, exactly.
 */
#define CSRRCI(rd, csr, uimm) enc_i(0x73, rd, 7, uimm, (int32_t)(csr))
#define AND(rd, a, b) OPR(7, 0, rd, a, b)
#define JT_SSCRATCH 0x140
#define JT_STVAL 0x143

TEST(jit_csr_reads_and_writes_in_a_hot_loop_match_the_interpreter_inside_blocks)
{
	const uint32_t code[] = {
	    ADDI(5, 5, 1),	       /* P+0 */
	    CSRRW(6, JT_SSCRATCH, 5),  /* P+4: x6 = the previous round's x5 */
	    CSRRS(7, CSR_SSTATUS, 8),  /* P+8: SUM on (x8), x7 = old */
	    CSRRC(0, CSR_SSTATUS, 8),  /* P+12: SUM off */
	    CSRRCI(9, CSR_SSTATUS, 2), /* P+16: SIE off, x9 = old */
	    CSRRW(0, JT_STVAL, 5),     /* P+20 */
	    CSRRS(10, CSR_SEPC, 0),    /* P+24: a read */
	    ADD(11, 11, 6),	       /* P+28 */
	    CSRRS(12, CSR_SATP, 0),    /* P+32: a read of a CSR written outside blocks */
	    CSRRSI(0, CSR_SSTATUS, 0), /* P+36: reads only (uimm 0) */
	    BLT(5, 13, -40),	       /* P+40: x13 = 2000 */
	    EBREAK,
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 8, RV_SSTATUS_SUM);
	jt_set(&t, 13, 2000);
	t.on.h->sepc = t.off.h->sepc = 0x1234;
	jt_run(&t, 10, __LINE__);
	CHECK_U64(1999ull * 2000 / 2, t.on.h->x[11]);
	CHECK_U64(t.off.h->sstatus, t.on.h->sstatus);
	CHECK_U64(t.off.h->sscratch, t.on.h->sscratch);
	CHECK_U64(2000, t.on.h->sscratch);
	/* Without CSRs in blocks, each one ends the block: under a third would run there. */
	CHECK(jt_stats(&t)->insns * 10 >= t.on.h->instret * 9);
out:
	jt_fini(&t);
}

/*
 * A hot loop that turns interrupts on and off (sstatus.SIE, or sie with
 * SIE set): once a software interrupt is pending, it must be taken right
 * after the write that enables it, as the interpreter does.
 */
static void jt_csr_irq(bool via_sie, int line)
{
	const uint32_t by_sstatus[] = {
	    ADDI(5, 5, 1),	       /* P+0 */
	    CSRRSI(0, CSR_SSTATUS, 2), /* P+4: SIE on */
	    ADDI(6, 6, 1),	       /* P+8: the interrupt's sepc */
	    CSRRCI(0, CSR_SSTATUS, 2), /* P+12: SIE off */
	    J(-16),
	};
	const uint32_t by_sie[] = {
	    ADDI(5, 5, 1),	  /* P+0 */
	    CSRRS(0, CSR_SIE, 7), /* P+4: SSIE on (x7) */
	    ADDI(6, 6, 1),	  /* P+8 */
	    CSRRC(0, CSR_SIE, 7), /* P+12 */
	    J(-16),
	};
	struct jt t;

	if (!jt_init(&t, 5000, 0, via_sie ? by_sie : by_sstatus, 5))
		goto out;
	jt_set(&t, 7, 1u << RV_IRQ_SSI);
	t.on.h->sie = t.off.h->sie = via_sie ? 0 : 1u << RV_IRQ_SSI;
	t.on.h->sstatus = t.off.h->sstatus = via_sie ? RV_SSTATUS_SIE : 0;
	jt_run(&t, 5, line);
	CHECK_U64(25000, t.on.h->instret);
	rv_hart_post_interrupt(t.on.h, RV_IRQ_SSI);
	rv_hart_post_interrupt(t.off.h, RV_IRQ_SSI);
	jt_run(&t, 1, line);
	CHECK_U64(RV_CAUSE_INTERRUPT | RV_IRQ_SSI, t.on.h->scause);
	CHECK_U64(P + 8, t.on.h->sepc);
	CHECK(jt_stats(&t)->insns > 20000);
out:
	jt_fini(&t);
}

TEST(jit_csr_write_enabling_a_pending_interrupt_in_a_block_takes_it_at_once)
{
	jt_csr_irq(false, __LINE__);
	if (!test_failed_now())
		jt_csr_irq(true, __LINE__);
}

TEST(jit_csr_access_refused_in_a_block_traps_with_exact_pc_and_instret)
{
	/* Hot in S-mode; then the same block in U-mode, where sscratch is illegal. */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),	      /* P+0 */
	    CSRRS(6, JT_SSCRATCH, 0), /* P+4 */
	    ADD(7, 7, 6),	      /* P+8 */
	    BLT(5, 13, -12),	      /* P+12 */
	    J(-16),
	};
	struct jt t;

	if (!jt_init(&t, 1000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 13, 100000);
	t.on.h->sscratch = t.off.h->sscratch = 3;
	jt_run(&t, 3, __LINE__);
	CHECK(jt_stats(&t)->insns > 2000);
	t.on.h->priv = t.off.h->priv = RV_PRIV_U;
	jt_run(&t, 3, __LINE__);
	CHECK_U64(RV_EXC_ILLEGAL, t.on.h->scause);
	CHECK_U64(P + 4, t.on.h->sepc);
	CHECK_U64(RV_PRIV_S, t.on.h->priv);
out:
	jt_fini(&t);
}

TEST(jit_sstatus_write_turning_fs_off_in_a_block_makes_the_next_fp_insn_trap)
{
	/*
	 * The block's first fadd finds FS on; in round 128 the csrrc turns FS
	 * off, so the second fadd of the same block must raise an illegal
	 * instruction (the translator must not trust its earlier check).
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),	       /* P+0 */
	    SRLI(12, 5, 7),	       /* P+4 */
	    ANDI(12, 12, 1),	       /* P+8 */
	    SUB(12, 0, 12),	       /* P+12: 0 or -1 */
	    AND(12, 12, 7),	       /* P+16: x7 = FS */
	    FOP(0x01, 1, 1, 2, 7),     /* P+20: fadd.d f1, f1, f2 */
	    CSRRC(0, CSR_SSTATUS, 12), /* P+24 */
	    FOP(0x01, 3, 3, 2, 7),     /* P+28: fadd.d f3, f3, f2 */
	    J(-32),
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 7, RV_SSTATUS_FS);
	t.on.h->sstatus = t.off.h->sstatus = RV_SSTATUS_FS;
	/* 1.0 each: normal results, which the inline SSE path keeps (no call checking FS). */
	for (unsigned i = 1; i <= 3; i++)
		t.on.h->fpu.f[i] = t.off.h->fpu.f[i] = 0x3ff0000000000000ull;
	jt_run(&t, 3, __LINE__);
	CHECK_U64(RV_EXC_ILLEGAL, t.on.h->scause);
	CHECK_U64(P + 28, t.on.h->sepc);
	CHECK_U64(128, t.on.h->x[5]);
	CHECK_U64(t.off.h->fpu.f[3], t.on.h->fpu.f[3]);
	CHECK(jt_stats(&t)->insns > 1000);
out:
	jt_fini(&t);
}

TEST(jit_amo_missing_the_tlb_in_a_block_is_refilled_in_place)
{
	/* amoadd.d on 600 pages, each touched once: every one misses this mode's TLB. */
	const uint32_t code[] = {
	    JT_AMO(0x00, 3, 6, 20, 7), /* P+0: amoadd.d x6, x7, (x20) */
	    ADD(21, 21, 6),	       /* P+4 */
	    ADDI(20, 20, 2047),	       /* P+8 */
	    ADDI(20, 20, 2047),	       /* P+12 */
	    ADDI(20, 20, 2),	       /* P+16: the next page */
	    ADDI(5, 5, 1),	       /* P+20 */
	    BLT(5, 13, -24),	       /* P+24: x13 = 600 */
	    EBREAK,
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 7, 5);
	jt_set(&t, 13, 600);
	jt_set(&t, 20, DATA);
	jt_run(&t, 10, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	CHECK_U64(5, fix_rd64(&t.on, DATA));
	CHECK_U64(5, fix_rd64(&t.on, DATA + 599 * 4096));
	/* Without the refill each of the 600 misses leaves the block: under 90 % there. */
	CHECK(jt_stats(&t)->insns * 10 >= t.on.h->instret * 9);
out:
	jt_fini(&t);
}

TEST(jit_translation_time_is_measured_only_when_profiling)
{
	/* CLOCK_THREAD_CPUTIME_ID is a system call: none per block unless AXVM_JIT_STATS=1. */
	const uint32_t code[] = {ADDI(5, 5, 1), BLT(5, 13, -4), EBREAK};
	char *old = getenv("AXVM_JIT_STATS") ? strdup(getenv("AXVM_JIT_STATS")) : NULL;
	struct jt t;

	unsetenv("AXVM_JIT_STATS");
	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 13, 1000);
	jt_run(&t, 10, __LINE__);
	CHECK(jt_stats(&t)->blocks > 0);
	CHECK_U64(0, jt_stats(&t)->translate_ns);
out:
	jt_fini(&t);
	if (old)
		setenv("AXVM_JIT_STATS", old, 1);
	free(old);
}

TEST(jit_guessed_addends_of_computed_loads_follow_every_page_change)
{
	/*
	 * Loads at computed addresses (a page index shifted and added: the
	 * fused add+load, and a plain load off an xor'ed register) guess the
	 * TLB addend their site used last (jit_tlb). The 8 data pages are
	 * mapped in reverse physical order, so consecutive iterations touch
	 * pages with different addends: every guess is wrong, the entry's
	 * addend must be the one used, and the sums must match the interpreter.
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),    /* P+0 */
	    ANDI(11, 5, 7),   /* P+4: the page index */
	    SLLI(11, 11, 12), /* P+8 */
	    ADD(11, 11, 7),   /* P+12 (fused with the next) */
	    LD(6, 11, 8),     /* P+16 */
	    XOR(13, 11, 0),   /* P+20 */
	    LD(14, 13, 16),   /* P+24 */
	    ADD(8, 8, 6),     /* P+28 */
	    ADD(8, 8, 14),    /* P+32 */
	    BNE(5, 9, -36),   /* P+36 */
	    EBREAK,
	};
	struct jt t;
	uint64_t want = 0, used = 0;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	for (unsigned s = 0; s < 2; s++) {
		struct hart_fix *f = s ? &t.off : &t.on;

		jt_sv39(f);
		for (unsigned i = 1; i <= JT_DPAGES; i++) {
			uint64_t pa = JT_DATA_PA + 0x1000 * (JT_DPAGES + 1 - i);

			fix_wr64(f, JT_L0 + 8 * i, jt_pte(pa, 0xc7)); /* V R W A D */
			fix_wr64(f, pa + 8, i);
			fix_wr64(f, pa + 16, 1000 * i);
		}
	}
	jt_set(&t, 7, JT_VA + 0x1000);
	jt_set(&t, 9, 2000);
	jt_run(&t, 20, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	for (unsigned n = 1; n <= 2000; n++)
		want += 1001 * ((n & 7) + 1);
	CHECK_U64(want, t.on.h->x[8]);
	CHECK(jt_stats(&t)->runs > 0);
	/* the loads guessed (fails if no site used a guess slot) */
	for (unsigned i = 0; i < RV_JIT_GUESSES; i++)
		used |= t.on.h->jit_guess[i];
	CHECK(used != 0);
out:
	jt_fini(&t);
}

TEST(jit_moves_in_place_operations_and_shift_pairs_match_the_interpreter)
{
	/*
	 * The forms jit.c translates shorter than their recipe (jit_alu_simple,
	 * jit_shifts_in_place): add/or/xor with x0 as either operand or a zero
	 * immediate (moves), an immediate op on x0 (a constant), add/and/or/xor
	 * whose rd is their rs2, slli+srli pairs into one register (by 32 and
	 * 30, 32 and 32, 3 and 5), each with rd cached or not, folded into x31.
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1237),	/* P+0: x5 = a changing value */
	    ADD(6, 0, 5),	/* c.mv */
	    OPR(6, 0, 7, 6, 0), /* or x7, x6, x0 */
	    XOR(8, 0, 7),	/* xor x8, x0, x7 */
	    ADDI(9, 8, 0),	/* mv */
	    OPI(4, 10, 0, -77), /* xori x10, x0, -77 */
	    ADD(9, 10, 9),	/* rd = rs2 */
	    OPR(7, 0, 9, 5, 9), /* and x9, x5, x9 */
	    XOR(9, 5, 9),
	    OPR(6, 0, 9, 6, 9), /* or */
	    SLLI(11, 9, 32),
	    SRLI(11, 11, 30),
	    SLLI(12, 5, 32),
	    SRLI(12, 12, 32),
	    SLLI(13, 9, 3),
	    SRLI(13, 13, 5),
	    SLLI(25, 5, 32), /* x25-x27: fewer uses, likely in memory */
	    SRLI(25, 25, 31),
	    ADD(26, 0, 25),
	    XOR(27, 5, 26),
	    ADD(31, 31, 9),
	    ADD(31, 31, 11),
	    XOR(31, 31, 12),
	    ADD(31, 31, 13),
	    XOR(31, 31, 27),
	    ADD(31, 31, 10),
	    ADDI(14, 14, 1),
	    BNE(14, 15, -108), /* back to P+0 */
	    EBREAK,
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 5, 0x8123456789abcdefull);
	jt_set(&t, 15, 500);
	jt_run(&t, 20, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	CHECK_U64(500, t.on.h->x[14]);
	CHECK(jt_stats(&t)->insns > 400 * 28);
out:
	jt_fini(&t);
}

TEST(jit_patched_chains_die_with_their_page)
{
	/*
	 * Block A (P+0: addi, j) chains to P+12 before that slot has a block:
	 * its exit is a table lookup until B (P+12: addi, bne back to A) is
	 * translated, then a patched direct jump. After 300 rounds the loop
	 * rewrites B's first instruction (a store into the page resets its
	 * slots and translations) and runs fence.i: A and B are translated
	 * again, the new A's chain is patched to the new B, and the new
	 * instruction is what runs (x6 = 300 * 2 + 300 * 3).
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),   /* P+0: A */
	    J(8),	     /* P+4 -> P+12 */
	    EBREAK,	     /* P+8: never */
	    ADDI(6, 6, 2),   /* P+12: B (rewritten to addi x6, x6, 3) */
	    BNE(5, 8, -16),  /* P+16 -> A */
	    ADDI(8, 8, 300), /* P+20 */
	    SW(12, 13, 0),   /* P+24: x13 = P+12 */
	    FENCE_I,	     /* P+28 */
	    BLT(5, 9, -32),  /* P+32 -> A while x5 < 600 */
	    EBREAK,
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 8, 300);
	jt_set(&t, 9, 600);
	jt_set(&t, 12, ADDI(6, 6, 3));
	jt_set(&t, 13, P + 12);
	jt_run(&t, 40, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	CHECK_U64(300 * 2 + 300 * 3, t.on.h->x[6]);
	CHECK(jt_stats(&t)->patched >= 2); /* once per generation of the page */
out:
	jt_fini(&t);
}

TEST(jit_branches_with_only_rs2_cached_swap_their_condition)
{
	/*
	 * Branches whose rs1 is in memory (x0, or x28, used too little to get
	 * a host register) and whose rs2 is cached compare rs2 with rs1 and
	 * take the swapped condition (jit_branch_cmp): every signed and
	 * unsigned condition, with x5 going through both signs, counted in x7
	 * and x8 by the increments the branches skip.
	 */
	const uint32_t code[] = {
	    ADD(5, 5, 6),    /* P+0 */
	    BLT(0, 5, 8),    /* 0 < x5 */
	    ADDI(7, 7, 1),   /**/
	    BGE(0, 5, 8),    /**/
	    ADDI(7, 7, 3),   /**/
	    BLTU(0, 5, 8),   /**/
	    ADDI(7, 7, 5),   /**/
	    BGEU(0, 5, 8),   /**/
	    ADDI(7, 7, 7),   /**/
	    BLT(28, 5, 8),   /* x28 < x5 */
	    ADDI(8, 8, 1),   /**/
	    BGEU(28, 5, 8),  /**/
	    ADDI(8, 8, 3),   /**/
	    BGE(28, 5, 8),   /**/
	    ADDI(8, 8, 5),   /**/
	    ADD(11, 11, 12), /* fillers: x11-x14 outrank x28 for host registers */
	    ADD(12, 12, 13), /**/
	    ADD(13, 13, 14), /**/
	    ADD(14, 14, 11), /**/
	    XOR(11, 11, 13), /**/
	    XOR(12, 12, 14), /**/
	    ADDI(9, 9, 1),   /**/
	    BNE(9, 10, -88), /* back to P+0 */
	    EBREAK,
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 6, 0x9e3779b97f4a7c15ull);
	jt_set(&t, 10, 3000);
	jt_set(&t, 11, 1);
	jt_set(&t, 28, (uint64_t)-5);
	jt_run(&t, 20, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	CHECK_U64(3000, t.on.h->x[9]);
	CHECK(t.on.h->x[7] > 3000 && t.on.h->x[8] > 3000); /* both ways, every condition */
	CHECK(jt_stats(&t)->insns > 2000 * 23);
out:
	jt_fini(&t);
}

TEST(jit_inner_jumps_keep_budget_instret_and_faults_exact)
{
	/*
	 * One block holding a forward branch into itself (P+8 -> P+20), an
	 * inner loop (P+32 -> P+24) and a loop on its start (P+48 -> P+0):
	 * the branches jump inside the block with r12 re-based to the target
	 * (jit_inner_jump). Budgets from 1 to 60 cut every path at every
	 * length, and a load walking off the end of RAM faults after the
	 * inner loop: registers, pc, instret and the trap must match the
	 * interpreter after every run().
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),    /* P+0 */
	    ANDI(11, 5, 1),   /* P+4 */
	    BEQ(11, 0, 12),   /* P+8 -> P+20 on even rounds */
	    ADDI(6, 6, 1),    /* P+12 */
	    ADDI(6, 6, 2),    /* P+16 */
	    ADDI(12, 0, 5),   /* P+20 */
	    ADDI(7, 7, 3),    /* P+24: inner loop */
	    ADDI(12, 12, -1), /* P+28 */
	    BNE(12, 0, -8),   /* P+32 -> P+24 */
	    LD(8, 13, 0),     /* P+36: faults at the end of RAM */
	    ADD(14, 14, 8),   /* P+40 */
	    ADDI(13, 13, 8),  /* P+44 */
	    BNE(5, 9, -48),   /* P+48 -> P+0 */
	    EBREAK,
	};

	for (uint64_t budget = 1; budget <= 61; budget += 4) {
		struct jt t;

		if (!jt_init(&t, budget == 61 ? 100000 : budget, 0, code, sizeof(code) / 4)) {
			jt_fini(&t);
			return;
		}
		jt_set(&t, 9, 1000);
		jt_set(&t, 13, RAM_BASE + RAM_SIZE - 8 * 400);
		jt_run(&t, 20000, __LINE__);
		CHECK(t.on.exit.reason != AXVM_EXIT_NOTHING);
		CHECK_U64(401, t.on.h->x[5]); /* the 401st round faults at its load */
		CHECK_U64(RV_EXC_LOAD_ACCESS, t.on.h->scause);
		CHECK(jt_stats(&t)->runs > 0);
		jt_fini(&t);
		if (test_failed_now())
			return;
	}
}

TEST(jit_blocks_run_past_batch_ends_that_need_not_be_exact)
{
	/*
	 * A 48-instruction loop (one block looping on its start) for a budget
	 * of 122 batches: where a batch's end need not be exact, the block that
	 * does not fit the batch's rest runs anyway (rv_hart.batch_slack), so
	 * after the first hot rounds nothing is interpreted. Ending every batch
	 * exactly interpreted the tail of the loop up to each batch's end (about
	 * 24 instructions a batch, 2,900 in all). The budget's own end stays
	 * exact: registers and instret match the interpreter's after run().
	 */
	uint32_t code[48];
	struct jt t;
	uint64_t interpreted;

	for (unsigned i = 0; i < 47; i++)
		code[i] = ADDI(5 + i % 8, 5 + i % 8, (int32_t)i + 1);
	code[47] = J(-4 * 47);
	if (!jt_init(&t, 122 * 8192 + 5, 0, code, 48))
		goto out;
	jt_run(&t, 1, __LINE__);
	CHECK_U64(122 * 8192 + 5, t.on.h->instret);
	interpreted = t.on.h->instret - jt_stats(&t)->insns;
	if (interpreted >= 48 * 20)
		test_fail_at(__FILE__, __LINE__, "%llu instructions interpreted, expected < %u",
			     (unsigned long long)interpreted, 48 * 20);
out:
	jt_fini(&t);
}

TEST(jit_hpmcounter_wrap_in_a_hot_loop_stays_exact_past_batch_slack)
{
	/*
	 * An instruction counter (SBI PMU, Sscofpmf) wraps 100,003
	 * instructions into a hot loop, 8 short of a batch's end: the batch
	 * that holds the wrap ends at it exactly, without slack, so LCOFI
	 * is taken after the very instruction that wrapped, as the
	 * interpreter takes it. Lending that batch the slack would let the
	 * block run past the wrap.
	 */
	uint32_t code[65];
	struct jt t;

	for (unsigned i = 0; i < 65; i++)
		code[i] = NOP;
	code[0] = ADDI(5, 5, 1);
	code[1] = ADDI(6, 6, 3);
	code[2] = J(-8);
	code[64] = J(0); /* stvec: the handler spins to the budget's end */
	if (!jt_init(&t, 1000000, 0, code, 65))
		goto out;
	for (unsigned s = 0; s < 2; s++) {
		struct rv_hart *h = s ? t.off.h : t.on.h;

		fix_sbi(h, SBI_EXT_PMU, 2, 0, 0x7ffff, 0, 2 /* INSTRUCTIONS */, 0);
		CHECK_INT(0, (int64_t)h->x[10]);
		fix_sbi(h, SBI_EXT_PMU, 3, h->x[11], 1, 1 /* SET_INIT_VALUE */,
			(uint64_t) - (12 * 8192 + 8184), 0);
		CHECK_INT(0, (int64_t)h->x[10]);
		h->sie = RV_MIP_LCOFIP;
		h->sstatus |= RV_SSTATUS_SIE;
		h->stvec = P + 256;
		h->pc = P;
	}
	jt_run(&t, 1, __LINE__);
	CHECK_U64(RV_CAUSE_INTERRUPT | 13, t.on.h->scause);
	CHECK_U64(P, t.on.h->sepc);
	CHECK_U64((12 * 8192 + 8184) / 3, t.on.h->x[5]); /* three instructions a round */
	CHECK(jt_stats(&t)->insns > 12 * 8192);
out:
	jt_fini(&t);
}

TEST(jit_perfmap_names_each_block_by_its_guest_pc)
{
	/*
	 * AXVM_JIT_PERFMAP=1: every block is a line of /tmp/perf-PID.map
	 * (perf's JIT symbol file) "START SIZE guest_PC", START the block's
	 * running address.
	 */
	const uint32_t code[] = {ADDI(5, 5, 1), ADDI(6, 6, 2), J(-8)};
	char path[64], want[32], line[128];
	bool found = false;
	struct jt t;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/perf-%ld.map", (long)getpid());
	unlink(path);
	setenv("AXVM_JIT_PERFMAP", "1", 1);
	if (!jt_init(&t, 5000, 0, code, sizeof(code) / 4)) {
		unsetenv("AXVM_JIT_PERFMAP");
		goto out;
	}
	unsetenv("AXVM_JIT_PERFMAP");
	jt_run(&t, 1, __LINE__);
	CHECK(jt_stats(&t)->blocks > 0);
	snprintf(want, sizeof(want), " guest_%llx\n", (unsigned long long)P);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long start = 0, size = 0;

		if (strstr(line, want) && sscanf(line, "%llx %llx", &start, &size) == 2 &&
		    start != 0 && size > 0)
			found = true;
	}
	if (f)
		fclose(f);
	unlink(path);
	CHECK(found);
out:
	jt_fini(&t);
}

TEST(jit_cold_slots_are_counted_in_the_slot_not_asked_of_the_translator)
{
	/*
	 * A loop whose head is reached by a taken branch in interpreted code:
	 * exec.c counts its first AXVM_JIT_HOT - 1 runs in the slot
	 * (rv_dinsn.hot) and asks the translator only at the last, which
	 * translates it; every later ask enters the block. Asking at every
	 * run cost a cache miss on the translator's table each time.
	 */
	const uint32_t code[] = {ADDI(5, 5, 1), BNE(5, 6, -4), EBREAK};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_set(&t, 6, 5000);
	jt_run(&t, 3, __LINE__);
	CHECK_U64(5000, t.on.h->x[5]);
	CHECK_U64(1, jt_stats(&t)->blocks);
	if (jt_stats(&t)->asks > jt_stats(&t)->runs + 1)
		test_fail_at(__FILE__, __LINE__, "%llu asks for %llu block runs",
			     (unsigned long long)jt_stats(&t)->asks,
			     (unsigned long long)jt_stats(&t)->runs);
out:
	jt_fini(&t);
}

TEST(jit_a_page_gets_its_translator_table_only_when_a_slot_is_hot)
{
	/*
	 * A hot loop on page P calls a routine on page P+4K every 4th round.
	 * After 40 rounds the loop is a block, and the routine has been
	 * entered from that block (its pc asked of the translator) but ran
	 * only 10 times (AXVM_JIT_HOT is 16 here): its page gets no
	 * translator table (rv_dpage.jit, 32 KiB), as cold pages are most of
	 * what a boot enters. 200 rounds more make it hot: the table appears.
	 */
	static uint32_t code[1024 + 2];
	const struct rv_dpage *dp;
	struct jt t;
	void *hva;
	uint64_t avail;

	for (unsigned i = 0; i < 1024; i++)
		code[i] = NOP;
	code[0] = ADDI(5, 5, 1);
	code[1] = ANDI(11, 5, 3);
	code[2] = BNE(11, 0, 8);       /* P+8 -> P+16 on 3 rounds of 4 */
	code[3] = JAL(1, 0x1000 - 12); /* P+12 -> P+0x1000 */
	code[4] = BNE(5, 6, -16);      /* P+16 -> P */
	code[5] = EBREAK;
	code[1024] = ADDI(7, 7, 1); /* P+0x1000 */
	code[1025] = JALR(0, 1, 0);
	if (!jt_init(&t, 1000000, 0, code, 1026))
		goto out;
	REQUIRE_OK(
	    axvm_addrspace_translate(t.on.as, P + 0x1000, AXVM_ACCESS_READ, &hva, &avail, NULL));
	jt_set(&t, 6, 40);
	jt_run(&t, 3, __LINE__);
	CHECK_U64(10, t.on.h->x[7]);
	CHECK(jt_stats(&t)->blocks > 0);
	dp = rv_dcache_find(&t.on.h->dc, (uintptr_t)hva);
	CHECK(dp != NULL && dp->jit == NULL);
	jt_set(&t, 6, 240);
	t.on.h->pc = t.off.h->pc = P;
	jt_run(&t, 3, __LINE__);
	CHECK_U64(60, t.on.h->x[7]);
	dp = rv_dcache_find(&t.on.h->dc, (uintptr_t)hva);
	CHECK(dp != NULL && dp->jit != NULL);
out:
	jt_fini(&t);
}

TEST(jit_sext_w_is_dropped_only_for_known_sign_extended_values)
{
	/*
	 * sext.w (addiw rd, rs, 0) of a value the block knows to be
	 * sign-extended (a W operation's, an lw's, a bitwise op of two such) is
	 * a move or nothing (jit_sx_update); everything else keeps it: a 64-bit
	 * add's result, an lwu's, a value at a slot another path jumps to (P+36
	 * from P+28, where x9 is a 64-bit sum). Each case leaves a value in
	 * x10..x14 whose upper half differs if the sign extension is lost.
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),	       /* P+0 */
	    enc_i(0x03, 6, 2, 20, 0),  /* P+4: lw x6, 0(x20): 0x80000001, sign-extended */
	    OPIW(5, 7, 5, 1),	       /* P+8: srliw x7, x5, 1 */
	    XOR(8, 6, 7),	       /* P+12: both sign-extended */
	    ADDIW(10, 8, 0),	       /* P+16: sext.w of a known value: a move */
	    ADD(9, 21, 5),	       /* P+20: x21 = 0x7fffffff: a 64-bit sum above 2^31 */
	    ADDIW(11, 9, 0),	       /* P+24: must sign-extend */
	    BEQ(0, 0, 8),	       /* P+28 -> P+36 */
	    ADDIW(9, 6, 0),	       /* P+32: skipped */
	    ADDIW(12, 9, 0),	       /* P+36: reached by the jump: x9 unknown */
	    enc_i(0x03, 13, 6, 20, 0), /* P+40: lwu x13, 0(x20): zero-extended */
	    ADDIW(13, 13, 0),	       /* P+44: must sign-extend */
	    ADDIW(14, 6, 0),	       /* P+48: x6 from lw: nothing to do */
	    ADD(31, 31, 10),	       /* P+52 */
	    ADD(31, 31, 11),	       /**/
	    ADD(31, 31, 12),	       /**/
	    ADD(31, 31, 13),	       /**/
	    ADD(31, 31, 14),	       /**/
	    BNE(5, 22, -72),	       /* P+72 -> P+0 */
	    EBREAK,
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	fix_wr64(&t.on, DATA, 0x80000001u);
	fix_wr64(&t.off, DATA, 0x80000001u);
	jt_set(&t, 20, DATA);
	jt_set(&t, 21, 0x7fffffff);
	jt_set(&t, 22, 1000);
	jt_run(&t, 20, __LINE__);
	CHECK_INT(AXVM_EXIT_HALT, t.on.exit.reason);
	CHECK_U64(0xffffffff80000001ull, t.on.h->x[13]);
	CHECK_U64((uint64_t)(int64_t)(int32_t)(0x7fffffffu + 1000u), t.on.h->x[11]);
	CHECK(jt_stats(&t)->insns > 900 * 19);
out:
	jt_fini(&t);
}

TEST(jit_accesses_at_a_cached_register_refill_and_redo_in_place)
{
	/*
	 * Loads and stores at 0(reg) with reg cached address [reg + addend]
	 * directly (jit_access_reg); a TLB miss copies reg to rax for the
	 * refill and redoes the access from the host address in the stub: a
	 * store of a cached register (sd x5), of a register in memory (sb x28,
	 * used too little for a host register), loads back (ld, lbu), on 8
	 * pages whose PTEs have A and D clear (the sb misses first on each),
	 * then an unmapped page (a precise store page fault).
	 */
	const uint32_t code[] = {
	    ADDI(5, 5, 1),   /* P+0 */
	    ADDI(9, 7, 8),   /* P+4 */
	    SB(28, 9, 0),    /* P+8: first on each page; faults on the unmapped one */
	    SD(5, 7, 0),     /* P+12 */
	    LD(6, 7, 0),     /* P+16 */
	    LBU(10, 9, 0),   /* P+20 */
	    ADD(8, 8, 6),    /* P+24 */
	    ADD(8, 8, 10),   /* P+28 */
	    ANDI(11, 5, 31), /* P+32 */
	    BNE(11, 0, -36), /* P+36 */
	    ADD(7, 7, 12),   /* P+40: the next page */
	    J(-44),	     /* P+44 */
	};
	struct jt t;

	if (!jt_init(&t, 100000, 0, code, sizeof(code) / 4))
		goto out;
	jt_sv39_data(&t.on);
	jt_sv39_data(&t.off);
	jt_set(&t, 7, JT_VA + 0x1000);
	jt_set(&t, 12, 0x1000);
	jt_set(&t, 28, 0x5a);
	jt_run(&t, 20, __LINE__);
	CHECK_U64(RV_EXC_STORE_PAGE, t.on.h->scause);
	CHECK_U64(JT_VA + 0x1000 * (JT_DPAGES + 1) + 8, t.on.h->stval);
	CHECK_U64(P + 8, t.on.h->sepc);
	CHECK_U64(32 * JT_DPAGES + 1, t.on.h->x[5]);
	for (unsigned i = 1; i <= JT_DPAGES; i++) {
		CHECK_U64(jt_pte(JT_DATA_PA + 0x1000 * i, 0xc7), fix_rd64(&t.on, JT_L0 + 8 * i));
		CHECK_U64(32 * i, fix_rd64(&t.on, JT_DATA_PA + 0x1000 * i));
		CHECK_U64(0x5a, fix_rd64(&t.on, JT_DATA_PA + 0x1000 * i + 8));
	}
	CHECK(jt_stats(&t)->refills >= 2 * (JT_DPAGES - 1));
out:
	jt_fini(&t);
}
