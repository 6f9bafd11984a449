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

/* Instructions run here after a fast-path MMIO access before a block is entered again. */
#define EXEC_JIT_HOLD 64u

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
	    TWO(NOP, do_nop),
	    /* lui, auipc: two handlers (fall through); jal, jalr: one (control flow) */
#define EXEC_JUMP_DISPATCH_K_UPPER(n) TWO(n, do_row_##n),
#define EXEC_JUMP_DISPATCH_K_PCREL(n) TWO(n, do_row_##n),
#define EXEC_JUMP_DISPATCH_K_JUMP(n) ONE(n, do_row_##n),
#define EXEC_JUMP_DISPATCH_K_JUMPR(n) ONE(n, do_row_##n),
#define EXEC_JUMP_DISPATCH(n, s, opc, mask, match, immf, kind, ...) EXEC_JUMP_DISPATCH_##kind(n)
	    RV_INSN_JUMP(EXEC_JUMP_DISPATCH)
#undef EXEC_JUMP_DISPATCH
#define EXEC_ROW_DISPATCH(n, s, ...) TWO(n, do_row_##n),
	    RV_INSN_BRANCH(EXEC_ROW_DISPATCH)
	    RV_INSN_LOAD(EXEC_ROW_DISPATCH)
	    RV_INSN_STORE(EXEC_ROW_DISPATCH)
#undef EXEC_ROW_DISPATCH
#define EXEC_ALU_DISPATCH(n, s, opc, mask, match, fmt, ext, jx, expr) TWO(n, do_alu_##n),
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
#define EXEC_ADD_DISPATCH(n, s, ...) PAIR(ADD_##n, do_add_##n),
	    RV_INSN_LOAD(EXEC_ADD_DISPATCH)
	    RV_INSN_STORE(EXEC_ADD_DISPATCH)
#undef EXEC_ADD_DISPATCH
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
	const unsigned jit_slot_hot = jit ? rv_jit_slot_hot(h->jit) : 0;
	bool jit_skip = false;
	/* `enter` follows a block that ran (the next slot goes to the translator at once). */
	bool jit_from_block = false;
	/*
	 * No block is entered before instret reaches jit_hold: set just after
	 * an MMIO access the fast path completed. A loop that touches a
	 * device every few instructions would otherwise enter its block only
	 * to leave it at once at the access (a TLB miss in translated code),
	 * which costs more than interpreting the loop; a loop with rare
	 * accesses is back in translated code within EXEC_JIT_HOLD instructions.
	 */
	uint64_t jit_hold = 0;
	uint64_t mmio_v; /* the fast path's data (mmio_done) */
	uint32_t mxcsr = 0;

/* pc of the current slot. */
#define PC() (page_va + ((uint64_t)(op - dp->slot) << 1))
/*
 * Start the instruction at op, unless the batch's n instructions are done
 * (exact). A slot never decoded is all zero (dcache.h): no handler yet.
 */
#define DISPATCH()                                                                                 \
	do {                                                                                       \
		const void *fn_ = op->fn;                                                          \
                                                                                                   \
		if (EXEC_UNLIKELY(--left < 0))                                                     \
			goto stop;                                                                 \
		goto *(fn_ ? fn_ : &&do_decode);                                                   \
	} while (0)
/* instret now, and setting it (after a call that counted instructions itself). */
#define IC() (top - (uint64_t)left)
#define SET_IC(v) (left = (int64_t)(top - (v)))
#define NEXT()                                                                                     \
	do {                                                                                       \
		op += op->step;                                                                    \
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
	/*
	 * Translated code's host FP environment (jit.h), set once per batch:
	 * around every block entry it was two stmxcsr per entry. What runs
	 * between blocks keeps the host's defaults (round to nearest, every
	 * exception masked); fpu_host.c saves and restores around its own.
	 */
	if (jit)
		mxcsr = rv_fpu_host_env_enter();
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
			if (jit_from_block && !jit_skip)
				goto jit_ask;
			if (!jit_skip)
				goto jit_at;
			jit_skip = false;
			jit_from_block = false;
		}
		DISPATCH();
	}

jit_at:
	/* A run of slots starts at op: its translated block, if any and if the budget covers it. */
	if (EXEC_UNLIKELY(IC() < jit_hold))
		DISPATCH();
	/*
	 * Interpreted code counts in the slot it is about to run anyway; where
	 * a block left off (jit_ask), the next block is likely there already,
	 * and the slot's line would be one more cache miss.
	 */
	if (op->hot < jit_slot_hot) {
		op->hot++;
		DISPATCH();
	}
