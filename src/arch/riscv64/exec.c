/* SPDX-License-Identifier: MIT */
/*
 * The threaded interpreter: runs decoded slots (dcache.h) with one indirect
 * jump per instruction from each handler's end (GCC's labels as values), so
 * the host's branch predictor sees one dispatch site per guest operation,
 * not one shared switch.
 *
 * Within a page the current position is a slot pointer; pc is derived from
 * it (page address + 2 * slot index) only when needed. Sequential execution,
 * in-page branches and in-page jalr stay on the page; everything else sets
 * h->pc and goes through `enter`, which finds the next page's slots through
 * the X TLB entry (one compare and one load on a hit).
 *
 * Loads and stores that hit the software TLB are done here; every other
 * case (MMIO, misaligned across pages, faults, pages holding decoded code)
 * and every instruction without a fast operation (RV_DOP_GENERIC) is handed
 * to interp.c, which executes it from its raw encoding: the interpreter
 * stays the one definition of the ISA's corner cases, and this file only
 * adds fast paths whose results must match it.
 *
 * With the translator on (h->jit), every place that starts a new run of
 * slots (a taken branch or jump, a page entry) first asks jit.c whether a
 * translated block starts there (rv_jit_try); a block that ran continues
 * here from `enter` with pc and the budget it left.
 *
 * The instruction count (instret) is kept in a local and written back before
 * anything that may read it. Every dispatch compares it with the batch's
 * end, so a batch (and run_budget) stops after exactly n instructions: a
 * debugger's single step is a budget of one.
 */
#include <string.h>

#include "arch/riscv64/dcache.h"
#include "arch/riscv64/fpu_host.h"
#include "arch/riscv64/gmem.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/interp.h"
#include "arch/riscv64/jit.h"

#define EXEC_LIKELY(c) __builtin_expect(!!(c), 1)
#define EXEC_UNLIKELY(c) __builtin_expect(!!(c), 0)

/* What exec_enter_slow decided. */
enum exec_enter {
	EXEC_ENTER_PAGE,  /* *dpp is the page holding pc */
	EXEC_ENTER_AGAIN, /* pc moved (fetch fault delivered, or stepped): enter again */
	EXEC_ENTER_STOP,  /* leave the batch with *r */
};

/*
 * Find the decoded page for h->pc the slow way: translate for execution
 * (which may deliver a fetch fault or produce an exit), then look up or
 * create its decoded page. Pages the TLB will not hold, or a cache that is
 * off, run one instruction through the plain interpreter.
 */
static enum exec_enter exec_enter_slow(struct rv_hart *h, struct rv_dpage **dpp, int *r,
				       struct axvm_exit *exit)
{
	uint64_t pc = h->pc;
	const struct rv_tlb_entry *e = &h->tlb.e[h->priv][RV_ACC_X][(pc >> 12) & (RV_TLB_SIZE - 1)];
	uint8_t *host;
	axvm_gpa_t gpa;

	switch (rv_mmu_translate(h, pc, RV_ACC_X, &host, &gpa, exit)) {
	case RV_XL_HOST:
		break;
	case RV_XL_EXIT:
		*r = RV_STEP_EXIT;
		return EXEC_ENTER_STOP;
	default:
		return EXEC_ENTER_AGAIN; /* a fault was delivered: pc = stvec */
	}
	if (e->tag == (pc & ~RV_PAGE_MASK)) {
		*dpp = rv_dcache_enter(h, pc, (uintptr_t)(host - (pc & RV_PAGE_MASK)));
		if (*dpp)
			return EXEC_ENTER_PAGE;
	}
	*r = rv_interp_step(h, exit);
	if (*r != RV_STEP_NEXT || h->recheck)
		return EXEC_ENTER_STOP;
	return EXEC_ENTER_AGAIN;
}

