/* SPDX-License-Identifier: MIT */
/*
 * The interpreter: fetch (16-bit parcels, instructions may straddle a page),
 * expand compressed instructions, execute RV64I, M, Zicsr, Zifencei, the
 * privileged instructions (sret, wfi, sfence.vma), the F/D loads and stores
 * (arithmetic goes to fpu.c) and, through amo.c, the A extension.
 *
 * Memory accesses: misaligned loads and stores to RAM are performed (the
 * spec allows it), also across a page boundary (both pages are translated
 * before any byte is written), unless SBI FWFT delegates them to the guest
 * (then they raise the address-misaligned exception); AMOs and LR/SC must be aligned (address
 * misaligned exception otherwise). A load/store whose guest-physical address
 * is emulated leaves run() as MmioRead/MmioWrite with pc past the
 * instruction; an FP load/store, an access crossing into an emulated page,
 * or an AMO on an emulated page raises an access fault instead.
 */
#include <string.h>

#include "arch/riscv64/decode.h"
#include "arch/riscv64/gmem.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/insn_table.h"
#include "arch/riscv64/interp.h"
#include "arch/riscv64/sbi.h"

static int interp_illegal(struct rv_hart *h, uint32_t raw)
{
	rv_hart_raise(h, RV_EXC_ILLEGAL, raw);
	return RV_STEP_NEXT;
}

/*
 * Translate [va, va + len) (len <= 8) for one access. Fills p[0] (and p[1]
 * with n0 = bytes in the first page if the range crosses a page).
 */
enum rv_mem rv_interp_mem(struct rv_hart *h, uint64_t va, unsigned len, enum rv_acc acc,
			  struct rv_span *sp, struct axvm_exit *exit)
{
	unsigned off = va & RV_PAGE_MASK;
	enum rv_xlate x;

	sp->n0 = len;
	sp->p[1] = NULL;
	x = rv_mmu_translate(h, va, acc, &sp->p[0], &sp->gpa, exit);
	if (x == RV_XL_TRAP)
		return RV_MEM_TRAP;
	if (x == RV_XL_EXIT)
		return RV_MEM_EXIT;
	if (off + len <= AXVM_PAGE_SIZE)
		return x == RV_XL_MMIO ? RV_MEM_MMIO : RV_MEM_OK;

	/* Crossing a page: both halves must be RAM. */
	axvm_gpa_t gpa2;
	uint64_t va2 = (va | RV_PAGE_MASK) + 1;

	if (x == RV_XL_MMIO) {
		rv_hart_raise(h, acc == RV_ACC_W ? RV_EXC_STORE_ACCESS : RV_EXC_LOAD_ACCESS, va);
		return RV_MEM_TRAP;
	}
	x = rv_mmu_translate(h, va2, acc, &sp->p[1], &gpa2, exit);
	if (x == RV_XL_TRAP)
		return RV_MEM_TRAP;
	if (x == RV_XL_EXIT)
		return RV_MEM_EXIT;
	if (x == RV_XL_MMIO) {
		rv_hart_raise(h, acc == RV_ACC_W ? RV_EXC_STORE_ACCESS : RV_EXC_LOAD_ACCESS, va2);
		return RV_MEM_TRAP;
	}
	sp->n0 = (unsigned)(AXVM_PAGE_SIZE - off);
	return RV_MEM_OK;
}

static uint64_t interp_get(const struct rv_span *sp, unsigned len)
{
	uint64_t v = 0;

	rv_gmem_load(&v, (uintptr_t)sp->p[0], sp->n0);
	if (sp->n0 < len)
		rv_gmem_load((uint8_t *)&v + sp->n0, (uintptr_t)sp->p[1], len - sp->n0);
	return v; /* little-endian host assumed, as the guest is */
}

static void interp_put(const struct rv_span *sp, unsigned len, uint64_t v)
{
	rv_gmem_store((uintptr_t)sp->p[0], &v, sp->n0);
	if (sp->n0 < len)
		rv_gmem_store((uintptr_t)sp->p[1], (uint8_t *)&v + sp->n0, len - sp->n0);
}

/*
 * A misaligned load or store while FWFT delegates them (the guest takes the
 * exception: true) or the PMU counts them (false, counted). The exec.c fast
 * paths send misaligned accesses here only while misaligned_slow is set.
 */
