/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk on a raw image: opening (errors name the file, locking),
 * config and features, each request type through both I/O engines
 * (io_uring and sync) and the fallback when io_uring is refused, the status
 * byte's answers (OK, IOERR, UNSUPP),
 * request framing, several queues, reset and teardown with a request in
 * flight, and a flushed write surviving kill -9.
 */
#include "test.h"

#include <axvm/log.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/virtio_mmio.h"
#include "virtio_driver.h"

#define IMG_SECTORS 2048 /* 1 MiB */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2

#define F_RO (1ull << 5)
#define F_SEG_MAX (1ull << 2)
#define F_BLK_SIZE (1ull << 6)
#define F_FLUSH (1ull << 9)
#define F_MQ (1ull << 12)
#define F_DISCARD (1ull << 13)
#define F_WRITE_ZEROES (1ull << 14)

struct blk_fixture {
	struct vdrv d;
	char dir[64];
	char path[96];
	char opts[160];
};

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + i / 512 + 1);
}

/* A fresh image of `bytes` bytes filled with pattern(). */
static bool make_image(struct blk_fixture *f, uint64_t bytes)
{
	uint8_t buf[4096];
	int fd;

	snprintf(f->dir, sizeof(f->dir), "/tmp/axvm-blk-XXXXXX");
	if (!mkdtemp(f->dir))
		return false;
	snprintf(f->path, sizeof(f->path), "%s/disk.img", f->dir);
	fd = open(f->path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd < 0)
		return false;
	for (uint64_t off = 0; off < bytes; off += sizeof(buf)) {
		size_t n = bytes - off < sizeof(buf) ? (size_t)(bytes - off) : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
			close(fd);
			return false;
		}
	}
	close(fd);
	return true;
}

static void remove_image(struct blk_fixture *f)
{
	unlink(f->path);
	rmdir(f->dir);
}

/* Image + device with `extra` options ("" or ",ro,aio=sync"). */
static bool blk_setup(struct blk_fixture *f, const char *extra)
{
	int ret;

	memset(f, 0, sizeof(*f));
	if (!make_image(f, IMG_SECTORS * 512ull))
		return false;
	snprintf(f->opts, sizeof(f->opts), "%s%s", f->path, extra);
	ret = vdrv_setup(&f->d, &axvm_virtio_blk_class, f->opts, NULL);
	if (ret) {
		printf("    setup: %d %s\n", ret, f->d.err);
		vdrv_teardown(&f->d);
		remove_image(f);
	}
	return ret == 0;
}

static void blk_teardown(struct blk_fixture *f)
{
	vdrv_teardown(&f->d);
	remove_image(f);
}

/* A request's guest memory: header, data, status. */
struct blk_io {
	uint64_t hdr, data, status;
	uint32_t len;
};

static struct blk_io blk_io_alloc(struct vdrv *d, uint32_t len)
{
	struct blk_io io;

	io.hdr = vdrv_alloc(d, 16, 16);
	io.data = vdrv_alloc(d, len ? len : 1, 512);
	io.status = vdrv_alloc(d, 1, 1);
	io.len = len;
	*(uint8_t *)vdrv_host(d, io.status) = 0xee;
	return io;
}

static void blk_hdr(struct vdrv *d, const struct blk_io *io, uint32_t type, uint64_t sector)
{
	uint8_t *h = vdrv_host(d, io->hdr);
	uint32_t zero = 0;

	memcpy(h, &type, 4);
	memcpy(h + 4, &zero, 4);
	memcpy(h + 8, &sector, 8);
}

/* Post header + data (device-writable for reads) + status on queue q and kick. */
static void blk_post(struct vdrv *d, unsigned q, const struct blk_io *io, uint32_t type,
		     uint64_t sector, bool data_write)
{
	struct vdrv_buf b[3];
	unsigned n = 0;

	blk_hdr(d, io, type, sector);
	b[n++] = (struct vdrv_buf){io->hdr, 16, false};
	if (io->len)
		b[n++] = (struct vdrv_buf){io->data, io->len, data_write};
	b[n++] = (struct vdrv_buf){io->status, 1, true};
	vdrv_post(d, q, b, n);
	vdrv_kick(d, q);
}

/* One request from post to used; returns the status byte (0xee: none written). */
static int blk_do(struct vdrv *d, unsigned q, const struct blk_io *io, uint32_t type,
		  uint64_t sector, bool data_write, uint32_t *used_len)
{
	blk_post(d, q, io, type, sector, data_write);
	if (!vdrv_wait_used(d, q, 1))
		return -1;
	vdrv_take_used(d, q, used_len);
	return *(uint8_t *)vdrv_host(d, io->status);
}

