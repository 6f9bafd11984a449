/* SPDX-License-Identifier: MIT */
/*
 * virtio-9p, a host directory shared with the guest: device ID 9 ("9P
 * transport" in virtio 1.2's table of device types, section 5; the device
 * itself is specified by its implementations, QEMU's virtio-9p-device and
 * Linux's net/9p/trans_virtio.c), one queue (0: requests), feature
 * VIRTIO_9P_MOUNT_TAG (0).
 *
 * Config space: le16 tag_len, then tag_len bytes of the mount tag (no
 * NUL): the name the guest mounts, `mount -t 9p -o trans=virtio TAG DIR`.
 *
 * A request is one chain: the T-message in the device-readable part, room
 * for the R-message in the writable part. Both parts are streams across
 * their segments (Linux's zero-copy reads and writes put the payload in
 * separate pages after the header). The message is copied out into a
 * buffer of the server's largest msize (a longer one is cut there and
 * answered with Rlerror EINVAL: its size field lies), served by
 * p9_server.c (the protocol, on the event thread, synchronously), and the
 * reply copied into the writable part; the used length is the reply's.
 * A chain with no room for even an Rlerror gets a used length of 0.
 *
 * Options: "path=DIR" or a bare DIR, "tag=NAME" (required: 1..64
 * printable bytes, no spaces), "ro".
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/log.h"
#include "core/error.h"
#include "devclass.h"
#include "p9_server.h"
#include "p9_wire.h"
#include "virtio_mmio.h"

#define VIRTIO_ID_9P 9
#define VIRTIO_9P_MOUNT_TAG 0
#define P9_QUEUE_SIZE 128
#define P9_TAG_MAX 64
#define P9_CONFIG_SIZE (2 + P9_TAG_MAX)

struct virtio_9p {
	struct axvm_virtio_mmio *t;
	struct p9_server *server;
	uint8_t *req, *resp; /* P9_MSIZE_MAX each */
	char tag[P9_TAG_MAX + 1];
	struct axvm_ratelimit limit;
};

static void v9p_handle(struct virtio_9p *v, struct virtio_req *req)
{
	size_t len, cap, reply;

	len = virtq_iov_to_buf(req->iov, req->out_num, 0, v->req, P9_MSIZE_MAX);
	cap = req->in_len < P9_MSIZE_MAX ? (size_t)req->in_len : P9_MSIZE_MAX;
	reply = p9_server_handle(v->server, v->req, len, v->resp, cap);
	/* Errors are routine (ENOENT on lookups): debug level, for `-vv` when a share misbehaves.
	 */
	if (reply >= 11 && v->resp[4] == P9_RLERROR)
		axvm_log_ratelimited(&v->limit, AXVM_LOG_DEBUG,
				     "virtio-9p %s: request type %u tag %u: Rlerror %u (%s)",
				     v->tag, v->req[4], v->resp[5] | v->resp[6] << 8,
				     v->resp[7] | v->resp[8] << 8,
				     strerror(v->resp[7] | v->resp[8] << 8));
	if (reply)
		reply = virtq_iov_from_buf(virtio_req_in(req), req->in_num, 0, v->resp, reply);
	virtio_mmio_complete(v->t, req, (uint32_t)reply);
}

static void v9p_queue_notify(void *dev, unsigned q)
{
	struct virtio_9p *v = dev;
	unsigned n;

	/* At most a queue's worth per wake-up, so other devices get their turn. */
	for (n = 0; n < P9_QUEUE_SIZE; n++) {
		struct virtio_req *req;
		int ret = virtio_mmio_pop(v->t, 0, 0, &req);

		if (ret <= 0)
			break;
		v9p_handle(v, req);
	}
	if (n == P9_QUEUE_SIZE)
		virtio_mmio_kick(v->t, 0);
	virtio_mmio_flush(v->t);
}

static void v9p_destroy(void *dev)
{
	struct virtio_9p *v = dev;

	p9_server_destroy(v->server);
	free(v->req);
	free(v->resp);
	free(v);
}

static const struct virtio_mmio_device v9p_device = {
    .name = "virtio-9p",
    .device_id = VIRTIO_ID_9P,
    .num_queues = 1,
    .queue_size_max = P9_QUEUE_SIZE,
    .config_size = P9_CONFIG_SIZE,
    .queue_notify = v9p_queue_notify,
    .destroy = v9p_destroy,
};

struct v9p_options {
	char path[4096];
	char tag[P9_TAG_MAX + 1];
	bool read_only;
};

