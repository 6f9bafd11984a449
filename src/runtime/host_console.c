/* SPDX-License-Identifier: MIT */
/*
 * The host side of the guest console, and signals. Everything here runs on
 * the runtime's main thread, the I/O thread of its event service.
 *
 * Output: the console buffers guest output (axvm/console.h, buffered mode)
 * and says when some is waiting; we write it out on a newline, half a
 * buffer, or FLUSH_DELAY after the first byte of a partial line (so an
 * echoed key shows at once but a stream is not one write(2) per byte), and
 * at the end of the run. The output is never written with a call that can
 * block: stdout is reopened privately with O_NONBLOCK when it is a pipe,
 * FIFO or terminal (so other holders of it see no change), sent to with
 * MSG_DONTWAIT when it is a socket, and written as it is when it is a
 * regular file. While the reader does not keep up, the console's buffer
 * fills and the guest is held back (its UART shows THRE clear), but
 * --timeout, signals and Ctrl-A x still end the run. A write that fails
 * (the reader of a pipe went away: EPIPE, SIGPIPE being ignored; a full
 * disk: ENOSPC; a size limit: EFBIG, SIGXFSZ being ignored) ends the run
 * with an error naming the console output, even when the guest has powered
 * off already, and the rest of the output is dropped, counted.
 *
 * Input comes from stdin when enabled; a terminal is put in raw mode (no
 * echo, no line editing, Ctrl-C goes to the guest) and always restored: at
 * the end of the run, from atexit, and after a signal (the handler only
 * wakes the main loop, which then shuts down and restores). stdin is read
 * only while the console has room for what is read, and watched again
 * when the guest has made room: input is never dropped. EOF or a closed
 * stdin simply ends input (CI has no stdin).
 * As in QEMU, Ctrl-A is an escape: Ctrl-A x quits, Ctrl-A Ctrl-A sends one
 * Ctrl-A, Ctrl-A h prints help.
 *
 * Terminal and signal state is process-wide by nature (one terminal, one
 * handler per signal): only one runtime at a time may use them.
 */
#include "runtime/rt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "axvm/log.h"

#define RT_ESCAPE_CHAR 0x01 /* Ctrl-A */

static struct termios rt_saved_termios;
static volatile sig_atomic_t rt_termios_saved;
static bool rt_atexit_registered;

static void rt_restore_terminal(void)
{
	if (rt_termios_saved) {
		tcsetattr(0, TCSANOW, &rt_saved_termios);
		rt_termios_saved = 0;
	}
}

/*
 * A crash while the terminal is raw would leave the user's shell unusable:
 * restore it, then put the previous handler back and re-raise.
 */
static const int rt_fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
static struct sigaction rt_fatal_old[5];

static void rt_fatal_handler(int sig)
{
	rt_restore_terminal();
	for (size_t i = 0; i < sizeof(rt_fatal_signals) / sizeof(rt_fatal_signals[0]); i++)
		if (rt_fatal_signals[i] == sig)
			sigaction(sig, &rt_fatal_old[i], NULL);
	/* Pending until we return (the signal is blocked in its handler), then fatal. */
	raise(sig);
}

static void rt_fatal_install(bool on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rt_fatal_handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(rt_fatal_signals) / sizeof(rt_fatal_signals[0]); i++) {
		if (on)
			sigaction(rt_fatal_signals[i], &sa, &rt_fatal_old[i]);
		else
			sigaction(rt_fatal_signals[i], &rt_fatal_old[i], NULL);
	}
}

static int rt_raw_terminal(void)
{
	struct termios t;

	if (tcgetattr(0, &rt_saved_termios) != 0)
		return -AXVM_EIO;
	if (!rt_atexit_registered) {
		atexit(rt_restore_terminal);
		rt_atexit_registered = true;
	}
	rt_termios_saved = 1;
	t = rt_saved_termios;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	/* Output post-processing stays on so the host's \n still returns the carriage. */
	t.c_oflag |= OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSANOW, &t) != 0) {
		rt_termios_saved = 0;
		return -AXVM_EIO;
	}
	return 0;
}

