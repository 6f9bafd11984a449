/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng, the entropy device (virtio 1.2, section 5.4): device ID 4, one
 * queue (0: requestq), no feature bits, no config space.
 *
 * Each chain's writable part is filled from the host's getrandom(2) with
 * GRND_NONBLOCK, at most RNG_MAX_PER_REQUEST bytes per chain (5.4.6.1: the
 * device "MAY use less than the entire buffer length"), so a guest's huge
 * buffer costs the event thread a bounded amount of work. The used length
 * is the number of bytes written. If the host pool is not initialised yet
 * (EAGAIN: early boot of the host), the chain waits and a timer looks again
 * later: the event thread never blocks on entropy.
 *
 * Options: none.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "axvm/log.h"
#include "devclass.h"
#include "virtio_mmio.h"

#define RNG_QUEUE_SIZE 64
#define RNG_MAX_PER_REQUEST 65536
#define RNG_RETRY_NS 10000000ull /* 10 ms */

struct virtio_rng {
	struct axvm_virtio_mmio *t;
	struct axvm_event *retry;
	struct virtio_req *waiting; /* a chain held while the host has no entropy */
};

/* Fill up to `want` bytes; returns the bytes written, or -1 on EAGAIN with nothing. */
static long rng_fill(struct virtio_req *req, size_t want)
{
	struct iovec *in = virtio_req_in(req);
	size_t got = 0;

	for (unsigned i = 0; i < req->in_num && got < want; i++) {
		size_t seg = in[i].iov_len < want - got ? in[i].iov_len : want - got;
		size_t done = 0;

		while (done < seg) {
			ssize_t n =
			    getrandom((uint8_t *)in[i].iov_base + done, seg - done, GRND_NONBLOCK);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return got + done ? (long)(got + done) : -1;
			done += (size_t)n;
		}
		got += done;
	}
	return (long)got;
}

static void rng_process(struct virtio_rng *r)
{
	unsigned n;

	/* At most a queue's worth per wake-up, so other devices get their turn. */
	for (n = 0; n < RNG_QUEUE_SIZE; n++) {
		struct virtio_req *req = r->waiting;
		size_t want;
		long got;
		int ret;

		r->waiting = NULL;
		if (!req) {
			ret = virtio_mmio_pop(r->t, 0, 0, &req);
			if (ret < 0)
				axvm_event_timer_arm(r->retry, RNG_RETRY_NS); /* no memory now */
			if (ret <= 0)
				break;
		}
		want =
		    req->in_len < RNG_MAX_PER_REQUEST ? (size_t)req->in_len : RNG_MAX_PER_REQUEST;
		got = rng_fill(req, want);
		if (got < 0 && !virtio_mmio_req_is_stale(r->t, req)) {
			r->waiting = req;
			axvm_event_timer_arm(r->retry, RNG_RETRY_NS);
			break;
		}
		virtio_mmio_complete(r->t, req, got < 0 ? 0 : (uint32_t)got);
	}
	if (n == RNG_QUEUE_SIZE)
		virtio_mmio_kick(r->t, 0);
	virtio_mmio_flush(r->t);
}

static void rng_queue_notify(void *dev, unsigned q)
{
	rng_process(dev);
}

static void rng_retry(void *opaque, uint32_t events)
{
	rng_process(opaque);
}

static void rng_drop_waiting(struct virtio_rng *r)
{
	if (r->waiting) {
		virtio_mmio_complete(r->t, r->waiting, 0); /* stale after a reset: only freed */
		r->waiting = NULL;
	}
}

static void rng_reset(void *dev)
{
	struct virtio_rng *r = dev;

	axvm_event_timer_disarm(r->retry);
	rng_drop_waiting(r);
}

static void rng_destroy(void *dev)
{
	struct virtio_rng *r = dev;

	rng_drop_waiting(r);
	axvm_event_remove(r->retry);
	free(r);
}

static const struct virtio_mmio_device rng_device = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .queue_size_max = RNG_QUEUE_SIZE,
    .config_size = 0,
    .queue_notify = rng_queue_notify,
    .reset = rng_reset,
    .destroy = rng_destroy,
};

static int rng_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	const char *cursor = ctx->options;
	struct axvm_devopt opt;
	struct virtio_rng *r;
	int ret;

	*state = NULL;
	if (axvm_devopt_next(&cursor, &opt) != 0)
		return axvm_devclass_fail(ctx, rng_device.name, -AXVM_EINVAL,
					  "virtio-rng takes no options (got \"%s\")", ctx->options);
	if (!ctx->events)
		return axvm_devclass_fail(ctx, rng_device.name, -AXVM_EINVAL,
					  "needs an event loop (ctx->events) for its queues");
	r = calloc(1, sizeof(*r));
	if (!r)
		return axvm_devclass_fail(ctx, rng_device.name, -AXVM_ENOMEM, "out of memory");
	ret = axvm_event_add_timer(ctx->events, rng_retry, r, &r->retry);
	if (ret) {
		free(r);
		return axvm_devclass_fail(ctx, rng_device.name, ret, "cannot add its timer: %s",
					  axvm_strerror(ret));
	}
	ret = virtio_mmio_create(ctx, &rng_device, r, 0, NULL, &r->t);
	if (ret) {
		axvm_event_remove(r->retry);
		free(r);
		return ret;
	}
	*state = r->t;
	return 0;
}

const struct axvm_devclass axvm_virtio_rng_class = {
    .name = "virtio-rng",
    .mmio_size = AXVM_VIRTIO_MMIO_SIZE,
    .min_width = 1,
    .max_width = 4,
    .ops = &axvm_virtio_mmio_ops,
    .create = rng_create,
    .destroy = axvm_virtio_mmio_destroy,
    .fdt_node = axvm_virtio_mmio_fdt_node,
};
