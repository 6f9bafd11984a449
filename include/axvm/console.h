/* SPDX-License-Identifier: MIT */
/*
 * A console as the devices see it: a byte sink for guest output, and an
 * input queue that the host side (the runtime, or a test) pushes bytes into
 * and the guest-facing devices (UART, SBI console) pop from.
 *
 * Output has two modes, chosen by the sink given at creation:
 *  - direct (sink->write set): every write is handed to the sink at once,
 *    on the writing vCPU's thread; the sink must not block for long.
 *  - buffered (sink->write NULL): output goes into a bounded ring
 *    (AXVM_CONSOLE_OUTPUT_SIZE bytes) that its owner drains on a thread of
 *    its own (axvm_console_output_peek/consume); sink->output_ready says
 *    when. A full ring makes writes short: devices show "not ready" (the
 *    UART's THRE clears) and SBI calls wait or report fewer bytes, so guest
 *    output is never dropped silently and a stuck reader never blocks a
 *    vCPU thread for long.
 * Input is a bounded queue (AXVM_CONSOLE_INPUT_SIZE); a push that does not
 * fit is short, and sink->input_room tells the pusher when the guest has
 * made room, so input is never dropped (backpressure instead).
 *
 * Several devices share one console (the UART, a virtio-console, the SBI
 * console). They all write output; input has one owner at a time, chosen
 * by the guest: the consumer through which the guest last claimed its
 * console input (axvm_console_claim_input) gets every byte, the others
 * see none, so no device takes a keystroke meant for another. The devices
 * claim when the guest starts reading through them:
 *  - ns16550a: the guest enables the received-data interrupt (IER.ERBFI,
 *    Linux opening ttyS0) or reads a byte from RBR (a polling guest);
 *  - virtio-console: the driver makes a receive buffer available (hvc0);
 *  - the SBI console: DBCN console_read or the legacy console_getchar.
 * A guest reading two of them at once gets input on the one it claimed
 * last (Linux with console=ttyS0 console=hvc0 keeps ttyS0 open for reading
 * after its shell came up on hvc0: type on ttyS0 then).
 * Until the first claim, input goes to whichever consumer pops it first
 * (a polling bare-metal guest needs no claim). Devices pop with
 * axvm_console_pop_for(con, themselves); the host side and tests may use
 * axvm_console_pop, which ignores ownership.
 *
 * Threads: everything is safe from any thread; output_peek/consume belong
 * to one draining thread at a time. Callbacks run on the thread whose call
 * caused them, never under the console's lock.
 */
#ifndef AXVM_CONSOLE_H
#define AXVM_CONSOLE_H

#include "types.h"

struct axvm_console_sink {
	/* Direct mode: guest output, on the writer's thread. NULL = buffered mode. */
	void (*write)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque; /* for every callback */
	/*
	 * Buffered mode: output is waiting. `urgent` when it holds a newline
	 * or the ring is half full (drain now), else a few bytes that may
	 * wait a short while to be written with what follows. Called once
	 * until the next axvm_console_output_peek, then again for new output
	 * (and once more when it turns urgent). Optional.
	 */
	void (*output_ready)(void *opaque, bool urgent);
	/* A short push now has room again (called by the popping thread). Optional. */
	void (*input_room)(void *opaque);
};

#define AXVM_CONSOLE_INPUT_SIZE 4096
#define AXVM_CONSOLE_OUTPUT_SIZE 65536

struct axvm_console;

/* `sink` NULL: output is accepted and dropped. */
AXVM_API int axvm_console_create(const struct axvm_console_sink *sink, struct axvm_console **out);
AXVM_API void axvm_console_destroy(struct axvm_console *con);

/* ---- guest output (devices) ---- */