static int blk_read(struct vdrv *d, const struct blk_io *io, uint64_t sector)
{
	uint32_t len;

	return blk_do(d, 0, io, T_IN, sector, true, &len);
}

static bool file_has(const char *path, uint64_t off, const uint8_t *want, size_t len)
{
	uint8_t buf[4096];
	int fd = open(path, O_RDONLY);
	bool same;

	if (fd < 0 || len > sizeof(buf))
		return false;
	same = pread(fd, buf, len, (off_t)off) == (ssize_t)len && memcmp(buf, want, len) == 0;
	close(fd);
	return same;
}

static bool data_is_pattern(struct vdrv *d, const struct blk_io *io, uint64_t sector)
{
	const uint8_t *p = vdrv_host(d, io->data);

	for (uint32_t i = 0; i < io->len; i++)
		if (p[i] != pattern(sector * 512 + i))
			return false;
	return true;
}

static bool data_is_zero(struct vdrv *d, const struct blk_io *io)
{
	const uint8_t *p = vdrv_host(d, io->data);

	for (uint32_t i = 0; i < io->len; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- opening ---- */

TEST(test_virtio_blk_missing_image_is_an_error_naming_it)
{
	struct vdrv d;

	CHECK_INT(-AXVM_ENOENT,
		  vdrv_setup(&d, &axvm_virtio_blk_class, "/nonexistent/disk.img", NULL));
	CHECK_STR("-d /nonexistent/disk.img: No such file or directory", d.err);
	vdrv_teardown(&d);
}

TEST(test_virtio_blk_image_not_a_multiple_of_512_is_an_error)
{
	struct blk_fixture f;

	memset(&f, 0, sizeof(f));
	REQUIRE(make_image(&f, 1000));
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&f.d, &axvm_virtio_blk_class, f.path, NULL));
	snprintf(f.opts, sizeof(f.opts), "-d %s: not a multiple of 512 bytes (1000 bytes)", f.path);
	CHECK_STR(f.opts, f.d.err);
	vdrv_teardown(&f.d);
	remove_image(&f);
}

TEST(test_virtio_blk_directory_is_not_an_image)
{
	struct vdrv d;

	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_blk_class, "/tmp,ro", NULL));
	CHECK_STR("-d /tmp: not a regular file or a block device", d.err);
	vdrv_teardown(&d);
}

TEST(test_virtio_blk_fifo_is_refused_without_blocking)
{
	struct blk_fixture f;
	char want[160];

	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/axvm-blk-XXXXXX");
	REQUIRE(mkdtemp(f.dir));
	snprintf(f.path, sizeof(f.path), "%s/fifo", f.dir);
	REQUIRE(mkfifo(f.path, 0600) == 0);
	snprintf(f.opts, sizeof(f.opts), "%s,ro", f.path);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&f.d, &axvm_virtio_blk_class, f.opts, NULL));
	snprintf(want, sizeof(want), "-d %s: not a regular file or a block device", f.path);
	CHECK_STR(want, f.d.err);
	vdrv_teardown(&f.d);
	remove_image(&f);
}

TEST(test_virtio_blk_second_writer_is_refused_by_the_lock)
{
	struct blk_fixture f;
	struct vdrv second;
	char want[256];

	REQUIRE(blk_setup(&f, ""));
	CHECK_INT(-AXVM_EBUSY, vdrv_setup(&second, &axvm_virtio_blk_class, f.path, NULL));
	snprintf(want, sizeof(want),
		 "-d %s: locked by another process (it is open); is another VM using it?", f.path);
	CHECK_STR(want, second.err);
	vdrv_teardown(&second);
	/* A reader is refused too while a writer holds it. */
	snprintf(want, sizeof(want), "%s,ro", f.path);
	CHECK_INT(-AXVM_EBUSY, vdrv_setup(&second, &axvm_virtio_blk_class, want, NULL));
	vdrv_teardown(&second);
	blk_teardown(&f);
}

TEST(test_virtio_blk_two_readers_share_an_image)
{
	struct blk_fixture f;
	struct vdrv second;

	REQUIRE(blk_setup(&f, ",ro"));
	CHECK_INT(0, vdrv_setup(&second, &axvm_virtio_blk_class, f.opts, NULL));
	vdrv_teardown(&second);
	/* ... but not with a writer. */
	CHECK_INT(-AXVM_EBUSY, vdrv_setup(&second, &axvm_virtio_blk_class, f.path, NULL));
	vdrv_teardown(&second);
	blk_teardown(&f);
}

