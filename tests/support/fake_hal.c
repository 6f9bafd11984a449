/* SPDX-License-Identifier: MIT */
#include "fake_hal.h"

#include <stdlib.h>
#include <string.h>

static void *fake_mem_alloc(void *ctx, size_t size)
{
	struct fake_hal *f = ctx;
	void *p;

	f->alloc_calls++;
	if (f->fail_alloc_at && f->alloc_calls == f->fail_alloc_at)
		return NULL;
	if (posix_memalign(&p, 4096, size))
		return NULL;
	memset(p, 0, size);
	f->bytes_allocated += size;
	return p;
}

static void fake_mem_free(void *ctx, void *ptr, size_t size)
{
	struct fake_hal *f = ctx;

	f->bytes_allocated -= size;
	free(ptr);
}

static axvm_hpa_t fake_virt_to_phys(void *ctx, const void *hva)
{
	return (axvm_hpa_t)(uintptr_t)hva;
}

static void *fake_map_host_phys(void *ctx, axvm_hpa_t hpa, size_t size)
{
	struct fake_hal *f = ctx;

	if (!f->phys_mem || hpa < f->phys_base || hpa - f->phys_base + size > f->phys_size)
		return NULL;
	return f->phys_mem + (hpa - f->phys_base);
}

static void fake_unmap_host_phys(void *ctx, void *hva, size_t size)
{
}

/* Atomic: vCPU threads read the clock (the run loop's statistics) while a test moves it. */
static uint64_t fake_now_ns(void *ctx)
{
	struct fake_hal *f = ctx;

	return __atomic_fetch_add(&f->now, f->read_cost, __ATOMIC_RELAXED) + f->read_cost;
}

static int fake_current_cpu(void *ctx)
{
	return ((struct fake_hal *)ctx)->current_cpu;
}

static int fake_pin_thread(void *ctx, axvm_cpumask_t mask, axvm_cpumask_t *old)
{
	struct fake_hal *f = ctx;

	f->pin_calls++;
	if (f->fail_pin)
		return -AXVM_EAFFINITY;
	if (old)
		*old = f->thread_mask;
	f->thread_mask = mask;
	f->pinned = mask;
	if (f->follow_pin && mask)
		f->current_cpu = __builtin_ctzll(mask);
	return 0;
}

static int fake_cpu_count(void *ctx)
{
	return 8;
}

static void fake_wait(void *ctx, uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
}

static void fake_wake(void *ctx, uint32_t *word)
{
}

void fake_hal_init(struct fake_hal *f)
{
	memset(f, 0, sizeof(*f));
	f->hal = (struct axvm_hal){
	    .ctx = f,
	    .mem_alloc = fake_mem_alloc,
	    .mem_free = fake_mem_free,
	    .virt_to_phys = fake_virt_to_phys,
	    .map_host_phys = fake_map_host_phys,
	    .unmap_host_phys = fake_unmap_host_phys,
	    .now_ns = fake_now_ns,
	    .current_cpu = fake_current_cpu,
	    .pin_thread = fake_pin_thread,
	    .cpu_count = fake_cpu_count,
	    .wait = fake_wait,
	    .wake = fake_wake,
	};
	f->thread_mask = 0xff;
}

void fake_hal_fini(struct fake_hal *f)
{
	free(f->phys_mem);
	f->phys_mem = NULL;
}
