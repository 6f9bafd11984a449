/* SPDX-License-Identifier: MIT */
/*
 * Goldfish RTC, following the Android emulator's "goldfish virtual hardware
 * platform" document (GOLDFISH-VIRTUAL-HARDWARE.TXT, "Goldfish real-time
 * clock") and QEMU's hw/rtc/goldfish_rtc.c, which Linux's rtc-goldfish
 * driver expects. Time is in nanoseconds since the Unix epoch; registers
 * are 32 bits:
 *
 *   0x00 TIME_LOW         R: low 32 bits of now; latches the high half
 *                         W: set the low half of the clock
 *   0x04 TIME_HIGH        R: high half latched by the last TIME_LOW read
 *                         W: set the high half of the clock
 *   0x08 ALARM_LOW        R/W: low half of the alarm time; a write arms it
 *                         (an alarm already due fires at once)
 *   0x0c ALARM_HIGH       R/W: high half of the alarm time (write it first)
 *   0x10 IRQ_ENABLED      R/W: bit 0 enables the interrupt output
 *   0x14 CLEAR_ALARM      W: disarm the alarm
 *   0x18 ALARM_STATUS     R: 1 while an alarm is armed
 *   0x1c CLEAR_INTERRUPT  W: clear the pending interrupt
 *
 * The interrupt line is high while an alarm has fired (pending) and the
 * interrupt is enabled. Setting the clock moves an offset over the host
 * clock; the host clock itself is never changed.
 */
#include "goldfish_rtc.h"

#include <libfdt.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/error.h"
#include "devclass.h"

enum {
	GOLDFISH_RTC_TIME_LOW = 0x00,
	GOLDFISH_RTC_TIME_HIGH = 0x04,
	GOLDFISH_RTC_ALARM_LOW = 0x08,
	GOLDFISH_RTC_ALARM_HIGH = 0x0c,
	GOLDFISH_RTC_IRQ_ENABLED = 0x10,
	GOLDFISH_RTC_CLEAR_ALARM = 0x14,
	GOLDFISH_RTC_ALARM_STATUS = 0x18,
	GOLDFISH_RTC_CLEAR_INTERRUPT = 0x1c,
};

struct axvm_goldfish_rtc {
	pthread_mutex_t lock;
	struct axvm_goldfish_rtc_params params;
	uint64_t offset; /* guest time = host clock + offset (mod 2^64) */
	uint64_t alarm;
	uint32_t time_high;
	bool alarm_armed;
	bool irq_pending;
	bool irq_enabled;
	bool irq_level;
};

static uint64_t goldfish_rtc_now(const struct axvm_goldfish_rtc *r)
{
	return r->params.now_ns(r->params.opaque) + r->offset;
}

static void goldfish_rtc_update_irq(struct axvm_goldfish_rtc *r)
{
	bool level = r->irq_pending && r->irq_enabled;

	if (level != r->irq_level) {
		r->irq_level = level;
		axvm_irq_line_set(&r->params.irq, level);
	}
}

static void goldfish_rtc_check_alarm(struct axvm_goldfish_rtc *r)
{
	if (r->alarm_armed && goldfish_rtc_now(r) >= r->alarm) {
		r->alarm_armed = false;
		r->irq_pending = true;
	}
}

static uint32_t goldfish_rtc_read_locked(struct axvm_goldfish_rtc *r, uint64_t offset)
{
	uint64_t now;

	switch (offset) {
	case GOLDFISH_RTC_TIME_LOW:
		now = goldfish_rtc_now(r);
		r->time_high = (uint32_t)(now >> 32);
		return (uint32_t)now;
	case GOLDFISH_RTC_TIME_HIGH:
		return r->time_high;
	case GOLDFISH_RTC_ALARM_LOW:
		return (uint32_t)r->alarm;
	case GOLDFISH_RTC_ALARM_HIGH:
		return (uint32_t)(r->alarm >> 32);
	case GOLDFISH_RTC_IRQ_ENABLED:
		return r->irq_enabled;
	case GOLDFISH_RTC_ALARM_STATUS:
		return r->alarm_armed;
	default:
		return 0;
	}
}

static void goldfish_rtc_write_locked(struct axvm_goldfish_rtc *r, uint64_t offset, uint32_t v)
{
	uint64_t now;

	switch (offset) {
	case GOLDFISH_RTC_TIME_LOW:
		now = goldfish_rtc_now(r);
		r->offset += ((now & ~0xffffffffull) | v) - now;
		break;
	case GOLDFISH_RTC_TIME_HIGH:
		now = goldfish_rtc_now(r);
		r->offset += ((now & 0xffffffffull) | ((uint64_t)v << 32)) - now;
		break;
	case GOLDFISH_RTC_ALARM_LOW:
		r->alarm = (r->alarm & ~0xffffffffull) | v;
		r->alarm_armed = true;
		break;
	case GOLDFISH_RTC_ALARM_HIGH:
		r->alarm = (r->alarm & 0xffffffffull) | ((uint64_t)v << 32);
		break;
	case GOLDFISH_RTC_IRQ_ENABLED:
		r->irq_enabled = v & 1;
		break;
	case GOLDFISH_RTC_CLEAR_ALARM:
		r->alarm_armed = false;
		break;
	case GOLDFISH_RTC_CLEAR_INTERRUPT:
		r->irq_pending = false;
		break;
	default:
		break;
	}
}

