/* SPDX-License-Identifier: MIT */
/*
 * virtio-console (virtio 1.2, section 5.3) with one port and no multiport:
 * device ID 3, queue 0 = receiveq (host -> guest), queue 1 = transmitq
 * (guest -> host). Feature offered: VIRTIO_CONSOLE_F_EMERG_WRITE (2): a
 * byte written to config.emerg_wr goes to the console at once. Config
 * space (5.3.4):
 *
 *   0x00 le16 cols    0 (VIRTIO_CONSOLE_F_SIZE not offered)
 *   0x02 le16 rows    0
 *   0x04 le32 max_nr_ports  1 (meaningful with MULTIPORT only)
 *   0x08 le32 emerg_wr      write-only
 *
 * Linux's virtio_console makes the single port of a non-multiport device
 * a console (an hvc). It takes the first free hvc index: hvc0 unless the
 * kernel registered its SBI console first (CONFIG_HVC_RISCV_SBI), which
 * claims hvc0, and then this port is hvc1.
 *
 * The host side is a struct axvm_console: guest output goes in with
 * axvm_console_write (a short write when its buffer is full: the chain
 * waits, and the console's output-room listener resumes it), guest input
 * comes from axvm_console_pop_for (the input listener wakes the receive
 * queue). The console is shared with the UART and the SBI console: a
 * receive buffer made available claims its input (axvm/console.h), so
 * keystrokes go where the guest reads. Work per wake-up is bounded
 * (CONSOLE_BUDGET bytes each way), then the device re-kicks itself.
 *
 * Options: none.
 */
#include <stdlib.h>
#include <string.h>

#include "axvm/log.h"
#include "devclass.h"
#include "virtio_mmio.h"

#define VIRTIO_CONSOLE_F_SIZE 0
#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

#define CONSOLE_RXQ 0
#define CONSOLE_TXQ 1
#define CONSOLE_QUEUE_SIZE 128
#define CONSOLE_CONFIG_SIZE 12
#define CONSOLE_CONFIG_EMERG_WR 8
#define CONSOLE_BUDGET 65536 /* bytes per direction per wake-up */

struct virtio_console {
	struct axvm_virtio_mmio *t;
	struct axvm_console *con;
	struct virtio_req *rx; /* held: waiting for input */
	struct virtio_req *tx; /* held: waiting for output room */
	uint64_t tx_off;       /* bytes of tx already written */
};

static void console_input_ready(void *opaque)
{
	struct virtio_console *c = opaque;

	virtio_mmio_kick(c->t, CONSOLE_RXQ);
}

static void console_output_room(void *opaque)
{
	struct virtio_console *c = opaque;

	virtio_mmio_kick(c->t, CONSOLE_TXQ);
}

/* Host input into the guest's receive buffers. */
static void console_rx(struct virtio_console *c)
{
	size_t budget = CONSOLE_BUDGET;

	while (budget) {
		uint8_t buf[256];
		size_t n = 0, cap;

		if (!c->rx) {
			/*
			 * The driver offers a receive buffer: the guest reads its
			 * console here (hvc0). Keep the buffer until input comes.
			 */
			if (virtio_mmio_pop(c->t, CONSOLE_RXQ, 0, &c->rx) <= 0)
				break;
			if (axvm_console_input_owner(c->con) != c) {
				axvm_debug("virtio-console: a receive buffer posted: it takes the "
					   "console input");
				axvm_console_claim_input(c->con, c);
			}
		}
		if (virtio_mmio_req_is_stale(c->t, c->rx)) {
			virtio_mmio_complete(c->t, c->rx, 0);
			c->rx = NULL;
			continue;
		}
		cap = c->rx->in_len < sizeof(buf) ? (size_t)c->rx->in_len : sizeof(buf);
		if (cap > budget)
			cap = budget;
		while (n < cap) {
			int ch = axvm_console_pop_for(c->con, c);

			if (ch < 0)
				break;
			buf[n++] = (uint8_t)ch;
		}
		if (n == 0) {
			if (c->rx->in_len == 0) { /* nothing can ever go there */
				virtio_mmio_complete(c->t, c->rx, 0);
				c->rx = NULL;
				continue;
			}
			break; /* keep it until input arrives */
		}
		virtq_iov_from_buf(virtio_req_in(c->rx), c->rx->in_num, 0, buf, n);
		virtio_mmio_complete(c->t, c->rx, (uint32_t)n);
		c->rx = NULL;
		budget -= n;
	}
	if (!budget)
		virtio_mmio_kick(c->t, CONSOLE_RXQ);
	virtio_mmio_flush(c->t);
}

