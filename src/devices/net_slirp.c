/* SPDX-License-Identifier: MIT */
/*
 * The "user" network backend: libslirp, QEMU's user-mode networking, as
 * `-netdev user`. The guest sees 10.0.2.0/24: gateway and host 10.0.2.2
 * (the host's loopback is reached there), DNS 10.0.2.3, its own address
 * 10.0.2.15 from slirp's DHCP server. No privileges: slirp's TCP/IP stack
 * turns the guest's connections into ordinary host sockets.
 *
 * Options (QEMU's syntax):
 *   hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT  (repeatable)
 *       a host socket forwarded into the guest; HOSTADDR defaults to
 *       0.0.0.0 (as QEMU), GUESTADDR to 10.0.2.15
 *   restrict=on|off   on: the guest reaches only slirp's own services and
 *                     the forwards, nothing beyond (default off)
 * IPv6 is off (slirp's IPv6 needs its router-advertisement timer and the
 * tests here use IPv4 only).
 *
 * The event service drives slirp (slirp itself is single-threaded and
 * everything here runs on the event thread):
 *  - after each service, slirp_pollfds_fill says which sockets it wants
 *    watched and the longest it may sleep (its TCP timers); the watches
 *    registered with the event loop are brought in line with that set
 *    (added, changed, removed; slirp's unregister_poll_fd drops a watch
 *    before slirp closes the socket, so a reused fd number is re-added)
 *    and one timer is armed for the timeout;
 *  - a ready socket or the timer runs a service: poll(2) with a zero
 *    timeout over the filled set gives slirp_pollfds_poll the exact
 *    readiness of every socket, then fill again;
 *  - the guest's frames go to slirp_input; a send batch ends with a fill
 *    (new connections make new sockets);
 *  - slirp's own timers (timer_new/timer_mod) are event-loop timers.
 * Frames slirp emits go straight to the peer (the device), which takes or
 * drops them: slirp's TCP retransmits what the guest had no room for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axvm/log.h"
#include "core/error.h"
#include "net_backend.h"

#define USER_MAX_FDS 4096 /* sockets watched at once; slirp's beyond it wait a round */
#define USER_GUEST_ADDR "10.0.2.15"

struct user_watch {
	int fd;
	uint32_t events;
	struct axvm_event *ev;
	bool seen; /* in the latest fill */
};

struct user_timer {
	struct net_backend *be;
	struct axvm_event *ev;
	SlirpTimerCb cb;
	void *cb_opaque;
};

struct net_backend {
	Slirp *slirp;
	struct net_peer peer;
	struct axvm_event_loop *loop;
	struct axvm_event *timer; /* slirp's poll timeout; also "service soon" */
	struct pollfd *pfd;	  /* the latest fill */
	unsigned npfd, pfd_cap;
	struct user_watch *watch;
	unsigned nwatch, watch_cap;
	bool in_service;
	struct axvm_ratelimit limit;
	char origin[128];
};

static int64_t user_clock_ns(void *opaque)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t user_send_packet(const void *buf, size_t len, void *opaque)
{
	struct net_backend *be = opaque;

	if (len >= NET_FRAME_MIN && len <= NET_FRAME_MAX)
		be->peer.receive(be->peer.opaque, buf, len);
	return (ssize_t)len;
}

static void user_guest_error(const char *msg, void *opaque)
{
	struct net_backend *be = opaque;

	axvm_log_ratelimited(&be->limit, AXVM_LOG_DEBUG, "%s: slirp: guest error: %s", be->origin,
			     msg);
}

static void user_timer_fired(void *opaque, uint32_t events)
{
	struct user_timer *t = opaque;

	t->cb(t->cb_opaque);
	t->be->peer.flush(t->be->peer.opaque);
}

static void *user_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct net_backend *be = opaque;
	struct user_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->be = be;
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	if (axvm_event_add_timer(be->loop, user_timer_fired, t, &t->ev) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void user_timer_free(void *timer, void *opaque)
{
	struct user_timer *t = timer;

	if (t) {
		axvm_event_remove(t->ev);
		free(t);
	}
}

/* expire_ms is on user_clock_ns's clock, in ms. */
static void user_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct user_timer *t = timer;
	int64_t now = user_clock_ns(NULL), at = expire_ms * 1000000;

	if (t)
		axvm_event_timer_arm(t->ev, at > now ? (uint64_t)(at - now) : 0);
}

