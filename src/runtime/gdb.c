/* SPDX-License-Identifier: MIT */
/*
 * The GDB stub: the remote protocol (framing in gdb_proto.c) served on the
 * runtime's event service thread, on a TCP socket (loopback unless the
 * user names another address). One debugger at a time.
 *
 * All-stop: every vCPU is a thread (id = vCPU id + 1); a stop pauses the
 * whole VM (axvm_pause: guest time stops too) and continue resumes it. A
 * single step releases only the stepping vCPU (axvm_resume_vcpu), so the
 * others stay where they stopped, as with gdb's scheduler-locking "step".
 * Breakpoints and watchpoints are the backend's debug points on every
 * vCPU (they never change guest memory, so a guest's own ebreak still
 * goes to the guest); registers and memory go through the vCPU debug ops.
 *
 * Threads: packets are handled on the event thread while the VM is paused
 * (or running, for the few that need no vCPU: `?`, thread lists, Ctrl-C);
 * a vCPU that stops on a debug exit records the stop under `lock`, pauses
 * the VM and notifies the event thread, which sends the stop reply.
 *
 * Limits: a guest reboot builds a new VM: debug points set before it are
 * gone (gdb is not told). Non-stop mode, tracepoints and the file I/O
 * extension are not supported.
 */
#include "runtime/rt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "axvm/vcpu.h"
#include "core/error.h"
#include "runtime/gdb_proto.h"

#define GDB_REPLY_MAX (2 * GDB_PACKET_MAX + 8)

struct rt_gdb {
	struct axvm_runtime *rt;
	int listen_fd;
	int conn_fd;
	struct axvm_event *listen_ev;
	struct axvm_event *conn_ev;
	struct axvm_event *stop_ev; /* notifier: a vCPU stopped */
	struct gdb_rx rx;
	bool no_ack;
	bool waited;	   /* --gdb-wait has held the first boot */
	unsigned g_thread; /* vCPU for registers and memory */
	bool running;	   /* the debugger resumed the VM and waits for a stop */

	pthread_mutex_t lock; /* the stop below (vCPU threads write it) */
	bool stop_pending;
	unsigned stop_vcpu;
	struct axvm_exit stop_exit;

	char last_stop[96]; /* the last stop reply, for '?' */
	char reply[GDB_REPLY_MAX];
	char framed[GDB_REPLY_MAX + 8];
};

static struct axvm *gdb_vm(struct rt_gdb *g)
{
	return g->rt->vm;
}

static struct axvm_vcpu *gdb_vcpu(struct rt_gdb *g, unsigned id)
{
	return gdb_vm(g) ? axvm_vcpu(gdb_vm(g), id) : NULL;
}