static inline bool interp_misaligned(struct rv_hart *h, uint64_t va, unsigned width, bool store)
{
	return (va & (width - 1)) && h->sbi.misaligned_slow &&
	       rv_sbi_misaligned_access(h, va, store);
}

/* TLB hit for an access that stays within one page, or NULL. */
static inline uint8_t *interp_fast(struct rv_hart *h, uint64_t va, unsigned len, enum rv_acc acc)
{
	if ((va & RV_PAGE_MASK) + len > AXVM_PAGE_SIZE)
		return NULL;
	return rv_tlb_lookup(&h->tlb, h->priv, acc, va);
}

static inline uint64_t interp_get_fixed(const uint8_t *p, unsigned len)
{
	uint8_t b;
	uint16_t hw;
	uint32_t w;
	uint64_t d;

	switch (len) {
	case 1:
		rv_gmem_load(&b, (uintptr_t)p, 1);
		return b;
	case 2:
		rv_gmem_load(&hw, (uintptr_t)p, 2);
		return hw;
	case 4:
		rv_gmem_load(&w, (uintptr_t)p, 4);
		return w;
	default:
		rv_gmem_load(&d, (uintptr_t)p, 8);
		return d;
	}
}

static inline void interp_put_fixed(uint8_t *p, unsigned len, uint64_t v)
{
	uint8_t b = (uint8_t)v;
	uint16_t hw = (uint16_t)v;
	uint32_t w = (uint32_t)v;

	switch (len) {
	case 1:
		rv_gmem_store((uintptr_t)p, &b, 1);
		break;
	case 2:
		rv_gmem_store((uintptr_t)p, &hw, 2);
		break;
	case 4:
		rv_gmem_store((uintptr_t)p, &w, 4);
		break;
	default:
		rv_gmem_store((uintptr_t)p, &v, 8);
		break;
	}
}

static int interp_load(struct rv_hart *h, uint32_t insn, unsigned len, struct axvm_exit *exit)
{
	/* the row (insn_table.h) gives the width and the widening */
	int id = rv_insn_load_find(insn, h->ext_on);
	unsigned f3 = rv_funct3(insn), width;
	uint64_t va = h->x[rv_rs1(insn)] + (uint64_t)rv_imm_i(insn);
	struct rv_span sp;

	uint8_t *p;

	if (id < 0)
		return interp_illegal(h, insn);
	width = rv_insn_load_width(id);
	if (interp_misaligned(h, va, width, false))
		return RV_STEP_NEXT;
	p = interp_fast(h, va, width, RV_ACC_R);
	if (p) {
		uint64_t v = interp_get_fixed(p, width);

		h->x[rv_rd(insn)] = rv_insn_load_value(id, v);
		h->pc += len;
		return RV_STEP_NEXT;
	}
	if ((va & RV_PAGE_MASK) + width <= AXVM_PAGE_SIZE &&
	    rv_tlb_mmio_lookup(&h->tlb, h->priv, RV_ACC_R, va, &sp.gpa))
		goto mmio;
	switch (rv_interp_mem(h, va, width, RV_ACC_R, &sp, exit)) {
	case RV_MEM_OK: {
		uint64_t v = interp_get(&sp, width);

		h->x[rv_rd(insn)] = rv_insn_load_value(id, v);
		h->pc += len;
		return RV_STEP_NEXT;
	}
	case RV_MEM_MMIO:
	mmio:
		rv_interp_mmio_load_exit(exit, sp.gpa, f3, rv_rd(insn));
		h->pc += len;
		return RV_STEP_EXIT;
	case RV_MEM_EXIT:
		return RV_STEP_EXIT;
	default:
		return RV_STEP_NEXT;
	}
}

