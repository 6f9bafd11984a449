/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio transport, version 2 (virtio 1.2, section 4.2.2 "MMIO Device
 * Register Layout"). Control registers are 32 bits wide and 32-bit aligned
 * (other accesses to them read 0 and are ignored); the device config space
 * from 0x100 takes 8-, 16- and 32-bit accesses (4.2.2.2).
 *
 *   0x000 R  MagicValue 0x74726976      0x050 W  QueueNotify
 *   0x004 R  Version 2                  0x060 R  InterruptStatus
 *   0x008 R  DeviceID                   0x064 W  InterruptACK
 *   0x00c R  VendorID                   0x070 RW Status
 *   0x010 R  DeviceFeatures             0x080 W  QueueDescLow   0x084 High
 *   0x014 W  DeviceFeaturesSel          0x090 W  QueueDriverLow 0x094 High
 *   0x020 W  DriverFeatures             0x0a0 W  QueueDeviceLow 0x0a4 High
 *   0x024 W  DriverFeaturesSel          0x0ac W  SHMSel
 *   0x030 W  QueueSel                   0x0b0 R  SHMLenLow/High (-1: none)
 *   0x034 R  QueueNumMax                0x0b8 R  SHMBaseLow/High (-1)
 *   0x038 W  QueueNum                   0x0c0 RW QueueReset (not offered: 0)
 *   0x044 RW QueueReady                 0x0fc R  ConfigGeneration
 *                                       0x100+   device config space
 *
 * Transport features offered: VIRTIO_F_VERSION_1 (required from the driver:
 * FEATURES_OK is refused without it, 6.1), VIRTIO_F_INDIRECT_DESC and
 * VIRTIO_F_EVENT_IDX. Legacy (version 1) is not implemented: Linux and
 * every current driver use version 2.
 *
 * Device status (2.1): DEVICE_NEEDS_RESET is the device's own bit, kept
 * whatever the driver writes, until a reset. A guest error (bad ring or
 * chain, too many chains in flight) sets it, stops all queue processing
 * and, after DRIVER_OK, raises a config-change interrupt (2.1.2).
 * Notifications before DRIVER_OK are ignored; setting DRIVER_OK looks at
 * every ready queue once, for buffers the driver added before it.
 * Queue registers are read back as written; writes to them while the
 * queue is ready are ignored (4.2.2.1: "MUST NOT write ... when ready").
 */
#include "virtio_mmio.h"

#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/log.h"
#include "devices/virtio_mmio_slot.h"

enum {
	VIRTIO_MMIO_MAGIC_VALUE = 0x000,
	VIRTIO_MMIO_VERSION = 0x004,
	VIRTIO_MMIO_DEVICE_ID = 0x008,
	VIRTIO_MMIO_VENDOR_ID = 0x00c,
	VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
	VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_QUEUE_SEL = 0x030,
	VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
	VIRTIO_MMIO_QUEUE_NUM = 0x038,
	VIRTIO_MMIO_QUEUE_READY = 0x044,
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
	VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
	VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
	VIRTIO_MMIO_STATUS = 0x070,
	VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
	VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
	VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
	VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	VIRTIO_MMIO_SHM_SEL = 0x0ac,
	VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0,
	VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4,
	VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8,
	VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc,
	VIRTIO_MMIO_QUEUE_RESET = 0x0c0,
	VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
};

#define VM_KICK_RESET (1ull << 63) /* in kicks: run the model's reset callback */
#define VM_TRANSPORT_FEATURES                                                                      \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |                     \
	 VIRTIO_BIT(VIRTIO_F_EVENT_IDX))

struct vm_queue {
	struct virtq vq;
	uint64_t epoch;	   /* bumped by a queue or device reset */
	unsigned inflight; /* popped in this epoch, not completed */
};

struct axvm_virtio_mmio {
	pthread_mutex_t lock;
	const struct virtio_mmio_device *desc;
	void *dev;
	char name[64];
	struct axvm_addrspace *as;
	struct axvm_irq_line irq;
	struct axvm_event *kick_ev;
	uint64_t kicks; /* __atomic: bit q = queue q; VM_KICK_RESET */

