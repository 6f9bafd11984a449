/* SPDX-License-Identifier: MIT */
/*
 * virtio-net (virtio 1.2, section 5.1): device ID 1, queue 0 = receiveq1
 * (host -> guest), 1 = transmitq1 (guest -> host), 2 = controlq. Config
 * space (5.1.4):
 *
 *   0x00 u8   mac[6]                 VIRTIO_NET_F_MAC (5)
 *   0x06 le16 status                 VIRTIO_NET_F_STATUS (16): LINK_UP (1)
 *   0x08 le16 max_virtqueue_pairs    1 (VIRTIO_NET_F_MQ not offered)
 *   0x0a le16 mtu                    VIRTIO_NET_F_MTU (3)
 *
 * Features offered: MAC, MTU, STATUS, CTRL_VQ (17) with CTRL_RX (18) and
 * CTRL_MAC_ADDR (23), and with option offload=on the checksum offloads: CSUM (0: the guest leaves a
 * transmit checksum partial and the device completes it, 5.1.6.2) and, when the backend builds
 * every frame itself (slirp, not TAP), GUEST_CSUM (1: received frames are marked DATA_VALID and the
 * guest skips verifying them). Off by default: make bench's net group did not show them helping
 * beyond its noise (3 runs each: host -> guest 8.6 MB/s without, 7.1 with; guest -> host 1.7
 * without, 2.0 with; README), Linux folds the checksum into its copy
 * anyway, and DATA_VALID trusts the backend. No segmentation
 * offload (TSO/GSO, MRG_RXBUF): slirp takes plain frames and would have to
 * segment in software. Every buffer starts with the 12-byte struct
 * virtio_net_hdr_v1 (5.1.6): on receive zero but num_buffers = 1 (and
 * DATA_VALID); on transmit gso_type must be NONE and NEEDS_CSUM only with
 * CSUM negotiated and in bounds, else the frame is dropped.
 *
 * Hardening: a transmit chain shorter than the header plus an Ethernet
 * header, longer than the header plus NET_FRAME_MAX, or asking for an
 * offload is dropped (counted, logged at debug level, rate-limited); the
 * ring checks (loops, addresses outside RAM, ...) are the transport's
 * (DEVICE_NEEDS_RESET). A receive buffer too small for a frame is given
 * back empty and the frame dropped. Work per wake-up is bounded (NET_TX_BUDGET
 * chains), then the device re-kicks itself so other devices get their
 * turn. Frames for the guest wait in a bounded queue (NET_RXQ_FRAMES and
 * NET_RXQ_BYTES) while it posts no buffers; beyond it they are dropped:
 * a flood in either direction costs bounded host memory.
 *
 * Options: [BACKEND][,mac=52:54:00:12:34:56][,mtu=1500][,backend options]
 *   BACKEND  "user" (default; net_slirp.c) or "tap" (net_tap.c); the other
 *            items go to the backend (hostfwd=, ifname=, ...)
 *   mac      default 52:54:00:12:34:56 plus the instance's index (QEMU's
 *            default for its first NIC), the same on every run of the VM
 *   mtu      68..9000, default 1500
 *   offload  on|off, default off: offer the checksum offloads above
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/log.h"
#include "devclass.h"
#include "net_backend.h"
#include "virtio_mmio.h"

#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_CTRL_RX 18
#define VIRTIO_NET_F_CTRL_MAC_ADDR 23
#define VIRTIO_NET_S_LINK_UP 1

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0

#define VIRTIO_NET_CTRL_RX 0
#define VIRTIO_NET_CTRL_RX_PROMISC 0
#define VIRTIO_NET_CTRL_RX_ALLMULTI 1
#define VIRTIO_NET_CTRL_MAC 1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET 0
#define VIRTIO_NET_CTRL_MAC_ADDR_SET 1
#define VIRTIO_NET_OK 0
#define VIRTIO_NET_ERR 1

#define NET_RXQ 0
#define NET_TXQ 1
#define NET_CTRLQ 2
#define NET_QUEUE_SIZE 256
#define NET_HDR_LEN 12
#define NET_CONFIG_SIZE 12
#define NET_CONFIG_STATUS 6
#define NET_TX_BUDGET 256
#define NET_RXQ_FRAMES 256
#define NET_RXQ_BYTES (1u << 20)
#define NET_MTU_DEFAULT 1500
#define NET_MTU_MIN 68
#define NET_MTU_MAX 9000

struct net_frame {
	struct net_frame *next;
	size_t len;
	uint8_t data[];
};

struct virtio_net {
	struct axvm_virtio_mmio *t;
	const struct net_backend_ops *ops;
	struct net_backend *be;
	struct virtio_req *rx; /* a receive buffer held for the next frame */
	struct net_frame *head, *tail;
	unsigned queued;
	size_t queued_bytes;
	bool be_waiting; /* the backend stopped reading: resume when there is room */
	uint8_t mac[6];
	unsigned mtu;
	bool offload;	       /* offer CSUM and GUEST_CSUM (option offload=) */
	bool csum_tx, csum_rx; /* negotiated; __atomic (set on a vCPU thread) */
	uint64_t tx_frames, tx_dropped, rx_frames, rx_dropped;
	struct axvm_ratelimit limit;
	uint8_t txbuf[NET_FRAME_MAX];
};

