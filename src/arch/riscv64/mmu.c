/* SPDX-License-Identifier: MIT */
/*
 * Guest-virtual to host translation: the software TLB, the Sv39/Sv48 page
 * table walk (privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory
 * System", "Sv48", and "Virtual Address Translation Process") and the
 * guest-physical step through the address space.
 *
 * PTE layout: V(0) R(1) W(2) X(3) U(4) G(5) A(6) D(7) RSW(9:8) PPN(53:10),
 * bits 60:54 reserved (a set bit is a page fault), PBMT(62:61) with Svpbmt
 * and N(63) with Svnapot (reserved, so a page fault, when the extension is
 * off). Svpbmt: the memory types are accepted and change nothing (guest RAM
 * is host memory, ordered by the fences; devices are always I/O); PBMT = 3
 * and PBMT on a non-leaf PTE are reserved: page fault. Svnapot: N on a
 * 4 KiB leaf with PPN[3:0] = 1000 maps a naturally aligned 64 KiB range;
 * any other N (other PPN[3:0], a superpage, a non-leaf PTE) is a page fault.
 * A and D are updated by the hart (compare-and-swap on the PTE, restarting
 * the walk if it changed): Svadu, with menvcfg.ADUE fixed at 1 as the guest
 * (S-mode) sees it. With Svadu off the hart behaves as Svade: an access
 * that would need A or D set raises a page fault.
 * Page-table reads that hit MMIO, no region, or a forbidden region raise an
 * access fault for the original access; an unpopulated lazy page is a
 * nested page fault on the PTE's address.
 */
#include <string.h>

#include "arch/riscv64/dcache.h"
#include "arch/riscv64/hart.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK ((1ull << 44) - 1)
#define PTE_RESERVED (0x7full << 54) /* bits 60:54 */
#define PTE_PBMT_SHIFT 61
#define PTE_PBMT (3ull << PTE_PBMT_SHIFT)
#define PTE_N (1ull << 63)
#define MMU_EXT(h, e) (((h)->ext_on >> AXVM_RISCV64_EXT_##e) & 1)

/* Bound on walk restarts caused by concurrent PTE changes. */
#define MMU_MAX_RESTARTS 64

static const enum rv_exc mmu_page_fault[3] = {
    [RV_ACC_R] = RV_EXC_LOAD_PAGE,
    [RV_ACC_W] = RV_EXC_STORE_PAGE,
    [RV_ACC_X] = RV_EXC_INSN_PAGE,
};

static const enum rv_exc mmu_access_fault[3] = {
    [RV_ACC_R] = RV_EXC_LOAD_ACCESS,
    [RV_ACC_W] = RV_EXC_STORE_ACCESS,
    [RV_ACC_X] = RV_EXC_INSN_ACCESS,
};

static const enum axvm_access mmu_as_access[3] = {
    [RV_ACC_R] = AXVM_ACCESS_READ,
    [RV_ACC_W] = AXVM_ACCESS_WRITE,
    [RV_ACC_X] = AXVM_ACCESS_EXEC,
};

void rv_tlb_flush_all(struct rv_tlb *t)
{
	if (t->logged && t->nfilled <= RV_TLB_FILL_LOG) {
		for (unsigned i = 0; i < t->nfilled; i++) {
			unsigned f = t->filled[i], p = f >> 14, a = (f >> 12) & 3,
				 idx = f & (RV_TLB_SIZE - 1);

			t->e[p][a][idx].tag = RV_TLB_INVALID;
			t->big[p][a][idx] = 0;
		}
	} else {
		memset(t->e, 0xff, sizeof(t->e));
		memset(t->big, 0, sizeof(t->big));
	}
	t->nfilled = 0;
	t->logged = true;
	memset(t->m, 0xff, sizeof(t->m));
	t->has_superpage = false;
	t->nsum = 0;
}

/* An entry from a range of 2^shift bytes holding va was filled (tlb.big_lo/hi). */
static void mmu_note_big(struct rv_tlb *t, uint64_t va, int shift)
{
	uint64_t mask = (1ull << shift) - 1;

	if (!t->has_superpage || (va & ~mask) < t->big_lo)
		t->big_lo = va & ~mask;
	if (!t->has_superpage || (va | mask) > t->big_hi)
		t->big_hi = va | mask;
	t->has_superpage = true;
}

