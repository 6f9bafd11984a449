/* SPDX-License-Identifier: MIT */
/*
 * Every row of insn_table.h through the translator. ALU rows: the rows' own
 * translation recipes (inline x86 or a call of the generated semantics)
 * must give what rv_insn_alu_exec (the table's semantics, the reference)
 * gives, for edge-case operands and immediates, with the operands in host
 * registers and in memory, and with rd aliasing rs1 or rs2. A row added to
 * the table is walked here without an edit. The program is run until it is
 * hot, then again from the start with new operands, entirely translated
 * (the translator's instruction count proves it). Branch, load and store
 * rows (alone and in the fused "add then access" form): taken or not as the
 * row's condition says, loaded values widened as the row says, stores of
 * the row's width.
 */
#include <stdlib.h>

#include "arch/riscv64/insn_table.h"
#include "arch/riscv64/interp.h"
#include "arch/riscv64/jit.h"
#include "test_hart_util.h"

#define P (RAM_BASE + 0x10000)
#define DATA (RAM_BASE + 0x20000)
#define ROUNDS 20u /* AXVM_JIT_HOT is 16 below: the last rounds run translated */

static const struct {
	const char *name;
	uint32_t mask, match;
	int reg;
} rows[] = {
#define ROW(n, s, opc, mask, match, fmt, ext, jx, expr) {s, mask, match, RV_INSN_FMT_IS_REG_##fmt},
    RV_INSN_ALU(ROW)
#undef ROW
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Which registers the instruction names; filler: keep them out of host registers. */
struct variant {
	unsigned rd, rs1, rs2;
	bool filler;
};

static const struct variant variants[] = {
    {7, 5, 6, false},	/* all in host registers */
    {6, 5, 6, false},	/* rd = rs2 */
    {5, 5, 6, false},	/* rd = rs1 */
    {7, 5, 5, false},	/* rs1 = rs2 */
    {7, 0, 6, false},	/* rs1 = x0 */
    {30, 28, 29, true}, /* all in memory: x9-x15 are used more */
};

/* Bits 20-31 of the immediate forms (the rows' masks keep what is not operand). */
static const uint32_t imms[] = {0x000, 0xfff, 0x800, 0x7ff, 0x021, 0x01f};

static const uint64_t vals[][2] = {
    {0, 0},
    {1, ~0ull},
    {0x8000000000000000ull, ~0ull},
    {0x7fffffffffffffffull, 0x8000000000000000ull},
    {0xffffffff80000000ull, ~0ull}, /* W forms: INT32_MIN / -1 */
    {0xffffffff80000000ull, 0xffffffffull},
    {0x0123456789abcdefull, 0xfedcba9876543210ull},
    {0x7fffffffull, 0x80000000ull},
    {(uint64_t)-7, 3},
    {5, 0x100000000ull}, /* low word of b 0 */
    {0x8000000000000001ull, 63},
    {0x8000000000000001ull, 64 + 31},
};

/* a = x21, b = x22 (for restoring rs1 / rs2 after rd overwrote them), counter x23, limit x24 */
/*
 * The end of every walk program: count a round in x23, stop (bge to the
 * ebreak) once it reaches x25, else jump back to the program's start.
 * Returns the new length.
 */
static size_t walk_tail(uint32_t *code, size_t n)
{
	code[n++] = ADDI(23, 23, 1);
	code[n++] = enc_b(5, 23, 25, 8); /* bge: done */
	code[n] = JAL(0, -4 * (int32_t)n);
	n++;
	code[n++] = EBREAK;
	return n;
}

static size_t gen(uint32_t *code, const struct variant *v, uint32_t imm, uint32_t *insn)
{
	size_t n = 0;

	for (unsigned i = 0; i < NROWS; i++) {
		insn[i] = rows[i].match | v->rd << 7 | v->rs1 << 15 |
			  (rows[i].reg ? v->rs2 << 20 : (imm << 20) & ~rows[i].mask);
		if (v->filler)
			for (unsigned r = 9; r <= 15; r++)
				code[n++] = ADDI(r, r, 1);
		code[n++] = insn[i];
		code[n++] = SD(v->rd, 20, (int32_t)(8 * i));
		if (v->rd == v->rs1 && v->rd)
			code[n++] = ADDI(v->rs1, 21, 0);
		else if (v->rd == v->rs2)
			code[n++] = ADDI(v->rs2, 22, 0);
	}
	code[n++] = ADDI(23, 23, 1);
	code[n++] = enc_b(5, 23, 24, 8); /* bge: done */
	code[n] = JAL(0, -4 * (int32_t)n);
	n++;
	code[n++] = EBREAK;
	return n;
}

static int setup(struct hart_fix *f, const char *hot)
{
	static struct axvm_riscv64_config cfg = {.run_budget = 1000000};
	int r;

	if ((r = fix_init_cfg(f, &cfg, axvm_hal_linux())))
		return r;
	rv_jit_destroy(f->h->jit); /* AXVM_JIT in the environment must not decide */
	f->h->jit = NULL;
	setenv("AXVM_JIT_HOT", hot, 1);
	return (f->h->jit = rv_jit_create(0)) ? 0 : -1;
}

/* One program (a variant, an immediate) with every operand pair. */
static void walk(const struct variant *v, uint32_t imm)
{
	static uint32_t code[NROWS * 10 + 8];
	uint32_t insn[NROWS];
	size_t n = gen(code, v, imm, insn);
	struct hart_fix f;

	if (setup(&f, "16") || fix_code(&f, P, code, n)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		fix_fini(&f);
		return;
	}
	for (unsigned k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		uint64_t x[33] = {0}, before = rv_jit_stats(f.h->jit)->insns;

		x[v->rs1] = vals[k][0];
		x[v->rs2] = vals[k][1];
		x[0] = 0;
		if (v->rs1 == v->rs2)
			x[v->rs1] = vals[k][0];
		for (unsigned r = 1; r < 32; r++)
			f.h->x[r] = r == v->rs1 || r == v->rs2 ? x[r] : 0;
		f.h->x[20] = DATA;
		f.h->x[21] = x[v->rs1];
		f.h->x[22] = x[v->rs2];
		f.h->x[24] = ROUNDS;
		f.h->pc = P;
		for (unsigned i = 0; i < NROWS; i++)
			fix_wr64(&f, DATA + 8 * i, 0x5a5a5a5a5a5a5a5aull);
		for (unsigned runs = 0; runs < 50 && f.h->pc != TRAP_END; runs++)
			fix_run(&f);
		if (f.h->pc != TRAP_END || f.h->scause != 3) {
			test_fail_at(__FILE__, __LINE__,
				     "variant x%u,x%u,x%u imm %#x: pc %#llx cause %llu", v->rd,
				     v->rs1, v->rs2, imm, (unsigned long long)f.h->pc,
				     (unsigned long long)f.h->scause);
			break;
		}
		/* Past the first pair the program is hot from its first round. */
		if (k && rv_jit_stats(f.h->jit)->insns - before < ROUNDS * NROWS)
			test_fail_at(__FILE__, __LINE__, "only %llu instructions translated",
				     (unsigned long long)(rv_jit_stats(f.h->jit)->insns - before));
		for (unsigned i = 0; i < NROWS; i++) {
			int id = rv_insn_alu_find(insn[i], insn[i] & 0x7f, AXVM_RISCV64_EXT_ALL);
			uint64_t want = rv_insn_alu_exec(id, insn[i], x),
				 got = fix_rd64(&f, DATA + 8 * i);

			if (id != (int)i || got != want)
				test_fail_at(
				    __FILE__, __LINE__,
				    "%s (0x%08x) a=%#llx b=%#llx: translated %#llx, table %#llx",
				    rows[i].name, insn[i], (unsigned long long)x[v->rs1],
				    (unsigned long long)x[v->rs2], (unsigned long long)got,
				    (unsigned long long)want);
		}
	}
	fix_fini(&f);
}

TEST(jit_every_alu_row_matches_the_table_semantics)
{
	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return;
	}
	for (unsigned v = 0; v < sizeof(variants) / sizeof(variants[0]); v++)
		for (unsigned i = 0; i < sizeof(imms) / sizeof(imms[0]); i++)
			walk(&variants[v], imms[i]);
}

