/* SPDX-License-Identifier: MIT */
/*
 * An interrupt line between a device and an interrupt controller: the device
 * calls set(opaque, irq, level) whenever its output level may have changed
 * (repeating a level is harmless). Wired by the board; a zeroed line is
 * unconnected.
 */
#ifndef AXVM_DEVICES_IRQ_H
#define AXVM_DEVICES_IRQ_H

#include <axvm/types.h>

struct axvm_irq_line {
	void (*set)(void *opaque, unsigned irq, bool level);
	void *opaque;
	unsigned irq;
};

static inline void axvm_irq_line_set(const struct axvm_irq_line *line, bool level)
{
	if (line->set)
		line->set(line->opaque, line->irq, level);
}

#endif
