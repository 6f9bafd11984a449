/* SPDX-License-Identifier: MIT */
/*
 * Error codes and messages. The message is per thread (axvm/types.h says
 * why): a failing call on one vCPU thread cannot overwrite, or race with,
 * the message another thread is reading.
 */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static const char *const error_text[AXVM_E_COUNT] = {
    [AXVM_OK] = "success",
    [AXVM_EINVAL] = "invalid argument",
    [AXVM_ENOMEM] = "out of memory",
    [AXVM_ENOENT] = "no such object",
    [AXVM_EEXIST] = "already exists",
    [AXVM_EBUSY] = "object in use",
    [AXVM_ESTATE] = "operation not allowed in the current state",
    [AXVM_EOVERLAP] = "address range overlaps an existing one",
    [AXVM_EALIGN] = "address or size not aligned",
    [AXVM_ERANGE] = "address or value out of range",
    [AXVM_EFAULT] = "guest address not backed by any region",
    [AXVM_EPERM] = "access not permitted by the region's flags",
    [AXVM_ENOTPRESENT] = "guest page not populated yet",
    [AXVM_EMMIO] = "address belongs to an emulated device region",
    [AXVM_ENODEV] = "no device at this address",
    [AXVM_EIO] = "host I/O error",
    [AXVM_EPARSE] = "malformed input",
    [AXVM_ENOTSUP] = "not supported",
    [AXVM_EAFFINITY] = "calling CPU is outside the vCPU's CPU set",
    [AXVM_EBACKEND] = "vCPU backend failure",
    [AXVM_ESHUTDOWN] = "VM is shutting down",
    [AXVM_ELIMIT] = "a fixed limit was exceeded",
};

static _Thread_local char error_msg[AXVM_ERROR_MAX];

const char *axvm_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= AXVM_E_COUNT || !error_text[err])
		return "unknown error";
	return error_text[err];
}

const char *axvm_error_message(void)
{
	return error_msg;
}

/*
 * Formatted into a local buffer first: the arguments may include the
 * current message itself (a prefix, or "%s" with axvm_error_message()).
 */
void axvm_error_recordv(const char *fmt, va_list ap)
{
	char msg[AXVM_ERROR_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	memcpy(error_msg, msg, sizeof(msg));
}

void axvm_error_record(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	axvm_error_recordv(fmt, ap);
	va_end(ap);
}

void axvm_error_prefix(const char *fmt, ...)
{
	char prefix[AXVM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	axvm_error_record("%s: %s", prefix, error_msg);
}

void axvm_error_clear(void)
{
	error_msg[0] = '\0';
}

int axvm_error_to_buf(int code, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", code < 0 ? error_msg : "");
	return code;
}
