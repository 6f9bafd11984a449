/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk (virtio 1.2, section 5.2) on a raw image file: device ID 2,
 * queues 0..N-1 (requestq; N > 1 with VIRTIO_BLK_F_MQ).
 *
 * Features offered:
 *   SEG_MAX (2)       seg_max = queue size - 2 (header and status take two)
 *   BLK_SIZE (6)      512
 *   FLUSH (9)         VIRTIO_BLK_T_FLUSH = fdatasync of the image
 *   MQ (12)           num_queues = "queues=N" (1..8, default 1)
 *   RO (5)            read-only images ("ro"): writes fail with IOERR
 *   DISCARD (13)      read-write images: punch a hole (FALLOC_FL_PUNCH_HOLE)
 *   WRITE_ZEROES (14) read-write: FALLOC_FL_ZERO_RANGE, or PUNCH_HOLE with
 *                     the unmap flag (write_zeroes_may_unmap = 1), as the
 *                     Linux loop driver does
 * plus the transport's VERSION_1, INDIRECT_DESC, EVENT_IDX.
 *
 * Config space (5.2.4), little-endian:
 *   0x00 le64 capacity (512-byte sectors)   0x22 le16 num_queues
 *   0x08 le32 size_max (0: not offered)     0x24 le32 max_discard_sectors
 *   0x0c le32 seg_max                       0x28 le32 max_discard_seg (1)
 *   0x10 geometry (not offered)             0x2c le32 discard_sector_alignment
 *   0x14 le32 blk_size                      0x30 le32 max_write_zeroes_sectors
 *   0x18 topology (not offered)             0x34 le32 max_write_zeroes_seg (1)
 *   0x20 u8 writeback (no CONFIG_WCE)       0x38 u8 write_zeroes_may_unmap
 *
 * A request (5.2.6): a 16-byte header {le32 type; le32 reserved; le64
 * sector} in the device-readable part, data, and a status byte as the last
 * device-writable byte; the device assumes no framing (the header, data and
 * status may share or split descriptors). Types: IN (0), OUT (1), FLUSH (4),
 * GET_ID (8: the "serial=" option, up to 20 bytes), DISCARD (11),
 * WRITE_ZEROES (13); any other is UNSUPP. A request outside the capacity or
 * not a multiple of 512 bytes ends with IOERR; a discard or write-zeroes
 * payload other than one segment, or with unknown flags (or unmap on a
 * discard), with UNSUPP (5.2.6.2). A chain without a status byte or a full
 * header cannot be answered at all: the device needs a reset (QEMU does the
 * same).
 *
 * Host I/O goes through block_file (io_uring on the event thread's loop,
 * or the synchronous fallback). A queue stops taking chains while the
 * backend has no room for more operations, and is kicked again from the
 * completions. Options: "file=PATH" or a bare PATH, "ro", "serial=S",
 * "queues=N", "aio=auto|io_uring|sync".
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/log.h"
#include "block_file.h"
#include "devclass.h"
#include "virtio_mmio.h"

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1u
#define VIRTIO_BLK_ID_BYTES 20

#define BLK_SECTOR 512u
#define BLK_QUEUE_SIZE 256
#define BLK_MAX_QUEUES 8
#define BLK_HDR_SIZE 16
#define BLK_DWZ_SEG_SIZE 16
#define BLK_MAX_DWZ_SECTORS 0x3fffffu /* 2 GiB - 512 per discard / write-zeroes */
#define BLK_DISCARD_ALIGN 8u	      /* sectors: 4 KiB, the usual hole granularity */
#define BLK_MAX_DATA 0xfffffffeull    /* the used length (data + status) is 32 bits */
#define BLK_CONFIG_SIZE 0x3c

struct virtio_blk {
	struct axvm_virtio_mmio *t;
	struct block_file *bf;
	char path[4096]; /* for messages */
	bool read_only;
	uint8_t serial[VIRTIO_BLK_ID_BYTES];
	unsigned num_queues;
	uint64_t capacity; /* sectors */
	uint64_t stalled;  /* queues waiting for backend room */
	struct axvm_ratelimit limit;
};

