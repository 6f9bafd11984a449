/* SPDX-License-Identifier: MIT */
/*
 * The hart's software TLB: guest-virtual page -> host pointer, one
 * direct-mapped table per (privilege mode, access kind). An entry exists only
 * if that access by that mode is allowed right now (page-table permissions,
 * SUM/MXR, A and D already set, the region's flags), so a hit needs no further
 * check. MMIO pages and pages that are not wholly backed are never cached.
 * Flushed on sfence.vma, satp writes, SUM/MXR changes, remote-flush requests
 * and address-space generation changes.
 */
#ifndef AXVM_ARCH_RISCV64_TLB_H
#define AXVM_ARCH_RISCV64_TLB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "axvm/addrspace.h"
#include "axvm/exit.h"

/*
 * 1024 entries per mode and access: a Debian boot refilled 954,000 times in
 * translated code at 256 entries, 430,000 at 1024. Full flushes (every satp
 * write) reset only the entries filled since the last one (rv_tlb.filled).
 */
#define RV_TLB_BITS 10
#define RV_TLB_SIZE (1u << RV_TLB_BITS)
#define RV_PAGE_MASK 0xfffull
#define RV_TLB_INVALID UINT64_MAX
/*
 * Tag bit of a W entry whose host page holds decoded instructions: the fast
 * path misses it (tags are page-aligned), the slow path uses it and resets
 * the decoded slots the store overlaps (dcache.h).
 */
#define RV_TLB_CODE 1ull

/* Access kinds (TLB table index). */
enum rv_acc {
	RV_ACC_R = 0,
	RV_ACC_W = 1,
	RV_ACC_X = 2,
};

struct rv_tlb_entry {
	uint64_t tag;	  /* guest-virtual page address, or RV_TLB_INVALID */
	uintptr_t addend; /* host address = guest-virtual address + addend */
};

/*
 * MMIO translations: guest-virtual page -> guest-physical page of an
 * emulated region, so a device access goes straight to its exit. No host
 * pointer is involved: MMIO is still never accessed as memory.
 */
#define RV_TLB_MMIO_SIZE 16u
struct rv_tlb_mmio {
	uint64_t tag; /* guest-virtual page address, or RV_TLB_INVALID */
	uint64_t gpa; /* guest-physical page address */
};

struct rv_dpage;

#define RV_TLB_SUM_MAX 32u
#define RV_TLB_FILL_LOG 1024u
_Static_assert(RV_TLB_BITS <= 12, "rv_tlb.filled and sum_at hold the index in 12 bits");
#define RV_TLB_SUM_MMIO 0x8000u
struct rv_tlb {
	struct rv_tlb_entry e[2][3][RV_TLB_SIZE]; /* [priv][acc][index] */
	/* The decoded page of each X entry's host page (NULL: look it up); reset on refill. */
	struct rv_dpage *xd[2][RV_TLB_SIZE];
	struct rv_tlb_mmio m[2][2][RV_TLB_MMIO_SIZE]; /* [priv][R/W][index] */
	/*
	 * Entries filled from a superpage or an Svnapot range: big = log2 of
	 * the range (16, 21, 30, 39), else 0. Such a translation comes from the
	 * leaf PTE of its whole range, so a one-page flush drops every big
	 * entry whose range holds the page (and all the MMIO entries) along
	 * with the page's own; entries of other ranges and other 4 KiB pages
	 * cannot depend on that page's leaf PTE and stay. has_superpage: some
	 * big entry may be cached.
	 */
	uint8_t big[2][3][RV_TLB_SIZE];
	bool has_superpage;
	/*
	 * While has_superpage: the lowest and highest address of every big
	 * entry's range (MMIO entries filled from a range too). A one-page
	 * flush outside them has no big entry to look for: Linux flushes
	 * user pages, its big entries are the kernel's linear map, and the
	 * scan of every entry was 3 % of a Debian boot.
	 */
	uint64_t big_lo, big_hi;
	/*
	 * The S-mode entries (e, and m with RV_TLB_SUM_MMIO) of U pages, which
	 * only sstatus.SUM let S-mode reach: acc << 12 | index each, so that
	 * clearing SUM drops just them (rv_tlb_flush_sum). Linux sets and clears
	 * SUM around every user copy: flushing all S-mode entries each time made
	 * the kernel walk its own mappings again. nsum > RV_TLB_SUM_MAX: too
	 * many, flush them all. Setting SUM needs nothing (it only allows more).
	 */
	uint16_t sum_at[RV_TLB_SUM_MAX];
	unsigned nsum;
	/*
	 * The e[] entries filled since the last full flush, as priv << 14 |
	 * acc << 12 | index, so that rv_tlb_flush_all resets only those (a
	 * Debian boot makes 4,500 full flushes, one per satp write, of 96 KiB
	 * of entries each); more than RV_TLB_FILL_LOG fills, or no full flush
	 * yet (logged false), and it resets every entry.
	 */
	uint16_t filled[RV_TLB_FILL_LOG];
	unsigned nfilled;
	bool logged;
	/*
	 * The xd[] entries set since xd was last cleared (priv << 14 | index),
	 * so that clearing it (every fence.i epoch: 45,000 in a Debian boot)
	 * touches only those; past RV_TLB_FILL_LOG, all of it.
	 */
	uint16_t xd_set[RV_TLB_FILL_LOG];
	unsigned nxd;
};

