/* SPDX-License-Identifier: MIT */
/*
 * virtio-console on a struct axvm_console: guest output into the console
 * (direct and buffered, waiting for room when the buffer is full), host
 * input into the guest's receive buffers (waiting for input), the
 * emergency write, reset with held buffers, and a hostile transmit chain.
 */
#include "test.h"

#include <stdlib.h>

#include "devices/virtio_mmio.h"
#include "virtio_driver.h"

#define RXQ 0
#define TXQ 1

struct con_fixture {
	struct vdrv d;
	struct axvm_console *con;
	uint8_t *out;
	size_t out_len, out_cap;
};

static void con_sink(void *opaque, const uint8_t *buf, size_t len)
{
	struct con_fixture *f = opaque;

	if (f->out_len + len > f->out_cap)
		len = f->out_cap - f->out_len;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
}

/* buffered: the console keeps output until the test drains it. */
static bool con_setup(struct con_fixture *f, bool buffered)
{
	struct axvm_console_sink sink = {.write = buffered ? NULL : con_sink, .opaque = f};
	int ret;

	memset(f, 0, sizeof(*f));
	f->out_cap = 1 << 20;
	f->out = calloc(1, f->out_cap);
	if (!f->out || axvm_console_create(&sink, &f->con) != 0)
		return false;
	ret = vdrv_setup(&f->d, &axvm_virtio_console_class, NULL, f->con);
	if (ret)
		printf("    setup: %d %s\n", ret, f->d.err);
	return ret == 0 && vdrv_init(&f->d, 0, 2, 16);
}

static void con_teardown(struct con_fixture *f)
{
	vdrv_teardown(&f->d);
	axvm_console_destroy(f->con);
	free(f->out);
}

static void post(struct vdrv *d, unsigned q, uint64_t gpa, uint32_t len, bool write)
{
	struct vdrv_buf b = {gpa, len, write};

	vdrv_post(d, q, &b, 1);
	vdrv_kick(d, q);
}

TEST(test_virtio_console_identifies_and_offers_emergency_write)
{
	struct con_fixture f;

	REQUIRE(con_setup(&f, false));
	CHECK_U64(3, vdrv_rd(&f.d, VDRV_DEVICE_ID));
	CHECK_U64((1ull << 2) | VIRTIO_BIT(VIRTIO_F_VERSION_1) |
		      VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
		  vdrv_device_features(&f.d));
	CHECK_U64(0, vdrv_rd(&f.d, VDRV_CONFIG + 0)); /* cols, rows */
	CHECK_U64(1, vdrv_rd(&f.d, VDRV_CONFIG + 4)); /* max_nr_ports */
	con_teardown(&f);
}

TEST(test_virtio_console_needs_a_console)
{
	struct vdrv d;

	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_console_class, NULL, NULL));
	CHECK_STR("-d needs a console (ctx->console)", d.err);
	vdrv_teardown(&d);
}

TEST(test_virtio_console_guest_output_reaches_the_console)
{
	struct con_fixture f;
	uint64_t buf;
	uint32_t len = 99;

	REQUIRE(con_setup(&f, false));
	buf = vdrv_alloc(&f.d, 16, 8);
	memcpy(vdrv_host(&f.d, buf), "hello, console\n", 15);
	post(&f.d, TXQ, buf, 15, false);
	REQUIRE(vdrv_wait_used(&f.d, TXQ, 1));
	vdrv_take_used(&f.d, TXQ, &len);
	CHECK_INT(0, len);
	CHECK_INT(15, f.out_len);
	CHECK(memcmp(f.out, "hello, console\n", 15) == 0);
	CHECK_INT(1, f.d.irq_level);
	con_teardown(&f);
}

TEST(test_virtio_console_large_output_arrives_whole_in_order)
{
	struct con_fixture f;
	uint32_t size = 300000;
	uint64_t buf;
	uint8_t *p;
	bool same = true;

	REQUIRE(con_setup(&f, false));
	buf = vdrv_alloc(&f.d, size, 8);
	p = vdrv_host(&f.d, buf);
	for (uint32_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 13);
	post(&f.d, TXQ, buf, size, false);
	REQUIRE(vdrv_wait_used(&f.d, TXQ, 1));
	CHECK_INT(size, f.out_len);
	for (uint32_t i = 0; i < size && same; i++)
		same = f.out[i] == (uint8_t)(i * 13);
	CHECK(same);
	con_teardown(&f);
}

TEST(test_virtio_console_output_waits_for_room_in_a_full_buffer)
{
	struct con_fixture f;
	uint32_t size = AXVM_CONSOLE_OUTPUT_SIZE + 100;
	const uint8_t *data;
	size_t n, total = 0;
	uint64_t buf;

	REQUIRE(con_setup(&f, true));
	buf = vdrv_alloc(&f.d, size, 8);
	memset(vdrv_host(&f.d, buf), 'x', size);
	post(&f.d, TXQ, buf, size, false);
	vdrv_run_idle(&f.d);
	CHECK_INT(0, vdrv_used_idx(&f.d, TXQ)); /* 100 bytes still wait */
	CHECK_INT(AXVM_CONSOLE_OUTPUT_SIZE, axvm_console_output_pending(f.con));
	/* The host drains: the output-room listener resumes the chain. */
	while ((n = axvm_console_output_peek(f.con, &data)) != 0) {
		axvm_console_output_consume(f.con, n);
		total += n;
	}
	REQUIRE(vdrv_wait_used(&f.d, TXQ, 1));
	total += axvm_console_output_pending(f.con);
	CHECK_INT(size, total);
	con_teardown(&f);
}

