/* SPDX-License-Identifier: MIT */
/*
 * The decoded-instruction cache's storage and invalidation (see dcache.h for
 * the rules that keep it correct). Decoding itself is predecode.c.
 */
#include "arch/riscv64/dcache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/riscv64/decode.h"
#include "arch/riscv64/gmem.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/jit.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/predecode.h"

static unsigned dcache_hash(uintptr_t host_page)
{
	return (unsigned)(((uint64_t)host_page >> 12) * 0x9e3779b97f4a7c15ull >>
			  (64 - RV_DCACHE_BUCKET_BITS));
}

/* An arena of cap units (rv_dcache.pages_arena), not mapped yet. */
static void dcache_arena_init(struct rv_dcache_arena *a, size_t unit, unsigned cap)
{
	memset(a, 0, sizeof(*a));
	a->unit = unit;
	a->cap = cap;
}

/* Map it (address space only until used); on failure it stays absent. */
static void dcache_arena_map(struct rv_dcache_arena *a)
{
	size_t huge = 2u << 20, size = ((size_t)a->cap * a->unit + huge - 1) & ~(huge - 1);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	a->mapped = true;
	if (p == MAP_FAILED)
		return;
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE); /* a hint: failure leaves 4 KiB pages */
#endif
	a->base = p;
	a->size = size;
}

/*
 * The next zeroed unit, or NULL for the caller to calloc one: the first
 * RV_DCACHE_ARENA_AFTER units (a small guest never maps the arena, whose
 * first touch would zero 2 MiB), and past the arena's end.
 */
static void *dcache_arena_take(struct rv_dcache_arena *a)
{
	if (a->before < RV_DCACHE_ARENA_AFTER) {
		a->before++;
		return NULL;
	}
	if (!a->mapped)
		dcache_arena_map(a);
	if (!a->base || a->used >= a->cap)
		return NULL;
	return a->base + (size_t)a->used++ * a->unit;
}

static bool dcache_arena_owns(const struct rv_dcache_arena *a, const void *p)
{
	return a->base && (const uint8_t *)p >= a->base && (const uint8_t *)p < a->base + a->size;
}

static void dcache_arena_destroy(struct rv_dcache_arena *a)
{
	if (a->base)
		munmap(a->base, a->size);
	memset(a, 0, sizeof(*a));
}

void rv_dcache_init(struct rv_dcache *dc)
{
	memset(dc, 0, sizeof(*dc));
	dc->max_pages = RV_DCACHE_MAX_PAGES;
	dc->bucket = calloc(RV_DCACHE_BUCKETS, sizeof(*dc->bucket)); /* NULL: cache off */
	if (!dc->bucket)
		return;
	dcache_arena_init(&dc->pages_arena, sizeof(struct rv_dpage), RV_DCACHE_MAX_PAGES);
	dcache_arena_init(&dc->tables_arena, sizeof(struct rv_jit_page), RV_DCACHE_MAX_PAGES);
}

struct rv_jit_page *rv_dcache_new_jit_page(struct rv_dcache *dc)
{
	struct rv_jit_page *jp = dcache_arena_take(&dc->tables_arena);

	return jp ? jp : calloc(1, sizeof(*jp));
}

static void dcache_page_free(struct rv_dcache *dc, struct rv_dpage *dp)
{
	/* An arena's units go with it (rv_dcache_destroy). */
	if (dp->jit && !dcache_arena_owns(&dc->tables_arena, dp->jit))
		free(dp->jit);
	if (!dcache_arena_owns(&dc->pages_arena, dp))
		free(dp);
}

/* Empty the table; keep (true) puts the pages on the spare list, else frees them. */
static void dcache_free_pages(struct rv_dcache *dc, bool keep)
{
	for (unsigned i = 0; i < RV_DCACHE_BUCKETS; i++) {
		struct rv_dpage *dp = dc->bucket[i];

		dc->bucket[i] = NULL;
		if (!dp)
			continue;
		if (keep) {
			rv_jit_page_invalidate(dp);
			dp->spare_next = dc->spare;
			dc->spare = dp;
		} else {
			dcache_page_free(dc, dp);
		}
	}
	dc->pages = 0;
}