/* One request (the priv area of its chain). */
struct blk_req {
	struct virtio_blk *blk;
	struct virtio_req *req;
	uint8_t *status; /* host address of the status byte */
	uint32_t written;
	uint8_t result;
	struct block_file_op op;
};

static void blk_finish(struct blk_req *br)
{
	struct virtio_blk *b = br->blk;

	if (!virtio_mmio_req_is_stale(b->t, br->req))
		*br->status = br->result;
	virtio_mmio_complete(b->t, br->req, br->result == VIRTIO_BLK_S_OK ? br->written : 1);
}

static void blk_op_done(struct block_file_op *op, int err)
{
	struct blk_req *br = op->opaque;

	if (err) {
		br->result = (err == -EOPNOTSUPP && op->kind == BLOCK_FILE_FALLOCATE)
				 ? VIRTIO_BLK_S_UNSUPP
				 : VIRTIO_BLK_S_IOERR;
		if (br->result == VIRTIO_BLK_S_IOERR)
			axvm_log_ratelimited(&br->blk->limit, AXVM_LOG_WARN,
					     "virtio-blk %s: I/O error at byte %" PRIu64 ": %s",
					     br->blk->path, op->offset, strerror(-err));
	}
	blk_finish(br);
}

static bool blk_range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t bytes)
{
	return bytes % BLK_SECTOR == 0 && sector <= b->capacity &&
	       bytes / BLK_SECTOR <= b->capacity - sector;
}

static void blk_submit(struct blk_req *br, enum block_file_op_kind kind, uint64_t offset,
		       struct iovec *iov, unsigned iovcnt)
{
	br->op.kind = kind;
	br->op.offset = offset;
	br->op.iov = iov;
	br->op.iovcnt = iovcnt;
	br->op.complete = blk_op_done;
	br->op.opaque = br;
	block_file_submit(br->blk->bf, &br->op); /* may complete (and free br) at once */
}

