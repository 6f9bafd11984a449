/* SPDX-License-Identifier: MIT */
/*
 * Logging through an installable sink. The level and sink are process-wide
 * (like a logger's configuration, not VM state); messages are formatted into
 * a bounded buffer so a guest-controlled string can never overflow anything.
 */
#include <axvm/log.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define LOG_LINE_MAX 1024

/* The sink and its argument change together: read and written under the lock. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static axvm_log_sink_fn log_sink;
static void *log_sink_opaque;
static _Atomic int log_level = AXVM_LOG_WARN;

void axvm_log_set_sink(axvm_log_sink_fn sink, void *opaque)
{
	pthread_mutex_lock(&log_lock);
	log_sink = sink;
	log_sink_opaque = opaque;
	pthread_mutex_unlock(&log_lock);
}

void axvm_log_set_level(enum axvm_log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum axvm_log_level axvm_log_get_level(void)
{
	return (enum axvm_log_level)atomic_load(&log_level);
}

void axvm_vlog(enum axvm_log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	axvm_log_sink_fn sink;
	void *opaque;

	if ((int)level > atomic_load(&log_level))
		return;
	pthread_mutex_lock(&log_lock);
	sink = log_sink;
	opaque = log_sink_opaque;
	pthread_mutex_unlock(&log_lock);
	if (!sink)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	sink(opaque, level, line);
}

void axvm_log(enum axvm_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	axvm_vlog(level, fmt, ap);
	va_end(ap);
}

static unsigned long long log_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

#define LOG_RATELIMIT_BURST 10
#define LOG_RATELIMIT_WINDOW_NS 1000000000ull

void axvm_log_ratelimited(struct axvm_ratelimit *state, enum axvm_log_level level, const char *fmt,
			  ...)
{
	unsigned long long now;
	va_list ap;

	if ((int)level > atomic_load(&log_level))
		return;
	/* Racy counters are fine: the limit only needs to be approximate. */
	now = log_now_ns();
	if (now - state->window_start_ns >= LOG_RATELIMIT_WINDOW_NS) {
		if (state->suppressed)
			axvm_log(level, "(%u similar messages suppressed)", state->suppressed);
		state->window_start_ns = now;
		state->printed = 0;
		state->suppressed = 0;
	}
	if (state->printed >= LOG_RATELIMIT_BURST) {
		state->suppressed++;
		return;
	}
	state->printed++;
	va_start(ap, fmt);
	axvm_vlog(level, fmt, ap);
	va_end(ap);
}