/* ---- branch, load and store rows ---- */

static const struct {
	const char *name;
	uint32_t match;
} brows[] =
    {
#define BROW(n, s, opc, mask, match, ext, ...) {s, match},
	RV_INSN_BRANCH(BROW)},
  lrows[] = {RV_INSN_LOAD(BROW)}, srows[] = {RV_INSN_STORE(BROW)};
#undef BROW
#define NB (sizeof(brows) / sizeof(brows[0]))
#define NL (sizeof(lrows) / sizeof(lrows[0]))
#define NS (sizeof(srows) / sizeof(srows[0]))
#define MEM_IN (DATA + 0x800)  /* what the loads read: 16 bytes */
#define MEM_OUT (DATA + 0x400) /* where the stores write: 8 bytes per row and form */

/*
 * x5 = a, x6 = b, x20 = DATA (results), x21 = MEM_IN + 8, x22 = MEM_OUT,
 * x24 = 0 (the fused forms' add), x23 counter, x25 limit.
 */
static size_t gen_mem(uint32_t *code)
{
	size_t n = 0;
	unsigned slot = 0;

	for (unsigned i = 0; i < NB; i++) {
		code[n++] = ADDI(7, 0, 0);
		code[n++] = brows[i].match | enc_b(0, 5, 6, 8);
		code[n++] = ADDI(7, 0, 1);
		code[n++] = SD(7, 20, (int32_t)(8 * slot++));
	}
	for (unsigned i = 0; i < NL; i++) {
		code[n++] = lrows[i].match | enc_i(0, 7, 0, 21, -8);
		code[n++] = SD(7, 20, (int32_t)(8 * slot++));
		code[n++] = ADD(26, 21, 24); /* fused with the next */
		code[n++] = lrows[i].match | enc_i(0, 7, 0, 26, -8);
		code[n++] = SD(7, 20, (int32_t)(8 * slot++));
	}
	for (unsigned i = 0; i < NS; i++) {
		code[n++] = SD(0, 22, (int32_t)(16 * i));
		code[n++] = srows[i].match | enc_s(0, 0, 22, 5, (int32_t)(16 * i));
		code[n++] = SD(0, 22, (int32_t)(16 * i + 8));
		code[n++] = ADD(26, 22, 24);
		code[n++] = srows[i].match | enc_s(0, 0, 26, 5, (int32_t)(16 * i + 8));
	}
	n = walk_tail(code, n);
	return n;
}

