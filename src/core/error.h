/* SPDX-License-Identifier: MIT */
/*
 * Recording error messages (internal to libaxvm; embedders read them with
 * axvm_error_message(), see axvm/types.h for why they are per thread).
 *
 * Every failure path that knows more than its code records one sentence
 * naming the object and place, and returns the code in the same statement
 * (below):
 *
 *	return axvm_error_set(-AXVM_ERANGE, "%s: image_size 0x%llx is larger ...", ...);
 *
 * A caller that adds context to a callee's message (the callee recorded one
 * on every failure path) wraps it: "<context>: <callee's message>".
 * Public functions that also take an `err` buffer copy the message into it
 * once, on their way out (axvm_error_to_buf). Nothing else keeps messages.
 */
#ifndef AXVM_CORE_ERROR_H
#define AXVM_CORE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include "axvm/log.h"
#include "axvm/types.h"

/* Longest message kept (longer ones are truncated). */
#define AXVM_ERROR_MAX 512

/*
 * Failure paths are cold: the compiler keeps them (and the registers their
 * arguments need) off the paths that succeed, such as the vCPU run and
 * register ops of every MMIO exit.
 */
#if defined(__GNUC__)
#define AXVM_ERROR_COLD __attribute__((cold))
#else
#define AXVM_ERROR_COLD
#endif

/* Record the calling thread's message. */
void axvm_error_record(const char *fmt, ...) AXVM_PRINTF(1, 2) AXVM_ERROR_COLD;
void axvm_error_recordv(const char *fmt, va_list ap) AXVM_PRINTF(1, 0) AXVM_ERROR_COLD;
/* Prefix the message a callee recorded: "<fmt...>: <message>". */
void axvm_error_prefix(const char *fmt, ...) AXVM_PRINTF(1, 2) AXVM_ERROR_COLD;

/*
 * axvm_error_set(code, fmt, ...): record the message and yield `code` (a
 * negative AXVM_E*); axvm_error_wrap(code, fmt, ...) the same with
 * axvm_error_prefix. Macros, so that the compiler sees which value a
 * failure path returns (a function's result would be opaque to it, and it
 * would keep the caller's registers alive for a "success" after the call).
 */
#define axvm_error_set(code, ...) (axvm_error_record(__VA_ARGS__), (code))
#define axvm_error_wrap(code, ...) (axvm_error_prefix(__VA_ARGS__), (code))
/* Forget the calling thread's message ("" until the next failure). */
void axvm_error_clear(void);
/*
 * For public functions with an `err` buffer (may be NULL): on failure
 * (code < 0) copy the calling thread's message into it, on success empty
 * it. Returns `code`.
 */
int axvm_error_to_buf(int code, char *err, size_t errlen);

#endif
