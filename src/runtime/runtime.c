/* SPDX-License-Identifier: MIT */
/*
 * The runtime's main thread: builds the board, starts the vCPU threads, and
 * runs the event service (axvm/event.h: console I/O, signals, stop requests,
 * the timeout, the board's device deadlines) until they end; re-creates the
 * VM when the guest asks for a reboot; at the end writes out the guest's
 * last output.
 */
#include "runtime/rt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axvm/log.h"
#include "axvm/riscv64.h"
#include "core/error.h"

void axvm_runtime_options_init(struct axvm_runtime_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	axvm_board_options_init(&opts->board);
}

const char *axvm_runtime_end_name(enum axvm_runtime_end end)
{
	static const char *const names[] = {
	    [AXVM_RUNTIME_END_POWEROFF] = "guest powered off",
	    [AXVM_RUNTIME_END_SIGNAL] = "stopped by a signal",
	    [AXVM_RUNTIME_END_ESCAPE] = "stopped by Ctrl-A x",
	    [AXVM_RUNTIME_END_STOPPED] = "stopped",
	    [AXVM_RUNTIME_END_TIMEOUT] = "timed out",
	    [AXVM_RUNTIME_END_ERROR] = "VMM error",
	};

	if ((unsigned)end >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[end];
}

int axvm_runtime_create(const struct axvm_runtime_options *opts, struct axvm_runtime **out)
{
	struct axvm_runtime *rt;

	*out = NULL;
	/* Two places for one console's output: which one would the caller expect? */
	if (opts->board.console && opts->console_path)
		return axvm_error_set(-AXVM_EINVAL,
				      "runtime: board.console and console_path are both set");
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return axvm_error_set(-AXVM_ENOMEM, "runtime: out of memory");
	rt->opts = *opts;
	rt->hal = opts->board.hal ? opts->board.hal : axvm_hal_linux();
	rt->out_fd = -1;
	rt->wake_pipe[0] = rt->wake_pipe[1] = -1;
	/* Before the pipe can take their numbers: are stdin and stdout open at all? */
	rt->stdin_open = fcntl(0, F_GETFD) != -1;
	rt->stdout_open = fcntl(1, F_GETFD) != -1;
	if (pipe2(rt->wake_pipe, O_CLOEXEC) != 0) {
		free(rt);
		return axvm_error_set(-AXVM_EIO, "runtime: pipe: %s", strerror(errno));
	}
	/* Keep the pipe off fds 0-2, so it is never mistaken for the console. */
	for (int i = 0; i < 2; i++) {
		if (rt->wake_pipe[i] <= 2) {
			int fd = fcntl(rt->wake_pipe[i], F_DUPFD_CLOEXEC, 3);

			close(rt->wake_pipe[i]);
			rt->wake_pipe[i] = fd;
		}
	}
	if (rt->wake_pipe[0] < 0 || rt->wake_pipe[1] < 0) {
		close(rt->wake_pipe[0]);
		close(rt->wake_pipe[1]);
		free(rt);
		return axvm_error_set(-AXVM_EIO, "runtime: moving the wake pipe above fd 2 failed");
	}
	/* Writers (signal handlers included) must never block on a full pipe. */
	fcntl(rt->wake_pipe[1], F_SETFL, O_NONBLOCK);
	fcntl(rt->wake_pipe[0], F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&rt->lock, NULL);
	pthread_cond_init(&rt->cond, NULL);
	*out = rt;
	return 0;
}

void axvm_runtime_destroy(struct axvm_runtime *rt)
{
	if (!rt)
		return;
	close(rt->wake_pipe[0]);
	close(rt->wake_pipe[1]);
	pthread_cond_destroy(&rt->cond);
	pthread_mutex_destroy(&rt->lock);
	free(rt);
}

const char *axvm_runtime_error(const struct axvm_runtime *rt)
{
	return rt->err;
}

void rt_wake(struct axvm_runtime *rt, char byte)
{
	ssize_t n = write(rt->wake_pipe[1], &byte, 1);

	(void)n; /* a full pipe already holds a wakeup */
}

void axvm_runtime_stop(struct axvm_runtime *rt)
{
	rt_wake(rt, RT_WAKE_STOP);
}

/*
 * Record a failure as the calling thread's message (the library's one
 * convention) and, if it is the run's first, as the run's outcome.
 */
void rt_set_error(struct axvm_runtime *rt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	axvm_error_recordv(fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&rt->lock);
	if (!rt->err[0])
		snprintf(rt->err, sizeof(rt->err), "%s", axvm_error_message());
	pthread_mutex_unlock(&rt->lock);
}

void rt_stop_vcpus(struct axvm_runtime *rt)
{
	pthread_mutex_lock(&rt->lock);
	rt->stopping = true;
	pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->lock);
	/* Kicks every vCPU: running ones leave run(), halted ones wake. */
	if (rt->vm && !axvm_is_shutting_down(rt->vm))
		axvm_shutdown(rt->vm);
}

