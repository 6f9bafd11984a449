/* SPDX-License-Identifier: MIT */
/*
 * VM lifecycle benchmark: how many times per second one process can create
 * a VM, run a tiny guest to its poweroff and destroy the VM, through the
 * library API. Three figures, one line per repetition each:
 *   lifecycle.board    virt board create, vCPU 0 run on this thread with
 *                      axvm_run_vcpu until the guest powers off, destroy
 *   lifecycle.runtime  axvm_runtime_create/run/destroy (board + one host
 *                      thread per vCPU, console to /dev/null): `axvm run`
 *                      without the process
 *   lifecycle.spawn    posix_spawn of /bin/true and its waitpid: the floor
 *                      that starting any VMM process pays
 *
 *   lifecycle GUEST.elf [REPS] [ITERATIONS]
 * prints "<figure> <per second>" lines; bench/run.sh takes the median.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "axvm/axvm.h"
#include "axvm/board.h"
#include "axvm/runtime.h"

extern char **environ;

static double lifecycle_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void lifecycle_sink(void *opaque, const uint8_t *buf, size_t len)
{
	size_t *bytes = opaque;

	*bytes += len;
}

/* One create-run-destroy on the calling thread; 0 when the guest passed. */
static int lifecycle_board_once(const char *elf, struct axvm_console *con)
{
	struct axvm_board_options opts;
	struct axvm_board_poweroff off;
	struct axvm_board *board;
	struct axvm *vm;
	char err[256];
	int ret;

	axvm_board_options_init(&opts);
	opts.kernel_path = elf;
	opts.console = con;
	opts.stdout_path = AXVM_BOARD_STDOUT_SBI;
	ret = axvm_board_virt_create(&opts, &board, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "lifecycle: %s\n", err);
		return ret;
	}
	vm = axvm_board_vm(board);
	ret = axvm_boot(vm);
	while (!ret) {
		struct axvm_exit exit;

		ret = axvm_run_vcpu(vm, 0, &exit);
		if (ret)
			break;
		if (exit.reason == AXVM_EXIT_SYSTEM_DOWN)
			break;
		if (exit.reason == AXVM_EXIT_HALT)
			axvm_vcpu_wait_for_interrupt(axvm_vcpu(vm, 0), 1000000);
		else if (exit.reason != AXVM_EXIT_NOTHING)
			ret = -AXVM_ENOTSUP;
	}
	if (ret == -AXVM_ESHUTDOWN && axvm_board_poweroff_requested(board, &off))
		ret = off.status ? -AXVM_EINVAL : 0;
	else if (ret)
		fprintf(stderr, "lifecycle: run: %s (%s)\n", axvm_strerror(ret),
			axvm_error_message());
	axvm_board_destroy(board);
	return ret;
}

static int lifecycle_runtime_once(const char *elf)
{
	struct axvm_runtime_options opts;
	struct axvm_runtime_result res;
	struct axvm_runtime *rt;
	int ret;

	axvm_runtime_options_init(&opts);
	opts.board.kernel_path = elf;
	opts.console_path = "/dev/null";
	opts.timeout_ms = 10000;
	ret = axvm_runtime_create(&opts, &rt);
	if (ret) {
		fprintf(stderr, "lifecycle: runtime create: %s\n", axvm_strerror(ret));
		return ret;
	}
	ret = axvm_runtime_run(rt, &res);
	if (ret)
		fprintf(stderr, "lifecycle: runtime: %s\n", axvm_runtime_error(rt));
	else if (res.end != AXVM_RUNTIME_END_POWEROFF || res.status != 0)
		ret = -AXVM_EINVAL;
	axvm_runtime_destroy(rt);
	return ret;
}

static int lifecycle_spawn_once(void)
{
	static char prog[] = "/bin/true";
	char *argv[] = {prog, NULL};
	pid_t pid;
	int status;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"lifecycle.board", "lifecycle.runtime",
					    "lifecycle.spawn"};
	size_t console_bytes = 0;
	struct axvm_console_sink sink = {.write = lifecycle_sink, .opaque = &console_bytes};
	struct axvm_console *con;
	int reps, iters;

	if (argc < 2) {
		fprintf(stderr, "usage: %s GUEST.elf [REPS] [ITERATIONS]\n", argv[0]);
		return 2;
	}
	reps = argc > 2 ? atoi(argv[2]) : 3;
	iters = argc > 3 ? atoi(argv[3]) : 200;
	if (reps < 1 || iters < 1) {
		fprintf(stderr, "lifecycle: REPS and ITERATIONS must be positive\n");
		return 2;
	}
	if (axvm_console_create(&sink, &con)) {
		fprintf(stderr, "lifecycle: cannot create a console\n");
		return 1;
	}
	for (int r = 0; r < reps; r++) {
		for (int f = 0; f < 3; f++) {
			double t0 = lifecycle_now(), t;

			for (int i = 0; i < iters; i++) {
				int ret = f == 0   ? lifecycle_board_once(argv[1], con)
					  : f == 1 ? lifecycle_runtime_once(argv[1])
						   : lifecycle_spawn_once();

				if (ret) {
					printf("%s failed (iteration %d: %d)\n", names[f], i, ret);
					axvm_console_destroy(con);
					return 1;
				}
			}
			t = lifecycle_now() - t0;
			printf("%s %.1f\n", names[f], iters / t);
			fflush(stdout);
		}
	}
	axvm_console_destroy(con);
	return 0;
}
