/* SPDX-License-Identifier: MIT */
/*
 * The runtime: the hypervisor side of the run loop (axvisor's vmm). It builds
 * the board, runs one host thread per vCPU (each calling axvm_run_vcpu, whose
 * bind pins it to the vCPU's CPU set) and handles the exits the VM layer
 * returns:
 *   Halt        sleep in axvm_vcpu_wait_for_interrupt (no busy waiting), no
 *               longer than the board's next device deadline
 *               (axvm_board_poll: the RTC alarm), then fire what is due
 *   Nothing     poll the board's device timers too (a busy guest)
 *   CpuUp       start the target vCPU at the entry with the argument
 *               (axvm_vcpu_set_boot_args: riscv64 a0 = hart id, a1 = arg)
 *   CpuDown     the vCPU's thread sleeps until the next CpuUp for it
 *   SendIPI     inject the interrupt into the target(s)
 *   SystemDown  stop every vCPU; poweroff ends the run, reboot re-creates
 *               the VM from the board options
 * APs stay stopped until a CpuUp names them. It also owns the console's host
 * side (stdout or a file; stdin in raw mode when it is a terminal, with the
 * QEMU escape Ctrl-A x to quit) and SIGINT/SIGTERM (a clean shutdown; the
 * terminal is always restored).
 *
 * axvm_runtime_run's thread is the I/O thread: it runs the event service
 * (axvm/event.h) that the console's host side uses.
 *
 * This is the only layer that creates threads, installs signal handlers or
 * touches stdio. Threads: create/run/destroy from one thread;
 * axvm_runtime_stop from any thread.
 */
#ifndef AXVM_RUNTIME_H
#define AXVM_RUNTIME_H

#include "board.h"
#include "exit.h"
#include "types.h"

struct axvm_runtime_options {
	/*
	 * How to build the board (kernel, initrd, cmdline, cpus, memory...).
	 * Its `console`: NULL = the runtime creates one (console_path below);
	 * else the caller's console is used as is for every boot (UART and
	 * SBI console): guest output goes to its sink, console_stdin pushes
	 * host input into it, and console_path must be NULL (-AXVM_EINVAL
	 * from axvm_runtime_create). It must outlive the runtime's run.
	 * Its `events` is ignored: the runtime's own event service serves the
	 * devices listed in `devices`, which are rebuilt on every boot.
	 */
	struct axvm_board_options board;
	/*
	 * Guest console output when board.console is NULL: NULL = stdout,
	 * else a file (created/truncated). It is buffered (flushed on a
	 * newline, after 2 ms, and at the end of the run) and written without
	 * ever blocking: a reader that does not keep up holds the guest's
	 * output back but never the runtime's stop, signals or timeout. A
	 * write that fails (a pipe whose reader is gone, a full disk) ends the
	 * run with AXVM_RUNTIME_END_ERROR, even after a guest poweroff; no
	 * stdout at all drops output. With handle_signals, SIGPIPE and SIGXFSZ
	 * are ignored during the run; an embedder that leaves signals alone
	 * should ignore SIGPIPE itself.
	 */
	const char *console_path;
	/*
	 * Feed stdin to the guest console (raw mode if stdin is a terminal).
	 * stdin is read only as fast as the guest takes it: nothing is dropped.
	 */
	bool console_stdin;
	/* Install SIGINT/SIGTERM/SIGHUP handlers for a clean shutdown. */
	bool handle_signals;
	/* Stop the VM after this long (0 = never); for tests and CI. */
	uint64_t timeout_ms;
	/* Give up after this many guest reboots (0 = unlimited). */
	unsigned max_reboots;
	/*
	 * Called on the runtime's thread after each boot's board (VM, devices,
	 * images) is built and before the VM boots -- again after every
	 * guest reboot, which builds a new board. Register extra devices here
	 * (axvm_register_device(axvm_board_vm(board), ...)); they are not in
	 * the board's device tree, which is already in guest RAM. Return 0, or
	 * a negative AXVM_E* to end the run with AXVM_RUNTIME_END_ERROR
	 * (axvm_runtime_run returns it). NULL = nothing to add.
	 */
	int (*board_ready)(void *opaque, struct axvm_board *board);
	void *board_ready_opaque;
	/*
	 * Called on the runtime's thread when a boot's vCPU threads have all
	 * ended and before its board is destroyed (after every boot that
	 * started, reboots included): read the VM's statistics here
	 * (axvm/stats.h). Gets board_ready_opaque. NULL = nothing.
	 */
	void (*board_ended)(void *opaque, struct axvm_board *board);
	/*
	 * Called on the vCPU's thread for each Hypercall exit (riscv64: an
	 * ecall to an SBI extension the VMM does not serve; exit->hypercall:
	 * nr = EID (a7), fid = FID (a6), args = a0..a5; pc is already past
	 * the ecall). Return 0 when answered: the handler set the result with
	 * axvm_vcpu_set_hypercall_result(axvm_vcpu(vm, vcpu_id), error, value)
	 * (riscv64: a0 = SBI error, a1 = value). -AXVM_ENOTSUP (without
	 * setting a result) leaves it to the default; any other negative
	 * AXVM_E* ends the run with AXVM_RUNTIME_END_ERROR. The default (also
	 * when NULL) is the answer the backend loaded before the exit, "not
	 * supported" (SBI_ERR_NOT_SUPPORTED), and the VM runs on.
	 * Calls on different vCPUs may run at the same time.
	 */
	int (*hypercall)(void *opaque, struct axvm *vm, unsigned vcpu_id,
			 const struct axvm_exit *exit);
	/*
	 * riscv64: SBI probe_extension's answer for an EID you serve through
	 * `hypercall` (0 = absent; NULL answers 0 for all), called with
	 * hypercall_opaque on vCPU threads. Guests such as Linux probe an
	 * extension before they call it.
	 */
	long (*hypercall_probe)(void *opaque, uint64_t eid);
	void *hypercall_opaque;
};

