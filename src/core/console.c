/* SPDX-License-Identifier: MIT */
/*
 * The console: two bounded rings under one mutex, between the host (the
 * runtime's I/O thread) and the guest-facing devices on vCPU threads.
 *
 * Output (buffered mode) tells its owner once per drain that bytes wait
 * (out_signal), and once more if they become urgent (a newline, or half
 * the ring): a guest printing a line costs one notification and one host
 * write, not one per byte, and a lone echoed key still leaves within the
 * owner's short flush delay. Device writers that find the ring short ask
 * for a callback when the owner has drained it (room_want).
 *
 * Input is pushed by one host feeder; a short push arms in_waiting, and the
 * pop that brings the free space back to CONSOLE_INPUT_RESUME calls
 * input_room, so the feeder resumes well before the guest runs dry.
 *
 * Several devices consume one console (the UART, virtio-console, the SBI
 * console): each registers a listener; `owner` is the consumer the guest
 * last claimed input through (NULL until it does), and only it may pop.
 */
#include <axvm/console.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"

#define CONSOLE_INPUT_RESUME (AXVM_CONSOLE_INPUT_SIZE / 4)

enum console_signal { CONSOLE_QUIET, CONSOLE_SIGNALLED, CONSOLE_SIGNALLED_URGENT };

struct axvm_console {
	struct axvm_console_sink sink;
	bool buffered;
	pthread_mutex_t lock;
	pthread_cond_t room_cond; /* output room for axvm_console_wait_output_room */

	uint8_t in[AXVM_CONSOLE_INPUT_SIZE];
	size_t in_head, in_count;
	bool in_waiting;   /* a push was short: call sink.input_room once there is room */
	const void *owner; /* the consumer input is for; NULL = any */
	struct axvm_console_listener listeners[AXVM_CONSOLE_MAX_LISTENERS];
	unsigned nlisteners;

	uint8_t *out; /* AXVM_CONSOLE_OUTPUT_SIZE bytes (buffered mode) */
	size_t out_head, out_count;
	enum console_signal out_signal;
	bool out_closed;
	uint64_t out_dropped, out_total;
	size_t room_want; /* 0, or the room a device waits for */
};

/* A copy of the listeners, to call outside the lock (lock held). */
static unsigned console_listeners_locked(const struct axvm_console *con,
					 struct axvm_console_listener *out)
{
	memcpy(out, con->listeners, con->nlisteners * sizeof(out[0]));
	return con->nlisteners;
}

int axvm_console_create(const struct axvm_console_sink *sink, struct axvm_console **out)
{
	struct axvm_console *con;

	*out = NULL;
	con = calloc(1, sizeof(*con));
	if (!con)
		return axvm_error_set(-AXVM_ENOMEM, "console: out of memory");
	if (sink)
		con->sink = *sink;
	con->buffered = sink && !sink->write;
	if (con->buffered) {
		con->out = malloc(AXVM_CONSOLE_OUTPUT_SIZE);
		if (!con->out) {
			free(con);
			return axvm_error_set(-AXVM_ENOMEM,
					      "console: out of memory for its %u-byte buffer",
					      AXVM_CONSOLE_OUTPUT_SIZE);
		}
	}
	pthread_mutex_init(&con->lock, NULL);
	pthread_cond_init(&con->room_cond, NULL);
	*out = con;
	return 0;
}

void axvm_console_destroy(struct axvm_console *con)
{
	if (!con)
		return;
	pthread_cond_destroy(&con->room_cond);
	pthread_mutex_destroy(&con->lock);
	free(con->out);
	free(con);
}

/* ---- output ---- */

static size_t console_out_room(const struct axvm_console *con)
{
	if (!con->buffered || con->out_closed)
		return SIZE_MAX;
	return AXVM_CONSOLE_OUTPUT_SIZE - con->out_count;
}

