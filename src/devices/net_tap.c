/* SPDX-License-Identifier: MIT */
/*
 * The "tap" network backend: the guest's frames on a host TAP interface
 * (Linux tun/tap, IFF_TAP | IFF_NO_PI: one read or write is one Ethernet
 * frame). The host configures the interface (address, bridge) itself.
 *
 * Options: ifname=NAME (an existing persistent TAP the user may open, or
 * a new one, which needs CAP_NET_ADMIN; empty: the kernel names it).
 * Opening /dev/net/tun and attaching need privileges the host may not
 * give: create names which one is missing (no /dev/net/tun, no permission
 * on it, or no CAP_NET_ADMIN for TUNSETIFF).
 *
 * Flow: the fd is read on the event thread while the device has room
 * (net_peer.can_receive); when it has none the fd is paused until the
 * device resumes it, so frames wait in the kernel's queue (bounded by the
 * interface's txqueuelen), not in ours. Writes never wait: a full
 * interface queue drops the frame (EAGAIN), as a busy wire would.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "axvm/log.h"
#include "core/error.h"
#include "net_backend.h"

#define TAP_BUDGET 256 /* frames read per wake-up */

struct net_backend {
	int fd;
	struct axvm_event *ev;
	struct net_peer peer;
	struct axvm_ratelimit limit;
	char ifname[IFNAMSIZ];
	uint8_t buf[NET_FRAME_MAX];
};

static void tap_readable(void *opaque, uint32_t events)
{
	struct net_backend *be = opaque;
	unsigned n;

	for (n = 0; n < TAP_BUDGET; n++) {
		ssize_t len;

		if (!be->peer.can_receive(be->peer.opaque)) {
			axvm_event_set_fd_events(be->ev, 0); /* resume turns it back on */
			break;
		}
		len = read(be->fd, be->buf, sizeof(be->buf));
		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR)
				axvm_log_ratelimited(&be->limit, AXVM_LOG_WARN, "tap %s: read: %s",
						     be->ifname, strerror(errno));
			break;
		}
		if ((size_t)len >= NET_FRAME_MIN)
			be->peer.receive(be->peer.opaque, be->buf, (size_t)len);
	}
	be->peer.flush(be->peer.opaque);
}

static void tap_send(struct net_backend *be, const void *frame, size_t len)
{
	if (write(be->fd, frame, len) < 0 && errno != EAGAIN)
		axvm_log_ratelimited(&be->limit, AXVM_LOG_DEBUG, "tap %s: write: %s", be->ifname,
				     strerror(errno));
}

static void tap_resume(struct net_backend *be)
{
	axvm_event_set_fd_events(be->ev, AXVM_EVENT_IN);
}

static void tap_destroy(struct net_backend *be)
{
	if (!be)
		return;
	axvm_event_remove(be->ev);
	if (be->fd >= 0)
		close(be->fd);
	free(be);
}

static int tap_create(const struct net_backend_ctx *ctx, struct net_backend **out)
{
	const char *cursor = ctx->options;
	struct axvm_devopt opt;
	struct ifreq ifr = {0};
	struct net_backend *be;
	int ret, e;

	*out = NULL;
	while ((ret = axvm_devopt_next(&cursor, &opt)) > 0) {
		if (strcmp(opt.key, "ifname") != 0 || strlen(opt.value) >= IFNAMSIZ)
			return axvm_devclass_fail(
			    ctx->dev, "virtio-net", -AXVM_EINVAL,
			    "tap: unknown or bad option \"%s%s%.40s\" (want "
			    "ifname=NAME of at most %d characters, mac=, mtu=)",
			    opt.key, opt.key[0] ? "=" : "", opt.value, IFNAMSIZ - 1);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", opt.value);
	}
	if (ret < 0)
		return axvm_devclass_fail(ctx->dev, "virtio-net", ret, "an option is too long");
	be = calloc(1, sizeof(*be));
	if (!be)
		return axvm_devclass_fail(ctx->dev, "virtio-net", -AXVM_ENOMEM, "out of memory");
	be->peer = ctx->peer;
	be->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (be->fd < 0) {
		e = errno;
		free(be);
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			return axvm_devclass_fail(ctx->dev, "virtio-net", -AXVM_ENOTSUP,
						  "tap: no /dev/net/tun on this host (%s): the tun "
						  "driver is not loaded or the device is not there "
						  "(a container?); use --net user",
						  strerror(e));
		return axvm_devclass_fail(ctx->dev, "virtio-net",
					  e == EACCES || e == EPERM ? -AXVM_EPERM : -AXVM_EIO,
					  "tap: cannot open /dev/net/tun: %s", strerror(e));
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(be->fd, TUNSETIFF, &ifr) != 0) {
		e = errno;
		close(be->fd);
		free(be);
		if (e == EPERM || e == EACCES)
			return axvm_devclass_fail(
			    ctx->dev, "virtio-net", -AXVM_EPERM,
			    "tap: cannot attach to TAP interface %s: %s: creating one needs "
			    "CAP_NET_ADMIN; an unprivileged user needs a persistent one made for "
			    "it (ip tuntap add %s mode tap user $USER)",
			    ifr.ifr_name[0] ? ifr.ifr_name : "(new)", strerror(e),
			    ifr.ifr_name[0] ? ifr.ifr_name : "tap0");
		return axvm_devclass_fail(ctx->dev, "virtio-net", -AXVM_EIO,
					  "tap: TUNSETIFF %s: %s%s",
					  ifr.ifr_name[0] ? ifr.ifr_name : "(new)", strerror(e),
					  e == EBUSY ? " (in use by another process?)" : "");
	}
	snprintf(be->ifname, sizeof(be->ifname), "%s", ifr.ifr_name);
	ret = axvm_event_add_fd(ctx->dev->events, be->fd, AXVM_EVENT_IN, tap_readable, be, &be->ev);
	if (ret) {
		close(be->fd);
		free(be);
		return axvm_devclass_fail(ctx->dev, "virtio-net", ret, "tap: cannot watch it: %s",
					  axvm_strerror(ret));
	}
	axvm_info("virtio-net: TAP interface %s", be->ifname);
	*out = be;
	return 0;
}

const struct net_backend_ops net_backend_tap = {
    .name = "tap",
    .create = tap_create,
    .send = tap_send,
    .resume = tap_resume,
    .destroy = tap_destroy,
};