void rv_dcache_destroy(struct rv_dcache *dc)
{
	if (dc->bucket)
		dcache_free_pages(dc, false);
	while (dc->spare) {
		struct rv_dpage *dp = dc->spare;

		dc->spare = dp->spare_next;
		dcache_page_free(dc, dp);
	}
	free(dc->bucket);
	dc->bucket = NULL;
	dcache_arena_destroy(&dc->pages_arena);
	dcache_arena_destroy(&dc->tables_arena);
}

struct rv_dpage *rv_dcache_find(const struct rv_dcache *dc, uintptr_t host_page)
{
	if (!dc->bucket)
		return NULL;
	for (unsigned i = dcache_hash(host_page);; i = (i + 1) & (RV_DCACHE_BUCKETS - 1)) {
		struct rv_dpage *dp = dc->bucket[i];

		if (!dp || dp->host == host_page)
			return dp;
	}
}

/* Valid W entries have a page-aligned tag (plus RV_TLB_CODE); RV_TLB_INVALID is all ones. */
static bool dcache_w_entry_valid(const struct rv_tlb_entry *e)
{
	return (e->tag & (RV_PAGE_MASK & ~RV_TLB_CODE)) == 0;
}

/* Mark (code = true) or unmark the W entries that map host_page (0 = every entry). */
static void dcache_tag_w_entries(struct rv_hart *h, uintptr_t host_page, bool code)
{
	for (unsigned p = 0; p < 2; p++) {
		for (unsigned i = 0; i < RV_TLB_SIZE; i++) {
			struct rv_tlb_entry *e = &h->tlb.e[p][RV_ACC_W][i];
			uint64_t page = e->tag & ~RV_TLB_CODE;

			if (!dcache_w_entry_valid(e))
				continue;
			if (host_page && (uintptr_t)(page + e->addend) != host_page)
				continue;
			e->tag = code ? page | RV_TLB_CODE : page;
		}
	}
}

void rv_dcache_invalidate_all(struct rv_hart *h)
{
	h->dc.epoch++;
	rv_tlb_xd_clear(&h->tlb);
	h->recheck = true;
}

void rv_dcache_free_all(struct rv_hart *h)
{
	if (!h->dc.pages)
		return;
	h->dc.free_pending = true;
	rv_tlb_xd_clear(&h->tlb);
	h->recheck = true;
}

/* Free every page now (safe point only): no X entry may point at one, no W entry stays tagged. */
static void dcache_free_now(struct rv_hart *h)
{
	rv_tlb_xd_clear(&h->tlb);
	dcache_free_pages(&h->dc, true);
	dcache_tag_w_entries(h, 0, false);
	h->dc.free_pending = false;
	h->dc.frees++;
}

void rv_dcache_sync(struct rv_hart *h)
{
	if (h->dc.free_pending)
		dcache_free_now(h);
}

/*
 * Every slot back to "not decoded": all zero (the sentinel after them is
 * left alone). One memset of 48 KiB; the per-slot stores it replaced were
 * most of a Debian boot's time entering new pages.
 */
static void dcache_clear_slots(struct rv_dpage *dp)
{
	rv_jit_page_invalidate(dp); /* translations of the old bytes die with the slots */
	memset(dp->slot, 0, RV_DPAGE_SLOTS * sizeof(dp->slot[0]));
}

/*
 * Whether guest RAM may have been written by anyone but this hart since the
 * count `writes` was read: a count that moved, or other harts (their stores
 * are not counted). Only the one hart of a one-hart machine is known to be
 * alone (a hart created without a machine may share its address space).
 */
static bool dcache_written(struct rv_hart *h, uint64_t then, uint64_t now)
{
	const struct rv_machine *m = h->machine;

	return now != then || !m || m->nharts != 1;
}

/* The page's bytes now become what its slots are decoded from. */
static void dcache_snapshot(struct rv_hart *h, struct rv_dpage *dp)
{
	dp->writes =
	    axvm_addrspace_write_count(h->as); /* before the copy: a later write moves it */
	rv_gmem_load(dp->shadow, dp->host, sizeof(dp->shadow));
	dp->shadow_valid = true;
}

/* The page still holds its snapshot's bytes (read through gmem.h, as every guest-RAM read). */
static bool dcache_same_bytes(const struct rv_dpage *dp)
{
	uint8_t buf[512];

	for (unsigned off = 0; off < sizeof(dp->shadow); off += sizeof(buf)) {
		rv_gmem_load(buf, dp->host + off, sizeof(buf));
		if (memcmp(buf, dp->shadow + off, sizeof(buf)) != 0)
			return false;
	}
	return true;
}

