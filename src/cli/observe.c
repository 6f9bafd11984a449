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

static void observe_print_line(void *opaque, const char *text)
{
	fprintf(stderr, "%s\n", text);
}

void cli_observe_board_ended(void *opaque, struct axvm_board *board)
{
	struct cli_observe *o = opaque;
	struct axvm *vm = axvm_board_vm(board);

	if (o->trace_mask)
		axvm_trace_set(vm, 0, NULL, NULL);
	if (!o->stats)
		return;
	fprintf(stderr, "axvm: statistics (boot %u)\n", ++o->boots);
	axvm_stats_report(vm, observe_print_line, NULL);
}

void cli_observe_finish(struct cli_observe *o)
{
	if (o->trace_file && o->trace_file != stderr)
		fclose(o->trace_file);
	o->trace_file = NULL;
}