static const struct net_backend_ops *const net_backends[] = {
    &net_backend_user,
    &net_backend_tap,
};

const struct net_backend_ops *net_backend_find(const char *name)
{
	for (size_t i = 0; i < sizeof(net_backends) / sizeof(net_backends[0]); i++)
		if (strcmp(net_backends[i]->name, name) == 0)
			return net_backends[i];
	return NULL;
}

static const char *net_name(const struct virtio_net *n)
{
	return virtio_mmio_name(n->t);
}

/* A receive buffer for the next frame: held, or popped now. */
static bool net_rx_buffer(struct virtio_net *n)
{
	for (;;) {
		if (!n->rx && virtio_mmio_pop(n->t, NET_RXQ, 0, &n->rx) <= 0)
			return false;
		if (!virtio_mmio_req_is_stale(n->t, n->rx) && n->rx->in_len >= NET_HDR_LEN)
			return true;
		/* Stale after a reset, or no room even for the header: give it back. */
		virtio_mmio_complete(n->t, n->rx, 0);
		n->rx = NULL;
	}
}

/* One frame into the guest: true when done with it (delivered or dropped). */
static bool net_rx_put(struct virtio_net *n, const void *frame, size_t len)
{
	uint8_t hdr[NET_HDR_LEN] = {0};
	struct iovec *in;

	if (!net_rx_buffer(n))
		return false;
	if (n->rx->in_len < NET_HDR_LEN + len) {
		n->rx_dropped++;
		axvm_log_ratelimited(&n->limit, AXVM_LOG_DEBUG,
				     "%s: a %zu-byte frame does not fit a %" PRIu64
				     "-byte receive buffer: dropped",
				     net_name(n), len, n->rx->in_len);
		/*
		 * Given back empty (Linux counts a length error and reposts it):
		 * kept, a too-small buffer would drop every later frame too.
		 */
		virtio_mmio_complete(n->t, n->rx, 0);
		n->rx = NULL;
		return true;
	}
	if (__atomic_load_n(&n->csum_rx, __ATOMIC_RELAXED))
		hdr[0] = VIRTIO_NET_HDR_F_DATA_VALID; /* the backend's checksums are whole */
	hdr[10] = 1;				      /* num_buffers, le16 */
	in = virtio_req_in(n->rx);
	virtq_iov_from_buf(in, n->rx->in_num, 0, hdr, sizeof(hdr));
	virtq_iov_from_buf(in, n->rx->in_num, NET_HDR_LEN, frame, len);
	virtio_mmio_complete(n->t, n->rx, (uint32_t)(NET_HDR_LEN + len));
	n->rx = NULL;
	n->rx_frames++;
	return true;
}

static void net_peer_receive(void *opaque, const void *frame, size_t len)
{
	struct virtio_net *n = opaque;
	struct net_frame *f;

	if (!n->head && net_rx_put(n, frame, len))
		return;
	if (n->queued >= NET_RXQ_FRAMES || n->queued_bytes + len > NET_RXQ_BYTES ||
	    !(f = malloc(sizeof(*f) + len))) {
		n->rx_dropped++;
		return;
	}
	f->next = NULL;
	f->len = len;
	memcpy(f->data, frame, len);
	if (n->tail)
		n->tail->next = f;
	else
		n->head = f;
	n->tail = f;
	n->queued++;
	n->queued_bytes += len;
}

static void net_peer_flush(void *opaque)
{
	struct virtio_net *n = opaque;

	virtio_mmio_flush(n->t);
}

static bool net_peer_can_receive(void *opaque)
{
	struct virtio_net *n = opaque;
	bool room = n->queued < NET_RXQ_FRAMES && n->queued_bytes + NET_FRAME_MAX <= NET_RXQ_BYTES;

	if (!room)
		n->be_waiting = true;
	return room;
}

static void net_drop_queue(struct virtio_net *n)
{
	while (n->head) {
		struct net_frame *f = n->head;

		n->head = f->next;
		free(f);
	}
	n->tail = NULL;
	n->queued = 0;
	n->queued_bytes = 0;
}

