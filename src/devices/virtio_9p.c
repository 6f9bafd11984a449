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
 * p9_server.c (the protocol), and the reply copied into the writable part;
 * the used length is the reply's. A chain with no room for even an
 * Rlerror gets a used length of 0.
 *
 * Threads: host file system calls can take long (a slow or network file
 * system, a large write), and the event thread serves every device, so
 * the requests are served on the device's own worker thread, one at a
 * time in ring order (the server's state, its fids, is the worker's
 * alone). The event thread pops chains (the transport's pop, complete and
 * flush stay there) and hands them over in `pending`; the worker copies
 * the message out of guest memory, serves it, writes the reply into guest
 * memory and puts the chain on `done` with a notifier; the event thread
 * completes the done chains and flushes (the interrupt). At most a
 * queue's worth of chains is out at once (the ring bounds them).
 *
 * Options: "path=DIR" or a bare DIR, "tag=NAME" (required: 1..64
 * printable bytes, no spaces), "ro".
 */
#include <endian.h>
#include <pthread.h>
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

/* A chain between the threads (virtio_req.priv). */
struct v9p_item {
	struct virtio_req *req;
	struct v9p_item *next;
	uint32_t reply; /* the used length, set by the worker */
};

struct virtio_9p {
	struct axvm_virtio_mmio *t;
	struct p9_server *server; /* the worker's */
	uint8_t *req, *resp;	  /* P9_MSIZE_MAX each; the worker's */
	char tag[P9_TAG_MAX + 1];
	struct axvm_ratelimit limit;

	pthread_t worker;
	bool worker_started;
	pthread_mutex_t lock;			  /* guards the lists and stop */
	pthread_cond_t wake;			  /* pending has work, or stop */
	struct v9p_item *pending, **pending_tail; /* popped, for the worker */
	struct v9p_item *done, **done_tail;	  /* served, to complete */
	bool stop;
	struct axvm_event *done_ev; /* the worker finished chains: complete them */
};

/* Worker thread: one request, the reply in guest memory; returns the used length. */
static uint32_t v9p_handle(struct virtio_9p *v, struct virtio_req *req)
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
	return (uint32_t)reply;
}

static void *v9p_worker(void *opaque)
{
	struct virtio_9p *v = opaque;

	pthread_mutex_lock(&v->lock);
	for (;;) {
		struct v9p_item *it;

		while (!v->pending && !v->stop)
			pthread_cond_wait(&v->wake, &v->lock);
		if (v->stop)
			break;
		it = v->pending;
		v->pending = it->next;
		if (!v->pending)
			v->pending_tail = &v->pending;
		pthread_mutex_unlock(&v->lock);

		/* A chain made stale by a reset is not served: its completion is dropped. */
		it->reply = virtio_mmio_req_is_stale(v->t, it->req) ? 0 : v9p_handle(v, it->req);

		pthread_mutex_lock(&v->lock);
		it->next = NULL;
		*v->done_tail = it;
		v->done_tail = &it->next;
		pthread_mutex_unlock(&v->lock);
		axvm_event_notify(v->done_ev);
		pthread_mutex_lock(&v->lock);
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

/* Event thread: the worker served these. */
static void v9p_done(void *opaque, uint32_t events)
{
	struct virtio_9p *v = opaque;
	struct v9p_item *it;

	pthread_mutex_lock(&v->lock);
	it = v->done;
	v->done = NULL;
	v->done_tail = &v->done;
	pthread_mutex_unlock(&v->lock);
	while (it) {
		struct v9p_item *next = it->next;

		virtio_mmio_complete(v->t, it->req, it->reply);
		it = next;
	}
	virtio_mmio_flush(v->t);
}

/* Event thread: hand the new chains to the worker. */
static void v9p_queue_notify(void *dev, unsigned q)
{
	struct virtio_9p *v = dev;
	struct v9p_item *head = NULL, **tail = &head;
	struct virtio_req *req;

	/* The ring bounds how many chains can be out (popped) at once. */
	while (virtio_mmio_pop(v->t, 0, sizeof(struct v9p_item), &req) > 0) {
		struct v9p_item *it = req->priv;

		it->req = req;
		*tail = it;
		tail = &it->next;
	}
	if (!head)
		return;
	pthread_mutex_lock(&v->lock);
	*v->pending_tail = head;
	v->pending_tail = tail;
	pthread_cond_signal(&v->wake);
	pthread_mutex_unlock(&v->lock);
}

static void v9p_destroy(void *dev)
{
	struct virtio_9p *v = dev;

	if (v->worker_started) {
		pthread_mutex_lock(&v->lock);
		v->stop = true;
		pthread_cond_signal(&v->wake);
		pthread_mutex_unlock(&v->lock);
		pthread_join(v->worker, NULL);
	}
	/* Chains still out are given back (no loop runs: nothing reaches the guest now). */
	for (struct v9p_item *l = v->pending; l;) {
		struct v9p_item *next = l->next;

		virtio_mmio_complete(v->t, l->req, 0);
		l = next;
	}
	for (struct v9p_item *l = v->done; l;) {
		struct v9p_item *next = l->next;

		virtio_mmio_complete(v->t, l->req, l->reply);
		l = next;
	}
	if (v->done_ev)
		axvm_event_remove(v->done_ev);
	pthread_cond_destroy(&v->wake);
	pthread_mutex_destroy(&v->lock);
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
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->wake, NULL);
	v->pending_tail = &v->pending;
	v->done_tail = &v->done;
	ret = axvm_event_add_notifier(ctx->events, v9p_done, v, &v->done_ev);
	if (ret) {
		axvm_devclass_fail(ctx, "virtio-9p", ret, "cannot add a notifier: %s",
				   axvm_strerror(ret));
		goto fail_server;
	}
	ret =
	    virtio_mmio_create(ctx, &v9p_device, v, VIRTIO_BIT(VIRTIO_9P_MOUNT_TAG), config, &v->t);
	if (ret) {
		axvm_event_remove(v->done_ev);
		goto fail_server;
	}
	ret = pthread_create(&v->worker, NULL, v9p_worker, v);
	if (ret) {
		axvm_devclass_fail(ctx, "virtio-9p", -AXVM_ENOMEM, "cannot start its worker: %s",
				   strerror(ret));
		free(o);
		axvm_virtio_mmio_destroy(v->t); /* frees v (v9p_destroy) */
		return -AXVM_ENOMEM;
	}
	v->worker_started = true;
	axvm_debug("virtio-9p %s: tag %s, %s", o->path, o->tag,
		   o->read_only ? "read-only" : "read-write");
	free(o);
	*state = v->t;
	return 0;

fail_server:
	pthread_cond_destroy(&v->wake);
	pthread_mutex_destroy(&v->lock);
	p9_server_destroy(v->server);
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