/* DISCARD / WRITE_ZEROES: exactly one {le64 sector; le32 num_sectors; le32 flags}. */
static void blk_discard_write_zeroes(struct blk_req *br, uint32_t type, struct iovec *out,
				     unsigned out_n, uint64_t out_bytes)
{
	struct virtio_blk *b = br->blk;
	uint8_t seg[BLK_DWZ_SEG_SIZE];
	uint64_t sector;
	uint32_t num, flags;
	bool unmap;

	if (b->read_only) {
		br->result = VIRTIO_BLK_S_IOERR;
		blk_finish(br);
		return;
	}
	if (out_bytes != BLK_DWZ_SEG_SIZE) {
		br->result = VIRTIO_BLK_S_UNSUPP;
		blk_finish(br);
		return;
	}
	virtq_iov_to_buf(out, out_n, 0, seg, sizeof(seg));
	memcpy(&sector, seg, 8);
	memcpy(&num, seg + 8, 4);
	memcpy(&flags, seg + 12, 4);
	sector = le64toh(sector);
	num = le32toh(num);
	flags = le32toh(flags);
	unmap = flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	if ((flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
	    (type == VIRTIO_BLK_T_DISCARD && unmap)) {
		br->result = VIRTIO_BLK_S_UNSUPP;
		blk_finish(br);
		return;
	}
	if (num > BLK_MAX_DWZ_SECTORS || !blk_range_ok(b, sector, (uint64_t)num * BLK_SECTOR)) {
		br->result = VIRTIO_BLK_S_IOERR;
		blk_finish(br);
		return;
	}
	if (num == 0) {
		blk_finish(br);
		return;
	}
	br->op.len = (uint64_t)num * BLK_SECTOR;
	br->op.mode =
	    FALLOC_FL_KEEP_SIZE |
	    (type == VIRTIO_BLK_T_DISCARD || unmap ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE);
	blk_submit(br, BLOCK_FILE_FALLOCATE, sector * BLK_SECTOR, NULL, 0);
}

static void blk_handle(struct virtio_blk *b, struct virtio_req *req)
{
	struct blk_req *br = req->priv;
	struct iovec *out = req->iov, *in = virtio_req_in(req);
	unsigned out_n = req->out_num, in_n = req->in_num;
	uint8_t hdr[BLK_HDR_SIZE];
	uint64_t sector, out_bytes, in_bytes;
	uint32_t type;

	br->blk = b;
	br->req = req;
	br->result = VIRTIO_BLK_S_OK;
	br->written = 1;
	if (req->in_len < 1 || req->out_len < BLK_HDR_SIZE) {
		virtio_mmio_fail(b->t, req->queue,
				 "request at head %u has %" PRIu64 " header bytes and %" PRIu64
				 " writable bytes (want 16 and a status byte)",
				 req->head, req->out_len, req->in_len);
		virtio_mmio_complete(b->t, req, 0);
		return;
	}
	/* The status byte is the last writable byte (segments are never empty). */
	br->status = (uint8_t *)in[in_n - 1].iov_base + in[in_n - 1].iov_len - 1;
	virtq_iov_discard_back(in, &in_n, 1);
	virtq_iov_to_buf(out, out_n, 0, hdr, sizeof(hdr));
	virtq_iov_discard_front(&out, &out_n, BLK_HDR_SIZE);
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);
	out_bytes = req->out_len - BLK_HDR_SIZE;
	in_bytes = req->in_len - 1;

	switch (type) {
	case VIRTIO_BLK_T_IN:
		if (in_bytes > BLK_MAX_DATA - 1 || !blk_range_ok(b, sector, in_bytes))
			break;
		br->written = (uint32_t)in_bytes + 1;
		blk_submit(br, BLOCK_FILE_READ, sector * BLK_SECTOR, in, in_n);
		return;
	case VIRTIO_BLK_T_OUT:
		if (b->read_only || !blk_range_ok(b, sector, out_bytes))
			break;
		blk_submit(br, BLOCK_FILE_WRITE, sector * BLK_SECTOR, out, out_n);
		return;
	case VIRTIO_BLK_T_FLUSH:
		blk_submit(br, BLOCK_FILE_FLUSH, 0, NULL, 0);
		return;
	case VIRTIO_BLK_T_GET_ID:
		br->written =
		    1 + (uint32_t)virtq_iov_from_buf(in, in_n, 0, b->serial, sizeof(b->serial));
		blk_finish(br);
		return;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		blk_discard_write_zeroes(br, type, out, out_n, out_bytes);
		return;
	default:
		br->result = VIRTIO_BLK_S_UNSUPP;
		blk_finish(br);
		return;
	}
	br->result = VIRTIO_BLK_S_IOERR;
	blk_finish(br);
}

static void blk_process(struct virtio_blk *b, unsigned q)
{
	unsigned n;

	/* At most a queue's worth per wake-up, so other devices get their turn. */
	for (n = 0; n < BLK_QUEUE_SIZE; n++) {
		struct virtio_req *req;
		int ret;

		if (!block_file_can_submit(b->bf, 1)) {
			b->stalled |= 1ull << q; /* the completions kick it again */
			break;
		}
		ret = virtio_mmio_pop(b->t, q, sizeof(struct blk_req), &req);
		if (ret < 0)
			b->stalled |= 1ull << q;
		if (ret <= 0)
			break;
		blk_handle(b, req);
	}
	if (n == BLK_QUEUE_SIZE)
		virtio_mmio_kick(b->t, q);
	block_file_kick(b->bf);
	virtio_mmio_flush(b->t);
}

static void blk_queue_notify(void *dev, unsigned q)
{
	blk_process(dev, q);
}

