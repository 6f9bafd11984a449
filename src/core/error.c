/* SPDX-License-Identifier: MIT */
#include <axvm/types.h>

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

const char *axvm_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= AXVM_E_COUNT || !error_text[err])
		return "unknown error";
	return error_text[err];
}
