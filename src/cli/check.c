/* SPDX-License-Identifier: MIT */
/*
 * `axvm check CONFIG.toml`: load and validate a VM config without running
 * it. Prints "file:line:col: reason" and exits 1 on the first error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "axvm/board.h"
#include "axvm/config.h"
#include "cli/cli.h"

enum {
	CHECK_VERBOSE = 1,
};

static const struct cli_option check_options[] = {
    {CHECK_VERBOSE, 'v', "verbose", NULL, "print a summary of the config"},
    {0},
};

struct check_args {
	const char *path;
	int extra;
	bool verbose;
};

static int check_arg(const struct cli_arg *arg, void *opaque)
{
	struct check_args *a = opaque;

	if (arg->opt) {
		a->verbose = true;
		return 0;
	}
	if (a->path)
		a->extra++;
	else
		a->path = arg->value;
	return 0;
}

static int check_main(int argc, char **argv)
{
	struct check_args a = {0};
	struct axvm_config *cfg;
	char err[AXVM_CONFIG_ERR_MAX] = "";
	int ret;

	ret = cli_parse(&cli_cmd_check, argc, argv, check_arg, &a);
	if (ret)
		return ret > 0 ? 0 : 1;
	if (!a.path || a.extra) {
		fprintf(stderr, "usage: axvm check CONFIG.toml\n");
		return 1;
	}
	cli_install_log(0);
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		fprintf(stderr, "axvm: error: out of memory\n");
		return 1;
	}
	ret = axvm_config_load(a.path, cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : axvm_strerror(ret));
		free(cfg);
		return 1;
	}
	/* Valid as a config, but would `axvm run` take it? */
	ret = axvm_board_virt_check_config(cfg);
	if (ret) {
		fprintf(stderr, "%s: %s\n", a.path, axvm_error_message());
		free(cfg);
		return 1;
	}
	printf("%s: ok\n", a.path);
	if (a.verbose) {
		printf(
		    "  name %s, id %llu, %u vCPU(s), %u memory region(s), %u emulated device(s)\n",
		    cfg->name, (unsigned long long)cfg->id, cfg->cpu_num, cfg->region_count,
		    cfg->emu_device_count);
		for (unsigned i = 0; i < cfg->region_count; i++)
			printf("  memory_regions[%u]: 0x%llx + 0x%llx\n", i,
			       (unsigned long long)cfg->regions[i].gpa,
			       (unsigned long long)cfg->regions[i].size);
		if (cfg->kernel_path[0])
			printf("  kernel %s at 0x%llx, entry 0x%llx\n", cfg->kernel_path,
			       (unsigned long long)cfg->kernel_load_addr,
			       (unsigned long long)cfg->bsp_entry);
	}
	free(cfg);
	return 0;
}

const struct cli_command cli_cmd_check = {
    .name = "check",
    .args = "CONFIG.toml",
    .summary = "validate a VM config file (errors as file:line:col)",
    .options = check_options,
    .run = check_main,
};