int rv_exec_batch(struct rv_hart *h, uint64_t n, uint64_t *done, struct axvm_exit *exit)
{
	/* [op][step - 1]: operations that fall through have one handler per length. */
#define ONE(o, l) [RV_DOP_##o] = { &&l, &&l, &&l, &&l }
#define TWO(o, l) [RV_DOP_##o] = {&&l##_1, &&l##_2, &&l##_2, &&l##_2}
#define PAIR(o, l) [RV_DOP_##o] = {&&l##_2, &&l##_2, &&l##_3, &&l##_4}
	/* The generated rows (RV_INSN_ALU) would make clang-format misalign the table. */
	/* clang-format off */
	static const void *const dispatch[RV_DOP_COUNT][4] = {
	    ONE(DECODE, do_decode),
	    ONE(STEP, do_step),
	    ONE(GENERIC, do_generic),
	    ONE(PAGE_END, do_page_end),
	    ONE(JAL, do_jal),
	    ONE(JALR, do_jalr),
	    TWO(NOP, do_nop),
	    TWO(LUI, do_lui),
	    TWO(AUIPC, do_auipc),
	    TWO(BEQ, do_beq),
	    TWO(BNE, do_bne),
	    TWO(BLT, do_blt),
	    TWO(BGE, do_bge),
	    TWO(BLTU, do_bltu),
	    TWO(BGEU, do_bgeu),
	    TWO(LB, do_lb),
	    TWO(LH, do_lh),
	    TWO(LW, do_lw),
	    TWO(LD, do_ld),
	    TWO(LBU, do_lbu),
	    TWO(LHU, do_lhu),
	    TWO(LWU, do_lwu),
	    TWO(SB, do_sb),
	    TWO(SH, do_sh),
	    TWO(SW, do_sw),
	    TWO(SD, do_sd),
#define EXEC_ALU_DISPATCH(n, s, opc, mask, match, fmt, ext, expr) TWO(n, do_alu_##n),
	    RV_INSN_ALU(EXEC_ALU_DISPATCH)
#undef EXEC_ALU_DISPATCH
	    TWO(FLW, do_flw),
	    TWO(FLD, do_fld),
	    TWO(FSW, do_fsw),
	    TWO(FSD, do_fsd),
	    TWO(FPU, do_fpu),
	    PAIR(ZEXTW, do_zextw),
	    PAIR(LI, do_li),
	    PAIR(SHIFTS, do_shifts),
	    PAIR(ADD_LB, do_add_lb),
	    PAIR(ADD_LH, do_add_lh),
	    PAIR(ADD_LW, do_add_lw),
	    PAIR(ADD_LD, do_add_ld),
	    PAIR(ADD_LBU, do_add_lbu),
	    PAIR(ADD_LHU, do_add_lhu),
	    PAIR(ADD_LWU, do_add_lwu),
	    PAIR(ADD_SB, do_add_sb),
	    PAIR(ADD_SH, do_add_sh),
	    PAIR(ADD_SW, do_add_sw),
	    PAIR(ADD_SD, do_add_sd),
	};
	/* clang-format on */
#undef ONE
#undef TWO
#undef PAIR
	uint64_t *const x = h->x;
	/*
	 * left: instructions this batch may still start (one decrement and one
	 * sign test per dispatch). instret is top - left: a fetch fault, which
	 * retires nothing but uses up one instruction of the batch, lowers both.
	 */
	int64_t left = n > INT64_MAX ? INT64_MAX : (int64_t)n;
	uint64_t top = h->instret + (uint64_t)left, page_va = 0;
	struct rv_dpage *dp = NULL;
	struct rv_dinsn *op = NULL;
	const struct rv_tlb_entry *tr = NULL, *tw = NULL;
	/*
	 * 7 while misaligned accesses must go to interp.c (SBI FWFT delegates
	 * them to the guest, or the PMU counts them: h->sbi.misaligned_slow),
	 * else 0; read with tr/tw at every entry, so a batch sees a change
	 * after the SBI call that made it (which ends the batch).
	 */
	uint64_t amask = 0;
	unsigned priv = 0;
	int r = RV_STEP_NEXT;
	/* jit_skip: a block just left at an instruction the interpreter must run first. */
	const bool jit = h->jit != NULL;
	bool jit_skip = false;

/* pc of the current slot. */
#define PC() (page_va + ((uint64_t)(op - dp->slot) << 1))
/* Start the instruction at op, unless the batch's n instructions are done (exact). */
#define DISPATCH()                                                                                 \
	do {                                                                                       \
		if (EXEC_UNLIKELY(--left < 0))                                                     \
			goto stop;                                                                 \
		goto * op->fn;                                                                     \
	} while (0)
/* instret now, and setting it (after a call that counted instructions itself). */
#define IC() (top - (uint64_t)left)
#define SET_IC(v) (left = (int64_t)(top - (v)))
#define NEXT()                                                                                     \
	do {                                                                                       \
		op = (struct rv_dinsn *)((char *)op + op->next);                                   \
		DISPATCH();                                                                        \
	} while (0)
#define RS1 x[op->rs1]
#define RS2 x[op->rs2]
#define IMM ((uint64_t)(int64_t)op->imm)
/*
 * Handlers that fall through come in two copies, one per instruction length,
 * so that moving to the next slot adds a constant: a load of the length
 * would put its latency on the critical path of every instruction.
 */
#define STEP_TO(s)                                                                                 \
	do {                                                                                       \
		op += (s);                                                                         \
		DISPATCH();                                                                        \
	} while (0)
#define TWICE(label, body)                                                                         \
	label##_1 : body STEP_TO(1);                                                               \
	label##_2 : body STEP_TO(2);
#define ALU(label, expr) TWICE(label, x[op->rd] = (expr);)
/*
 * A fused pair: two instructions retire, 2 to 4 parcels long. With room for
 * only one more instruction in the batch, the first runs alone (do_step).
 */
#define FUSED_ONE(label, expr, s)                                                                  \
	label##_##s : if (EXEC_UNLIKELY(left == 0)) goto do_step;                                  \
	x[op->rd] = (expr);                                                                        \
	left--;                                                                                    \
	STEP_TO(s);
#define FUSED(label, expr)                                                                         \
	FUSED_ONE(label, expr, 2) FUSED_ONE(label, expr, 3) FUSED_ONE(label, expr, 4)
/*
 * add t, rs1, rs2 fused with a load into rd / a store of rd at imm(t): t is
 * written first (the load may overwrite it, the store may store it); a TLB
 * miss leaves with the add retired and the memory access to `enter`.
 */
#define ADD_MEM_ONE(label, acc_table, body, s)                                                     \
	label##_##s:                                                                               \
	{                                                                                          \
		uint64_t va;                                                                       \
		const struct rv_tlb_entry *e;                                                      \
                                                                                                   \
		if (EXEC_UNLIKELY(left == 0))                                                      \
			goto do_step;                                                              \
		va = RS1 + RS2;                                                                    \
		x[op->target] = va;                                                                \
		va += IMM;                                                                         \
		e = &acc_table[(va >> 12) & (RV_TLB_SIZE - 1)];                                    \
		body left--;                                                                       \
		STEP_TO(s);                                                                        \
	}
#define ADD_LOAD_BODY(type, ext)                                                                   \
	{                                                                                          \
		type v;                                                                            \
                                                                                                   \
		if (EXEC_UNLIKELY(EXEC_MISS(e, va, type)))                                         \
			goto add_mem_slow;                                                         \
		rv_gmem_load(&v, (uintptr_t)(va + e->addend), sizeof(type));                       \
		x[op->rd] = (uint64_t)(ext)v;                                                      \
	}
#define ADD_STORE_BODY(type)                                                                       \
	{                                                                                          \
		type v = (type)x[op->rd];                                                          \
                                                                                                   \
		if (EXEC_UNLIKELY(EXEC_MISS(e, va, type)))                                         \
			goto add_mem_slow;                                                         \
		rv_gmem_store((uintptr_t)(va + e->addend), &v, sizeof(type));                      \
	}
#define ADD_LOAD(label, type, ext)                                                                 \
	ADD_MEM_ONE(label, tr, ADD_LOAD_BODY(type, ext), 2)                                        \
	ADD_MEM_ONE(label, tr, ADD_LOAD_BODY(type, ext), 3)                                        \
	ADD_MEM_ONE(label, tr, ADD_LOAD_BODY(type, ext), 4)
#define ADD_STORE(label, type)                                                                     \
	ADD_MEM_ONE(label, tw, ADD_STORE_BODY(type), 2)                                            \
	ADD_MEM_ONE(label, tw, ADD_STORE_BODY(type), 3)                                            \
	ADD_MEM_ONE(label, tw, ADD_STORE_BODY(type), 4)
/*
 * A taken branch or jal (link written): an in-page target is reached from
 * this handler's own indirect jump, which predicts far better than one
 * shared jump for every branch.
 */
#define TAKEN()                                                                                    \
	do {                                                                                       \
		if (EXEC_LIKELY(op->target >= 0)) {                                                \
			op = (struct rv_dinsn *)((char *)op + op->delta);                          \
			if (EXEC_UNLIKELY(jit))                                                    \
				goto jit_at;                                                       \
			DISPATCH();                                                                \
		}                                                                                  \
		goto far;                                                                          \
	} while (0)
#define BRANCH(label, cond) TWICE(label, if (cond) TAKEN();)
/*
 * A load or store that misses the TLB entry e, crosses its page, or is
 * misaligned while amask says misaligned accesses go to interp.c: one test.
 */
#define EXEC_MISS(e, va, type)                                                                     \
	(((e)->tag ^ (((va) + sizeof(type) - 1) & ~RV_PAGE_MASK)) |                                \
	 ((va) & (sizeof(type) - 1) & amask))
/* A load or store that hits the TLB within one page; anything else is slow. */
#define LOAD(label, type, ext) TWICE(label, LOAD_BODY(type, ext))
#define LOAD_BODY(type, ext)                                                                       \
	{                                                                                          \
		uint64_t va = RS1 + IMM;                                                           \
		const struct rv_tlb_entry *e = &tr[(va >> 12) & (RV_TLB_SIZE - 1)];                \
		type v;                                                                            \
                                                                                                   \
		if (EXEC_UNLIKELY(EXEC_MISS(e, va, type)))                                         \
			goto slow;                                                                 \
		rv_gmem_load(&v, (uintptr_t)(va + e->addend), sizeof(type));                       \
		x[op->rd] = (uint64_t)(ext)v;                                                      \
	}
#define STORE(label, type) TWICE(label, STORE_BODY(type))
/*
 * F/D loads and stores: rd / rs2 are f registers; FS off (illegal) and TLB
 * misses go to interp.c (do_step refetches, for the raw bits of c.fld & co). A single is NaN-boxed
 * on load; a load makes FS Dirty, as every write of an f register does.
 */
#define FP_LOAD(label, type, box) TWICE(label, FP_LOAD_BODY(type, box))
#define FP_LOAD_BODY(type, box)                                                                    \
	{                                                                                          \
		uint64_t va = RS1 + IMM;                                                           \
		const struct rv_tlb_entry *e = &tr[(va >> 12) & (RV_TLB_SIZE - 1)];                \
		type v;                                                                            \
                                                                                                   \
		if (EXEC_UNLIKELY(!(h->sstatus & RV_SSTATUS_FS)))                                  \
			goto do_step; /* illegal: stval needs the raw (maybe 16-bit) bits */       \
		if (EXEC_UNLIKELY(EXEC_MISS(e, va, type)))                                         \
			goto do_generic;                                                           \
		rv_gmem_load(&v, (uintptr_t)(va + e->addend), sizeof(type));                       \
		h->fpu.f[op->rd] = (uint64_t)v | (box);                                            \
		rv_hart_fs_dirty(h);                                                               \
	}
#define FP_STORE(label, type) TWICE(label, FP_STORE_BODY(type))
#define FP_STORE_BODY(type)                                                                        \
	{                                                                                          \
		uint64_t va = RS1 + IMM;                                                           \
		const struct rv_tlb_entry *e = &tw[(va >> 12) & (RV_TLB_SIZE - 1)];                \
		type v = (type)h->fpu.f[op->rs2];                                                  \
                                                                                                   \
		if (EXEC_UNLIKELY(!(h->sstatus & RV_SSTATUS_FS)))                                  \
			goto do_step;                                                              \
		if (EXEC_UNLIKELY(EXEC_MISS(e, va, type)))                                         \
			goto do_generic;                                                           \
		rv_gmem_store((uintptr_t)(va + e->addend), &v, sizeof(type));                      \
	}
/* F/D arithmetic straight into fpu.c; on -1 it changed nothing and interp.c raises. */
#define FPU_BODY                                                                                   \
	if (EXEC_UNLIKELY(!(h->sstatus & RV_SSTATUS_FS) ||                                         \
			  rv_fpu_execute_fast(&h->fpu, op->insn, x)))                              \
		goto do_generic;                                                                   \
	x[0] = 0;                                                                                  \
	rv_hart_fs_dirty(h);
#define STORE_BODY(type)                                                                           \
	{                                                                                          \
		uint64_t va = RS1 + IMM;                                                           \
		const struct rv_tlb_entry *e = &tw[(va >> 12) & (RV_TLB_SIZE - 1)];                \
		type v = (type)RS2;                                                                \
                                                                                                   \
		if (EXEC_UNLIKELY(EXEC_MISS(e, va, type)))                                         \
			goto slow;                                                                 \
		rv_gmem_store((uintptr_t)(va + e->addend), &v, sizeof(type));                      \
	}

	h->recheck = false;
	h->dc.decode_fn = &&do_decode;
	h->dc.page_end_fn = &&do_page_end;
enter:
	if (EXEC_UNLIKELY(left <= 0))
		goto out;
	{
		uint64_t pc = h->pc;
		unsigned idx = (pc >> 12) & (RV_TLB_SIZE - 1);

		priv = h->priv;
		tr = h->tlb.e[priv][RV_ACC_R];
		tw = h->tlb.e[priv][RV_ACC_W];
		amask = h->sbi.misaligned_slow ? 7 : 0;
		dp = h->tlb.xd[priv][idx];
		if (EXEC_UNLIKELY(!dp ||
				  h->tlb.e[priv][RV_ACC_X][idx].tag != (pc & ~RV_PAGE_MASK))) {
			h->instret = IC();
			switch (exec_enter_slow(h, &dp, &r, exit)) {
			case EXEC_ENTER_PAGE:
				break;
			case EXEC_ENTER_AGAIN:
				if (h->instret == IC()) { /* a fetch fault */
					top--;
					left--;
				}
				SET_IC(h->instret);
				goto enter;
			default:
				SET_IC(h->instret);
				goto out;
			}
		}
		page_va = pc & ~RV_PAGE_MASK;
		op = &dp->slot[(pc & RV_PAGE_MASK) >> 1];
		if (EXEC_UNLIKELY(jit)) {
			if (!jit_skip)
				goto jit_at;
			jit_skip = false;
		}
		DISPATCH();
	}

jit_at:
	/* A run of slots starts at op: its translated block, if any and if the budget covers it. */
	if (rv_jit_try(h, dp, (unsigned)(op - dp->slot), page_va, &left)) {
		jit_skip = h->jit_exit_slow != 0;
		goto enter;
	}
	DISPATCH();

do_decode:
	rv_dcache_decode(h, dp, (unsigned)(op - dp->slot));
	op->fn = dispatch[op->op][op->step - 1];
	goto * op->fn;

do_page_end:
	left++; /* not an instruction */
	h->pc = page_va + AXVM_PAGE_SIZE;
	goto enter;

do_step:
	/* Fetch, decode and execute through interp.c, which counts it itself. */
	h->pc = PC();
	h->instret = IC() - 1;
	r = rv_interp_step(h, exit);
	if (h->instret < IC()) /* a fetch fault: the dispatch used up its instruction */
		top--;
	SET_IC(h->instret);
	if (r != RV_STEP_NEXT || h->recheck)
		goto out;
	goto enter;

slow:
	/*
	 * A load or store that missed the TLB. Device registers are the common
	 * case worth a shortcut: an MMIO translation cached by an earlier access
	 * makes the exit here; everything else runs through interp.c.
	 */
	{
		uint64_t va = RS1 + IMM;
		unsigned f3 = (op->insn >> 12) & 7, width = 1u << (f3 & 3);
		bool store = op->op >= RV_DOP_SB;
		const struct rv_tlb_mmio *m =
		    &h->tlb.m[priv][store][(va >> 12) & (RV_TLB_MMIO_SIZE - 1)];

		if (m->tag == (va & ~RV_PAGE_MASK) && !(va & (width - 1) & amask) &&
		    (va & RV_PAGE_MASK) + width <= AXVM_PAGE_SIZE) {
			if (store)
				rv_interp_mmio_store_exit(exit, m->gpa | (va & RV_PAGE_MASK), f3,
							  RS2);
			else
				rv_interp_mmio_load_exit(exit, m->gpa | (va & RV_PAGE_MASK), f3,
							 (op->insn >> 7) & 31);
			h->pc = page_va + (uint64_t)op->target + 2u * op->step;
			r = RV_STEP_EXIT;
			goto out;
		}
	}
	/* Fall through: the same instruction through interp.c. */
do_generic:
	h->pc = PC();
	/* A CSR read of instret/cycle sees the instructions before this one. */
	h->instret = IC() - 1;
	r = rv_interp_exec(h, op->insn, op->op == RV_DOP_GENERIC ? (uint32_t)op->imm : op->insn,
			   2u * op->step, exit);
	x[0] = 0;
	if (!h->csr_rmw.active) /* the read half of a trapped CSR retires at its write half */
		h->instret++;
	SET_IC(h->instret);
	if (EXEC_UNLIKELY(r != RV_STEP_NEXT || h->recheck))
		goto out;
	if (EXEC_UNLIKELY(h->pc != PC() + 2u * op->step || h->priv != priv))
		goto enter; /* control flow, a trap, or a mode change */
	NEXT();

far:
	/* A taken branch or jal whose target is on another page, or the batch is done. */
	h->pc = PC() + IMM;
	goto enter;

	TWICE(do_nop, )
	ALU(do_lui, IMM)
	ALU(do_auipc, page_va + (uint64_t)op->target + IMM)
do_jal:
	x[op->rd] = PC() + 2u * op->step;
	TAKEN();
do_jalr : {
	uint64_t t = (RS1 + IMM) & ~1ull;

	x[op->rd] = PC() + 2u * op->step;
	if (EXEC_LIKELY(((t ^ page_va) & ~RV_PAGE_MASK) == 0)) {
		op = &dp->slot[(t & RV_PAGE_MASK) >> 1];
		if (EXEC_UNLIKELY(jit))
			goto jit_at;
		DISPATCH();
	}
	h->pc = t;
	goto enter;
}
	BRANCH(do_beq, RS1 == RS2)
	BRANCH(do_bne, RS1 != RS2)
	BRANCH(do_blt, (int64_t)RS1 < (int64_t)RS2)
	BRANCH(do_bge, (int64_t)RS1 >= (int64_t)RS2)
	BRANCH(do_bltu, RS1 < RS2)
	BRANCH(do_bgeu, RS1 >= RS2)

	LOAD(do_lb, int8_t, int64_t)
	LOAD(do_lh, int16_t, int64_t)
	LOAD(do_lw, int32_t, int64_t)
	LOAD(do_ld, uint64_t, uint64_t)
	LOAD(do_lbu, uint8_t, uint64_t)
	LOAD(do_lhu, uint16_t, uint64_t)
	LOAD(do_lwu, uint32_t, uint64_t)
	STORE(do_sb, uint8_t)
	STORE(do_sh, uint16_t)
	STORE(do_sw, uint32_t)
	STORE(do_sd, uint64_t)

	FP_LOAD(do_flw, uint32_t, 0xffffffff00000000ull)
	FP_LOAD(do_fld, uint64_t, 0)
	FP_STORE(do_fsw, uint32_t)
	FP_STORE(do_fsd, uint64_t)
	TWICE(do_fpu, FPU_BODY)

	/*
	 * The integer ALU rows of insn_table.h: a = rs1, b = rs2 or the
	 * immediate predecode.c put in imm (shift amounts already masked).
	 */
#define EXEC_B_R RS2
#define EXEC_B_I IMM
#define EXEC_B_S6 IMM
#define EXEC_B_S5 IMM
#define EXEC_B_U 0
#define EXEC_ALU(n, s, opc, mask, match, fmt, ext, expr)                                           \
	ALU(do_alu_##n, __extension__({                                                            \
		    uint64_t a = RS1, b = EXEC_B_##fmt;                                            \
		    (void)b;                                                                       \
		    (expr);                                                                        \
	    }))
	RV_INSN_ALU(EXEC_ALU)
