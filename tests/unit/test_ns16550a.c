/* SPDX-License-Identifier: MIT */
/* ns16550a UART: register-level behaviour through the device ops. */
#include "test.h"

#include <axvm/console.h>
#include <pthread.h>
#include <sched.h>

#include "devices/ns16550a.h"

struct uart_fixture {
	struct axvm_console *con;
	struct axvm_ns16550a *uart;
	uint8_t out[256];
	size_t out_len;
	int irq_level; /* -1 = never driven */
	unsigned irq_num;
	unsigned irq_calls;
};

static void uart_sink(void *opaque, const uint8_t *buf, size_t len)
{
	struct uart_fixture *f = opaque;

	for (size_t i = 0; i < len && f->out_len < sizeof(f->out); i++)
		f->out[f->out_len++] = buf[i];
}

static void uart_irq(void *opaque, unsigned irq, bool level)
{
	struct uart_fixture *f = opaque;

	f->irq_level = level;
	f->irq_num = irq;
	f->irq_calls++;
}

static int uart_setup(struct uart_fixture *f)
{
	struct axvm_console_sink sink = {.write = uart_sink, .opaque = f};
	struct axvm_irq_line line = {uart_irq, f, 10};
	int r;

	memset(f, 0, sizeof(*f));
	f->irq_level = -1;
	r = axvm_console_create(&sink, &f->con);
	if (r)
		return r;
	return axvm_ns16550a_create(f->con, &line, &f->uart);
}

static void uart_teardown(struct uart_fixture *f)
{
	axvm_ns16550a_destroy(f->uart);
	axvm_console_destroy(f->con);
}

static uint8_t rd(struct uart_fixture *f, unsigned off)
{
	uint64_t v = 0xdead;

	if (axvm_ns16550a_ops.read(f->uart, off, 1, &v) != 0)
		return 0xee;
	return (uint8_t)v;
}

static void wr(struct uart_fixture *f, unsigned off, uint8_t v)
{
	axvm_ns16550a_ops.write(f->uart, off, 1, v);
}

static void push(struct uart_fixture *f, const char *s)
{
	axvm_console_push(f->con, (const uint8_t *)s, strlen(s));
}

enum { RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

TEST(test_ns16550a_reset_values)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	CHECK_INT(0x00, rd(&f, IER));
	CHECK_INT(0x01, rd(&f, IIR));
	CHECK_INT(0x00, rd(&f, LCR));
	CHECK_INT(0x00, rd(&f, MCR));
	CHECK_INT(0x60, rd(&f, LSR));
	CHECK_INT(0xb0, rd(&f, MSR));
	CHECK_INT(0x00, rd(&f, SCR));
	CHECK_INT(-1, f.irq_level);
	uart_teardown(&f);
}

TEST(test_ns16550a_thr_write_goes_to_console)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, RBR, 'h');
	wr(&f, RBR, 'i');
	CHECK_INT(2, f.out_len);
	CHECK_INT('h', f.out[0]);
	CHECK_INT('i', f.out[1]);
	CHECK_INT(0x60, rd(&f, LSR));
	uart_teardown(&f);
}

TEST(test_ns16550a_scratch_register_holds_value)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, SCR, 0xa5);
	CHECK_INT(0xa5, rd(&f, SCR));
	uart_teardown(&f);
}

TEST(test_ns16550a_dlab_switches_to_divisor_latch)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, LCR, 0x83);
	wr(&f, RBR, 0x34);
	wr(&f, IER, 0x12);
	CHECK_INT(0x34, rd(&f, RBR));
	CHECK_INT(0x12, rd(&f, IER));
	CHECK_INT(0, f.out_len);
	wr(&f, LCR, 0x03);
	CHECK_INT(0x00, rd(&f, IER));
	CHECK_INT(0x03, rd(&f, LCR));
	wr(&f, LCR, 0x83);
	CHECK_INT(0x34, rd(&f, RBR));
	uart_teardown(&f);
}

TEST(test_ns16550a_ier_keeps_low_four_bits)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, IER, 0xf5);
	CHECK_INT(0x05, rd(&f, IER));
	uart_teardown(&f);
}

