/* SPDX-License-Identifier: MIT */
/*
 * The host abstraction layer: everything axvm needs from the host OS.
 * The Linux HAL (axvm_hal_linux()) is the default; tests supply fakes
 * (e.g. one that fails the Nth allocation, or reports a chosen CPU).
 *
 * Threads: every op must be safe to call from any thread.
 */
#ifndef AXVM_HAL_H
#define AXVM_HAL_H

#include "types.h"

/* A set of host CPUs: bit n = host CPU n (CPUs >= 64 are not addressable). */
typedef uint64_t axvm_cpumask_t;

struct axvm_hal {
	void *ctx;

	/* Zeroed, page-aligned memory for guest RAM; NULL on failure. */
	void *(*mem_alloc)(void *ctx, size_t size);
	void (*mem_free)(void *ctx, void *ptr, size_t size);
	/* Host-virtual to host-physical (0 if unknown). */
	axvm_hpa_t (*virt_to_phys)(void *ctx, const void *hva);
	/* Map host-physical memory for a passthrough region; NULL on failure. */
	void *(*map_host_phys)(void *ctx, axvm_hpa_t hpa, size_t size);
	void (*unmap_host_phys)(void *ctx, void *hva, size_t size);

	/* Monotonic time in nanoseconds. */
	uint64_t (*now_ns)(void *ctx);

	/* The host CPU the caller runs on (>= 0), or a negative AXVM_E*. */
	int (*current_cpu)(void *ctx);
	/* Pin the calling thread to `mask`, saving the previous mask in *old. */
	int (*pin_thread)(void *ctx, axvm_cpumask_t mask, axvm_cpumask_t *old);
	/* Number of host CPUs (bits that can be set in a mask). */
	int (*cpu_count)(void *ctx);

	/*
	 * Wait/wake on a 32-bit word (futex semantics): wait sleeps while
	 * *word == expected, at most timeout_ns (UINT64_MAX = forever);
	 * wake wakes every waiter on the word.
	 */
	void (*wait)(void *ctx, uint32_t *word, uint32_t expected, uint64_t timeout_ns);
	void (*wake)(void *ctx, uint32_t *word);

	/*
	 * Nanoseconds the calling thread has spent runnable but waiting for a
	 * host CPU since it started (Linux: schedstat's run delay), or
	 * UINT64_MAX if the host cannot tell. The SBI steal-time extension
	 * reports its growth to the guest. Optional: NULL = unknown.
	 */
	uint64_t (*thread_wait_ns)(void *ctx);
};

/* The default HAL for Linux hosts (mmap, CLOCK_MONOTONIC, sched_*, futex). */
AXVM_API const struct axvm_hal *axvm_hal_linux(void);

#endif
