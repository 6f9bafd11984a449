/* SPDX-License-Identifier: MIT */
/*
 * Device accesses made on behalf of a running vCPU (vm.c's exit handlers):
 * the same as axvm_bus_read/axvm_bus_write, but counted in that vCPU's own
 * row of the device's access counters, which only its thread writes (a
 * plain add; `vcpu` must be below AXVM_CONFIG_MAX_VCPUS, as every vCPU
 * id is). The public calls count in the shared row, atomically, since
 * an embedder may call them from any thread.
 */
#ifndef AXVM_CORE_BUS_VCPU_H
#define AXVM_CORE_BUS_VCPU_H

#include <axvm/device.h>
#include <axvm/hal.h>

#include <stdatomic.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int axvm_bus_read_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
		       uint64_t *value);
int axvm_bus_write_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
			uint64_t value);
/*
 * The MMIO fast path of one vCPU (axvm_vcpu_setup_info.mmio_access, whose
 * opaque this is): vm.c fills it at setup, axvm_bus_fast_access uses it on
 * the vCPU's thread only. One call from the backend does what an
 * MmioRead/MmioWrite exit's handler would: the access, its count in the
 * vCPU's row and, one access in AXVM_STATS_SAMPLE_MMIO, its time added to
 * *vmm_ns. The bus must not change (register, remove) while a fast path
 * runs on it, as the VM guarantees (devices are registered before boot). Not taken (returns 1,
 * nothing touched or counted) while *gate & gate_mask (the tracer's mask: traced accesses take the
 * exit, which traces them) or when no device takes the address (its exit goes to the caller and is
 * counted there). A device that declines the access
 * (-AXVM_ENODEV) sets `declined` and returns 1: the exit the backend makes
 * instead must go to the caller without a second access (vm.c's handlers
 * check and clear it). Other device failures are passed to failed() and
 * the access completes (a read gives zero), as an exit's handler does.
 * A load's value is left with only its low `width` bytes defined: the
 * backend extends it from there (riscv64: exec.c's mmio_done).
 */
struct axvm_bus_slot;
struct __attribute__((aligned(64))) axvm_bus_fast { /* a cache line each: one writer per vCPU */
	struct axvm_bus_slot *hit; /* bus.c: the device this vCPU hit last, with its counts */
	struct axvm_bus *bus;
	unsigned row; /* the vCPU's id */
	const _Atomic unsigned *gate;
	unsigned gate_mask;
	bool declined;
	bool write; /* the access in progress, for a failure's message */
	uint64_t addr;
	const struct axvm_hal *hal;
	uint64_t clock_read_ns; /* what one hal->now_ns() costs: taken off each timed sample */
	_Atomic uint64_t *vmm_ns;
	void (*failed)(void *opaque, int ret, uint64_t addr, bool write);
	void *failed_opaque;
};

/* Zero *f and set its bus and row (the vCPU's id); the caller fills in the rest. */
void axvm_bus_fast_init(struct axvm_bus_fast *f, struct axvm_bus *bus, unsigned row);
int axvm_bus_fast_access(void *fast, uint64_t addr, unsigned width, uint64_t *value, bool write);

/*
 * A vCPU's accesses through the two exit-path calls and the fast path: the
 * sum of its row over every device plus the ones no device took. Since
 * each such access is one MmioRead/MmioWrite exit (or the fast path's
 * stand-in for one), the VM derives those exit counts from this instead of
 * counting every MMIO exit twice.
 */
void axvm_bus_vcpu_counts(const struct axvm_bus *bus, unsigned vcpu, uint64_t *reads,
			  uint64_t *writes);

#endif
