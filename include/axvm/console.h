/* SPDX-License-Identifier: MIT */
/*
 * A console as the devices see it: a byte sink for output, and an input
 * queue that the host side (the runtime's stdin thread, or a test) pushes
 * bytes into and the guest-facing devices (UART, SBI console) pop from.
 *
 * Threads: axvm_console_push/pop/write are safe from any thread.
 */
#ifndef AXVM_CONSOLE_H
#define AXVM_CONSOLE_H

#include "types.h"

struct axvm_console_sink {
	/* Called with guest output; must not block for long. */
	void (*write)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque;
};

#define AXVM_CONSOLE_INPUT_SIZE 4096

struct axvm_console;

AXVM_API int axvm_console_create(const struct axvm_console_sink *sink, struct axvm_console **out);
AXVM_API void axvm_console_destroy(struct axvm_console *con);

/* Guest output. */
AXVM_API void axvm_console_write(struct axvm_console *con, const uint8_t *buf, size_t len);

/* Host input: queue bytes for the guest (drops what does not fit; returns bytes queued). */
AXVM_API size_t axvm_console_push(struct axvm_console *con, const uint8_t *buf, size_t len);
/* Pop one input byte: returns it (0..255) or -1 if none is queued. */
AXVM_API int axvm_console_pop(struct axvm_console *con);
AXVM_API bool axvm_console_has_input(struct axvm_console *con);

/*
 * Called (from the pushing thread) after input is queued, so a device can
 * raise its receive interrupt. One listener; set before the VM runs.
 */
AXVM_API void axvm_console_set_input_listener(struct axvm_console *con, void (*fn)(void *opaque),
					      void *opaque);

#endif
