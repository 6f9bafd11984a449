/* SPDX-License-Identifier: MIT */
/*
 * The statistics as text lines (axvm_stats_report): what `axvm run --stats`
 * prints at exit and the monitor's `info stats` answers, from the counters
 * of axvm/stats.h. Only counters that moved are listed.
 */
#include <axvm/stats.h>
#include <axvm/vm.h>

#include <stdio.h>
#include <string.h>

#include "core/counters.h"

#define REPORT_LINE_MAX 160

struct report_line {
	char text[REPORT_LINE_MAX];
	size_t len;
	unsigned items;
	void (*emit)(void *opaque, const char *text);
	void *opaque;
};

static void report_flush(struct report_line *l)
{
	if (l->len)
		l->emit(l->opaque, l->text);
	l->len = 0;
	l->items = 0;
}

/* Append "name value" to the line, starting a new line (indented) when full. */
static void report_counter(void *opaque, const char *name, uint64_t v)
{
	struct report_line *l = opaque;
	char item[96];
	int n = snprintf(item, sizeof(item), "%s%s %llu", l->items ? ", " : "    ", name,
			 (unsigned long long)v);

	if (n < 0)
		return;
	if (l->items && l->len + (size_t)n >= 100) {
		report_flush(l);
		n = snprintf(item, sizeof(item), "    %s %llu", name, (unsigned long long)v);
	}
	if (l->len + (size_t)n < sizeof(l->text)) {
		memcpy(l->text + l->len, item, (size_t)n + 1);
		l->len += (size_t)n;
		l->items++;
	}
}

static double report_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

void axvm_stats_report(const struct axvm *vm, void (*emit)(void *opaque, const char *text),
		       void *opaque)
{
	struct report_line l = {.emit = emit, .opaque = opaque};
	struct axvm_device_stats devs[AXVM_STATS_REPORT_DEVICES];
	size_t ndevs;

	if (!AXVM_COUNTERS)
		emit(opaque, "(this build has no exit, time or device counters: make COUNTERS=0)");
	for (unsigned id = 0;; id++) {
		struct axvm_vcpu_stats s;

		if (axvm_vcpu_stats(vm, id, &s))
			break;
		snprintf(l.text, sizeof(l.text),
			 "vcpu %u: run %.3f s (guest %.3f s, VMM %.3f s estimated), halted %.3f s, "
			 "%llu interrupts injected",
			 id, report_s(s.run_ns), report_s(s.run_ns - s.vmm_ns), report_s(s.vmm_ns),
			 report_s(s.halted_ns), (unsigned long long)s.irqs_injected);
		emit(opaque, l.text);
		emit(opaque, "  exits:");
		for (unsigned r = 0; r < AXVM_EXIT_REASON_COUNT; r++)
			if (s.exits[r])
				report_counter(&l, axvm_exit_reason_name((enum axvm_exit_reason)r),
					       s.exits[r]);
		report_flush(&l);
		emit(opaque, "  counters:");
		axvm_vcpu_counters(vm, id, report_counter, &l);
		report_flush(&l);
	}
	ndevs = axvm_device_stats(vm, devs, AXVM_STATS_REPORT_DEVICES);
	if (ndevs > AXVM_STATS_REPORT_DEVICES)
		ndevs = AXVM_STATS_REPORT_DEVICES;
	emit(opaque, "devices (guest accesses):");
	for (size_t i = 0; i < ndevs; i++) {
		if (!devs[i].reads && !devs[i].writes)
			continue;
		snprintf(l.text, sizeof(l.text), "  %s %s at 0x%llx: %llu reads, %llu writes",
			 devs[i].bus, devs[i].name, (unsigned long long)devs[i].base,
			 (unsigned long long)devs[i].reads, (unsigned long long)devs[i].writes);
		emit(opaque, l.text);
	}
}
