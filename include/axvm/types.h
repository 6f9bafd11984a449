/* SPDX-License-Identifier: MIT */
/*
 * Basic types and error codes shared by every layer of axvm.
 *
 * Errors: fallible functions return 0 or a negative AXVM_E* code and fill
 * out-parameters; axvm_strerror() turns a code into a sentence, and
 * axvm_error_message() says what failed (below).
 */
#ifndef AXVM_TYPES_H
#define AXVM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What libaxvm exports: the shared library is built with -fvisibility=hidden,
 * so a function is part of its ABI only when its public declaration carries
 * AXVM_API; everything internal (other layers' helpers, the hart, device
 * models, the TOML parser) stays inside. tests/integration/exports.sh holds
 * the export list to exactly these declarations.
 */
#if defined(__GNUC__)
#define AXVM_API __attribute__((visibility("default")))
#else
#define AXVM_API
#endif

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
AXVM_API const char *axvm_strerror(int err);

/*
 * What the calling thread's last failed call was about: one sentence naming
 * the object and place, e.g. "kernel.memory_regions[1]: mapping
 * [0x90000000, +0x1000000) failed: out of memory" ("" if nothing failed
 * yet). Every layer records its failures here (the VM, config loader,
 * board, image loader, runtime, vCPUs, buses, address spaces), and nowhere
 * else: functions that also take an `err` buffer get a copy of it.
 *
 * Why per thread, as errno and dlerror(): calls on one VM fail on several
 * threads at once (guest memory access from any thread, one thread per
 * vCPU). A message kept in the VM was overwritten by whichever thread
 * failed last, and reading it while another thread wrote it was a data
 * race; a caller-provided buffer would have added a parameter to every
 * fallible function. Per thread, the message is always the one for the call
 * this thread just made, with no lock. Read it right after the call that
 * returned the error, on the same thread: the next failure replaces it;
 * successful calls leave it as it was. The pointer stays valid for the
 * thread's lifetime.
 */
AXVM_API const char *axvm_error_message(void);

#define AXVM_PAGE_SHIFT 12
#define AXVM_PAGE_SIZE (1ull << AXVM_PAGE_SHIFT)

#endif