TEST(test_virtio_blk_option_errors_name_the_option)
{
	struct vdrv d;

	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_blk_class, "x.img,cache=none", NULL));
	CHECK_STR("-d x.img: unknown option \"cache=none\"", d.err);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_blk_class, "x.img,queues=9", NULL));
	CHECK_STR("-d x.img: queues=9: want 1..8", d.err);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_blk_class, "x.img,aio=posix", NULL));
	CHECK_STR("-d x.img: aio=posix: want auto, io_uring or sync", d.err);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_blk_class,
					   "x.img,serial=123456789012345678901", NULL));
	CHECK_STR("-d x.img: serial=123456789012345678901: longer than 20 bytes", d.err);
	vdrv_teardown(&d);
	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_blk_class, "ro", NULL));
	CHECK_STR("-d no image file given (FILE[,ro] or file=FILE)", d.err);
	vdrv_teardown(&d);
}

TEST(test_virtio_blk_file_key_and_comma_escape)
{
	struct blk_fixture f;
	char path[128], opts[160];
	int fd;

	memset(&f, 0, sizeof(f));
	REQUIRE(make_image(&f, 4096));
	snprintf(path, sizeof(path), "%s/a,b.img", f.dir);
	fd = open(path, O_CREAT | O_RDWR, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(ftruncate(fd, 512) == 0);
	close(fd);
	snprintf(opts, sizeof(opts), "ro,file=%s/a,,b.img", f.dir);
	CHECK_INT(0, vdrv_setup(&f.d, &axvm_virtio_blk_class, opts, NULL));
	vdrv_teardown(&f.d);
	unlink(path);
	remove_image(&f);
}

/* ---- config and features ---- */

TEST(test_virtio_blk_offers_features_and_config_for_a_writable_image)
{
	struct blk_fixture f;

	REQUIRE(blk_setup(&f, ",queues=2"));
	CHECK_U64(2, vdrv_rd(&f.d, VDRV_DEVICE_ID));
	CHECK_U64(F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_MQ | F_DISCARD | F_WRITE_ZEROES |
		      VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
		      VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
		  vdrv_device_features(&f.d));
	CHECK_U64(IMG_SECTORS, vdrv_rd(&f.d, VDRV_CONFIG + 0));
	CHECK_U64(0, vdrv_rd(&f.d, VDRV_CONFIG + 4));
	CHECK_U64(254, vdrv_rd(&f.d, VDRV_CONFIG + 0x0c));
	CHECK_U64(512, vdrv_rd(&f.d, VDRV_CONFIG + 0x14));
	CHECK_U64(2, vdrv_rd_width(&f.d, VDRV_CONFIG + 0x22, 2));
	CHECK_U64(1, vdrv_rd(&f.d, VDRV_CONFIG + 0x28));
	CHECK_U64(8, vdrv_rd(&f.d, VDRV_CONFIG + 0x2c));
	CHECK_U64(1, vdrv_rd(&f.d, VDRV_CONFIG + 0x34));
	CHECK_U64(1, vdrv_rd_width(&f.d, VDRV_CONFIG + 0x38, 1));
	CHECK_U64(256, vdrv_rd(&f.d, VDRV_QUEUE_NUM_MAX));
	vdrv_wr(&f.d, VDRV_QUEUE_SEL, 1);
	CHECK_U64(256, vdrv_rd(&f.d, VDRV_QUEUE_NUM_MAX));
	vdrv_wr(&f.d, VDRV_QUEUE_SEL, 2);
	CHECK_U64(0, vdrv_rd(&f.d, VDRV_QUEUE_NUM_MAX));
	blk_teardown(&f);
}

TEST(test_virtio_blk_read_only_image_offers_ro_and_no_discard)
{
	struct blk_fixture f;
	uint64_t feat;

	REQUIRE(blk_setup(&f, ",ro"));
	feat = vdrv_device_features(&f.d);
	CHECK_U64(F_RO, feat & F_RO);
	CHECK_U64(0, feat & (F_DISCARD | F_WRITE_ZEROES));
	blk_teardown(&f);
}

/* ---- requests ---- */

static void check_reads_image(const char *extra)
{
	struct blk_fixture f;
	struct blk_io io;
	uint32_t len;
	uint64_t writes;

	REQUIRE(blk_setup(&f, extra));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 4096);
	writes = axvm_addrspace_write_count(f.d.as); /* the driver here writes through pointers */
	CHECK_INT(S_OK, blk_do(&f.d, 0, &io, T_IN, 100, true, &len));
	CHECK_INT(4097, len);
	/* The device's DMA is counted: a hart's decoded code is compared again at fence.i. */
	CHECK(axvm_addrspace_write_count(f.d.as) > writes);
	CHECK(data_is_pattern(&f.d, &io, 100));
	CHECK_INT(1, f.d.irq_level);
	blk_teardown(&f);
}