	uint64_t host_features, guest_features;
	uint32_t host_features_sel, guest_features_sel, queue_sel;
	uint32_t status, isr, generation;
	uint32_t status_before_reset; /* read back while old chains drain */
	uint64_t dev_epoch;	      /* bumped by a device reset */
	unsigned out_cur, out_old;    /* chains out from this / earlier device epochs */
	bool irq_level;
	bool broken; /* DEVICE_NEEDS_RESET: no queue work until a reset */
	uint8_t config[AXVM_VIRTIO_MMIO_CONFIG];
	struct axvm_ratelimit limit;
	char why[256];
	struct iovec iov[VIRTQ_MAX_IOV]; /* pop's scratch (event thread, under lock) */
	struct vm_queue q[];
};

/* Private to this file: the request as allocated, with its bookkeeping. */
struct vm_req {
	struct virtio_req pub;
	uint64_t dev_epoch;
	max_align_t tail[]; /* iov[], then the model's priv */
};

static void vm_update_irq(struct axvm_virtio_mmio *t)
{
	bool level = t->isr != 0;

	if (level != t->irq_level) {
		t->irq_level = level;
		axvm_irq_line_set(&t->irq, level);
	}
}

static void vm_fail_locked(struct axvm_virtio_mmio *t, unsigned q, const char *why)
{
	if (t->broken)
		return;
	t->broken = true;
	t->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK) {
		t->isr |= VIRTIO_MMIO_INT_CONFIG;
		vm_update_irq(t);
	}
	axvm_log_ratelimited(&t->limit, AXVM_LOG_WARN, "%s: queue %u: %s: device needs reset",
			     t->name, q, why);
}

void virtio_mmio_fail(struct axvm_virtio_mmio *t, unsigned q, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&t->lock);
	vm_fail_locked(t, q, why);
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_kick(struct axvm_virtio_mmio *t, unsigned q)
{
	__atomic_fetch_or(&t->kicks, 1ull << q, __ATOMIC_RELEASE);
	axvm_event_notify(t->kick_ev);
}

static void vm_kick_ready_queues(struct axvm_virtio_mmio *t)
{
	uint64_t bits = 0;

	for (unsigned i = 0; i < t->desc->num_queues; i++)
		if (t->q[i].vq.ready)
			bits |= 1ull << i;
	if (bits) {
		__atomic_fetch_or(&t->kicks, bits, __ATOMIC_RELEASE);
		axvm_event_notify(t->kick_ev);
	}
}

/* Drop a queue's rings; chains popped from it become stale. */
static void vm_queue_reset(struct axvm_virtio_mmio *t, struct vm_queue *q)
{
	q->epoch++;
	q->inflight = 0;
	virtq_disable(&q->vq);
}

static void vm_device_reset(struct axvm_virtio_mmio *t)
{
	if (t->out_cur && !t->out_old)
		t->status_before_reset = t->status;
	t->out_old += t->out_cur;
	t->out_cur = 0;
	t->dev_epoch++;
	for (unsigned i = 0; i < t->desc->num_queues; i++) {
		vm_queue_reset(t, &t->q[i]);
		t->q[i].vq.event_idx = t->q[i].vq.indirect = false;
	}
	t->guest_features = 0;
	t->host_features_sel = t->guest_features_sel = t->queue_sel = 0;
	t->status = 0;
	t->broken = false;
	t->isr = 0;
	vm_update_irq(t);
	__atomic_fetch_or(&t->kicks, VM_KICK_RESET, __ATOMIC_RELEASE);
	axvm_event_notify(t->kick_ev);
}

