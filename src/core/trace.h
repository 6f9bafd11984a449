/* SPDX-License-Identifier: MIT */
/*
 * The VM's tracer (axvm/stats.h): a mask read with one relaxed load where
 * an event could be traced, and a function that formats a line and hands it
 * to the embedder. One per VM; the vCPUs and the backend get a pointer to it
 * at setup.
 */
#ifndef AXVM_CORE_TRACE_H
#define AXVM_CORE_TRACE_H

#include <axvm/hal.h>
#include <axvm/stats.h>

#include <stdatomic.h>
#include <stdbool.h>

struct axvm_tracer {
	_Atomic unsigned mask;
	/* fn and opaque change only with the mask off (axvm_trace_set). */
	_Atomic(axvm_trace_fn) fn;
	void *_Atomic opaque;
	const struct axvm_hal *hal;
	uint64_t t0; /* hal->now_ns() when the VM was created */
};

static inline bool axvm_tracing(const struct axvm_tracer *t, unsigned kind)
{
	return t && (atomic_load_explicit(&t->mask, memory_order_relaxed) & kind);
}

void axvm_tracer_init(struct axvm_tracer *t, const struct axvm_hal *hal);
void axvm_tracer_set(struct axvm_tracer *t, unsigned mask, axvm_trace_fn fn, void *opaque);
/* Format and emit one line for vCPU `vcpu` (call only when axvm_tracing says so). */
void axvm_trace_emit(struct axvm_tracer *t, unsigned vcpu, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