TEST(test_virtio_blk_reads_image_data_io_uring)
{
	check_reads_image(",aio=io_uring");
}

TEST(test_virtio_blk_reads_image_data_sync)
{
	check_reads_image(",aio=sync");
}

static void check_writes_reach_file(const char *extra)
{
	struct blk_fixture f;
	struct blk_io io;
	uint32_t len;
	uint8_t want[1024];

	REQUIRE(blk_setup(&f, extra));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, sizeof(want));
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(0xa5 ^ i);
	memcpy(vdrv_host(&f.d, io.data), want, sizeof(want));
	CHECK_INT(S_OK, blk_do(&f.d, 0, &io, T_OUT, 7, false, &len));
	CHECK_INT(1, len);
	CHECK(file_has(f.path, 7 * 512, want, sizeof(want)));
	blk_teardown(&f);
}

TEST(test_virtio_blk_writes_reach_the_file_io_uring)
{
	check_writes_reach_file(",aio=io_uring");
}

TEST(test_virtio_blk_writes_reach_the_file_sync)
{
	check_writes_reach_file(",aio=sync");
}

TEST(test_virtio_blk_flush_is_ok)
{
	struct blk_fixture f;
	struct blk_io io;
	uint32_t len;

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 0);
	CHECK_INT(S_OK, blk_do(&f.d, 0, &io, T_FLUSH, 0, false, &len));
	CHECK_INT(1, len);
	blk_teardown(&f);
}

TEST(test_virtio_blk_flushed_write_survives_kill_9)
{
	struct blk_fixture f;
	uint8_t want[512];
	pid_t pid;
	int st;

	memset(&f, 0, sizeof(f));
	REQUIRE(make_image(&f, IMG_SECTORS * 512ull));
	memset(want, 0x5a, sizeof(want));
	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct blk_io io;
		uint32_t len;

		if (vdrv_setup(&f.d, &axvm_virtio_blk_class, f.path, NULL) ||
		    !vdrv_init(&f.d, 0, 1, 16))
			_exit(2);
		io = blk_io_alloc(&f.d, sizeof(want));
		memcpy(vdrv_host(&f.d, io.data), want, sizeof(want));
		if (blk_do(&f.d, 0, &io, T_OUT, 3, false, &len) != S_OK)
			_exit(3);
		io = blk_io_alloc(&f.d, 0);
		if (blk_do(&f.d, 0, &io, T_FLUSH, 0, false, &len) != S_OK)
			_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	REQUIRE(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(file_has(f.path, 3 * 512, want, sizeof(want)));
	remove_image(&f);
}

TEST(test_virtio_blk_write_to_read_only_image_is_ioerr_and_file_unchanged)
{
	struct blk_fixture f;
	struct blk_io io;
	uint32_t len;
	uint8_t orig[512];

	REQUIRE(blk_setup(&f, ",ro"));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	for (int i = 0; i < 512; i++)
		orig[i] = pattern(512 + (uint64_t)i);
	io = blk_io_alloc(&f.d, 512);
	memset(vdrv_host(&f.d, io.data), 0, 512);
	CHECK_INT(S_IOERR, blk_do(&f.d, 0, &io, T_OUT, 1, false, &len));
	CHECK(file_has(f.path, 512, orig, sizeof(orig)));
	io = blk_io_alloc(&f.d, 16);
	memset(vdrv_host(&f.d, io.data), 0, 16);
	CHECK_INT(S_IOERR, blk_do(&f.d, 0, &io, T_DISCARD, 0, false, &len));
	/* Reads and flushes still work. */
	io = blk_io_alloc(&f.d, 512);
	CHECK_INT(S_OK, blk_read(&f.d, &io, 1));
	io = blk_io_alloc(&f.d, 0);
	CHECK_INT(S_OK, blk_do(&f.d, 0, &io, T_FLUSH, 0, false, &len));
	blk_teardown(&f);
}

TEST(test_virtio_blk_request_past_the_end_is_ioerr)
{
	struct blk_fixture f;
	struct blk_io io;

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 1024);
	CHECK_INT(S_IOERR, blk_read(&f.d, &io, IMG_SECTORS - 1));
	CHECK_INT(S_IOERR, blk_read(&f.d, &io, ~0ull));
	CHECK_INT(S_IOERR, blk_read(&f.d, &io, ~0ull / 512));
	CHECK_INT(S_OK, blk_read(&f.d, &io, IMG_SECTORS - 2));
	blk_teardown(&f);
}