static void user_remove_watch(struct net_backend *be, unsigned i)
{
	axvm_event_remove(be->watch[i].ev);
	be->watch[i] = be->watch[--be->nwatch];
}

static void user_register_poll_fd(int fd, void *opaque)
{
}

/* Slirp closes fd next: forget its watch (a new socket may get the number). */
static void user_unregister_poll_fd(int fd, void *opaque)
{
	struct net_backend *be = opaque;

	for (unsigned i = 0; i < be->nwatch; i++)
		if (be->watch[i].fd == fd) {
			user_remove_watch(be, i);
			return;
		}
}

static void user_schedule(struct net_backend *be)
{
	axvm_event_timer_arm(be->timer, 0);
}

/* A socket can take more data: service soon (not from inside slirp). */
static void user_notify(void *opaque)
{
	user_schedule(opaque);
}

static const SlirpCb user_callbacks = {
    .send_packet = user_send_packet,
    .guest_error = user_guest_error,
    .clock_get_ns = user_clock_ns,
    .timer_new = user_timer_new,
    .timer_free = user_timer_free,
    .timer_mod = user_timer_mod,
    .register_poll_fd = user_register_poll_fd,
    .unregister_poll_fd = user_unregister_poll_fd,
    .notify = user_notify,
};

static int user_add_poll(int fd, int events, void *opaque)
{
	struct net_backend *be = opaque;
	short pe = 0;

	if (be->npfd == be->pfd_cap) {
		unsigned cap = be->pfd_cap ? be->pfd_cap * 2 : 16;
		struct pollfd *p;

		if (cap > USER_MAX_FDS)
			return -1;
		p = realloc(be->pfd, cap * sizeof(*p));
		if (!p)
			return -1;
		be->pfd = p;
		be->pfd_cap = cap;
	}
	if (events & SLIRP_POLL_IN)
		pe |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		pe |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		pe |= POLLPRI;
	be->pfd[be->npfd] = (struct pollfd){.fd = fd, .events = pe};
	return (int)be->npfd++;
}

