/* SPDX-License-Identifier: MIT */
/*
 * Recording error messages (internal to libaxvm; embedders read them with
 * axvm_error_message(), see axvm/types.h for why they are per thread).
 *
 * Every failure path that knows more than its code records one sentence
 * naming the object and place, and returns the code in the same statement:
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

/* Record the calling thread's message; returns `code` (a negative AXVM_E*). */
int axvm_error_set(int code, const char *fmt, ...) AXVM_PRINTF(2, 3);
int axvm_error_setv(int code, const char *fmt, va_list ap) AXVM_PRINTF(2, 0);
/* Prefix the message a callee recorded: "<fmt...>: <message>"; returns `code`. */
int axvm_error_wrap(int code, const char *fmt, ...) AXVM_PRINTF(2, 3);
/* Forget the calling thread's message ("" until the next failure). */
void axvm_error_clear(void);
/*
 * For public functions with an `err` buffer (may be NULL): on failure
 * (code < 0) copy the calling thread's message into it, on success empty
 * it. Returns `code`.
 */
int axvm_error_to_buf(int code, char *err, size_t errlen);

#endif
