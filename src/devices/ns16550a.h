/* SPDX-License-Identifier: MIT */
/*
 * The ns16550a UART model (see ns16550a.c for the register map).
 * Register it with axvm_ns16550a_ops, the device as opaque, byte-wide
 * accesses only (min_width = max_width = 1) over AXVM_NS16550A_MMIO_SIZE.
 *
 * Threads: the ops, axvm_ns16550a_receive and the console listener are safe
 * from any thread (the device has its own mutex); create/destroy from one
 * thread while no access runs.
 */
#ifndef AXVM_DEVICES_NS16550A_H
#define AXVM_DEVICES_NS16550A_H

#include <axvm/console.h>
#include <axvm/device.h>

#include "irq.h"

#define AXVM_NS16550A_MMIO_SIZE 0x100
#define AXVM_NS16550A_CLOCK_HZ 3686400
#define AXVM_NS16550A_FIFO_SIZE 16

struct axvm_ns16550a;

/*
 * console may be NULL (output dropped, no input). The UART installs itself
 * as the console's input listener.
 */
int axvm_ns16550a_create(struct axvm_console *console, const struct axvm_irq_line *irq,
			 struct axvm_ns16550a **out);
void axvm_ns16550a_destroy(struct axvm_ns16550a *uart);

extern const struct axvm_device_ops axvm_ns16550a_ops;

#endif
