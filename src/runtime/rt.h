/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/runtime: the runtime object shared by the main thread
 * (runtime.c: board, reboot loop, event loop), the vCPU threads (vcpu_thread.c)
 * and the host console (host_console.c: stdout/file, stdin, terminal, signals).
 *
 * Locking: `lock` protects the slots' start requests, `stopping`,
 * `threads_running` and the recorded outcome; `cond` is broadcast whenever
 * one of them changes. The main thread sleeps in poll() on `wake_pipe`,
 * which vCPU threads, axvm_runtime_stop and signal handlers write a byte to.
 */
#ifndef AXVM_RUNTIME_RT_H
#define AXVM_RUNTIME_RT_H

#include <pthread.h>

#include "axvm/board.h"
#include "axvm/config.h"
#include "axvm/console.h"
#include "axvm/log.h"
#include "axvm/runtime.h"
#include "axvm/vm.h"

/* Bytes written to the wake pipe; signals are written as their number (< 64). */
#define RT_WAKE_THREAD_DONE 'D'
#define RT_WAKE_STOP 'S'
#define RT_WAKE_EVENT 'E'
#define RT_WAKE_OUTPUT_ERROR 'O' /* out_errno was set */

struct rt_slot {
	struct axvm_runtime *rt;
	unsigned id;
	pthread_t thread;
	bool thread_started;
	/* A CpuUp for this vCPU not yet consumed by its thread (under rt->lock). */
	bool start_pending;
	uint64_t start_entry, start_arg;
};

struct axvm_runtime {
	struct axvm_runtime_options opts;

	/* Host side of the console (host_console.c). */
	struct axvm_console *console;
	bool console_owned;	      /* false: the caller's (opts.board.console) */
	bool stdin_open, stdout_open; /* at creation: fd 0 / fd 1 were open */
	int out_fd;		      /* 1, the --console file, or -1 (output dropped) */
	int out_errno;		      /* first failed console write (__atomic); 0 = none */
	bool out_fd_owned;
	bool in_enabled;     /* still reading stdin (until EOF) */
	bool escape_pending; /* the previous input byte was Ctrl-A */
	bool raw_mode;

	int wake_pipe[2];

	const struct axvm_hal *hal; /* the board's: its clock times board device deadlines */

	/* One boot of the VM. */
	struct axvm_board *board;
	/*
	 * The earliest board device deadline (axvm_board_poll, host monotonic
	 * ns) the main thread sleeps toward; UINT64_MAX = none. A vCPU thread
	 * that finds an earlier one lowers it and wakes the main thread.
	 * __atomic access.
	 */
	uint64_t board_due;
	struct axvm *vm;
	unsigned nvcpus;
	struct rt_slot slots[AXVM_CONFIG_MAX_VCPUS];

	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned threads_running;
	bool stopping;
	/* Outcome of this boot: the first recorded end wins. */
	bool end_set;
	enum axvm_runtime_end end;
	int end_signal;
	bool sysdown;
	enum axvm_system_down_type sysdown_type;
	uint64_t sysdown_code;

	/* Guest-triggered diagnostics (unclaimed accesses, bad CpuUp targets). */
	struct axvm_ratelimit guest_limit;

	char err[AXVM_CONFIG_ERR_MAX];
};

/* runtime.c */
void rt_wake(struct axvm_runtime *rt, char byte);
/* Record how this boot ends (first caller wins) and stop every vCPU. */
void rt_request_end(struct axvm_runtime *rt, enum axvm_runtime_end end);
void rt_set_error(struct axvm_runtime *rt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Stop every vCPU thread of this boot (any thread). */
void rt_stop_vcpus(struct axvm_runtime *rt);
/*
 * Fire the board's due device timers (the RTC alarm) and return when the
 * next is due (host monotonic ns, UINT64_MAX = none); wakes the main thread
 * if that is earlier than what it sleeps toward (any thread).
 */
uint64_t rt_poll_board(struct axvm_runtime *rt);
uint64_t rt_hal_now(const struct axvm_runtime *rt);

/* vcpu_thread.c */
int rt_start_vcpu_threads(struct axvm_runtime *rt);
void rt_join_vcpu_threads(struct axvm_runtime *rt);

/* host_console.c */
int rt_console_open(struct axvm_runtime *rt);
void rt_console_close(struct axvm_runtime *rt);
/* A console write failed (out_errno): end the run with an error (main thread). */
void rt_console_output_failed(struct axvm_runtime *rt);
/* stdin is readable: feed the guest, handle Ctrl-A escapes. */
void rt_console_input(struct axvm_runtime *rt);
int rt_signals_install(struct axvm_runtime *rt);
void rt_signals_restore(struct axvm_runtime *rt);

#endif
