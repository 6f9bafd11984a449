/* SPDX-License-Identifier: MIT */
/*
 * A device class: how the board builds a device model it knows only by
 * name (virtio-blk, virtio-console, virtio-rng, ..., and the board's own
 * PLIC, UART, RTC, test finisher and empty windows), places it on the MMIO
 * bus and describes it in the device tree. One const class per device file;
 * the board keeps a table of (class, base, irq, options) and a list of the
 * instances it made from it; for each entry:
 *
 *   1. create(ctx, &state)     build the model from its options
 *   2. axvm_register_device(vm, AXVM_BUS_MMIO, {.name = the place's ("uart0";
 *          a configured device's is class->name),
 *          .base = ctx.base, .size = class->mmio_size,
 *          .min_width = class->min_width, .max_width = class->max_width,
 *          .ops = class->ops, .opaque = state})
 *   3. fdt_node(state, blob, soc_offset, &fdt_ctx)   its node under /soc
 *                              (and any beside it: /aliases, /poweroff;
 *                              adding one moves the offsets after it)
 *   ...the VM runs...
 *   4. destroy(state)          after the vCPUs have stopped, before the
 *                              event loop and the address space go away
 *
 * Contract:
 *  - create may assume: ctx->as holds the guest's RAM regions (they may be
 *    added to later, but a region is never unmapped while the device
 *    lives); ctx->events is a loop that is not running on another thread
 *    yet (create registers fds and notifiers with it); ctx->irq is wired;
 *    ctx->base/size/irq are fixed. Everything in ctx is borrowed: strings
 *    are copied if kept, objects must outlive the device.
 *  - Errors: create returns 0 or a negative AXVM_E* and, on failure, records
 *    the calling thread's message (core/error.h, axvm_error_message()) that
 *    names what was wrong, with ctx->origin in front: "-d disk.img: not a
 *    multiple of 512 bytes (1000 bytes)" (axvm_devclass_fail). A failed
 *    create leaves nothing behind (*state is NULL). Host
 *    problems (a missing image, a lock held by another process) are found
 *    here, before the guest starts.
 *  - Threads: the ops (register accesses) run on vCPU threads, several at
 *    once; the device serialises them itself. Host I/O and queue processing
 *    run on the event loop's thread only, never on a vCPU thread: a vCPU's
 *    write to a notify register records the kick and wakes the loop.
 *    create, fdt_node and destroy run on the board's thread while neither
 *    the vCPUs nor the loop run (destroy may wait for host I/O still in
 *    flight, so that no completion touches freed memory).
 *  - The guest can only break its own device: malformed rings, loops,
 *    addresses outside RAM make the device report an error to the guest
 *    (virtio: DEVICE_NEEDS_RESET), never crash or stall the VMM, and no host
 *    allocation is sized by the guest without a bound.
 *  - The bus delivers only accesses of min_width..max_width bytes, aligned.
 */
#ifndef AXVM_DEVICES_DEVCLASS_H
#define AXVM_DEVICES_DEVCLASS_H

#include <axvm/addrspace.h>
#include <axvm/console.h>
#include <axvm/device.h>
#include <axvm/event.h>
#include <axvm/exit.h>
#include <axvm/hal.h>

#include "irq.h"

struct axvm_devclass_ctx {
	uint64_t base; /* the MMIO window the board gives the device */
	uint64_t size; /* >= class->mmio_size */
	struct axvm_irq_line irq;
	const struct axvm_hal *hal;
	struct axvm_addrspace *as;	/* guest RAM for DMA */
	struct axvm_event_loop *events; /* required by every virtio class */
	struct axvm_console *console;	/* virtio-console: required; others ignore it */
	const char *options; /* "file=disk.img,ro,serial=abc" or "disk.img,ro"; NULL = "" */
	const char *origin;  /* put before messages: "-d", "vm.toml:14:"; NULL = "<class>:" */
	unsigned index;	     /* n-th instance of this class (0-based), for names */

	/* What the board offers its own devices; the virtio classes ignore these. */
	unsigned harts; /* an interrupt controller's harts (contexts follow from it) */
	/*
	 * An interrupt controller's outputs: hart `hart`'s external interrupt
	 * in S-mode (supervisor) or M-mode went to `level`. Called with the
	 * controller's lock held: must not call back into it.
	 */
	void (*hart_irq)(void *board, unsigned hart, bool supervisor, bool level);
	/* The guest asks to end the VM (a test finisher); any vCPU thread. */
	void (*system_down)(void *board, enum axvm_system_down_type type, int status);
	void *board; /* opaque of hart_irq and system_down */
	/* Wall clock in ns since the Unix epoch (an RTC); NULL = the host's. */
	uint64_t (*realtime_ns)(void *opaque);
	void *realtime_opaque;
};

/* What a device's tree node needs besides its own state. */
struct axvm_devclass_fdt_ctx {
	uint64_t base;
	uint64_t size;
	unsigned irq;		   /* interrupt source at the interrupt parent */
	uint32_t interrupt_parent; /* phandle of the interrupt controller (the PLIC) */
	/*
	 * An interrupt controller's own phandle, assigned by the board before
	 * the call (the devices after it name it as their interrupt_parent);
	 * 0 for other devices.
	 */
	uint32_t phandle;
	unsigned harts;		   /* the harts ... */
	const uint32_t *hart_intc; /* ... and their interrupt controllers' phandles */
	uint32_t *next_phandle;	   /* the tree's next free phandle (axvm_devclass_fdt_phandle) */
};

