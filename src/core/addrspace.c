/* SPDX-License-Identifier: MIT */
/*
 * The guest-physical address space.
 *
 * Regions live in an immutable, sorted snapshot array that map/unmap replace
 * with a new copy (published with a release store), so translate() on vCPU
 * threads never takes a lock and never sees a half-updated table. Replaced
 * snapshots and the backing memory of unmapped regions are retired, not
 * freed, until the address space is destroyed: a vCPU may still hold a
 * translation from before the change until it sees the new generation.
 */
#include <axvm/addrspace.h>
#include <axvm/log.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

struct as_region {
	struct axvm_region_info info;
	_Atomic uint64_t *populated; /* lazy regions: one bit per page */
	bool owns_memory;	     /* linear and lazy: allocated through the HAL */
};

struct as_table {
	size_t count;
	struct as_region regions[];
};

struct as_retired {
	struct as_retired *next;
	struct as_table *table;	 /* a replaced snapshot, or */
	struct as_region region; /* an unmapped region's memory */
	bool is_region;
};

struct axvm_addrspace {
	const struct axvm_hal *hal;
	struct as_table *_Atomic table;
	_Atomic uint64_t generation;
	struct as_retired *retired;
	/*
	 * axvm_addrspace_write_count: on a cache line of its own, as devices
	 * bump it on every DMA write while vCPUs read `table` and
	 * `generation` on every page-table walk.
	 */
	_Alignas(64) _Atomic uint64_t writes;
	_Atomic bool host_regions; /* a host region was ever mapped: writes untracked */
};

int axvm_addrspace_create(const struct axvm_hal *hal, struct axvm_addrspace **out)
{
	struct axvm_addrspace *as;
	struct as_table *t;

	*out = NULL;
	if (!hal)
		return axvm_error_set(-AXVM_EINVAL, "addrspace: no HAL");
	/* Aligned as declared (writes' own cache line); sizeof is a multiple of it. */
	as = aligned_alloc(_Alignof(struct axvm_addrspace), sizeof(*as));
	if (as)
		memset(as, 0, sizeof(*as));
	t = calloc(1, sizeof(*t));
	if (!as || !t) {
		free(as);
		free(t);
		return axvm_error_set(-AXVM_ENOMEM, "addrspace: out of memory");
	}
	as->hal = hal;
	atomic_init(&as->table, t);
	atomic_init(&as->generation, 1);
	*out = as;
	return 0;
}

static void as_region_release(struct axvm_addrspace *as, struct as_region *r)
{
	if (r->owns_memory && r->info.hva)
		as->hal->mem_free(as->hal->ctx, r->info.hva, r->info.size);
	else if (r->info.kind == AXVM_REGION_HOST && r->info.hva && as->hal->unmap_host_phys)
		as->hal->unmap_host_phys(as->hal->ctx, r->info.hva, r->info.size);
	free((void *)r->populated);
}

void axvm_addrspace_destroy(struct axvm_addrspace *as)
{
	struct as_table *t;

	if (!as)
		return;
	t = atomic_load(&as->table);
	for (size_t i = 0; i < t->count; i++)
		as_region_release(as, &t->regions[i]);
	free(t);
	while (as->retired) {
		struct as_retired *r = as->retired;

		as->retired = r->next;
		if (r->is_region)
			as_region_release(as, &r->region);
		else
			free(r->table);
		free(r);
	}
	free(as);
}

static int as_retire(struct axvm_addrspace *as, struct as_table *table,
		     const struct as_region *region)
{
	struct as_retired *r = calloc(1, sizeof(*r));

	if (!r)
		return -AXVM_ENOMEM;
	if (region) {
		r->is_region = true;
		r->region = *region;
	} else {
		r->table = table;
	}
	r->next = as->retired;
	as->retired = r;
	return 0;
}