TEST(test_virtio_blk_length_not_a_multiple_of_512_is_ioerr)
{
	struct blk_fixture f;
	struct blk_io io;

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 100);
	CHECK_INT(S_IOERR, blk_read(&f.d, &io, 0));
	blk_teardown(&f);
}

TEST(test_virtio_blk_unknown_request_type_is_unsupp)
{
	struct blk_fixture f;
	struct blk_io io;
	uint32_t len;

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 512);
	CHECK_INT(S_UNSUPP, blk_do(&f.d, 0, &io, 10 /* GET_LIFETIME */, 0, true, &len));
	CHECK_INT(S_UNSUPP, blk_do(&f.d, 0, &io, 0x12345, 0, true, &len));
	blk_teardown(&f);
}

TEST(test_virtio_blk_get_id_returns_the_serial)
{
	struct blk_fixture f;
	struct blk_io io;
	uint32_t len;

	REQUIRE(blk_setup(&f, ",serial=axvm-disk-0"));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 20);
	memset(vdrv_host(&f.d, io.data), 0xff, 20);
	CHECK_INT(S_OK, blk_do(&f.d, 0, &io, T_GET_ID, 0, true, &len));
	CHECK_INT(21, len);
	CHECK(memcmp(vdrv_host(&f.d, io.data), "axvm-disk-0\0\0\0\0\0\0\0\0\0", 20) == 0);
	blk_teardown(&f);
}

/* One discard / write-zeroes segment in the request's data. */
static void dwz_segment(struct vdrv *d, const struct blk_io *io, uint64_t sector, uint32_t num,
			uint32_t flags)
{
	uint8_t *p = vdrv_host(d, io->data);

	memcpy(p, &sector, 8);
	memcpy(p + 8, &num, 4);
	memcpy(p + 12, &flags, 4);
}

static void check_range_reads_zero(const char *extra, uint32_t type, uint32_t flags)
{
	struct blk_fixture f;
	struct blk_io io, rd;
	uint32_t len;

	REQUIRE(blk_setup(&f, extra));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 16);
	dwz_segment(&f.d, &io, 16, 16, flags);
	CHECK_INT(S_OK, blk_do(&f.d, 0, &io, type, 0, false, &len));
	rd = blk_io_alloc(&f.d, 8192);
	CHECK_INT(S_OK, blk_read(&f.d, &rd, 16));
	CHECK(data_is_zero(&f.d, &rd));
	/* The neighbours are untouched. */
	rd = blk_io_alloc(&f.d, 512);
	CHECK_INT(S_OK, blk_read(&f.d, &rd, 15));
	CHECK(data_is_pattern(&f.d, &rd, 15));
	CHECK_INT(S_OK, blk_read(&f.d, &rd, 32));
	CHECK(data_is_pattern(&f.d, &rd, 32));
	blk_teardown(&f);
}

TEST(test_virtio_blk_discard_punches_a_hole)
{
	check_range_reads_zero("", T_DISCARD, 0);
}

TEST(test_virtio_blk_write_zeroes_zeroes_the_range)
{
	check_range_reads_zero("", T_WRITE_ZEROES, 0);
}

TEST(test_virtio_blk_write_zeroes_with_unmap_zeroes_the_range)
{
	check_range_reads_zero("", T_WRITE_ZEROES, 1);
}

TEST(test_virtio_blk_write_zeroes_sync_engine)
{
	check_range_reads_zero(",aio=sync", T_WRITE_ZEROES, 0);
}