static int goldfish_rtc_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	struct axvm_goldfish_rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	goldfish_rtc_check_alarm(r);
	*value = goldfish_rtc_read_locked(r, offset);
	goldfish_rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static int goldfish_rtc_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	struct axvm_goldfish_rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	goldfish_rtc_write_locked(r, offset, (uint32_t)value);
	goldfish_rtc_check_alarm(r);
	goldfish_rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

const struct axvm_device_ops axvm_goldfish_rtc_ops = {
    .read = goldfish_rtc_read,
    .write = goldfish_rtc_write,
};

void axvm_goldfish_rtc_poll(struct axvm_goldfish_rtc *r)
{
	pthread_mutex_lock(&r->lock);
	goldfish_rtc_check_alarm(r);
	goldfish_rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
}

uint64_t axvm_goldfish_rtc_alarm_remaining_ns(struct axvm_goldfish_rtc *r)
{
	uint64_t t = UINT64_MAX, now;

	pthread_mutex_lock(&r->lock);
	if (r->alarm_armed) {
		now = goldfish_rtc_now(r);
		t = r->alarm > now ? r->alarm - now : 0;
	}
	pthread_mutex_unlock(&r->lock);
	return t;
}

int axvm_goldfish_rtc_create(const struct axvm_goldfish_rtc_params *params,
			     struct axvm_goldfish_rtc **out)
{
	struct axvm_goldfish_rtc *r;

	*out = NULL;
	if (!params->now_ns)
		return -AXVM_EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -AXVM_ENOMEM;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		return -AXVM_ENOMEM;
	}
	r->params = *params;
	*out = r;
	return 0;
}

void axvm_goldfish_rtc_destroy(struct axvm_goldfish_rtc *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* ---- the device class: the board's wall clock ---- */

static uint64_t goldfish_rtc_host_realtime(void *opaque)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int goldfish_rtc_class_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	struct axvm_goldfish_rtc_params p = {
	    .now_ns = ctx->realtime_ns ? ctx->realtime_ns : goldfish_rtc_host_realtime,
	    .opaque = ctx->realtime_ns ? ctx->realtime_opaque : NULL,
	    .irq = ctx->irq,
	};
	struct axvm_goldfish_rtc *r;
	int ret = axvm_devclass_no_options(ctx, axvm_goldfish_rtc_class.name);

	*state = NULL;
	if (ret)
		return ret;
	ret = axvm_goldfish_rtc_create(&p, &r);
	if (ret)
		return axvm_devclass_fail_code(ctx, axvm_goldfish_rtc_class.name, ret);
	*state = r;
	return 0;
}

static void goldfish_rtc_class_destroy(void *state)
{
	axvm_goldfish_rtc_destroy(state);
}

static uint64_t goldfish_rtc_class_poll(void *state)
{
	axvm_goldfish_rtc_poll(state);
	return axvm_goldfish_rtc_alarm_remaining_ns(state);
}

/* rtc/trivial-rtc.yaml (google,goldfish-rtc); QEMU virt's node. */
static int goldfish_rtc_class_fdt_node(void *state, void *fdt, int parent,
				       const struct axvm_devclass_fdt_ctx *f)
{
	int node, ret = axvm_devclass_fdt_subnode(fdt, parent, "rtc", f->base, &node);

	if (ret)
		return ret;
	ret = fdt_setprop_u32(fdt, node, "interrupts", f->irq);
	if (ret >= 0)
		ret = fdt_setprop_u32(fdt, node, "interrupt-parent", f->interrupt_parent);
	if (ret >= 0)
		ret = axvm_devclass_fdt_reg(fdt, node, f->base, f->size);
	if (ret >= 0)
		ret = fdt_setprop_string(fdt, node, "compatible", "google,goldfish-rtc");
	return axvm_devclass_fdt_err(ret);
}

const struct axvm_devclass axvm_goldfish_rtc_class = {
    .name = "goldfish-rtc",
    .mmio_size = AXVM_GOLDFISH_RTC_MMIO_SIZE,
    .min_width = 4,
    .max_width = 4,
    .ops = &axvm_goldfish_rtc_ops,
    .create = goldfish_rtc_class_create,
    .destroy = goldfish_rtc_class_destroy,
    .fdt_node = goldfish_rtc_class_fdt_node,
    .fdt_name = "rtc",
    .poll = goldfish_rtc_class_poll,
};