void rv_tlb_flush_priv(struct rv_tlb *t, unsigned priv)
{
	memset(t->e[priv], 0xff, sizeof(t->e[priv]));
	memset(t->m[priv], 0xff, sizeof(t->m[priv]));
	memset(t->big[priv], 0, sizeof(t->big[priv]));
	if (priv == RV_PRIV_S)
		t->nsum = 0;
}

void rv_tlb_flush_sum(struct rv_tlb *t)
{
	if (t->nsum > RV_TLB_SUM_MAX) {
		rv_tlb_flush_priv(t, RV_PRIV_S);
		return;
	}
	/* An index refilled since with a kernel page is dropped too: harmless. */
	for (unsigned i = 0; i < t->nsum; i++) {
		unsigned at = t->sum_at[i], acc = (at >> 12) & 3, idx = at & 0xfff;

		if (at & RV_TLB_SUM_MMIO) {
			t->m[RV_PRIV_S][acc][idx].tag = RV_TLB_INVALID;
		} else {
			t->e[RV_PRIV_S][acc][idx].tag = RV_TLB_INVALID;
			t->big[RV_PRIV_S][acc][idx] = 0;
		}
	}
	t->nsum = 0;
}

/* An S-mode entry of a U page was filled at `at` (tlb.sum_at). */
static void mmu_note_sum(struct rv_tlb *t, unsigned at)
{
	if (t->nsum < RV_TLB_SUM_MAX)
		t->sum_at[t->nsum] = (uint16_t)at;
	if (t->nsum <= RV_TLB_SUM_MAX)
		t->nsum++;
}

void rv_tlb_flush_page(struct rv_tlb *t, uint64_t va)
{
	if (t->has_superpage && va >= t->big_lo && va <= t->big_hi) {
		bool left = false;

		/*
		 * Drop the big entries whose range holds va (their translation came
		 * from va's leaf PTE); the others came from other leaf PTEs, which
		 * this sfence.vma does not order (privileged spec, "SFENCE.VMA"), and
		 * stay: Linux flushes single pages of user mappings all the time,
		 * and its linear map is made of superpages.
		 */
		for (int p = 0; p < 2; p++)
			for (int a = 0; a < 3; a++)
				for (unsigned i = 0; i < RV_TLB_SIZE; i++) {
					unsigned shift = t->big[p][a][i];

					if (!shift)
						continue;
					if (((t->e[p][a][i].tag & ~RV_TLB_CODE) ^ va) >> shift) {
						left = true;
						continue;
					}
					t->e[p][a][i].tag = RV_TLB_INVALID;
					t->big[p][a][i] = 0;
				}
		/* MMIO entries keep no range: all go. */
		memset(t->m, 0xff, sizeof(t->m));
		t->has_superpage = left;
	}
	uint64_t tag = va & ~RV_PAGE_MASK;
	unsigned idx = (va >> 12) & (RV_TLB_SIZE - 1);

	for (int p = 0; p < 2; p++) {
		for (int a = 0; a < 3; a++)
			if ((t->e[p][a][idx].tag & ~RV_TLB_CODE) == tag) {
				t->e[p][a][idx].tag = RV_TLB_INVALID;
				t->big[p][a][idx] = 0;
			}
		for (int a = 0; a < 2; a++) {
			struct rv_tlb_mmio *m = &t->m[p][a][(va >> 12) & (RV_TLB_MMIO_SIZE - 1)];

			if (m->tag == tag)
				m->tag = RV_TLB_INVALID;
		}
	}
}

static enum rv_xlate mmu_npf(struct axvm_exit *exit, axvm_gpa_t gpa, enum rv_acc acc)
{
	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_NESTED_PAGE_FAULT;
	exit->nested_page_fault.addr = gpa;
	exit->nested_page_fault.access_flags = mmu_as_access[acc];
	return RV_XL_EXIT;
}

static enum rv_xlate mmu_fault(struct rv_hart *h, const enum rv_exc *table, enum rv_acc acc,
			       uint64_t va)
{
	if (!h->mmu_probe) /* rv_mmu_refill: the interpreter raises it when it runs the access */
		rv_hart_raise(h, table[acc], va);
	return RV_XL_TRAP;
}

/*
 * axvm_addrspace_translate for the MMU, through the hart's cache of the
 * last linear RAM region (rv_hart.mmu_ram): the same answers, without the
 * table's binary search while the address space has not changed.
 */
