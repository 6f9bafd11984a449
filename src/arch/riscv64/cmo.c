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

int rv_cmo_exec(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		struct axvm_exit *exit)
{
	unsigned op = insn >> 20;
	uint64_t va = h->x[rv_rs1(insn)] & ~(uint64_t)(AXVM_RISCV64_CBO_BLOCK - 1);
	bool user = h->priv == RV_PRIV_U;
	struct cmo_trap_state saved;
	enum rv_xlate x;
	uint8_t *host;
	axvm_gpa_t gpa;

	if (rv_rd(insn) != 0)
		return cmo_illegal(h, raw);
	switch (op) {
	case CMO_INVAL:
	case CMO_CLEAN:
	case CMO_FLUSH:
		if (!(h->ext_on & (1ull << AXVM_RISCV64_EXT_ZICBOM)))
			return cmo_illegal(h, raw);
		if (user && (op == CMO_INVAL ? ((h->senvcfg >> SENVCFG_CBIE_SHIFT) & 3) == 0
					     : !(h->senvcfg & SENVCFG_CBCFE)))
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
		break; /* RAM or MMIO: nothing to write back */
	case CMO_ZERO: {
		static const uint8_t zero[AXVM_RISCV64_CBO_BLOCK];

		if (!(h->ext_on & (1ull << AXVM_RISCV64_EXT_ZICBOZ)) ||
		    (user && !(h->senvcfg & SENVCFG_CBZE)))
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
		break;
	}
	default:
		return cmo_illegal(h, raw);
	}
	h->pc += len;
	return RV_STEP_NEXT;
}