/* After a batch of io_uring completions: interrupt, and resume stalled queues. */
static void blk_batch_done(void *opaque)
{
	struct virtio_blk *b = opaque;
	uint64_t stalled = b->stalled;

	virtio_mmio_flush(b->t);
	b->stalled = 0;
	for (unsigned q = 0; q < b->num_queues; q++)
		if (stalled & (1ull << q))
			virtio_mmio_kick(b->t, q);
}

static void blk_reset(void *dev)
{
	struct virtio_blk *b = dev;

	b->stalled = 0;
}

static void blk_destroy(void *dev)
{
	struct virtio_blk *b = dev;

	block_file_close(b->bf); /* completes what is in flight */
	free(b);
}

/* One description per queue count (the transport keeps a pointer to it). */
static const struct virtio_mmio_device blk_devices[BLK_MAX_QUEUES] = {
#define BLK_DEVICE(n)                                                                              \
	{                                                                                          \
		.name = "virtio-blk", .device_id = VIRTIO_ID_BLOCK, .num_queues = (n),             \
		.queue_size_max = BLK_QUEUE_SIZE, .config_size = BLK_CONFIG_SIZE,                  \
		.queue_notify = blk_queue_notify, .reset = blk_reset, .destroy = blk_destroy,      \
	}
    BLK_DEVICE(1), BLK_DEVICE(2), BLK_DEVICE(3), BLK_DEVICE(4),
    BLK_DEVICE(5), BLK_DEVICE(6), BLK_DEVICE(7), BLK_DEVICE(8),
#undef BLK_DEVICE
};

static void blk_put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void blk_put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void blk_put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static void blk_config(const struct virtio_blk *b, uint8_t *c)
{
	memset(c, 0, BLK_CONFIG_SIZE);
	blk_put64(c + 0x00, b->capacity);
	blk_put32(c + 0x0c, BLK_QUEUE_SIZE - 2);
	blk_put32(c + 0x14, BLK_SECTOR);
	blk_put16(c + 0x22, (uint16_t)b->num_queues);
	if (!b->read_only) {
		blk_put32(c + 0x24, BLK_MAX_DWZ_SECTORS);
		blk_put32(c + 0x28, 1);
		blk_put32(c + 0x2c, BLK_DISCARD_ALIGN);
		blk_put32(c + 0x30, BLK_MAX_DWZ_SECTORS);
		blk_put32(c + 0x34, 1);
		c[0x38] = 1;
	}
}

struct blk_options {
	char path[4096];
	bool read_only;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	unsigned queues;
	enum block_file_engine engine;
};

static int blk_parse(const struct axvm_devclass_ctx *ctx, struct blk_options *o)
{
	const char *cursor = ctx->options;
	struct axvm_devopt opt;
	int ret;

	memset(o, 0, sizeof(*o));
	o->queues = 1;
	while ((ret = axvm_devopt_next(&cursor, &opt)) > 0) {
		const char *k = opt.key, *v = opt.value;

		if ((!k[0] && !strcmp(v, "ro")) || !strcmp(k, "ro")) {
			o->read_only = true;
		} else if (!k[0] && !strcmp(v, "rw")) {
			o->read_only = false;
		} else if (!strcmp(k, "file") || (!k[0] && !o->path[0])) {
			snprintf(o->path, sizeof(o->path), "%s", v);
		} else if (!strcmp(k, "serial")) {
			if (strlen(v) > VIRTIO_BLK_ID_BYTES)
				return axvm_devclass_fail(ctx, "virtio-blk", -AXVM_EINVAL,
							  "%s: serial=%s: longer than %d bytes",
							  o->path, v, VIRTIO_BLK_ID_BYTES);
			snprintf(o->serial, sizeof(o->serial), "%s", v);
		} else if (!strcmp(k, "queues")) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);

			if (!*v || *end || n < 1 || n > BLK_MAX_QUEUES)
				return axvm_devclass_fail(ctx, "virtio-blk", -AXVM_EINVAL,
							  "%s: queues=%s: want 1..%d", o->path, v,
							  BLK_MAX_QUEUES);
			o->queues = (unsigned)n;
		} else if (!strcmp(k, "aio")) {
			if (!strcmp(v, "auto"))
				o->engine = BLOCK_FILE_AUTO;
			else if (!strcmp(v, "io_uring"))
				o->engine = BLOCK_FILE_IO_URING;
			else if (!strcmp(v, "sync"))
				o->engine = BLOCK_FILE_SYNC;
			else
				return axvm_devclass_fail(ctx, "virtio-blk", -AXVM_EINVAL,
							  "%s: aio=%s: want auto, io_uring or sync",
							  o->path, v);
		} else {
			return axvm_devclass_fail(ctx, "virtio-blk", -AXVM_EINVAL,
						  "%s: unknown option \"%s%s%s\"", o->path, k,
						  k[0] ? "=" : "", v);
		}
	}
	if (ret < 0)
		return axvm_devclass_fail(ctx, "virtio-blk", -AXVM_ERANGE, "an option is too long");
	if (!o->path[0])
		return axvm_devclass_fail(ctx, "virtio-blk", -AXVM_EINVAL,
					  "no image file given (FILE[,ro] or file=FILE)");
	return 0;
}

