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

#include <axvm/stats.h>

#include <stdatomic.h>
#include <stdbool.h>
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

/*
 * A timed sample, [t0, t1] read from the host clock, less the one clock
 * read it includes (`read_ns`, the VM's calibration): a sampled MMIO
 * access takes ~5 ns while a read of a paravirtualised clock can take 40,
 * so uncorrected the VMM's time came out several times too high.
 */
static inline uint64_t axvm_timed_ns(uint64_t t0, uint64_t t1, uint64_t read_ns)
{
	uint64_t d = t1 - t0;

	return d > read_ns ? d - read_ns : 0;
}

/*
 * A sampled counter: a count that also says, for free, when it reaches the
 * next multiple of AXVM_STATS_SAMPLE_MMIO (the MMIO fast path times that
 * access). The word's low 16 bits count up in steps of AXVM_COUNTER_STEP,
 * so the step that makes them 0x8000 (their signed overflow) is the
 * AXVM_STATS_SAMPLE_MMIO'th; that step's caller then carries them into the
 * bits above (adding 0x8000 again: low bits 0, the rest + 1). Every state
 * of the word reads as the exact count (axvm_counter_value), also between
 * the step and its carry, so a reader on another thread never sees it go
 * back. On x86-64 the step is one `addw` to memory whose overflow flag is
 * the sample test: two instructions on the MMIO fast path, where a count
 * then test of the count took five. Only the counter's own vCPU thread
 * writes it (a plain add, as axvm_counter_add); readers load the whole
 * word. Under ThreadSanitizer (which does not see inline assembly), and on
 * other hosts, the same in C.
 */
#define AXVM_COUNTER_STEP (0x8000 / AXVM_STATS_SAMPLE_MMIO)
#define AXVM_COUNTER_FIELD 0xffffu /* the low bits the steps go to */
/* A power of two, and a step that fits an instruction's 8-bit immediate. */
_Static_assert(0x8000 % AXVM_STATS_SAMPLE_MMIO == 0 && AXVM_COUNTER_STEP <= 127,
	       "AXVM_STATS_SAMPLE_MMIO must be a power of two from 512 to 32768");

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AXVM_COUNTER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define AXVM_COUNTER_TSAN 1
#endif

/* The count a sampled counter's word stands for. */
static inline uint64_t axvm_counter_value(uint64_t w)
{
	return (w >> 16) * AXVM_STATS_SAMPLE_MMIO + (w & AXVM_COUNTER_FIELD) / AXVM_COUNTER_STEP;
}

/* Whether word w (just stepped and carried) counts a multiple of AXVM_STATS_SAMPLE_MMIO. */
static inline bool axvm_counter_is_round(uint64_t w)
{
	return (w & AXVM_COUNTER_FIELD) == 0;
}

/* The carry after the AXVM_STATS_SAMPLE_MMIO'th step (low bits 0x8000 -> 0, the rest + 1). */
static inline void axvm_counter_carry(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 0x8000,
			      memory_order_relaxed);
}

/*
 * Count one in a sampled counter that only the calling thread writes.
 * True when the count became a multiple of AXVM_STATS_SAMPLE_MMIO: then the
 * caller calls axvm_counter_carry(c) before the counter's next step (out of
 * line, so that the hot path keeps only the add and its branch).
 */
static inline __attribute__((always_inline)) bool axvm_counter_step(_Atomic uint64_t *c)
{
#if !AXVM_COUNTERS
	(void)c;
	return false;
#elif defined(__x86_64__) && !defined(AXVM_COUNTER_TSAN)
	bool full;

	/* Little endian: the low 16 bits are the word's first two bytes. */
	__asm__("addw %2, %0" : "+m"(*(uint16_t *)c), "=@cco"(full) : "i"(AXVM_COUNTER_STEP));
	return full;
#else
	uint64_t w = atomic_load_explicit(c, memory_order_relaxed) + AXVM_COUNTER_STEP;

	atomic_store_explicit(c, w, memory_order_relaxed);
	return (w & AXVM_COUNTER_FIELD) == 0x8000;
#endif
}

#endif