static int mmu_ram(struct rv_hart *h, axvm_gpa_t gpa, enum axvm_access how, void **hva,
		   uint64_t *avail)
{
	uint64_t off = gpa - h->mmu_ram.gpa, gen = axvm_addrspace_generation(h->as);
	struct axvm_region_info info;
	int r;

	if (off < h->mmu_ram.size && h->mmu_ram.gen == gen &&
	    (h->mmu_ram.flags & (uint32_t)how) == (uint32_t)how) {
		*hva = h->mmu_ram.hva + off;
		*avail = h->mmu_ram.size - off;
		return 0;
	}
	r = axvm_addrspace_translate(h->as, gpa, how, hva, avail, NULL);
	if (r == 0 && axvm_addrspace_find(h->as, gpa, &info) == 0 &&
	    info.kind == AXVM_REGION_LINEAR && info.hva) {
		h->mmu_ram.gpa = info.gpa;
		h->mmu_ram.size = info.size;
		h->mmu_ram.hva = info.hva;
		h->mmu_ram.flags = info.flags;
		h->mmu_ram.gen = gen;
	}
	return r;
}

/*
 * Read (and possibly update) one PTE. Returns RV_XL_HOST with *pte set, or
 * a fault/exit outcome for the access `acc` at `va`.
 */
static enum rv_xlate mmu_pte_ptr(struct rv_hart *h, axvm_gpa_t pte_gpa, enum axvm_access how,
				 uint64_t **ptr, enum rv_acc acc, uint64_t va,
				 struct axvm_exit *exit)
{
	void *hva;
	uint64_t avail;
	int r = mmu_ram(h, pte_gpa, how, &hva, &avail);

	if (r == -AXVM_ENOTPRESENT) {
		memset(exit, 0, sizeof(*exit));
		exit->reason = AXVM_EXIT_NESTED_PAGE_FAULT;
		exit->nested_page_fault.addr = pte_gpa;
		exit->nested_page_fault.access_flags = how;
		return RV_XL_EXIT;
	}
	if (r || avail < 8)
		return mmu_fault(h, mmu_access_fault, acc, va);
	*ptr = hva;
	return RV_XL_HOST;
}