/* Guest output into the console. */
static void console_tx(struct virtio_console *c)
{
	size_t budget = CONSOLE_BUDGET;

	while (budget) {
		uint8_t buf[512];
		size_t len, taken;

		if (!c->tx) {
			if (virtio_mmio_pop(c->t, CONSOLE_TXQ, 0, &c->tx) <= 0)
				break;
			c->tx_off = 0;
		}
		if (virtio_mmio_req_is_stale(c->t, c->tx) || c->tx_off >= c->tx->out_len) {
			virtio_mmio_complete(c->t, c->tx, 0);
			c->tx = NULL;
			continue;
		}
		len = c->tx->out_len - c->tx_off < sizeof(buf)
			  ? (size_t)(c->tx->out_len - c->tx_off)
			  : sizeof(buf);
		if (len > budget)
			len = budget;
		len = virtq_iov_to_buf(c->tx->iov, c->tx->out_num, (size_t)c->tx_off, buf, len);
		taken = axvm_console_write(c->con, buf, len);
		c->tx_off += taken;
		budget -= taken;
		if (taken < len && !axvm_console_request_output_room(c->con, 1))
			return; /* output_room kicks us when the host has drained some */
	}
	if (!budget)
		virtio_mmio_kick(c->t, CONSOLE_TXQ);
	virtio_mmio_flush(c->t);
}

static void console_queue_notify(void *dev, unsigned q)
{
	struct virtio_console *c = dev;

	if (q == CONSOLE_RXQ)
		console_rx(c);
	else
		console_tx(c);
}

static void console_drop_held(struct virtio_console *c)
{
	if (c->rx)
		virtio_mmio_complete(c->t, c->rx, 0); /* stale: only freed */
	if (c->tx)
		virtio_mmio_complete(c->t, c->tx, 0);
	c->rx = c->tx = NULL;
}

static void console_reset(void *dev)
{
	console_drop_held(dev);
}

/* Under the transport's lock (a vCPU thread): no waiting, a full buffer drops the byte. */
static void console_config_write(void *dev, uint8_t *config, uint32_t offset, unsigned width,
				 uint32_t value)
{
	struct virtio_console *c = dev;
	uint8_t byte = (uint8_t)value;

	if (offset == CONSOLE_CONFIG_EMERG_WR)
		axvm_console_write(c->con, &byte, 1);
}

static void console_destroy(void *dev)
{
	struct virtio_console *c = dev;

	axvm_console_unregister_listener(c->con, c);
	console_drop_held(c);
	free(c);
}

static const struct virtio_mmio_device console_device = {
    .name = "virtio-console",
    .device_id = VIRTIO_ID_CONSOLE,
    .num_queues = 2,
    .queue_size_max = CONSOLE_QUEUE_SIZE,
    .config_size = CONSOLE_CONFIG_SIZE,
    .queue_notify = console_queue_notify,
    .reset = console_reset,
    .config_write = console_config_write,
    .destroy = console_destroy,
};

static int console_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	const char *cursor = ctx->options;
	uint8_t config[CONSOLE_CONFIG_SIZE] = {0};
	struct axvm_devopt opt;
	struct virtio_console *c;
	int ret;

	*state = NULL;
	if (axvm_devopt_next(&cursor, &opt) != 0)
		return axvm_devclass_fail(ctx, console_device.name, -AXVM_EINVAL,
					  "virtio-console takes no options (got \"%s\")",
					  ctx->options);
	if (!ctx->console)
		return axvm_devclass_fail(ctx, console_device.name, -AXVM_EINVAL,
					  "needs a console (ctx->console)");
	c = calloc(1, sizeof(*c));
	if (!c)
		return axvm_devclass_fail(ctx, console_device.name, -AXVM_ENOMEM, "out of memory");
	c->con = ctx->console;
	config[4] = 1; /* max_nr_ports, le32 */
	ret = virtio_mmio_create(ctx, &console_device, c, VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE),
				 config, &c->t);
	if (ret) {
		free(c);
		return ret;
	}
	ret = axvm_console_register_listener(
	    c->con, &(struct axvm_console_listener){console_input_ready, console_output_room, c});
	if (ret) {
		axvm_virtio_mmio_destroy(c->t); /* frees c */
		return axvm_devclass_fail(ctx, console_device.name, ret, "%s",
					  axvm_error_message());
	}
	*state = c->t;
	return 0;
}

const struct axvm_devclass axvm_virtio_console_class = {
    .name = "virtio-console",
    .mmio_size = AXVM_VIRTIO_MMIO_SIZE,
    .min_width = 1,
    .max_width = 4,
    .ops = &axvm_virtio_mmio_ops,
    .create = console_create,
    .destroy = axvm_virtio_mmio_destroy,
    .fdt_node = axvm_virtio_mmio_fdt_node,
};