static int blk_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	struct block_file_params p = {0};
	struct blk_options *o;
	uint8_t config[BLK_CONFIG_SIZE];
	uint64_t features;
	struct virtio_blk *b;
	char msg[512];
	int ret;

	*state = NULL;
	if (!ctx->events)
		return axvm_devclass_fail(ctx, "virtio-blk", -AXVM_EINVAL,
					  "needs an event loop (ctx->events) for its queues");
	o = malloc(sizeof(*o));
	b = calloc(1, sizeof(*b));
	if (!o || !b) {
		ret = axvm_devclass_fail(ctx, "virtio-blk", -AXVM_ENOMEM, "out of memory");
		goto fail_free;
	}
	ret = blk_parse(ctx, o);
	if (ret)
		goto fail_free;
	memcpy(b->path, o->path, sizeof(b->path));
	memcpy(b->serial, o->serial, VIRTIO_BLK_ID_BYTES);
	b->read_only = o->read_only;
	b->num_queues = o->queues;

	p.path = o->path;
	p.read_only = o->read_only;
	p.engine = o->engine;
	p.depth = BLK_QUEUE_SIZE;
	p.batch_done = blk_batch_done;
	p.opaque = b;
	ret = block_file_open(&p, ctx->events, &b->bf, msg, sizeof(msg));
	if (ret) {
		axvm_devclass_fail(ctx, "virtio-blk", ret, "%s", msg);
		goto fail_free;
	}
	b->capacity = block_file_size(b->bf) / BLK_SECTOR;

	features = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
		   VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_MQ);
	if (b->read_only)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
	else
		features |=
		    VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
	blk_config(b, config);
	ret = virtio_mmio_create(ctx, &blk_devices[b->num_queues - 1], b, features, config, &b->t);
	if (ret) {
		block_file_close(b->bf);
		goto fail_free;
	}
	axvm_debug("virtio-blk %s: %" PRIu64 " sectors, %s, %u queue(s), %s I/O", b->path,
		   b->capacity, b->read_only ? "read-only" : "read-write", b->num_queues,
		   block_file_engine_name(block_file_engine(b->bf)));
	free(o);
	*state = b->t;
	return 0;

fail_free:
	free(o);
	free(b);
	return ret;
}

const struct axvm_devclass axvm_virtio_blk_class = {
    .name = "virtio-blk",
    .mmio_size = AXVM_VIRTIO_MMIO_SIZE,
    .min_width = 1,
    .max_width = 4,
    .ops = &axvm_virtio_mmio_ops,
    .create = blk_create,
    .destroy = axvm_virtio_mmio_destroy,
    .fdt_node = axvm_virtio_mmio_fdt_node,
};