jit_ask:
	if (rv_jit_try(h, dp, (unsigned)(op - dp->slot), page_va, &left, !jit_from_block)) {
		jit_from_block = true;
		jit_skip = h->jit_exit_slow != 0;
		if (EXEC_UNLIKELY(h->recheck))
			goto out; /* a CSR write in the block may have enabled an interrupt */
		goto enter;
	}
	jit_from_block = false;
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
	 * makes the access (h->mmio_access) or the exit here; everything else
	 * runs through interp.c.
	 */
	{
		uint64_t va = RS1 + IMM;
		unsigned f3 = (op->insn >> 12) & 7, width = 1u << (f3 & 3);
		bool store = op->op >= RV_DOP_SB;
		const struct rv_tlb_mmio *m =
		    &h->tlb.m[priv][store][(va >> 12) & (RV_TLB_MMIO_SIZE - 1)];

		if (m->tag == (va & ~RV_PAGE_MASK) && !(va & (width - 1) & amask) &&
		    (va & RV_PAGE_MASK) + width <= AXVM_PAGE_SIZE) {
			/* The VM's fast path first (mmio_done); if it declines, the exit. */
			mmio_v = RS2;
			if (EXEC_LIKELY(h->mmio_access != NULL) &&
			    h->mmio_access(h->mmio_opaque, m->gpa | (va & RV_PAGE_MASK), width,
					   &mmio_v, store) == 0)
				goto mmio_done;
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
	goto do_generic;

mmio_done:
	/*
	 * The fast path did the access: the instruction completes like any
	 * load or store (about 300 host instructions fewer than an exit round
	 * trip). Anything new for this hart that the device raised (an
	 * interrupt, a kick, a flush request) ends the batch, so it is seen
	 * at once, as after an exit.
	 */
	if (op->op < RV_DOP_SB) {
		unsigned f3 = (op->insn >> 12) & 7, sh = 64 - (8u << (f3 & 3));

		/* The bytes past the width are undefined (axvm_vcpu_setup_info.mmio_access). */
		x[op->rd] =
		    f3 & 4 ? (mmio_v << sh) >> sh : (uint64_t)((int64_t)(mmio_v << sh) >> sh);
	}
	jit_hold = IC() + EXEC_JIT_HOLD;
	if (EXEC_UNLIKELY(__atomic_load_n(&h->events, __ATOMIC_RELAXED) |
			  (__atomic_load_n(&h->pending, __ATOMIC_RELAXED) & (uint32_t)h->sie))) {
		h->pc = PC() + 2u * op->step;
		r = RV_STEP_NEXT;
		goto out;
	}
	NEXT();

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
/*
 * insn_table.h's lui/auipc/jal/jalr rows: the row's value for rd and (jalr)
 * next pc, with pc the slot's (auipc: from its page offset), len its length;
 * jal's target is the slot link predecode.c made from the row's immediate.
 */
#define EXEC_JUMP_VARS(pcv)                                                                        \
	uint64_t pc = (pcv), len = 2u * op->step, imm = IMM, a = RS1;                              \
	(void)pc;                                                                                  \
	(void)len;                                                                                 \
	(void)imm;                                                                                 \
	(void)a
#define EXEC_K_UPPER(n, value, next)                                                               \
	ALU(do_row_##n, __extension__({                                                            \
		    EXEC_JUMP_VARS(0);                                                             \
		    (value);                                                                       \
	    }))
#define EXEC_K_PCREL(n, value, next)                                                               \
	ALU(do_row_##n, __extension__({                                                            \
		    EXEC_JUMP_VARS(page_va + (uint64_t)op->target);                                \
		    (value);                                                                       \
	    }))
#define EXEC_K_JUMP(n, value, next)                                                                \
	do_row_##n:                                                                                \
	{                                                                                          \
		EXEC_JUMP_VARS(PC());                                                              \
		x[op->rd] = (value);                                                               \
		TAKEN();                                                                           \
	}
#define EXEC_K_JUMPR(n, value, next)                                                               \
	do_row_##n:                                                                                \
	{                                                                                          \
		EXEC_JUMP_VARS(PC());                                                              \
		uint64_t t = (next);                                                               \
                                                                                                   \
		x[op->rd] = (value);                                                               \
		if (EXEC_LIKELY(((t ^ page_va) & ~RV_PAGE_MASK) == 0)) {                           \
			op = &dp->slot[(t & RV_PAGE_MASK) >> 1];                                   \
			if (EXEC_UNLIKELY(jit))                                                    \
				goto jit_at;                                                       \
			DISPATCH();                                                                \
		}                                                                                  \
		h->pc = t;                                                                         \
		goto enter;                                                                        \
	}
#define EXEC_JUMP(n, s, opc, mask, match, immf, kind, value, next) EXEC_##kind(n, value, next)
	RV_INSN_JUMP(EXEC_JUMP)
#undef EXEC_JUMP
/*
 * The branch, load and store rows of insn_table.h: the row's condition
 * of a = rs1 and b = rs2, what a load reads and how it widens, what a
 * store writes.
 */
#define EXEC_BRANCH(n, s, opc, mask, match, ext, jx, cond)                                         \
	BRANCH(do_row_##n, __extension__({                                                         \
		       uint64_t a = RS1, b = RS2;                                                  \
		       (cond);                                                                     \
	       }))
#define EXEC_LOAD(n, s, opc, mask, match, ext, jx, type, xt) LOAD(do_row_##n, type, xt)
#define EXEC_STORE(n, s, opc, mask, match, ext, jx, type) STORE(do_row_##n, type)
	RV_INSN_BRANCH(EXEC_BRANCH)
	RV_INSN_LOAD(EXEC_LOAD)
	RV_INSN_STORE(EXEC_STORE)
#undef EXEC_BRANCH
#undef EXEC_LOAD
#undef EXEC_STORE

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
#define EXEC_ALU(n, s, opc, mask, match, fmt, ext, jx, expr)                                       \
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
#define EXEC_ADD_LOAD(n, s, opc, mask, match, ext, jx, type, xt) ADD_LOAD(do_add_##n, type, xt)
#define EXEC_ADD_STORE(n, s, opc, mask, match, ext, jx, type) ADD_STORE(do_add_##n, type)
	RV_INSN_LOAD(EXEC_ADD_LOAD)
	RV_INSN_STORE(EXEC_ADD_STORE)
#undef EXEC_ADD_LOAD
#undef EXEC_ADD_STORE

add_mem_slow:
	/* The add has retired (counted at dispatch); the access runs from its own slot. */
	h->pc = PC() + 2u * op->first_step;
	goto enter;

stop:
	/* The batch is done before the instruction at op. */
	left = 0;
	h->pc = PC();
out:
	if (jit)
		rv_fpu_host_env_leave(mxcsr);
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
