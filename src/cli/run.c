/* SPDX-License-Identifier: MIT */
/*
 * `axvm run [CONFIG.toml] [options]`: boot a guest on the virt board and run
 * it to its end. Options override the config file. Exit status: the guest's
 * (0 for a clean poweroff, the finisher's code otherwise), 1 for VMM errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axvm/board.h"
#include "axvm/config.h"
#include "axvm/log.h"
#include "axvm/riscv64.h"
#include "axvm/runtime.h"
#include "cli/cli.h"

enum {
	RUN_KERNEL = 1,
	RUN_INITRD,
	RUN_PARAMS,
	RUN_CPUS,
	RUN_MEM,
	RUN_DTB,
	RUN_CONSOLE,
	RUN_EARLYCON,
	RUN_SSTC,
	RUN_NO_SSTC,
	RUN_CPU,
	RUN_TIMEOUT,
	RUN_VERBOSE,
	RUN_ALLOW_OVERCOMMIT,
	RUN_DISK,
	RUN_RNG,
	RUN_VIRTIO_CONSOLE,
	RUN_DEVICE,
	RUN_STATS,
	RUN_TRACE,
	RUN_SHARE,
	RUN_NET,
	RUN_GDB,
	RUN_GDB_WAIT,
	RUN_MONITOR,
	RUN_JIT,
	RUN_NO_JIT,
};

static const struct cli_option run_options[] = {
    {RUN_KERNEL, 'k', "kernel", "FILE", "kernel: riscv Image, ELF or flat binary"},
    {RUN_INITRD, 'i', "initrd", "FILE", "initial ramdisk"},
    {RUN_PARAMS, 'p', "params", "CMDLINE", "kernel command line (/chosen/bootargs)"},
    {RUN_CPUS, 'c', "cpus", "N", "number of vCPUs (1-8, default 1)"},
    {RUN_MEM, 'm', "mem", "SIZE",
     "RAM size, e.g. 256M or 1G (no suffix: MiB; default 128M; at most twice the host's "
     "physical memory)"},
    {RUN_ALLOW_OVERCOMMIT, 0, "allow-overcommit", NULL,
     "accept a RAM size above twice the host's physical memory"},
    {RUN_DTB, 0, "dtb", "FILE", "use this device tree instead of the generated one"},
    {RUN_CONSOLE, 0, "console", "stdio|file:PATH", "guest console (default stdio)"},
    {RUN_DISK, 'd', "disk", "FILE[,OPTS]",
     "virtio-blk disk on a raw image (repeatable; the first is vda); OPTS: ro, serial=S, "
     "queues=N"},
    {RUN_RNG, 0, "rng", NULL, "virtio-rng: host entropy for the guest's /dev/hwrng"},
    {RUN_VIRTIO_CONSOLE, 0, "virtio-console", NULL,
     "virtio-console on the guest console (Linux hvc0, or hvc1 beside the SBI console)"},
    {RUN_DEVICE, 0, "device", "NAME[,OPTS]",
     "add a device by class: virtio-blk,FILE[,...], virtio-rng, virtio-console, "
     "virtio-9p,DIR,tag=NAME[,ro], virtio-net[,...]; or leave out one of the board's own: "
     "ns16550a,off, goldfish-rtc,off, sifive-test,off, pci-ecam-empty,off (repeatable)"},
    {RUN_SHARE, 0, "share", "DIR,tag=NAME[,ro]",
     "share a host directory (virtio-9p; in the guest: mount -t 9p -o trans=virtio NAME /mnt) "
     "(repeatable)"},
    {RUN_NET, 0, "net", "user|tap[,OPTS]",
     "virtio-net NIC (repeatable): user[,hostfwd=tcp:127.0.0.1:8080-:80][,restrict=on] "
     "(slirp, as QEMU's -netdev user) or tap,ifname=NAME; both take mac=, mtu=, offload=on|off"},
    {RUN_EARLYCON, 0, "earlycon", NULL, "append earlycon=sbi to the command line"},
    {RUN_SSTC, 0, "sstc", NULL, "offer the Sstc extension (stimecmp) to the guest (default)"},
    {RUN_NO_SSTC, 0, "no-sstc", NULL, "do not offer Sstc: the guest's timer goes through SBI"},
    {RUN_CPU, 0, "cpu", "rv64[,EXT=on|off...]",
     "turn ISA extensions off or on, as QEMU's -cpu properties (e.g. rv64,zbb=off,svpbmt=off; "
     "all but svade are on by default)"},
    {RUN_JIT, 0, "jit", NULL,
     "translate hot guest code to host code (default where available: x86-64 hosts)"},
    {RUN_NO_JIT, 0, "no-jit", NULL, "run guest code in the interpreter only"},
    {RUN_TIMEOUT, 0, "timeout", "SECONDS", "stop the guest after SECONDS (exit status 1)"},
    {RUN_GDB, 0, "gdb", "tcp:HOST:PORT",
     "serve the GDB remote protocol (e.g. tcp:127.0.0.1:1234; HOST empty = loopback)"},
    {RUN_GDB_WAIT, 0, "gdb-wait", NULL, "with --gdb: start the guest only when gdb continues it"},
    {RUN_MONITOR, 0, "monitor", "unix:PATH",
     "monitor on a UNIX socket: info vcpus|registers N|stats, stop, cont, quit (or JSON)"},
    {RUN_VERBOSE, 'v', "verbose", NULL, "more log messages on stderr (repeat for more)"},
    {RUN_STATS, 0, "stats", NULL,
     "print per-vCPU exits, SBI calls, traps, time and device accesses at exit (stderr)"},
    {RUN_TRACE, 0, "trace", "KINDS[,file=PATH]",
     "trace events (exits,sbi,mmio,irq or all) to stderr or PATH, one line each"},
    {0},
};

struct run_args {
	const char *config;
	const char *kernel, *initrd, *params, *dtb, *console, *gdb, *monitor;
	bool gdb_wait;
	uint64_t cpus, mem, timeout_s;
	bool earlycon, no_sstc, allow_overcommit;
	uint64_t isa_ext_off, isa_ext_on; /* --cpu */
	enum axvm_riscv64_jit jit;
	int verbosity;
	/* The devices in command-line order (-d, --rng, --device...). */
	unsigned ndevices;
	struct axvm_board_device devices[AXVM_BOARD_MAX_DEVICES];
	char classes[AXVM_BOARD_MAX_DEVICES][32]; /* --device NAME copies */
	struct cli_observe observe;
};