size_t axvm_console_write(struct axvm_console *con, const uint8_t *buf, size_t len)
{
	enum console_signal before, after;
	size_t n, tail;

	if (!con || !len)
		return len;
	if (!con->buffered) {
		pthread_mutex_lock(&con->lock);
		con->out_total += len;
		pthread_mutex_unlock(&con->lock);
		if (con->sink.write)
			con->sink.write(con->sink.opaque, buf, len);
		return len;
	}
	pthread_mutex_lock(&con->lock);
	if (con->out_closed) {
		con->out_dropped += len;
		con->out_total += len;
		pthread_mutex_unlock(&con->lock);
		return len;
	}
	n = AXVM_CONSOLE_OUTPUT_SIZE - con->out_count;
	if (n > len)
		n = len;
	tail = (con->out_head + con->out_count) % AXVM_CONSOLE_OUTPUT_SIZE;
	if (tail + n <= AXVM_CONSOLE_OUTPUT_SIZE) {
		memcpy(con->out + tail, buf, n);
	} else {
		size_t first = AXVM_CONSOLE_OUTPUT_SIZE - tail;

		memcpy(con->out + tail, buf, first);
		memcpy(con->out, buf + first, n - first);
	}
	con->out_count += n;
	con->out_total += n;
	before = con->out_signal;
	if (n && (memchr(buf, '\n', n) || con->out_count >= AXVM_CONSOLE_OUTPUT_SIZE / 2))
		con->out_signal = CONSOLE_SIGNALLED_URGENT;
	else if (n && before == CONSOLE_QUIET)
		con->out_signal = CONSOLE_SIGNALLED;
	after = con->out_signal;
	pthread_mutex_unlock(&con->lock);
	if (after != before && con->sink.output_ready)
		con->sink.output_ready(con->sink.opaque, after == CONSOLE_SIGNALLED_URGENT);
	return n;
}

size_t axvm_console_output_room(struct axvm_console *con)
{
	size_t room;

	pthread_mutex_lock(&con->lock);
	room = console_out_room(con);
	pthread_mutex_unlock(&con->lock);
	return room;
}

bool axvm_console_wait_output_room(struct axvm_console *con, size_t want, uint64_t timeout_ns)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(timeout_ns / 1000000000ull);
	ts.tv_nsec += (long)(timeout_ns % 1000000000ull);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&con->lock);
	while (console_out_room(con) < want) {
		if (pthread_cond_clockwait(&con->room_cond, &con->lock, CLOCK_MONOTONIC, &ts) != 0)
			break;
	}
	ok = console_out_room(con) >= want;
	pthread_mutex_unlock(&con->lock);
	return ok;
}

int axvm_console_register_listener(struct axvm_console *con, const struct axvm_console_listener *l)
{
	int ret = 0;

	pthread_mutex_lock(&con->lock);
	if (con->nlisteners == AXVM_CONSOLE_MAX_LISTENERS)
		ret = -AXVM_EBUSY;
	else
		con->listeners[con->nlisteners++] = *l;
	pthread_mutex_unlock(&con->lock);
	if (ret)
		return axvm_error_set(ret, "console: more than %d devices use it",
				      AXVM_CONSOLE_MAX_LISTENERS);
	return 0;
}

void axvm_console_unregister_listener(struct axvm_console *con, const void *consumer)
{
	pthread_mutex_lock(&con->lock);
	for (unsigned i = 0; i < con->nlisteners; i++) {
		if (con->listeners[i].opaque == consumer) {
			memmove(&con->listeners[i], &con->listeners[i + 1],
				(con->nlisteners - i - 1) * sizeof(con->listeners[0]));
			con->nlisteners--;
			break;
		}
	}
	if (con->owner == consumer)
		con->owner = NULL;
	pthread_mutex_unlock(&con->lock);
}

bool axvm_console_request_output_room(struct axvm_console *con, size_t want)
{
	bool there;

	pthread_mutex_lock(&con->lock);
	there = console_out_room(con) >= want;
	if (!there && (con->room_want == 0 || want < con->room_want))
		con->room_want = want;
	pthread_mutex_unlock(&con->lock);
	return there;
}

size_t axvm_console_output_peek(struct axvm_console *con, const uint8_t **data)
{
	size_t n;

	*data = NULL;
	if (!con->buffered)
		return 0;
	pthread_mutex_lock(&con->lock);
	/* From here on, new output is news again. */
	con->out_signal = CONSOLE_QUIET;
	n = con->out_count;
	if (con->out_head + n > AXVM_CONSOLE_OUTPUT_SIZE)
		n = AXVM_CONSOLE_OUTPUT_SIZE - con->out_head;
	if (n)
		*data = con->out + con->out_head;
	pthread_mutex_unlock(&con->lock);
	return n;
}

/*
 * Wake writers waiting for room and, if a device asked, tell the devices
 * (lock held; unlocks). Each checks whether it was waiting itself.
 */
static void console_room_freed_unlock(struct axvm_console *con)
{
	struct axvm_console_listener l[AXVM_CONSOLE_MAX_LISTENERS];
	unsigned n = 0;

	pthread_cond_broadcast(&con->room_cond);
	if (con->room_want && console_out_room(con) >= con->room_want) {
		con->room_want = 0;
		n = console_listeners_locked(con, l);
	}
	pthread_mutex_unlock(&con->lock);
	for (unsigned i = 0; i < n; i++)
		if (l[i].output_room)
			l[i].output_room(l[i].opaque);
}