TEST(jit_every_branch_load_and_store_row_matches_the_table)
{
	static uint32_t code[NB * 4 + NL * 5 + NS * 5 + 8];
	size_t n = gen_mem(code);
	struct hart_fix f;

	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return;
	}
	/* Taken-branch targets are entered from exec.c only when taken: translate at once. */
	if (setup(&f, "1") || fix_code(&f, P, code, n)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		fix_fini(&f);
		return;
	}
	for (unsigned k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		uint64_t a = vals[k][0], b = vals[k][1], before = rv_jit_stats(f.h->jit)->insns;
		unsigned slot = 0;

		memset(f.h->x, 0, 32 * sizeof(f.h->x[0]));
		f.h->x[5] = a;
		f.h->x[6] = b;
		f.h->x[20] = DATA;
		f.h->x[21] = MEM_IN + 8;
		f.h->x[22] = MEM_OUT;
		f.h->x[25] = ROUNDS;
		f.h->pc = P;
		fix_wr64(&f, MEM_IN, a);
		for (unsigned runs = 0; runs < 50 && f.h->pc != TRAP_END; runs++)
			fix_run(&f);
		if (f.h->pc != TRAP_END || f.h->scause != 3) {
			test_fail_at(__FILE__, __LINE__, "pc %#llx cause %llu",
				     (unsigned long long)f.h->pc, (unsigned long long)f.h->scause);
			break;
		}
		if (k && rv_jit_stats(f.h->jit)->insns - before < ROUNDS * n / 2)
			test_fail_at(__FILE__, __LINE__, "only %llu instructions translated",
				     (unsigned long long)(rv_jit_stats(f.h->jit)->insns - before));
		for (unsigned i = 0; i < NB; i++, slot++) {
			int id = rv_insn_branch_find(brows[i].match, AXVM_RISCV64_EXT_ALL);
			uint64_t got = fix_rd64(&f, DATA + 8 * slot);

			CHECK_INT((int)i, id);
			if (got != (rv_insn_branch_taken(id, a, b) ? 0u : 1u))
				test_fail_at(__FILE__, __LINE__, "%s a=%#llx b=%#llx: taken %s",
					     brows[i].name, (unsigned long long)a,
					     (unsigned long long)b, got ? "no" : "yes");
		}
		for (unsigned i = 0; i < NL; i++) {
			int id = rv_insn_load_find(lrows[i].match, AXVM_RISCV64_EXT_ALL);
			unsigned w = rv_insn_load_width(id);
			uint64_t want =
			    rv_insn_load_value(id, w == 8 ? a : a & ((1ull << 8 * w) - 1));

			CHECK_INT((int)i, id);
			for (unsigned form = 0; form < 2; form++, slot++)
				if (fix_rd64(&f, DATA + 8 * slot) != want)
					test_fail_at(
					    __FILE__, __LINE__, "%s%s of %#llx: %#llx, table %#llx",
					    form ? "add+" : "", lrows[i].name,
					    (unsigned long long)a,
					    (unsigned long long)fix_rd64(&f, DATA + 8 * slot),
					    (unsigned long long)want);
		}
		for (unsigned i = 0; i < NS; i++) {
			int id = rv_insn_store_find(srows[i].match, AXVM_RISCV64_EXT_ALL);
			unsigned w = rv_insn_store_width(id);
			uint64_t want = w == 8 ? a : a & ((1ull << 8 * w) - 1);

			CHECK_INT((int)i, id);
			for (unsigned form = 0; form < 2; form++)
				if (fix_rd64(&f, MEM_OUT + 16 * i + 8 * form) != want)
					test_fail_at(__FILE__, __LINE__,
						     "%s%s of %#llx: %#llx, want %#llx",
						     form ? "add+" : "", srows[i].name,
						     (unsigned long long)a,
						     (unsigned long long)fix_rd64(
							 &f, MEM_OUT + 16 * i + 8 * form),
						     (unsigned long long)want);
		}
	}
	fix_fini(&f);
}

