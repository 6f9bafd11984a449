/* SPDX-License-Identifier: MIT */
/*
 * The console (axvm/console.h): direct and buffered output, the buffer's
 * bound and its notifications (once per drain, urgent on a newline), room
 * for devices that wait, closing a failed output, input backpressure, and
 * several devices sharing one console (input has one owner at a time).
 */
#include "test.h"

#include <axvm/console.h>
#include <pthread.h>
#include <time.h>

struct con_fixture {
	struct axvm_console *con;
	unsigned ready_calls, urgent_calls, input_room_calls, room_calls;
	uint8_t direct[64];
	size_t direct_len;
};

static void fx_output_ready(void *opaque, bool urgent)
{
	struct con_fixture *f = opaque;

	f->ready_calls++;
	f->urgent_calls += urgent;
}

static void fx_input_room(void *opaque)
{
	struct con_fixture *f = opaque;

	f->input_room_calls++;
}

static void fx_room(void *opaque)
{
	struct con_fixture *f = opaque;

	f->room_calls++;
}

static void fx_direct(void *opaque, const uint8_t *buf, size_t len)
{
	struct con_fixture *f = opaque;

	memcpy(f->direct + f->direct_len, buf, len);
	f->direct_len += len;
}

static int fx_buffered(struct con_fixture *f)
{
	struct axvm_console_sink sink = {
	    .opaque = f,
	    .output_ready = fx_output_ready,
	    .input_room = fx_input_room,
	};

	memset(f, 0, sizeof(*f));
	return axvm_console_create(&sink, &f->con);
}

static void fill(struct axvm_console *con, size_t n)
{
	uint8_t chunk[1024];

	memset(chunk, 'x', sizeof(chunk));
	while (n) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);

		axvm_console_write(con, chunk, k);
		n -= k;
	}
}

/* Everything pending, in order. */
static size_t drain(struct axvm_console *con, uint8_t *out, size_t cap)
{
	const uint8_t *p;
	size_t n, total = 0;

	while ((n = axvm_console_output_peek(con, &p)) != 0) {
		if (total + n <= cap)
			memcpy(out + total, p, n);
		total += n;
		axvm_console_output_consume(con, n);
	}
	return total;
}

TEST(test_console_direct_mode_hands_every_write_to_the_sink)
{
	struct con_fixture f;
	struct axvm_console_sink sink = {.write = fx_direct, .opaque = &f};

	memset(&f, 0, sizeof(f));
	REQUIRE_OK(axvm_console_create(&sink, &f.con));
	CHECK_INT(3, axvm_console_write(f.con, (const uint8_t *)"abc", 3));
	CHECK_INT(3, f.direct_len);
	CHECK(memcmp(f.direct, "abc", 3) == 0);
	CHECK(axvm_console_output_room(f.con) == SIZE_MAX);
	CHECK_INT(3, axvm_console_output_total(f.con));
	axvm_console_destroy(f.con);
}

TEST(test_console_buffered_output_keeps_order_across_the_wrap)
{
	struct con_fixture f;
	static uint8_t in[3 * AXVM_CONSOLE_OUTPUT_SIZE / 2], out[sizeof(in)];
	size_t written = 0, got = 0;

	REQUIRE_OK(fx_buffered(&f));
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + i / 251);
	/* Interleave writes and partial drains so the ring wraps. */
	while (written < sizeof(in) || axvm_console_output_pending(f.con)) {
		const uint8_t *p;
		size_t n;

		if (written < sizeof(in))
			written += axvm_console_write(
			    f.con, in + written,
			    sizeof(in) - written < 5000 ? sizeof(in) - written : 5000);
		n = axvm_console_output_peek(f.con, &p);
		if (n > 3000)
			n = 3000;
		memcpy(out + got, p, n);
		got += n;
		axvm_console_output_consume(f.con, n);
	}
	CHECK_INT(sizeof(in), got);
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	axvm_console_destroy(f.con);
}

TEST(test_console_full_buffer_takes_no_more_bytes)
{
	struct con_fixture f;

	REQUIRE_OK(fx_buffered(&f));
	fill(f.con, AXVM_CONSOLE_OUTPUT_SIZE - 2);
	CHECK_INT(2, axvm_console_output_room(f.con));
	CHECK_INT(2, axvm_console_write(f.con, (const uint8_t *)"abcd", 4));
	CHECK_INT(0, axvm_console_write(f.con, (const uint8_t *)"e", 1));
	CHECK_INT(0, axvm_console_output_room(f.con));
	CHECK_INT(AXVM_CONSOLE_OUTPUT_SIZE, axvm_console_output_pending(f.con));
	CHECK_INT(AXVM_CONSOLE_OUTPUT_SIZE, axvm_console_output_total(f.con));
	axvm_console_destroy(f.con);
}