TEST(test_ns16550a_lsr_data_ready_when_console_input)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	push(&f, "ab");
	CHECK_INT(0x61, rd(&f, LSR));
	CHECK_INT('a', rd(&f, RBR));
	CHECK_INT(0x61, rd(&f, LSR));
	CHECK_INT('b', rd(&f, RBR));
	CHECK_INT(0x60, rd(&f, LSR));
	CHECK_INT(0, rd(&f, RBR));
	uart_teardown(&f);
}

TEST(test_ns16550a_does_not_take_input_until_used)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	push(&f, "x");
	/* Nobody polled or enabled RX interrupts: the byte stays in the console. */
	CHECK(axvm_console_has_input(f.con));
	CHECK_INT('x', axvm_console_pop(f.con));
	uart_teardown(&f);
}

/* Another device (virtio-console, SBI) owns the console's input: the UART sees none. */
TEST(test_ns16550a_leaves_input_claimed_by_another_device)
{
	struct uart_fixture f;
	static const char hvc = 'h';

	REQUIRE_OK(uart_setup(&f));
	axvm_console_claim_input(f.con, &hvc);
	push(&f, "x");
	CHECK_INT(0x60, rd(&f, LSR)); /* no DR */
	CHECK_INT('x', axvm_console_pop_for(f.con, &hvc));
	uart_teardown(&f);
}

/* Enabling the RX interrupt (Linux opening ttyS0) claims the input, waiting bytes included. */
TEST(test_ns16550a_enabling_rx_interrupt_claims_the_console_input)
{
	struct uart_fixture f;
	static const char hvc = 'h';

	REQUIRE_OK(uart_setup(&f));
	axvm_console_claim_input(f.con, &hvc);
	push(&f, "x");
	wr(&f, IER, 0x01);
	CHECK(axvm_console_input_owner(f.con) == f.uart);
	CHECK_INT(1, f.irq_level);
	CHECK_INT('x', rd(&f, RBR));
	push(&f, "y");
	CHECK_INT(-1, axvm_console_pop_for(f.con, &hvc));
	CHECK_INT('y', rd(&f, RBR));
	uart_teardown(&f);
}

/* A guest polling RBR takes its console through the UART too (while no one owns it). */
TEST(test_ns16550a_reading_a_byte_from_rbr_claims_the_console_input)
{
	struct uart_fixture f;
	static const char sbi = 's';

	REQUIRE_OK(uart_setup(&f));
	push(&f, "ab");
	CHECK_INT('a', rd(&f, RBR));
	CHECK(axvm_console_input_owner(f.con) == f.uart);
	CHECK_INT(-1, axvm_console_pop_for(f.con, &sbi));
	CHECK_INT('b', rd(&f, RBR));
	uart_teardown(&f);
}

/* Linux reads RBR when it closes ttyS0: an empty read takes nothing from hvc0. */
TEST(test_ns16550a_reading_an_empty_rbr_claims_nothing)
{
	struct uart_fixture f;
	static const char hvc = 'h';

	REQUIRE_OK(uart_setup(&f));
	axvm_console_claim_input(f.con, &hvc);
	push(&f, "x");
	CHECK_INT(0, rd(&f, RBR));
	CHECK(axvm_console_input_owner(f.con) == &hvc);
	CHECK_INT('x', axvm_console_pop_for(f.con, &hvc));
	uart_teardown(&f);
}