/* ---- cache-block operation rows ---- */

/*
 * Every CBO row in a hot loop: cbo.zero clears a block filled with x5 (at
 * an unaligned address inside it), clean/flush/inval leave memory alone;
 * after the first rounds none of them leaves the translated code (the TLB
 * maps the data page), which AXVM_JIT_STATS's slow-exit counts show.
 */
TEST(jit_cbo_rows_run_in_translated_code)
{
	static const uint32_t cbo[] = {
#define CROW(n, s, opc, mask, match, ...) match,
	    RV_INSN_CBO(CROW)
#undef CROW
	};
	enum { NC = sizeof(cbo) / sizeof(cbo[0]) };
	uint32_t code[NC * 12 + 8];
	size_t n = 0;
	struct hart_fix f;
	const struct rv_jit_stats *st;

	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return;
	}
	/* x20 = DATA, x5 = the fill, x23 counter, x25 limit; block i at DATA + 64 * i */
	for (unsigned i = 0; i < NC; i++) {
		for (unsigned w = 0; w < 8; w++)
			code[n++] = SD(5, 20, (int32_t)(64 * i + 8 * w));
		code[n++] = ADDI(26, 20, (int32_t)(64 * i + 13));
		code[n++] = cbo[i] | 26u << 15;
		code[n++] = LD(7, 20, (int32_t)(64 * i + 56));
		code[n++] = SD(7, 20, (int32_t)(0x400 + 8 * i));
	}
	n = walk_tail(code, n);
	setenv("AXVM_JIT_STATS", "1", 1);
	if (setup(&f, "1") || fix_code(&f, P, code, n)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		unsetenv("AXVM_JIT_STATS");
		fix_fini(&f);
		return;
	}
	unsetenv("AXVM_JIT_STATS");
	f.h->x[5] = 0x1122334455667788ull;
	f.h->x[20] = DATA;
	f.h->x[25] = ROUNDS;
	f.h->pc = P;
	for (unsigned runs = 0; runs < 50 && f.h->pc != TRAP_END; runs++)
		fix_run(&f);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(3, f.h->scause);
	for (unsigned i = 0; i < NC; i++) {
		bool zero = rv_insn_cbo_find(cbo[i], AXVM_RISCV64_EXT_ALL) == RV_I_CBO_ZERO;

		CHECK_U64(zero ? 0 : 0x1122334455667788ull, fix_rd64(&f, DATA + 0x400 + 8 * i));
		CHECK_U64(zero ? 0 : 0x1122334455667788ull, fix_rd64(&f, DATA + 64 * i));
	}
	st = rv_jit_stats(f.h->jit);
	CHECK(st->insns >= (ROUNDS - 2) * (n - 2));
	CHECK(st->slow_exit_generic[0x0f] <= 2); /* the first W access refills the TLB */
	fix_fini(&f);
}

