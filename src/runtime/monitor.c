/* SPDX-License-Identifier: MIT */
/*
 * The monitor (--monitor unix:PATH): a UNIX stream socket on the event
 * service thread taking one command per line, in one of two shapes:
 *
 *   text:  `info vcpus`, `info registers N`, `info stats`, `xp ADDR [LEN]`
 *          (guest-physical memory), `stop`, `cont`, `quit`, `help`; the answer is some lines and
 * then `ok` or `error: why`. JSON:  a line starting with `{`, QMP's shape:
 *          {"execute": "stop"}  {"execute": "cont"}  {"execute": "quit"}
 *          {"execute": "query-status"}  {"execute": "query-vcpus"}
 *          {"execute": "query-registers", "arguments": {"vcpu": 0}}
 *          answered with one line {"return": ...} or {"error": {"desc": "..."}}.
 *
 * Registers and pcs are read while the VM is paused (a running VM is paused
 * for the read and resumed); register names come from the backend's GDB
 * target description, so nothing here knows the architecture.
 *
 * Limits: a few clients at a time; lines longer than MON_LINE_MAX are
 * dropped; JSON lines are parsed strictly (monitor_json.c: a malformed one
 * is answered with an error saying where), of which the monitor reads the
 * "execute" string and arguments.vcpu.
 */
#include "runtime/rt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "axvm/stats.h"
#include "axvm/vcpu.h"
#include "core/error.h"
#include "runtime/monitor_json.h"

#define MON_CLIENTS 4
#define MON_LINE_MAX 512
#define MON_OUT_MAX 16384

struct mon_client {
	struct rt_monitor *mon;
	int fd; /* -1: closed, or the console's client (console below) */
	bool console;
	struct axvm_event *ev;
	char line[MON_LINE_MAX];
	size_t len;
	bool overlong;
};

struct rt_monitor {
	struct axvm_runtime *rt;
	int listen_fd;
	struct axvm_event *listen_ev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct mon_client clients[MON_CLIENTS];
	/* Ctrl-A c: the console's input is the monitor's while console_mode. */
	struct mon_client console;
	bool console_mode;
	char out[MON_OUT_MAX];
	size_t out_len;
};

static void mon_printf(struct rt_monitor *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void mon_printf(struct rt_monitor *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->out_len >= sizeof(m->out))
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->out + m->out_len, sizeof(m->out) - m->out_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->out_len += (size_t)n < sizeof(m->out) - m->out_len
				  ? (size_t)n
				  : sizeof(m->out) - m->out_len - 1;
}

/* The console is a terminal in raw mode: lines end in CR LF there. */
static void mon_flush_console(struct rt_monitor *m)
{
	for (size_t i = 0, start = 0; i <= m->out_len; i++) {
		if (i == m->out_len || m->out[i] == '\n') {
			rt_console_message(m->out + start, i - start);
			if (i < m->out_len)
				rt_console_message("\r\n", 2);
			start = i + 1;
		}
	}
	m->out_len = 0;
}

/*
 * Never blocks the event thread: a client that does not read its answers
 * (its socket buffer full) loses them, and its hang-up closes it.
 */
