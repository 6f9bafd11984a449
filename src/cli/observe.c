/* SPDX-License-Identifier: MIT */
/*
 * `axvm run --stats` and `--trace`: the CLI's side of axvm/stats.h. The
 * trace goes to stderr or a file, one line per event; the statistics are
 * printed to stderr when each boot's vCPUs have stopped.
 */
#include <axvm/board.h>
#include <axvm/stats.h>
#include <axvm/vm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_observe_parse_trace(struct cli_observe *o, const char *value)
{
	char kinds[128] = "";
	const char *file = strstr(value, "file=");
	size_t len = file ? (size_t)(file - value) : strlen(value);

	/* "exits,mmio,file=PATH": the kinds, then the file (which may hold commas). */
	if (file && file != value && value[len - 1] != ',') {
		fprintf(stderr, "axvm run: --trace '%s': expected KINDS[,file=PATH]\n", value);
		return -1;
	}
	if (len && value[len - 1] == ',')
		len--;
	if (len >= sizeof(kinds)) {
		fprintf(stderr, "axvm run: --trace '%s': too long\n", value);
		return -1;
	}
	memcpy(kinds, value, len);
	kinds[len] = 0;
	if (axvm_trace_parse(kinds, &o->trace_mask)) {
		fprintf(stderr, "axvm run: --trace '%s': %s\n", value, axvm_error_message());
		return -1;
	}
	if (file && !file[5]) {
		fprintf(stderr, "axvm run: --trace '%s': file= needs a path\n", value);
		return -1;
	}
	o->trace_path = file ? file + 5 : NULL;
	return 0;
}

static void observe_trace_line(void *opaque, const char *line)
{
	FILE *f = opaque;

	/* One call per line: stdio's lock keeps lines from different vCPUs whole. */
	fprintf(f, "%s\n", line);
}

int cli_observe_start(struct cli_observe *o)
{
	if (!o->trace_mask)
		return 0;
	o->trace_file = stderr;
	if (o->trace_path) {
		o->trace_file = fopen(o->trace_path, "we");
		if (!o->trace_file) {
			fprintf(stderr, "axvm run: --trace file %s: %m\n", o->trace_path);
			return -1;
		}
	}
	return 0;
}

int cli_observe_board_ready(void *opaque, struct axvm_board *board)
{
	struct cli_observe *o = opaque;

	if (o->trace_mask)
		axvm_trace_set(axvm_board_vm(board), o->trace_mask, observe_trace_line,
			       o->trace_file);
	return 0;
}

static void observe_counter(void *opaque, const char *name, uint64_t v)
{
	unsigned *n = opaque;

	fprintf(stderr, "%s %s %llu", (*n)++ % 4 ? "," : "\n   ", name, (unsigned long long)v);
}

static double observe_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

void cli_observe_board_ended(void *opaque, struct axvm_board *board)
{
	struct cli_observe *o = opaque;
	struct axvm *vm = axvm_board_vm(board);
	struct axvm_device_stats devs[64];
	size_t ndevs;

	if (o->trace_mask)
		axvm_trace_set(vm, 0, NULL, NULL);
	if (!o->stats)
		return;
	fprintf(stderr, "axvm: statistics (boot %u)\n", ++o->boots);
	for (unsigned id = 0;; id++) {
		struct axvm_vcpu_stats s;
		unsigned n = 0;

		if (axvm_vcpu_stats(vm, id, &s))
			break;
		fprintf(stderr,
			"vcpu %u: run %.3f s (guest %.3f s, VMM %.3f s estimated), halted %.3f s, "
			"%llu interrupts injected\n  exits:",
			id, observe_s(s.run_ns), observe_s(s.run_ns - s.vmm_ns), observe_s(s.vmm_ns),
			observe_s(s.halted_ns), (unsigned long long)s.irqs_injected);
		for (unsigned r = 0; r < AXVM_EXIT_REASON_COUNT; r++)
			if (s.exits[r])
				fprintf(stderr, " %s %llu",
					axvm_exit_reason_name((enum axvm_exit_reason)r),
					(unsigned long long)s.exits[r]);
		fprintf(stderr, "\n  counters:");
		axvm_vcpu_counters(vm, id, observe_counter, &n);
		fprintf(stderr, "\n");
	}
	ndevs = axvm_device_stats(vm, devs, sizeof(devs) / sizeof(devs[0]));
	if (ndevs > sizeof(devs) / sizeof(devs[0]))
		ndevs = sizeof(devs) / sizeof(devs[0]);
	fprintf(stderr, "devices (guest accesses):\n");
	for (size_t i = 0; i < ndevs; i++)
		if (devs[i].reads || devs[i].writes)
			fprintf(stderr, "  %s %s at 0x%llx: %llu reads, %llu writes\n", devs[i].bus,
				devs[i].name, (unsigned long long)devs[i].base,
				(unsigned long long)devs[i].reads,
				(unsigned long long)devs[i].writes);
}

void cli_observe_finish(struct cli_observe *o)
{
	if (o->trace_file && o->trace_file != stderr)
		fclose(o->trace_file);
	o->trace_file = NULL;
}
