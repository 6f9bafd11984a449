/* SPDX-License-Identifier: MIT */
/*
 * A raw disk image as a block device model's host backend: open, lock and
 * size checks, and asynchronous I/O driven by the event loop.
 *
 * I/O engines:
 *  - io_uring (liburing): operations are queued with block_file_submit,
 *    handed to the kernel with block_file_kick, and complete on the event
 *    thread when the ring's eventfd (registered with the event loop) fires.
 *    The event thread never waits for the disk.
 *  - sync: preadv/pwritev/fdatasync/fallocate on the event thread, inside
 *    block_file_submit. The fallback when io_uring_setup fails (ENOSYS,
 *    EPERM: a kernel without it, io_uring_disabled, a seccomp filter) or
 *    lacks an operation we need; logged once per process. Also chosen
 *    explicitly ("aio=sync") for tests and measurements.
 *
 * Threads: everything on the event loop's thread (open and close on the
 * board's thread while the loop does not run). An op's complete callback
 * runs on the event thread: from the loop (io_uring), or from inside
 * block_file_submit (sync), so a caller must not touch an op after
 * submitting it.
 */
#ifndef AXVM_DEVICES_BLOCK_FILE_H
#define AXVM_DEVICES_BLOCK_FILE_H

#include <axvm/event.h>
#include <sys/uio.h>

enum block_file_engine { BLOCK_FILE_AUTO, BLOCK_FILE_IO_URING, BLOCK_FILE_SYNC };

enum block_file_op_kind {
	BLOCK_FILE_READ,
	BLOCK_FILE_WRITE,
	BLOCK_FILE_FLUSH,     /* fdatasync: flushed data survives a host crash of axvm */
	BLOCK_FILE_FALLOCATE, /* mode: FALLOC_FL_* (punch hole, zero range) */
};

struct block_file_op {
	enum block_file_op_kind kind;
	uint64_t offset;
	uint64_t len;	   /* fallocate's length; read/write: set by submit to the iov total */
	int mode;	   /* fallocate */
	struct iovec *iov; /* read/write: the caller's array, advanced in place */
	unsigned iovcnt;   /* at most 1024 (IOV_MAX) */
	uint64_t done;	   /* bytes transferred so far */
	/* err: 0, or a negative errno. Event thread. */
	void (*complete)(struct block_file_op *op, int err);
	void *opaque; /* the caller's */
};

struct block_file;

struct block_file_params {
	const char *path;
	bool read_only;		       /* O_RDONLY + shared lock; else O_RDWR + exclusive lock */
	enum block_file_engine engine; /* AUTO: io_uring if it works, else sync */
	unsigned depth;		       /* operations in flight at most (io_uring ring size) */
	/* After each batch of completions (io_uring engine). Optional. */
	void (*batch_done)(void *opaque);
	void *opaque;
};

/*
 * Open and lock the image and set up its engine. On failure, a message
 * naming the file ("disk.img: not a multiple of 512 bytes (1000 bytes)")
 * goes to msg.
 */
int block_file_open(const struct block_file_params *p, struct axvm_event_loop *loop,
		    struct block_file **out, char *msg, size_t msglen);
/* Waits for operations in flight (their callbacks run), then closes. */
void block_file_close(struct block_file *bf);

uint64_t block_file_size(const struct block_file *bf);
enum block_file_engine block_file_engine(const struct block_file *bf);
const char *block_file_engine_name(enum block_file_engine engine);

/* Room for n more operations now (io_uring: within depth). */
bool block_file_can_submit(const struct block_file *bf, unsigned n);
void block_file_submit(struct block_file *bf, struct block_file_op *op);
/* Hand queued operations to the kernel (io_uring); nothing for sync. */
void block_file_kick(struct block_file *bf);

#endif
