/* SPDX-License-Identifier: MIT */
/* The tracer (core/trace.h, axvm/stats.h): parsing, line format, on/off. */
#include "test.h"

#include <axvm/stats.h>

#include <string.h>

#include "core/trace.h"

static uint64_t trace_now;
static uint64_t trace_clock(void *ctx)
{
	return trace_now;
}

struct lines {
	unsigned n;
	char last[256];
};

static void trace_collect(void *opaque, const char *line)
{
	struct lines *l = opaque;

	l->n++;
	snprintf(l->last, sizeof(l->last), "%s", line);
}

TEST(test_trace_parse_kinds)
{
	unsigned m;

	REQUIRE_OK(axvm_trace_parse("exits", &m));
	CHECK_INT(AXVM_TRACE_EXITS, (int)m);
	REQUIRE_OK(axvm_trace_parse("mmio,irq,sbi", &m));
	CHECK_INT(AXVM_TRACE_MMIO | AXVM_TRACE_IRQ | AXVM_TRACE_SBI, (int)m);
	REQUIRE_OK(axvm_trace_parse("all", &m));
	CHECK_INT(AXVM_TRACE_EXITS | AXVM_TRACE_MMIO | AXVM_TRACE_IRQ | AXVM_TRACE_SBI, (int)m);
	CHECK_INT(-AXVM_EINVAL, axvm_trace_parse("exits,exit", &m));
	CHECK(strstr(axvm_error_message(), "\"exit\"") != NULL);
	CHECK_INT(-AXVM_EINVAL, axvm_trace_parse("", &m));
	CHECK_INT(-AXVM_EINVAL, axvm_trace_parse("mmiox", &m));
}

TEST(test_trace_line_has_time_vcpu_kind_and_text)
{
	struct axvm_hal hal = {.now_ns = trace_clock};
	struct axvm_tracer t;
	struct lines l = {0};

	trace_now = 5000000000ull;
	axvm_tracer_init(&t, &hal);
	CHECK(!axvm_tracing(&t, AXVM_TRACE_MMIO)); /* off by default */
	axvm_tracer_set(&t, AXVM_TRACE_MMIO, trace_collect, &l);
	CHECK(axvm_tracing(&t, AXVM_TRACE_MMIO));
	CHECK(!axvm_tracing(&t, AXVM_TRACE_SBI));
	trace_now += 1234567890ull;
	axvm_trace_emit(&t, 3, "mmio", "write 0x%x", 0x10);
	CHECK_INT(1, (int)l.n);
	CHECK_STR("1.234567890 vcpu3 mmio write 0x10", l.last);
	/* Off again: nothing is traced, and a NULL tracer is never tracing. */
	axvm_tracer_set(&t, 0, NULL, NULL);
	CHECK(!axvm_tracing(&t, AXVM_TRACE_MMIO));
	CHECK(!axvm_tracing(NULL, AXVM_TRACE_MMIO));
	/* A function of NULL turns tracing off whatever the mask. */
	axvm_tracer_set(&t, AXVM_TRACE_MMIO, NULL, &l);
	CHECK(!axvm_tracing(&t, AXVM_TRACE_MMIO));
}

TEST(test_trace_long_line_is_cut_not_overrun)
{
	struct axvm_hal hal = {.now_ns = trace_clock};
	struct axvm_tracer t;
	struct lines l = {0};
	char big[600];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	axvm_tracer_init(&t, &hal);
	axvm_tracer_set(&t, AXVM_TRACE_EXITS, trace_collect, &l);
	axvm_trace_emit(&t, 0, "exit", "%s", big);
	CHECK_INT(1, (int)l.n);
	CHECK(strlen(l.last) == 255);
}