static void gdb_send_raw(struct rt_gdb *g, const char *buf, size_t len)
{
	while (len && g->conn_fd >= 0) {
		ssize_t n = send(g->conn_fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the debugger went away: its hang-up closes the connection */
		buf += n;
		len -= (size_t)n;
	}
}

static void gdb_send(struct rt_gdb *g, const char *payload, size_t len)
{
	size_t n = gdb_frame(payload, len, g->framed, sizeof(g->framed));

	if (n)
		gdb_send_raw(g, g->framed, n);
}

static void gdb_send_str(struct rt_gdb *g, const char *s)
{
	gdb_send(g, s, strlen(s));
}

/* Stop reply for a debug exit (or SIGINT/SIGTRAP without one). */
static void gdb_format_stop(struct rt_gdb *g, unsigned vcpu, const struct axvm_exit *e, int sig)
{
	static const char *const watch[] = {
	    [AXVM_DEBUG_STOP_WATCH_WRITE] = "watch",
	    [AXVM_DEBUG_STOP_WATCH_READ] = "rwatch",
	    [AXVM_DEBUG_STOP_WATCH_ACCESS] = "awatch",
	};
	int n = snprintf(g->last_stop, sizeof(g->last_stop), "T%02xthread:%x;", sig, vcpu + 1);

	if (!e || e->reason != AXVM_EXIT_DEBUG)
		return;
	if (e->debug.kind == AXVM_DEBUG_STOP_SW_BREAK)
		snprintf(g->last_stop + n, sizeof(g->last_stop) - n, "swbreak:;");
	else if (e->debug.kind == AXVM_DEBUG_STOP_HW_BREAK)
		snprintf(g->last_stop + n, sizeof(g->last_stop) - n, "hwbreak:;");
	else if (e->debug.kind >= AXVM_DEBUG_STOP_WATCH_WRITE &&
		 e->debug.kind <= AXVM_DEBUG_STOP_WATCH_ACCESS)
		snprintf(g->last_stop + n, sizeof(g->last_stop) - n, "%s:%llx;",
			 watch[e->debug.kind], (unsigned long long)e->debug.addr);
}

/* Every vCPU out of step mode (before any resume). */
static void gdb_clear_steps(struct rt_gdb *g)
{
	for (unsigned i = 0; gdb_vm(g) && i < axvm_vcpu_num(gdb_vm(g)); i++)
		axvm_vcpu_debug_set_step(gdb_vcpu(g, i), false);
}

/* Stop the VM (Ctrl-C, attach): wait until every vCPU is parked. */
static void gdb_pause(struct rt_gdb *g)
{
	if (gdb_vm(g))
		axvm_pause(gdb_vm(g));
}

static void gdb_resume(struct rt_gdb *g, int step_vcpu)
{
	pthread_mutex_lock(&g->lock);
	g->stop_pending = false;
	pthread_mutex_unlock(&g->lock);
	gdb_clear_steps(g);
	g->running = true;
	if (!gdb_vm(g))
		return;
	if (step_vcpu >= 0) {
		axvm_vcpu_debug_set_step(gdb_vcpu(g, (unsigned)step_vcpu), true);
		axvm_resume_vcpu(gdb_vm(g), (unsigned)step_vcpu);
	} else {
		axvm_resume(gdb_vm(g));
	}
}

/* ---- packets ---- */

static size_t gdb_reg_hex(struct rt_gdb *g, unsigned regno, char *out)
{
	uint64_t v;

	if (axvm_vcpu_debug_get_reg(gdb_vcpu(g, g->g_thread), regno, &v) != 0) {
		memset(out, 'x', 16); /* unavailable */
		return 16;
	}
	gdb_hex_encode(&v, 8, out); /* little-endian target */
	return 16;
}

static void gdb_cmd_g(struct rt_gdb *g)
{
	size_t n = 0;

	/* The x registers, pc and the f registers (0-64): the rest by `p`. */
	for (unsigned r = 0; r < 65; r++)
		n += gdb_reg_hex(g, r, g->reply + n);
	gdb_send(g, g->reply, n);
}

static void gdb_cmd_G(struct rt_gdb *g, const char *p)
{
	size_t len = strlen(p);

	for (unsigned r = 0; r < 65 && (r + 1) * 16 <= len; r++) {
		uint64_t v;

		if (!gdb_hex_decode(p + r * 16, &v, 8)) {
			gdb_send_str(g, "E01");
			return;
		}
		axvm_vcpu_debug_set_reg(gdb_vcpu(g, g->g_thread), r, v);
	}
	gdb_send_str(g, "OK");
}

static void gdb_cmd_p(struct rt_gdb *g, const char *p)
{
	uint64_t r;

	if (!gdb_parse_hex(&p, &r) || r > 0xffff) {
		gdb_send_str(g, "E01");
		return;
	}
	gdb_send(g, g->reply, gdb_reg_hex(g, (unsigned)r, g->reply));
}

static void gdb_cmd_P(struct rt_gdb *g, const char *p)
{
	uint64_t r, v = 0;

	if (!gdb_parse_hex(&p, &r) || *p++ != '=' || strlen(p) < 16 || !gdb_hex_decode(p, &v, 8)) {
		gdb_send_str(g, "E01");
		return;
	}
	gdb_send_str(g, axvm_vcpu_debug_set_reg(gdb_vcpu(g, g->g_thread), (unsigned)r, v) == 0
			    ? "OK"
			    : "E01");
}

/* "addr,len" and what follows. */
static bool gdb_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
	return gdb_parse_hex(p, addr) && *(*p)++ == ',' && gdb_parse_hex(p, len);
}

static void gdb_cmd_m(struct rt_gdb *g, const char *p)
{
	uint8_t buf[GDB_PACKET_MAX / 2];
	uint64_t addr, len;

	if (!gdb_addr_len(&p, &addr, &len) || *p) {
		gdb_send_str(g, "E01");
		return;
	}
	if (len > sizeof(buf) - 8)
		len = sizeof(buf) - 8; /* gdb asks again for the rest */
	if (axvm_vcpu_debug_read_mem(gdb_vcpu(g, g->g_thread), addr, buf, len) != 0) {
		gdb_send_str(g, "E14"); /* EFAULT */
		return;
	}
	gdb_hex_encode(buf, len, g->reply);
	gdb_send(g, g->reply, 2 * len);
}