TEST(test_virtio_blk_discard_with_unmap_flag_or_two_segments_is_unsupp)
{
	struct blk_fixture f;
	struct blk_io io;
	uint32_t len;

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 16);
	dwz_segment(&f.d, &io, 0, 8, 1);
	CHECK_INT(S_UNSUPP, blk_do(&f.d, 0, &io, T_DISCARD, 0, false, &len));
	dwz_segment(&f.d, &io, 0, 8, 2);
	CHECK_INT(S_UNSUPP, blk_do(&f.d, 0, &io, T_WRITE_ZEROES, 0, false, &len));
	io = blk_io_alloc(&f.d, 32);
	CHECK_INT(S_UNSUPP, blk_do(&f.d, 0, &io, T_DISCARD, 0, false, &len));
	io = blk_io_alloc(&f.d, 16);
	dwz_segment(&f.d, &io, IMG_SECTORS - 4, 8, 0);
	CHECK_INT(S_IOERR, blk_do(&f.d, 0, &io, T_DISCARD, 0, false, &len));
	blk_teardown(&f);
}

TEST(test_virtio_blk_any_framing_header_split_status_inside_data_buffer)
{
	struct blk_fixture f;
	struct vdrv_buf b[3];
	uint64_t hdr, buf;
	uint8_t *p;
	uint32_t type = T_IN, len;
	uint64_t sector = 5;

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC), 1, 16));
	hdr = vdrv_alloc(&f.d, 16, 16);
	p = vdrv_host(&f.d, hdr);
	memcpy(p, &type, 4);
	memset(p + 4, 0, 4);
	memcpy(p + 8, &sector, 8);
	buf = vdrv_alloc(&f.d, 1025, 512);
	/* 5 + 11 header bytes; 1024 data bytes and the status in one buffer. */
	b[0] = (struct vdrv_buf){hdr, 5, false};
	b[1] = (struct vdrv_buf){hdr + 5, 11, false};
	b[2] = (struct vdrv_buf){buf, 1025, true};
	vdrv_post_indirect(&f.d, 0, b, 3);
	vdrv_kick(&f.d, 0);
	REQUIRE(vdrv_wait_used(&f.d, 0, 1));
	vdrv_take_used(&f.d, 0, &len);
	CHECK_INT(1025, len);
	p = vdrv_host(&f.d, buf);
	CHECK_INT(S_OK, p[1024]);
	CHECK_INT(pattern(5 * 512), p[0]);
	CHECK_INT(pattern(5 * 512 + 1023), p[1023]);
	blk_teardown(&f);
}

TEST(test_virtio_blk_serves_each_of_several_queues)
{
	struct blk_fixture f;
	struct blk_io a, b;
	uint32_t len;

	REQUIRE(blk_setup(&f, ",queues=4"));
	REQUIRE(vdrv_init(&f.d, F_MQ, 4, 16));
	a = blk_io_alloc(&f.d, 512);
	b = blk_io_alloc(&f.d, 512);
	CHECK_INT(S_OK, blk_do(&f.d, 3, &a, T_IN, 9, true, &len));
	CHECK(data_is_pattern(&f.d, &a, 9));
	CHECK_INT(S_OK, blk_do(&f.d, 1, &b, T_IN, 10, true, &len));
	CHECK(data_is_pattern(&f.d, &b, 10));
	blk_teardown(&f);
}

TEST(test_virtio_blk_many_requests_in_one_kick)
{
	struct blk_fixture f;
	struct blk_io io[64];

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 256));
	for (int i = 0; i < 64; i++) {
		io[i] = blk_io_alloc(&f.d, 512);
		blk_hdr(&f.d, &io[i], T_IN, (uint64_t)i);
		blk_post(&f.d, 0, &io[i], T_IN, (uint64_t)i, true);
	}
	REQUIRE(vdrv_wait_used(&f.d, 0, 64));
	for (int i = 0; i < 64; i++) {
		CHECK_INT(S_OK, *(uint8_t *)vdrv_host(&f.d, io[i].status));
		CHECK(data_is_pattern(&f.d, &io[i], (uint64_t)i));
	}
	blk_teardown(&f);
}

/* ---- hostile guests ---- */