void axvm_console_output_consume(struct axvm_console *con, size_t n)
{
	if (!con->buffered)
		return;
	pthread_mutex_lock(&con->lock);
	if (n > con->out_count)
		n = con->out_count;
	con->out_head = (con->out_head + n) % AXVM_CONSOLE_OUTPUT_SIZE;
	con->out_count -= n;
	if (!con->out_count)
		con->out_head = 0; /* keep the next peek contiguous */
	console_room_freed_unlock(con);
}

size_t axvm_console_output_pending(struct axvm_console *con)
{
	size_t n;

	pthread_mutex_lock(&con->lock);
	n = con->out_count;
	pthread_mutex_unlock(&con->lock);
	return n;
}

uint64_t axvm_console_output_close(struct axvm_console *con)
{
	uint64_t dropped;

	pthread_mutex_lock(&con->lock);
	con->out_dropped += con->out_count;
	con->out_count = 0;
	con->out_head = 0;
	con->out_closed = true;
	dropped = con->out_dropped;
	console_room_freed_unlock(con);
	return dropped;
}

uint64_t axvm_console_output_total(struct axvm_console *con)
{
	uint64_t n;

	pthread_mutex_lock(&con->lock);
	n = con->out_total;
	pthread_mutex_unlock(&con->lock);
	return n;
}

/* ---- input ---- */

/* Tell the consumers input may be theirs: the owner only, or all without one. */
static void console_input_news(struct axvm_console *con, bool everyone)
{
	struct axvm_console_listener l[AXVM_CONSOLE_MAX_LISTENERS];
	const void *owner;
	unsigned n;

	pthread_mutex_lock(&con->lock);
	n = console_listeners_locked(con, l);
	owner = con->owner;
	pthread_mutex_unlock(&con->lock);
	for (unsigned i = 0; i < n; i++)
		if (l[i].input && (everyone || !owner || l[i].opaque == owner))
			l[i].input(l[i].opaque);
}

size_t axvm_console_push(struct axvm_console *con, const uint8_t *buf, size_t len)
{
	size_t queued = 0;

	pthread_mutex_lock(&con->lock);
	while (queued < len && con->in_count < sizeof(con->in)) {
		con->in[(con->in_head + con->in_count) % sizeof(con->in)] = buf[queued++];
		con->in_count++;
	}
	if (queued < len)
		con->in_waiting = true;
	pthread_mutex_unlock(&con->lock);
	if (queued)
		console_input_news(con, false);
	return queued;
}

void axvm_console_claim_input(struct axvm_console *con, const void *consumer)
{
	bool changed;

	pthread_mutex_lock(&con->lock);
	changed = con->owner != consumer;
	con->owner = consumer;
	pthread_mutex_unlock(&con->lock);
	/* The old owner stops taking input, the new one may find some waiting. */
	if (changed)
		console_input_news(con, true);
}

const void *axvm_console_input_owner(struct axvm_console *con)
{
	const void *owner;

	pthread_mutex_lock(&con->lock);
	owner = con->owner;
	pthread_mutex_unlock(&con->lock);
	return owner;
}

size_t axvm_console_input_room(struct axvm_console *con)
{
	size_t room;

	pthread_mutex_lock(&con->lock);
	room = sizeof(con->in) - con->in_count;
	if (!room)
		con->in_waiting = true;
	pthread_mutex_unlock(&con->lock);
	return room;
}

int axvm_console_pop(struct axvm_console *con)
{
	return axvm_console_pop_for(con, NULL);
}

int axvm_console_pop_for(struct axvm_console *con, const void *consumer)
{
	bool resume = false;
	int c = -1;

	pthread_mutex_lock(&con->lock);
	if (con->in_count && (!consumer || !con->owner || con->owner == consumer)) {
		c = con->in[con->in_head];
		con->in_head = (con->in_head + 1) % sizeof(con->in);
		con->in_count--;
		if (con->in_waiting && sizeof(con->in) - con->in_count >= CONSOLE_INPUT_RESUME) {
			con->in_waiting = false;
			resume = true;
		}
	}
	pthread_mutex_unlock(&con->lock);
	if (resume && con->sink.input_room)
		con->sink.input_room(con->sink.opaque);
	return c;
}

bool axvm_console_has_input(struct axvm_console *con)
{
	return axvm_console_has_input_for(con, NULL);
}

bool axvm_console_has_input_for(struct axvm_console *con, const void *consumer)
{
	bool has;

	pthread_mutex_lock(&con->lock);
	has = con->in_count != 0 && (!consumer || !con->owner || con->owner == consumer);
	pthread_mutex_unlock(&con->lock);
	return has;
}