/* How a run ended. */
enum axvm_runtime_end {
	AXVM_RUNTIME_END_POWEROFF, /* SBI SRST/legacy shutdown or the test finisher */
	AXVM_RUNTIME_END_SIGNAL,   /* SIGINT/SIGTERM/SIGHUP */
	AXVM_RUNTIME_END_ESCAPE,   /* Ctrl-A x on the console */
	AXVM_RUNTIME_END_STOPPED,  /* axvm_runtime_stop */
	AXVM_RUNTIME_END_TIMEOUT,  /* timeout_ms passed */
	AXVM_RUNTIME_END_ERROR,	   /* a VMM error (message in axvm_runtime_error) */
};

struct axvm_runtime_result {
	enum axvm_runtime_end end;
	/*
	 * The process exit status the run stands for: the guest's (0 for a
	 * clean poweroff, the finisher's code or 1 for an SRST "system
	 * failure"), 128 + signal for a signal, 0 for Ctrl-A x, 1 for errors
	 * and timeouts.
	 */
	int status;
	unsigned reboots;
	int signal; /* for END_SIGNAL */
	/*
	 * Bytes of guest console output that were never written: after an
	 * output error, or left in the buffer when a signal, Ctrl-A x,
	 * axvm_runtime_stop or the timeout ended the run while the reader was
	 * not keeping up. 0 when every byte reached the output.
	 */
	uint64_t console_lost;
};

struct axvm_runtime;

AXVM_API void axvm_runtime_options_init(struct axvm_runtime_options *opts);

/*
 * Prepare a runtime (copies *opts; the strings it points to must outlive
 * the runtime). Nothing runs yet.
 */
AXVM_API int axvm_runtime_create(const struct axvm_runtime_options *opts,
				 struct axvm_runtime **out);
/*
 * Build the VM, run it to its end (through reboots) and fill *result.
 * Returns 0 when the guest ran (whatever its status), or a negative AXVM_E*
 * when the VM could not be built or run (message in axvm_runtime_error and
 * axvm_error_message()).
 */
AXVM_API int axvm_runtime_run(struct axvm_runtime *rt, struct axvm_runtime_result *result);
/* Ask a running runtime to stop (any thread; also async-signal-safe). */
AXVM_API void axvm_runtime_stop(struct axvm_runtime *rt);
/*
 * The outcome message of the last run: its first error, on whichever
 * thread it happened (each was recorded there as that thread's
 * axvm_error_message() too); "" if none. Read it after axvm_runtime_run.
 */
AXVM_API const char *axvm_runtime_error(const struct axvm_runtime *rt);
AXVM_API void axvm_runtime_destroy(struct axvm_runtime *rt);

/* A one-line description of how a run ended ("guest powered off", ...). */
AXVM_API const char *axvm_runtime_end_name(enum axvm_runtime_end end);

#endif
