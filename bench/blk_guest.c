/*
 * axvm-blkbench: the guest half of `make bench`'s storage group, a static
 * riscv64 Linux program (bench/run.sh cross-compiles it and writes it into
 * the fresh copy of the Debian guest's root file system as
 * /usr/bin/axvm-blkbench; guests/debian/rootfs/etc/axvm/bench-storage.sh
 * runs it).
 *
 *   axvm-blkbench now                      CLOCK_MONOTONIC in seconds (9 decimals)
 *   axvm-blkbench randread DEV COUNT SEED  COUNT reads of 4 KiB at pseudo-random
 *                                          4 KiB-aligned offsets of DEV, O_DIRECT,
 *                                          one at a time (queue depth 1)
 *
 * randread prints one line, `reads=N bytes=B secs=S iops=I`, timed with the
 * guest's own monotonic clock around the reads only (open, the buffer and
 * the size query are outside). Why C and not a busybox sh loop of
 * `dd bs=4096 count=1 skip=N iflag=direct`: every dd is a fork and an exec
 * of busybox, hundreds of microseconds of guest CPU on an interpreted hart,
 * so the loop would time the shell, not the device.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define BLK_SIZE 4096

static double blk_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: the same offsets on every VMM for the same seed. */
static uint64_t blk_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static int blk_randread(const char *dev, unsigned long count, uint64_t seed)
{
	uint64_t size = 0, blocks, state = seed ? seed : 1;
	unsigned long i;
	double t0, secs;
	void *buf;
	int fd;

	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "axvm-blkbench: open %s: %m\n", dev);
		return 1;
	}
	if (ioctl(fd, BLKGETSIZE64, &size) != 0 || size < BLK_SIZE) {
		fprintf(stderr, "axvm-blkbench: %s: no size (%m)\n", dev);
		close(fd);
		return 1;
	}
	if (posix_memalign(&buf, BLK_SIZE, BLK_SIZE) != 0) {
		fprintf(stderr, "axvm-blkbench: no memory\n");
		close(fd);
		return 1;
	}
	blocks = size / BLK_SIZE;
	t0 = blk_now();
	for (i = 0; i < count; i++) {
		off_t off = (off_t)(blk_next(&state) % blocks) * BLK_SIZE;

		if (pread(fd, buf, BLK_SIZE, off) != BLK_SIZE) {
			fprintf(stderr, "axvm-blkbench: %s: read %lu at %lld failed (%m)\n", dev, i,
				(long long)off);
			free(buf);
			close(fd);
			return 1;
		}
	}
	secs = blk_now() - t0;
	printf("reads=%lu bytes=%llu secs=%.6f iops=%.1f\n", count,
	       (unsigned long long)count * BLK_SIZE, secs, secs > 0 ? count / secs : 0.0);
	free(buf);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%.9f\n", blk_now());
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "randread") == 0)
		return blk_randread(argv[2], strtoul(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: axvm-blkbench now | randread DEV COUNT SEED\n");
	return 2;
}