TEST(test_ns16550a_rx_interrupt_raised_and_cleared)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, IER, 0x01);
	CHECK_INT(-1, f.irq_level);
	push(&f, "z");
	CHECK_INT(1, f.irq_level);
	CHECK_INT(10, f.irq_num);
	/* FIFOs off: one byte reaches the trigger level of 1: received data. */
	CHECK_INT(0x04, rd(&f, IIR));
	CHECK_INT('z', rd(&f, RBR));
	CHECK_INT(0, f.irq_level);
	CHECK_INT(0x01, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_fifo_holds_sixteen_bytes)
{
	struct uart_fixture f;
	char buf[21];

	REQUIRE_OK(uart_setup(&f));
	wr(&f, FCR, 0x01);
	wr(&f, IER, 0x01);
	memset(buf, 'q', 20);
	buf[20] = 0;
	buf[19] = 'r';
	push(&f, buf);
	/* 16 in the FIFO, 4 left in the console queue, no overrun. */
	for (int i = 0; i < 16; i++)
		CHECK_INT('q', rd(&f, RBR));
	CHECK_INT(0x61, rd(&f, LSR));
	CHECK_INT('q', rd(&f, RBR));
	CHECK_INT('q', rd(&f, RBR));
	CHECK_INT('q', rd(&f, RBR));
	CHECK_INT('r', rd(&f, RBR));
	CHECK_INT(0x60, rd(&f, LSR));
	uart_teardown(&f);
}

TEST(test_ns16550a_without_fifo_holds_one_byte)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, IER, 0x01);
	push(&f, "12");
	CHECK_INT('1', rd(&f, RBR));
	CHECK_INT('2', rd(&f, RBR));
	CHECK_INT(0x60, rd(&f, LSR));
	uart_teardown(&f);
}

TEST(test_ns16550a_iir_reports_fifo_enabled)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, FCR, 0x01);
	CHECK_INT(0xc1, rd(&f, IIR));
	wr(&f, FCR, 0x00);
	CHECK_INT(0x01, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_rx_trigger_level_and_timeout)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, FCR, 0x81); /* FIFO on, trigger level 8 */
	wr(&f, IER, 0x01);
	push(&f, "abc");
	/* Below the trigger level: character timeout. */
	CHECK_INT(0xcc, rd(&f, IIR));
	CHECK_INT(1, f.irq_level);
	push(&f, "defgh");
	CHECK_INT(0xc4, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_fcr_clears_rx_fifo)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, FCR, 0x01);
	wr(&f, IER, 0x01);
	push(&f, "abc");
	CHECK_INT(1, f.irq_level);
	wr(&f, IER, 0x00);
	wr(&f, FCR, 0x03);
	CHECK_INT(0, f.irq_level);
	CHECK_INT(0x60, rd(&f, LSR) & 0x61);
	uart_teardown(&f);
}

TEST(test_ns16550a_thre_interrupt_on_enable_cleared_by_iir_read)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, IER, 0x02);
	CHECK_INT(1, f.irq_level);
	CHECK_INT(0x02, rd(&f, IIR));
	CHECK_INT(0, f.irq_level);
	CHECK_INT(0x01, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_thre_interrupt_after_each_write)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, IER, 0x02);
	CHECK_INT(0x02, rd(&f, IIR));
	CHECK_INT(0, f.irq_level);
	wr(&f, RBR, 'x');
	CHECK_INT(1, f.irq_level);
	CHECK_INT(0x02, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_thre_interrupt_gone_when_disabled)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, IER, 0x02);
	CHECK_INT(1, f.irq_level);
	wr(&f, IER, 0x00);
	CHECK_INT(0, f.irq_level);
	CHECK_INT(0x01, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_rx_data_outranks_thre)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, IER, 0x03);
	push(&f, "k");
	CHECK_INT(0x04, rd(&f, IIR));
	CHECK_INT('k', rd(&f, RBR));
	CHECK_INT(0x02, rd(&f, IIR));
	CHECK_INT(0x01, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_loopback_returns_written_bytes)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, FCR, 0x01);
	wr(&f, MCR, 0x10);
	wr(&f, RBR, 0x5a);
	wr(&f, RBR, 0xa5);
	CHECK_INT(0, f.out_len);
	CHECK_INT(0x61, rd(&f, LSR));
	CHECK_INT(0x5a, rd(&f, RBR));
	CHECK_INT(0xa5, rd(&f, RBR));
	CHECK_INT(0x60, rd(&f, LSR));
	uart_teardown(&f);
}

