/* SPDX-License-Identifier: MIT */
/*
 * Supplying your own HAL (struct axvm_hal, hal.h): a wrapper around the
 * Linux HAL that counts guest-memory allocations and thread pins, and can
 * fail the Nth allocation (failure injection, as the unit tests do).
 *
 * Where the VM calls the HAL:
 *   mem_alloc/mem_free  once per linear or lazy region, at map / destroy
 *                       time (a lazy region is reserved whole; populating a
 *                       page on a nested page fault is no HAL call)
 *   pin_thread          on every axvm_run_vcpu entry (bind) and exit
 *                       (unbind restores the old mask), only for a vCPU
 *                       with a CPU set (phys_cpu_ids / phys_cpu_sets)
 *   current_cpu         on bind, to check the thread runs inside the set
 *   now_ns, wait, wake  the hart's clock, wfi sleeps and kicks
 *
 * Every op may be called from any thread: the counters are atomics.
 *
 * The guest touches three pages of a lazy region, then powers off; we run
 * it twice: once normally, once with the 2nd allocation failing, which
 * axvm_init reports naming the region.
 *
 * Build: cc -std=c11 custom_hal.c $(pkg-config --cflags --libs libaxvm)
 */
#include <axvm/axvm.h>

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)
#define LAZY_BASE 0x90000000ull
#define LAZY_SIZE (16ull << 20)

struct counting_hal {
	struct axvm_hal hal;	      /* what the VM sees; hal.ctx points back here */
	const struct axvm_hal *inner; /* the Linux HAL does the real work */
	atomic_uint allocs, frees, pins;
	atomic_ullong bytes;
	unsigned fail_alloc_at; /* 0 = never; N = the Nth mem_alloc returns NULL */
};

static void *ch_mem_alloc(void *ctx, size_t size)
{
	struct counting_hal *ch = ctx;
	unsigned n = atomic_fetch_add(&ch->allocs, 1) + 1;

	if (n == ch->fail_alloc_at)
		return NULL;
	atomic_fetch_add(&ch->bytes, size);
	return ch->inner->mem_alloc(ch->inner->ctx, size);
}

static void ch_mem_free(void *ctx, void *ptr, size_t size)
{
	struct counting_hal *ch = ctx;

	atomic_fetch_add(&ch->frees, 1);
	ch->inner->mem_free(ch->inner->ctx, ptr, size);
}

static int ch_pin_thread(void *ctx, axvm_cpumask_t mask, axvm_cpumask_t *old)
{
	struct counting_hal *ch = ctx;

	atomic_fetch_add(&ch->pins, 1);
	return ch->inner->pin_thread(ch->inner->ctx, mask, old);
}

/* The ops we do not count just forward to the Linux HAL. */
static axvm_hpa_t ch_virt_to_phys(void *ctx, const void *hva)
{
	const struct axvm_hal *in = ((struct counting_hal *)ctx)->inner;

	return in->virt_to_phys(in->ctx, hva);
}

static void *ch_map_host_phys(void *ctx, axvm_hpa_t hpa, size_t size)
{
	const struct axvm_hal *in = ((struct counting_hal *)ctx)->inner;

	return in->map_host_phys(in->ctx, hpa, size);
}

static void ch_unmap_host_phys(void *ctx, void *hva, size_t size)
{
	const struct axvm_hal *in = ((struct counting_hal *)ctx)->inner;

	in->unmap_host_phys(in->ctx, hva, size);
}

static uint64_t ch_now_ns(void *ctx)
{
	const struct axvm_hal *in = ((struct counting_hal *)ctx)->inner;

	return in->now_ns(in->ctx);
}

static int ch_current_cpu(void *ctx)
{
	const struct axvm_hal *in = ((struct counting_hal *)ctx)->inner;

	return in->current_cpu(in->ctx);
}

static int ch_cpu_count(void *ctx)
{
	const struct axvm_hal *in = ((struct counting_hal *)ctx)->inner;

	return in->cpu_count(in->ctx);
}

static void ch_wait(void *ctx, uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	const struct axvm_hal *in = ((struct counting_hal *)ctx)->inner;

	in->wait(in->ctx, word, expected, timeout_ns);
}

static void ch_wake(void *ctx, uint32_t *word)
{
	const struct axvm_hal *in = ((struct counting_hal *)ctx)->inner;

	in->wake(in->ctx, word);
}

static void counting_hal_init(struct counting_hal *ch, unsigned fail_alloc_at)
{
	*ch = (struct counting_hal){
	    .hal =
		{
		    .ctx = ch,
		    .mem_alloc = ch_mem_alloc,
		    .mem_free = ch_mem_free,
		    .virt_to_phys = ch_virt_to_phys,
		    .map_host_phys = ch_map_host_phys,
		    .unmap_host_phys = ch_unmap_host_phys,
		    .now_ns = ch_now_ns,
		    .current_cpu = ch_current_cpu,
		    .pin_thread = ch_pin_thread,
		    .cpu_count = ch_cpu_count,
		    .wait = ch_wait,
		    .wake = ch_wake,
		},
	    .inner = axvm_hal_linux(),
	    .fail_alloc_at = fail_alloc_at,
	};
}

