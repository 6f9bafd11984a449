/* SPDX-License-Identifier: MIT */
/*
 * axvm: the command-line front end. `axvm COMMAND [ARGS]`; each command
 * lives in its own file (run.c, check.c) with its option table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/axvm.h"
#include "axvm/log.h"
#include "cli/cli.h"

static const struct cli_command *const cli_commands[] = {
    &cli_cmd_run,
    &cli_cmd_check,
};

#define CLI_NCOMMANDS (sizeof(cli_commands) / sizeof(cli_commands[0]))

static void cli_usage(FILE *f)
{
	fprintf(f, "usage: axvm COMMAND [OPTIONS] [ARGS]\n"
		   "       axvm --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < CLI_NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fprintf(f, "\n`axvm COMMAND --help` lists a command's options.\n");
}

static void cli_print_option(const struct cli_option *o)
{
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->long_name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->long_name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	printf("  %-30s %s\n", left, o->help);
}

void cli_print_help(const struct cli_command *cmd)
{
	printf("usage: axvm %s [OPTIONS]%s%s\n%s\n\noptions:\n", cmd->name, cmd->args[0] ? " " : "",
	       cmd->args, cmd->summary);
	for (const struct cli_option *o = cmd->options; o->long_name; o++)
		cli_print_option(o);
	printf("  %-30s %s\n", "-h, --help", "show this help");
}

static const struct cli_option *cli_find_long(const struct cli_command *cmd, const char *name,
					      size_t len)
{
	for (const struct cli_option *o = cmd->options; o->long_name; o++)
		if (strlen(o->long_name) == len && strncmp(o->long_name, name, len) == 0)
			return o;
	return NULL;
}

static const struct cli_option *cli_find_short(const struct cli_command *cmd, char c)
{
	for (const struct cli_option *o = cmd->options; o->long_name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv,
	      int (*fn)(const struct cli_arg *arg, void *opaque), void *opaque)
{
	bool only_positional = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		struct cli_arg arg = {0};
		int ret;

		if (!only_positional && strcmp(a, "--") == 0) {
			only_positional = true;
			continue;
		}
		if (!only_positional && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			cli_print_help(cmd);
			return 1;
		}
		if (only_positional || a[0] != '-' || a[1] == '\0') {
			arg.value = a;
		} else if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);

			arg.opt = cli_find_long(cmd, a + 2, len);
			if (!arg.opt) {
				fprintf(stderr, "axvm %s: unknown option '%.*s' (see --help)\n",
					cmd->name, (int)(len + 2), a);
				return -1;
			}
			if (arg.opt->arg) {
				if (eq)
					arg.value = eq + 1;
				else if (i + 1 < argc)
					arg.value = argv[++i];
			} else if (eq) {
				fprintf(stderr, "axvm %s: option '--%s' takes no value\n",
					cmd->name, arg.opt->long_name);
				return -1;
			}
		} else {
			arg.opt = cli_find_short(cmd, a[1]);
			if (!arg.opt) {
				fprintf(stderr, "axvm %s: unknown option '-%c' (see --help)\n",
					cmd->name, a[1]);
				return -1;
			}
			if (arg.opt->arg) {
				if (a[2])
					arg.value = a + 2;
				else if (i + 1 < argc)
					arg.value = argv[++i];
			} else if (a[2]) {
				/* Repeated flags: -vv. */
				for (const char *p = a + 2; *p; p++) {
					if (*p != a[1]) {
						fprintf(stderr,
							"axvm %s: cannot combine '-%c' with '%c'\n",
							cmd->name, a[1], *p);
						return -1;
					}
					ret = fn(&arg, opaque);
					if (ret)
						return ret;
				}
			}
		}
		if (arg.opt && arg.opt->arg && !arg.value) {
			fprintf(stderr, "axvm %s: option '--%s' needs a value (%s)\n", cmd->name,
				arg.opt->long_name, arg.opt->arg);
			return -1;
		}
		ret = fn(&arg, opaque);
		if (ret)
			return ret;
	}
	return 0;
}

int cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 20; /* no suffix: MiB, as QEMU's -m */

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		return -1;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end || v == 0 || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static void cli_log_sink(void *opaque, enum axvm_log_level level, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info", "debug", "trace"};

	fprintf(stderr, "axvm: %s: %s\n", (unsigned)level < 5 ? names[level] : "log", msg);
}

void cli_install_log(int verbosity)
{
	static const char *const names[] = {"error", "warn", "info", "debug", "trace"};
	int level = AXVM_LOG_WARN + verbosity;
	const char *env = getenv("AXVM_LOG");

	if (env && verbosity == 0)
		for (int i = 0; i < 5; i++)
			if (strcmp(env, names[i]) == 0)
				level = i;
	if (level > AXVM_LOG_TRACE)
		level = AXVM_LOG_TRACE;
	axvm_log_set_level((enum axvm_log_level)level);
	axvm_log_set_sink(cli_log_sink, NULL);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("axvm %s\n", AXVM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < CLI_NCOMMANDS; i++)
		if (strcmp(argv[1], cli_commands[i]->name) == 0)
			return cli_commands[i]->run(argc - 1, argv + 1);
	fprintf(stderr, "axvm: unknown command '%s'\n", argv[1]);
	cli_usage(stderr);
	return 1;
}
