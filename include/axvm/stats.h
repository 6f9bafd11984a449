/* SPDX-License-Identifier: MIT */
/*
 * Observing a running VM: per-vCPU statistics, per-device access counts,
 * the backend's own named counters, and a trace of events.
 *
 * Counters are always on and cost a few plain increments on paths that
 * already exist (an exit, a device access, an injected interrupt); they are
 * readable from any thread while the VM runs (values may be a moment old).
 *
 * Tracing is off by default and then costs one predictable branch where an
 * event could be traced; when on, each event becomes one line handed to the
 * embedder's function on the thread where it happened (a vCPU thread, or a
 * device's): "<seconds since the VM was created> vcpu<N> <kind> <details>".
 */
#ifndef AXVM_STATS_H
#define AXVM_STATS_H

#include "exit.h"
#include "types.h"

struct axvm;

struct axvm_vcpu_stats {
	/*
	 * Exits seen by axvm_run_vcpu, by reason; MmioRead/MmioWrite include
	 * the accesses the MMIO fast path completed without an exit.
	 */
	uint64_t exits[AXVM_EXIT_REASON_COUNT];
	uint64_t irqs_injected; /* axvm_vcpu_inject_interrupt calls */
	uint64_t run_ns;	/* wall time inside axvm_run_vcpu */
	/*
	 * The part of run_ns spent in the VMM on exits handled inside the
	 * loop (MMIO, port, sysreg, nested page faults) and on fast-path MMIO
	 * accesses: estimated from one exit in AXVM_STATS_SAMPLE and one
	 * fast-path access in AXVM_STATS_SAMPLE_MMIO (per device and
	 * direction) timed, so that the counters stay cheap on the fastest
	 * exits. run_ns - vmm_ns is time in guest code.
	 */
	uint64_t vmm_ns;
	uint64_t halted_ns; /* wall time waiting in axvm_vcpu_wait_for_interrupt */
};
#define AXVM_STATS_SAMPLE 64
/*
 * Sparser for fast-path accesses: a timed one reads the host clock twice
 * (about 40 ns each under KVM's clock), against about 13 ns for the access
 * itself; one in 4096 keeps that below 0.2% of the MMIO round trip.
 */
#define AXVM_STATS_SAMPLE_MMIO 4096

/* Fill *out for vCPU `id`: 0, or -AXVM_ENOENT. */
AXVM_API int axvm_vcpu_stats(const struct axvm *vm, unsigned id, struct axvm_vcpu_stats *out);

/* One named counter of the backend ("instret", "sbi.time.set_timer", ...). */
typedef void (*axvm_counter_fn)(void *opaque, const char *name, uint64_t value);
/*
 * Hand each of vCPU `id`'s backend counters to fn (riscv64: instructions
 * retired, interrupts and exceptions taken by cause, SBI calls by extension
 * and function). 0, -AXVM_ENOENT, or -AXVM_ENOTSUP if the backend has none.
 */
AXVM_API int axvm_vcpu_counters(const struct axvm *vm, unsigned id, axvm_counter_fn fn,
				void *opaque);

struct axvm_device_stats {
	const char *bus;  /* "mmio", "port", "sysreg" */
	const char *name; /* the device's name; valid while the VM lives */
	uint64_t base;
	uint64_t reads, writes; /* accesses the guest made (after the bus split them) */
};
/*
 * Fill out[0..max) with the VM's devices on every bus; returns how many
 * there are (may exceed max).
 */
AXVM_API size_t axvm_device_stats(const struct axvm *vm, struct axvm_device_stats *out, size_t max);

/*
 * All of the above as lines of text (no newline), one call of emit per
 * line: per vCPU its time, exits, backend counters, then the devices that
 * were accessed (the first AXVM_STATS_REPORT_DEVICES). What
 * `axvm run --stats` prints and the monitor's `info stats` answers.
 */
#define AXVM_STATS_REPORT_DEVICES 64
AXVM_API void axvm_stats_report(const struct axvm *vm, void (*emit)(void *opaque, const char *text),
				void *opaque);

/* What to trace. */
enum axvm_trace_kind {
	AXVM_TRACE_EXITS = 1u << 0, /* every exit axvm_run_vcpu sees */
	AXVM_TRACE_SBI = 1u << 1,   /* hypervisor calls the backend serves (riscv64: SBI) */
	AXVM_TRACE_MMIO = 1u << 2,  /* device accesses: address, width, value, device */
	AXVM_TRACE_IRQ = 1u << 3,   /* interrupts injected into a vCPU */
};
typedef void (*axvm_trace_fn)(void *opaque, const char *line);
/*
 * Trace the kinds in `mask` (0: off) to fn, which may be called on several
 * threads at once. Any thread, any time.
 */
AXVM_API void axvm_trace_set(struct axvm *vm, unsigned mask, axvm_trace_fn fn, void *opaque);
/*
 * Parse "exits,sbi,mmio,irq" (or "all") into a mask: 0, or -AXVM_EINVAL
 * with a message naming the unknown word.
 */
AXVM_API int axvm_trace_parse(const char *list, unsigned *mask);

#endif
