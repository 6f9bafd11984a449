/* SPDX-License-Identifier: MIT */
/*
 * A tiny virtio-mmio guest driver for unit tests: it builds a device from
 * its class in a real address space (RAM at VDRV_RAM_BASE, an MMIO hole at
 * VDRV_MMIO_BASE), drives the registers through the class's ops as a
 * vCPU would, lays out split rings and descriptors in guest RAM (also
 * malformed ones), and runs the event loop on the test's thread until a
 * condition holds (bounded: no sleeps).
 */
#ifndef TEST_VIRTIO_DRIVER_H
#define TEST_VIRTIO_DRIVER_H

#include <axvm/addrspace.h>
#include <axvm/console.h>
#include <axvm/event.h>

#include "devices/devclass.h"
#include "devices/virtio.h"

#define VDRV_RAM_BASE 0x80000000ull
#define VDRV_RAM_SIZE (4ull << 20)
#define VDRV_MMIO_BASE 0x10000000ull /* mapped as an emulated region */
#define VDRV_BASE 0x10001000ull	     /* the device's own window */
#define VDRV_IRQ 5
#define VDRV_MAX_QUEUES 8

/* virtio-mmio register offsets (4.2.2) */
enum {
	VDRV_MAGIC = 0x000,
	VDRV_VERSION = 0x004,
	VDRV_DEVICE_ID = 0x008,
	VDRV_VENDOR_ID = 0x00c,
	VDRV_DEVICE_FEATURES = 0x010,
	VDRV_DEVICE_FEATURES_SEL = 0x014,
	VDRV_DRIVER_FEATURES = 0x020,
	VDRV_DRIVER_FEATURES_SEL = 0x024,
	VDRV_QUEUE_SEL = 0x030,
	VDRV_QUEUE_NUM_MAX = 0x034,
	VDRV_QUEUE_NUM = 0x038,
	VDRV_QUEUE_READY = 0x044,
	VDRV_QUEUE_NOTIFY = 0x050,
	VDRV_INTERRUPT_STATUS = 0x060,
	VDRV_INTERRUPT_ACK = 0x064,
	VDRV_STATUS = 0x070,
	VDRV_QUEUE_DESC_LOW = 0x080,
	VDRV_QUEUE_DESC_HIGH = 0x084,
	VDRV_QUEUE_DRIVER_LOW = 0x090,
	VDRV_QUEUE_DRIVER_HIGH = 0x094,
	VDRV_QUEUE_DEVICE_LOW = 0x0a0,
	VDRV_QUEUE_DEVICE_HIGH = 0x0a4,
	VDRV_SHM_SEL = 0x0ac,
	VDRV_SHM_LEN_LOW = 0x0b0,
	VDRV_CONFIG_GENERATION = 0x0fc,
	VDRV_CONFIG = 0x100,
};

struct vdrv_queue {
	uint16_t num;
	uint64_t desc, avail, used; /* guest addresses */
	uint16_t next_desc;	    /* bump allocator over the table */
	uint16_t avail_idx;
	uint16_t used_seen;
};

struct vdrv {
	struct axvm_addrspace *as;
	struct axvm_event_loop *loop;
	const struct axvm_devclass *cls;
	void *dev;
	int irq_level; /* -1 = never driven */
	unsigned irq_raises;
	struct vdrv_queue q[VDRV_MAX_QUEUES];
	uint64_t heap; /* next free guest address for rings and buffers */
	char err[512]; /* create's message (axvm_error_message() on failure) */
};

struct vdrv_buf {
	uint64_t gpa;
	uint32_t len;
	bool write; /* device-writable */
};

/* Create the address space, loop and device (0, or create's error with d->err). */
int vdrv_setup(struct vdrv *d, const struct axvm_devclass *cls, const char *options,
	       struct axvm_console *console);
void vdrv_teardown(struct vdrv *d);

uint32_t vdrv_rd(struct vdrv *d, uint32_t off);
void vdrv_wr(struct vdrv *d, uint32_t off, uint32_t value);
uint32_t vdrv_rd_width(struct vdrv *d, uint32_t off, unsigned width);
uint64_t vdrv_device_features(struct vdrv *d);

/* Reset, ACKNOWLEDGE, DRIVER, write `features`, FEATURES_OK: Status as read back. */
uint32_t vdrv_negotiate(struct vdrv *d, uint64_t features);
/* Lay out rings for queue q (num entries) and set QueueReady: QueueReady as read back. */
uint32_t vdrv_queue(struct vdrv *d, unsigned q, uint16_t num);
void vdrv_driver_ok(struct vdrv *d);
/* negotiate(VERSION_1 | extra) + queues 0..nq-1 of `num` + DRIVER_OK; true on success. */
bool vdrv_init(struct vdrv *d, uint64_t extra_features, unsigned nq, uint16_t num);

uint64_t vdrv_alloc(struct vdrv *d, uint64_t size, uint64_t align);
void *vdrv_host(struct vdrv *d, uint64_t gpa);

/* Write descriptor idx of queue q's table (or of a table at gpa `table`). */
void vdrv_set_desc(struct vdrv *d, unsigned q, uint16_t idx, uint64_t addr, uint32_t len,
		   uint16_t flags, uint16_t next);
void vdrv_set_table_desc(struct vdrv *d, uint64_t table, uint16_t idx, uint64_t addr, uint32_t len,
			 uint16_t flags, uint16_t next);
/* Put head in the available ring and bump its index (release). */
void vdrv_publish(struct vdrv *d, unsigned q, uint16_t head);
/* A chain of n buffers (direct), published; returns its head. */
uint16_t vdrv_post(struct vdrv *d, unsigned q, const struct vdrv_buf *bufs, unsigned n);
/* The same through one indirect table. */
uint16_t vdrv_post_indirect(struct vdrv *d, unsigned q, const struct vdrv_buf *bufs, unsigned n);
void vdrv_kick(struct vdrv *d, unsigned q);

/* Run the loop until queue q's used index moved by `count` past used_seen. */
bool vdrv_wait_used(struct vdrv *d, unsigned q, uint16_t count);
/* Run the loop for a few rounds without waiting (for "nothing happens" checks). */
void vdrv_run_idle(struct vdrv *d);
uint16_t vdrv_used_idx(struct vdrv *d, unsigned q);
/* The i-th used element (absolute index); id and len. */
void vdrv_used_elem(struct vdrv *d, unsigned q, uint16_t i, uint32_t *id, uint32_t *len);
/* Consume one used element: returns its id, len in *len; advances used_seen. */
uint32_t vdrv_take_used(struct vdrv *d, unsigned q, uint32_t *len);

#endif