/* Index of the region containing gpa, or -1. */
static long as_lookup(const struct as_table *t, axvm_gpa_t gpa)
{
	size_t lo = 0, hi = t->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct axvm_region_info *ri = &t->regions[mid].info;

		if (gpa < ri->gpa)
			hi = mid;
		else if (gpa - ri->gpa >= ri->size)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

/* Record why mapping [gpa, +size) failed; returns code. */
static int as_fail(int code, axvm_gpa_t gpa, uint64_t size, const char *why)
{
	return axvm_error_set(code, "addrspace: [0x%llx, +0x%llx): %s", (unsigned long long)gpa,
			      (unsigned long long)size, why);
}

static int as_check_range(axvm_gpa_t gpa, uint64_t size)
{
	if (size == 0)
		return as_fail(-AXVM_EINVAL, gpa, size, "empty");
	if ((gpa | size) & (AXVM_PAGE_SIZE - 1))
		return as_fail(-AXVM_EALIGN, gpa, size, "not page-aligned");
	if (gpa + size < gpa)
		return as_fail(-AXVM_ERANGE, gpa, size, "wraps past the top of the address space");
	return 0;
}

/* Publish a new snapshot with `add` inserted in order. */
static int as_insert(struct axvm_addrspace *as, const struct as_region *add)
{
	struct as_table *old = atomic_load(&as->table), *t;
	size_t pos = 0;
	int ret;

	for (size_t i = 0; i < old->count; i++) {
		const struct axvm_region_info *ri = &old->regions[i].info;

		if (add->info.gpa < ri->gpa + ri->size && ri->gpa < add->info.gpa + add->info.size)
			return axvm_error_set(
			    -AXVM_EOVERLAP,
			    "addrspace: [0x%llx, +0x%llx): overlaps the region "
			    "[0x%llx, +0x%llx)",
			    (unsigned long long)add->info.gpa, (unsigned long long)add->info.size,
			    (unsigned long long)ri->gpa, (unsigned long long)ri->size);
		if (ri->gpa < add->info.gpa)
			pos = i + 1;
	}
	t = malloc(sizeof(*t) + (old->count + 1) * sizeof(t->regions[0]));
	if (!t)
		return as_fail(-AXVM_ENOMEM, add->info.gpa, add->info.size, "out of memory");
	ret = as_retire(as, old, NULL);
	if (ret) {
		free(t);
		return as_fail(ret, add->info.gpa, add->info.size, "out of memory");
	}
	t->count = old->count + 1;
	memcpy(t->regions, old->regions, pos * sizeof(t->regions[0]));
	t->regions[pos] = *add;
	memcpy(&t->regions[pos + 1], &old->regions[pos],
	       (old->count - pos) * sizeof(t->regions[0]));
	atomic_store_explicit(&as->table, t, memory_order_release);
	atomic_fetch_add(&as->generation, 1);
	return 0;
}

static int as_map(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size, uint32_t flags,
		  enum axvm_region_kind kind, axvm_hpa_t hpa)
{
	struct as_region r = {0};
	int ret = as_check_range(gpa, size);

	if (ret)
		return ret;
	if (flags & ~(uint32_t)AXVM_MEM_ALL_FLAGS)
		return as_fail(-AXVM_EINVAL, gpa, size, "unknown flags");
	if (size > SIZE_MAX)
		return as_fail(-AXVM_ERANGE, gpa, size, "larger than the host's address space");
	r.info.gpa = gpa;
	r.info.size = size;
	r.info.flags = flags;
	r.info.kind = kind;
	switch (kind) {
	case AXVM_REGION_LINEAR:
	case AXVM_REGION_LAZY:
		/* Check overlap before allocating anything. */
		if (as_lookup(atomic_load(&as->table), gpa) >= 0)
			return as_fail(-AXVM_EOVERLAP, gpa, size, "overlaps a region");
		r.info.hva = as->hal->mem_alloc(as->hal->ctx, (size_t)size);
		if (!r.info.hva)
			return as_fail(-AXVM_ENOMEM, gpa, size, "the HAL could not allocate it");
		r.owns_memory = true;
		if (kind == AXVM_REGION_LAZY) {
			size_t words = (size_t)((size >> AXVM_PAGE_SHIFT) + 63) / 64;

			r.populated = calloc(words, sizeof(uint64_t));
			if (!r.populated) {
				as_region_release(as, &r);
				return as_fail(-AXVM_ENOMEM, gpa, size, "out of memory");
			}
		}
		break;
	case AXVM_REGION_HOST:
		if (hpa & (AXVM_PAGE_SIZE - 1))
			return as_fail(-AXVM_EALIGN, gpa, size,
				       "host-physical address not aligned");
		if (!as->hal->map_host_phys)
			return as_fail(-AXVM_ENOTSUP, gpa, size, "the HAL maps no host memory");
		if (as_lookup(atomic_load(&as->table), gpa) >= 0)
			return as_fail(-AXVM_EOVERLAP, gpa, size, "overlaps a region");
		r.info.hpa = hpa;
		/* The Linux HAL logs the host's reason (a pointer result has no error code). */
		r.info.hva = as->hal->map_host_phys(as->hal->ctx, hpa, (size_t)size);
		if (!r.info.hva)
			return as_fail(-AXVM_EIO, gpa, size, "the HAL could not map host memory");
		atomic_store(&as->host_regions, true);
		break;
	case AXVM_REGION_MMIO:
		r.info.flags |= AXVM_MEM_DEVICE;
		break;
	}
	ret = as_insert(as, &r);
	if (ret)
		as_region_release(as, &r);
	return ret;
}

int axvm_addrspace_map_linear(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size,
			      uint32_t flags)
{
	return as_map(as, gpa, size, flags, AXVM_REGION_LINEAR, 0);
}

int axvm_addrspace_map_lazy(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size,
			    uint32_t flags)
{
	return as_map(as, gpa, size, flags, AXVM_REGION_LAZY, 0);
}

int axvm_addrspace_map_host(struct axvm_addrspace *as, axvm_gpa_t gpa, axvm_hpa_t hpa,
			    uint64_t size, uint32_t flags)
{
	return as_map(as, gpa, size, flags, AXVM_REGION_HOST, hpa);
}

int axvm_addrspace_map_mmio(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size)
{
	return as_map(as, gpa, size, AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_DEVICE,
		      AXVM_REGION_MMIO, 0);
}

int axvm_addrspace_unmap(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size)
{
	struct as_table *old = atomic_load(&as->table), *t;
	struct as_retired *rr, *rt;
	long idx = as_lookup(old, gpa);

	if (idx < 0 || old->regions[idx].info.gpa != gpa)
		return as_fail(-AXVM_ENOENT, gpa, size, "unmap: no region starts there");
	if (old->regions[idx].info.size != size)
		return as_fail(-AXVM_EINVAL, gpa, size, "unmap: not the region's size");
	/* Allocate everything first so that failure leaves no trace. */
	t = malloc(sizeof(*t) + old->count * sizeof(t->regions[0]));
	rr = calloc(1, sizeof(*rr));
	rt = calloc(1, sizeof(*rt));
	if (!t || !rr || !rt) {
		free(t);
		free(rr);
		free(rt);
		return as_fail(-AXVM_ENOMEM, gpa, size, "unmap: out of memory");
	}
	rr->is_region = true;
	rr->region = old->regions[idx];
	rt->table = old;
	rr->next = rt;
	rt->next = as->retired;
	as->retired = rr;
	t->count = old->count - 1;
	memcpy(t->regions, old->regions, (size_t)idx * sizeof(t->regions[0]));
	memcpy(&t->regions[idx], &old->regions[idx + 1],
	       (old->count - (size_t)idx - 1) * sizeof(t->regions[0]));
	atomic_store_explicit(&as->table, t, memory_order_release);
	atomic_fetch_add(&as->generation, 1);
	return 0;
}

static bool as_page_populated(const struct as_region *r, axvm_gpa_t gpa)
{
	uint64_t page = (gpa - r->info.gpa) >> AXVM_PAGE_SHIFT;

	return atomic_load_explicit(&r->populated[page / 64], memory_order_acquire) &
	       (1ull << (page % 64));
}

int axvm_addrspace_translate(struct axvm_addrspace *as, axvm_gpa_t gpa, enum axvm_access access,
			     void **hva, uint64_t *avail, uint32_t *region_flags)
{
	const struct as_table *t = atomic_load_explicit(&as->table, memory_order_acquire);
	long idx = as_lookup(t, gpa);
	const struct as_region *r;
	uint64_t off;

	*hva = NULL;
	if (avail)
		*avail = 0;
	if (idx < 0)
		return -AXVM_EFAULT;
	r = &t->regions[idx];
	if (region_flags)
		*region_flags = r->info.flags;
	if (r->info.kind == AXVM_REGION_MMIO)
		return -AXVM_EMMIO;
	if (!(r->info.flags & (uint32_t)access))
		return -AXVM_EPERM;
	off = gpa - r->info.gpa;
	if (r->info.kind == AXVM_REGION_LAZY) {
		if (!as_page_populated(r, gpa))
			return -AXVM_ENOTPRESENT;
		if (avail)
			*avail = AXVM_PAGE_SIZE - (gpa & (AXVM_PAGE_SIZE - 1));
	} else if (avail) {
		*avail = r->info.size - off;
	}
	*hva = (uint8_t *)r->info.hva + off;
	return 0;
}

int axvm_addrspace_populate(struct axvm_addrspace *as, axvm_gpa_t gpa)
{
	const struct as_table *t = atomic_load_explicit(&as->table, memory_order_acquire);
	long idx = as_lookup(t, gpa);
	const struct as_region *r;
	uint64_t page;

	if (idx < 0)
		return -AXVM_EFAULT;
	r = &t->regions[idx];
	if (r->info.kind != AXVM_REGION_LAZY)
		return -AXVM_EINVAL;
	page = (gpa - r->info.gpa) >> AXVM_PAGE_SHIFT;
	/*
	 * The HAL hands out zeroed memory, so a page is ready once marked;
	 * the release pairs with translate's acquire.
	 */
	atomic_fetch_or_explicit(&r->populated[page / 64], 1ull << (page % 64),
				 memory_order_release);
	return 0;
}

bool axvm_addrspace_is_populated(struct axvm_addrspace *as, axvm_gpa_t gpa)
{
	const struct as_table *t = atomic_load_explicit(&as->table, memory_order_acquire);
	long idx = as_lookup(t, gpa);

	if (idx < 0 || t->regions[idx].info.kind == AXVM_REGION_MMIO)
		return false;
	if (t->regions[idx].info.kind != AXVM_REGION_LAZY)
		return true;
	return as_page_populated(&t->regions[idx], gpa);
}

/* Find the RAM region holding [gpa, gpa+len) entirely; populate lazy pages. */
static int as_ram_range(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t len, uint8_t **hva)
{
	const struct as_table *t = atomic_load_explicit(&as->table, memory_order_acquire);
	long idx = as_lookup(t, gpa);
	const struct as_region *r;

	*hva = NULL;
	if (idx < 0)
		return -AXVM_EFAULT;
	r = &t->regions[idx];
	if (r->info.kind == AXVM_REGION_MMIO)
		return -AXVM_EMMIO;
	if (len > r->info.size - (gpa - r->info.gpa))
		return -AXVM_ERANGE;
	if (r->info.kind == AXVM_REGION_LAZY && len) {
		axvm_gpa_t first = gpa & ~(AXVM_PAGE_SIZE - 1);

		for (axvm_gpa_t p = first; p - first < len + (gpa - first); p += AXVM_PAGE_SIZE)
			axvm_addrspace_populate(as, p);
	}
	*hva = (uint8_t *)r->info.hva + (gpa - r->info.gpa);
	return 0;
}

int axvm_addrspace_read(struct axvm_addrspace *as, axvm_gpa_t gpa, void *buf, uint64_t len)
{
	uint8_t *src;
	int ret = as_ram_range(as, gpa, len, &src);

	if (ret == 0 && len)
		memcpy(buf, src, (size_t)len);
	return ret;
}

int axvm_addrspace_write(struct axvm_addrspace *as, axvm_gpa_t gpa, const void *buf, uint64_t len)
{
	uint8_t *dst;
	int ret = as_ram_range(as, gpa, len, &dst);

	if (ret == 0 && len) {
		memcpy(dst, buf, (size_t)len);
		axvm_addrspace_note_write(as);
	}
	return ret;
}

void axvm_addrspace_note_write(struct axvm_addrspace *as)
{
	atomic_fetch_add(&as->writes, 1); /* seq_cst: after the write, before what follows */
}

uint64_t axvm_addrspace_write_count(struct axvm_addrspace *as)
{
	if (atomic_load_explicit(&as->host_regions, memory_order_relaxed))
		return atomic_fetch_add(&as->writes, 1) + 1; /* never the same twice */
	return atomic_load(&as->writes);
}

size_t axvm_addrspace_region_count(const struct axvm_addrspace *as)
{
	return atomic_load_explicit(&((struct axvm_addrspace *)as)->table, memory_order_acquire)
	    ->count;
}

int axvm_addrspace_region(const struct axvm_addrspace *as, size_t index,
			  struct axvm_region_info *out)
{
	const struct as_table *t =
	    atomic_load_explicit(&((struct axvm_addrspace *)as)->table, memory_order_acquire);

	if (index >= t->count)
		return -AXVM_ENOENT;
	*out = t->regions[index].info;
	return 0;
}

int axvm_addrspace_find(const struct axvm_addrspace *as, axvm_gpa_t gpa,
			struct axvm_region_info *out)
{
	const struct as_table *t =
	    atomic_load_explicit(&((struct axvm_addrspace *)as)->table, memory_order_acquire);
	long idx = as_lookup(t, gpa);

	if (idx < 0)
		return -AXVM_EFAULT;
	*out = t->regions[idx].info;
	return 0;
}

uint64_t axvm_addrspace_generation(const struct axvm_addrspace *as)
{
	return atomic_load_explicit(&((struct axvm_addrspace *)as)->generation,
				    memory_order_acquire);
}