/* Store to three pages of the lazy region (offsets 0, 4 KiB, 1 MiB), then SBI SRST. */
static const uint32_t guest_code[] = {
    0x000902b7, /* lui   t0, 0x90                                      */
    0x00c29293, /* slli  t0, t0, 12           t0 = LAZY_BASE           */
    0x02a00313, /* li    t1, 42                                        */
    0x0062b023, /* sd    t1, 0(t0)            page 0: nested page fault */
    0x000013b7, /* lui   t2, 0x1                                       */
    0x007283b3, /* add   t2, t0, t2                                    */
    0x0063b023, /* sd    t1, 0(t2)            page 1                   */
    0x001003b7, /* lui   t2, 0x100                                     */
    0x007283b3, /* add   t2, t0, t2                                    */
    0x0063b023, /* sd    t1, 0(t2)            page 256                 */
    0x0002b503, /* ld    a0, 0(t0)            already populated: no exit */
    0x535258b7, /* lui   a7, 0x53525                                   */
    0x3548889b, /* addiw a7, a7, 0x354        SBI EID "SRST"           */
    0x00000813, /* li    a6, 0                                         */
    0x00000513, /* li    a0, 0                                         */
    0x00000593, /* li    a1, 0                                         */
    0x00000073, /* ecall                                               */
};

static void log_to_stderr(void *opaque, enum axvm_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	fprintf(stderr, "axvm: %s\n", msg);
}

/* One VM on `ch`; returns 0 if the guest powered off. */
static int run_once(struct counting_hal *ch)
{
	struct axvm_config cfg;
	struct axvm *vm = NULL;
	struct axvm_exit exit;
	int ncpu = ch->hal.cpu_count(ch->hal.ctx);
	int ret;

	axvm_config_init(&cfg);
	cfg.hal = &ch->hal; /* the VM, its vCPUs and its address space use it */
	cfg.bsp_entry = cfg.ap_entry = RAM_BASE;
	cfg.regions[cfg.region_count++] = (struct axvm_mem_region){
	    .gpa = RAM_BASE,
	    .size = RAM_SIZE,
	    .flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC,
	    .map_type = AXVM_MAP_ALLOC,
	};
	cfg.regions[cfg.region_count++] = (struct axvm_mem_region){
	    .gpa = LAZY_BASE,
	    .size = LAZY_SIZE,
	    .flags = AXVM_MEM_READ | AXVM_MEM_WRITE,
	    .map_type = AXVM_MAP_LAZY,
	};
	/* A CPU set (every host CPU, so binding cannot fail) makes bind pin the thread. */
	cfg.has_phys_cpu_sets = true;
	cfg.phys_cpu_sets[0] = ncpu >= 64 ? ~0ull : (1ull << ncpu) - 1;

	ret = axvm_create(&cfg, &vm);
	if (ret) {
		fprintf(stderr, "axvm_create: %s\n", axvm_strerror(ret));
		return ret;
	}
	ret = axvm_init(vm);
	if (ret) {
		printf("axvm_init failed: %s (%s)\n", axvm_strerror(ret), axvm_error_message());
		goto out;
	}
	ret = axvm_write_guest(vm, RAM_BASE, guest_code, sizeof(guest_code));
	if (!ret)
		ret = axvm_boot(vm);
	if (ret) {
		fprintf(stderr, "load/boot: %s\n", axvm_error_message());
		goto out;
	}
	do {
		ret = axvm_run_vcpu(vm, 0, &exit);
	} while (!ret && exit.reason == AXVM_EXIT_NOTHING);
	if (ret) {
		fprintf(stderr, "run: %s\n", axvm_error_message());
		goto out;
	}
	printf("exit %s; nested page faults handled inside axvm_run_vcpu: %" PRIu64 "\n",
	       axvm_exit_reason_name(exit.reason),
	       axvm_exit_count(vm, AXVM_EXIT_NESTED_PAGE_FAULT));
	printf("lazy pages populated: 0 %d, 1 %d, 2 %d, 256 %d\n",
	       axvm_addrspace_is_populated(axvm_addrspace(vm), LAZY_BASE),
	       axvm_addrspace_is_populated(axvm_addrspace(vm), LAZY_BASE + 0x1000),
	       axvm_addrspace_is_populated(axvm_addrspace(vm), LAZY_BASE + 0x2000),
	       axvm_addrspace_is_populated(axvm_addrspace(vm), LAZY_BASE + 0x100000));
	if (exit.reason != AXVM_EXIT_SYSTEM_DOWN)
		ret = -AXVM_EINVAL;
out:
	axvm_destroy(vm);
	return ret;
}

static void report(const char *what, struct counting_hal *ch)
{
	printf("%s: mem_alloc %u (%llu KiB), mem_free %u, pin_thread %u\n", what,
	       atomic_load(&ch->allocs), (unsigned long long)atomic_load(&ch->bytes) >> 10,
	       atomic_load(&ch->frees), atomic_load(&ch->pins));
}

int main(void)
{
	struct counting_hal ch;
	int ok;

	axvm_log_set_sink(log_to_stderr, NULL);
	axvm_log_set_level(AXVM_LOG_ERROR);

	counting_hal_init(&ch, 0);
	ok = run_once(&ch) == 0;
	report("normal run", &ch);

	/* The lazy region is the 2nd allocation: init fails and frees the 1st. */
	counting_hal_init(&ch, 2);
	ok &= run_once(&ch) == -AXVM_ENOMEM;
	report("2nd allocation failing", &ch);
	return ok ? 0 : 1;
}