/* ---- upper-immediate and jump rows ---- */

/* Each row's immediate bits (rd = x7; jalr: rs1 = x6), per immediate format. */
#define JENC_U 0x80001000u	      /* negative: the sign extension shows */
#define JENC_J (4u << 21)	      /* +8: imm[10:1] = 4 */
#define JENC_I (17u << 20 | 6u << 15) /* odd: jalr clears bit 0 */
static const struct {
	const char *name;
	uint32_t insn;
} jrows[] = {
#define JROW(n, s, opc, mask, match, immf, ...) {s, (match) | JENC_##immf | 7u << 7},
    RV_INSN_JUMP(JROW)
#undef JROW
};
#define NJ (sizeof(jrows) / sizeof(jrows[0]))

/*
 * Per row at offset o: auipc x6, 0; addi x28, x0, 0; the row (at o + 8);
 * addi x28, x0, 1 (o + 12, skipped by a jump to o + 16); sd x7; sd x28.
 * The row's value and next pc from rv_insn_jump_exec must be what x7 holds
 * and where the program went, threaded and translated alike.
 */
static void walk_jumps(const char *hot, bool translated)
{
	static uint32_t code[NJ * 6 + 8];
	size_t n = 0;
	struct hart_fix f;
	uint64_t before;

	for (unsigned i = 0; i < NJ; i++) {
		code[n++] = 0x17u | 6u << 7; /* auipc x6, 0 */
		code[n++] = ADDI(28, 0, 0);
		code[n++] = jrows[i].insn;
		code[n++] = ADDI(28, 0, 1);
		code[n++] = SD(7, 20, (int32_t)(16 * i));
		code[n++] = SD(28, 20, (int32_t)(16 * i + 8));
	}
	n = walk_tail(code, n);
	if (setup(&f, hot) || fix_code(&f, P, code, n)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		fix_fini(&f);
		return;
	}
	before = rv_jit_stats(f.h->jit)->insns;
	f.h->x[20] = DATA;
	f.h->x[25] = ROUNDS;
	f.h->pc = P;
	for (unsigned runs = 0; runs < 50 && f.h->pc != TRAP_END; runs++)
		fix_run(&f);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(3, f.h->scause);
	if (translated)
		CHECK(rv_jit_stats(f.h->jit)->insns - before >= (ROUNDS - 2) * (n - 2));
	for (unsigned i = 0; i < NJ; i++) {
		int id = rv_insn_jump_find(jrows[i].insn);
		uint64_t o = P + 24 * i, link;
		uint64_t next =
		    rv_insn_jump_exec(id, o + 8, 4, o, rv_insn_jump_imm(id, jrows[i].insn), &link);

		CHECK_INT((int)i, id); /* every row decodes to itself */
		if (next != o + 12 && next != o + 16) {
			test_fail_at(__FILE__, __LINE__, "%s: test program's target %#llx",
				     jrows[i].name, (unsigned long long)next);
			continue;
		}
		if (fix_rd64(&f, DATA + 16 * i) != link ||
		    fix_rd64(&f, DATA + 16 * i + 8) != (next == o + 12))
			test_fail_at(__FILE__, __LINE__, "%s (%s): rd %#llx, table %#llx; %s",
				     jrows[i].name, translated ? "translated" : "threaded",
				     (unsigned long long)fix_rd64(&f, DATA + 16 * i),
				     (unsigned long long)link,
				     fix_rd64(&f, DATA + 16 * i + 8) ? "fell through" : "jumped");
	}
	fix_fini(&f);
}

TEST(jit_every_jump_row_matches_the_table)
{
	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return;
	}
	walk_jumps("1000000", false);
	walk_jumps("1", true);
}

/* ---- A extension rows ---- */

static const struct {
	const char *name;
	uint32_t match;
	unsigned width;
	rv_amo_fn *fn;
} arows[] = {
#define AROW(n, s, opc, mask, match, width, acc, fn) {s, match, width, fn},
    RV_INSN_AMO(AROW)
#undef AROW
};
#define NA (sizeof(arows) / sizeof(arows[0]))
#define AMO_MEM (DATA + 0x800) /* row i's word at + 16 i */

