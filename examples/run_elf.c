/* SPDX-License-Identifier: MIT */
/*
 * Boot a guest image (ELF, riscv Linux Image or flat binary) on the "virt"
 * board, the way `axvm run` does, and exit with the guest's status.
 *
 *   run_elf [-c CPUS] [-p CMDLINE] KERNEL            board API + our own loop
 *   run_elf --runtime [-c CPUS] [-p CMDLINE] KERNEL  the runtime does it all
 *
 * Default mode: we create the console with our own struct axvm_console_sink
 * (guest output is counted and copied to stdout), build the board around it,
 * and run vCPU 0 on this thread with a loop that handles what the runtime
 * would: Halt (sleep until an interrupt or the next board timer), Nothing
 * (fire due board timers), SystemDown (the end), and the test finisher
 * ending the VM under us (-AXVM_ESHUTDOWN). It runs one vCPU only: a guest
 * that starts other harts needs one thread per vCPU, i.e. --runtime.
 *
 * --runtime: struct axvm_runtime_options + axvm_runtime_run: one thread per
 * vCPU, CpuUp/CpuDown/IPIs, reboots, signals. The same console sink is
 * handed to the runtime through board.console (console_path stays NULL), so
 * output is captured and counted in this mode too.
 *
 * Build: cc -std=c11 run_elf.c $(pkg-config --cflags --libs libaxvm)
 */
#include <axvm/axvm.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound of one Halt sleep: the guest's own timer also wakes it. */
#define HALT_WAIT_MAX_NS 100000000ull

struct capture {
	size_t bytes;
};

/* Called on the vCPU thread for every chunk of guest console output. */
static void capture_write(void *opaque, const uint8_t *buf, size_t len)
{
	struct capture *cap = opaque;

	cap->bytes += len;
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}

static void log_to_stderr(void *opaque, enum axvm_log_level level, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "axvm %s: %s\n", level == AXVM_LOG_ERROR ? "error" : "warning", msg);
}

/* Sleep in wfi until an interrupt, the vCPU's timer, or the next board device timer. */
static void halt(struct axvm_board *b, struct axvm_vcpu *vcpu, const struct axvm_hal *hal)
{
	uint64_t due = axvm_board_poll(b), now = hal->now_ns(hal->ctx);
	uint64_t wait = HALT_WAIT_MAX_NS;

	if (due != UINT64_MAX)
		wait = due <= now ? 0 : (due - now < wait ? due - now : wait);
	if (wait)
		axvm_vcpu_wait_for_interrupt(vcpu, wait);
	axvm_board_poll(b);
}

/* vCPU 0's loop; returns the guest's exit status, or -1 on a VMM error. */
static int run_loop(struct axvm_board *b)
{
	struct axvm *vm = axvm_board_vm(b);
	struct axvm_vcpu *vcpu = axvm_vcpu(vm, 0);
	const struct axvm_hal *hal = axvm_config(vm)->hal;
	struct axvm_board_poweroff po;
	struct axvm_exit exit;
	char text[160];

	for (;;) {
		int ret = axvm_run_vcpu(vm, 0, &exit);

		if (ret == -AXVM_ESHUTDOWN) {
			/* A device (the sifive test finisher) shut the VM down. */
			if (axvm_board_poweroff_requested(b, &po))
				return po.status;
			return -1;
		}
		if (ret) {
			fprintf(stderr, "run_elf: %s\n", axvm_error_message());
			return -1;
		}
		switch (exit.reason) {
		case AXVM_EXIT_HALT:
			halt(b, vcpu, hal);
			break;
		case AXVM_EXIT_NOTHING:
			axvm_board_poll(b);
			break;
		case AXVM_EXIT_SYSTEM_DOWN:
			/* SBI SRST: reason 0 = clean, anything else a failure. A reboot ends too.
			 */
			if (exit.system_down.type != AXVM_SYSTEM_DOWN_POWEROFF)
				fprintf(stderr,
					"run_elf: the guest asked for a reboot; stopping\n");
			return exit.system_down.code == 0 ? 0 : 1;
		case AXVM_EXIT_SEND_IPI:
			/* Only vCPU 0 exists here: an IPI can only be for it. */
			if (exit.send_ipi.send_to_self || exit.send_ipi.send_to_all ||
			    exit.send_ipi.target_cpu == 0)
				axvm_vcpu_inject_interrupt(vcpu, exit.send_ipi.vector);
			break;
		case AXVM_EXIT_MMIO_READ:
		case AXVM_EXIT_MMIO_WRITE:
		case AXVM_EXIT_SYSREG_READ:
		case AXVM_EXIT_SYSREG_WRITE:
		case AXVM_EXIT_IO_READ:
		case AXVM_EXIT_IO_WRITE:
			/*
			 * An emulated region no device claims: reads as 0 and
			 * ignores writes, as unassigned memory (the runtime's choice).
			 */
			if (exit.reason == AXVM_EXIT_MMIO_READ)
				axvm_vcpu_set_gpr(vcpu, exit.mmio_read.reg, 0);
			else if (exit.reason == AXVM_EXIT_SYSREG_READ)
				axvm_vcpu_set_gpr(vcpu, exit.sysreg_read.reg, 0);
			break;
		case AXVM_EXIT_HYPERCALL:
			/* Not ours: the hart already answered "not supported". */
			break;
		case AXVM_EXIT_EXTERNAL_INTERRUPT:
			break;
		default:
			/* CpuUp/CpuDown need more vCPU threads; FailEntry, NPF: fatal. */
			axvm_exit_format(&exit, text, sizeof(text));
			fprintf(stderr, "run_elf: unhandled exit %s\n", text);
			return -1;
		}
	}
}