static bool v9p_tag_ok(const char *tag)
{
	size_t len = strlen(tag);

	if (len == 0 || len > P9_TAG_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (tag[i] <= ' ' || tag[i] > '~')
			return false;
	return true;
}

static int v9p_parse(const struct axvm_devclass_ctx *ctx, struct v9p_options *o)
{
	const char *cursor = ctx->options;
	struct axvm_devopt opt;
	int ret;

	memset(o, 0, sizeof(*o));
	while ((ret = axvm_devopt_next(&cursor, &opt)) > 0) {
		const char *k = opt.key, *v = opt.value;

		if ((!k[0] && !strcmp(v, "ro")) || !strcmp(k, "ro")) {
			o->read_only = true;
		} else if (!k[0] && !strcmp(v, "rw")) {
			o->read_only = false;
		} else if (!strcmp(k, "path") || (!k[0] && !o->path[0])) {
			snprintf(o->path, sizeof(o->path), "%s", v);
		} else if (!strcmp(k, "tag")) {
			if (!v9p_tag_ok(v))
				return axvm_devclass_fail(
				    ctx, "virtio-9p", -AXVM_EINVAL,
				    "%s: tag=%s: want 1..%d printable characters without spaces",
				    o->path, v, P9_TAG_MAX);
			snprintf(o->tag, sizeof(o->tag), "%s", v);
		} else {
			return axvm_devclass_fail(ctx, "virtio-9p", -AXVM_EINVAL,
						  "%s: unknown option \"%s%s%s\"", o->path, k,
						  k[0] ? "=" : "", v);
		}
	}
	if (ret < 0)
		return axvm_devclass_fail(ctx, "virtio-9p", -AXVM_ERANGE, "an option is too long");
	if (!o->path[0])
		return axvm_devclass_fail(ctx, "virtio-9p", -AXVM_EINVAL,
					  "no directory given (DIR,tag=NAME[,ro])");
	if (!o->tag[0])
		return axvm_devclass_fail(ctx, "virtio-9p", -AXVM_EINVAL,
					  "%s: no mount tag given (tag=NAME)", o->path);
	return 0;
}

static int v9p_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	struct p9_server_params sp = {0};
	uint8_t config[P9_CONFIG_SIZE] = {0};
	struct v9p_options *o;
	struct virtio_9p *v;
	uint16_t tag_len;
	int ret;

	*state = NULL;
	if (!ctx->events)
		return axvm_devclass_fail(ctx, "virtio-9p", -AXVM_EINVAL,
					  "needs an event loop (ctx->events) for its queue");
	o = malloc(sizeof(*o));
	v = calloc(1, sizeof(*v));
	if (v) {
		v->req = malloc(P9_MSIZE_MAX);
		v->resp = malloc(P9_MSIZE_MAX);
	}
	if (!o || !v || !v->req || !v->resp) {
		ret = axvm_devclass_fail(ctx, "virtio-9p", -AXVM_ENOMEM, "out of memory");
		goto fail_free;
	}
	ret = v9p_parse(ctx, o);
	if (ret)
		goto fail_free;
	sp.root = o->path;
	sp.read_only = o->read_only;
	ret = p9_server_create(&sp, &v->server);
	if (ret) {
		char msg[AXVM_ERROR_MAX];

		snprintf(msg, sizeof(msg), "%s", axvm_error_message());
		axvm_devclass_fail(ctx, "virtio-9p", ret, "%s", msg);
		goto fail_free;
	}
	memcpy(v->tag, o->tag, sizeof(v->tag));
	tag_len = (uint16_t)strlen(o->tag);
	config[0] = (uint8_t)tag_len;
	config[1] = (uint8_t)(tag_len >> 8);
	memcpy(config + 2, o->tag, tag_len);
	ret =
	    virtio_mmio_create(ctx, &v9p_device, v, VIRTIO_BIT(VIRTIO_9P_MOUNT_TAG), config, &v->t);
	if (ret) {
		p9_server_destroy(v->server);
		goto fail_free;
	}
	axvm_debug("virtio-9p %s: tag %s, %s", o->path, o->tag,
		   o->read_only ? "read-only" : "read-write");
	free(o);
	*state = v->t;
	return 0;

fail_free:
	free(o);
	if (v) {
		free(v->req);
		free(v->resp);
	}
	free(v);
	return ret;
}

const struct axvm_devclass axvm_virtio_9p_class = {
    .name = "virtio-9p",
    .mmio_size = AXVM_VIRTIO_MMIO_SIZE,
    .min_width = 1,
    .max_width = 4,
    .ops = &axvm_virtio_mmio_ops,
    .create = v9p_create,
    .destroy = axvm_virtio_mmio_destroy,
    .fdt_node = axvm_virtio_mmio_fdt_node,
};
