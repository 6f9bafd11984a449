/* SPDX-License-Identifier: MIT */
#include "virtio_driver.h"

#include <axvm/hal.h>
#include <stdio.h>
#include <string.h>

static void vdrv_irq(void *opaque, unsigned irq, bool level)
{
	struct vdrv *d = opaque;

	if (level && d->irq_level != 1)
		d->irq_raises++;
	d->irq_level = level;
}

int vdrv_setup(struct vdrv *d, const struct axvm_devclass *cls, const char *options,
	       struct axvm_console *console)
{
	struct axvm_devclass_ctx ctx = {0};
	int ret;

	memset(d, 0, sizeof(*d));
	d->irq_level = -1;
	d->cls = cls;
	d->heap = VDRV_RAM_BASE;
	ret = axvm_addrspace_create(axvm_hal_linux(), &d->as);
	if (!ret)
		ret = axvm_addrspace_map_linear(d->as, VDRV_RAM_BASE, VDRV_RAM_SIZE,
						AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC);
	if (!ret)
		ret = axvm_addrspace_map_mmio(d->as, VDRV_MMIO_BASE, AXVM_PAGE_SIZE);
	if (!ret)
		ret = axvm_event_loop_create(&d->loop);
	if (ret)
		return ret;
	ctx.base = VDRV_BASE;
	ctx.size = cls->mmio_size;
	ctx.irq = (struct axvm_irq_line){vdrv_irq, d, VDRV_IRQ};
	ctx.hal = axvm_hal_linux();
	ctx.as = d->as;
	ctx.events = d->loop;
	ctx.console = console;
	ctx.options = options;
	ctx.origin = "-d";
	ret = cls->create(&ctx, &d->dev);
	if (ret)
		snprintf(d->err, sizeof(d->err), "%s", axvm_error_message());
	return ret;
}

void vdrv_teardown(struct vdrv *d)
{
	if (d->dev)
		d->cls->destroy(d->dev);
	d->dev = NULL;
	axvm_event_loop_destroy(d->loop);
	axvm_addrspace_destroy(d->as);
	d->loop = NULL;
	d->as = NULL;
}

uint32_t vdrv_rd_width(struct vdrv *d, uint32_t off, unsigned width)
{
	uint64_t v = 0xdeadbeef;

	d->cls->ops->read(d->dev, off, width, &v);
	return (uint32_t)v;
}

uint32_t vdrv_rd(struct vdrv *d, uint32_t off)
{
	return vdrv_rd_width(d, off, 4);
}

void vdrv_wr(struct vdrv *d, uint32_t off, uint32_t value)
{
	d->cls->ops->write(d->dev, off, 4, value);
}

uint64_t vdrv_device_features(struct vdrv *d)
{
	uint64_t f;

	vdrv_wr(d, VDRV_DEVICE_FEATURES_SEL, 0);
	f = vdrv_rd(d, VDRV_DEVICE_FEATURES);
	vdrv_wr(d, VDRV_DEVICE_FEATURES_SEL, 1);
	f |= (uint64_t)vdrv_rd(d, VDRV_DEVICE_FEATURES) << 32;
	return f;
}