TEST(test_ns16550a_loopback_ignores_console_input)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, MCR, 0x10);
	push(&f, "c");
	CHECK_INT(0x60, rd(&f, LSR));
	CHECK(axvm_console_has_input(f.con));
	uart_teardown(&f);
}

TEST(test_ns16550a_loopback_overrun_sets_oe_and_line_interrupt)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, MCR, 0x10);
	wr(&f, IER, 0x04);
	wr(&f, RBR, '1');
	CHECK(f.irq_level != 1);
	wr(&f, RBR, '2'); /* no FIFO: holding register full */
	CHECK_INT(1, f.irq_level);
	CHECK_INT(0x06, rd(&f, IIR));
	CHECK_INT(0x63, rd(&f, LSR));
	CHECK_INT(0, f.irq_level);
	CHECK_INT(0x61, rd(&f, LSR));
	CHECK_INT('1', rd(&f, RBR));
	uart_teardown(&f);
}

TEST(test_ns16550a_loopback_modem_lines_and_deltas)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	rd(&f, MSR);
	/* Loopback with all outputs low: CTS, DSR, DCD drop (deltas set). */
	wr(&f, MCR, 0x10);
	CHECK_INT(0x0b, rd(&f, MSR));
	CHECK_INT(0x00, rd(&f, MSR));
	/* RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	wr(&f, MCR, 0x1f);
	CHECK_INT(0xfb, rd(&f, MSR));
	/* RI falling edge sets TERI. */
	wr(&f, MCR, 0x1b);
	CHECK_INT(0xb4, rd(&f, MSR));
	uart_teardown(&f);
}

TEST(test_ns16550a_modem_status_interrupt)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, IER, 0x08);
	CHECK_INT(-1, f.irq_level);
	wr(&f, MCR, 0x10);
	CHECK_INT(1, f.irq_level);
	CHECK_INT(0x00, rd(&f, IIR));
	rd(&f, MSR);
	CHECK_INT(0, f.irq_level);
	CHECK_INT(0x01, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_mcr_keeps_low_five_bits)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, MCR, 0xeb);
	CHECK_INT(0x0b, rd(&f, MCR));
	uart_teardown(&f);
}

TEST(test_ns16550a_lsr_and_msr_writes_ignored)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, LSR, 0x00);
	wr(&f, MSR, 0x00);
	CHECK_INT(0x60, rd(&f, LSR));
	CHECK_INT(0xb0, rd(&f, MSR));
	uart_teardown(&f);
}

TEST(test_ns16550a_offsets_past_registers_read_zero)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, 0x10, 0x55);
	CHECK_INT(0, rd(&f, 0x10));
	CHECK_INT(0, rd(&f, 0xff));
	CHECK_INT(0, f.out_len);
	uart_teardown(&f);
}

TEST(test_ns16550a_works_without_console)
{
	struct axvm_ns16550a *u;
	uint64_t v;

	REQUIRE_OK(axvm_ns16550a_create(NULL, NULL, &u));
	CHECK_INT(0, axvm_ns16550a_ops.write(u, 0, 1, 'x'));
	CHECK_INT(0, axvm_ns16550a_ops.read(u, 5, 1, &v));
	CHECK_U64(0x60, v);
	axvm_ns16550a_destroy(u);
}

/* Random register traffic with console input never crashes, and output still works. */
TEST(test_ns16550a_survives_random_accesses)
{
	struct uart_fixture f;
	uint64_t s = 0x13198a2e03707344ull;

	REQUIRE_OK(uart_setup(&f));
	for (unsigned i = 0; i < 100000; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		if (i % 97 == 0)
			push(&f, "xyz");
		if (s >> 63)
			wr(&f, (unsigned)(s % 8), (uint8_t)(s >> 32));
		else
			rd(&f, (unsigned)(s % 8));
	}
	wr(&f, LCR, 0x03);
	wr(&f, MCR, 0x00);
	f.out_len = 0;
	wr(&f, RBR, '!');
	CHECK_INT(1, f.out_len);
	CHECK_INT('!', f.out[0]);
	uart_teardown(&f);
}

struct uart_pusher {
	struct uart_fixture *f;
	unsigned pushed;
};