static int run_add_device(struct run_args *a, const char *cls, const char *options,
			  const char *origin)
{
	if (a->ndevices == AXVM_BOARD_MAX_DEVICES) {
		fprintf(stderr, "axvm run: %s: more than %d devices (one per virtio-mmio slot)\n",
			origin, AXVM_BOARD_MAX_DEVICES);
		return -1;
	}
	a->devices[a->ndevices++] = (struct axvm_board_device){cls, options, origin};
	return 0;
}

/* --device NAME[,OPTS]: the class name before the first comma. */
static int run_add_generic_device(struct run_args *a, const char *value)
{
	const char *comma = strchr(value, ',');
	size_t len = comma ? (size_t)(comma - value) : strlen(value);
	char *cls = a->classes[a->ndevices < AXVM_BOARD_MAX_DEVICES ? a->ndevices : 0];

	if (len == 0 || len >= sizeof(a->classes[0])) {
		fprintf(stderr, "axvm run: --device '%s': expected NAME[,OPTIONS]\n", value);
		return -1;
	}
	memcpy(cls, value, len);
	cls[len] = 0;
	return run_add_device(a, cls, comma ? comma + 1 : NULL, "--device");
}

static int run_arg(const struct cli_arg *arg, void *opaque)
{
	struct run_args *a = opaque;

	if (!arg->opt) {
		if (a->config) {
			fprintf(stderr, "axvm run: more than one config file ('%s', '%s')\n",
				a->config, arg->value);
			return -1;
		}
		a->config = arg->value;
		return 0;
	}
	switch (arg->opt->id) {
	case RUN_KERNEL:
		a->kernel = arg->value;
		break;
	case RUN_INITRD:
		a->initrd = arg->value;
		break;
	case RUN_PARAMS:
		a->params = arg->value;
		break;
	case RUN_CPUS:
		if (cli_parse_uint(arg->value, 1, AXVM_BOARD_VIRT_MAX_CPUS, &a->cpus)) {
			fprintf(stderr, "axvm run: --cpus '%s': expected 1 to %d\n", arg->value,
				AXVM_BOARD_VIRT_MAX_CPUS);
			return -1;
		}
		break;
	case RUN_MEM:
		if (cli_parse_size(arg->value, &a->mem)) {
			fprintf(stderr, "axvm run: --mem '%s': expected a size like 128M or 1G\n",
				arg->value);
			return -1;
		}
		break;
	case RUN_DTB:
		a->dtb = arg->value;
		break;
	case RUN_CONSOLE:
		a->console = arg->value;
		break;
	case RUN_EARLYCON:
		a->earlycon = true;
		break;
	case RUN_SSTC:
		a->no_sstc = false;
		break;
	case RUN_NO_SSTC:
		a->no_sstc = true;
		break;
	case RUN_CPU:
		if (axvm_riscv64_cpu_parse(arg->value, &a->isa_ext_off, &a->isa_ext_on)) {
			fprintf(stderr, "axvm run: --cpu: %s\n", axvm_error_message());
			return -1;
		}
		break;
	case RUN_JIT:
		if (!axvm_riscv64_jit_available()) {
			fprintf(stderr, "axvm run: --jit: the translator is not available on this "
					"host (x86-64 Linux only); running the interpreter\n");
			break;
		}
		a->jit = AXVM_RISCV64_JIT_ON;
		break;
	case RUN_NO_JIT:
		a->jit = AXVM_RISCV64_JIT_OFF;
		break;
	case RUN_TIMEOUT:
		if (cli_parse_uint(arg->value, 1, 1000000, &a->timeout_s)) {
			fprintf(stderr, "axvm run: --timeout '%s': expected seconds (1-1000000)\n",
				arg->value);
			return -1;
		}
		break;
	case RUN_VERBOSE:
		a->verbosity++;
		break;
	case RUN_ALLOW_OVERCOMMIT:
		a->allow_overcommit = true;
		break;
	case RUN_DISK:
		return run_add_device(a, "virtio-blk", arg->value, "-d");
	case RUN_RNG:
		return run_add_device(a, "virtio-rng", NULL, "--rng");
	case RUN_VIRTIO_CONSOLE:
		return run_add_device(a, "virtio-console", NULL, "--virtio-console");
	case RUN_STATS:
		a->observe.stats = true;
		return 0;
	case RUN_TRACE:
		return cli_observe_parse_trace(&a->observe, arg->value);
	case RUN_DEVICE:
		return run_add_generic_device(a, arg->value);
	case RUN_SHARE:
		return run_add_device(a, "virtio-9p", arg->value, "--share");
	case RUN_NET:
		return run_add_device(a, "virtio-net", arg->value, "--net");
	case RUN_GDB:
		a->gdb = arg->value;
		break;
	case RUN_GDB_WAIT:
		a->gdb_wait = true;
		break;
	case RUN_MONITOR:
		a->monitor = arg->value;
		break;
	}
	return 0;
}

