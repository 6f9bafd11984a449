/* SPDX-License-Identifier: MIT */
/*
 * Trace lines: "<seconds since VM creation, ns precision> vcpu<N> <kind>
 * <details>", formatted into a stack buffer and handed to the embedder's
 * function, so that tracing allocates nothing and takes no lock of ours.
 */
#include "core/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

#define TRACE_LINE_MAX 256

void axvm_tracer_init(struct axvm_tracer *t, const struct axvm_hal *hal)
{
	memset(t, 0, sizeof(*t));
	t->hal = hal;
	t->t0 = hal->now_ns(hal->ctx);
}

void axvm_tracer_set(struct axvm_tracer *t, unsigned mask, axvm_trace_fn fn, void *opaque)
{
	/* Off first, so no event pairs the old function with the new opaque. */
	atomic_store(&t->mask, 0u);
	atomic_store(&t->fn, fn);
	atomic_store(&t->opaque, opaque);
	atomic_store(&t->mask, fn ? mask : 0u);
}

void axvm_trace_emit(struct axvm_tracer *t, unsigned vcpu, const char *kind, const char *fmt, ...)
{
	axvm_trace_fn fn = atomic_load(&t->fn);
	uint64_t ns = t->hal->now_ns(t->hal->ctx) - t->t0;
	char line[TRACE_LINE_MAX];
	int n;
	va_list ap;

	if (!fn)
		return;
	n = snprintf(line, sizeof(line), "%llu.%09llu vcpu%u %s ",
		     (unsigned long long)(ns / 1000000000u), (unsigned long long)(ns % 1000000000u),
		     vcpu, kind);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fn(atomic_load(&t->opaque), line);
}

int axvm_trace_parse(const char *list, unsigned *mask)
{
	static const struct {
		const char *word;
		unsigned bits;
	} words[] = {
	    {"exits", AXVM_TRACE_EXITS},
	    {"sbi", AXVM_TRACE_SBI},
	    {"mmio", AXVM_TRACE_MMIO},
	    {"irq", AXVM_TRACE_IRQ},
	    {"all", AXVM_TRACE_EXITS | AXVM_TRACE_SBI | AXVM_TRACE_MMIO | AXVM_TRACE_IRQ},
	};
	const char *p = list ? list : "";

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i].word) == len && !strncmp(words[i].word, p, len))
				break;
		if (i == sizeof(words) / sizeof(words[0]))
			return axvm_error_set(
			    -AXVM_EINVAL,
			    "trace: unknown event kind \"%.*s\" (want exits, sbi, "
			    "mmio, irq or all)",
			    (int)len, p);
		*mask |= words[i].bits;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!*mask)
		return axvm_error_set(
		    -AXVM_EINVAL,
		    "trace: no event kinds given (want exits, sbi, mmio, irq or all)");
	return 0;
}