void rt_request_end(struct axvm_runtime *rt, enum axvm_runtime_end end)
{
	pthread_mutex_lock(&rt->lock);
	if (!rt->end_set) {
		rt->end_set = true;
		rt->end = end;
	}
	/* The user or the clock wants the run over: do not wait for a slow reader either. */
	if (end != AXVM_RUNTIME_END_POWEROFF && end != AXVM_RUNTIME_END_ERROR &&
	    !rt->flush_abandoned) {
		rt->flush_abandoned = true;
		rt->abandon_end = end;
	}
	pthread_mutex_unlock(&rt->lock);
	rt_stop_vcpus(rt);
	rt_wake(rt, RT_WAKE_EVENT);
}

uint64_t rt_hal_now(const struct axvm_runtime *rt)
{
	return rt->hal->now_ns(rt->hal->ctx);
}

uint64_t rt_poll_board(struct axvm_runtime *rt)
{
	uint64_t due = axvm_board_poll(rt->board);
	uint64_t known = __atomic_load_n(&rt->board_due, __ATOMIC_ACQUIRE);

	/* Only a deadline earlier than the main thread's needs it awake. */
	while (due < known) {
		if (__atomic_compare_exchange_n(&rt->board_due, &known, due, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			rt_wake(rt, RT_WAKE_EVENT);
			break;
		}
	}
	return due;
}

/* What woke the main thread through the wake pipe (the loop's callback). */
static void rt_wake_event(void *opaque, uint32_t events)
{
	struct axvm_runtime *rt = opaque;
	unsigned char buf[64];
	ssize_t n;

	while ((n = read(rt->wake_pipe[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == RT_WAKE_STOP) {
				rt_request_end(rt, AXVM_RUNTIME_END_STOPPED);
			} else if (buf[i] < 64) {
				pthread_mutex_lock(&rt->lock);
				if (!rt->end_set)
					rt->end_signal = buf[i];
				if (!rt->flush_abandoned)
					rt->abandon_signal = buf[i];
				pthread_mutex_unlock(&rt->lock);
				rt_request_end(rt, AXVM_RUNTIME_END_SIGNAL);
			}
			/* RT_WAKE_THREAD_DONE, RT_WAKE_EVENT: the loop re-checks after any wakeup.
			 */
		}
	}
}

static void rt_deadline_event(void *opaque, uint32_t events)
{
	struct axvm_runtime *rt = opaque;

	rt->deadline_passed = true;
	rt_request_end(rt, AXVM_RUNTIME_END_TIMEOUT);
}

static bool rt_threads_done(struct axvm_runtime *rt)
{
	bool done;

	pthread_mutex_lock(&rt->lock);
	done = rt->threads_running == 0;
	pthread_mutex_unlock(&rt->lock);
	return done;
}

/* The loop's timeout in ms: until `due_ns` (host monotonic), at most a second. */
static int rt_timeout_until(const struct axvm_runtime *rt, uint64_t due_ns)
{
	uint64_t now = rt_hal_now(rt), ms;

	if (due_ns == UINT64_MAX)
		return 1000;
	/* Round up: waking a little before the deadline would only poll again. */
	ms = due_ns > now ? (due_ns - now + 999999) / 1000000 : 0;
	return (int)(ms > 1000 ? 1000 : ms);
}

/* The main thread's loop for one boot: until every vCPU thread has ended. */
static void rt_event_loop(struct axvm_runtime *rt)
{
	while (!rt_threads_done(rt)) {
		uint64_t due;
		int n;

		/*
		 * Board device timers (the RTC alarm) have no thread of their own:
		 * the vCPU threads poll them when they halt or leave run(), and
		 * this thread sleeps no longer than the next one. Publishing it
		 * first lets a vCPU thread that finds an earlier one wake us.
		 */
		due = axvm_board_poll(rt->board);
		__atomic_store_n(&rt->board_due, due, __ATOMIC_RELEASE);
		n = axvm_event_loop_run_once(rt->loop, rt_timeout_until(rt, due));
		if (n < 0) {
			rt_set_error(rt, "event loop: %s", axvm_strerror(n));
			rt_request_end(rt, AXVM_RUNTIME_END_ERROR);
			/* Do not spin on a broken loop while the vCPU threads stop. */
			rt_join_vcpu_threads(rt);
			return;
		}
	}
}

static int rt_board_create(struct axvm_runtime *rt)
{
	struct axvm_board_options bo = rt->opts.board;
	int ret;

	bo.console = rt->console;
	/* The devices' host I/O runs on our event service; the board goes before it. */
	bo.events = rt->loop;
	ret = axvm_board_virt_create(&bo, &rt->board, NULL, 0);
	if (ret) {
		rt_set_error(rt, "%s", axvm_error_message());
		return ret;
	}
	rt->vm = axvm_board_vm(rt->board);
	rt->nvcpus = axvm_vcpu_num(rt->vm);
	if (rt->opts.hypercall_probe)
		axvm_riscv64_machine_set_probe(axvm_board_machine(rt->board),
					       rt->opts.hypercall_probe, rt->opts.hypercall_opaque);
	if (rt->opts.board_ready) {
		ret = rt->opts.board_ready(rt->opts.board_ready_opaque, rt->board);
		if (ret) {
			/* The callback may have logged why; keep our message generic. */
			rt_set_error(rt, "board_ready callback: %s", axvm_strerror(ret));
			axvm_board_destroy(rt->board);
			rt->board = NULL;
			rt->vm = NULL;
			return ret < 0 ? ret : -AXVM_EINVAL;
		}
	}
	return 0;
}

static void rt_reset_boot_state(struct axvm_runtime *rt)
{
	memset(rt->slots, 0, sizeof(rt->slots));
	rt->threads_running = 0;
	rt->stopping = false;
	rt->end_set = false;
	rt->end_signal = 0;
	rt->sysdown = false;
	rt->board = NULL;
	rt->vm = NULL;
	rt->nvcpus = 0;
	__atomic_store_n(&rt->board_due, UINT64_MAX, __ATOMIC_RELEASE);
}

/* What one boot came to; returns true if the guest asked for a reboot. */
static bool rt_boot_outcome(struct axvm_runtime *rt, struct axvm_runtime_result *res)
{
	struct axvm_board_poweroff po;

	if (rt->sysdown) {
		res->end = AXVM_RUNTIME_END_POWEROFF;
		res->status = rt->sysdown_code == 0 ? 0 : 1;
		return rt->sysdown_type != AXVM_SYSTEM_DOWN_POWEROFF;
	}
	if (axvm_board_poweroff_requested(rt->board, &po)) {
		res->end = AXVM_RUNTIME_END_POWEROFF;
		res->status = po.status;
		return po.type != AXVM_SYSTEM_DOWN_POWEROFF;
	}
	res->end = rt->end_set ? rt->end : AXVM_RUNTIME_END_ERROR;
	switch (res->end) {
	case AXVM_RUNTIME_END_SIGNAL:
		res->signal = rt->end_signal;
		res->status = 128 + rt->end_signal;
		break;
	case AXVM_RUNTIME_END_ESCAPE:
	case AXVM_RUNTIME_END_STOPPED:
		res->status = 0;
		break;
	default:
		if (!rt->err[0])
			rt_set_error(rt, "every vCPU stopped without a poweroff");
		res->end = rt->end_set ? rt->end : AXVM_RUNTIME_END_ERROR;
		res->status = 1;
		break;
	}
	return false;
}

/* The run's event service: the wake pipe and the timeout. */
static int rt_loop_open(struct axvm_runtime *rt)
{
	int ret = axvm_event_loop_create(&rt->loop);

	if (!ret)
		ret = axvm_event_add_fd(rt->loop, rt->wake_pipe[0], AXVM_EVENT_IN, rt_wake_event,
					rt, &rt->wake_ev);
	if (!ret)
		ret = axvm_event_add_timer(rt->loop, rt_deadline_event, rt, &rt->deadline_ev);
	if (!ret && rt->opts.timeout_ms)
		ret = axvm_event_timer_arm(rt->deadline_ev, rt->opts.timeout_ms * 1000000ull);
	if (ret)
		rt_set_error(rt, "cannot set up the event loop: %s", axvm_strerror(ret));
	return ret;
}

static void rt_loop_close(struct axvm_runtime *rt)
{
	axvm_event_loop_destroy(rt->loop); /* removes wake_ev and deadline_ev too */
	rt->loop = NULL;
	rt->wake_ev = rt->deadline_ev = NULL;
}

/*
 * The guest's last output, written after its end: lost output is never
 * silent. A write error makes the run a VMM error whatever the guest said;
 * output abandoned by a signal, Ctrl-A x, a stop or the timeout makes that
 * the run's end.
 */
static int rt_finish_output(struct axvm_runtime *rt, struct axvm_runtime_result *res, int ret)
{
	uint64_t lost = rt_console_flush(rt);

	if (rt->out_errno) {
		res->end = AXVM_RUNTIME_END_ERROR;
		res->status = 1;
		res->console_lost = axvm_console_output_close(rt->console);
		return ret ? ret : -AXVM_EIO;
	}
	res->console_lost = lost;
	if (lost && rt->flush_abandoned && res->end != AXVM_RUNTIME_END_ERROR &&
	    res->end != rt->abandon_end) {
		res->end = rt->abandon_end;
		res->signal = rt->abandon_end == AXVM_RUNTIME_END_SIGNAL ? rt->abandon_signal : 0;
		res->status = res->signal				    ? 128 + res->signal
			      : rt->abandon_end == AXVM_RUNTIME_END_TIMEOUT ? 1
									    : 0;
	}
	return ret;
}

int axvm_runtime_run(struct axvm_runtime *rt, struct axvm_runtime_result *res)
{
	int ret;

	memset(res, 0, sizeof(*res));
	res->end = AXVM_RUNTIME_END_ERROR;
	res->status = 1;
	rt->err[0] = '\0';
	rt->deadline_passed = false;
	rt->flush_abandoned = false;
	rt->abandon_signal = 0;
	ret = rt_loop_open(rt);
	if (ret)
		goto out_loop;
	ret = rt_gdb_open(rt);
	if (!ret)
		ret = rt_monitor_open(rt);
	if (ret) {
		rt_set_error(rt, "%s", axvm_error_message());
		goto out_loop;
	}
	ret = rt_console_open(rt);
	if (ret)
		goto out_loop;
	if (rt->opts.handle_signals) {
		ret = rt_signals_install(rt);
		if (ret)
			goto out_console;
	}
	for (;;) {
		bool reboot;

		rt_reset_boot_state(rt);
		ret = rt_board_create(rt);
		if (ret)
			break;
		ret = axvm_boot(rt->vm);
		if (ret) {
			rt_set_error(rt, "boot: %s", axvm_error_message());
		} else {
			rt_gdb_booted(rt);
			ret = rt_start_vcpu_threads(rt);
			if (ret)
				rt_request_end(rt, AXVM_RUNTIME_END_ERROR);
			rt_event_loop(rt);
			rt_join_vcpu_threads(rt);
			if (rt->opts.board_ended)
				rt->opts.board_ended(rt->opts.board_ready_opaque, rt->board);
		}
		if (ret) {
			axvm_board_destroy(rt->board);
			rt->board = NULL;
			rt->vm = NULL;
			break;
		}
		reboot = rt_boot_outcome(rt, res);
		axvm_board_destroy(rt->board);
		rt->board = NULL;
		rt->vm = NULL;
		if (res->end == AXVM_RUNTIME_END_ERROR)
			ret = -AXVM_EBACKEND;
		if (!reboot)
			break;
		if (rt->opts.max_reboots && res->reboots >= rt->opts.max_reboots) {
			rt_set_error(rt, "the guest rebooted %u times; giving up", res->reboots);
			res->end = AXVM_RUNTIME_END_ERROR;
			res->status = 1;
			break;
		}
		res->reboots++;
		axvm_info("guest reboot %u", res->reboots);
	}
	ret = rt_finish_output(rt, res, ret);
	rt_gdb_exited(rt, res->status);
	if (rt->opts.handle_signals)
		rt_signals_restore(rt);
out_console:
	rt_console_close(rt);
out_loop:
	rt_monitor_close(rt);
	rt_gdb_close(rt);
	rt_loop_close(rt);
	if (ret && res->end != AXVM_RUNTIME_END_ERROR) {
		res->end = AXVM_RUNTIME_END_ERROR;
		res->status = 1;
	}
	if (ret) /* the run's first error, wherever it happened, for this thread too */
		axvm_error_record("%s", rt->err[0] ? rt->err : axvm_strerror(ret));
	return ret;
}