TEST(test_virtio_blk_hostile_request_without_status_byte_needs_reset)
{
	struct blk_fixture f;
	struct blk_io io;
	struct vdrv_buf b[2];

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 512);
	blk_hdr(&f.d, &io, T_IN, 0);
	b[0] = (struct vdrv_buf){io.hdr, 16, false};
	b[1] = (struct vdrv_buf){io.data, 512, false};
	vdrv_post(&f.d, 0, b, 2);
	vdrv_kick(&f.d, 0);
	vdrv_run_idle(&f.d);
	CHECK_U64(VIRTIO_STATUS_DEVICE_NEEDS_RESET,
		  vdrv_rd(&f.d, VDRV_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	CHECK_U64(VIRTIO_MMIO_INT_CONFIG, vdrv_rd(&f.d, VDRV_INTERRUPT_STATUS));
	CHECK_INT(0, vdrv_used_idx(&f.d, 0));
	blk_teardown(&f);
}

TEST(test_virtio_blk_hostile_short_header_needs_reset)
{
	struct blk_fixture f;
	struct blk_io io;
	struct vdrv_buf b[2];

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 0);
	b[0] = (struct vdrv_buf){io.hdr, 8, false};
	b[1] = (struct vdrv_buf){io.status, 1, true};
	vdrv_post(&f.d, 0, b, 2);
	vdrv_kick(&f.d, 0);
	vdrv_run_idle(&f.d);
	CHECK_U64(VIRTIO_STATUS_DEVICE_NEEDS_RESET,
		  vdrv_rd(&f.d, VDRV_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	CHECK_INT(0xee, *(uint8_t *)vdrv_host(&f.d, io.status));
	blk_teardown(&f);
}

TEST(test_virtio_blk_hostile_data_buffer_outside_ram_needs_reset)
{
	struct blk_fixture f;
	struct blk_io io;

	REQUIRE(blk_setup(&f, ""));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 512);
	io.data = VDRV_RAM_BASE + VDRV_RAM_SIZE - 256;
	blk_post(&f.d, 0, &io, T_IN, 0, true);
	vdrv_run_idle(&f.d);
	CHECK_U64(VIRTIO_STATUS_DEVICE_NEEDS_RESET,
		  vdrv_rd(&f.d, VDRV_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	CHECK_INT(0xee, *(uint8_t *)vdrv_host(&f.d, io.status));
	blk_teardown(&f);
}

TEST(test_virtio_blk_reset_while_a_request_is_in_flight)
{
	struct blk_fixture f;
	struct blk_io io;
	int i;

	REQUIRE(blk_setup(&f, ",aio=io_uring"));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 4096);
	blk_post(&f.d, 0, &io, T_IN, 0, true);
	/* One round: the kick is served (the read submitted), its completion not yet seen. */
	axvm_event_loop_run_once(f.d.loop, 0);
	vdrv_wr(&f.d, VDRV_STATUS, 0);
	/* Status stays non-zero while the old request is out (2.4.2). */
	CHECK(vdrv_rd(&f.d, VDRV_STATUS) != 0);
	vdrv_wr(&f.d, VDRV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE); /* too early: ignored */
	for (i = 0; i < 100 && vdrv_rd(&f.d, VDRV_STATUS) != 0; i++)
		axvm_event_loop_run_once(f.d.loop, 50);
	CHECK_U64(0, vdrv_rd(&f.d, VDRV_STATUS));
	CHECK_INT(0, vdrv_used_idx(&f.d, 0));
	CHECK_INT(0xee, *(uint8_t *)vdrv_host(&f.d, io.status));
	CHECK_U64(0, vdrv_rd(&f.d, VDRV_INTERRUPT_STATUS));
	/* The device works again after a fresh start. */
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 512);
	CHECK_INT(S_OK, blk_read(&f.d, &io, 3));
	CHECK(data_is_pattern(&f.d, &io, 3));
	blk_teardown(&f);
}

TEST(test_virtio_blk_queue_disable_while_a_request_is_in_flight)
{
	struct blk_fixture f;
	struct blk_io io;

	REQUIRE(blk_setup(&f, ",aio=io_uring"));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 4096);
	blk_post(&f.d, 0, &io, T_IN, 0, true);
	axvm_event_loop_run_once(f.d.loop, 0);
	vdrv_wr(&f.d, VDRV_QUEUE_SEL, 0);
	vdrv_wr(&f.d, VDRV_QUEUE_READY, 0);
	CHECK_U64(0, vdrv_rd(&f.d, VDRV_QUEUE_READY));
	for (int i = 0; i < 10; i++)
		axvm_event_loop_run_once(f.d.loop, 20);
	CHECK_INT(0, vdrv_used_idx(&f.d, 0));
	blk_teardown(&f);
}

TEST(test_virtio_blk_destroy_with_requests_in_flight)
{
	struct blk_fixture f;
	struct blk_io io[8];

	REQUIRE(blk_setup(&f, ",aio=io_uring"));
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	for (int i = 0; i < 8; i++) {
		io[i] = blk_io_alloc(&f.d, 4096);
		blk_post(&f.d, 0, &io[i], T_IN, (uint64_t)i * 8, true);
	}
	axvm_event_loop_run_once(f.d.loop, 0);
	blk_teardown(&f); /* waits for the reads; nothing leaks (ASan) */
}

