/* SPDX-License-Identifier: MIT */
/*
 * The host side of the guest console, and signals.
 *
 * Output goes to stdout or a file. Input comes from stdin when enabled; a
 * terminal is put in raw mode (no echo, no line editing, Ctrl-C goes to the
 * guest) and always restored: at the end of the run, from atexit, and after
 * a signal (the handler only wakes the main loop, which then shuts down and
 * restores). EOF or a closed stdin simply ends input (CI has no stdin).
 * No stdout at all drops the output; a write that fails (the reader of a
 * pipe went away: EPIPE, SIGPIPE being ignored or blocked) ends the run
 * with an error naming the console output.
 * As in QEMU, Ctrl-A is an escape: Ctrl-A x quits, Ctrl-A Ctrl-A sends one
 * Ctrl-A, Ctrl-A h prints help.
 *
 * Terminal and signal state is process-wide by nature (one terminal, one
 * handler per signal): only one runtime at a time may use them.
 */
#include "runtime/rt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Write everything; 0, or the errno of a failed write. */
static int rt_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (fd >= 0 && len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* An O_NONBLOCK stdout shared with another process: wait for room. */
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};

			poll(&pfd, 1, 100);
			continue;
		}
		if (n <= 0)
			return n < 0 ? errno : EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void rt_console_sink(void *opaque, const uint8_t *buf, size_t len)
{
	struct axvm_runtime *rt = opaque;
	int err;

	if (__atomic_load_n(&rt->out_errno, __ATOMIC_ACQUIRE))
		return;
	err = rt_write_all(rt->out_fd, buf, len);
	/*
	 * A reader that went away (EPIPE: SIGPIPE is ignored or blocked here)
	 * or a full disk: nobody sees the guest's output any more, so end the
	 * run with an error rather than run on blind. The main thread does it:
	 * this runs on a vCPU thread, inside the device that printed.
	 */
	if (err) {
		int zero = 0;

		if (__atomic_compare_exchange_n(&rt->out_errno, &zero, err, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			rt_wake(rt, RT_WAKE_OUTPUT_ERROR);
	}
}

void rt_console_output_failed(struct axvm_runtime *rt)
{
	int err = __atomic_load_n(&rt->out_errno, __ATOMIC_ACQUIRE);

	if (rt->opts.console_path)
		rt_set_error(rt, "console output to %s: %s", rt->opts.console_path, strerror(err));
	else
		rt_set_error(rt, "console output to stdout: %s", strerror(err));
	rt_request_end(rt, AXVM_RUNTIME_END_ERROR);
}

int rt_console_open(struct axvm_runtime *rt)
{
	struct axvm_console_sink sink = {.write = rt_console_sink, .opaque = rt};
	int ret;

	if (rt->opts.board.console) {
		/* The caller's console: its sink sees the output; we only feed it stdin. */
		rt->console = rt->opts.board.console;
		rt->console_owned = false;
		rt->out_fd = -1;
		rt->out_fd_owned = false;
		goto input;
	}
	if (rt->opts.console_path) {
		rt->out_fd =
		    open(rt->opts.console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (rt->out_fd < 0) {
			rt_set_error(rt, "--console file:%s: %s", rt->opts.console_path,
				     strerror(errno));
			return -AXVM_EIO;
		}
		rt->out_fd_owned = true;
	} else {
		rt->out_fd = rt->stdout_open ? 1 : -1;
		rt->out_fd_owned = false;
	}
	ret = axvm_console_create(&sink, &rt->console);
	if (ret) {
		rt_set_error(rt, "cannot create the console: %s", axvm_strerror(ret));
		goto err_close;
	}
	rt->console_owned = true;
input:
	rt->out_errno = 0;
	rt->in_enabled = rt->opts.console_stdin && rt->stdin_open;
	rt->escape_pending = false;
	rt->raw_mode = false;
	if (rt->in_enabled && isatty(0)) {
		if (rt_raw_terminal() == 0) {
			rt->raw_mode = true;
			rt_fatal_install(true);
		} else
			axvm_warn("stdin is a terminal but raw mode failed: %s", strerror(errno));
	}
	return 0;

err_close:
	if (rt->out_fd_owned)
		close(rt->out_fd);
	rt->out_fd = -1;
	return ret;
}

void rt_console_close(struct axvm_runtime *rt)
{
	if (rt->raw_mode) {
		rt_fatal_install(false);
		rt_restore_terminal();
		rt->raw_mode = false;
	}
	if (rt->console_owned)
		axvm_console_destroy(rt->console);
	rt->console = NULL;
	rt->console_owned = false;
	if (rt->out_fd_owned)
		close(rt->out_fd);
	rt->out_fd = -1;
	rt->out_fd_owned = false;
}

static void rt_console_help(void)
{
	static const char help[] = "\r\nC-a x    exit\r\nC-a h    this help\r\n"
				   "C-a C-a  send C-a\r\n";

	(void)rt_write_all(2, (const uint8_t *)help, sizeof(help) - 1);
}

void rt_console_input(struct axvm_runtime *rt)
{
	uint8_t in[256], out[256];
	size_t nout = 0;
	ssize_t n = read(0, in, sizeof(in));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* EOF or an unusable stdin: the guest simply gets no more input. */
		rt->in_enabled = false;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (rt->escape_pending) {
			rt->escape_pending = false;
			if (c == 'x' || c == 'X') {
				rt_request_end(rt, AXVM_RUNTIME_END_ESCAPE);
				break;
			}
			if (c == 'h' || c == 'H' || c == '?')
				rt_console_help();
			else if (c == RT_ESCAPE_CHAR)
				out[nout++] = c;
			continue;
		}
		if (c == RT_ESCAPE_CHAR) {
			rt->escape_pending = true;
			continue;
		}
		out[nout++] = c;
	}
	if (nout)
		axvm_console_push(rt->console, out, nout);
}

/* ---- signals ---- */

static const int rt_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction rt_old_actions[3];
static struct sigaction rt_old_sigpipe;
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
	/* A closed stdout must not kill the VMM: writes just fail. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &rt_old_sigpipe);
	return 0;
}

void rt_signals_restore(struct axvm_runtime *rt)
{
	for (size_t i = 0; i < sizeof(rt_signals) / sizeof(rt_signals[0]); i++)
		sigaction(rt_signals[i], &rt_old_actions[i], NULL);
	sigaction(SIGPIPE, &rt_old_sigpipe, NULL);
	rt_signal_fd = -1;
}
