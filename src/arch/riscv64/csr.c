/* SPDX-License-Identifier: MIT */
/*
 * The CSRs an S-mode guest sees (privileged spec, "Supervisor CSRs";
 * unprivileged spec, "Zicntr" and the F extension's fcsr):
 *
 *   0x001 fflags  0x002 frm  0x003 fcsr      (illegal while sstatus.FS = Off)
 *   0x100 sstatus SIE(1) SPIE(5) SPP(8) FS(14:13) SUM(18) MXR(19); UXL(33:32)=2 RO; SD(63) RO
 *   0x104 sie     SSIE(1) STIE(5) SEIE(9); LCOFIE(13) with Sscofpmf
 *   0x105 stvec   BASE | MODE (0 direct, 1 vectored; a reserved mode write is ignored)
 *   0x106 scounteren CY(0) TM(1) IR(2) HPM3..HPM31(31:3)
 *   0x10a senvcfg FIOM(0); with Zicbom CBIE(5:4) (WARL: 0, 1 or 3) CBCFE(6); with Zicboz CBZE(7)
 *   0x140 sscratch 0x141 sepc (bit 0 reads 0) 0x142 scause 0x143 stval
 *   0x144 sip     SSIP (and LCOFIP with Sscofpmf) writable; STIP, SEIP read-only
 *   0x14d stimecmp (only with Sstc)
 *   0x180 satp    MODE(63:60) = Bare/Sv39/Sv48, ASID reads 0 (ASIDLEN = 0), PPN(43:0);
 *                 a write with any other MODE is ignored entirely
 *   0xc00 cycle 0xc01 time 0xc02 instret 0xc03..0xc1f hpmcounter3..31 (U-mode
 *                 access gated by scounteren; cycle, instret and hpmcounter3..10
 *                 are the SBI PMU's hardware counters (sbi_pmu.c), 11..31 read 0)
 *   0xda0 scountovf  the hpmcounters' OF bits (Sscofpmf; read-only)
 *
 * Privilege and read-only checks are done by the caller (interp.c); here an
 * unknown or absent CSR is simply -1 (illegal instruction).
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"

#define CSR_FFLAGS 0x001
#define CSR_FRM 0x002
#define CSR_FCSR 0x003
#define CSR_SSTATUS 0x100
#define CSR_SIE 0x104
#define CSR_STVEC 0x105
#define CSR_SCOUNTEREN 0x106
#define CSR_SENVCFG 0x10a
#define CSR_SSCRATCH 0x140
#define CSR_SEPC 0x141
#define CSR_SCAUSE 0x142
#define CSR_STVAL 0x143
#define CSR_SIP 0x144
#define CSR_STIMECMP 0x14d
#define CSR_SATP 0x180
#define CSR_CYCLE 0xc00
#define CSR_TIME 0xc01
#define CSR_INSTRET 0xc02
#define CSR_HPMCOUNTER3 0xc03
#define CSR_HPMCOUNTER31 0xc1f
#define CSR_SCOUNTOVF 0xda0

#define SSTATUS_WMASK                                                                              \
	(RV_SSTATUS_SIE | RV_SSTATUS_SPIE | RV_SSTATUS_SPP | RV_SSTATUS_FS | RV_SSTATUS_SUM |      \
	 RV_SSTATUS_MXR)
#define SATP_PPN_MASK ((1ull << 44) - 1)

static bool csr_sscofpmf(const struct rv_hart *h)
{
	return (h->ext_on >> AXVM_RISCV64_EXT_SSCOFPMF) & 1;
}

/* The interrupt bits sie and sip have on this hart. */
static uint32_t csr_irq_mask(const struct rv_hart *h)
{
	return csr_sscofpmf(h) ? RV_MIP_S_MASK : RV_MIP_S_MASK & ~RV_MIP_LCOFIP;
}

static int csr_counter(struct rv_hart *h, unsigned bit, uint64_t value, uint64_t *val)
{
	if (h->priv == RV_PRIV_U && !(h->scounteren & (1u << bit)))
		return -1;
	*val = value;
	return 0;
}