/* The host's physical memory in bytes (0 if unknown: no check). */
static uint64_t run_host_ram(void)
{
	const char *env = getenv("AXVM_HOST_RAM");
	uint64_t v;
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	if (env && *env && !cli_parse_size(env, &v))
		return v;
	return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

static int run_main(int argc, char **argv)
{
	struct run_args a = {0};
	struct axvm_config *cfg = NULL;
	struct axvm_runtime_options ro;
	struct axvm_runtime_result res;
	struct axvm_runtime *rt = NULL;
	char err[AXVM_CONFIG_ERR_MAX] = "";
	char *cmdline = NULL;
	const char *base_cmdline;
	int ret, status = 1;
	uint64_t host_ram;

	ret = cli_parse(&cli_cmd_run, argc, argv, run_arg, &a);
	if (ret)
		return ret > 0 ? 0 : 1;
	cli_install_log(a.verbosity);

	axvm_runtime_options_init(&ro);
	if (a.config) {
		cfg = malloc(sizeof(*cfg));
		if (!cfg) {
			fprintf(stderr, "axvm: error: out of memory\n");
			return 1;
		}
		ret = axvm_config_load(a.config, cfg, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "axvm: error: %s\n", err[0] ? err : axvm_strerror(ret));
			goto out;
		}
		ro.board.base_config = cfg;
	}
	if (!a.kernel && !(cfg && cfg->kernel_path[0])) {
		fprintf(stderr, "axvm run: no kernel: give -k FILE or a config file with "
				"kernel.kernel_path (see --help)\n");
		goto out;
	}

	base_cmdline = a.params ? a.params : (cfg ? cfg->cmdline : "");
	if (a.params || a.earlycon) {
		size_t len = strlen(base_cmdline) + sizeof(" earlycon=sbi");

		cmdline = malloc(len);
		if (!cmdline) {
			fprintf(stderr, "axvm: error: out of memory\n");
			goto out;
		}
		snprintf(cmdline, len, "%s%s%s", base_cmdline,
			 a.earlycon && base_cmdline[0] ? " " : "",
			 a.earlycon ? "earlycon=sbi" : "");
		ro.board.cmdline = cmdline;
	}
	/* console=hvc0 means the SBI console: point stdout-path at nothing serial. */
	ro.board.stdout_path =
	    strstr(ro.board.cmdline ? ro.board.cmdline : base_cmdline, "console=hvc")
		? AXVM_BOARD_STDOUT_SBI
		: AXVM_BOARD_STDOUT_SERIAL;
	ro.board.cpus = (unsigned)a.cpus;
	ro.board.ram_size = a.mem;
	ro.board.kernel_path = a.kernel;
	ro.board.initrd_path = a.initrd;
	ro.board.dtb_path = a.dtb;
	ro.board.device_count = a.ndevices;
	memcpy(ro.board.devices, a.devices, sizeof(a.devices));
	/*
	 * Guest memory is reserved lazily, so any size "works" until the guest
	 * uses it: warn above the host's physical memory, refuse above twice
	 * that unless asked (AXVM_HOST_RAM overrides the host's figure, for tests).
	 */
	host_ram = run_host_ram();
	ro.board.ram_warn_above = host_ram;
	ro.board.ram_limit = a.allow_overcommit ? 0 : 2 * host_ram;
	/* QEMU's virt offers Sstc by default, and guests built for it expect it. */
	ro.board.sstc = !a.no_sstc;
	ro.board.isa_ext_off = a.isa_ext_off;
	ro.board.isa_ext_on = a.isa_ext_on;
	ro.board.jit = a.jit;

	if (!a.console || strcmp(a.console, "stdio") == 0) {
		ro.console_stdin = true;
	} else if (strncmp(a.console, "file:", 5) == 0 && a.console[5]) {
		ro.console_path = a.console + 5;
	} else {
		fprintf(stderr, "axvm run: --console '%s': expected stdio or file:PATH\n",
			a.console);
		goto out;
	}
	ro.handle_signals = true;
	ro.timeout_ms = a.timeout_s * 1000;
	if (cli_observe_start(&a.observe))
		goto out;
	ro.board_ready = cli_observe_board_ready;
	ro.board_ended = cli_observe_board_ended;
	ro.board_ready_opaque = &a.observe;
	if (a.gdb_wait && !a.gdb) {
		fprintf(stderr, "axvm run: --gdb-wait needs --gdb\n");
		goto out;
	}
	ro.gdb = a.gdb;
	ro.gdb_wait = a.gdb_wait;
	ro.monitor = a.monitor;

	ret = axvm_runtime_create(&ro, &rt);
	if (ret) {
		fprintf(stderr, "axvm: error: %s\n", axvm_strerror(ret));
		goto out;
	}
	ret = axvm_runtime_run(rt, &res);
	status = res.status;
	if (ret || res.end == AXVM_RUNTIME_END_ERROR || res.end == AXVM_RUNTIME_END_TIMEOUT) {
		const char *msg = axvm_runtime_error(rt);

		if (res.end == AXVM_RUNTIME_END_TIMEOUT)
			fprintf(stderr, "axvm: error: the guest did not finish within %llu s\n",
				(unsigned long long)a.timeout_s);
		else
			fprintf(stderr, "axvm: error: %s\n", msg[0] ? msg : axvm_strerror(ret));
		status = 1;
	} else if (res.end == AXVM_RUNTIME_END_SIGNAL) {
		fprintf(stderr, "axvm: terminating on signal %d\n", res.signal);
	} else if (res.end == AXVM_RUNTIME_END_ESCAPE) {
		fprintf(stderr, "axvm: terminated (Ctrl-A x)\n");
	} else {
		axvm_info("%s, exit status %d", axvm_runtime_end_name(res.end), status);
	}
	/* Output that never reached its reader is never lost silently. */
	if (res.console_lost)
		fprintf(stderr, "axvm: %llu bytes of guest console output were not written\n",
			(unsigned long long)res.console_lost);
out:
	axvm_runtime_destroy(rt);
	cli_observe_finish(&a.observe);
	free(cmdline);
	free(cfg);
	return status;
}

const struct cli_command cli_cmd_run = {
    .name = "run",
    .args = "[CONFIG.toml]",
    .summary = "boot a guest on the virt board (options override the config file)",
    .options = run_options,
    .run = run_main,
};