TEST(test_virtio_console_host_input_reaches_a_receive_buffer)
{
	struct con_fixture f;
	uint64_t buf;
	uint32_t len;

	REQUIRE(con_setup(&f, false));
	buf = vdrv_alloc(&f.d, 64, 8);
	post(&f.d, RXQ, buf, 64, true);
	vdrv_run_idle(&f.d);
	CHECK_INT(0, vdrv_used_idx(&f.d, RXQ)); /* held until input arrives */
	axvm_console_push(f.con, (const uint8_t *)"ls\n", 3);
	REQUIRE(vdrv_wait_used(&f.d, RXQ, 1));
	vdrv_take_used(&f.d, RXQ, &len);
	CHECK_INT(3, len);
	CHECK(memcmp(vdrv_host(&f.d, buf), "ls\n", 3) == 0);
	CHECK(!axvm_console_has_input(f.con));
	con_teardown(&f);
}

TEST(test_virtio_console_input_before_buffers_waits_in_the_console)
{
	struct con_fixture f;
	uint64_t a, b;
	uint32_t len;

	REQUIRE(con_setup(&f, false));
	axvm_console_push(f.con, (const uint8_t *)"abcdef", 6);
	vdrv_run_idle(&f.d);
	a = vdrv_alloc(&f.d, 4, 8);
	b = vdrv_alloc(&f.d, 4, 8);
	post(&f.d, RXQ, a, 4, true);
	post(&f.d, RXQ, b, 4, true);
	REQUIRE(vdrv_wait_used(&f.d, RXQ, 2));
	vdrv_take_used(&f.d, RXQ, &len);
	CHECK_INT(4, len);
	vdrv_take_used(&f.d, RXQ, &len);
	CHECK_INT(2, len);
	CHECK(memcmp(vdrv_host(&f.d, a), "abcd", 4) == 0);
	CHECK(memcmp(vdrv_host(&f.d, b), "ef", 2) == 0);
	con_teardown(&f);
}

/* The console is shared (a UART, the SBI console): a posted buffer makes it the input's owner. */
TEST(test_virtio_console_receive_buffer_claims_the_console_input)
{
	struct con_fixture f;
	static const char uart = 'u'; /* another consumer of the same console */
	uint64_t buf;
	uint32_t len;

	REQUIRE(con_setup(&f, false));
	axvm_console_claim_input(f.con, &uart);
	buf = vdrv_alloc(&f.d, 8, 8);
	post(&f.d, RXQ, buf, 8, true);
	vdrv_run_idle(&f.d);
	CHECK(axvm_console_input_owner(f.con) != &uart);
	axvm_console_push(f.con, (const uint8_t *)"q", 1);
	REQUIRE(vdrv_wait_used(&f.d, RXQ, 1));
	vdrv_take_used(&f.d, RXQ, &len);
	CHECK_INT(1, len);
	CHECK_INT('q', *(const uint8_t *)vdrv_host(&f.d, buf));
	/* The UART reclaims (ttyS0 opened): the next byte is not the device's. */
	post(&f.d, RXQ, buf, 8, true);
	vdrv_run_idle(&f.d);
	axvm_console_claim_input(f.con, &uart);
	axvm_console_push(f.con, (const uint8_t *)"r", 1);
	vdrv_run_idle(&f.d);
	CHECK_INT(1, vdrv_used_idx(&f.d, RXQ));
	CHECK_INT('r', axvm_console_pop_for(f.con, &uart));
	con_teardown(&f);
}

TEST(test_virtio_console_emergency_write_goes_to_the_console)
{
	struct con_fixture f;

	REQUIRE(con_setup(&f, false));
	vdrv_wr(&f.d, VDRV_CONFIG + 8, '!');
	CHECK_INT(1, f.out_len);
	CHECK_INT('!', f.out[0]);
	con_teardown(&f);
}

TEST(test_virtio_console_reset_drops_a_held_receive_buffer)
{
	struct con_fixture f;
	uint64_t buf;

	REQUIRE(con_setup(&f, false));
	buf = vdrv_alloc(&f.d, 8, 8);
	post(&f.d, RXQ, buf, 8, true);
	vdrv_run_idle(&f.d);
	vdrv_wr(&f.d, VDRV_STATUS, 0);
	/* The held buffer (it claimed the input) returns first: Status reads 0 after (2.4.2). */
	vdrv_run_idle(&f.d);
	CHECK_U64(0, vdrv_rd(&f.d, VDRV_STATUS));
	axvm_console_push(f.con, (const uint8_t *)"z", 1);
	vdrv_run_idle(&f.d);
	CHECK_INT(0, vdrv_used_idx(&f.d, RXQ));
	CHECK(axvm_console_has_input(f.con)); /* nobody took it */
	con_teardown(&f);
}

TEST(test_virtio_console_hostile_transmit_loop_needs_reset)
{
	struct con_fixture f;
	uint64_t buf;

	REQUIRE(con_setup(&f, false));
	buf = vdrv_alloc(&f.d, 8, 8);
	vdrv_set_desc(&f.d, TXQ, 0, buf, 8, VIRTQ_DESC_F_NEXT, 0);
	vdrv_publish(&f.d, TXQ, 0);
	vdrv_kick(&f.d, TXQ);
	vdrv_run_idle(&f.d);
	CHECK_U64(VIRTIO_STATUS_DEVICE_NEEDS_RESET,
		  vdrv_rd(&f.d, VDRV_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	CHECK_INT(0, f.out_len);
	con_teardown(&f);
}
