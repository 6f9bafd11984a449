/* SPDX-License-Identifier: MIT */
/* goldfish RTC: time registers, setting the clock, alarms and the interrupt. */
#include "test.h"

#include "devices/goldfish_rtc.h"

struct rtc_fixture {
	struct axvm_goldfish_rtc *rtc;
	uint64_t clock; /* the fake wall clock, ns since the epoch */
	int irq;	/* -1 = never driven */
};

static uint64_t rtc_clock(void *opaque)
{
	return ((struct rtc_fixture *)opaque)->clock;
}

static void rtc_irq(void *opaque, unsigned irq, bool level)
{
	((struct rtc_fixture *)opaque)->irq = level;
}

static int rtc_setup(struct rtc_fixture *f, uint64_t start)
{
	struct axvm_goldfish_rtc_params p = {
	    .now_ns = rtc_clock,
	    .opaque = f,
	    .irq = {rtc_irq, f, 11},
	};

	memset(f, 0, sizeof(*f));
	f->clock = start;
	f->irq = -1;
	return axvm_goldfish_rtc_create(&p, &f->rtc);
}

static uint32_t rd(struct rtc_fixture *f, uint64_t off)
{
	uint64_t v = 0xdeadbeef;

	axvm_goldfish_rtc_ops.read(f->rtc, off, 4, &v);
	return (uint32_t)v;
}

static void wr(struct rtc_fixture *f, uint64_t off, uint32_t v)
{
	axvm_goldfish_rtc_ops.write(f->rtc, off, 4, v);
}

enum {
	TIME_LOW = 0x00,
	TIME_HIGH = 0x04,
	ALARM_LOW = 0x08,
	ALARM_HIGH = 0x0c,
	IRQ_ENABLED = 0x10,
	CLEAR_ALARM = 0x14,
	ALARM_STATUS = 0x18,
	CLEAR_INTERRUPT = 0x1c,
};

TEST(test_rtc_requires_clock)
{
	struct axvm_goldfish_rtc_params p = {0};
	struct axvm_goldfish_rtc *r;

	CHECK_INT(-AXVM_EINVAL, axvm_goldfish_rtc_create(&p, &r));
}

TEST(test_rtc_reads_clock_in_two_halves)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 0x17a0b0c0d0e0f00ull));
	CHECK_U64(0x0d0e0f00, rd(&f, TIME_LOW));
	CHECK_U64(0x017a0b0c, rd(&f, TIME_HIGH));
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_time_low_read_latches_high)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 0x1ffffffffull));
	CHECK_U64(0xffffffff, rd(&f, TIME_LOW));
	f.clock = 0x200000005ull; /* the low half wraps between the two reads */
	CHECK_U64(1, rd(&f, TIME_HIGH));
	CHECK_U64(5, rd(&f, TIME_LOW));
	CHECK_U64(2, rd(&f, TIME_HIGH));
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_set_time_moves_offset_not_clock)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 1000));
	wr(&f, TIME_HIGH, 0x10);
	wr(&f, TIME_LOW, 0x20);
	CHECK_U64(0x20, rd(&f, TIME_LOW));
	CHECK_U64(0x10, rd(&f, TIME_HIGH));
	f.clock += 500;
	CHECK_U64(0x20 + 500, rd(&f, TIME_LOW));
	CHECK_U64(1500, f.clock);
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_alarm_registers_read_back)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 100));
	wr(&f, ALARM_HIGH, 0x1);
	wr(&f, ALARM_LOW, 0x2345);
	CHECK_U64(0x2345, rd(&f, ALARM_LOW));
	CHECK_U64(0x1, rd(&f, ALARM_HIGH));
	CHECK_U64(1, rd(&f, ALARM_STATUS));
	CHECK_U64(0x100002345ull - 100, axvm_goldfish_rtc_alarm_remaining_ns(f.rtc));
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_alarm_fires_when_due_and_interrupts)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 100));
	wr(&f, IRQ_ENABLED, 1);
	CHECK_U64(1, rd(&f, IRQ_ENABLED));
	wr(&f, ALARM_HIGH, 0);
	wr(&f, ALARM_LOW, 200);
	CHECK_INT(-1, f.irq);
	f.clock = 199;
	CHECK_U64(1, axvm_goldfish_rtc_alarm_remaining_ns(f.rtc));
	axvm_goldfish_rtc_poll(f.rtc);
	CHECK_INT(-1, f.irq);
	f.clock = 200;
	axvm_goldfish_rtc_poll(f.rtc);
	CHECK_INT(1, f.irq);
	CHECK_U64(0, rd(&f, ALARM_STATUS));
	CHECK_U64(UINT64_MAX, axvm_goldfish_rtc_alarm_remaining_ns(f.rtc));
	wr(&f, CLEAR_INTERRUPT, 1);
	CHECK_INT(0, f.irq);
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_alarm_in_the_past_fires_at_once)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 1000));
	wr(&f, IRQ_ENABLED, 1);
	wr(&f, ALARM_LOW, 10);
	CHECK_INT(1, f.irq);
	CHECK_U64(0, rd(&f, ALARM_STATUS));
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_alarm_checked_on_guest_access)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 0));
	wr(&f, IRQ_ENABLED, 1);
	wr(&f, ALARM_LOW, 50);
	f.clock = 60;
	CHECK_U64(0, rd(&f, ALARM_STATUS));
	CHECK_INT(1, f.irq);
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_interrupt_masked_until_enabled)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 1000));
	wr(&f, ALARM_LOW, 10);
	CHECK_INT(-1, f.irq);
	wr(&f, IRQ_ENABLED, 3);
	CHECK_U64(1, rd(&f, IRQ_ENABLED));
	CHECK_INT(1, f.irq);
	wr(&f, IRQ_ENABLED, 0);
	CHECK_INT(0, f.irq);
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_clear_alarm_disarms)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 0));
	wr(&f, IRQ_ENABLED, 1);
	wr(&f, ALARM_LOW, 50);
	wr(&f, CLEAR_ALARM, 1);
	CHECK_U64(0, rd(&f, ALARM_STATUS));
	f.clock = 100;
	axvm_goldfish_rtc_poll(f.rtc);
	CHECK_INT(-1, f.irq);
	axvm_goldfish_rtc_destroy(f.rtc);
}

TEST(test_rtc_unknown_offsets_read_zero)
{
	struct rtc_fixture f;

	REQUIRE_OK(rtc_setup(&f, 77));
	wr(&f, 0x20, 5);
	CHECK_U64(0, rd(&f, 0x20));
	CHECK_U64(0, rd(&f, CLEAR_INTERRUPT));
	axvm_goldfish_rtc_destroy(f.rtc);
}