/* Walk the page table: *pa on success. */
static enum rv_xlate mmu_walk(struct rv_hart *h, uint64_t va, enum rv_acc acc, axvm_gpa_t *pa,
			      int *range_shift, bool *user, struct axvm_exit *exit)
{
	unsigned mode = (unsigned)(h->satp >> RV_SATP_MODE_SHIFT);
	int levels = mode == RV_SATP_MODE_SV48 ? 4 : 3;
	int vabits = 12 + 9 * levels;
	int64_t sva = (int64_t)(va << (64 - vabits)) >> (64 - vabits);

	if ((uint64_t)sva != va)
		return mmu_fault(h, mmu_page_fault, acc, va);

	for (int restarts = 0; restarts < MMU_MAX_RESTARTS; restarts++) {
		uint64_t a = (h->satp & PTE_PPN_MASK) << 12;
		uint64_t pte = 0, *ptr = NULL, need;
		axvm_gpa_t pte_gpa = 0;
		enum rv_xlate x;
		int i;

		for (i = levels - 1;; i--) {
			pte_gpa = a + ((va >> (12 + 9 * i)) & 0x1ff) * 8;
			x = mmu_pte_ptr(h, pte_gpa, AXVM_ACCESS_READ, &ptr, acc, va, exit);
			if (x != RV_XL_HOST)
				return x;
			pte = __atomic_load_n(ptr, __ATOMIC_ACQUIRE);
			if (!(pte & PTE_V) || ((pte & PTE_W) && !(pte & PTE_R)) ||
			    (pte & PTE_RESERVED))
				return mmu_fault(h, mmu_page_fault, acc, va);
			if ((pte & PTE_PBMT) &&
			    (!MMU_EXT(h, SVPBMT) || (pte & PTE_PBMT) == PTE_PBMT))
				return mmu_fault(h, mmu_page_fault, acc, va);
			if ((pte & PTE_N) && !MMU_EXT(h, SVNAPOT))
				return mmu_fault(h, mmu_page_fault, acc, va);
			if (pte & (PTE_R | PTE_X))
				break;
			/* Non-leaf: PBMT and N are reserved there (Svpbmt, Svnapot). */
			if (i == 0 || (pte & (PTE_PBMT | PTE_N)))
				return mmu_fault(h, mmu_page_fault, acc, va);
			a = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << 12;
		}

		/* Leaf: privilege and permission checks. */
		if (h->priv == RV_PRIV_U) {
			if (!(pte & PTE_U))
				return mmu_fault(h, mmu_page_fault, acc, va);
		} else if (pte & PTE_U) {
			if (acc == RV_ACC_X || !(h->sstatus & RV_SSTATUS_SUM))
				return mmu_fault(h, mmu_page_fault, acc, va);
		}
		switch (acc) {
		case RV_ACC_R:
			if (!(pte & PTE_R) && !((h->sstatus & RV_SSTATUS_MXR) && (pte & PTE_X)))
				return mmu_fault(h, mmu_page_fault, acc, va);
			break;
		case RV_ACC_W:
			if (!(pte & PTE_W))
				return mmu_fault(h, mmu_page_fault, acc, va);
			break;
		case RV_ACC_X:
			if (!(pte & PTE_X))
				return mmu_fault(h, mmu_page_fault, acc, va);
			break;
		}
		uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
		uint64_t lowmask = (1ull << (9 * i)) - 1;

		if (ppn & lowmask) /* misaligned superpage */
			return mmu_fault(h, mmu_page_fault, acc, va);
		if (pte & PTE_N) {
			/* Svnapot: only 64 KiB (PPN[3:0] = 1000) on a 4 KiB leaf is defined. */
			if (i != 0 || (ppn & 0xf) != 0x8)
				return mmu_fault(h, mmu_page_fault, acc, va);
			ppn = (ppn & ~0xfull) | ((va >> 12) & 0xf);
		}

		need = PTE_A | (acc == RV_ACC_W ? PTE_D : 0);
		if ((pte & need) != need && !MMU_EXT(h, SVADU))
			return mmu_fault(h, mmu_page_fault, acc, va); /* Svade */
		if ((pte & need) != need) {
			uint64_t expected = pte;

			/* Svade (FWFT PTE_AD_HW_UPDATING = 0): the guest sets them itself. */
			if (h->sbi.ad_hw_off)
				return mmu_fault(h, mmu_page_fault, acc, va);

			x = mmu_pte_ptr(h, pte_gpa, AXVM_ACCESS_WRITE, &ptr, acc, va, exit);
			if (x != RV_XL_HOST)
				return x;
			if (!__atomic_compare_exchange_n(ptr, &expected, pte | need, false,
							 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				continue; /* changed under us: walk again */
			/* Not a store through the TLB: decoded code must hear of it (dcache.c). */
			axvm_addrspace_note_write(h->as);
		}
		uint64_t offmask = (1ull << (12 + 9 * i)) - 1;

		*pa = ((ppn << 12) & ~offmask) | (va & offmask);
		/*
		 * log2 of the range the leaf maps (12 + 9 * level; 16 for a 64 KiB
		 * Svnapot leaf): the TLB holds one entry per 4 KiB page, and a
		 * one-page flush inside a bigger range must drop every entry of
		 * that range (tlb.big).
		 */
		*range_shift = (pte & PTE_N) ? 16 : 12 + 9 * i;
		*user = (pte & PTE_U) != 0;
		return RV_XL_HOST;
	}
	return mmu_fault(h, mmu_page_fault, acc, va);
}

enum rv_xlate rv_mmu_translate(struct rv_hart *h, uint64_t va, enum rv_acc acc, uint8_t **host,
			       axvm_gpa_t *gpa, struct axvm_exit *exit)
{
	unsigned mode = (unsigned)(h->satp >> RV_SATP_MODE_SHIFT);
	uint8_t *p = rv_tlb_lookup(&h->tlb, h->priv, acc, va);
	axvm_gpa_t pa;
	void *hva;
	uint64_t avail, off;
	enum rv_xlate x;
	int r, range_shift = 12; /* log2 of the leaf's range: bare mode maps no range */
	bool user = false;	 /* the leaf is a U page */

	if (p) {
		*host = p;
		return RV_XL_HOST;
	}
	if (acc == RV_ACC_W) {
		/* A store to a page holding decoded instructions (RV_TLB_CODE). */
		struct rv_tlb_entry *e = &h->tlb.e[h->priv][acc][(va >> 12) & (RV_TLB_SIZE - 1)];

		if (e->tag == ((va & ~RV_PAGE_MASK) | RV_TLB_CODE)) {
			p = (uint8_t *)(uintptr_t)(va + e->addend);
			rv_dcache_note_write(h, (uintptr_t)p, 8);
			*host = p;
			return RV_XL_HOST;
		}
	}
	if (mode == RV_SATP_MODE_BARE) {
		pa = va;
	} else {
		x = mmu_walk(h, va, acc, &pa, &range_shift, &user, exit);
		if (x != RV_XL_HOST)
			return x;
	}
	*gpa = pa;
	r = mmu_ram(h, pa, mmu_as_access[acc], &hva, &avail);
	switch (r) {
	case 0:
		break;
	case -AXVM_EMMIO: {
		struct rv_tlb_mmio *m;

		if (acc == RV_ACC_X)
			return mmu_fault(h, mmu_access_fault, acc, va);
		if (range_shift > 12)
			mmu_note_big(&h->tlb, va, range_shift);
		m = &h->tlb.m[h->priv][acc][(va >> 12) & (RV_TLB_MMIO_SIZE - 1)];
		if (user && h->priv == RV_PRIV_S)
			mmu_note_sum(&h->tlb, RV_TLB_SUM_MMIO | acc << 12 |
						  ((va >> 12) & (RV_TLB_MMIO_SIZE - 1)));
		m->tag = va & ~RV_PAGE_MASK;
		m->gpa = pa & ~RV_PAGE_MASK;
		return RV_XL_MMIO;
	}
	case -AXVM_ENOTPRESENT:
		return mmu_npf(exit, pa, acc);
	default:
		return mmu_fault(h, mmu_access_fault, acc, va);
	}
	off = pa & RV_PAGE_MASK;
	/* Regions are page-aligned, so RAM always covers the rest of the page. */
	if (avail < AXVM_PAGE_SIZE - off)
		return mmu_fault(h, mmu_access_fault, acc, va);
	{
		struct rv_tlb_entry *e = &h->tlb.e[h->priv][acc][(va >> 12) & (RV_TLB_SIZE - 1)];

		if (range_shift > 12)
			mmu_note_big(&h->tlb, va, range_shift);
		h->tlb.big[h->priv][acc][(va >> 12) & (RV_TLB_SIZE - 1)] =
		    (uint8_t)(range_shift > 12 ? range_shift : 0);
		if (user && h->priv == RV_PRIV_S)
			mmu_note_sum(&h->tlb, acc << 12 | ((va >> 12) & (RV_TLB_SIZE - 1)));
		e->tag = va & ~RV_PAGE_MASK;
		e->addend = (uintptr_t)((uint8_t *)hva - off) - (uintptr_t)(va & ~RV_PAGE_MASK);
		rv_tlb_log(h->tlb.filled, &h->tlb.nfilled,
			   h->priv << 14 | acc << 12 | ((va >> 12) & (RV_TLB_SIZE - 1)));
		if (acc == RV_ACC_X) {
			h->tlb.xd[h->priv][(va >> 12) & (RV_TLB_SIZE - 1)] = NULL;
		} else if (acc == RV_ACC_W &&
			   rv_dcache_find(&h->dc, (uintptr_t)((uint8_t *)hva - off))) {
			e->tag |= RV_TLB_CODE;
			rv_dcache_note_write(h, (uintptr_t)hva, 8);
		}
	}
	*host = hva;
	return RV_XL_HOST;
}

uint8_t *rv_mmu_refill(struct rv_hart *h, uint64_t va, enum rv_acc acc)
{
	struct rv_tlb_entry *e = &h->tlb.e[h->priv][acc][(va >> 12) & (RV_TLB_SIZE - 1)];
	struct axvm_exit exit;
	axvm_gpa_t gpa;
	uint8_t *host;
	enum rv_xlate x;

	/* A store to a page with decoded code: the interpreter resets the slots. */
	if (e->tag == ((va & ~RV_PAGE_MASK) | RV_TLB_CODE))
		return NULL;
	h->mmu_probe = true;
	x = rv_mmu_translate(h, va, acc, &host, &gpa, &exit);
	h->mmu_probe = false;
	/* Only a translation the TLB now caches (RAM, no code bit) counts. */
	if (x != RV_XL_HOST || e->tag != (va & ~RV_PAGE_MASK))
		return NULL;
	return host;
}
