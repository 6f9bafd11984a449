/* SPDX-License-Identifier: MIT */
/*
 * Cache-block operations (the CMO extensions Zicbom and Zicboz, ratified
 * 1.0; privileged spec "senvcfg" for the enables): MISC-MEM funct3 = 2,
 * rd = 0, imm = 0 cbo.inval, 1 cbo.clean, 2 cbo.flush, 4 cbo.zero, on the
 * 64-byte block (AXVM_RISCV64_CBO_BLOCK) holding x[rs1].
 *
 * Guest RAM is host memory, coherent with every vCPU thread and device, so
 * clean/flush/inval only check that the block may be accessed; inval runs as
 * a flush (what menvcfg.CBIE = 01 means; the hypervisor's menvcfg is ours to
 * choose). For the S-mode guest menvcfg enables everything; in U-mode
 * senvcfg.CBIE/CBCFE/CBZE decide, and a disabled one is an illegal
 * instruction. Permission (CMO spec, "Cache-Block Management
 * Instructions"): clean/flush/inval are allowed when a load or a store to
 * the block is, else a store page fault (or store access fault); cbo.zero is
 * a store of 64 zero bytes. The fault address is the block's (as QEMU).
 * Which encodings exist, and with which extension, is insn_table.h's CBO
 * rows: they name these helpers.
 */
#include <string.h>

#include "arch/riscv64/decode.h"
#include "arch/riscv64/gmem.h"
#include "arch/riscv64/interp.h"
#include "arch/riscv64/sbi.h"

#define CMO_INVAL 0
#define CMO_CLEAN 1
#define CMO_FLUSH 2
#define CMO_ZERO 4

/* senvcfg fields (privileged spec, "Supervisor Environment Configuration Register"). */
#define SENVCFG_CBIE_SHIFT 4
#define SENVCFG_CBCFE (1ull << 6)
#define SENVCFG_CBZE (1ull << 7)

/* The trap state rv_hart_raise changes: saved to take back a probe's fault. */
struct cmo_trap_state {
	uint64_t pc, sepc, scause, stval, sstatus;
	enum rv_priv priv;
	bool resv_valid;
};

static void cmo_save(const struct rv_hart *h, struct cmo_trap_state *s)
{
	*s = (struct cmo_trap_state){h->pc,	 h->sepc, h->scause,	h->stval,
				     h->sstatus, h->priv, h->resv_valid};
}

static void cmo_restore(struct rv_hart *h, const struct cmo_trap_state *s)
{
	h->pc = s->pc;
	h->sepc = s->sepc;
	h->scause = s->scause;
	h->stval = s->stval;
	h->sstatus = s->sstatus;
	if (h->priv != s->priv) {
		enum rv_priv from = h->priv;

		h->priv = s->priv;
		rv_sbi_pmu_mode_change(h, from);
	}
	h->resv_valid = s->resv_valid;
}

static int cmo_illegal(struct rv_hart *h, uint32_t raw)
{
	rv_hart_raise(h, RV_EXC_ILLEGAL, raw);
	return RV_STEP_NEXT;
}

/* senvcfg lets U-mode run operation op (S-mode: menvcfg enables everything). */
static bool cmo_enabled(const struct rv_hart *h, unsigned op)
{
	if (h->priv != RV_PRIV_U)
		return true;
	switch (op) {
	case CMO_INVAL:
		return ((h->senvcfg >> SENVCFG_CBIE_SHIFT) & 3) != 0;
	case CMO_ZERO:
		return (h->senvcfg & SENVCFG_CBZE) != 0;
	default:
		return (h->senvcfg & SENVCFG_CBCFE) != 0;
	}
}

