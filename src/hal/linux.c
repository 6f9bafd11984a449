/* SPDX-License-Identifier: MIT */
/*
 * The Linux HAL: anonymous mmap for guest RAM (the kernel backs it lazily, so
 * untouched guest memory costs nothing), CLOCK_MONOTONIC, sched_getcpu,
 * pthread_setaffinity_np and futexes.
 */
#include <axvm/hal.h>
#include <axvm/log.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The host's transparent huge page size (x86-64 and most others: 2 MiB). */
#define LINUX_HUGE_PAGE (2u << 20)

/*
 * Guest RAM of 2 MiB or more sits at a 2 MiB-aligned host address and is
 * marked MADV_HUGEPAGE (as QEMU does): it stays lazy (a huge page is
 * allocated on first touch of its 2 MiB), but a booting Linux touches its
 * RAM in one 2 MiB fault instead of 512 4 KiB ones (a Debian boot: 65,000
 * faults less, each one costly in a virtualized host) and the host TLB
 * covers it with fewer entries. Where the host has transparent huge pages
 * off (or only on "never") the hint does nothing.
 */
static void *linux_mem_alloc(void *ctx, size_t size)
{
	size_t span = size >= LINUX_HUGE_PAGE ? size + LINUX_HUGE_PAGE : size;
	uintptr_t base, start;
	void *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (span == size)
		return p;
	/* Trim to the aligned part, so that mem_free's munmap(ptr, size) frees it all. */
	base = (uintptr_t)p;
	start = (base + LINUX_HUGE_PAGE - 1) & ~(uintptr_t)(LINUX_HUGE_PAGE - 1);
	if (start > base)
		munmap(p, start - base);
	if (start + size < base + span)
		munmap((void *)(start + size), base + span - (start + size));
#ifdef MADV_HUGEPAGE
	madvise((void *)start, size, MADV_HUGEPAGE); /* a hint: failure leaves 4 KiB pages */
#endif
	return (void *)start;
}

static void linux_mem_free(void *ctx, void *ptr, size_t size)
{
	if (ptr)
		munmap(ptr, size);
}

/* Reads /proc/self/pagemap; needs CAP_SYS_ADMIN for the frame number. */
static axvm_hpa_t linux_virt_to_phys(void *ctx, const void *hva)
{
	uintptr_t va = (uintptr_t)hva;
	uint64_t entry = 0;
	long page = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry), (off_t)(va / (uintptr_t)page) * 8) != sizeof(entry))
		entry = 0;
	close(fd);
	if (!(entry & (1ull << 63)) || !(entry & ((1ull << 55) - 1)))
		return 0;
	return (entry & ((1ull << 55) - 1)) * (uint64_t)page + va % (uintptr_t)page;
}

/*
 * Host-physical memory for passthrough regions comes from /dev/mem (root
 * only). The op returns a pointer, not a code, so the host's reason (errno)
 * is logged here; the address space then fails the mapping with -AXVM_EIO
 * and its own message, which is what callers see.
 */
static void *linux_map_host_phys(void *ctx, axvm_hpa_t hpa, size_t size)
{
	void *p;
	int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);

	if (fd < 0) {
		axvm_error("hal: cannot open /dev/mem to map host-physical 0x%llx: %s",
			   (unsigned long long)hpa, strerror(errno));
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)hpa);
	if (p == MAP_FAILED) {
		axvm_error("hal: cannot map host-physical 0x%llx (+0x%zx) from /dev/mem: %s",
			   (unsigned long long)hpa, size, strerror(errno));
		close(fd);
		return NULL;
	}
	close(fd);
	return p;
}

static void linux_unmap_host_phys(void *ctx, void *hva, size_t size)
{
	if (hva)
		munmap(hva, size);
}

static uint64_t linux_now_ns(void *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int linux_current_cpu(void *ctx)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? -AXVM_ENOTSUP : cpu;
}

static int linux_pin_thread(void *ctx, axvm_cpumask_t mask, axvm_cpumask_t *old)
{
	cpu_set_t set, prev;

	if (old) {
		*old = 0;
		CPU_ZERO(&prev);
		if (pthread_getaffinity_np(pthread_self(), sizeof(prev), &prev) == 0) {
			for (int i = 0; i < 64; i++)
				if (CPU_ISSET(i, &prev))
					*old |= 1ull << i;
		}
	}
	CPU_ZERO(&set);
	for (int i = 0; i < 64; i++)
		if (mask & (1ull << i))
			CPU_SET(i, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		return -AXVM_EAFFINITY;
	return 0;
}

static int linux_cpu_count(void *ctx)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	if (n < 1)
		return 1;
	return n > 64 ? 64 : (int)n;
}

static void linux_wait(void *ctx, uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ns != UINT64_MAX) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000ull);
		ts.tv_nsec = (long)(timeout_ns % 1000000000ull);
		tsp = &ts;
	}
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
}

static void linux_wake(void *ctx, uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/*
 * /proc/thread-self/schedstat holds three numbers: time on a CPU, time
 * waiting on a run queue (the run delay) and timeslices, the first two in
 * nanoseconds. The run delay is exactly "runnable but not running": a thread
 * sleeping in wait() (a halted vCPU) is not on a run queue, so idle time is
 * not counted. Kernels without schedstats have no file: UINT64_MAX.
 */
static uint64_t linux_thread_wait_ns(void *ctx)
{
	char buf[96];
	unsigned long long on_cpu, delay;
	ssize_t n;
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);

	(void)ctx;
	if (fd < 0)
		return UINT64_MAX;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return UINT64_MAX;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &on_cpu, &delay) != 2)
		return UINT64_MAX;
	return (uint64_t)delay;
}

static const struct axvm_hal linux_hal = {
    .ctx = NULL,
    .mem_alloc = linux_mem_alloc,
    .mem_free = linux_mem_free,
    .virt_to_phys = linux_virt_to_phys,
    .map_host_phys = linux_map_host_phys,
    .unmap_host_phys = linux_unmap_host_phys,
    .now_ns = linux_now_ns,
    .current_cpu = linux_current_cpu,
    .pin_thread = linux_pin_thread,
    .cpu_count = linux_cpu_count,
    .wait = linux_wait,
    .wake = linux_wake,
    .thread_wait_ns = linux_thread_wait_ns,
};

const struct axvm_hal *axvm_hal_linux(void)
{
	return &linux_hal;
}