/* M (hex) or X (binary) writes. `rest` is the packet after the type letter; len is its length. */
static void gdb_cmd_write(struct rt_gdb *g, const char *p, size_t plen, bool binary)
{
	uint8_t buf[GDB_PACKET_MAX];
	const char *start = p, *data;
	uint64_t addr, len;

	if (!gdb_addr_len(&p, &addr, &len) || *p != ':' || len > sizeof(buf)) {
		gdb_send_str(g, "E01");
		return;
	}
	data = p + 1;
	if (binary) {
		if ((size_t)(data - start) + len > plen) {
			gdb_send_str(g, "E01");
			return;
		}
		memcpy(buf, data, len);
	} else if (strlen(data) < 2 * len || !gdb_hex_decode(data, buf, len)) {
		gdb_send_str(g, "E01");
		return;
	}
	if (len && axvm_vcpu_debug_write_mem(gdb_vcpu(g, g->g_thread), addr, buf, len) != 0) {
		gdb_send_str(g, "E14");
		return;
	}
	gdb_send_str(g, "OK");
}

/* Z/z: on every vCPU (debug points are the machine's, as gdb sees them). */
static void gdb_cmd_point(struct rt_gdb *g, const char *p, bool insert)
{
	uint64_t type = 0, addr, kind;
	int ret = 0;

	if (!gdb_parse_hex(&p, &type) || *p++ != ',' || !gdb_addr_len(&p, &addr, &kind) ||
	    type > AXVM_DEBUG_WATCH_ACCESS) {
		gdb_send_str(g, type > AXVM_DEBUG_WATCH_ACCESS ? "" : "E01");
		return;
	}
	for (unsigned i = 0; gdb_vm(g) && i < axvm_vcpu_num(gdb_vm(g)); i++) {
		int r = axvm_vcpu_debug_set_point(gdb_vcpu(g, i), (enum axvm_debug_point)type, addr,
						  kind, insert);
		if (r && !ret)
			ret = r;
	}
	gdb_send_str(g, ret == -AXVM_ENOTSUP ? "" : ret ? "E01" : "OK");
}

static void gdb_cmd_xfer(struct rt_gdb *g, const char *p)
{
	const char *xml = gdb_vm(g) ? axvm_vcpu_debug_target_xml(gdb_vcpu(g, 0)) : NULL;
	uint64_t off, len, total;
	size_t n;

	if (strncmp(p, "target.xml:", 11) != 0 || !xml) {
		gdb_send_str(g, "E00");
		return;
	}
	p += 11;
	if (!gdb_addr_len(&p, &off, &len)) {
		gdb_send_str(g, "E01");
		return;
	}
	total = strlen(xml);
	if (off >= total) {
		gdb_send_str(g, "l");
		return;
	}
	if (len > GDB_PACKET_MAX / 2)
		len = GDB_PACKET_MAX / 2;
	if (len > total - off)
		len = total - off;
	g->reply[0] = off + len >= total ? 'l' : 'm';
	n = gdb_escape(xml + off, len, g->reply + 1, sizeof(g->reply) - 1);
	gdb_send(g, g->reply, n + 1);
}

/* "-1" or "0" = any thread; else a 1-based thread id. -1 = bad. */
static int gdb_thread_id(struct rt_gdb *g, const char *p, unsigned dflt)
{
	uint64_t t;

	if (p[0] == '-' && p[1] == '1')
		return (int)dflt;
	if (!gdb_parse_hex(&p, &t))
		return -1;
	if (t == 0)
		return (int)dflt;
	if (!gdb_vm(g) || t > axvm_vcpu_num(gdb_vm(g)))
		return -1;
	return (int)t - 1;
}

static void gdb_cmd_vcont(struct rt_gdb *g, const char *p)
{
	int step = -1;

	if (*p == '?') {
		gdb_send_str(g, "vCont;c;C;s;S");
		return;
	}
	/* ";action[:thread]"...: a step wins (only its vCPU runs); else continue all. */
	if (*p != ';' || !strchr("cCsS", p[1]) || !p[1]) {
		gdb_send_str(g, "E01"); /* no action: nothing to resume */
		return;
	}
	while (*p == ';' && p[1]) {
		char act = p[1];

		p += 2;
		if (act == 'C' || act == 'S')
			while (gdb_hexval(*p) >= 0)
				p++;
		if ((act == 's' || act == 'S') && step < 0)
			step = *p == ':' ? gdb_thread_id(g, p + 1, g->g_thread) : (int)g->g_thread;
		while (*p && *p != ';')
			p++;
	}
	gdb_resume(g, step);
}

