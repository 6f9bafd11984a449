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

#include <stdbool.h>
#include <stdint.h>

int axvm_bus_read_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
		       uint64_t *value);
int axvm_bus_write_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
			uint64_t value);
/*
 * The MMIO fast path's access (vm.c): as the two above, except that an
 * access no device takes returns 1 with nothing counted or touched, so the
 * caller can still make the exit (whose handler counts it). Otherwise the
 * device's result, the access counted in the device's row.
 */
int axvm_bus_try_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
		      uint64_t *value, bool write);
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