static int interp_store(struct rv_hart *h, uint32_t insn, unsigned len, struct axvm_exit *exit)
{
	int id = rv_insn_store_find(insn, h->ext_on); /* the row: the width */
	unsigned f3 = rv_funct3(insn), width;
	uint64_t va = h->x[rv_rs1(insn)] + (uint64_t)rv_imm_s(insn);
	uint64_t v = h->x[rv_rs2(insn)];
	struct rv_span sp;

	uint8_t *p;

	if (id < 0)
		return interp_illegal(h, insn);
	width = rv_insn_store_width(id);
	if (interp_misaligned(h, va, width, true))
		return RV_STEP_NEXT;
	p = interp_fast(h, va, width, RV_ACC_W);
	if (p) {
		interp_put_fixed(p, width, v);
		h->pc += len;
		return RV_STEP_NEXT;
	}
	if ((va & RV_PAGE_MASK) + width <= AXVM_PAGE_SIZE &&
	    rv_tlb_mmio_lookup(&h->tlb, h->priv, RV_ACC_W, va, &sp.gpa))
		goto mmio;
	switch (rv_interp_mem(h, va, width, RV_ACC_W, &sp, exit)) {
	case RV_MEM_OK:
		interp_put(&sp, width, v);
		h->pc += len;
		return RV_STEP_NEXT;
	case RV_MEM_MMIO:
	mmio:
		rv_interp_mmio_store_exit(exit, sp.gpa, f3, v);
		h->pc += len;
		return RV_STEP_EXIT;
	case RV_MEM_EXIT:
		return RV_STEP_EXIT;
	default:
		return RV_STEP_NEXT;
	}
}

static int interp_fp_mem(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
			 struct axvm_exit *exit)
{
	bool store = rv_opcode(insn) == RV_OP_STORE_FP;
	unsigned f3 = rv_funct3(insn), width;
	uint64_t va;
	struct rv_span sp;
	enum rv_mem m;

	/* FLH/FSH (f3 = 1) with Zfhmin, FLW/FSW, FLD/FSD. */
	if ((f3 < 1 || f3 > 3) || (f3 == 1 && h->fpu.half == RV_FPU_HALF_NONE) || rv_hart_fs_off(h))
		return interp_illegal(h, raw);
	width = 1u << f3;
	va = h->x[rv_rs1(insn)] + (uint64_t)(store ? rv_imm_s(insn) : rv_imm_i(insn));
	if (interp_misaligned(h, va, width, store))
		return RV_STEP_NEXT;
	m = rv_interp_mem(h, va, width, store ? RV_ACC_W : RV_ACC_R, &sp, exit);
	if (m == RV_MEM_EXIT)
		return RV_STEP_EXIT;
	if (m == RV_MEM_TRAP)
		return RV_STEP_NEXT;
	if (m == RV_MEM_MMIO) {
		rv_hart_raise(h, store ? RV_EXC_STORE_ACCESS : RV_EXC_LOAD_ACCESS, va);
		return RV_STEP_NEXT;
	}
	if (store) {
		interp_put(&sp, width, h->fpu.f[rv_rs2(insn)]);
	} else {
		uint64_t v = interp_get(&sp, width);

		/* Narrow values are NaN-boxed: all ones above them. */
		h->fpu.f[rv_rd(insn)] = width == 8 ? v : v | (~0ull << (8 * width));
		rv_hart_fs_dirty(h);
	}
	h->pc += len;
	return RV_STEP_NEXT;
}

static int interp_fp_op(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len)
{
	if (rv_hart_fs_off(h) || rv_fpu_execute(&h->fpu, insn, h->x) != 0)
		return interp_illegal(h, raw);
	rv_hart_fs_dirty(h);
	h->pc += len;
	return RV_STEP_NEXT;
}

/*
 * OP, OP-IMM, OP-32, OP-IMM-32: the rows of insn_table.h (base, M, Zba, Zbb,
 * Zbc, Zbs, Zicond); an encoding with no row, or whose extension is off, is
 * illegal. opc is a constant at each call so only that opcode's rows remain.
 */
static inline int interp_alu(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
			     unsigned opc)
{
	int id = rv_insn_alu_find(insn, opc, h->ext_on);

	if (id < 0)
		return interp_illegal(h, raw);
	h->x[rv_rd(insn)] = rv_insn_alu_exec(id, insn, h->x);
	h->pc += len;
	return RV_STEP_NEXT;
}

/* BRANCH: the row of insn_table.h gives the condition. */
static int interp_branch(struct rv_hart *h, uint32_t insn, unsigned len, uint32_t raw)
{
	int id = rv_insn_branch_find(insn, h->ext_on);

	if (id < 0)
		return interp_illegal(h, raw);
	if (rv_insn_branch_taken(id, h->x[rv_rs1(insn)], h->x[rv_rs2(insn)]))
		h->pc += (uint64_t)rv_imm_b(insn);
	else
		h->pc += len;
	return RV_STEP_NEXT;
}

