/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/runtime: the runtime object shared by the main thread
 * (runtime.c: board, reboot loop, the event service), the vCPU threads
 * (vcpu_thread.c) and the host console (host_console.c: stdout/file, stdin,
 * terminal, signals).
 *
 * The main thread is the I/O thread: it runs `loop` (axvm/event.h), whose
 * callbacks do all host console I/O. vCPU threads, axvm_runtime_stop and
 * signal handlers reach it through `wake_pipe` (one byte per reason) or the
 * console's notifiers.
 *
 * Locking: `lock` protects the slots' start requests, `stopping`,
 * `threads_running` and the recorded outcome; `cond` is broadcast whenever
 * one of them changes. The console fields below belong to the main thread.
 */
#ifndef AXVM_RUNTIME_RT_H
#define AXVM_RUNTIME_RT_H

#include <pthread.h>
#include <stdio.h>

#include "axvm/board.h"
#include "axvm/config.h"
#include "axvm/console.h"
#include "axvm/event.h"
#include "axvm/log.h"
#include "axvm/runtime.h"
#include "axvm/vm.h"

/* Bytes written to the wake pipe; signals are written as their number (< 64). */
#define RT_WAKE_THREAD_DONE 'D'
#define RT_WAKE_STOP 'S'
#define RT_WAKE_EVENT 'E'

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

	/* Host side of the console (host_console.c), main thread only. */
	struct axvm_console *console;
	bool console_owned;	      /* false: the caller's (opts.board.console) */
	bool stdin_open, stdout_open; /* at creation: fd 0 / fd 1 were open */
	int out_fd;		      /* stdout, a private reopening of it, the file, or -1 */
	bool out_fd_owned;
	bool out_send;		   /* out_fd is a socket: send() with MSG_DONTWAIT */
	int out_saved_flags;	   /* fd 1's file flags to restore (we set O_NONBLOCK), or -1 */
	int out_errno;		   /* the write error that closed the output; 0 = none */
	bool out_blocked;	   /* a write would block: out_ev waits for room */
	bool out_urgent;	   /* __atomic: output_ready said urgent since the last drain */
	struct axvm_event *out_ev; /* out_fd, while out_blocked (if epoll takes it) */
	struct axvm_event *out_ready_ev; /* notifier: the console has output */
	struct axvm_event *out_flush_ev; /* timer: the short delay for output without '\n' */
	int in_fd;			 /* stdin, or a private non-blocking reopening of it */
	bool in_fd_owned;
	bool in_recv;	     /* in_fd is a socket: recv() with MSG_DONTWAIT */
	int in_saved_flags;  /* fd 0's file flags to restore (we set O_NONBLOCK), or -1 */
	bool in_enabled;     /* still reading stdin (until EOF) */
	bool in_unwatched;   /* stdin is a regular file (epoll cannot watch it): always ready */
	bool escape_pending; /* the previous input byte was Ctrl-A */
	bool raw_mode;
	struct axvm_event *in_ev;      /* stdin, watched while the console has room */
	struct axvm_event *in_room_ev; /* notifier: the guest made room for input */
	/* Bytes read from stdin (escapes removed) that the console has not taken yet. */
	uint8_t in_pending[256];
	size_t in_pending_off, in_pending_len;

	int wake_pipe[2];
	struct axvm_event_loop *loop; /* the event service, for the whole run */
	struct axvm_event *wake_ev;
	struct axvm_event *deadline_ev; /* timer: opts.timeout_ms */
	bool deadline_passed;
	/*
	 * A signal, Ctrl-A x, a stop or the deadline: the last output is not
	 * waited for. abandon_end/abandon_signal say which came first, for the
	 * result when that output is then lost.
	 */
	bool flush_abandoned;
	enum axvm_runtime_end abandon_end;
	int abandon_signal;

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

	/* The GDB stub (gdb.c) when opts.gdb is set, for the whole run. */
	struct rt_gdb *gdb;

	/* The monitor (monitor.c) when opts.monitor is set, for the whole run. */
	struct rt_monitor *monitor;

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

/* host_console.c (main thread) */
/* Open the output, register stdin and the console's notifiers with rt->loop. */
/* The GDB stub (gdb.c): open/close with the event loop, booted after each axvm_boot. */
int rt_gdb_open(struct axvm_runtime *rt);
void rt_gdb_close(struct axvm_runtime *rt);
/* The run ended with this exit status: tell a debugger that waits on a continue (W). */
void rt_gdb_exited(struct axvm_runtime *rt, int status);
void rt_gdb_booted(struct axvm_runtime *rt);
/* A vCPU's AXVM_EXIT_DEBUG (its thread): record the stop, pause the VM, tell gdb. 1 = run on. */
int rt_gdb_stopped(struct axvm_runtime *rt, unsigned vcpu, const struct axvm_exit *exit);

/*
 * The monitor (monitor.c): open/close with the event loop. It always
 * exists for the console's Ctrl-A c; opts.monitor adds its socket.
 */
int rt_monitor_open(struct axvm_runtime *rt);
void rt_monitor_close(struct axvm_runtime *rt);
/* Ctrl-A c: the console's input to the monitor and back; a byte typed meanwhile. */
bool rt_monitor_console_active(const struct axvm_runtime *rt);
void rt_monitor_console_toggle(struct axvm_runtime *rt);
void rt_monitor_console_input(struct axvm_runtime *rt, uint8_t c);
/*
 * A text command for the GDB stub's `monitor CMD` (qRcmd), on the event
 * thread: its answer into out (NUL-terminated, at most cap - 1 bytes), the
 * length returned. stop and cont are refused: gdb owns the run state.
 */
size_t rt_monitor_execute(struct axvm_runtime *rt, const char *line, char *out, size_t cap);
/* A message of ours on the user's terminal (stderr; best effort). */
void rt_console_message(const char *msg, size_t len);

int rt_console_open(struct axvm_runtime *rt);
void rt_console_close(struct axvm_runtime *rt);
/*
 * At the end of the run: write what the guest left in the console, waiting
 * for a slow reader, until a signal, a stop or the deadline abandons it.
 * Returns the bytes that could not be written.
 */
uint64_t rt_console_flush(struct axvm_runtime *rt);
int rt_signals_install(struct axvm_runtime *rt);
void rt_signals_restore(struct axvm_runtime *rt);

#endif