struct axvm_devclass {
	const char *name; /* "virtio-blk" */
	uint64_t mmio_size;
	uint8_t min_width, max_width;
	const struct axvm_device_ops *ops; /* opaque = the state create returned */
	int (*create)(const struct axvm_devclass_ctx *ctx, void **state);
	void (*destroy)(void *state);
	/*
	 * Add the device's node under `parent` (the offset of /soc) in a libfdt
	 * read-write blob (fdt_add_subnode, fdt_setprop). 0 or a negative
	 * AXVM_E* (-AXVM_ENOMEM when the blob is full). NULL: no node.
	 */
	int (*fdt_node)(void *state, void *fdt, int parent, const struct axvm_devclass_fdt_ctx *f);
	/* The node's name before "@<base>" ("serial"), for paths to it (/chosen/stdout-path). */
	const char *fdt_name;
	/*
	 * An interrupt controller: drive its source `irq` (the interrupt lines
	 * of the devices the board creates after it). NULL for other devices.
	 */
	void (*irq_set)(void *state, unsigned irq, bool level);
	/*
	 * A device with timers (the RTC's alarm; devices start no threads):
	 * fire what is due and return the ns until the next one, UINT64_MAX if
	 * none. Any thread. NULL: no timers.
	 */
	uint64_t (*poll)(void *state);
};

/* The virtio-mmio device classes (one file each). */
extern const struct axvm_devclass axvm_virtio_blk_class;
extern const struct axvm_devclass axvm_virtio_console_class;
extern const struct axvm_devclass axvm_virtio_rng_class;
extern const struct axvm_devclass axvm_virtio_9p_class;
extern const struct axvm_devclass axvm_virtio_net_class;

/*
 * The board's own devices (one file each): fixed windows the board places
 * at QEMU virt's addresses; not among the classes a virtio-mmio slot takes.
 */
extern const struct axvm_devclass axvm_plic_class;	       /* "plic", options ndev=N */
extern const struct axvm_devclass axvm_ns16550a_class;	       /* "ns16550a" */
extern const struct axvm_devclass axvm_test_finisher_class;    /* "sifive-test" */
extern const struct axvm_devclass axvm_goldfish_rtc_class;     /* "goldfish-rtc" */
extern const struct axvm_devclass axvm_pci_ecam_empty_class;   /* "pci-ecam-empty" */
extern const struct axvm_devclass axvm_virtio_mmio_slot_class; /* "virtio-mmio-empty" */

/* Find a virtio-mmio slot's class by name ("virtio-blk"); NULL if none. */
const struct axvm_devclass *axvm_devclass_find(const char *name);
/* "virtio-blk, virtio-console, ... or virtio-net": every class, for messages. */
const char *axvm_devclass_names(void);

/*
 * Options strings: items separated by commas (",," is a comma inside an
 * item), each "key=value" or a bare word ("disk.img", "ro").
 */
struct axvm_devopt {
	char key[32];	  /* "" for a bare word */
	char value[4096]; /* the value, or the bare word */
};
/* 1: the next item in *opt; 0: no more; -AXVM_ERANGE: an item too long. */
int axvm_devopt_next(const char **cursor, struct axvm_devopt *opt);

/*
 * Record create's error as the thread's message (axvm_error_set):
 * "<origin> <message>" ("-d disk.img: ...") or, without an origin,
 * "<class>: <message>". Returns ret.
 */
int axvm_devclass_fail(const struct axvm_devclass_ctx *ctx, const char *class_name, int ret,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The model's create failed with ret: axvm_devclass_fail with ret's own text. */
int axvm_devclass_fail_code(const struct axvm_devclass_ctx *ctx, const char *class_name, int ret);
/* create's check for a class without options: 0, or the error naming what it got. */
int axvm_devclass_no_options(const struct axvm_devclass_ctx *ctx, const char *class_name);

/*
 * Device-tree helpers for fdt_node callbacks (libfdt read-write blobs; each
 * returns 0 or a negative AXVM_E*, -AXVM_ENOMEM when the blob is full).
 */
/* A libfdt return value as 0 or a negative AXVM_E*. */
int axvm_devclass_fdt_err(int fdt_ret);
/* Add "<name>@<base hex>" under parent; its offset in *node. */
int axvm_devclass_fdt_subnode(void *fdt, int parent, const char *name, uint64_t base, int *node);
/* Add (or find, if it exists) the node `name` under the root; its offset in *node. */
int axvm_devclass_fdt_root_node(void *fdt, const char *name, int *node);
/* reg = <base size> (two address and two size cells). */
int axvm_devclass_fdt_reg(void *fdt, int node, uint64_t base, uint64_t size);
/* A string list property from a NULL-terminated array. */
int axvm_devclass_fdt_strlist(void *fdt, int node, const char *prop, const char *const *list);
/* A fresh phandle (from f->next_phandle). */
uint32_t axvm_devclass_fdt_phandle(const struct axvm_devclass_fdt_ctx *f);

#endif