static void dcache_insert(struct rv_dcache *dc, struct rv_dpage *dp)
{
	unsigned i;

	for (i = dcache_hash(dp->host); dc->bucket[i]; i = (i + 1) & (RV_DCACHE_BUCKETS - 1))
		;
	dc->bucket[i] = dp;
	dc->pages++;
}

/*
 * The cache is full (safe point): keep the pages entered since the last
 * eviction or mapped by an X TLB entry now, at most half of them, and put
 * the rest on the spare list with their translations (blocks chain only
 * inside their own page, and the X entries' decoded pages are looked up
 * again). Freeing everything instead threw away the hot pages and their
 * translations too: a Debian boot did it 4 times and translated them again.
 */
static void dcache_evict(struct rv_hart *h)
{
	struct rv_dcache *dc = &h->dc;
	struct rv_dpage *keep[RV_DCACHE_MAX_PAGES];
	unsigned n = 0, limit = dc->max_pages / 2;

	if (limit > RV_DCACHE_MAX_PAGES)
		limit = RV_DCACHE_MAX_PAGES;
	for (unsigned p = 0; p < 2; p++)
		for (unsigned i = 0; i < RV_TLB_SIZE; i++)
			if (h->tlb.xd[p][i])
				h->tlb.xd[p][i]->ref = true;
	rv_tlb_xd_clear(&h->tlb);
	for (unsigned i = 0; i < RV_DCACHE_BUCKETS; i++) {
		struct rv_dpage *dp = dc->bucket[i];

		dc->bucket[i] = NULL;
		if (!dp)
			continue;
		if (dp->ref && n < limit) {
			dp->ref = false;
			keep[n++] = dp;
			continue;
		}
		rv_jit_page_invalidate(dp);
		dp->spare_next = dc->spare;
		dc->spare = dp;
	}
	dc->pages = 0;
	for (unsigned i = 0; i < n; i++)
		dcache_insert(dc, keep[i]);
	/* W entries of the pages that went: stores to them need no slow path any more. */
	for (unsigned p = 0; p < 2; p++)
		for (unsigned i = 0; i < RV_TLB_SIZE; i++) {
			struct rv_tlb_entry *e = &h->tlb.e[p][RV_ACC_W][i];

			if (dcache_w_entry_valid(e) && (e->tag & RV_TLB_CODE) &&
			    !rv_dcache_find(dc, (uintptr_t)((e->tag & ~RV_TLB_CODE) + e->addend)))
				e->tag &= ~RV_TLB_CODE;
		}
	dc->frees++;
}

/*
 * Back a new page's memory with one madvise rather than a host page fault
 * per 4 KiB as slots are decoded (costly in a virtualized host). Only an
 * optimization.
 */
static void dcache_populate(struct rv_dpage *dp)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t start = ((uintptr_t)dp + 4095) & ~(uintptr_t)4095;
	uintptr_t end = ((uintptr_t)dp + sizeof(*dp)) & ~(uintptr_t)4095;

	if (end > start)
		madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
	(void)dp;
#endif
}

static struct rv_dpage *dcache_add(struct rv_hart *h, uintptr_t host_page)
{
	struct rv_dcache *dc = &h->dc;
	struct rv_dpage *dp;

	if (dc->pages >= dc->max_pages)
		dcache_evict(h);
	dp = dc->spare;
	if (dp) {
		dc->spare =
		    dp->spare_next; /* its translation table is invalid (stale generation) */
		dcache_clear_slots(dp);
	} else {
		/* Zeroed: every slot not decoded (fresh memory: the host zeroes it). */
		dp = dcache_arena_take(&dc->pages_arena);
		if (!dp) {
			dp = calloc(1, sizeof(*dp));
			if (!dp)
				return NULL;
			dcache_populate(dp);
		}
	}
	dc->adds++;
	dp->jit_gen = 0;
	dp->spare_next = NULL;
	dp->host = host_page;
	dp->epoch = dc->epoch;
	dcache_snapshot(h, dp);
	dp->slot[RV_DPAGE_SLOTS].op = RV_DOP_PAGE_END;
	dp->slot[RV_DPAGE_SLOTS].fn = dc->page_end_fn;
	dp->ref = true;
	dcache_insert(dc, dp);
	/* From now on this hart's stores to the page must see the slots. */
	dcache_tag_w_entries(h, host_page, true);
	return dp;
}