uint32_t vdrv_negotiate(struct vdrv *d, uint64_t features)
{
	vdrv_wr(d, VDRV_STATUS, 0);
	vdrv_wr(d, VDRV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	vdrv_wr(d, VDRV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdrv_wr(d, VDRV_DRIVER_FEATURES_SEL, 0);
	vdrv_wr(d, VDRV_DRIVER_FEATURES, (uint32_t)features);
	vdrv_wr(d, VDRV_DRIVER_FEATURES_SEL, 1);
	vdrv_wr(d, VDRV_DRIVER_FEATURES, (uint32_t)(features >> 32));
	vdrv_wr(d, VDRV_STATUS,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return vdrv_rd(d, VDRV_STATUS);
}

uint64_t vdrv_alloc(struct vdrv *d, uint64_t size, uint64_t align)
{
	uint64_t gpa = (d->heap + align - 1) & ~(align - 1);

	d->heap = gpa + size;
	return gpa;
}

void *vdrv_host(struct vdrv *d, uint64_t gpa)
{
	void *hva = NULL;
	uint64_t avail;

	axvm_addrspace_translate(d->as, gpa, AXVM_ACCESS_READ, &hva, &avail, NULL);
	return hva;
}

uint32_t vdrv_queue(struct vdrv *d, unsigned q, uint16_t num)
{
	struct vdrv_queue *vq = &d->q[q];

	memset(vq, 0, sizeof(*vq));
	vq->num = num;
	vq->desc = vdrv_alloc(d, 16ull * num, 4096);
	vq->avail = vdrv_alloc(d, 6 + 2ull * num, 2);
	vq->used = vdrv_alloc(d, 6 + 8ull * num, 4096);
	vdrv_wr(d, VDRV_QUEUE_SEL, q);
	vdrv_wr(d, VDRV_QUEUE_NUM, num);
	vdrv_wr(d, VDRV_QUEUE_DESC_LOW, (uint32_t)vq->desc);
	vdrv_wr(d, VDRV_QUEUE_DESC_HIGH, (uint32_t)(vq->desc >> 32));
	vdrv_wr(d, VDRV_QUEUE_DRIVER_LOW, (uint32_t)vq->avail);
	vdrv_wr(d, VDRV_QUEUE_DRIVER_HIGH, (uint32_t)(vq->avail >> 32));
	vdrv_wr(d, VDRV_QUEUE_DEVICE_LOW, (uint32_t)vq->used);
	vdrv_wr(d, VDRV_QUEUE_DEVICE_HIGH, (uint32_t)(vq->used >> 32));
	vdrv_wr(d, VDRV_QUEUE_READY, 1);
	return vdrv_rd(d, VDRV_QUEUE_READY);
}

void vdrv_driver_ok(struct vdrv *d)
{
	vdrv_wr(d, VDRV_STATUS, vdrv_rd(d, VDRV_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

bool vdrv_init(struct vdrv *d, uint64_t extra_features, unsigned nq, uint16_t num)
{
	uint32_t st = vdrv_negotiate(d, VIRTIO_BIT(VIRTIO_F_VERSION_1) | extra_features);

	if (!(st & VIRTIO_STATUS_FEATURES_OK))
		return false;
	for (unsigned i = 0; i < nq; i++)
		if (vdrv_queue(d, i, num) != 1)
			return false;
	vdrv_driver_ok(d);
	vdrv_run_idle(d);
	return true;
}

void vdrv_set_table_desc(struct vdrv *d, uint64_t table, uint16_t idx, uint64_t addr, uint32_t len,
			 uint16_t flags, uint16_t next)
{
	uint8_t *p = vdrv_host(d, table + 16ull * idx);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

void vdrv_set_desc(struct vdrv *d, unsigned q, uint16_t idx, uint64_t addr, uint32_t len,
		   uint16_t flags, uint16_t next)
{
	vdrv_set_table_desc(d, d->q[q].desc, idx, addr, len, flags, next);
}

void vdrv_publish(struct vdrv *d, unsigned q, uint16_t head)
{
	struct vdrv_queue *vq = &d->q[q];
	uint8_t *avail = vdrv_host(d, vq->avail);
	uint16_t slot = vq->avail_idx % vq->num;

	memcpy(avail + 4 + 2 * slot, &head, 2);
	vq->avail_idx++;
	__atomic_store_n((uint16_t *)(void *)(avail + 2), vq->avail_idx, __ATOMIC_RELEASE);
}

static uint16_t vdrv_take_descs(struct vdrv_queue *vq, unsigned n)
{
	uint16_t first = vq->next_desc;

	vq->next_desc = (uint16_t)((vq->next_desc + n) % vq->num);
	return first;
}

uint16_t vdrv_post(struct vdrv *d, unsigned q, const struct vdrv_buf *bufs, unsigned n)
{
	struct vdrv_queue *vq = &d->q[q];
	uint16_t head = vdrv_take_descs(vq, n);

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) % vq->num);
		uint16_t flags =
		    (bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);

		vdrv_set_desc(d, q, idx, bufs[i].gpa, bufs[i].len, flags,
			      (uint16_t)((idx + 1) % vq->num));
	}
	vdrv_publish(d, q, head);
	return head;
}

uint16_t vdrv_post_indirect(struct vdrv *d, unsigned q, const struct vdrv_buf *bufs, unsigned n)
{
	struct vdrv_queue *vq = &d->q[q];
	uint64_t table = vdrv_alloc(d, 16ull * n, 16);
	uint16_t head = vdrv_take_descs(vq, 1);

	for (unsigned i = 0; i < n; i++) {
		uint16_t flags =
		    (bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);

		vdrv_set_table_desc(d, table, (uint16_t)i, bufs[i].gpa, bufs[i].len, flags,
				    (uint16_t)(i + 1));
	}
	vdrv_set_desc(d, q, head, table, 16 * n, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_publish(d, q, head);
	return head;
}

void vdrv_kick(struct vdrv *d, unsigned q)
{
	vdrv_wr(d, VDRV_QUEUE_NOTIFY, q);
}

uint16_t vdrv_used_idx(struct vdrv *d, unsigned q)
{
	uint8_t *used = vdrv_host(d, d->q[q].used);

	return __atomic_load_n((uint16_t *)(void *)(used + 2), __ATOMIC_ACQUIRE);
}

bool vdrv_wait_used(struct vdrv *d, unsigned q, uint16_t count)
{
	for (int i = 0; i < 100; i++) {
		if ((uint16_t)(vdrv_used_idx(d, q) - d->q[q].used_seen) >= count)
			return true;
		axvm_event_loop_run_once(d->loop, 50);
	}
	return (uint16_t)(vdrv_used_idx(d, q) - d->q[q].used_seen) >= count;
}

void vdrv_run_idle(struct vdrv *d)
{
	for (int i = 0; i < 8; i++)
		if (axvm_event_loop_run_once(d->loop, 0) <= 0)
			break;
}

void vdrv_used_elem(struct vdrv *d, unsigned q, uint16_t i, uint32_t *id, uint32_t *len)
{
	uint8_t *used = vdrv_host(d, d->q[q].used);
	uint8_t *e = used + 4 + 8 * (size_t)(i % d->q[q].num);

	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
}

uint32_t vdrv_take_used(struct vdrv *d, unsigned q, uint32_t *len)
{
	uint32_t id, l;

	vdrv_used_elem(d, q, d->q[q].used_seen, &id, &l);
	d->q[q].used_seen++;
	if (len)
		*len = l;
	return id;
}