static int run_with_own_loop(const struct axvm_board_options *base)
{
	struct axvm_board_options opts = *base;
	struct capture cap = {0};
	struct axvm_console_sink sink = {.write = capture_write, .opaque = &cap};
	struct axvm_console *con = NULL;
	struct axvm_board *b = NULL;
	struct axvm_board_layout lay;
	char err[AXVM_CONFIG_ERR_MAX];
	int ret, status;

	ret = axvm_console_create(&sink, &con);
	if (ret) {
		fprintf(stderr, "run_elf: console: %s\n", axvm_strerror(ret));
		return 1;
	}
	opts.console = con;
	ret = axvm_board_virt_create(&opts, &b, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "run_elf: %s\n", err);
		axvm_console_destroy(con);
		return 1;
	}
	if (axvm_vcpu_num(axvm_board_vm(b)) != 1)
		fprintf(stderr, "run_elf: only vCPU 0 runs in this mode (use --runtime)\n");
	axvm_board_layout(b, &lay);
	fprintf(stderr, "run_elf: entry 0x%" PRIx64 ", dtb at 0x%" PRIx64 ", %" PRIu64 " MiB RAM\n",
		lay.entry, lay.dtb_addr, lay.ram_size >> 20);

	ret = axvm_boot(axvm_board_vm(b));
	status = ret ? -1 : run_loop(b);
	/* The board owns the VM; the console outlives both. */
	axvm_board_destroy(b);
	axvm_console_destroy(con);
	fprintf(stderr, "run_elf: %zu bytes of console output, guest status %d\n", cap.bytes,
		status);
	return status < 0 ? 1 : status;
}

static int run_with_runtime(const struct axvm_board_options *board)
{
	struct axvm_runtime_options opts;
	struct axvm_runtime_result res;
	struct axvm_runtime *rt;
	struct capture cap = {0};
	struct axvm_console_sink sink = {.write = capture_write, .opaque = &cap};
	struct axvm_console *con = NULL;
	int ret;

	ret = axvm_console_create(&sink, &con);
	if (ret) {
		fprintf(stderr, "run_elf: console: %s\n", axvm_strerror(ret));
		return 1;
	}
	axvm_runtime_options_init(&opts);
	opts.board = *board;
	opts.board.console = con; /* ours: console_path must stay NULL */
	opts.console_stdin = false;
	opts.handle_signals = true; /* Ctrl-C shuts the VM down cleanly */
	opts.max_reboots = 3;
	ret = axvm_runtime_create(&opts, &rt);
	if (ret) {
		fprintf(stderr, "run_elf: %s\n", axvm_strerror(ret));
		axvm_console_destroy(con);
		return 1;
	}
	ret = axvm_runtime_run(rt, &res);
	if (ret)
		fprintf(stderr, "run_elf: %s\n", axvm_runtime_error(rt));
	axvm_runtime_destroy(rt);
	/* Every vCPU thread has ended: nothing writes to the console any more. */
	axvm_console_destroy(con);
	fprintf(stderr, "run_elf: %zu bytes of console output\n", cap.bytes);
	fprintf(stderr, "run_elf: %s, guest status %d\n", axvm_runtime_end_name(res.end),
		res.status);
	return res.status;
}

int main(int argc, char **argv)
{
	struct axvm_board_options opts;
	bool use_runtime = false;
	int i;

	axvm_log_set_sink(log_to_stderr, NULL);
	axvm_log_set_level(AXVM_LOG_WARN);
	axvm_board_options_init(&opts);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--runtime"))
			use_runtime = true;
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			opts.cpus = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			opts.cmdline = argv[++i];
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: %s [--runtime] [-c CPUS] [-p CMDLINE] KERNEL\n", argv[0]);
		return 2;
	}
	opts.kernel_path = argv[i];
	opts.sstc = true; /* as QEMU's virt and `axvm run` */
	return use_runtime ? run_with_runtime(&opts) : run_with_own_loop(&opts);
}