TEST(test_console_output_ready_once_per_drain_not_per_byte)
{
	struct con_fixture f;

	REQUIRE_OK(fx_buffered(&f));
	for (int i = 0; i < 100; i++)
		axvm_console_write(f.con, (const uint8_t *)"a", 1);
	CHECK_INT(1, f.ready_calls);
	CHECK_INT(0, f.urgent_calls);
	/* The owner looked: the next byte is news again. */
	{
		uint8_t buf[128];

		CHECK_INT(100, drain(f.con, buf, sizeof(buf)));
	}
	axvm_console_write(f.con, (const uint8_t *)"b", 1);
	CHECK_INT(2, f.ready_calls);
	axvm_console_destroy(f.con);
}

TEST(test_console_newline_makes_output_urgent_once)
{
	struct con_fixture f;

	REQUIRE_OK(fx_buffered(&f));
	axvm_console_write(f.con, (const uint8_t *)"ab", 2);
	axvm_console_write(f.con, (const uint8_t *)"c\n", 2);
	axvm_console_write(f.con, (const uint8_t *)"d\n", 2);
	CHECK_INT(2, f.ready_calls); /* not urgent, then urgent; the second line adds nothing */
	CHECK_INT(1, f.urgent_calls);
	axvm_console_destroy(f.con);
}

TEST(test_console_half_full_buffer_is_urgent_without_a_newline)
{
	struct con_fixture f;

	REQUIRE_OK(fx_buffered(&f));
	fill(f.con, AXVM_CONSOLE_OUTPUT_SIZE / 2 - 1);
	CHECK_INT(0, f.urgent_calls);
	axvm_console_write(f.con, (const uint8_t *)"x", 1);
	CHECK_INT(1, f.urgent_calls);
	axvm_console_destroy(f.con);
}

TEST(test_console_room_listener_runs_when_the_owner_drains)
{
	struct con_fixture f;
	static uint8_t sink[AXVM_CONSOLE_OUTPUT_SIZE];

	REQUIRE_OK(fx_buffered(&f));
	REQUIRE_OK(axvm_console_register_listener(
	    f.con, &(struct axvm_console_listener){.output_room = fx_room, .opaque = &f}));
	fill(f.con, AXVM_CONSOLE_OUTPUT_SIZE - 4);
	CHECK(!axvm_console_request_output_room(f.con, 16));
	CHECK_INT(0, f.room_calls);
	{
		const uint8_t *p;

		axvm_console_output_peek(f.con, &p);
		axvm_console_output_consume(f.con, 8); /* 12 free: not yet */
		CHECK_INT(0, f.room_calls);
		axvm_console_output_consume(f.con, 8); /* 20 free */
		CHECK_INT(1, f.room_calls);
		axvm_console_output_consume(f.con, 8); /* nobody asked again */
		CHECK_INT(1, f.room_calls);
	}
	CHECK(axvm_console_request_output_room(f.con, 16)); /* there already: nothing armed */
	drain(f.con, sink, sizeof(sink));
	CHECK_INT(1, f.room_calls);
	axvm_console_destroy(f.con);
}

TEST(test_console_wait_for_room_times_out_on_a_full_buffer)
{
	struct con_fixture f;
	struct timespec a, b;
	uint64_t ns;

	REQUIRE_OK(fx_buffered(&f));
	fill(f.con, AXVM_CONSOLE_OUTPUT_SIZE);
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK(!axvm_console_wait_output_room(f.con, 1, 20000000));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ull + (uint64_t)b.tv_nsec -
	     (uint64_t)a.tv_nsec;
	CHECK(ns >= 20000000);
	axvm_console_destroy(f.con);
}

static void *drain_later(void *arg)
{
	struct axvm_console *con = arg;
	struct timespec ts = {0, 5000000};
	const uint8_t *p;

	nanosleep(&ts, NULL);
	axvm_console_output_peek(con, &p);
	axvm_console_output_consume(con, 100);
	return NULL;
}

