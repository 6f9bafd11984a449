/* SPDX-License-Identifier: MIT */
/*
 * A fake HAL for unit tests: real memory (calloc'd, page-aligned), a clock
 * the test sets, a "current CPU" the test chooses, recorded pinning, and
 * failure injection (fail the Nth allocation).
 */
#ifndef TEST_FAKE_HAL_H
#define TEST_FAKE_HAL_H

#include <axvm/hal.h>

struct fake_hal {
	struct axvm_hal hal;
	int current_cpu;	    /* what current_cpu() reports */
	bool follow_pin;	    /* current_cpu becomes the lowest CPU of a pinned mask */
	axvm_cpumask_t pinned;	    /* last mask pinned */
	axvm_cpumask_t thread_mask; /* the "thread's" mask (restored by unpin) */
	unsigned pin_calls;
	int fail_pin; /* pin_thread fails when set */
	unsigned alloc_calls;
	unsigned fail_alloc_at; /* fail the Nth allocation (1-based); 0 = never */
	size_t bytes_allocated; /* currently outstanding */
	uint64_t now;
	uint64_t
	    read_cost; /* each now_ns() call moves `now` on by this much (a clock read's cost) */
	/* host-physical memory for passthrough: [phys_base, phys_base + phys_size) */
	axvm_hpa_t phys_base;
	size_t phys_size;
	uint8_t *phys_mem;
};

void fake_hal_init(struct fake_hal *f);
void fake_hal_fini(struct fake_hal *f);

#endif