/*
 * A custom CSR: the VMM emulates it through SysRegRead/SysRegWrite exits.
 * A pure read is one exit into rd, csrrw with rd = x0 one write exit; any
 * other form needs the old value first: a SysRegRead into the hidden
 * AXVM_RISCV64_REG_CSR_TMP with pc unchanged, then (rv_interp_csr_rmw_finish
 * at the next run()) rd and the SysRegWrite exit.
 */
static int interp_csr_trapped(struct rv_hart *h, int id, uint32_t insn, uint64_t src,
			      struct axvm_exit *exit)
{
	unsigned csr = insn >> 20, rd = rv_rd(insn), rs1 = rv_rs1(insn);
	bool is_rw = rv_insn_csr_always(id), writes = is_rw || rs1 != 0;

	if (h->csr_unclaimed_illegal && h->sysreg_claimed &&
	    !h->sysreg_claimed(h->sysreg_opaque, csr))
		return interp_illegal(h, insn);
	memset(exit, 0, sizeof(*exit));
	if (!writes) {
		exit->reason = AXVM_EXIT_SYSREG_READ;
		exit->sysreg_read.addr = csr;
		exit->sysreg_read.reg = (uint8_t)rd;
		h->pc += 4;
		return RV_STEP_EXIT;
	}
	if (is_rw && rd == 0) {
		exit->reason = AXVM_EXIT_SYSREG_WRITE;
		exit->sysreg_write.addr = csr;
		exit->sysreg_write.value = src;
		h->pc += 4;
		return RV_STEP_EXIT;
	}
	h->csr_rmw.active = true;
	h->csr_rmw.pc = h->pc;
	h->csr_rmw.insn = insn;
	h->csr_rmw.src = src;
	h->csr_tmp = 0;
	exit->reason = AXVM_EXIT_SYSREG_READ;
	exit->sysreg_read.addr = csr;
	exit->sysreg_read.reg = AXVM_RISCV64_REG_CSR_TMP;
	return RV_STEP_EXIT;
}

int rv_interp_csr_rmw_finish(struct rv_hart *h, struct axvm_exit *exit)
{
	uint32_t insn = h->csr_rmw.insn;
	uint64_t old = h->csr_tmp;

	if (!h->csr_rmw.active)
		return RV_STEP_NEXT;
	h->csr_rmw.active = false;
	if (h->pc != h->csr_rmw.pc)
		return RV_STEP_NEXT; /* the VMM moved the hart elsewhere: drop the write */
	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_SYSREG_WRITE;
	exit->sysreg_write.addr = insn >> 20;
	exit->sysreg_write.value = rv_insn_csr_new(rv_insn_csr_find(insn), old, h->csr_rmw.src);
	h->x[rv_rd(insn)] = old;
	h->x[0] = 0;
	h->pc += 4;
	h->instret++;
	return RV_STEP_EXIT;
}

/* csrrw/csrrs/csrrc and the immediate forms: insn_table.h's CSR row id. */
static int interp_csr(struct rv_hart *h, int id, uint32_t insn, struct axvm_exit *exit)
{
	unsigned csr = insn >> 20, rd = rv_rd(insn), rs1 = rv_rs1(insn);
	uint64_t src = rv_insn_csr_src(id, insn, h->x), old = 0, val;
	bool is_rw = rv_insn_csr_always(id);
	bool writes = is_rw || rs1 != 0;

	if (((csr >> 8) & 3) > (unsigned)h->priv)
		return interp_illegal(h, insn);
	if (writes && (csr >> 10) == 3)
		return interp_illegal(h, insn);

	if (rv_csr_is_trapped(csr))
		return interp_csr_trapped(h, id, insn, src, exit);

	if (!(is_rw && rd == 0) && rv_csr_read(h, csr, &old))
		return interp_illegal(h, insn);
	if (writes) {
		val = rv_insn_csr_new(id, old, src);
		if (rv_csr_write(h, csr, val))
			return interp_illegal(h, insn);
		h->recheck = true; /* may have enabled an interrupt */
	}
	h->x[rd] = old;
	h->pc += 4;
	return RV_STEP_NEXT;
}

/*
 * The semantics of insn_table.h's SYSTEM rows (the privilege check, U-mode
 * illegal for s_only rows, and the extension check are the table's).
 */