/* A partial line waits this long for more output before it is written. */
#define RT_FLUSH_DELAY_NS 2000000ull /* 2 ms */
/* Where epoll cannot watch the output (rare: see rt_output_drain), retry this often. */
#define RT_OUTPUT_RETRY_NS 10000000ull

/* For messages of our own (Ctrl-A h, the monitor on Ctrl-A c) on stderr: best effort. */
void rt_console_message(const char *msg, size_t len)
{
	while (len) {
		ssize_t n = write(2, msg, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		msg += n;
		len -= (size_t)n;
	}
}

/* ---- output ---- */

/*
 * A private, non-blocking descriptor for standard stream `fd` where it can
 * block (a pipe, FIFO or terminal): a reopening through /proc with
 * O_NONBLOCK, which leaves the file flags other processes share untouched.
 * Returns the new fd (>= 3), or fd itself: for regular files and block
 * devices (which do not block), sockets (*is_socket: use MSG_DONTWAIT), or
 * when the reopening fails, in which case O_NONBLOCK is set on the shared
 * descriptor and *saved_flags says what to put back at the end.
 */
static int rt_private_nonblocking(int fd, int mode, bool *owned, bool *is_socket, int *saved_flags)
{
	char path[32];
	struct stat st;
	int nfd, flags;

	*owned = false;
	*is_socket = false;
	*saved_flags = -1;
	if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return fd;
	if (S_ISSOCK(st.st_mode)) {
		*is_socket = true;
		return fd;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, mode | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd >= 0 && nfd <= 2) {
		/* Keep it off 0-2 so that nothing mistakes it for a standard stream. */
		int high = fcntl(nfd, F_DUPFD_CLOEXEC, 3);

		close(nfd);
		nfd = high;
	}
	if (nfd >= 0) {
		*owned = true;
		return nfd;
	}
	if (errno == ENXIO)
		return fd; /* a pipe or FIFO with no other end: the first write says EPIPE */
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && !(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0) {
		*saved_flags = flags;
		axvm_debug("console: fd %d could not be reopened; set O_NONBLOCK on it", fd);
	}
	return fd;
}

static void rt_private_close(int fd, int std_fd, bool owned, int saved_flags)
{
	if (saved_flags >= 0)
		fcntl(std_fd, F_SETFL, saved_flags);
	if (owned)
		close(fd);
}

static int rt_output_open(struct axvm_runtime *rt)
{
	rt->out_fd = -1;
	rt->out_fd_owned = false;
	rt->out_send = false;
	rt->out_saved_flags = -1;
	rt->out_errno = 0;
	rt->out_blocked = false;
	if (rt->opts.console_path) {
		/* O_NONBLOCK: a FIFO with no reader must not hang the open. */
		rt->out_fd =
		    open(rt->opts.console_path,
			 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
		if (rt->out_fd < 0) {
			rt_set_error(rt, "--console file:%s: %s%s", rt->opts.console_path,
				     strerror(errno),
				     errno == ENXIO ? " (a FIFO with no reader)" : "");
			return -AXVM_EIO;
		}
		rt->out_fd_owned = true;
		return 0;
	}
	if (rt->stdout_open)
		rt->out_fd = rt_private_nonblocking(1, O_WRONLY, &rt->out_fd_owned, &rt->out_send,
						    &rt->out_saved_flags);
	return 0;
}

static void rt_output_close(struct axvm_runtime *rt)
{
	axvm_event_remove(rt->out_ev);
	rt->out_ev = NULL;
	rt_private_close(rt->out_fd, 1, rt->out_fd_owned, rt->out_saved_flags);
	rt->out_saved_flags = -1;
	rt->out_fd = -1;
	rt->out_fd_owned = false;
}

/* Bytes written, or -errno. */
static ssize_t rt_output_write(struct axvm_runtime *rt, const uint8_t *buf, size_t len)
{
	ssize_t n;

	do {
		if (rt->out_send)
			n = send(rt->out_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = write(rt->out_fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -EIO : n;
}

/* The output cannot be written: end the run with an error, drop the rest. */
static void rt_output_failed(struct axvm_runtime *rt, int err)
{
	rt->out_errno = err;
	axvm_console_output_close(rt->console);
	if (rt->opts.console_path)
		rt_set_error(rt, "console output to %s: %s", rt->opts.console_path, strerror(err));
	else
		rt_set_error(rt, "console output to stdout: %s", strerror(err));
	rt_request_end(rt, AXVM_RUNTIME_END_ERROR);
}

static void rt_output_writable(void *opaque, uint32_t events);

static void rt_output_wait_for_room(struct axvm_runtime *rt)
{
	int ret = 0;

	rt->out_blocked = true;
	if (!rt->out_ev)
		ret = axvm_event_add_fd(rt->loop, rt->out_fd, AXVM_EVENT_OUT, rt_output_writable,
					rt, &rt->out_ev);
	else
		ret = axvm_event_set_fd_events(rt->out_ev, AXVM_EVENT_OUT);
	if (ret) {
		/* epoll refuses this descriptor: try again a little later instead. */
		rt->out_blocked = false;
		axvm_event_timer_arm(rt->out_flush_ev, RT_OUTPUT_RETRY_NS);
	}
}

/*
 * Write out what the console held when called, until done or the output
 * would block. Only that much: chasing a guest that keeps printing would
 * write a few bytes per call. What arrives meanwhile has signalled again
 * (peek makes new output news), or, if it came before the last peek, is
 * picked up by the flush timer armed below.
 */
static void rt_output_drain(struct axvm_runtime *rt)
{
	size_t budget = axvm_console_output_pending(rt->console);
	const uint8_t *data;
	size_t n;

	__atomic_store_n(&rt->out_urgent, false, __ATOMIC_RELAXED);
	while (budget && (n = axvm_console_output_peek(rt->console, &data)) != 0) {
		ssize_t w;

		if (n > budget)
			n = budget;
		if (rt->out_fd < 0) {
			axvm_console_output_consume(rt->console, n); /* no stdout at all */
			budget -= n;
			continue;
		}
		w = rt_output_write(rt, data, n);
		if (w == -EAGAIN || w == -EWOULDBLOCK) {
			rt_output_wait_for_room(rt);
			return;
		}
		if (w < 0) {
			rt_output_failed(rt, (int)-w);
			return;
		}
		axvm_console_output_consume(rt->console, (size_t)w);
		budget -= (size_t)w;
	}
	if (rt->out_blocked) {
		rt->out_blocked = false;
		axvm_event_set_fd_events(rt->out_ev, 0);
	}
	if (axvm_console_output_pending(rt->console) &&
	    !axvm_event_timer_is_armed(rt->out_flush_ev))
		axvm_event_timer_arm(rt->out_flush_ev, RT_FLUSH_DELAY_NS);
}

/* out_fd has room again (or hung up: the write says why). */
static void rt_output_writable(void *opaque, uint32_t events)
{
	rt_output_drain(opaque);
}

/* The console's output_ready (a vCPU thread): hand it to the main thread. */
static void rt_output_ready(void *opaque, bool urgent)
{
	struct axvm_runtime *rt = opaque;

	if (urgent)
		__atomic_store_n(&rt->out_urgent, true, __ATOMIC_RELAXED);
	axvm_event_notify(rt->out_ready_ev);
}

static void rt_output_ready_event(void *opaque, uint32_t events)
{
	struct axvm_runtime *rt = opaque;

	if (rt->out_blocked)
		return; /* out_ev will say when */
	if (__atomic_load_n(&rt->out_urgent, __ATOMIC_RELAXED))
		rt_output_drain(rt);
	else if (!axvm_event_timer_is_armed(rt->out_flush_ev))
		axvm_event_timer_arm(rt->out_flush_ev, RT_FLUSH_DELAY_NS);
}

static void rt_output_flush_timer(void *opaque, uint32_t events)
{
	struct axvm_runtime *rt = opaque;

	if (!rt->out_blocked)
		rt_output_drain(rt);
}

uint64_t rt_console_flush(struct axvm_runtime *rt)
{
	uint64_t left;

	if (!rt->console_owned)
		return 0;
	for (;;) {
		if (!rt->out_blocked)
			rt_output_drain(rt);
		left = axvm_console_output_pending(rt->console);
		if (!left || rt->out_errno || rt->flush_abandoned)
			break;
		/* Wait for room, a signal, a stop or the deadline (they set flush_abandoned). */
		if (axvm_event_loop_run_once(rt->loop, 1000) < 0)
			break;
	}
	if (left && !rt->out_errno)
		axvm_console_output_close(rt->console);
	return left;
}

/* ---- input ---- */

static void rt_console_help(void)
{
	static const char help[] = "\r\nC-a x    exit\r\nC-a c    the monitor (again: back to the "
				   "guest)\r\nC-a h    this help\r\nC-a C-a  send C-a\r\n";

	rt_console_message(help, sizeof(help) - 1);
}

/* Escapes out, the rest into in_pending (which is empty). */
static void rt_input_filter(struct axvm_runtime *rt, const uint8_t *in, size_t n)
{
	size_t nout = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (rt->escape_pending) {
			rt->escape_pending = false;
			if (c == 'x' || c == 'X') {
				rt_request_end(rt, AXVM_RUNTIME_END_ESCAPE);
				break;
			}
			if (c == 'c' || c == 'C')
				rt_monitor_console_toggle(rt);
			else if (c == 'h' || c == 'H' || c == '?')
				rt_console_help();
			else if (c == RT_ESCAPE_CHAR)
				rt->in_pending[nout++] = c;
			continue;
		}
		if (c == RT_ESCAPE_CHAR) {
			rt->escape_pending = true;
			continue;
		}
		if (rt_monitor_console_active(rt)) {
			rt_monitor_console_input(rt, c);
			continue;
		}
		rt->in_pending[nout++] = c;
	}
	rt->in_pending_off = 0;
	rt->in_pending_len = nout;
}

static void rt_input_stop(struct axvm_runtime *rt)
{
	rt->in_enabled = false;
	axvm_event_remove(rt->in_ev);
	rt->in_ev = NULL;
}

static void rt_input_close(struct axvm_runtime *rt)
{
	rt_input_stop(rt);
	if (rt->in_fd >= 0)
		rt_private_close(rt->in_fd, 0, rt->in_fd_owned, rt->in_saved_flags);
	rt->in_fd = -1;
	rt->in_fd_owned = false;
	rt->in_saved_flags = -1;
}

/* Bytes read, 0 at EOF, or -errno. */
static ssize_t rt_input_read(struct axvm_runtime *rt, uint8_t *buf, size_t len)
{
	ssize_t n =
	    rt->in_recv ? recv(rt->in_fd, buf, len, MSG_DONTWAIT) : read(rt->in_fd, buf, len);

	return n < 0 ? -errno : n;
}

/*
 * Move stdin into the console while it has room. Without room, stdin is
 * no longer watched (so the kernel holds the rest, or the writer waits)
 * until the console's input_room says the guest made some.
 */
static void rt_input_pump(struct axvm_runtime *rt)
{
	uint8_t buf[sizeof(rt->in_pending)];

	while (rt->in_enabled) {
		size_t room;
		ssize_t n;

		if (rt->in_pending_len) {
			size_t q = axvm_console_push(
			    rt->console, rt->in_pending + rt->in_pending_off, rt->in_pending_len);

			rt->in_pending_off += q;
			rt->in_pending_len -= q;
			if (rt->in_pending_len)
				break; /* the console calls input_room when it has room */
		}
		room = axvm_console_input_room(rt->console);
		if (!room)
			break;
		n = rt_input_read(rt, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n == -EAGAIN || n == -EWOULDBLOCK || n == -EINTR) {
			/* Nothing yet (or a signal to look at first): epoll says when. */
			if (rt->in_ev)
				axvm_event_set_fd_events(rt->in_ev, AXVM_EVENT_IN);
			return;
		}
		if (n <= 0) {
			/* EOF or an unusable stdin: the guest simply gets no more input. */
			rt_input_stop(rt);
			return;
		}
		rt_input_filter(rt, buf, (size_t)n);
		if (rt->in_ev && !rt->in_pending_len) {
			/* Watched: epoll says when there is more. */
			axvm_event_set_fd_events(rt->in_ev, AXVM_EVENT_IN);
			return;
		}
	}
	if (rt->in_ev)
		axvm_event_set_fd_events(rt->in_ev, 0);
}

static void rt_input_readable(void *opaque, uint32_t events)
{
	rt_input_pump(opaque);
}

/* The console's input_room (a vCPU thread, popping): resume on the main thread. */
static void rt_input_room(void *opaque)
{
	struct axvm_runtime *rt = opaque;

	axvm_event_notify(rt->in_room_ev);
}

static void rt_input_room_event(void *opaque, uint32_t events)
{
	rt_input_pump(opaque);
}

static int rt_input_open(struct axvm_runtime *rt)
{
	int ret;

	rt->in_enabled = rt->opts.console_stdin && rt->stdin_open;
	rt->in_unwatched = false;
	rt->in_fd = -1;
	rt->in_fd_owned = false;
	rt->in_recv = false;
	rt->in_saved_flags = -1;
	rt->in_pending_off = rt->in_pending_len = 0;
	rt->escape_pending = false;
	rt->raw_mode = false;
	if (!rt->in_enabled)
		return 0;
	if (isatty(0)) {
		if (rt_raw_terminal() == 0) {
			rt->raw_mode = true;
			rt_fatal_install(true);
		} else
			axvm_warn("stdin is a terminal but raw mode failed: %s", strerror(errno));
	}
	/* Terminal modes belong to the terminal: raw mode above applies to this fd too. */
	rt->in_fd = rt_private_nonblocking(0, O_RDONLY, &rt->in_fd_owned, &rt->in_recv,
					   &rt->in_saved_flags);
	ret = axvm_event_add_fd(rt->loop, rt->in_fd, AXVM_EVENT_IN, rt_input_readable, rt,
				&rt->in_ev);
	if (ret == -AXVM_ENOTSUP) {
		/* A regular file (or /dev/null): always readable, read as room allows. */
		rt->in_unwatched = true;
		axvm_event_notify(rt->in_room_ev);
		return 0;
	}
	if (ret)
		rt_set_error(rt, "console input: cannot watch stdin: %s", axvm_strerror(ret));
	return ret;
}

/* ---- the console as a whole ---- */

int rt_console_open(struct axvm_runtime *rt)
{
	struct axvm_console_sink sink = {
	    .output_ready = rt_output_ready,
	    .input_room = rt_input_room,
	    .opaque = rt,
	};
	int ret;

	rt->in_fd = -1;
	ret = axvm_event_add_notifier(rt->loop, rt_output_ready_event, rt, &rt->out_ready_ev);
	if (!ret)
		ret = axvm_event_add_timer(rt->loop, rt_output_flush_timer, rt, &rt->out_flush_ev);
	if (!ret)
		ret = axvm_event_add_notifier(rt->loop, rt_input_room_event, rt, &rt->in_room_ev);
	if (ret) {
		rt_set_error(rt, "console: cannot set up its events: %s", axvm_strerror(ret));
		goto err_events;
	}
	if (rt->opts.board.console) {
		/* The caller's console: its sink sees the output; we only feed it stdin. */
		rt->console = rt->opts.board.console;
		rt->console_owned = false;
		rt->out_fd = -1;
		rt->out_fd_owned = false;
		rt->out_saved_flags = -1;
	} else {
		ret = rt_output_open(rt);
		if (ret)
			goto err_events;
		ret = axvm_console_create(&sink, &rt->console);
		if (ret) {
			rt_set_error(rt, "cannot create the console: %s", axvm_strerror(ret));
			goto err_output;
		}
		rt->console_owned = true;
	}
	ret = rt_input_open(rt);
	if (ret)
		goto err_input;
	return 0;

err_input:
	rt_input_close(rt);
	if (rt->raw_mode) {
		rt_fatal_install(false);
		rt_restore_terminal();
		rt->raw_mode = false;
	}
	if (rt->console_owned)
		axvm_console_destroy(rt->console);
	rt->console = NULL;
	rt->console_owned = false;
err_output:
	rt_output_close(rt);
err_events:
	axvm_event_remove(rt->out_ready_ev);
	axvm_event_remove(rt->out_flush_ev);
	axvm_event_remove(rt->in_room_ev);
	rt->out_ready_ev = rt->out_flush_ev = rt->in_room_ev = NULL;
	return ret;
}

void rt_console_close(struct axvm_runtime *rt)
{
	if (rt->raw_mode) {
		rt_fatal_install(false);
		rt_restore_terminal();
		rt->raw_mode = false;
	}
	rt_input_close(rt);
	axvm_event_remove(rt->in_room_ev);
	axvm_event_remove(rt->out_ready_ev);
	axvm_event_remove(rt->out_flush_ev);
	rt->in_room_ev = rt->out_ready_ev = rt->out_flush_ev = NULL;
	if (rt->console_owned)
		axvm_console_destroy(rt->console);
	rt->console = NULL;
	rt->console_owned = false;
	rt_output_close(rt);
}

/* ---- signals ---- */

static const int rt_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction rt_old_actions[3];
static struct sigaction rt_old_sigpipe, rt_old_sigxfsz;
static volatile sig_atomic_t rt_signal_fd = -1;

static void rt_signal_handler(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (rt_signal_fd >= 0) {
		ssize_t n = write(rt_signal_fd, &b, 1);

		(void)n;
	}
	errno = saved;
}

int rt_signals_install(struct axvm_runtime *rt)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rt_signal_handler;
	sigemptyset(&sa.sa_mask);
	rt_signal_fd = rt->wake_pipe[1];
	for (size_t i = 0; i < sizeof(rt_signals) / sizeof(rt_signals[0]); i++) {
		if (sigaction(rt_signals[i], &sa, &rt_old_actions[i]) != 0) {
			rt_set_error(rt, "sigaction: %s", strerror(errno));
			return -AXVM_EIO;
		}
	}
	/*
	 * A closed stdout or a file over its size limit must not kill the
	 * VMM: the writes just fail (EPIPE, EFBIG) and the run ends with an
	 * error that says so.
	 */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &rt_old_sigpipe);
	sigaction(SIGXFSZ, &sa, &rt_old_sigxfsz);
	return 0;
}

void rt_signals_restore(struct axvm_runtime *rt)
{
	for (size_t i = 0; i < sizeof(rt_signals) / sizeof(rt_signals[0]); i++)
		sigaction(rt_signals[i], &rt_old_actions[i], NULL);
	sigaction(SIGPIPE, &rt_old_sigpipe, NULL);
	sigaction(SIGXFSZ, &rt_old_sigxfsz, NULL);
	rt_signal_fd = -1;
}