TEST(test_console_wait_for_room_wakes_when_the_owner_drains)
{
	struct con_fixture f;
	pthread_t t;

	REQUIRE_OK(fx_buffered(&f));
	fill(f.con, AXVM_CONSOLE_OUTPUT_SIZE);
	REQUIRE(pthread_create(&t, NULL, drain_later, f.con) == 0);
	/* A generous bound: it must return because of the drain, long before this. */
	CHECK(axvm_console_wait_output_room(f.con, 50, 10000000000ull));
	pthread_join(t, NULL);
	CHECK_INT(100, axvm_console_output_room(f.con));
	axvm_console_destroy(f.con);
}

TEST(test_console_closed_output_drops_and_counts_everything)
{
	struct con_fixture f;

	REQUIRE_OK(fx_buffered(&f));
	fill(f.con, 1000);
	CHECK_U64(1000, axvm_console_output_close(f.con));
	CHECK_INT(0, axvm_console_output_pending(f.con));
	/* The guest never waits for an output that is gone. */
	CHECK(axvm_console_output_room(f.con) == SIZE_MAX);
	CHECK_INT(5, axvm_console_write(f.con, (const uint8_t *)"hello", 5));
	CHECK_INT(0, axvm_console_output_pending(f.con));
	CHECK_U64(1005, axvm_console_output_close(f.con));
	CHECK_U64(1005, axvm_console_output_total(f.con));
	axvm_console_destroy(f.con);
}

TEST(test_console_short_push_resumes_when_the_guest_made_room)
{
	struct con_fixture f;
	static uint8_t big[AXVM_CONSOLE_INPUT_SIZE + 100];
	size_t popped = 0;

	REQUIRE_OK(fx_buffered(&f));
	memset(big, 'i', sizeof(big));
	CHECK_INT(AXVM_CONSOLE_INPUT_SIZE, axvm_console_push(f.con, big, sizeof(big)));
	CHECK_INT(0, axvm_console_input_room(f.con));
	/* One pop is not worth a wakeup; a quarter of the queue is. */
	while (f.input_room_calls == 0 && axvm_console_pop(f.con) >= 0)
		popped++;
	CHECK_INT(AXVM_CONSOLE_INPUT_SIZE / 4, popped);
	CHECK_INT(1, f.input_room_calls);
	/* Nothing was pushed short since: no more calls. */
	while (axvm_console_pop(f.con) >= 0)
		;
	CHECK_INT(1, f.input_room_calls);
	axvm_console_destroy(f.con);
}

TEST(test_console_input_room_of_zero_arms_the_callback)
{
	struct con_fixture f;
	static uint8_t big[AXVM_CONSOLE_INPUT_SIZE];

	REQUIRE_OK(fx_buffered(&f));
	memset(big, 'i', sizeof(big));
	CHECK_INT(sizeof(big), axvm_console_push(f.con, big, sizeof(big)));
	CHECK_INT(0, axvm_console_input_room(f.con));
	for (int i = 0; i < AXVM_CONSOLE_INPUT_SIZE / 4; i++)
		axvm_console_pop(f.con);
	CHECK_INT(1, f.input_room_calls);
	axvm_console_destroy(f.con);
}

TEST(test_console_input_keeps_every_byte_in_order)
{
	struct con_fixture f;
	static uint8_t in[10000];
	size_t pushed = 0, popped = 0;
	int c;

	REQUIRE_OK(fx_buffered(&f));
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 13);
	while (popped < sizeof(in)) {
		pushed += axvm_console_push(f.con, in + pushed, sizeof(in) - pushed);
		while ((c = axvm_console_pop(f.con)) >= 0) {
			if (c != in[popped])
				break;
			popped++;
		}
		REQUIRE(c < 0);
	}
	CHECK_INT(sizeof(in), popped);
	axvm_console_destroy(f.con);
}

/* ---- several devices on one console ---- */

/* A consumer device: counts its input and output-room callbacks. */
struct fx_dev {
	unsigned input_calls, room_calls;
};

static void fx_dev_input(void *opaque)
{
	((struct fx_dev *)opaque)->input_calls++;
}

static void fx_dev_room(void *opaque)
{
	((struct fx_dev *)opaque)->room_calls++;
}

static int fx_register(struct axvm_console *con, struct fx_dev *d)
{
	struct axvm_console_listener l = {fx_dev_input, fx_dev_room, d};

	memset(d, 0, sizeof(*d));
	return axvm_console_register_listener(con, &l);
}

