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

#include <stdint.h>

int axvm_bus_read_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
		       uint64_t *value);
int axvm_bus_write_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
			uint64_t value);

#endif
