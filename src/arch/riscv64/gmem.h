/* SPDX-License-Identifier: MIT */
/*
 * The hart's plain (non-atomic) accesses to guest RAM: loads, stores and
 * instruction fetches through a host pointer the TLB or the MMU handed out.
 *
 * Guest RAM is shared by every vCPU thread, and how two harts' plain
 * accesses to one word are ordered is the guest's business (its fences and
 * AMOs, which amo.c and mmu.c do as host atomics): a guest that races on a
 * word races on real hardware too. So every such access goes through these
 * two helpers, and nothing else does: tests/tsan.supp names them, which
 * keeps ThreadSanitizer quiet about the guest's own races and only those.
 * They compile to the memcpy they wrap (one load or store for a constant
 * size), so the fast paths cost nothing more.
 */
#ifndef AXVM_ARCH_RISCV64_GMEM_H
#define AXVM_ARCH_RISCV64_GMEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Copy n bytes of guest RAM at host address hva into *dst. */
static inline __attribute__((always_inline)) void rv_gmem_load(void *dst, uintptr_t hva, size_t n)
{
	memcpy(dst, (const void *)hva, n);
}

/* Copy n bytes from *src into guest RAM at host address hva. */
static inline __attribute__((always_inline)) void rv_gmem_store(uintptr_t hva, const void *src,
								size_t n)
{
	memcpy((void *)hva, src, n);
}

#endif