static int user_get_revents(int idx, void *opaque)
{
	struct net_backend *be = opaque;
	short re;
	int r = 0;

	if (idx < 0 || (unsigned)idx >= be->npfd)
		return 0;
	re = be->pfd[idx].revents;
	if (re & POLLIN)
		r |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (re & (POLLERR | POLLNVAL))
		r |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

static void user_fd_ready(void *opaque, uint32_t events);

/* Watch exactly the sockets of the latest fill. */
static void user_sync_watches(struct net_backend *be)
{
	for (unsigned i = 0; i < be->nwatch; i++)
		be->watch[i].seen = false;
	for (unsigned k = 0; k < be->npfd; k++) {
		uint32_t ev = ((be->pfd[k].events & (POLLIN | POLLPRI)) ? AXVM_EVENT_IN : 0u) |
			      ((be->pfd[k].events & POLLOUT) ? AXVM_EVENT_OUT : 0u);
		struct user_watch *w = NULL;

		for (unsigned i = 0; i < be->nwatch; i++)
			if (be->watch[i].fd == be->pfd[k].fd) {
				w = &be->watch[i];
				break;
			}
		if (w && w->seen)
			continue; /* the same fd twice in one fill */
		if (w && w->events != ev && axvm_event_set_fd_events(w->ev, ev) != 0) {
			user_remove_watch(be, (unsigned)(w - be->watch));
			w = NULL;
		}
		if (!w) {
			if (be->nwatch == be->watch_cap) {
				unsigned cap = be->watch_cap ? be->watch_cap * 2 : 16;
				struct user_watch *p = realloc(be->watch, cap * sizeof(*p));

				if (!p)
					continue; /* polled again at the next timeout */
				be->watch = p;
				be->watch_cap = cap;
			}
			w = &be->watch[be->nwatch];
			if (axvm_event_add_fd(be->loop, be->pfd[k].fd, ev, user_fd_ready, be,
					      &w->ev) != 0) {
				axvm_log_ratelimited(
				    &be->limit, AXVM_LOG_WARN, "%s: cannot watch slirp's fd %d: %s",
				    be->origin, be->pfd[k].fd, axvm_error_message());
				continue;
			}
			w->fd = be->pfd[k].fd;
			be->nwatch++;
		}
		w->events = ev;
		w->seen = true;
	}
	for (unsigned i = 0; i < be->nwatch;)
		if (!be->watch[i].seen)
			user_remove_watch(be, i);
		else
			i++;
}

/* Ask slirp what to watch and how long it may sleep. */
static void user_fill(struct net_backend *be)
{
	uint32_t timeout = UINT32_MAX;

	be->npfd = 0;
	slirp_pollfds_fill(be->slirp, &timeout, user_add_poll, be);
	user_sync_watches(be);
	/* Sockets beyond USER_MAX_FDS, or none watched at all: look again soon. */
	if (timeout == UINT32_MAX)
		axvm_event_timer_disarm(be->timer);
	else
		axvm_event_timer_arm(be->timer, (uint64_t)timeout * 1000000);
}

/* Let slirp read, write and run its TCP timers, then fill again. */
static void user_service(struct net_backend *be)
{
	int ret;

	if (be->in_service)
		return;
	be->in_service = true;
	ret = be->npfd ? poll(be->pfd, be->npfd, 0) : 0;
	if (ret < 0)
		for (unsigned i = 0; i < be->npfd; i++)
			be->pfd[i].revents = 0;
	slirp_pollfds_poll(be->slirp, ret < 0 && errno != EINTR, user_get_revents, be);
	user_fill(be);
	be->peer.flush(be->peer.opaque);
	be->in_service = false;
}

static void user_fd_ready(void *opaque, uint32_t events)
{
	user_service(opaque);
}

static void user_timeout(void *opaque, uint32_t events)
{
	user_service(opaque);
}

static void user_send(struct net_backend *be, const void *frame, size_t len)
{
	slirp_input(be->slirp, frame, (int)len);
}

static void user_send_done(struct net_backend *be)
{
	/* New sockets (a guest's connect) are watched from now on. */
	user_fill(be);
	be->peer.flush(be->peer.opaque);
}

/* "tcp:127.0.0.1:8080-:80" (QEMU's hostfwd syntax). */
static int user_parse_port(const char *s, size_t len, int *port)
{
	char buf[8];
	char *end;
	long v;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	v = strtol(buf, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* "[ADDR]:PORT" of `len` bytes; an empty address is `dflt`. */
static int user_parse_endpoint(const char *s, size_t len, const char *dflt, struct in_addr *addr,
			       int *port)
{
	const char *colon = memrchr(s, ':', len);
	char a[32];
	size_t alen;

	if (!colon)
		return -1;
	alen = (size_t)(colon - s);
	if (alen >= sizeof(a))
		return -1;
	memcpy(a, s, alen);
	a[alen] = 0;
	if (inet_pton(AF_INET, alen ? a : dflt, addr) != 1)
		return -1;
	return user_parse_port(colon + 1, len - alen - 1, port);
}

static int user_hostfwd(struct net_backend *be, const struct net_backend_ctx *ctx, const char *spec)
{
	const char *rest = spec, *colon = strchr(spec, ':'), *dash;
	struct in_addr haddr, gaddr;
	int hport, gport, is_udp = 0;

	if (colon) {
		size_t plen = (size_t)(colon - spec);

		if (plen == 3 && strncmp(spec, "udp", 3) == 0)
			is_udp = 1;
		else if (plen != 0 && !(plen == 3 && strncmp(spec, "tcp", 3) == 0))
			colon = NULL;
		rest = colon ? colon + 1 : spec;
	}
	dash = strchr(rest, '-');
	if (!colon || !dash ||
	    user_parse_endpoint(rest, (size_t)(dash - rest), "0.0.0.0", &haddr, &hport) ||
	    user_parse_endpoint(dash + 1, strlen(dash + 1), USER_GUEST_ADDR, &gaddr, &gport))
		return axvm_devclass_fail(
		    ctx->dev, "virtio-net", -AXVM_EINVAL,
		    "hostfwd=%s: expected [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT "
		    "(ports 1-65535, IPv4 addresses)",
		    spec);
	errno = 0;
	if (slirp_add_hostfwd(be->slirp, is_udp, haddr, hport, gaddr, gport) < 0) {
		int e = errno;

		return axvm_devclass_fail(ctx->dev, "virtio-net", -AXVM_EIO,
					  "hostfwd=%s: cannot listen on %s %s:%d%s%s", spec,
					  is_udp ? "udp" : "tcp", inet_ntoa(haddr), hport,
					  e ? ": " : "", e ? strerror(e) : "");
	}
	return 0;
}

static void user_destroy(struct net_backend *be)
{
	if (!be)
		return;
	if (be->slirp)
		slirp_cleanup(be->slirp); /* frees its timers through timer_free */
	while (be->nwatch)
		user_remove_watch(be, be->nwatch - 1);
	axvm_event_remove(be->timer);
	free(be->watch);
	free(be->pfd);
	free(be);
}

static int user_create(const struct net_backend_ctx *ctx, struct net_backend **out)
{
	const char *cursor = ctx->options;
	struct axvm_devopt opt;
	SlirpConfig cfg = {0};
	struct net_backend *be;
	int ret;

	*out = NULL;
	be = calloc(1, sizeof(*be));
	if (!be)
		return axvm_devclass_fail(ctx->dev, "virtio-net", -AXVM_ENOMEM, "out of memory");
	be->peer = ctx->peer;
	be->loop = ctx->dev->events;
	snprintf(be->origin, sizeof(be->origin), "%s",
		 ctx->dev->origin ? ctx->dev->origin : "--net");
	ret = axvm_event_add_timer(be->loop, user_timeout, be, &be->timer);
	if (ret) {
		free(be);
		return axvm_devclass_fail(ctx->dev, "virtio-net", ret, "cannot add a timer: %s",
					  axvm_strerror(ret));
	}
	cfg.version = 1;
	cfg.in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	inet_pton(AF_INET, USER_GUEST_ADDR, &cfg.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
	cfg.vhostname = "axvm";
	cfg.if_mtu = ctx->mtu;
	cfg.if_mru = ctx->mtu;
	/* The options before slirp exists: restrict= is part of its config. */
	while ((ret = axvm_devopt_next(&cursor, &opt)) > 0) {
		if (strcmp(opt.key, "restrict") == 0) {
			if (strcmp(opt.value, "on") == 0 || strcmp(opt.value, "yes") == 0)
				cfg.restricted = 1;
			else if (strcmp(opt.value, "off") == 0 || strcmp(opt.value, "no") == 0)
				cfg.restricted = 0;
			else
				ret = -1;
		} else if (strcmp(opt.key, "hostfwd") != 0) {
			ret = -1;
		}
		if (ret < 0) {
			user_destroy(be);
			return axvm_devclass_fail(
			    ctx->dev, "virtio-net", -AXVM_EINVAL,
			    "user networking: unknown option \"%s%s%s\" (want hostfwd=..., "
			    "restrict=on|off, mac=..., mtu=...)",
			    opt.key, opt.key[0] ? "=" : "", opt.value);
		}
	}
	if (ret < 0) {
		user_destroy(be);
		return axvm_devclass_fail(ctx->dev, "virtio-net", ret, "an option is too long");
	}
	be->slirp = slirp_new(&cfg, &user_callbacks, be);
	if (!be->slirp) {
		user_destroy(be);
		return axvm_devclass_fail(ctx->dev, "virtio-net", -AXVM_ENOMEM,
					  "slirp_new failed (MTU %u?)", ctx->mtu);
	}
	cursor = ctx->options;
	while (axvm_devopt_next(&cursor, &opt) > 0) {
		if (strcmp(opt.key, "hostfwd") == 0) {
			ret = user_hostfwd(be, ctx, opt.value);
			if (ret) {
				user_destroy(be);
				return ret;
			}
		}
	}
	user_fill(be);
	*out = be;
	return 0;
}

const struct net_backend_ops net_backend_user = {
    .name = "user",
    .frames_checksummed = true,
    .create = user_create,
    .send = user_send,
    .send_done = user_send_done,
    .destroy = user_destroy,
};
