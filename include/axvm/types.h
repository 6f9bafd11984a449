/* SPDX-License-Identifier: MIT */
/*
 * Basic types and error codes shared by every layer of axvm.
 *
 * Errors: fallible functions return 0 or a negative AXVM_E* code and fill
 * out-parameters; axvm_strerror() turns a code into a sentence.
 */
#ifndef AXVM_TYPES_H
#define AXVM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t axvm_gpa_t; /* guest-physical address */
typedef uint64_t axvm_gva_t; /* guest-virtual address */
typedef uint64_t axvm_hpa_t; /* host-physical address */

enum axvm_error {
	AXVM_OK = 0,
	AXVM_EINVAL = 1,  /* invalid argument */
	AXVM_ENOMEM,	  /* out of host memory */
	AXVM_ENOENT,	  /* no such object (id, file, device) */
	AXVM_EEXIST,	  /* already exists */
	AXVM_EBUSY,	  /* object in use */
	AXVM_ESTATE,	  /* operation illegal in the object's current state */
	AXVM_EOVERLAP,	  /* address range overlaps an existing one */
	AXVM_EALIGN,	  /* address or size not aligned as required */
	AXVM_ERANGE,	  /* address or value out of range */
	AXVM_EFAULT,	  /* guest address not backed by any region */
	AXVM_EPERM,	  /* access not permitted by the region's flags */
	AXVM_ENOTPRESENT, /* lazy page not populated yet (nested page fault) */
	AXVM_EMMIO,	  /* address belongs to an emulated device region */
	AXVM_ENODEV,	  /* no device claims the address */
	AXVM_EIO,	  /* host I/O error */
	AXVM_EPARSE,	  /* malformed input text */
	AXVM_ENOTSUP,	  /* not supported */
	AXVM_EAFFINITY,	  /* calling CPU outside the vCPU's CPU set */
	AXVM_EBACKEND,	  /* vCPU backend failed */
	AXVM_ESHUTDOWN,	  /* VM is shutting down or stopped */
	AXVM_ELIMIT,	  /* a fixed limit was exceeded */
	AXVM_E_COUNT
};

/* A sentence describing a (negative or positive) AXVM_E* code. */
const char *axvm_strerror(int err);

#define AXVM_PAGE_SHIFT 12
#define AXVM_PAGE_SIZE (1ull << AXVM_PAGE_SHIFT)

#endif