static void mon_flush(struct mon_client *c)
{
	struct rt_monitor *m = c->mon;
	const char *p = m->out;
	size_t left = m->out_len;

	if (c->console) {
		mon_flush_console(m);
		return;
	}
	while (left) {
		ssize_t n = send(c->fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	m->out_len = 0;
}

/* Pause for a look at the vCPUs; whether the VM was running (resume after). */
static bool mon_hold(struct rt_monitor *m)
{
	struct axvm *vm = m->rt->vm;

	if (!vm || axvm_status(vm) != AXVM_VM_RUNNING)
		return false;
	return axvm_pause(vm) == 0;
}

static void mon_release(struct rt_monitor *m, bool held)
{
	if (held && m->rt->vm)
		axvm_resume(m->rt->vm);
}

/*
 * The next <reg .../> of the target description at *p: its name and
 * number; false at the end.
 */
static bool mon_next_reg(const char **p, char *name, size_t cap, unsigned *regno)
{
	const char *r = strstr(*p, "<reg ");
	const char *end, *n, *q;
	size_t len;

	if (!r || !(end = strstr(r, "/>")))
		return false;
	*p = end + 2;
	n = strstr(r, "name=\"");
	q = strstr(r, "regnum=\"");
	if (!n || !q || n > end || q > end)
		return mon_next_reg(p, name, cap, regno);
	n += 6;
	len = strcspn(n, "\"");
	if (len >= cap)
		len = cap - 1;
	memcpy(name, n, len);
	name[len] = '\0';
	*regno = (unsigned)strtoul(q + 8, NULL, 10);
	return true;
}

static void mon_vcpus(struct rt_monitor *m, bool json)
{
	struct axvm *vm = m->rt->vm;
	bool held = mon_hold(m);
	unsigned n = vm ? axvm_vcpu_num(vm) : 0;

	if (json)
		mon_printf(m, "{\"return\": [");
	for (unsigned i = 0; i < n; i++) {
		struct axvm_vcpu *v = axvm_vcpu(vm, i);
		uint64_t pc = 0, priv = 0;
		/*
		 * GDB's pc is register 32 on riscv64; ask the description for "pc"
		 * instead, and for "priv" (the privilege mode: riscv64 0 U, 1 S).
		 */
		const char *xml = axvm_vcpu_debug_target_xml(v), *p = xml;
		char name[32];
		unsigned regno;
		bool have_pc = false, have_priv = false;

		while (p && mon_next_reg(&p, name, sizeof(name), &regno)) {
			if (!strcmp(name, "pc"))
				have_pc = axvm_vcpu_debug_get_reg(v, regno, &pc) == 0;
			else if (!strcmp(name, "priv"))
				have_priv = axvm_vcpu_debug_get_reg(v, regno, &priv) == 0;
		}
		if (json)
			mon_printf(
			    m,
			    "%s{\"vcpu\": %u, \"state\": \"%s\", \"pc\": %llu, \"priv\": %lld, "
			    "\"cpus\": %llu}",
			    i ? ", " : "", i, axvm_vcpu_state_name(axvm_vcpu_state(v)),
			    (unsigned long long)pc, have_priv ? (long long)priv : -1ll,
			    (unsigned long long)axvm_vcpu_cpu_mask(v));
		else
			mon_printf(m, "vcpu %u: state %s pc %s0x%llx priv %s%llu affinity 0x%llx\n",
				   i, axvm_vcpu_state_name(axvm_vcpu_state(v)), have_pc ? "" : "?",
				   (unsigned long long)pc, have_priv ? "" : "?",
				   (unsigned long long)priv,
				   (unsigned long long)axvm_vcpu_cpu_mask(v));
	}
	if (json)
		mon_printf(m, "]}\n");
	mon_release(m, held);
}

static int mon_registers(struct rt_monitor *m, unsigned id, bool json)
{
	struct axvm *vm = m->rt->vm;
	struct axvm_vcpu *v = vm ? axvm_vcpu(vm, id) : NULL;
	const char *p;
	char name[32];
	unsigned regno, k = 0;
	bool held;

	if (!v)
		return -AXVM_ENOENT;
	p = axvm_vcpu_debug_target_xml(v);
	if (!p)
		return -AXVM_ENOTSUP;
	held = mon_hold(m);
	if (json)
		mon_printf(m, "{\"return\": {");
	while (mon_next_reg(&p, name, sizeof(name), &regno)) {
		uint64_t val;

		if (axvm_vcpu_debug_get_reg(v, regno, &val) != 0)
			continue;
		if (json)
			mon_printf(m, "%s\"%s\": %llu", k++ ? ", " : "", name,
				   (unsigned long long)val);
		else
			mon_printf(m, "%-10s 0x%016llx\n", name, (unsigned long long)val);
	}
	if (json)
		mon_printf(m, "}}\n");
	mon_release(m, held);
	return 0;
}

static const char *mon_status(struct rt_monitor *m)
{
	return m->rt->vm ? axvm_status_name(axvm_status(m->rt->vm)) : "none";
}

/* The command, by name; 0, or a negative AXVM_E* (the error line says it). */
static void mon_stats_line(void *opaque, const char *text)
{
	mon_printf(opaque, "%s\n", text);
}

struct mon_json_counters {
	struct rt_monitor *m;
	unsigned n;
};

static void mon_json_counter(void *opaque, const char *name, uint64_t v)
{
	struct mon_json_counters *c = opaque;
	char q[96];

	mon_json_quote(name, q, sizeof(q));
	mon_printf(c->m, "%s%s: %" PRIu64, c->n++ ? ", " : "", q, v);
}

/* query-stats: the counters of axvm/stats.h as one JSON line. */
static void mon_json_stats(struct rt_monitor *m, struct axvm *vm)
{
	struct axvm_device_stats devs[AXVM_STATS_REPORT_DEVICES];
	size_t ndevs = axvm_device_stats(vm, devs, AXVM_STATS_REPORT_DEVICES);

	mon_printf(m, "{\"return\": {\"vcpus\": [");
	for (unsigned id = 0;; id++) {
		struct axvm_vcpu_stats s;
		struct mon_json_counters c = {m, 0};
		unsigned n = 0;

		if (axvm_vcpu_stats(vm, id, &s))
			break;
		mon_printf(m,
			   "%s{\"id\": %u, \"run_ns\": %" PRIu64 ", \"vmm_ns\": %" PRIu64
			   ", \"halted_ns\": %" PRIu64 ", \"irqs_injected\": %" PRIu64
			   ", \"exits\": {",
			   id ? ", " : "", id, s.run_ns, s.vmm_ns, s.halted_ns, s.irqs_injected);
		for (unsigned r = 0; r < AXVM_EXIT_REASON_COUNT; r++)
			if (s.exits[r])
				mon_printf(m, "%s\"%s\": %" PRIu64, n++ ? ", " : "",
					   axvm_exit_reason_name((enum axvm_exit_reason)r),
					   s.exits[r]);
		mon_printf(m, "}, \"counters\": {");
		axvm_vcpu_counters(vm, id, mon_json_counter, &c);
		mon_printf(m, "}}");
	}
	mon_printf(m, "], \"devices\": [");
	if (ndevs > AXVM_STATS_REPORT_DEVICES)
		ndevs = AXVM_STATS_REPORT_DEVICES;
	for (size_t i = 0; i < ndevs; i++) {
		char q[96];

		mon_json_quote(devs[i].name, q, sizeof(q));
		mon_printf(m,
			   "%s{\"bus\": \"%s\", \"name\": %s, \"base\": %" PRIu64
			   ", \"reads\": %" PRIu64 ", \"writes\": %" PRIu64 "}",
			   i ? ", " : "", devs[i].bus, q, devs[i].base, devs[i].reads,
			   devs[i].writes);
	}
	mon_printf(m, "]}}\n");
}

static int mon_command(struct rt_monitor *m, const char *cmd, long vcpu, bool json)
{
	struct axvm *vm = m->rt->vm;

	if (!strcmp(cmd, "stop") || !strcmp(cmd, "cont")) {
		if (!vm)
			return -AXVM_ESTATE;
		if (!strcmp(cmd, "stop"))
			return axvm_pause(vm);
		return axvm_status(vm) == AXVM_VM_SUSPENDED ? axvm_resume(vm) : 0;
	}
	if (!strcmp(cmd, "quit")) {
		rt_request_end(m->rt, AXVM_RUNTIME_END_STOPPED);
		return 0;
	}
	if (!strcmp(cmd, "info vcpus") || !strcmp(cmd, "query-vcpus")) {
		mon_vcpus(m, json);
		return 1; /* answered */
	}
	if (!strcmp(cmd, "info registers") || !strcmp(cmd, "query-registers")) {
		int ret = vcpu < 0 ? -AXVM_EINVAL : mon_registers(m, (unsigned)vcpu, json);

		return ret ? ret : 1;
	}
	if (!strcmp(cmd, "query-status")) {
		mon_printf(m, "{\"return\": {\"status\": \"%s\"}}\n", mon_status(m));
		return 1;
	}
	if (!strcmp(cmd, "query-stats") && json) {
		bool held = mon_hold(m);

		if (m->rt->vm)
			mon_json_stats(m, m->rt->vm);
		mon_release(m, held);
		return m->rt->vm ? 1 : -AXVM_ESTATE;
	}
	if (!strcmp(cmd, "info stats") && !json) {
		/* The hart's counters are plain words its thread writes: read them parked. */
		bool held = mon_hold(m);

		if (m->rt->vm)
			axvm_stats_report(m->rt->vm, mon_stats_line, m);
		mon_release(m, held);
		return 0;
	}
	if (!strcmp(cmd, "help") && !json) {
		mon_printf(m, "info vcpus | info registers N | info stats | xp ADDR [LEN] | stop | "
			      "cont | quit\n");
		return 0;
	}
	return -AXVM_ENOENT;
}

/* {"execute": "NAME", "arguments": {"vcpu": N}}: the name and N (-1 if absent). */
static bool mon_parse_json(const char *line, char *cmd, size_t cap, long *vcpu, char *err,
			   size_t errlen)
{
	struct mon_request req;

	*vcpu = -1;
	if (mon_json_parse(line, &req, err, errlen))
		return false;
	if (!req.execute[0] || strlen(req.execute) >= cap) {
		snprintf(err, errlen, "no \"execute\" command");
		return false;
	}
	strcpy(cmd, req.execute);
	if (req.has_vcpu)
		*vcpu = req.vcpu;
	return true;
}

/*
 * "xp ADDR [LEN]": guest-physical memory (RAM only: a device is never
 * touched), 16 bytes a line; LEN defaults to 16, at most 4096.
 */
static int mon_xp(struct rt_monitor *m, const char *args)
{
	uint8_t buf[4096];
	char *end;
	unsigned long long addr = strtoull(args, &end, 0), len = 16;
	int ret;

	if (end == args)
		return -AXVM_EINVAL;
	if (*end)
		len = strtoull(end, &end, 0);
	if (*end || !len || len > sizeof(buf) || !m->rt->vm)
		return -AXVM_EINVAL;
	ret = axvm_read_guest(m->rt->vm, addr, buf, len);
	if (ret)
		return ret;
	for (unsigned long long i = 0; i < len; i++)
		mon_printf(m, "%s%02x%s", i % 16 ? " " : "", buf[i],
			   i % 16 == 15 || i + 1 == len ? "\n" : "");
	return 0;
}

/* A line of the text protocol: its answer appended to m->out. */
static void mon_text(struct rt_monitor *m, const char *line)
{
	char cmd[64], *sp;
	long vcpu = -1;
	size_t len = strnlen(line, sizeof(cmd) - 1);
	int ret;

	if (!strncmp(line, "xp ", 3)) {
		ret = mon_xp(m, line + 3);
		mon_printf(m, ret ? "error: %s\n" : "ok\n", axvm_strerror(ret));
		return;
	}
	memcpy(cmd, line, len); /* a longer command is unknown anyway */
	cmd[len] = '\0';
	/* "info registers N": the number is the argument */
	sp = strrchr(cmd, ' ');
	if (sp && sp[1] >= '0' && sp[1] <= '9') {
		vcpu = strtol(sp + 1, NULL, 10);
		*sp = '\0';
	}
	ret = mon_command(m, cmd, vcpu, false);
	if (ret >= 0)
		mon_printf(m, "ok\n");
	else
		mon_printf(m, "error: %s\n",
			   ret == -AXVM_ENOENT ? "unknown command or vCPU" : axvm_strerror(ret));
}

static void mon_line(struct mon_client *c, char *line)
{
	struct rt_monitor *m = c->mon;
	char cmd[64], err[96], q[160];
	long vcpu = -1;
	int ret;

	if (line[0] != '{') {
		mon_text(m, line);
		mon_flush(c);
		return;
	}
	if (!mon_parse_json(line, cmd, sizeof(cmd), &vcpu, err, sizeof(err))) {
		char desc[128];

		snprintf(desc, sizeof(desc), "malformed request: %s", err);
		mon_json_quote(desc, q, sizeof(q));
		mon_printf(m, "{\"error\": {\"desc\": %s}}\n", q);
		mon_flush(c);
		return;
	}
	ret = mon_command(m, cmd, vcpu, true);
	if (ret == 0) /* > 0: the answer was written whole */
		mon_printf(m, "{\"return\": {}}\n");
	else if (ret < 0)
		mon_printf(m, "{\"error\": {\"desc\": \"%s\"}}\n",
			   ret == -AXVM_ENOENT ? "unknown command or vCPU" : axvm_strerror(ret));
	mon_flush(c);
}

size_t rt_monitor_execute(struct axvm_runtime *rt, const char *line, char *out, size_t cap)
{
	struct rt_monitor *m = rt->monitor;
	size_t n;

	if (!cap)
		return 0;
	if (!m) {
		n = (size_t)snprintf(out, cap, "error: no monitor\n");
		return n < cap ? n : cap - 1;
	}
	if (!strcmp(line, "stop") || !strcmp(line, "cont"))
		mon_printf(m, "error: the debugger runs the guest here (Ctrl-C, continue)\n");
	else
		mon_text(m, line);
	n = m->out_len < cap - 1 ? m->out_len : cap - 1;
	memcpy(out, m->out, n);
	out[n] = '\0';
	m->out_len = 0;
	return n;
}

static void mon_close(struct mon_client *c)
{
	axvm_event_remove(c->ev);
	close(c->fd);
	c->ev = NULL;
	c->fd = -1;
}

static void mon_client_event(void *opaque, uint32_t events)
{
	struct mon_client *c = opaque;
	char buf[1024];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		mon_close(c);
		return;
	}
	for (ssize_t i = 0; i < n && c->fd >= 0; i++) {
		if (buf[i] == '\n') {
			if (c->len && c->line[c->len - 1] == '\r')
				c->len--;
			c->line[c->len] = '\0';
			if (!c->overlong && c->len)
				mon_line(c, c->line);
			c->len = 0;
			c->overlong = false;
		} else if (c->len + 1 < sizeof(c->line)) {
			c->line[c->len++] = buf[i];
		} else {
			c->overlong = true;
		}
	}
}

static void mon_accept_event(void *opaque, uint32_t events)
{
	struct rt_monitor *m = opaque;
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (unsigned i = 0; i < MON_CLIENTS; i++) {
		struct mon_client *c = &m->clients[i];

		if (c->fd >= 0)
			continue;
		if (axvm_event_add_fd(m->rt->loop, fd, AXVM_EVENT_IN, mon_client_event, c, &c->ev))
			break;
		c->fd = fd;
		c->len = 0;
		c->overlong = false;
		return;
	}
	close(fd); /* too many clients */
}

int rt_monitor_open(struct axvm_runtime *rt)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *spec = rt->opts.monitor;
	struct rt_monitor *m;
	int ret;

	m = calloc(1, sizeof(*m));
	if (!m)
		return axvm_error_set(-AXVM_ENOMEM, "monitor: out of memory");
	m->rt = rt;
	m->listen_fd = -1;
	m->console = (struct mon_client){.mon = m, .fd = -1, .console = true};
	for (unsigned i = 0; i < MON_CLIENTS; i++)
		m->clients[i] = (struct mon_client){.mon = m, .fd = -1};
	if (!spec) {
		rt->monitor = m; /* the console's Ctrl-A c only */
		return 0;
	}
	if (strncmp(spec, "unix:", 5) != 0 || !spec[5] || strlen(spec + 5) >= sizeof(sa.sun_path)) {
		ret = axvm_error_set(-AXVM_EINVAL, "--monitor %s: expected unix:PATH", spec);
		goto fail;
	}
	snprintf(m->path, sizeof(m->path), "%s", spec + 5);
	memcpy(sa.sun_path, m->path, strlen(m->path) + 1);
	m->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->listen_fd < 0) {
		ret = axvm_error_set(-AXVM_EIO, "--monitor: socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(m->listen_fd, 4)) {
		ret = axvm_error_set(-AXVM_EIO, "--monitor %s: %s", m->path, strerror(errno));
		close(m->listen_fd);
		goto fail;
	}
	ret = axvm_event_add_fd(rt->loop, m->listen_fd, AXVM_EVENT_IN, mon_accept_event, m,
				&m->listen_ev);
	if (ret) {
		ret = axvm_error_set(ret, "--monitor: event loop: %s", axvm_strerror(ret));
		close(m->listen_fd);
		unlink(m->path);
		goto fail;
	}
	rt->monitor = m;
	return 0;
fail:
	free(m);
	return ret;
}