static int interp_ecall(struct rv_hart *h, uint32_t insn, unsigned len, struct axvm_exit *exit)
{
	int r;

	(void)insn;
	if (h->priv == RV_PRIV_U) {
		rv_hart_raise(h, RV_EXC_ECALL_U, 0);
		return RV_STEP_NEXT;
	}
	h->pc += len;
	r = rv_sbi_ecall(h, exit);
	h->x[0] = 0;
	if (r > 0) {
		h->recheck = true;
		return RV_STEP_NEXT;
	}
	return r < 0 ? r : RV_STEP_EXIT;
}

static int interp_ebreak(struct rv_hart *h, uint32_t insn, unsigned len, struct axvm_exit *exit)
{
	(void)insn;
	(void)len;
	(void)exit;
	rv_hart_raise(h, RV_EXC_BREAKPOINT, h->pc);
	return RV_STEP_NEXT;
}

static int interp_sret(struct rv_hart *h, uint32_t insn, unsigned len, struct axvm_exit *exit)
{
	uint64_t s = h->sstatus;

	(void)insn;
	(void)len;
	(void)exit;
	h->priv = (s & RV_SSTATUS_SPP) ? RV_PRIV_S : RV_PRIV_U;
	if (h->priv != RV_PRIV_S) {
		/* sret retires in S (the caller counts it after we return). */
		h->instret++;
		rv_sbi_pmu_mode_change(h, RV_PRIV_S);
		h->instret--;
	}
	s &= ~(RV_SSTATUS_SIE | RV_SSTATUS_SPP);
	if (s & RV_SSTATUS_SPIE)
		s |= RV_SSTATUS_SIE;
	s |= RV_SSTATUS_SPIE;
	h->sstatus = s;
	h->pc = h->sepc;
	h->resv_valid = false;
	h->recheck = true;
	return RV_STEP_NEXT;
}

static int interp_wfi(struct rv_hart *h, uint32_t insn, unsigned len, struct axvm_exit *exit)
{
	(void)insn;
	h->pc += len;
	h->recheck = true;
	if (rv_hart_pending_enabled(h) || rv_sbi_sse_ready(h))
		return RV_STEP_NEXT;
	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_HALT;
	return RV_STEP_EXIT;
}

/* SFENCE.VMA, and SINVAL.VMA (Svinval) which is the same here. */
static int interp_sfence_vma(struct rv_hart *h, uint32_t insn, unsigned len, struct axvm_exit *exit)
{
	(void)exit;
	if (rv_rs1(insn) == 0)
		rv_tlb_flush_all(&h->tlb);
	else
		rv_tlb_flush_page(&h->tlb, h->x[rv_rs1(insn)]);
	h->pc += len;
	h->recheck = true; /* the running page's mapping may have changed */
	return RV_STEP_NEXT;
}

/*
 * Rows that only retire: SFENCE.W.INVAL and SFENCE.INVAL.IR (sinval.vma
 * already flushed at once), and Zawrs's WRS.NTO/WRS.STO, whose stall is
 * optional (the spec lets the wait end at any time): they retire at once,
 * as a pause, and the guest's loop re-checks its condition, as it must
 * after any wake-up.
 */
static int interp_retire(struct rv_hart *h, uint32_t insn, unsigned len, struct axvm_exit *exit)
{
	(void)insn;
	(void)exit;
	h->pc += len;
	return RV_STEP_NEXT;
}

static int interp_system(struct rv_hart *h, uint32_t insn, unsigned len, uint32_t raw,
			 struct axvm_exit *exit)
{
	int id;

	if (rv_funct3(insn) != 0) {
		id = rv_insn_csr_find(insn);
		return id < 0 ? interp_illegal(h, raw) : interp_csr(h, id, insn, exit);
	}
	id = rv_insn_system_find(insn, h->ext_on);
	if (id < 0 || (h->priv == RV_PRIV_U && rv_insn_system_s_only(id)))
		return interp_illegal(h, raw);
	switch (id) {
#define RV_INSN_SYS_RUN(n, s, opc, mask, match, ext, s_only, fn)                                   \
	case RV_I_##n:                                                                             \
		return fn(h, insn, len, exit);
		RV_INSN_SYSTEM(RV_INSN_SYS_RUN)
#undef RV_INSN_SYS_RUN
	default:
		return interp_illegal(h, raw);
	}
}