/*
 * Per row: sd a (x5) to its word, lr of the row's width (SC's reservation;
 * a plain load for the others), the row with rd = x7, rs1 = x26, rs2 = x6
 * (b), then rd and the word stored. What the row's own helper does to a
 * host word holding a (after the same lr) is what both engines must give:
 * the rows' width, access, operands and rd's sign extension are the
 * engines' part.
 */
static void walk_amo(const char *hot, bool translated, uint64_t *out)
{
	static uint32_t code[NA * 7 + 8];
	size_t n = 0;
	struct hart_fix f;

	for (unsigned i = 0; i < NA; i++) {
		uint32_t lr = (arows[i].width == 8 ? 0x1000302fu : 0x1000202fu) | 26u << 15;

		code[n++] = SD(5, 26, 0);
		code[n++] = lr | 28u << 7;
		code[n++] = arows[i].match | 7u << 7 | 26u << 15 |
			    ((arows[i].match & RV_M_LR) == (0x1000202fu & RV_M_LR) ||
				     (arows[i].match & RV_M_LR) == (0x1000302fu & RV_M_LR)
				 ? 0
				 : 6u << 20);
		code[n++] = SD(7, 20, (int32_t)(16 * i));
		code[n++] = LD(8, 26, 0);
		code[n++] = SD(8, 20, (int32_t)(16 * i + 8));
		code[n++] = ADDI(26, 26, 16);
	}
	code[n++] = ADDI(26, 26, -16 * (int32_t)NA);
	n = walk_tail(code, n);
	setenv("AXVM_JIT_STATS", "1", 1);
	if (setup(&f, hot) || fix_code(&f, P, code, n)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		unsetenv("AXVM_JIT_STATS");
		fix_fini(&f);
		return;
	}
	unsetenv("AXVM_JIT_STATS");
	for (unsigned k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		uint64_t a = vals[k][0], b = vals[k][1], before = rv_jit_stats(f.h->jit)->insns;

		memset(f.h->x, 0, 32 * sizeof(f.h->x[0]));
		f.h->x[5] = a;
		f.h->x[6] = b;
		f.h->x[20] = DATA;
		f.h->x[26] = AMO_MEM;
		f.h->x[25] = ROUNDS;
		f.h->pc = P;
		for (unsigned runs = 0; runs < 50 && f.h->pc != TRAP_END; runs++)
			fix_run(&f);
		if (f.h->pc != TRAP_END || f.h->scause != 3) {
			test_fail_at(__FILE__, __LINE__, "pc %#llx cause %llu",
				     (unsigned long long)f.h->pc, (unsigned long long)f.h->scause);
			break;
		}
		if (translated && k && rv_jit_stats(f.h->jit)->insns - before < ROUNDS * n / 2)
			test_fail_at(__FILE__, __LINE__, "only %llu instructions translated",
				     (unsigned long long)(rv_jit_stats(f.h->jit)->insns - before));
		for (unsigned i = 0; i < NA; i++) {
			uint64_t word = a, rd;
			rv_amo_fn *lr = arows[i].width == 8 ? rv_amo_lr_d : rv_amo_lr_w;

			CHECK_INT((int)i, rv_insn_amo_find(arows[i].match));
			lr(f.h, (uint8_t *)&word, 0);
			rd = arows[i].fn(f.h, (uint8_t *)&word, b);
			out[2 * (k * NA + i)] = fix_rd64(&f, DATA + 16 * i);
			out[2 * (k * NA + i) + 1] = fix_rd64(&f, DATA + 16 * i + 8);
			if (out[2 * (k * NA + i)] != rd || out[2 * (k * NA + i) + 1] != word)
				test_fail_at(__FILE__, __LINE__,
					     "%s (%s) a=%#llx b=%#llx: rd %#llx word %#llx, "
					     "helper %#llx %#llx",
					     arows[i].name, translated ? "translated" : "threaded",
					     (unsigned long long)a, (unsigned long long)b,
					     (unsigned long long)out[2 * (k * NA + i)],
					     (unsigned long long)out[2 * (k * NA + i) + 1],
					     (unsigned long long)rd, (unsigned long long)word);
		}
	}
	if (translated) /* once the TLB is filled, no row leaves the translated code */
		CHECK(rv_jit_stats(f.h->jit)->slow_exit_generic[0x2f] <= 4);
	fix_fini(&f);
}