struct rv_dpage *rv_dcache_enter(struct rv_hart *h, uint64_t pc, uintptr_t host_page)
{
	struct rv_dcache *dc = &h->dc;
	struct rv_dpage *dp;

	if (!dc->bucket)
		return NULL;
	rv_dcache_sync(h);
	dp = rv_dcache_find(dc, host_page);
	if (!dp) {
		dp = dcache_add(h, host_page);
		if (!dp)
			return NULL;
	} else if (dp->epoch != dc->epoch) {
		/*
		 * fence.i: this hart's stores to the page cleared shadow_valid; any
		 * other writer moved the write count (a Debian boot: 98 % of the
		 * 470,000 pages compared here were not written at all).
		 */
		uint64_t writes = axvm_addrspace_write_count(h->as);

		if (dp->shadow_valid && !dcache_written(h, dp->writes, writes)) {
			dc->kept++;
			dc->unwritten++;
		} else if (dp->shadow_valid && dcache_same_bytes(dp)) {
			dc->kept++; /* the same bytes: the same slots, the same translations */
			dp->writes = writes;
		} else {
			dcache_clear_slots(dp);
			dcache_snapshot(h, dp);
			dc->resets++;
		}
		dp->epoch = dc->epoch;
	}
	dp->ref = true;
	rv_tlb_xd_set(&h->tlb, h->priv, (pc >> 12) & (RV_TLB_SIZE - 1), dp);
	return dp;
}

void rv_dcache_note_write(struct rv_hart *h, uintptr_t host, unsigned len)
{
	struct rv_dpage *dp = rv_dcache_find(&h->dc, host & ~(uintptr_t)RV_PAGE_MASK);
	unsigned off = (unsigned)(host & RV_PAGE_MASK), end = off + len, s;

	if (!dp)
		return;
	if (end > AXVM_PAGE_SIZE)
		end = AXVM_PAGE_SIZE;
	/*
	 * A slot at byte s covers s .. s + 3, a fused pair s .. s + 7: reset
	 * the ones starting in [off - 7, end).
	 */
	for (s = off >= 7 ? (off - 7) & ~1u : 0; s < end; s += 2)
		dp->slot[s >> 1].fn = NULL; /* not decoded; keep .step: the running store uses it */
	dp->shadow_valid = false;	    /* from now on slots decode from the page itself */
	rv_jit_page_invalidate(dp);	    /* every block of the page: simpler than ranges */
	h->dc.slot_writes++;
}

/* Decode the instruction at `slot` of dp into *d (no fusion). */
static void dcache_decode_one(const struct rv_dpage *dp, unsigned slot, struct rv_dinsn *d,
			      uint64_t ext_on)
{
	const uint8_t *p = (dp->shadow_valid ? dp->shadow : (const uint8_t *)dp->host) + 2u * slot;
	uint16_t lo;
	uint32_t insn;

	rv_gmem_load(&lo, (uintptr_t)p, 2);
	if ((lo & 3) != 3) {
		insn = rv_expand_compressed(lo);
		if (!insn) {
			rv_predecode_step(d, 1);
			return;
		}
		rv_predecode(d, insn, lo, 2, 2u * slot, ext_on);
		return;
	}
	if (slot == RV_DPAGE_SLOTS - 1) {
		/* Straddles into the next page: its second half can change or fault apart. */
		rv_predecode_step(d, 2);
		return;
	}
	rv_gmem_load(&insn, (uintptr_t)p, 4);
	rv_predecode(d, insn, insn, 4, 2u * slot, ext_on);
}

void rv_dcache_decode_into(const struct rv_hart *h, const struct rv_dpage *dp, unsigned slot,
			   struct rv_dinsn *d)
{
	struct rv_dinsn next;

	dcache_decode_one(dp, slot, d, h->ext_on);
	if (rv_predecode_may_fuse(d) && slot + d->step < RV_DPAGE_SLOTS) {
		dcache_decode_one(dp, slot + d->step, &next, h->ext_on);
		rv_predecode_fuse(d, &next);
	}
}

void rv_dcache_decode(struct rv_hart *h, struct rv_dpage *dp, unsigned slot)
{
	h->dc.decoded++;
	rv_dcache_decode_into(h, dp, slot, &dp->slot[slot]);
}