#undef EXEC_ALU
#undef EXEC_B_R
#undef EXEC_B_I
#undef EXEC_B_S6
#undef EXEC_B_S5
#undef EXEC_B_U

	FUSED(do_zextw, (uint64_t)(uint32_t)RS1)
	FUSED(do_li, IMM)
	/* slli t, rs, a; srli rd, t, b: t is written too. */
	FUSED(do_shifts, (x[op->target] = RS1 << (op->imm & 63)) >> ((op->imm >> 8) & 63))
	ADD_LOAD(do_add_lb, int8_t, int64_t)
	ADD_LOAD(do_add_lh, int16_t, int64_t)
	ADD_LOAD(do_add_lw, int32_t, int64_t)
	ADD_LOAD(do_add_ld, uint64_t, uint64_t)
	ADD_LOAD(do_add_lbu, uint8_t, uint64_t)
	ADD_LOAD(do_add_lhu, uint16_t, uint64_t)
	ADD_LOAD(do_add_lwu, uint32_t, uint64_t)
	ADD_STORE(do_add_sb, uint8_t)
	ADD_STORE(do_add_sh, uint16_t)
	ADD_STORE(do_add_sw, uint32_t)
	ADD_STORE(do_add_sd, uint64_t)

add_mem_slow:
	/* The add has retired (counted at dispatch); the access runs from its own slot. */
	h->pc = PC() + 2u * op->first_step;
	goto enter;

stop:
	/* The batch is done before the instruction at op. */
	left = 0;
	h->pc = PC();
out:
	h->instret = IC();
	*done = n - (uint64_t)left;
	return r;
#undef PC
#undef DISPATCH
#undef IC
#undef SET_IC
#undef NEXT
#undef RS1
#undef RS2
#undef IMM
#undef TAKEN
#undef FUSED
#undef FUSED_ONE
#undef ADD_MEM_ONE
#undef ADD_LOAD_BODY
#undef ADD_STORE_BODY
#undef ADD_LOAD
#undef ADD_STORE
#undef STEP_TO
#undef TWICE
#undef ALU
#undef BRANCH
#undef LOAD
#undef LOAD_BODY
#undef STORE
#undef STORE_BODY
#undef FP_LOAD
#undef FP_LOAD_BODY
#undef FP_STORE
#undef FP_STORE_BODY
#undef FPU_BODY
}