TEST(jit_every_amo_row_matches_the_table)
{
	static uint64_t slow[2 * NA * (sizeof(vals) / sizeof(vals[0]))];
	static uint64_t fast[sizeof(slow) / sizeof(slow[0])];

	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return;
	}
	walk_amo("1000000", false, slow);
	walk_amo("1", true, fast);
	CHECK(memcmp(slow, fast, sizeof(slow)) == 0); /* the two engines agree */
}

/* ---- Zicsr rows ---- */

static const struct {
	const char *name;
	uint32_t match;
} zrows[] = {
#define ZROW(n, s, opc, mask, match, ...) {s, match},
    RV_INSN_CSR(ZROW)
#undef ZROW
};
#define NZ (sizeof(zrows) / sizeof(zrows[0]))
#define SSCRATCH 0x140u

/*
 * Per row and rs1 field (6, then 0: csrrs/csrrc then do not write): sscratch
 * set to a (x5) by csrrw x0, the row with rd = x7 on sscratch, sscratch read
 * back by csrrs x8, x0; both stored. Old value in rd and the row's new value
 * (written or not as the row's always column and the rs1 field say) are the
 * table's, with the translator on (CSRs end its blocks) and off.
 */
static void walk_csr(const char *hot)
{
	static uint32_t code[NZ * 2 * 5 + 8];
	static const unsigned fields[2] = {6, 0};
	size_t n = 0;
	struct hart_fix f;

	for (unsigned i = 0; i < NZ; i++)
		for (unsigned j = 0; j < 2; j++) {
			unsigned slot = 2 * i + j;

			code[n++] =
			    0x1073u | 5u << 15 | SSCRATCH << 20; /* csrrw x0, sscratch, x5 */
			code[n++] = zrows[i].match | 7u << 7 | fields[j] << 15 | SSCRATCH << 20;
			code[n++] = 0x2073u | 8u << 7 | SSCRATCH << 20; /* csrrs x8, sscratch, x0 */
			code[n++] = SD(7, 20, (int32_t)(16 * slot));
			code[n++] = SD(8, 20, (int32_t)(16 * slot + 8));
		}
	n = walk_tail(code, n);
	if (setup(&f, hot) || fix_code(&f, P, code, n)) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		fix_fini(&f);
		return;
	}
	for (unsigned k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		uint64_t a = vals[k][0], b = vals[k][1];

		memset(f.h->x, 0, 32 * sizeof(f.h->x[0]));
		f.h->x[5] = a;
		f.h->x[6] = b;
		f.h->x[20] = DATA;
		f.h->x[25] = ROUNDS;
		f.h->pc = P;
		for (unsigned runs = 0; runs < 50 && f.h->pc != TRAP_END; runs++)
			fix_run(&f);
		if (f.h->pc != TRAP_END || f.h->scause != 3) {
			test_fail_at(__FILE__, __LINE__, "pc %#llx cause %llu",
				     (unsigned long long)f.h->pc, (unsigned long long)f.h->scause);
			break;
		}
		for (unsigned i = 0; i < NZ; i++)
			for (unsigned j = 0; j < 2; j++) {
				uint32_t insn = zrows[i].match | 7u << 7 | fields[j] << 15;
				int id = rv_insn_csr_find(insn);
				uint64_t src = rv_insn_csr_src(id, insn, f.h->x);
				bool writes = rv_insn_csr_always(id) || fields[j] != 0;
				uint64_t want = writes ? rv_insn_csr_new(id, a, src) : a;
				unsigned slot = 2 * i + j;

				CHECK_INT((int)i, id); /* every row decodes to itself */
				if (fix_rd64(&f, DATA + 16 * slot) != a ||
				    fix_rd64(&f, DATA + 16 * slot + 8) != want)
					test_fail_at(
					    __FILE__, __LINE__,
					    "%s rs1 %u (hot %s) a=%#llx b=%#llx: rd %#llx "
					    "csr %#llx, table %#llx",
					    zrows[i].name, fields[j], hot, (unsigned long long)a,
					    (unsigned long long)b,
					    (unsigned long long)fix_rd64(&f, DATA + 16 * slot),
					    (unsigned long long)fix_rd64(&f, DATA + 16 * slot + 8),
					    (unsigned long long)want);
			}
	}
	fix_fini(&f);
}

TEST(jit_every_csr_row_matches_the_table)
{
	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return;
	}
	walk_csr("1000000");
	walk_csr("1");
}