/* clean/flush/inval: the block may be loaded or stored, else the store's fault. */
static int cmo_manage(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		      struct axvm_exit *exit)
{
	uint64_t va = h->x[rv_rs1(insn)] & ~(uint64_t)(AXVM_RISCV64_CBO_BLOCK - 1);
	struct cmo_trap_state saved;
	enum rv_xlate x;
	uint8_t *host;
	axvm_gpa_t gpa;

	if (!cmo_enabled(h, insn >> 20))
		return cmo_illegal(h, raw);
	/* A load permitted is enough; else the store's fault is the one raised. */
	cmo_save(h, &saved);
	x = rv_mmu_translate(h, va, RV_ACC_R, &host, &gpa, exit);
	if (x == RV_XL_TRAP) {
		cmo_restore(h, &saved);
		x = rv_mmu_translate(h, va, RV_ACC_W, &host, &gpa, exit);
	}
	if (x == RV_XL_EXIT)
		return RV_STEP_EXIT;
	if (x == RV_XL_TRAP)
		return RV_STEP_NEXT;
	h->pc += len; /* RAM or MMIO: nothing to write back */
	return RV_STEP_NEXT;
}

int rv_cmo_inval(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		 struct axvm_exit *exit)
{
	return cmo_manage(h, insn, raw, len, exit);
}

int rv_cmo_clean(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		 struct axvm_exit *exit)
{
	return cmo_manage(h, insn, raw, len, exit);
}

int rv_cmo_flush(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		 struct axvm_exit *exit)
{
	return cmo_manage(h, insn, raw, len, exit);
}

/* 64 zero bytes, as a store (cbo.zero). */
int rv_cmo_zero(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		struct axvm_exit *exit)
{
	static const uint8_t zero[AXVM_RISCV64_CBO_BLOCK];
	uint64_t va = h->x[rv_rs1(insn)] & ~(uint64_t)(AXVM_RISCV64_CBO_BLOCK - 1);
	enum rv_xlate x;
	uint8_t *host;
	axvm_gpa_t gpa;

	if (!cmo_enabled(h, CMO_ZERO))
		return cmo_illegal(h, raw);
	x = rv_mmu_translate(h, va, RV_ACC_W, &host, &gpa, exit);
	if (x == RV_XL_EXIT)
		return RV_STEP_EXIT;
	if (x == RV_XL_TRAP)
		return RV_STEP_NEXT;
	if (x == RV_XL_MMIO) {
		/* Device memory has no cache blocks to zero (a PMA violation). */
		rv_hart_raise(h, RV_EXC_STORE_ACCESS, va);
		return RV_STEP_NEXT;
	}
	/* The block lies in one page; decoded code in it is reset first. */
	rv_dcache_note_write(h, (uintptr_t)host, AXVM_RISCV64_CBO_BLOCK);
	rv_gmem_store((uintptr_t)host, zero, sizeof(zero));
	h->pc += len;
	return RV_STEP_NEXT;
}

/*
 * The translator's forms: only what needs no trap, no MMIO and no decoded
 * code reset (a W TLB entry never maps a page holding decoded code).
 */
int rv_cmo_manage_fast(struct rv_hart *h, uint32_t insn)
{
	uint64_t va = h->x[rv_rs1(insn)] & ~(uint64_t)(AXVM_RISCV64_CBO_BLOCK - 1);

	if (!cmo_enabled(h, insn >> 20))
		return 1;
	return rv_tlb_lookup(&h->tlb, h->priv, RV_ACC_R, va) ? 0 : 1;
}

int rv_cmo_zero_fast(struct rv_hart *h, uint32_t insn)
{
	static const uint8_t zero[AXVM_RISCV64_CBO_BLOCK];
	uint64_t va = h->x[rv_rs1(insn)] & ~(uint64_t)(AXVM_RISCV64_CBO_BLOCK - 1);
	uint8_t *p;

	if (!cmo_enabled(h, CMO_ZERO))
		return 1;
	p = rv_tlb_lookup(&h->tlb, h->priv, RV_ACC_W, va);
	if (!p)
		return 1;
	rv_gmem_store((uintptr_t)p, zero, sizeof(zero));
	return 0;
}
