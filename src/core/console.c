/* SPDX-License-Identifier: MIT */
/* The console byte queue: a mutex-protected ring between host and devices. */
#include <axvm/console.h>

#include <pthread.h>
#include <stdlib.h>

struct axvm_console {
	struct axvm_console_sink sink;
	pthread_mutex_t lock;
	uint8_t ring[AXVM_CONSOLE_INPUT_SIZE];
	size_t head, count;
	void (*listener)(void *opaque);
	void *listener_opaque;
};

int axvm_console_create(const struct axvm_console_sink *sink, struct axvm_console **out)
{
	struct axvm_console *con;

	*out = NULL;
	con = calloc(1, sizeof(*con));
	if (!con)
		return -AXVM_ENOMEM;
	if (sink)
		con->sink = *sink;
	pthread_mutex_init(&con->lock, NULL);
	*out = con;
	return 0;
}

void axvm_console_destroy(struct axvm_console *con)
{
	if (!con)
		return;
	pthread_mutex_destroy(&con->lock);
	free(con);
}

void axvm_console_write(struct axvm_console *con, const uint8_t *buf, size_t len)
{
	if (con && con->sink.write && len)
		con->sink.write(con->sink.opaque, buf, len);
}

size_t axvm_console_push(struct axvm_console *con, const uint8_t *buf, size_t len)
{
	size_t queued = 0;

	pthread_mutex_lock(&con->lock);
	while (queued < len && con->count < sizeof(con->ring)) {
		con->ring[(con->head + con->count) % sizeof(con->ring)] = buf[queued++];
		con->count++;
	}
	pthread_mutex_unlock(&con->lock);
	if (queued && con->listener)
		con->listener(con->listener_opaque);
	return queued;
}

int axvm_console_pop(struct axvm_console *con)
{
	int c = -1;

	pthread_mutex_lock(&con->lock);
	if (con->count) {
		c = con->ring[con->head];
		con->head = (con->head + 1) % sizeof(con->ring);
		con->count--;
	}
	pthread_mutex_unlock(&con->lock);
	return c;
}

bool axvm_console_has_input(struct axvm_console *con)
{
	bool has;

	pthread_mutex_lock(&con->lock);
	has = con->count != 0;
	pthread_mutex_unlock(&con->lock);
	return has;
}

void axvm_console_set_input_listener(struct axvm_console *con, void (*fn)(void *opaque),
				     void *opaque)
{
	con->listener = fn;
	con->listener_opaque = opaque;
}
