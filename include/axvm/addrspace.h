/* SPDX-License-Identifier: MIT */
/*
 * The guest-physical address space (the nested page table of the reference
 * design): a sorted set of non-overlapping, page-aligned regions.
 *
 * Region kinds:
 *   linear  RAM allocated and populated when mapped
 *   lazy    RAM reserved when mapped, each page populated on its first
 *           nested page fault (axvm_addrspace_populate)
 *   host    passthrough: backed by host-physical memory at a given address
 *   mmio    no backing: accesses are emulated by devices (MMIO exits)
 *
 * Threads: map/unmap must not race with each other (the VM does them before
 * boot or from one thread); translate, populate, read and write are safe from
 * any thread. Any change that can invalidate a translation handed out
 * before (map, unmap) bumps the generation counter, which vCPUs compare
 * against to flush their software TLBs. Populating a lazy page only adds a
 * translation, so it does not bump it.
 */
#ifndef AXVM_ADDRSPACE_H
#define AXVM_ADDRSPACE_H

#include "hal.h"
#include "types.h"

/* Region flags; the values are those of the reference's MappingFlags. */
enum axvm_mem_flags {
	AXVM_MEM_READ = 1u << 0,
	AXVM_MEM_WRITE = 1u << 1,
	AXVM_MEM_EXEC = 1u << 2,
	AXVM_MEM_USER = 1u << 3,
	AXVM_MEM_DEVICE = 1u << 4,
	AXVM_MEM_UNCACHED = 1u << 5,
	AXVM_MEM_ALL_FLAGS = (1u << 6) - 1,
};

enum axvm_region_kind {
	AXVM_REGION_LINEAR,
	AXVM_REGION_LAZY,
	AXVM_REGION_HOST,
	AXVM_REGION_MMIO,
};

/* Access kinds for translate(); exactly one of them. */
enum axvm_access {
	AXVM_ACCESS_READ = AXVM_MEM_READ,
	AXVM_ACCESS_WRITE = AXVM_MEM_WRITE,
	AXVM_ACCESS_EXEC = AXVM_MEM_EXEC,
};

struct axvm_region_info {
	axvm_gpa_t gpa;
	uint64_t size;
	uint32_t flags;
	enum axvm_region_kind kind;
	void *hva;	/* host address of the region's first byte (NULL for mmio) */
	axvm_hpa_t hpa; /* host-physical base for host regions */
};

struct axvm_addrspace;

AXVM_API int axvm_addrspace_create(const struct axvm_hal *hal, struct axvm_addrspace **out);
AXVM_API void axvm_addrspace_destroy(struct axvm_addrspace *as);

/* gpa and size must be page-aligned and non-zero; -AXVM_EOVERLAP on overlap. */
AXVM_API int axvm_addrspace_map_linear(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size,
				       uint32_t flags);
AXVM_API int axvm_addrspace_map_lazy(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size,
				     uint32_t flags);
AXVM_API int axvm_addrspace_map_host(struct axvm_addrspace *as, axvm_gpa_t gpa, axvm_hpa_t hpa,
				     uint64_t size, uint32_t flags);
AXVM_API int axvm_addrspace_map_mmio(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size);
/* Removes the region that starts exactly at gpa with exactly this size. */
AXVM_API int axvm_addrspace_unmap(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size);

/*
 * Translate one guest-physical address for an access.
 * Returns 0 and sets *hva (and *avail = bytes from gpa that stay contiguous
 * and accessible: to the end of the page for lazy regions, to the end of the
 * region otherwise), or:
 *   -AXVM_EFAULT      no region contains gpa
 *   -AXVM_EPERM       the region's flags forbid the access
 *   -AXVM_EMMIO       the region is emulated (an MMIO exit is due)
 *   -AXVM_ENOTPRESENT a lazy page not populated yet (a nested page fault)
 * *region_flags (optional) receives the region's flags on every outcome but
 * -AXVM_EFAULT.
 */
AXVM_API int axvm_addrspace_translate(struct axvm_addrspace *as, axvm_gpa_t gpa,
				      enum axvm_access access, void **hva, uint64_t *avail,
				      uint32_t *region_flags);

/* Handle a nested page fault: populate the lazy page holding gpa. */
AXVM_API int axvm_addrspace_populate(struct axvm_addrspace *as, axvm_gpa_t gpa);
AXVM_API bool axvm_addrspace_is_populated(struct axvm_addrspace *as, axvm_gpa_t gpa);

/*
 * Copy between the host and guest RAM. The whole range must lie within one
 * RAM region (linear, lazy or host): a range that crosses a region's end is
 * rejected with -AXVM_ERANGE and nothing is copied. Lazy pages touched are
 * populated. No permission check (this is the VMM's own access).
 */
AXVM_API int axvm_addrspace_read(struct axvm_addrspace *as, axvm_gpa_t gpa, void *buf,
				 uint64_t len);
AXVM_API int axvm_addrspace_write(struct axvm_addrspace *as, axvm_gpa_t gpa, const void *buf,
				  uint64_t len);

/* Region queries (index order = ascending gpa). */
AXVM_API size_t axvm_addrspace_region_count(const struct axvm_addrspace *as);
AXVM_API int axvm_addrspace_region(const struct axvm_addrspace *as, size_t index,
				   struct axvm_region_info *out);
AXVM_API int axvm_addrspace_find(const struct axvm_addrspace *as, axvm_gpa_t gpa,
				 struct axvm_region_info *out);

AXVM_API uint64_t axvm_addrspace_generation(const struct axvm_addrspace *as);

/*
 * Writes into guest RAM from outside the harts' own stores: a count that
 * goes up after every axvm_addrspace_write, every used-ring entry a virtio
 * device publishes (its DMA into the buffers is done by then) and every
 * axvm_addrspace_note_write. A hart that decoded guest code compares the
 * code's bytes again at its next fence.i only if the count moved since (a
 * single-hart machine; with more harts their stores are not counted and the
 * bytes are always compared). Whoever else writes guest RAM through a
 * pointer from axvm_addrspace_translate must call axvm_addrspace_note_write
 * after the write and before the guest can learn of it. With a host region
 * mapped (axvm_addrspace_map_host: memory others may write) the count moves
 * at every read, so nothing is ever skipped.
 */
AXVM_API void axvm_addrspace_note_write(struct axvm_addrspace *as);
AXVM_API uint64_t axvm_addrspace_write_count(struct axvm_addrspace *as);

#endif