static void gdb_cmd_threads(struct rt_gdb *g)
{
	size_t n = 0;
	unsigned count = gdb_vm(g) ? axvm_vcpu_num(gdb_vm(g)) : 0;

	g->reply[n++] = 'm';
	for (unsigned i = 0; i < count; i++)
		n += (size_t)snprintf(g->reply + n, sizeof(g->reply) - n, "%s%x", i ? "," : "",
				      i + 1);
	gdb_send(g, g->reply, n);
}

/*
 * "monitor CMD" in gdb (qRcmd,HEX): the monitor's text commands (info
 * vcpus, info registers N, info stats, xp ADDR LEN, quit), their answer
 * sent as console output (O packets) before the final OK.
 */
static void gdb_cmd_rcmd(struct rt_gdb *g, const char *hex, size_t hexlen)
{
	char line[256], out[8192];
	size_t n, chunk = 1024;

	if (hexlen % 2 || hexlen / 2 >= sizeof(line) || !gdb_hex_decode(hex, line, hexlen / 2)) {
		gdb_send_str(g, "E01");
		return;
	}
	line[hexlen / 2] = '\0';
	if (memchr(line, '\0', hexlen / 2)) {
		gdb_send_str(g, "E01");
		return;
	}
	n = rt_monitor_execute(g->rt, line, out, sizeof(out));
	for (size_t off = 0; off < n; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;

		g->reply[0] = 'O';
		gdb_hex_encode(out + off, k, g->reply + 1);
		gdb_send(g, g->reply, 1 + 2 * k);
	}
	gdb_send_str(g, "OK");
}

static void gdb_close_conn(struct rt_gdb *g);

/* gdb removes its debug points before it detaches; the guest runs on. */
static void gdb_detach(struct rt_gdb *g)
{
	gdb_resume(g, -1);
	g->running = false;
}

/* One packet, while the VM is stopped (the packets that resume it say so). */
static void gdb_packet(struct rt_gdb *g, const char *p, size_t len)
{
	int t;

	switch (p[0]) {
	case '?':
		gdb_send_str(g, g->last_stop);
		return;
	case 'g':
		gdb_cmd_g(g);
		return;
	case 'G':
		gdb_cmd_G(g, p + 1);
		return;
	case 'p':
		gdb_cmd_p(g, p + 1);
		return;
	case 'P':
		gdb_cmd_P(g, p + 1);
		return;
	case 'm':
		gdb_cmd_m(g, p + 1);
		return;
	case 'M':
		gdb_cmd_write(g, p + 1, len - 1, false);
		return;
	case 'X':
		gdb_cmd_write(g, p + 1, len - 1, true);
		return;
	case 'Z':
	case 'z':
		gdb_cmd_point(g, p + 1, p[0] == 'Z');
		return;
	case 'c':
	case 'C':
		gdb_resume(g, -1);
		return;
	case 's':
	case 'S':
		gdb_resume(g, (int)g->g_thread);
		return;
	case 'H':
		t = len >= 3 ? gdb_thread_id(g, p + 2, g->g_thread) : -1;
		if (t < 0) {
			gdb_send_str(g, "E01");
			return;
		}
		if (p[1] == 'g' || p[1] == 'c')
			g->g_thread = (unsigned)t;
		gdb_send_str(g, "OK");
		return;
	case 'T':
		gdb_send_str(g, gdb_thread_id(g, p + 1, 0) >= 0 ? "OK" : "E01");
		return;
	case 'D':
		gdb_detach(g);
		gdb_send_str(g, "OK");
		gdb_close_conn(g);
		return;
	case 'k':
		gdb_close_conn(g);
		rt_request_end(g->rt, AXVM_RUNTIME_END_STOPPED);
		return;
	default:
		break;
	}
	if (!strncmp(p, "qSupported", 10)) {
		gdb_send_str(g, "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;"
				"vContSupported+;QStartNoAckMode+");
	} else if (!strcmp(p, "QStartNoAckMode")) {
		gdb_send_str(g, "OK");
		g->no_ack = true;
	} else if (!strncmp(p, "qXfer:features:read:", 20)) {
		gdb_cmd_xfer(g, p + 20);
	} else if (!strcmp(p, "qfThreadInfo")) {
		gdb_cmd_threads(g);
	} else if (!strcmp(p, "qsThreadInfo")) {
		gdb_send_str(g, "l");
	} else if (!strcmp(p, "qC")) {
		snprintf(g->reply, sizeof(g->reply), "QC%x", g->g_thread + 1);
		gdb_send_str(g, g->reply);
	} else if (!strncmp(p, "qRcmd,", 6)) {
		gdb_cmd_rcmd(g, p + 6, len - 6);
	} else if (!strncmp(p, "qAttached", 9)) {
		gdb_send_str(g, "1");
	} else if (!strncmp(p, "vCont", 5)) {
		gdb_cmd_vcont(g, p + 5);
	} else if (!strncmp(p, "vKill", 5)) {
		gdb_send_str(g, "OK");
		gdb_close_conn(g);
		rt_request_end(g->rt, AXVM_RUNTIME_END_STOPPED);
	} else {
		gdb_send_str(g, ""); /* not supported */
	}
}

