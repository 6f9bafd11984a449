/* SPDX-License-Identifier: MIT */
/*
 * The goldfish real-time clock (google,goldfish-rtc; see goldfish_rtc.c).
 * Register it with axvm_goldfish_rtc_ops, 32-bit accesses, over
 * AXVM_GOLDFISH_RTC_MMIO_SIZE.
 *
 * The device has no timer of its own (devices start no threads): an armed
 * alarm fires when the guest next touches the RTC or when its owner calls
 * axvm_goldfish_rtc_poll, e.g. after axvm_goldfish_rtc_alarm_remaining_ns.
 *
 * Threads: the ops, poll and deadline are safe from any thread.
 */
#ifndef AXVM_DEVICES_GOLDFISH_RTC_H
#define AXVM_DEVICES_GOLDFISH_RTC_H

#include <axvm/device.h>

#include "irq.h"

#define AXVM_GOLDFISH_RTC_MMIO_SIZE 0x1000

struct axvm_goldfish_rtc_params {
	/* Wall clock in ns since the Unix epoch (required). */
	uint64_t (*now_ns)(void *opaque);
	void *opaque;
	struct axvm_irq_line irq;
};

struct axvm_goldfish_rtc;

int axvm_goldfish_rtc_create(const struct axvm_goldfish_rtc_params *params,
			     struct axvm_goldfish_rtc **out);
void axvm_goldfish_rtc_destroy(struct axvm_goldfish_rtc *rtc);

/* Fire the alarm if its time has come. */
void axvm_goldfish_rtc_poll(struct axvm_goldfish_rtc *rtc);
/* ns until the armed alarm is due (0 if overdue, UINT64_MAX if none armed). */
uint64_t axvm_goldfish_rtc_alarm_remaining_ns(struct axvm_goldfish_rtc *rtc);

extern const struct axvm_device_ops axvm_goldfish_rtc_ops;

#endif
