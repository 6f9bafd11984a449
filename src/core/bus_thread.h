/* SPDX-License-Identifier: MIT */
/*
 * Which vCPU the calling thread runs, for the buses' per-vCPU access
 * counters (bus.c): axvm_run_vcpu sets it on entry and clears it (-1) on
 * the way out, so a device access from any other thread counts in the
 * shared, atomic row.
 */
#ifndef AXVM_CORE_BUS_THREAD_H
#define AXVM_CORE_BUS_THREAD_H

void axvm_bus_set_thread_vcpu(int id);

#endif