/* ---- connection ---- */

static void gdb_close_conn(struct rt_gdb *g)
{
	if (g->conn_fd < 0)
		return;
	axvm_event_remove(g->conn_ev);
	g->conn_ev = NULL;
	close(g->conn_fd);
	g->conn_fd = -1;
	/* A debugger that goes away without detaching leaves the guest running. */
	if (gdb_vm(g) && axvm_status(gdb_vm(g)) == AXVM_VM_SUSPENDED) {
		gdb_clear_steps(g);
		axvm_resume(gdb_vm(g));
	}
	g->running = false;
	axvm_event_set_fd_events(g->listen_ev, AXVM_EVENT_IN);
}

static void gdb_conn_event(void *opaque, uint32_t events)
{
	struct rt_gdb *g = opaque;
	uint8_t buf[4096];
	ssize_t n = recv(g->conn_fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		gdb_close_conn(g);
		return;
	}
	for (ssize_t i = 0; i < n && g->conn_fd >= 0; i++) {
		switch (gdb_rx_byte(&g->rx, buf[i])) {
		case GDB_RX_PACKET:
			if (!g->no_ack)
				gdb_send_raw(g, "+", 1);
			/* While the VM runs, only a stop request (0x03) means anything. */
			if (!g->running)
				gdb_packet(g, g->rx.buf, g->rx.len);
			break;
		case GDB_RX_BAD:
			gdb_send_raw(g, "-", 1);
			break;
		case GDB_RX_INTERRUPT:
			if (g->running) {
				gdb_pause(g);
				g->running = false;
				gdb_clear_steps(g);
				gdb_format_stop(g, g->g_thread, NULL, 2); /* SIGINT */
				gdb_send_str(g, g->last_stop);
			}
			break;
		default:
			break;
		}
	}
}