static void *uart_push_thread(void *opaque)
{
	struct uart_pusher *p = opaque;

	for (unsigned i = 0; i < 2000; i++) {
		uint8_t c = (uint8_t)('a' + i % 26);

		while (axvm_console_push(p->f->con, &c, 1) == 0)
			sched_yield();
		p->pushed++;
	}
	return NULL;
}

/* Input pushed from another thread arrives complete and in order. */
TEST(test_ns16550a_input_from_another_thread_in_order)
{
	struct uart_fixture f;
	struct uart_pusher p = {&f, 0};
	pthread_t th;
	unsigned got = 0, spins = 0;

	REQUIRE_OK(uart_setup(&f));
	wr(&f, FCR, 0x01);
	wr(&f, IER, 0x01);
	REQUIRE(pthread_create(&th, NULL, uart_push_thread, &p) == 0);
	while (got < 2000 && spins < 100000000) {
		if (rd(&f, LSR) & 0x01) {
			uint8_t c = rd(&f, RBR);

			if (c != 'a' + got % 26) {
				CHECK_INT('a' + got % 26, c);
				break;
			}
			got++;
		} else {
			spins++;
		}
	}
	pthread_join(th, NULL);
	CHECK_INT(2000, got);
	uart_teardown(&f);
}

/* ---- transmit backpressure: a console whose owner has not drained it ---- */

static int uart_setup_buffered(struct uart_fixture *f)
{
	struct axvm_console_sink sink = {.opaque = f};
	struct axvm_irq_line line = {uart_irq, f, 10};
	int r;

	memset(f, 0, sizeof(*f));
	f->irq_level = -1;
	r = axvm_console_create(&sink, &f->con);
	if (r)
		return r;
	return axvm_ns16550a_create(f->con, &line, &f->uart);
}

static void fill_console(struct axvm_console *con, size_t leave_free)
{
	static uint8_t junk[AXVM_CONSOLE_OUTPUT_SIZE];

	axvm_console_write(con, junk, axvm_console_output_room(con) - leave_free);
}

static void drain_console(struct axvm_console *con, size_t n)
{
	const uint8_t *p;

	axvm_console_output_peek(con, &p);
	axvm_console_output_consume(con, n);
}

TEST(test_ns16550a_thre_clear_while_the_console_has_no_room_for_a_fifo)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup_buffered(&f));
	CHECK_INT(0x60, rd(&f, LSR));
	fill_console(f.con, 16);
	CHECK_INT(0x60, rd(&f, LSR)); /* exactly a FIFO's worth left */
	wr(&f, RBR, 'a');
	CHECK_INT(0x00, rd(&f, LSR)); /* 15 left: THRE and TEMT clear */
	drain_console(f.con, 1);
	CHECK_INT(0x60, rd(&f, LSR));
	uart_teardown(&f);
}

TEST(test_ns16550a_thre_interrupt_waits_for_the_host_to_drain)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup_buffered(&f));
	fill_console(f.con, 16);
	wr(&f, IER, 0x02);
	CHECK_INT(0x02, rd(&f, IIR)); /* room for 16: due at once */
	wr(&f, RBR, 'a');	      /* now 15 left */
	CHECK_INT(0x01, rd(&f, IIR)); /* not due: the host has not made room */
	CHECK_INT(0, f.irq_level);
	drain_console(f.con, 100);
	CHECK_INT(1, f.irq_level);
	CHECK_INT(0x02, rd(&f, IIR));
	uart_teardown(&f);
}

TEST(test_ns16550a_thr_write_with_thre_clear_is_an_overrun_not_a_hang)
{
	struct uart_fixture f;

	REQUIRE_OK(uart_setup_buffered(&f));
	fill_console(f.con, 0);
	wr(&f, RBR, 'z'); /* the guest ignored THRE: the byte is lost, nothing blocks */
	CHECK_INT(AXVM_CONSOLE_OUTPUT_SIZE, axvm_console_output_pending(f.con));
	CHECK_INT(0x00, rd(&f, LSR));
	uart_teardown(&f);
}