/* The guest posted receive buffers: frames waiting go in first. */
static void net_rx_drain(struct virtio_net *n)
{
	while (n->head) {
		struct net_frame *f = n->head;

		if (!net_rx_put(n, f->data, f->len))
			break;
		n->head = f->next;
		if (!n->head)
			n->tail = NULL;
		n->queued--;
		n->queued_bytes -= f->len;
		free(f);
	}
	virtio_mmio_flush(n->t);
	if (n->be_waiting && n->queued < NET_RXQ_FRAMES) {
		n->be_waiting = false;
		if (n->ops->resume)
			n->ops->resume(n->be);
	}
}

/*
 * Complete a partial checksum (VIRTIO_NET_F_CSUM, 5.1.6.2): the 16-bit
 * field at csum_start + csum_offset holds the pseudo-header's sum; the
 * ones' complement of the sum from csum_start to the end goes there.
 */
static const char *net_tx_csum(uint8_t *frame, size_t len, const uint8_t *hdr)
{
	size_t start = (size_t)hdr[6] | (size_t)hdr[7] << 8;
	size_t off = (size_t)hdr[8] | (size_t)hdr[9] << 8;
	uint64_t sum = 0;
	size_t i;

	if (start >= len || off > len - start || len - start - off < 2)
		return "has a checksum start or offset beyond its end";
	for (i = start; i + 1 < len; i += 2)
		sum += (uint32_t)frame[i] << 8 | frame[i + 1];
	if (i < len)
		sum += (uint32_t)frame[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	frame[start + off] = (uint8_t)(sum >> 8);
	frame[start + off + 1] = (uint8_t)sum;
	return NULL;
}

/*
 * The frame of a transmit chain into n->txbuf (*len bytes), or why it
 * must be dropped, for the log.
 */
static const char *net_tx_frame(struct virtio_net *n, const struct virtio_req *req, size_t *len)
{
	uint8_t hdr[NET_HDR_LEN];

	if (req->out_len < NET_HDR_LEN + NET_FRAME_MIN)
		return "shorter than the header and an Ethernet header";
	if (req->out_len > NET_HDR_LEN + NET_FRAME_MAX)
		return "longer than the largest frame";
	virtq_iov_to_buf(req->iov, req->out_num, 0, hdr, sizeof(hdr));
	if (hdr[1] != VIRTIO_NET_HDR_GSO_NONE)
		return "asks for segmentation, which was not negotiated";
	if ((hdr[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    !__atomic_load_n(&n->csum_tx, __ATOMIC_RELAXED))
		return "asks for a checksum, which was not negotiated";
	*len = (size_t)req->out_len - NET_HDR_LEN;
	virtq_iov_to_buf(req->iov, req->out_num, NET_HDR_LEN, n->txbuf, *len);
	if (hdr[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return net_tx_csum(n->txbuf, *len, hdr);
	return NULL;
}

static void net_tx(struct virtio_net *n)
{
	unsigned done, sent = 0;

	for (done = 0; done < NET_TX_BUDGET; done++) {
		struct virtio_req *req;
		const char *bad;
		size_t len = 0;

		if (virtio_mmio_pop(n->t, NET_TXQ, 0, &req) <= 0)
			break;
		bad = net_tx_frame(n, req, &len);
		if (bad) {
			n->tx_dropped++;
			axvm_log_ratelimited(&n->limit, AXVM_LOG_DEBUG,
					     "%s: transmit chain %u (%" PRIu64
					     " bytes) %s: dropped",
					     net_name(n), req->head, req->out_len, bad);
		} else {
			n->ops->send(n->be, n->txbuf, len);
			n->tx_frames++;
			sent++;
		}
		virtio_mmio_complete(n->t, req, 0);
	}
	if (done == NET_TX_BUDGET)
		virtio_mmio_kick(n->t, NET_TXQ); /* more after the others' turn */
	if (sent && n->ops->send_done)
		n->ops->send_done(n->be);
	virtio_mmio_flush(n->t);
}

/* One control command (5.1.6.5): class, command, data; an ack byte back. */
static uint8_t net_ctrl_command(struct virtio_net *n, const struct virtio_req *req)
{
	uint8_t cmd[2 + 6];
	size_t got = virtq_iov_to_buf(req->iov, req->out_num, 0, cmd, sizeof(cmd));

	if (got < 2)
		return VIRTIO_NET_ERR;
	switch (cmd[0]) {
	case VIRTIO_NET_CTRL_RX:
		/* Every frame the backend gives reaches the guest: nothing to filter. */
		return (cmd[1] == VIRTIO_NET_CTRL_RX_PROMISC ||
			cmd[1] == VIRTIO_NET_CTRL_RX_ALLMULTI) &&
			       req->out_len == 3
			   ? VIRTIO_NET_OK
			   : VIRTIO_NET_ERR;
	case VIRTIO_NET_CTRL_MAC:
		if (cmd[1] == VIRTIO_NET_CTRL_MAC_TABLE_SET)
			return VIRTIO_NET_OK;
		if (cmd[1] == VIRTIO_NET_CTRL_MAC_ADDR_SET && req->out_len == 8 && got == 8) {
			memcpy(n->mac, cmd + 2, 6);
			virtio_mmio_config_set(n->t, 0, n->mac, 6);
			return VIRTIO_NET_OK;
		}
		return VIRTIO_NET_ERR;
	default:
		return VIRTIO_NET_ERR;
	}
}

static void net_ctrl(struct virtio_net *n)
{
	struct virtio_req *req;

	for (unsigned i = 0; i < NET_QUEUE_SIZE; i++) {
		uint8_t ack;

		if (virtio_mmio_pop(n->t, NET_CTRLQ, 0, &req) <= 0)
			break;
		if (req->in_len < 1) {
			virtio_mmio_complete(n->t, req, 0);
			virtio_mmio_fail(n->t, NET_CTRLQ, "control command without an ack byte");
			break;
		}
		ack = net_ctrl_command(n, req);
		virtq_iov_from_buf(virtio_req_in(req), req->in_num, 0, &ack, 1);
		virtio_mmio_complete(n->t, req, 1);
	}
	virtio_mmio_flush(n->t);
}

static void net_queue_notify(void *dev, unsigned q)
{
	struct virtio_net *n = dev;

	if (q == NET_RXQ)
		net_rx_drain(n);
	else if (q == NET_TXQ)
		net_tx(n);
	else
		net_ctrl(n);
}

static void net_drop_held(struct virtio_net *n)
{
	if (n->rx)
		virtio_mmio_complete(n->t, n->rx, 0); /* stale after a reset: only freed */
	n->rx = NULL;
}

static void net_reset(void *dev)
{
	struct virtio_net *n = dev;

	net_drop_held(n);
	net_drop_queue(n);
	if (n->be_waiting) {
		n->be_waiting = false;
		if (n->ops->resume)
			n->ops->resume(n->be);
	}
}

static void net_destroy(void *dev)
{
	struct virtio_net *n = dev;

	if (n->be)
		n->ops->destroy(n->be);
	net_drop_held(n);
	net_drop_queue(n);
	free(n);
}

/* vCPU thread, under the transport's lock: remember what the datapath may use. */
static int net_features_ok(void *dev, uint64_t features)
{
	struct virtio_net *n = dev;

	__atomic_store_n(&n->csum_tx, (features & VIRTIO_BIT(VIRTIO_NET_F_CSUM)) != 0,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&n->csum_rx, (features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)) != 0,
			 __ATOMIC_RELAXED);
	return 0;
}

static const struct virtio_mmio_device net_device = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .num_queues = 3,
    .queue_size_max = NET_QUEUE_SIZE,
    .config_size = NET_CONFIG_SIZE,
    .features_ok = net_features_ok,
    .queue_notify = net_queue_notify,
    .reset = net_reset,
    .destroy = net_destroy,
};

/* "52:54:00:12:34:56": six hex pairs, unicast. */
static int net_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char c = *s++;

			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				v = v * 16 + (unsigned)((c | 0x20) - 'a' + 10);
			else
				return -1;
		}
		if (*s != (i < 5 ? ':' : 0))
			return -1;
		s++;
		mac[i] = (uint8_t)v;
	}
	return (mac[0] & 1) ? -1 : 0;
}

