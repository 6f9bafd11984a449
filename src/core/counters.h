/* SPDX-License-Identifier: MIT */
/*
 * The statistics counters' build switch and their one increment.
 *
 * Counters (axvm/stats.h) are on in every normal build. `make COUNTERS=0`
 * compiles them out (-DAXVM_COUNTERS=0) so that `make bench` can put the
 * exit round trip with counters beside the same build without them: that
 * comparison is how "cheap enough to stay on" is measured, not assumed.
 * A build without counters reports zeros for every counted figure.
 */
#ifndef AXVM_CORE_COUNTERS_H
#define AXVM_CORE_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

#ifndef AXVM_COUNTERS
#define AXVM_COUNTERS 1
#endif

/*
 * Add to a counter that only the calling thread writes: a plain load and
 * store (no locked instruction on the exit path); readers load it relaxed.
 */
static inline void axvm_counter_add(_Atomic uint64_t *c, uint64_t n)
{
#if AXVM_COUNTERS
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
#else
	(void)c;
	(void)n;
#endif
}

#endif
