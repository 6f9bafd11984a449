/* SPDX-License-Identifier: MIT */
/*
 * Logging. The library never writes to stdio itself: messages go to a sink
 * that the embedding program installs (the CLI installs one for stderr).
 * Without a sink, messages are dropped. Thread-safe.
 */
#ifndef AXVM_LOG_H
#define AXVM_LOG_H

#include <stdarg.h>

#include "types.h"

enum axvm_log_level {
	AXVM_LOG_ERROR = 0,
	AXVM_LOG_WARN,
	AXVM_LOG_INFO,
	AXVM_LOG_DEBUG,
	AXVM_LOG_TRACE,
};

typedef void (*axvm_log_sink_fn)(void *opaque, enum axvm_log_level level, const char *msg);

AXVM_API void axvm_log_set_sink(axvm_log_sink_fn sink, void *opaque);
AXVM_API void axvm_log_set_level(enum axvm_log_level level);
AXVM_API enum axvm_log_level axvm_log_get_level(void);

#if defined(__GNUC__)
#define AXVM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AXVM_PRINTF(a, b)
#endif

AXVM_API void axvm_log(enum axvm_log_level level, const char *fmt, ...) AXVM_PRINTF(2, 3);
AXVM_API void axvm_vlog(enum axvm_log_level level, const char *fmt, va_list ap) AXVM_PRINTF(2, 0);

/*
 * Rate-limited logging for anything a guest can trigger: at most `burst`
 * messages per `*state` each second; the rest are counted and summarised.
 */
struct axvm_ratelimit {
	unsigned long long window_start_ns;
	unsigned int printed;
	unsigned int suppressed;
};
AXVM_API void axvm_log_ratelimited(struct axvm_ratelimit *state, enum axvm_log_level level,
				   const char *fmt, ...) AXVM_PRINTF(3, 4);

#define axvm_error(...) axvm_log(AXVM_LOG_ERROR, __VA_ARGS__)
#define axvm_warn(...) axvm_log(AXVM_LOG_WARN, __VA_ARGS__)
#define axvm_info(...) axvm_log(AXVM_LOG_INFO, __VA_ARGS__)
#define axvm_debug(...) axvm_log(AXVM_LOG_DEBUG, __VA_ARGS__)

#endif