static bool vm_features_acceptable(struct axvm_virtio_mmio *t)
{
	uint64_t f = t->guest_features;

	if (f & ~t->host_features) {
		axvm_log_ratelimited(&t->limit, AXVM_LOG_DEBUG,
				     "%s: driver accepted features 0x%" PRIx64 " not offered",
				     t->name, f & ~t->host_features);
		return false;
	}
	if (!(f & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		axvm_log_ratelimited(&t->limit, AXVM_LOG_DEBUG,
				     "%s: driver did not accept VIRTIO_F_VERSION_1 (a legacy "
				     "driver): FEATURES_OK refused",
				     t->name);
		return false;
	}
	return !t->desc->features_ok || t->desc->features_ok(t->dev, f) == 0;
}

static void vm_write_status(struct axvm_virtio_mmio *t, uint32_t value)
{
	uint32_t old = t->status, now;

	if (value == 0) {
		vm_device_reset(t);
		return;
	}
	if (t->out_old) {
		axvm_log_ratelimited(&t->limit, AXVM_LOG_DEBUG,
				     "%s: Status 0x%x written while the reset is still "
				     "completing: ignored",
				     t->name, value);
		return;
	}
	now = (value & 0xffu & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) |
	      (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	if ((now & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		if (vm_features_acceptable(t)) {
			for (unsigned i = 0; i < t->desc->num_queues; i++) {
				t->q[i].vq.event_idx =
				    t->guest_features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
				t->q[i].vq.indirect =
				    t->guest_features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
			}
		} else {
			now &= ~VIRTIO_STATUS_FEATURES_OK;
		}
	}
	t->status = now;
	if ((now & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		if (t->broken) {
			t->isr |= VIRTIO_MMIO_INT_CONFIG;
			vm_update_irq(t);
		} else {
			vm_kick_ready_queues(t);
		}
	}
}

static struct vm_queue *vm_sel_queue(struct axvm_virtio_mmio *t)
{
	return t->queue_sel < t->desc->num_queues ? &t->q[t->queue_sel] : NULL;
}

static void vm_write_queue_ready(struct axvm_virtio_mmio *t, uint32_t value)
{
	struct vm_queue *q = vm_sel_queue(t);
	int ret;

	if (!q)
		return;
	if (!(value & 1)) {
		if (q->vq.ready)
			vm_queue_reset(t, q);
		return;
	}
	if (q->vq.ready)
		return;
	ret = virtq_enable(&q->vq, t->as, t->desc->queue_size_max, t->why, sizeof(t->why));
	if (ret)
		vm_fail_locked(t, t->queue_sel, t->why);
}

static void vm_write_queue_notify(struct axvm_virtio_mmio *t, uint32_t value)
{
	unsigned q = value & 0xffff;

	if (q >= t->desc->num_queues || !(t->status & VIRTIO_STATUS_DRIVER_OK) || t->broken) {
		axvm_log_ratelimited(&t->limit, AXVM_LOG_DEBUG,
				     "%s: QueueNotify %u ignored (status 0x%x%s)", t->name, q,
				     t->status, t->broken ? ", needs reset" : "");
		return;
	}
	/* Only record it: the event thread does the work. */
	virtio_mmio_kick(t, q);
}

/* Set the low or high half of a 64-bit queue address. */
static void vm_set_addr(uint64_t *addr, uint32_t value, bool high)
{
	if (high)
		*addr = (*addr & 0xffffffffull) | ((uint64_t)value << 32);
	else
		*addr = (*addr & ~0xffffffffull) | value;
}

static uint32_t vm_read_reg(struct axvm_virtio_mmio *t, uint64_t offset)
{
	struct vm_queue *q = vm_sel_queue(t);

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return AXVM_VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->desc->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return AXVM_VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->host_features_sel < 2
			   ? (uint32_t)(t->host_features >> (32 * t->host_features_sel))
			   : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? t->desc->queue_size_max : 0;
	case VIRTIO_MMIO_QUEUE_NUM:
		return q ? q->vq.num : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q && q->vq.ready;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return q ? (uint32_t)q->vq.desc_gpa : 0;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return q ? (uint32_t)(q->vq.desc_gpa >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return q ? (uint32_t)q->vq.avail_gpa : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return q ? (uint32_t)(q->vq.avail_gpa >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return q ? (uint32_t)q->vq.used_gpa : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return q ? (uint32_t)(q->vq.used_gpa >> 32) : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->isr;
	case VIRTIO_MMIO_STATUS:
		/* Not 0 until chains from before the reset are back (2.4.2). */
		return t->out_old ? t->status_before_reset : t->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffffu; /* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->generation;
	default:
		return 0;
	}
}

static void vm_write_reg(struct axvm_virtio_mmio *t, uint64_t offset, uint32_t value)
{
	struct vm_queue *q = vm_sel_queue(t);
	bool q_writable = q && !q->vq.ready;

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->host_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->status & VIRTIO_STATUS_FEATURES_OK)
			break; /* negotiation is over */
		if (t->guest_features_sel < 2) {
			unsigned shift = 32 * t->guest_features_sel;

			t->guest_features = (t->guest_features & ~(0xffffffffull << shift)) |
					    ((uint64_t)value << shift);
		}
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->guest_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (q_writable)
			q->vq.num = value;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		vm_write_queue_ready(t, value);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		vm_write_queue_notify(t, value);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->isr &= ~value;
		vm_update_irq(t);
		break;
	case VIRTIO_MMIO_STATUS:
		vm_write_status(t, value);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (q_writable)
			vm_set_addr(&q->vq.desc_gpa, value, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (q_writable)
			vm_set_addr(&q->vq.avail_gpa, value,
				    offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (q_writable)
			vm_set_addr(&q->vq.used_gpa, value,
				    offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH);
		break;
	default:
		break; /* read-only or unknown: ignored */
	}
}

static int vm_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	struct axvm_virtio_mmio *t = opaque;

	*value = 0;
	pthread_mutex_lock(&t->lock);
	if (offset >= AXVM_VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - AXVM_VIRTIO_MMIO_CONFIG;

		for (unsigned i = 0; i < width; i++)
			if (off + i < t->desc->config_size)
				*value |= (uint64_t)t->config[off + i] << (8 * i);
	} else if (width == 4) {
		*value = vm_read_reg(t, offset);
	} else {
		axvm_log_ratelimited(&t->limit, AXVM_LOG_DEBUG,
				     "%s: %u-byte read of register 0x%03" PRIx64
				     " (32-bit only): reads 0",
				     t->name, width, offset);
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static int vm_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	struct axvm_virtio_mmio *t = opaque;

	pthread_mutex_lock(&t->lock);
	if (offset >= AXVM_VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - AXVM_VIRTIO_MMIO_CONFIG;

		if (t->desc->config_write && off + width <= t->desc->config_size)
			t->desc->config_write(t->dev, t->config, (uint32_t)off, width,
					      (uint32_t)value);
	} else if (width == 4) {
		vm_write_reg(t, offset, (uint32_t)value);
	} else {
		axvm_log_ratelimited(&t->limit, AXVM_LOG_DEBUG,
				     "%s: %u-byte write of register 0x%03" PRIx64
				     " (32-bit only): ignored",
				     t->name, width, offset);
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

const struct axvm_device_ops axvm_virtio_mmio_ops = {
    .read = vm_read,
    .write = vm_write,
};

/* The kick notifier: queue work on the event thread. */
static void vm_kicked(void *opaque, uint32_t events)
{
	struct axvm_virtio_mmio *t = opaque;
	uint64_t bits = __atomic_exchange_n(&t->kicks, 0, __ATOMIC_ACQUIRE);

	if ((bits & VM_KICK_RESET) && t->desc->reset)
		t->desc->reset(t->dev);
	for (unsigned i = 0; i < t->desc->num_queues; i++)
		if (bits & (1ull << i))
			t->desc->queue_notify(t->dev, i);
}

int virtio_mmio_pop(struct axvm_virtio_mmio *t, unsigned qi, size_t priv_size,
		    struct virtio_req **out)
{
	struct virtq_chain chain;
	struct vm_queue *q;
	struct vm_req *r;
	size_t iov_bytes, priv_off;
	unsigned n;
	int ret;

	*out = NULL;
	if (qi >= t->desc->num_queues)
		return 0;
	q = &t->q[qi];
	pthread_mutex_lock(&t->lock);
	if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || t->broken || !q->vq.ready) {
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	ret = virtq_pop(&q->vq, t->as, &chain, t->iov, VIRTQ_MAX_IOV, t->why, sizeof(t->why));
	if (ret < 0)
		vm_fail_locked(t, qi, t->why);
	if (ret <= 0) {
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	if (q->inflight >= q->vq.num) {
		snprintf(t->why, sizeof(t->why),
			 "more than %u chains in flight (head %u made available again before it "
			 "was used)",
			 q->vq.num, chain.head);
		vm_fail_locked(t, qi, t->why);
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	n = chain.out_num + chain.in_num;
	iov_bytes = n * sizeof(struct iovec);
	priv_off =
	    (iov_bytes + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	r = calloc(1, sizeof(*r) + priv_off + priv_size);
	if (!r) {
		q->vq.last_avail--; /* leave the chain in the ring */
		pthread_mutex_unlock(&t->lock);
		return -AXVM_ENOMEM;
	}
	r->pub.queue = qi;
	r->pub.head = chain.head;
	r->pub.epoch = q->epoch;
	r->pub.out_num = chain.out_num;
	r->pub.in_num = chain.in_num;
	r->pub.out_len = chain.out_len;
	r->pub.in_len = chain.in_len;
	r->pub.iov = (struct iovec *)(void *)r->tail;
	r->pub.priv = (uint8_t *)r->tail + priv_off;
	memcpy(r->pub.iov, t->iov, iov_bytes);
	r->dev_epoch = t->dev_epoch;
	q->inflight++;
	t->out_cur++;
	pthread_mutex_unlock(&t->lock);
	*out = &r->pub;
	return 1;
}

static bool vm_req_is_stale(struct axvm_virtio_mmio *t, const struct vm_req *r)
{
	return r->dev_epoch != t->dev_epoch || r->pub.epoch != t->q[r->pub.queue].epoch;
}

bool virtio_mmio_req_is_stale(struct axvm_virtio_mmio *t, const struct virtio_req *req)
{
	const struct vm_req *r = (const struct vm_req *)req;
	bool stale;

	pthread_mutex_lock(&t->lock);
	stale = vm_req_is_stale(t, r);
	pthread_mutex_unlock(&t->lock);
	return stale;
}

void virtio_mmio_complete(struct axvm_virtio_mmio *t, struct virtio_req *req, uint32_t written)
{
	struct vm_req *r = (struct vm_req *)req;
	struct vm_queue *q = &t->q[req->queue];

	if (written > req->in_len)
		written = (uint32_t)req->in_len;
	pthread_mutex_lock(&t->lock);
	if (r->dev_epoch == t->dev_epoch)
		t->out_cur--;
	else
		t->out_old--;
	if (!vm_req_is_stale(t, r)) {
		q->inflight--;
		if (!t->broken)
			virtq_push(&q->vq, req->head, written);
	}
	pthread_mutex_unlock(&t->lock);
	free(r);
}

void virtio_mmio_flush(struct axvm_virtio_mmio *t)
{
	bool notify = false;

	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < t->desc->num_queues; i++)
		if (t->q[i].vq.ready && virtq_should_notify(&t->q[i].vq))
			notify = true;
	if (notify && (t->status & VIRTIO_STATUS_DRIVER_OK) && !t->broken) {
		t->isr |= VIRTIO_MMIO_INT_VRING;
		vm_update_irq(t);
	}
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_config_set(struct axvm_virtio_mmio *t, uint32_t offset, const void *buf,
			    uint32_t len)
{
	pthread_mutex_lock(&t->lock);
	if (offset <= t->desc->config_size && len <= t->desc->config_size - offset) {
		if (len)
			memcpy(t->config + offset, buf, len);
		t->generation++;
		if (t->status & VIRTIO_STATUS_DRIVER_OK) {
			t->isr |= VIRTIO_MMIO_INT_CONFIG;
			vm_update_irq(t);
		}
	}
	pthread_mutex_unlock(&t->lock);
}

uint64_t virtio_mmio_features(struct axvm_virtio_mmio *t)
{
	uint64_t f;

	pthread_mutex_lock(&t->lock);
	f = t->guest_features;
	pthread_mutex_unlock(&t->lock);
	return f;
}

const char *virtio_mmio_name(const struct axvm_virtio_mmio *t)
{
	return t->name;
}

int virtio_mmio_create(const struct axvm_devclass_ctx *ctx, const struct virtio_mmio_device *desc,
		       void *dev, uint64_t features, const void *config,
		       struct axvm_virtio_mmio **out)
{
	struct axvm_virtio_mmio *t;
	int ret;

	*out = NULL;
	if (desc->num_queues == 0 || desc->num_queues > AXVM_VIRTIO_MMIO_MAX_QUEUES ||
	    desc->queue_size_max == 0 || desc->queue_size_max > VIRTQ_SIZE_LIMIT ||
	    (desc->queue_size_max & (desc->queue_size_max - 1)) ||
	    desc->config_size > AXVM_VIRTIO_MMIO_CONFIG || !desc->queue_notify || !desc->destroy)
		return axvm_devclass_fail(ctx, desc->name, -AXVM_EINVAL,
					  "invalid device description");
	if (!ctx->events)
		return axvm_devclass_fail(ctx, desc->name, -AXVM_EINVAL,
					  "needs an event loop (ctx->events) for its queues");
	if (!ctx->as)
		return axvm_devclass_fail(ctx, desc->name, -AXVM_EINVAL,
					  "needs the guest address space (ctx->as)");
	if (ctx->size && ctx->size < AXVM_VIRTIO_MMIO_CONFIG + desc->config_size)
		return axvm_devclass_fail(ctx, desc->name, -AXVM_ERANGE,
					  "MMIO window of 0x%" PRIx64 " bytes is too small",
					  ctx->size);
	t = calloc(1, sizeof(*t) + desc->num_queues * sizeof(t->q[0]));
	if (!t)
		return axvm_devclass_fail(ctx, desc->name, -AXVM_ENOMEM, "out of memory");
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return axvm_devclass_fail(ctx, desc->name, -AXVM_ENOMEM, "out of memory");
	}
	t->desc = desc;
	t->dev = dev;
	t->as = ctx->as;
	t->irq = ctx->irq;
	t->host_features = features | VM_TRANSPORT_FEATURES;
	snprintf(t->name, sizeof(t->name), "%s@0x%" PRIx64, desc->name, ctx->base);
	if (config && desc->config_size)
		memcpy(t->config, config, desc->config_size);
	ret = axvm_event_add_notifier(ctx->events, vm_kicked, t, &t->kick_ev);
	if (ret) {
		pthread_mutex_destroy(&t->lock);
		free(t);
		return axvm_devclass_fail(ctx, desc->name, ret, "cannot register its notifier: %s",
					  axvm_strerror(ret));
	}
	*out = t;
	return 0;
}

void axvm_virtio_mmio_destroy(void *transport)
{
	struct axvm_virtio_mmio *t = transport;

	if (!t)
		return;
	/*
	 * The model first: it may complete chains still out, and it stops its
	 * own sources of kicks (a console's listeners) before the notifier goes.
	 */
	t->desc->destroy(t->dev);
	axvm_event_remove(t->kick_ev);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int vm_fdt_err(int ret)
{
	if (ret >= 0)
		return 0;
	return ret == -FDT_ERR_NOSPACE ? -AXVM_ENOMEM : -AXVM_EINVAL;
}

/* QEMU's node: virtio_mmio@ADDR { interrupts; interrupt-parent; reg; compatible }. */
int axvm_virtio_mmio_fdt_node(void *transport, void *fdt, int parent,
			      const struct axvm_devclass_fdt_ctx *f)
{
	fdt64_t reg[2] = {cpu_to_fdt64(f->base), cpu_to_fdt64(f->size)};
	char name[64];
	int node, ret;

	snprintf(name, sizeof(name), "virtio_mmio@%" PRIx64, f->base);
	node = fdt_add_subnode(fdt, parent, name);
	if (node < 0)
		return vm_fdt_err(node);
	ret = fdt_setprop_u32(fdt, node, "interrupts", f->irq);
	if (!ret)
		ret = fdt_setprop_u32(fdt, node, "interrupt-parent", f->interrupt_parent);
	if (!ret)
		ret = fdt_setprop(fdt, node, "reg", reg, sizeof(reg));
	if (!ret)
		ret = fdt_setprop_string(fdt, node, "compatible", "virtio,mmio");
	return vm_fdt_err(ret);
}