/*
 * Append v to a log of RV_TLB_FILL_LOG records (rv_tlb.filled, xd_set);
 * past its end only the count moves on, to RV_TLB_FILL_LOG + 1 at most:
 * "too many, reset everything".
 */
static inline void rv_tlb_log(uint16_t *log, unsigned *n, unsigned v)
{
	if (*n < RV_TLB_FILL_LOG)
		log[*n] = (uint16_t)v;
	if (*n <= RV_TLB_FILL_LOG)
		(*n)++;
}

/* The decoded page of the X entry at [priv][idx] (tlb.xd), logged for rv_tlb_xd_clear. */
static inline void rv_tlb_xd_set(struct rv_tlb *t, unsigned priv, unsigned idx, struct rv_dpage *dp)
{
	t->xd[priv][idx] = dp;
	rv_tlb_log(t->xd_set, &t->nxd, priv << 14 | idx);
}

/* Every xd entry back to NULL (looked up again at the next entry). */
static inline void rv_tlb_xd_clear(struct rv_tlb *t)
{
	if (t->nxd <= RV_TLB_FILL_LOG) {
		for (unsigned i = 0; i < t->nxd; i++)
			t->xd[t->xd_set[i] >> 14][t->xd_set[i] & (RV_TLB_SIZE - 1)] = NULL;
	} else {
		memset(t->xd, 0, sizeof(t->xd));
	}
	t->nxd = 0;
}

/* A host pointer valid up to the end of va's page, or NULL on a miss. */
static inline uint8_t *rv_tlb_lookup(struct rv_tlb *t, unsigned priv, enum rv_acc acc, uint64_t va)
{
	struct rv_tlb_entry *e = &t->e[priv][acc][(va >> 12) & (RV_TLB_SIZE - 1)];

	if (e->tag != (va & ~RV_PAGE_MASK))
		return NULL;
	return (uint8_t *)(uintptr_t)(va + e->addend);
}

/* The guest-physical address of an MMIO access at va (cached), or false on a miss. */
static inline bool rv_tlb_mmio_lookup(struct rv_tlb *t, unsigned priv, enum rv_acc acc, uint64_t va,
				      uint64_t *gpa)
{
	struct rv_tlb_mmio *m = &t->m[priv][acc][(va >> 12) & (RV_TLB_MMIO_SIZE - 1)];

	if (m->tag != (va & ~RV_PAGE_MASK))
		return false;
	*gpa = m->gpa | (va & RV_PAGE_MASK);
	return true;
}

void rv_tlb_flush_all(struct rv_tlb *t);
/* Flush the tables of one privilege mode (0 = U, 1 = S). */
void rv_tlb_flush_priv(struct rv_tlb *t, unsigned priv);
void rv_tlb_flush_page(struct rv_tlb *t, uint64_t va);
/* sstatus.SUM was cleared: drop the S-mode entries of U pages (tlb.sum_at). */
void rv_tlb_flush_sum(struct rv_tlb *t);

struct rv_hart;

/* Outcomes of rv_mmu_translate. */
enum rv_xlate {
	RV_XL_HOST = 0, /* *host valid from va to the end of va's page */
	RV_XL_MMIO,	/* *gpa is in an emulated region */
	RV_XL_TRAP,	/* a page/access fault was delivered to the guest */
	RV_XL_EXIT,	/* *exit filled (nested page fault) */
};

/*
 * Translate va for one access by the current privilege mode (TLB, then the
 * Sv39/Sv48 walk with A/D updates, then the address space).
 */
enum rv_xlate rv_mmu_translate(struct rv_hart *h, uint64_t va, enum rv_acc acc, uint8_t **host,
			       axvm_gpa_t *gpa, struct axvm_exit *exit);

/*
 * The TLB refill of a translated block's load or store (jit.c): translate va
 * as rv_mmu_translate does (the walk, A/D updates as the hart does them,
 * the address space) and return the host address if the TLB now holds a
 * plain RAM entry for it. NULL otherwise -- a fault, MMIO, a nested page
 * fault, a store to a page with decoded code -- with no trap raised and no
 * exit taken: the block leaves and the interpreter runs the access, which
 * raises the fault or takes the exit itself. A/D bits set by a walk that
 * then fails are set as the interpreter's walk would set them.
 */
uint8_t *rv_mmu_refill(struct rv_hart *h, uint64_t va, enum rv_acc acc);

#endif