/* Append an item to the backend's options, commas doubled again. */
static void net_append_opt(char *buf, size_t *len, const struct axvm_devopt *opt)
{
	if (*len)
		buf[(*len)++] = ',';
	for (const char *p = opt->key; *p; p++)
		buf[(*len)++] = *p;
	if (opt->key[0])
		buf[(*len)++] = '=';
	for (const char *p = opt->value; *p; p++) {
		buf[(*len)++] = *p;
		if (*p == ',')
			buf[(*len)++] = ',';
	}
	buf[*len] = 0;
}

static int net_fail(const struct axvm_devclass_ctx *ctx, int ret, const char *what)
{
	return axvm_devclass_fail(ctx, net_device.name, ret, "%s", what);
}

static int net_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	const char *cursor = ctx->options;
	uint8_t config[NET_CONFIG_SIZE] = {0};
	struct net_backend_ctx bctx;
	struct axvm_devopt opt;
	struct virtio_net *n;
	char *beopts = NULL;
	size_t beopts_len = 0;
	bool first = true;
	char msg[160];
	int ret;

	*state = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return net_fail(ctx, -AXVM_ENOMEM, "out of memory");
	beopts = calloc(1, 2 * (ctx->options ? strlen(ctx->options) : 0) + 2);
	if (!beopts) {
		free(n);
		return net_fail(ctx, -AXVM_ENOMEM, "out of memory");
	}
	n->ops = &net_backend_user;
	n->mtu = NET_MTU_DEFAULT;
	n->offload = false;
	memcpy(n->mac, (const uint8_t[]){0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, 6);
	n->mac[5] = (uint8_t)(n->mac[5] + ctx->index);
	while ((ret = axvm_devopt_next(&cursor, &opt)) > 0) {
		if (first && !opt.key[0] && net_backend_find(opt.value)) {
			n->ops = net_backend_find(opt.value);
		} else if (strcmp(opt.key, "mac") == 0) {
			if (net_parse_mac(opt.value, n->mac)) {
				snprintf(
				    msg, sizeof(msg),
				    "mac=%.40s: expected six hex bytes like 52:54:00:12:34:56, "
				    "not multicast",
				    opt.value);
				ret = net_fail(ctx, -AXVM_EINVAL, msg);
				goto fail;
			}
		} else if (strcmp(opt.key, "mtu") == 0) {
			char *end;
			unsigned long v = strtoul(opt.value, &end, 10);

			if (!opt.value[0] || *end || v < NET_MTU_MIN || v > NET_MTU_MAX) {
				snprintf(msg, sizeof(msg), "mtu=%.40s: expected %u to %u",
					 opt.value, NET_MTU_MIN, NET_MTU_MAX);
				ret = net_fail(ctx, -AXVM_EINVAL, msg);
				goto fail;
			}
			n->mtu = (unsigned)v;
		} else if (strcmp(opt.key, "offload") == 0) {
			if (strcmp(opt.value, "on") != 0 && strcmp(opt.value, "off") != 0) {
				snprintf(msg, sizeof(msg), "offload=%.40s: expected on or off",
					 opt.value);
				ret = net_fail(ctx, -AXVM_EINVAL, msg);
				goto fail;
			}
			n->offload = strcmp(opt.value, "on") == 0;
		} else if (first && !opt.key[0]) {
			snprintf(msg, sizeof(msg),
				 "unknown network backend \"%.40s\" (want user or tap)", opt.value);
			ret = net_fail(ctx, -AXVM_EINVAL, msg);
			goto fail;
		} else {
			net_append_opt(beopts, &beopts_len, &opt);
		}
		first = false;
	}
	if (ret < 0) {
		ret = net_fail(ctx, ret, "an option is too long");
		goto fail;
	}
	memcpy(config, n->mac, 6);
	config[NET_CONFIG_STATUS] = VIRTIO_NET_S_LINK_UP;
	config[8] = 1; /* max_virtqueue_pairs */
	config[10] = (uint8_t)n->mtu;
	config[11] = (uint8_t)(n->mtu >> 8);
	ret = virtio_mmio_create(
	    ctx, &net_device, n,
	    VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_MTU) |
		VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
		VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) |
		(n->offload ? VIRTIO_BIT(VIRTIO_NET_F_CSUM) : 0) |
		(n->offload && n->ops->frames_checksummed ? VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)
							  : 0),
	    config, &n->t);
	if (ret)
		goto fail;
	bctx = (struct net_backend_ctx){
	    .dev = ctx,
	    .options = beopts,
	    .mac = n->mac,
	    .mtu = n->mtu,
	    .peer = {net_peer_receive, net_peer_flush, net_peer_can_receive, n},
	};
	ret = n->ops->create(&bctx, &n->be);
	free(beopts);
	if (ret) {
		axvm_virtio_mmio_destroy(n->t); /* frees n; the message stays the backend's */
		return ret;
	}
	*state = n->t;
	return 0;
fail:
	free(beopts);
	free(n);
	return ret;
}

const struct axvm_devclass axvm_virtio_net_class = {
    .name = "virtio-net",
    .mmio_size = AXVM_VIRTIO_MMIO_SIZE,
    .min_width = 1,
    .max_width = 4,
    .ops = &axvm_virtio_mmio_ops,
    .create = net_create,
    .destroy = axvm_virtio_mmio_destroy,
    .fdt_node = axvm_virtio_mmio_fdt_node,
};
