/* SPDX-License-Identifier: MIT */
/*
 * Zicsr inside translated blocks (jit_csr.h).
 *
 * Which CSRs: those whose read has no effect and whose write changes
 * nothing a block has already decided, or whose effect the block can
 * honour by leaving:
 *   sstatus  SIE on with an interrupt pending and enabled: leave (the run
 *            loop takes it before the next instruction, as after the
 *            interpreter's write); SUM flushes this mode's TLB in place
 *            (the block's table pointers stay valid, its next access
 *            refills); MXR flushes every table: leave; FS: the translator
 *            forgets that it found FS on or made it Dirty (jit.c)
 *   sie, sip an interrupt pending and enabled after the write: leave
 *   stvec, scounteren, sscratch, sepc, scause, stval: plain state
 *   satp, senvcfg: read only here (a write changes the translation or what
 *            cbo.* does: ends the block, as before)
 *   time     read (U-mode gated by scounteren in csr.c)
 * Not here, so ending the block as before: fflags/frm/fcsr (the inline SSE
 * code's rounding environment is set at block entry), stimecmp (the timer
 * deadline: the run loop must look at the clock), cycle/instret and the
 * hpmcounters (instret is not kept in h->instret inside a block), the
 * VMM-trapped custom range, and every CSR not listed.
 *
 * A difference from the interpreter that is not architectural: after an
 * interpreted CSR write the batch always ends (h->recheck), so the run loop
 * also reads the clock and may raise a timer interrupt whose deadline passed
 * meanwhile; a translated write that enables nothing pending goes on, and
 * such a timer is seen at the end of the batch (at most HART_BATCH_JIT
 * instructions later), as it would be with no CSR write at all.
 */
#include "arch/riscv64/jit_csr.h"

#include "arch/riscv64/decode.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/insn_table.h"

#define JIT_CSR_SSTATUS 0x100u

/* 1: read and written in blocks; 2: read only (a write ends the block); 0: not in blocks. */
static unsigned jit_csr_kind(unsigned csr)
{
	switch (csr) {
	case JIT_CSR_SSTATUS:
	case 0x104: /* sie */
	case 0x105: /* stvec */
	case 0x106: /* scounteren */
	case 0x140: /* sscratch */
	case 0x141: /* sepc */
	case 0x142: /* scause */
	case 0x143: /* stval */
	case 0x144: /* sip */
		return 1;
	case 0x10a: /* senvcfg */
	case 0x180: /* satp */
	case 0xc01: /* time */
		return 2;
	default:
		return 0;
	}
}

/* Whether the instruction (a CSR row id) writes its CSR. */
static bool jit_csr_writes(int id, uint32_t insn)
{
	return rv_insn_csr_always(id) || rv_rs1(insn) != 0;
}

bool rv_jit_csr_can(uint32_t insn)
{
	int id = rv_insn_csr_find(insn);
	unsigned kind;

	if (id < 0)
		return false;
	kind = jit_csr_kind(insn >> 20);
	return kind == 1 || (kind == 2 && !jit_csr_writes(id, insn));
}

bool rv_jit_csr_writes_sstatus(uint32_t insn)
{
	int id = rv_insn_csr_find(insn);

	return id >= 0 && (insn >> 20) == JIT_CSR_SSTATUS && jit_csr_writes(id, insn);
}

/* An interrupt is pending, enabled in sie, and taken in this mode now (hart.c's pick). */
static bool jit_csr_irq_ready(struct rv_hart *h)
{
	uint32_t ready =
	    __atomic_load_n(&h->pending, __ATOMIC_ACQUIRE) & (uint32_t)h->sie & RV_MIP_S_MASK;

	return ready && (h->priv == RV_PRIV_U || (h->sstatus & RV_SSTATUS_SIE));
}

int rv_jit_csr_run(struct rv_hart *h, uint32_t insn)
{
	int id = rv_insn_csr_find(insn);
	unsigned csr = insn >> 20, rd = rv_rd(insn);
	bool writes;
	uint64_t old = 0, before = h->sstatus;

	if (id < 0 || !rv_jit_csr_can(insn))
		return RV_JIT_CSR_SLOW; /* cannot happen: the translator asked */
	writes = jit_csr_writes(id, insn);
	/* interp_csr's checks, in its order; every failure leaves h as it was. */
	if (((csr >> 8) & 3) > (unsigned)h->priv)
		return RV_JIT_CSR_SLOW;
	if (writes && (csr >> 10) == 3)
		return RV_JIT_CSR_SLOW;
	if (!(rv_insn_csr_always(id) && rd == 0) && rv_csr_read(h, csr, &old))
		return RV_JIT_CSR_SLOW;
	if (writes &&
	    rv_csr_write(h, csr, rv_insn_csr_new(id, old, rv_insn_csr_src(id, insn, h->x))))
		return RV_JIT_CSR_SLOW; /* csr.c refuses before changing anything */
	if (rd)
		h->x[rd] = old;
	if (writes && (jit_csr_irq_ready(h) || ((before ^ h->sstatus) & RV_SSTATUS_MXR))) {
		h->recheck = true;
		return RV_JIT_CSR_LEAVE;
	}
	return RV_JIT_CSR_DONE;
}
