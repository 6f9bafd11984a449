/* SPDX-License-Identifier: MIT */
/*
 * The axvm command line: a table of commands (main.c) and, per command, a
 * table of options that both the parser and --help read, so the help text
 * can never disagree with what is accepted.
 */
#ifndef AXVM_CLI_H
#define AXVM_CLI_H

#include <stdbool.h>
#include <stdint.h>

struct cli_option {
	int id;
	char short_name; /* 0 = none */
	const char *long_name;
	const char *arg; /* NULL = a flag without a value */
	const char *help;
};

struct cli_command {
	const char *name;
	const char *args; /* positional arguments, for the usage line */
	const char *summary;
	const struct cli_option *options;
	int (*run)(int argc, char **argv);
};

/* One parsed option or positional argument. */
struct cli_arg {
	const struct cli_option *opt; /* NULL for a positional argument */
	const char *value;
};

/*
 * Parse argv[1..] against `options`, calling `fn` for each option and
 * positional argument in order. Returns 0, or prints "axvm CMD: ..." to
 * stderr and returns -1 for an unknown option or a missing value; returns 1
 * after printing help for -h/--help.
 */
int cli_parse(const struct cli_command *cmd, int argc, char **argv,
	      int (*fn)(const struct cli_arg *arg, void *opaque), void *opaque);
void cli_print_help(const struct cli_command *cmd);

/* "128M", "1G", "512k", "64" (MiB, as QEMU's -m) -> bytes; -1 if malformed. */
int cli_parse_size(const char *s, uint64_t *out);
/* A decimal unsigned integer in [min, max]; -1 if malformed or out of range. */
int cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Log sink for stderr; `level` from -v flags or AXVM_LOG. */
void cli_install_log(int verbosity);

/* --stats and --trace (observe.c). */
struct axvm_board;
struct cli_observe {
	bool stats;
	unsigned trace_mask;	/* 0: no trace */
	const char *trace_path; /* NULL: stderr */
	void *trace_file;	/* FILE * while running */
	unsigned boots;
};
/* "exits,sbi,mmio,irq[,file=PATH]" or "all[,file=PATH]"; -1 after a message. */
int cli_observe_parse_trace(struct cli_observe *o, const char *value);
/* Open the trace file; -1 after a message. */
int cli_observe_start(struct cli_observe *o);
/* The runtime's board_ready and board_ended hooks (opaque = the cli_observe). */
int cli_observe_board_ready(void *opaque, struct axvm_board *board);
void cli_observe_board_ended(void *opaque, struct axvm_board *board);
void cli_observe_finish(struct cli_observe *o);

extern const struct cli_command cli_cmd_run;
extern const struct cli_command cli_cmd_check;

#endif