TEST(test_console_input_goes_to_anyone_until_a_device_claims_it)
{
	struct con_fixture f;
	struct fx_dev uart, hvc;

	REQUIRE_OK(fx_buffered(&f));
	REQUIRE_OK(fx_register(f.con, &uart));
	REQUIRE_OK(fx_register(f.con, &hvc));
	CHECK(axvm_console_input_owner(f.con) == NULL);
	axvm_console_push(f.con, (const uint8_t *)"ab", 2);
	CHECK_INT(1, uart.input_calls); /* no owner: everyone hears of it */
	CHECK_INT(1, hvc.input_calls);
	CHECK_INT('a', axvm_console_pop_for(f.con, &uart));
	CHECK_INT('b', axvm_console_pop_for(f.con, &hvc));
	axvm_console_destroy(f.con);
}

TEST(test_console_input_belongs_to_the_device_that_claimed_it_last)
{
	struct con_fixture f;
	struct fx_dev uart, hvc;

	REQUIRE_OK(fx_buffered(&f));
	REQUIRE_OK(fx_register(f.con, &uart));
	REQUIRE_OK(fx_register(f.con, &hvc));
	axvm_console_claim_input(f.con, &hvc); /* the guest reads hvc0 */
	CHECK(axvm_console_input_owner(f.con) == &hvc);
	uart.input_calls = hvc.input_calls = 0;
	axvm_console_push(f.con, (const uint8_t *)"x", 1);
	CHECK_INT(0, uart.input_calls);
	CHECK_INT(1, hvc.input_calls);
	CHECK(!axvm_console_has_input_for(f.con, &uart));
	CHECK_INT(-1, axvm_console_pop_for(f.con, &uart)); /* not the UART's */
	CHECK(axvm_console_has_input_for(f.con, &hvc));
	/* The guest opens ttyS0: the UART claims, both hear of the change. */
	axvm_console_claim_input(f.con, &uart);
	CHECK_INT(1, uart.input_calls);
	CHECK_INT(2, hvc.input_calls);
	CHECK_INT(-1, axvm_console_pop_for(f.con, &hvc));
	CHECK_INT('x', axvm_console_pop_for(f.con, &uart));
	/* Claiming again changes nothing and calls nobody. */
	axvm_console_claim_input(f.con, &uart);
	CHECK_INT(1, uart.input_calls);
	axvm_console_destroy(f.con);
}

TEST(test_console_unregistered_owner_releases_the_input)
{
	struct con_fixture f;
	struct fx_dev uart, hvc;

	REQUIRE_OK(fx_buffered(&f));
	REQUIRE_OK(fx_register(f.con, &uart));
	REQUIRE_OK(fx_register(f.con, &hvc));
	axvm_console_claim_input(f.con, &hvc);
	axvm_console_unregister_listener(f.con, &hvc);
	CHECK(axvm_console_input_owner(f.con) == NULL);
	hvc.input_calls = uart.input_calls = 0;
	axvm_console_push(f.con, (const uint8_t *)"y", 1);
	CHECK_INT(0, hvc.input_calls); /* gone */
	CHECK_INT(1, uart.input_calls);
	CHECK_INT('y', axvm_console_pop_for(f.con, &uart));
	axvm_console_destroy(f.con);
}

TEST(test_console_output_room_reaches_every_device)
{
	struct con_fixture f;
	struct fx_dev uart, hvc;
	static uint8_t sink[AXVM_CONSOLE_OUTPUT_SIZE];

	REQUIRE_OK(fx_buffered(&f));
	REQUIRE_OK(fx_register(f.con, &uart));
	REQUIRE_OK(fx_register(f.con, &hvc));
	fill(f.con, AXVM_CONSOLE_OUTPUT_SIZE);
	CHECK(!axvm_console_request_output_room(f.con, 16));
	drain(f.con, sink, sizeof(sink));
	CHECK_INT(1, uart.room_calls); /* each checks whether it was the one waiting */
	CHECK_INT(1, hvc.room_calls);
	axvm_console_destroy(f.con);
}

TEST(test_console_listeners_are_bounded)
{
	struct con_fixture f;
	struct fx_dev d[AXVM_CONSOLE_MAX_LISTENERS + 1];

	REQUIRE_OK(fx_buffered(&f));
	for (int i = 0; i < AXVM_CONSOLE_MAX_LISTENERS; i++)
		REQUIRE_OK(fx_register(f.con, &d[i]));
	CHECK_INT(-AXVM_EBUSY, fx_register(f.con, &d[AXVM_CONSOLE_MAX_LISTENERS]));
	CHECK_STR("console: more than 4 devices use it", axvm_error_message());
	axvm_console_destroy(f.con);
}