/* Execute one (expanded) instruction; raw = its original bits for stval. */
/*
 * FENCE (any predecessor/successor sets, FENCE.TSO and PAUSE too): guest
 * loads and stores are plain host accesses to memory the other vCPU threads
 * share, so this is a full host barrier. On x86-64 a locked read-modify-write
 * is one (Intel SDM vol. 3A, "Memory Ordering in P6 and More Recent Processor
 * Families": locked instructions have a total order and no load or store
 * passes them); it is what GCC emits for a sequentially consistent fence
 * anyway (a locked OR to the stack) and what Linux's smp_mb() uses, so it
 * costs the same. As an atomic on a word of the hart's own, ThreadSanitizer
 * can instrument it, while it models no standalone fence (GCC rejects one
 * under -fsanitize=thread). Other hosts keep the fence: there an RMW need not
 * keep a later load behind an earlier store (aarch64's LL/SC sequences).
 */
static inline void interp_fence(struct rv_hart *h)
{
#if defined(__x86_64__)
	__atomic_fetch_or(&h->fence_word, 0, __ATOMIC_SEQ_CST);
#else
	(void)h;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static int interp_exec(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		       struct axvm_exit *exit)
{
	switch (rv_opcode(insn)) {
		/* lui, auipc, jal, jalr: insn_table.h's RV_INSN_JUMP rows (value and next pc) */
#define INTERP_JUMP(n, s, opc, mask, match, immf, kind, value, next)                               \
	case opc: {                                                                                \
		uint64_t pc = h->pc, a = h->x[rv_rs1(insn)], imm = RV_INSN_IMM_##immf(insn), v;    \
                                                                                                   \
		(void)a;                                                                           \
		if ((insn & (mask)) != (match))                                                    \
			return interp_illegal(h, raw);                                             \
		v = (value);                                                                       \
		h->pc = (next);                                                                    \
		h->x[rv_rd(insn)] = v;                                                             \
		return RV_STEP_NEXT;                                                               \
	}
		RV_INSN_JUMP(INTERP_JUMP)
#undef INTERP_JUMP
	case RV_OP_BRANCH:
		return interp_branch(h, insn, len, raw);
	case RV_OP_LOAD:
		return interp_load(h, insn, len, exit);
	case RV_OP_STORE:
		return interp_store(h, insn, len, exit);
	case RV_OP_IMM:
		return interp_alu(h, insn, raw, len, RV_OP_IMM);
	case RV_OP_IMM_32:
		return interp_alu(h, insn, raw, len, RV_OP_IMM_32);
	case RV_OP_OP:
		return interp_alu(h, insn, raw, len, RV_OP_OP);
	case RV_OP_OP_32:
		return interp_alu(h, insn, raw, len, RV_OP_OP_32);
	case RV_OP_MISC_MEM:
		switch (rv_funct3(insn)) {
		case 0: /* FENCE: guest memory is host memory; order it for other vCPUs */
			interp_fence(h);
			break;
		case 1: /* FENCE.I: later fetches see every store this hart can see */
			rv_dcache_invalidate_all(h);
			break;
		case 2: /* cbo.* (Zicbom, Zicboz): insn_table.h's rows name the helpers */
			switch (rv_insn_cbo_find(insn, h->ext_on)) {
#define INTERP_CBO(n, s, opc, mask, match, ext, fast, fn)                                          \
	case RV_I_##n:                                                                             \
		return fn(h, insn, raw, len, exit);
				RV_INSN_CBO(INTERP_CBO)
#undef INTERP_CBO
			default:
				return interp_illegal(h, raw);
			}
		default:
			return interp_illegal(h, raw);
		}
		h->pc += len;
		return RV_STEP_NEXT;
	case RV_OP_AMO: /* LR/SC/AMO*: insn_table.h's rows name amo.c's helpers */
		switch (rv_insn_amo_find(insn)) {
#define INTERP_AMO(n, s, opc, mask, match, width, acc, fn)                                         \
	case RV_I_##n:                                                                             \
		return rv_amo_run(h, insn, (width), RV_ACC_##acc, fn, exit);
			RV_INSN_AMO(INTERP_AMO)
#undef INTERP_AMO
		default:
			return interp_illegal(h, raw);
		}
	case RV_OP_SYSTEM:
		return interp_system(h, insn, len, raw, exit);
	case RV_OP_LOAD_FP:
	case RV_OP_STORE_FP:
		return interp_fp_mem(h, insn, raw, len, exit);
	case RV_OPC_OP_FP:
	case RV_OPC_MADD:
	case RV_OPC_MSUB:
	case RV_OPC_NMSUB:
	case RV_OPC_NMADD:
		return interp_fp_op(h, insn, raw, len);
	default:
		return interp_illegal(h, raw);
	}
}

/* Fetch the instruction at pc: RV_MEM_OK with *insn, or a trap/exit. */
static enum rv_mem interp_fetch(struct rv_hart *h, uint32_t *insn, struct axvm_exit *exit)
{
	uint64_t pc = h->pc;
	uint8_t *p = rv_tlb_lookup(&h->tlb, h->priv, RV_ACC_X, pc), *q;
	axvm_gpa_t gpa;
	uint16_t lo, hi;
	enum rv_xlate x;

	if (!p) {
		x = rv_mmu_translate(h, pc, RV_ACC_X, &p, &gpa, exit);
		if (x == RV_XL_EXIT)
			return RV_MEM_EXIT;
		if (x != RV_XL_HOST)
			return RV_MEM_TRAP; /* MMIO fetches were turned into access faults */
	}
	if ((pc & RV_PAGE_MASK) <= AXVM_PAGE_SIZE - 4) {
		uint32_t w;

		rv_gmem_load(&w, (uintptr_t)p, 4);
		*insn = w;
		return RV_MEM_OK;
	}
	rv_gmem_load(&lo, (uintptr_t)p, 2);
	if ((lo & 3) != 3) {
		*insn = lo;
		return RV_MEM_OK;
	}
	/* A 32-bit instruction straddling a page: the second half's faults name pc + 2. */
	q = rv_tlb_lookup(&h->tlb, h->priv, RV_ACC_X, pc + 2);
	if (!q) {
		x = rv_mmu_translate(h, pc + 2, RV_ACC_X, &q, &gpa, exit);
		if (x == RV_XL_EXIT)
			return RV_MEM_EXIT;
		if (x != RV_XL_HOST)
			return RV_MEM_TRAP;
	}
	rv_gmem_load(&hi, (uintptr_t)q, 2);
	*insn = (uint32_t)hi << 16 | lo;
	return RV_MEM_OK;
}

static inline int interp_step(struct rv_hart *h, struct axvm_exit *exit)
{
	uint32_t insn, raw;
	unsigned len = 4;
	int r;

	switch (interp_fetch(h, &raw, exit)) {
	case RV_MEM_OK:
		break;
	case RV_MEM_EXIT:
		return RV_STEP_EXIT;
	default:
		return RV_STEP_NEXT;
	}
	insn = raw;
	if ((raw & 3) != 3) {
		raw &= 0xffff;
		len = 2;
		if (h->rvc_memo) {
			insn = h->rvc_memo[raw];
			if (!insn) {
				insn = rv_expand_compressed((uint16_t)raw);
				h->rvc_memo[raw] = insn ? insn : RV_RVC_ILLEGAL;
			} else if (insn == RV_RVC_ILLEGAL) {
				insn = 0;
			}
		} else {
			insn = rv_expand_compressed((uint16_t)raw);
		}
		if (!insn)
			return interp_illegal(h, raw);
	}
	r = interp_exec(h, insn, raw, len, exit);
	h->x[0] = 0;
	if (!h->csr_rmw.active) /* the read half of a trapped CSR retires at its write half */
		h->instret++;
	return r;
}

int rv_interp_exec(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		   struct axvm_exit *exit)
{
	return interp_exec(h, insn, raw, len, exit);
}

int rv_interp_step(struct rv_hart *h, struct axvm_exit *exit)
{
	return interp_step(h, exit);
}

int rv_interp_batch(struct rv_hart *h, uint64_t n, uint64_t *done, struct axvm_exit *exit)
{
	uint64_t i = 0;
	int r = RV_STEP_NEXT;

	h->recheck = false;
	while (i < n) {
		r = interp_step(h, exit);
		i++;
		if (r != RV_STEP_NEXT || h->recheck)
			break;
	}
	*done = i;
	return r;
}
