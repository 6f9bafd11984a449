/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport (virtio 1.2, section 4.2, version 2 only) shared
 * by the virtio device models. A model describes itself with a const
 * struct virtio_mmio_device, creates the transport from its devclass
 * context, and from then on only pops chains and completes them; the
 * transport owns the registers, feature negotiation, status, the
 * virtqueues, interrupts and the kick path.
 *
 * The transport object is the device's bus opaque (class ops =
 * axvm_virtio_mmio_ops) and its devclass state: the class's destroy and
 * fdt_node are axvm_virtio_mmio_destroy / axvm_virtio_mmio_fdt_node.
 *
 * Threads:
 *  - the register ops run on vCPU threads, under the transport's mutex; a
 *    QueueNotify write only records the kick and wakes the event loop;
 *  - queue_notify, reset and destroy callbacks of the model run on the
 *    event loop's thread (destroy on the board's), without the mutex;
 *  - virtio_mmio_pop / complete / flush / fail run on the event thread and
 *    take the mutex briefly (never across host I/O: a model does its I/O
 *    between pop and complete);
 *  - virtio_mmio_kick is safe from any thread (and from the console's
 *    listeners).
 *
 * Reset: a Status write of 0 resets the registers and queues at once (the
 * driver may reconfigure right away). Chains popped before it stay with
 * the model until it completes them; their completion is dropped (no used
 * entry, no interrupt). While any such chain is still out, Status reads
 * back the value it had before the reset, so a driver that waits for 0, as
 * the spec asks (2.4.2), does not reuse buffers the host still writes.
 */
#ifndef AXVM_DEVICES_VIRTIO_MMIO_H
#define AXVM_DEVICES_VIRTIO_MMIO_H

#include <sys/uio.h>

#include "devclass.h"
#include "virtio.h"
#include "virtqueue.h"

#define AXVM_VIRTIO_MMIO_SIZE 0x1000 /* registers 0x000-0x0ff, config from 0x100 (QEMU's slot) */
#define AXVM_VIRTIO_MMIO_CONFIG 0x100
#define AXVM_VIRTIO_MMIO_MAX_QUEUES 63

struct axvm_virtio_mmio;

/* What a device model tells the transport about itself. */
struct virtio_mmio_device {
	const char *name; /* "virtio-blk", for messages */
	uint32_t device_id;
	unsigned num_queues;	 /* 1..AXVM_VIRTIO_MMIO_MAX_QUEUES */
	uint16_t queue_size_max; /* QueueNumMax, a power of two */
	uint32_t config_size;	 /* bytes of device config space (<= 0x100) */
	/*
	 * Driver accepted `features` (a subset of those offered) at
	 * FEATURES_OK: 0 to agree, negative to refuse. vCPU thread, under
	 * the transport's mutex. Optional.
	 */
	int (*features_ok)(void *dev, uint64_t features);
	/*
	 * Queue q may have work: the driver kicked it, DRIVER_OK was set, or
	 * the model asked with virtio_mmio_kick. Event thread. Required.
	 */
	void (*queue_notify)(void *dev, unsigned q);
	/* The driver reset the device (after the fact). Event thread. Optional. */
	void (*reset)(void *dev);
	/*
	 * A driver write to device config space at `offset`, `width` bytes.
	 * `config` is the config space (the model may change it in place).
	 * vCPU thread, under the mutex: no I/O. Optional (writes dropped).
	 */
	void (*config_write)(void *dev, uint8_t *config, uint32_t offset, unsigned width,
			     uint32_t value);
	/* Free the model (destroy time: no vCPU, no loop running). Required. */
	void (*destroy)(void *dev);
};

/* One popped chain, owned by the model until virtio_mmio_complete. */
struct virtio_req {
	unsigned queue;
	uint16_t head;
	uint64_t epoch; /* of its queue when popped: a later reset makes it stale */
	unsigned out_num, in_num;
	uint64_t out_len, in_len;
	struct iovec *iov; /* out_num readable segments, then in_num writable */
	void *priv;	   /* priv_size bytes for the model, zeroed, max-aligned */
};

/*
 * Build the transport for `dev` (described by `desc`, features offered
 * `features`: device bits; the transport adds VERSION_1, INDIRECT_DESC and
 * EVENT_IDX) with `config` as the initial config space (copied). Messages
 * are recorded (axvm_error_message()). The kick notifier is registered with ctx->events.
 */
int virtio_mmio_create(const struct axvm_devclass_ctx *ctx, const struct virtio_mmio_device *desc,
		       void *dev, uint64_t features, const void *config,
		       struct axvm_virtio_mmio **out);
/* Destroys the model (desc->destroy) first, then the transport. */
void axvm_virtio_mmio_destroy(void *transport);
int axvm_virtio_mmio_fdt_node(void *transport, void *fdt, int parent,
			      const struct axvm_devclass_fdt_ctx *f);
extern const struct axvm_device_ops axvm_virtio_mmio_ops;

/* The features the driver accepted (valid from FEATURES_OK on). */
uint64_t virtio_mmio_features(struct axvm_virtio_mmio *t);
/* "virtio-blk@0x10001000", for a model's messages. */
const char *virtio_mmio_name(const struct axvm_virtio_mmio *t);

/*
 * Pop the next chain of queue q. 1: *req is the chain (owned by the
 * caller); 0: nothing to do (queue empty or not ready, device not
 * DRIVER_OK, or it needs a reset: a malformed ring or chain puts it there,
 * logs why and raises a config-change interrupt); -AXVM_ENOMEM: no host
 * memory now (the chain stays in the ring). Event thread.
 */
int virtio_mmio_pop(struct axvm_virtio_mmio *t, unsigned q, size_t priv_size,
		    struct virtio_req **req);
/*
 * Give the chain back with `written` bytes written into its writable part,
 * and free req. A stale request (the queue or device was reset since the
 * pop) is only freed. The interrupt waits for virtio_mmio_flush.
 */
void virtio_mmio_complete(struct axvm_virtio_mmio *t, struct virtio_req *req, uint32_t written);
/* Raise the used-buffer interrupt for the queues that need one now. */
void virtio_mmio_flush(struct axvm_virtio_mmio *t);
/* The chain was popped before a reset of its queue or the device. */
bool virtio_mmio_req_is_stale(struct axvm_virtio_mmio *t, const struct virtio_req *req);
/*
 * A request the model cannot serve in a way the spec allows (a virtio-blk
 * request without a status byte): DEVICE_NEEDS_RESET, as for a bad chain.
 */
void virtio_mmio_fail(struct axvm_virtio_mmio *t, unsigned q, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * The model changed its config space: copy `len` bytes at `offset`, bump
 * ConfigGeneration and, once DRIVER_OK, raise the config-change interrupt.
 * Any thread.
 */
void virtio_mmio_config_set(struct axvm_virtio_mmio *t, uint32_t offset, const void *buf,
			    uint32_t len);
/* Schedule queue_notify(q) on the event thread. Any thread. */
void virtio_mmio_kick(struct axvm_virtio_mmio *t, unsigned q);

/* Writable / readable part of a request as (iov, n). */
static inline struct iovec *virtio_req_in(const struct virtio_req *r)
{
	return r->iov + r->out_num;
}

#endif