/* Returns the bytes taken: all in direct mode, fewer when the ring is full. */
AXVM_API size_t axvm_console_write(struct axvm_console *con, const uint8_t *buf, size_t len);
/* Bytes a write would take now (SIZE_MAX in direct mode). */
AXVM_API size_t axvm_console_output_room(struct axvm_console *con);
/*
 * Wait until at least `want` bytes fit (true) or timeout_ns passes (false),
 * for a device that must block (SBI console_write_byte). Bounded: callers
 * re-check whether their VM is stopping between waits.
 */
AXVM_API bool axvm_console_wait_output_room(struct axvm_console *con, size_t want,
					    uint64_t timeout_ns);
/*
 * A device that found the ring short of `want` bytes asks to be told when
 * it has them: every listener's output_room runs once (on the draining
 * thread) when it does, so the UART can raise its THR-empty interrupt; a
 * device that was not waiting ignores it. Returns true, and arms nothing,
 * if the room is there already (the owner drained in between).
 */
AXVM_API bool axvm_console_request_output_room(struct axvm_console *con, size_t want);

/* ---- the output's owner (buffered mode) ---- */

/* The oldest pending bytes (a contiguous part of them); 0 when none. */
AXVM_API size_t axvm_console_output_peek(struct axvm_console *con, const uint8_t **data);
/* Drop the first n peeked bytes (they were written out). */
AXVM_API void axvm_console_output_consume(struct axvm_console *con, size_t n);
AXVM_API size_t axvm_console_output_pending(struct axvm_console *con);
/*
 * The output can no longer be written (the reader went away, a full disk):
 * drop what is pending and accept-and-drop everything from now on, so the
 * guest never waits for it. Returns the bytes dropped so far.
 */
AXVM_API uint64_t axvm_console_output_close(struct axvm_console *con);
/* Bytes written by the guest since creation (all modes). */
AXVM_API uint64_t axvm_console_output_total(struct axvm_console *con);

/* ---- host input ---- */

/*
 * Queue bytes for the guest; returns the bytes queued. A short push is
 * remembered: sink->input_room runs once the guest has popped room.
 */
AXVM_API size_t axvm_console_push(struct axvm_console *con, const uint8_t *buf, size_t len);
/* Free space in the input queue; 0 arms sink->input_room as a short push does. */
AXVM_API size_t axvm_console_input_room(struct axvm_console *con);
/* Pop one input byte: returns it (0..255) or -1 if none is queued. */
AXVM_API int axvm_console_pop(struct axvm_console *con);
AXVM_API bool axvm_console_has_input(struct axvm_console *con);

/* ---- consumers (devices) ---- */

#define AXVM_CONSOLE_MAX_LISTENERS 4

/* A device using the console; `opaque` also names it as an input consumer. */
struct axvm_console_listener {
	/*
	 * Input may be there for it: bytes were pushed (called for the owner
	 * only, or for all while there is none) or the owner changed (called
	 * for all). On the pushing or claiming thread. Optional.
	 */
	void (*input)(void *opaque);
	/* The output room a device asked for is there (the draining thread). Optional. */
	void (*output_room)(void *opaque);
	void *opaque;
};

/* Add a device (before the VM runs): 0, or -AXVM_EBUSY when MAX_LISTENERS use it. */
AXVM_API int axvm_console_register_listener(struct axvm_console *con,
					    const struct axvm_console_listener *l);
/* Remove the listener of `consumer` (its opaque); it stops owning input. */
AXVM_API void axvm_console_unregister_listener(struct axvm_console *con, const void *consumer);
/*
 * The guest reads its console through `consumer` from now on (see the top
 * of this file); NULL: no owner (input to whoever pops first).
 */
AXVM_API void axvm_console_claim_input(struct axvm_console *con, const void *consumer);
/* The consumer that owns input; NULL until one claims it. */
AXVM_API const void *axvm_console_input_owner(struct axvm_console *con);
/* Pop one byte for `consumer`: -1 if none is queued or input belongs to another. */
AXVM_API int axvm_console_pop_for(struct axvm_console *con, const void *consumer);
AXVM_API bool axvm_console_has_input_for(struct axvm_console *con, const void *consumer);

#endif