static void gdb_accept_event(void *opaque, uint32_t events)
{
	struct rt_gdb *g = opaque;
	int one = 1;
	int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (g->conn_fd >= 0) { /* one debugger at a time */
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (axvm_event_add_fd(g->rt->loop, fd, AXVM_EVENT_IN, gdb_conn_event, g, &g->conn_ev)) {
		close(fd);
		return;
	}
	g->conn_fd = fd;
	gdb_rx_init(&g->rx);
	g->no_ack = false;
	g->g_thread = 0;
	/* Attaching stops the guest: gdb expects a stopped target. */
	gdb_pause(g);
	g->running = false;
	gdb_format_stop(g, 0, NULL, 5);
	axvm_event_set_fd_events(g->listen_ev, 0);
}

static void gdb_stop_event(void *opaque, uint32_t events)
{
	struct rt_gdb *g = opaque;
	struct axvm_exit e;
	unsigned vcpu;
	bool stop;

	pthread_mutex_lock(&g->lock);
	stop = g->stop_pending;
	vcpu = g->stop_vcpu;
	e = g->stop_exit;
	g->stop_pending = false;
	pthread_mutex_unlock(&g->lock);
	if (!stop || !g->running)
		return;
	gdb_pause(g); /* the stopping vCPU paused the VM already; this waits for all to park */
	g->running = false;
	gdb_clear_steps(g);
	g->g_thread = vcpu;
	gdb_format_stop(g, vcpu, &e, 5); /* SIGTRAP */
	gdb_send_str(g, g->last_stop);
}

int rt_gdb_stopped(struct axvm_runtime *rt, unsigned vcpu, const struct axvm_exit *exit)
{
	struct rt_gdb *g = rt->gdb;

	if (!g)
		return 1; /* no debugger: nothing planted these; run on */
	pthread_mutex_lock(&g->lock);
	if (!g->stop_pending) {
		g->stop_pending = true;
		g->stop_vcpu = vcpu;
		g->stop_exit = *exit;
	}
	pthread_mutex_unlock(&g->lock);
	if (rt->vm)
		axvm_pause(rt->vm);
	axvm_event_notify(g->stop_ev);
	return 1;
}

/* "tcp:HOST:PORT", "HOST:PORT" or ":PORT" (loopback). */
static int gdb_parse_addr(const char *spec, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long port;

	if (!strncmp(spec, "tcp:", 4))
		spec += 4;
	colon = strrchr(spec, ':');
	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -AXVM_EINVAL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || port > 65535)
		return -AXVM_EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (!host[0] || !strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -AXVM_EINVAL;
	return 0;
}

int rt_gdb_open(struct axvm_runtime *rt)
{
	struct sockaddr_in sa;
	struct rt_gdb *g;
	int one = 1, ret;

	if (!rt->opts.gdb)
		return 0;
	if (gdb_parse_addr(rt->opts.gdb, &sa))
		return axvm_error_set(-AXVM_EINVAL,
				      "--gdb %s: expected tcp:HOST:PORT (an IPv4 address)",
				      rt->opts.gdb);
	g = calloc(1, sizeof(*g));
	if (!g)
		return axvm_error_set(-AXVM_ENOMEM, "--gdb: out of memory");
	g->rt = rt;
	g->conn_fd = -1;
	pthread_mutex_init(&g->lock, NULL);
	g->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (g->listen_fd < 0) {
		ret = axvm_error_set(-AXVM_EIO, "--gdb: socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(g->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(g->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(g->listen_fd, 1)) {
		ret = axvm_error_set(-AXVM_EIO, "--gdb %s: %s", rt->opts.gdb, strerror(errno));
		goto fail;
	}
	ret = axvm_event_add_fd(rt->loop, g->listen_fd, AXVM_EVENT_IN, gdb_accept_event, g,
				&g->listen_ev);
	if (!ret)
		ret = axvm_event_add_notifier(rt->loop, gdb_stop_event, g, &g->stop_ev);
	if (ret) {
		ret = axvm_error_set(ret, "--gdb: event loop: %s", axvm_strerror(ret));
		goto fail;
	}
	gdb_format_stop(g, 0, NULL, 5);
	rt->gdb = g;
	return 0;
fail:
	axvm_event_remove(g->listen_ev);
	axvm_event_remove(g->stop_ev);
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	pthread_mutex_destroy(&g->lock);
	free(g);
	return ret;
}

void rt_gdb_booted(struct axvm_runtime *rt)
{
	/* --gdb-wait: the first boot waits, paused, for the debugger's continue. */
	struct rt_gdb *g = rt->gdb;

	if (!g)
		return;
	if (rt->opts.gdb_wait && !g->waited) {
		g->waited = true;
		axvm_pause(rt->vm);
	}
}

void rt_gdb_exited(struct axvm_runtime *rt, int status)
{
	struct rt_gdb *g = rt->gdb;
	char w[8];

	/*
	 * A debugger waiting on a continue learns that the guest is gone
	 * (W: "exited with code"), rather than only seeing the socket close.
	 */
	if (!g || g->conn_fd < 0 || !g->running)
		return;
	snprintf(w, sizeof(w), "W%02x", (unsigned)status & 0xff);
	gdb_send_str(g, w);
	g->running = false;
}

void rt_gdb_close(struct axvm_runtime *rt)
{
	struct rt_gdb *g = rt->gdb;

	if (!g)
		return;
	if (g->conn_fd >= 0) {
		axvm_event_remove(g->conn_ev);
		close(g->conn_fd);
	}
	axvm_event_remove(g->listen_ev);
	axvm_event_remove(g->stop_ev);
	close(g->listen_fd);
	pthread_mutex_destroy(&g->lock);
	free(g);
	rt->gdb = NULL;
}