void rt_monitor_close(struct axvm_runtime *rt)
{
	struct rt_monitor *m = rt->monitor;

	if (!m)
		return;
	for (unsigned i = 0; i < MON_CLIENTS; i++)
		if (m->clients[i].fd >= 0)
			mon_close(&m->clients[i]);
	if (m->listen_fd >= 0) {
		axvm_event_remove(m->listen_ev);
		close(m->listen_fd);
		unlink(m->path);
	}
	free(m);
	rt->monitor = NULL;
}

bool rt_monitor_console_active(const struct axvm_runtime *rt)
{
	return rt->monitor && rt->monitor->console_mode;
}

void rt_monitor_console_toggle(struct axvm_runtime *rt)
{
	static const char in[] = "\r\n[axvm monitor: help lists the commands; C-a c goes back "
				 "to the guest]\r\n(axvm) ";
	static const char out[] = "\r\n[back to the guest]\r\n";
	struct rt_monitor *m = rt->monitor;

	if (!m)
		return;
	m->console_mode = !m->console_mode;
	m->console.len = 0;
	m->console.overlong = false;
	if (m->console_mode)
		rt_console_message(in, sizeof(in) - 1);
	else
		rt_console_message(out, sizeof(out) - 1);
}

void rt_monitor_console_input(struct axvm_runtime *rt, uint8_t c)
{
	struct rt_monitor *m = rt->monitor;
	struct mon_client *k = &m->console;

	if (c == '\r' || c == '\n') {
		rt_console_message("\r\n", 2);
		k->line[k->len] = '\0';
		if (!k->overlong && k->len)
			mon_line(k, k->line);
		k->len = 0;
		k->overlong = false;
		if (m->console_mode) /* quit may have ended it */
			rt_console_message("(axvm) ", 7);
		return;
	}
	if ((c == 0x7f || c == 0x08) && k->len) {
		k->len--;
		rt_console_message("\b \b", 3);
		return;
	}
	if (c < 0x20 || c >= 0x7f)
		return;
	if (k->len + 1 >= sizeof(k->line)) {
		k->overlong = true;
		return;
	}
	k->line[k->len++] = (char)c;
	rt_console_message((const char *)&c, 1); /* echo: the terminal is raw */
}