/* ---- io_uring unavailable at run time ---- */

static unsigned fallback_logs;

static void count_fallback_logs(void *opaque, enum axvm_log_level level, const char *msg)
{
	if (strstr(msg, "io_uring is unavailable"))
		fallback_logs++;
}

/* In a child: io_uring_setup fails with ENOSYS (seccomp), as on a kernel without it. */
static int child_without_io_uring(const char *path)
{
	struct sock_filter filter[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(filter) / sizeof(filter[0]), filter};
	char opts[160];
	struct vdrv d;
	struct blk_io io;
	uint32_t len;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 10;
	axvm_log_set_sink(count_fallback_logs, NULL);
	axvm_log_set_level(AXVM_LOG_INFO);
	/* A read-only image twice: two devices, one message. */
	snprintf(opts, sizeof(opts), "%s,ro", path);
	for (int i = 0; i < 2; i++) {
		if (vdrv_setup(&d, &axvm_virtio_blk_class, opts, NULL) || !vdrv_init(&d, 0, 1, 16))
			return 11;
		io = blk_io_alloc(&d, 512);
		if (blk_do(&d, 0, &io, T_IN, 4, true, &len) != S_OK || !data_is_pattern(&d, &io, 4))
			return 12;
		vdrv_teardown(&d);
	}
	if (fallback_logs != 1)
		return 13;
	/* Asking for io_uring explicitly is an error naming the image. */
	snprintf(opts, sizeof(opts), "%s,aio=io_uring", path);
	if (vdrv_setup(&d, &axvm_virtio_blk_class, opts, NULL) != -AXVM_ENOTSUP ||
	    !strstr(d.err, "aio=io_uring: io_uring is unavailable"))
		return 14;
	vdrv_teardown(&d);
	return 0;
}

TEST(test_virtio_blk_falls_back_to_sync_io_without_io_uring)
{
	struct blk_fixture f;
	pid_t pid;
	int st;

	memset(&f, 0, sizeof(f));
	REQUIRE(make_image(&f, IMG_SECTORS * 512ull));
	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(child_without_io_uring(f.path));
	REQUIRE(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	CHECK_INT(0, WEXITSTATUS(st));
	remove_image(&f);
}

/* ---- a vCPU thread racing the event thread ---- */

struct race {
	struct blk_fixture *f;
	int done; /* __atomic */
};

/* A driver that starts the device, posts reads and resets it, again and again. */
static void *race_vcpu(void *opaque)
{
	struct race *r = opaque;
	struct vdrv *d = &r->f->d;
	uint64_t heap = d->heap;

	for (int round = 0; round < 200; round++) {
		d->heap = heap;
		/* Not vdrv_init: only the test's main thread runs the loop. */
		if ((vdrv_negotiate(d, VIRTIO_BIT(VIRTIO_F_VERSION_1)) &
		     VIRTIO_STATUS_FEATURES_OK) &&
		    vdrv_queue(d, 0, 16) == 1) {
			vdrv_driver_ok(d);
			for (int i = 0; i < 4; i++) {
				struct blk_io io = blk_io_alloc(d, 4096);

				blk_post(d, 0, &io, T_IN, (uint64_t)i * 8, true);
			}
		}
		vdrv_wr(d, VDRV_STATUS, 0);
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST(test_virtio_blk_resets_racing_the_event_thread)
{
	struct blk_fixture f;
	struct race r = {&f, 0};
	struct blk_io io;
	pthread_t th;
	int i;

	REQUIRE(blk_setup(&f, ",aio=io_uring"));
	REQUIRE(pthread_create(&th, NULL, race_vcpu, &r) == 0);
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
		axvm_event_loop_run_once(f.d.loop, 1);
	pthread_join(th, NULL);
	for (i = 0; i < 100 && vdrv_rd(&f.d, VDRV_STATUS) != 0; i++)
		axvm_event_loop_run_once(f.d.loop, 20);
	CHECK_U64(0, vdrv_rd(&f.d, VDRV_STATUS));
	f.d.heap = VDRV_RAM_BASE + VDRV_RAM_SIZE / 2;
	REQUIRE(vdrv_init(&f.d, 0, 1, 16));
	io = blk_io_alloc(&f.d, 512);
	CHECK_INT(S_OK, blk_read(&f.d, &io, 6));
	CHECK(data_is_pattern(&f.d, &io, 6));
	blk_teardown(&f);
}