int rv_csr_read(struct rv_hart *h, unsigned csr, uint64_t *val)
{
	switch (csr) {
	case CSR_FFLAGS:
	case CSR_FRM:
	case CSR_FCSR:
		if (rv_hart_fs_off(h))
			return -1;
		*val = csr == CSR_FFLAGS ? (h->fpu.fcsr & RV_FFLAGS_MASK)
		       : csr == CSR_FRM	 ? (h->fpu.fcsr >> RV_FCSR_FRM_SHIFT) & 7
					 : h->fpu.fcsr & RV_FCSR_MASK;
		return 0;
	case CSR_SSTATUS:
		*val = rv_hart_sstatus_read(h);
		return 0;
	case CSR_SIE:
		*val = h->sie;
		return 0;
	case CSR_STVEC:
		*val = h->stvec;
		return 0;
	case CSR_SCOUNTEREN:
		*val = h->scounteren;
		return 0;
	case CSR_SENVCFG:
		*val = h->senvcfg;
		return 0;
	case CSR_SSCRATCH:
		*val = h->sscratch;
		return 0;
	case CSR_SEPC:
		*val = h->sepc;
		return 0;
	case CSR_SCAUSE:
		*val = h->scause;
		return 0;
	case CSR_STVAL:
		*val = h->stval;
		return 0;
	case CSR_SIP:
		rv_hart_pending_enabled(h); /* brings STIP up to date */
		*val = __atomic_load_n(&h->pending, __ATOMIC_ACQUIRE) & RV_MIP_S_MASK;
		return 0;
	case CSR_STIMECMP:
		if (!h->sstc)
			return -1;
		*val = __atomic_load_n(&h->timecmp, __ATOMIC_ACQUIRE);
		return 0;
	case CSR_SATP:
		*val = h->satp;
		return 0;
	case CSR_CYCLE:
		return csr_counter(h, 0, rv_sbi_pmu_hw_read(h, 0), val);
	case CSR_TIME:
		return csr_counter(h, 1, rv_hart_time(h), val);
	case CSR_INSTRET:
		return csr_counter(h, 2, rv_sbi_pmu_hw_read(h, 2), val);
	case CSR_SCOUNTOVF:
		if (!csr_sscofpmf(h))
			return -1;
		/* Every OF bit: this M-mode's mcounteren lets S-mode see them all. */
		*val = rv_sbi_pmu_scountovf(h);
		return 0;
	default:
		if (csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31) {
			unsigned n = csr - CSR_CYCLE;

			return csr_counter(h, n, n < RV_PMU_NUM_HW ? rv_sbi_pmu_hw_read(h, n) : 0,
					   val);
		}
		return -1;
	}
}

int rv_csr_write(struct rv_hart *h, unsigned csr, uint64_t val)
{
	switch (csr) {
	case CSR_FFLAGS:
	case CSR_FRM:
	case CSR_FCSR:
		if (rv_hart_fs_off(h))
			return -1;
		if (csr == CSR_FFLAGS)
			h->fpu.fcsr = (h->fpu.fcsr & ~RV_FFLAGS_MASK) | (val & RV_FFLAGS_MASK);
		else if (csr == CSR_FRM)
			h->fpu.fcsr = (h->fpu.fcsr & RV_FFLAGS_MASK) | (uint32_t)(val & 7)
									   << RV_FCSR_FRM_SHIFT;
		else
			h->fpu.fcsr = (uint32_t)(val & RV_FCSR_MASK);
		rv_hart_fs_dirty(h);
		return 0;
	case CSR_SSTATUS: {
		uint64_t old = h->sstatus;

		h->sstatus = (old & ~SSTATUS_WMASK) | (val & SSTATUS_WMASK);
		/*
		 * TLB entries encode SUM/MXR permission decisions. SUM only matters
		 * to S-mode accesses (Linux toggles it around every user copy).
		 */
		if ((old ^ h->sstatus) & RV_SSTATUS_MXR)
			rv_tlb_flush_all(&h->tlb);
		else if (old & ~h->sstatus & RV_SSTATUS_SUM)
			rv_tlb_flush_sum(
			    &h->tlb); /* setting it only allows more: nothing to drop */
		return 0;
	}
	case CSR_SIE:
		h->sie = val & csr_irq_mask(h);
		return 0;
	case CSR_STVEC:
		if ((val & 3) < 2)
			h->stvec = val;
		return 0;
	case CSR_SCOUNTEREN:
		h->scounteren = val & 0xffffffffu;
		return 0;
	case CSR_SENVCFG:
		h->senvcfg = val & 1;
		if (h->ext_on & (1ull << AXVM_RISCV64_EXT_ZICBOM)) {
			h->senvcfg |= val & (1ull << 6);	 /* CBCFE */
			if (((val >> 4) & 3) != 2)		 /* 2 is reserved */
				h->senvcfg |= val & (3ull << 4); /* CBIE */
		}
		if (h->ext_on & (1ull << AXVM_RISCV64_EXT_ZICBOZ))
			h->senvcfg |= val & (1ull << 7); /* CBZE */
		return 0;
	case CSR_SSCRATCH:
		h->sscratch = val;
		return 0;
	case CSR_SEPC:
		h->sepc = val & ~1ull;
		return 0;
	case CSR_SCAUSE:
		h->scause = val;
		return 0;
	case CSR_STVAL:
		h->stval = val;
		return 0;
	case CSR_SIP: {
		uint32_t w = csr_irq_mask(h) & (RV_MIP_SSIP | RV_MIP_LCOFIP);

		__atomic_fetch_or(&h->pending, (uint32_t)val & w, __ATOMIC_SEQ_CST);
		__atomic_fetch_and(&h->pending, ~(~(uint32_t)val & w), __ATOMIC_SEQ_CST);
		return 0;
	}
	case CSR_STIMECMP:
		if (!h->sstc)
			return -1;
		rv_hart_set_timer(h, val);
		return 0;
	case CSR_SATP: {
		unsigned mode = (unsigned)(val >> RV_SATP_MODE_SHIFT);

		if (mode != RV_SATP_MODE_BARE && mode != RV_SATP_MODE_SV39 &&
		    mode != RV_SATP_MODE_SV48)
			return 0; /* unsupported mode: the write has no effect */
		h->satp = (uint64_t)mode << RV_SATP_MODE_SHIFT | (val & SATP_PPN_MASK);
		rv_tlb_flush_all(&h->tlb);
		return 0;
	}
	case CSR_CYCLE:
	case CSR_TIME:
	case CSR_INSTRET:
	default:
		return -1;
	}
}
