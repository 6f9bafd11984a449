/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the 9P2000.L server (devices/p9_server.c): every byte of
 * the requests a guest sends through virtio-9p. Not part of the default
 * build. With libFuzzer (clang): `make fuzz`, then
 *
 *   build/fuzz/fuzz_p9 -max_len=4096
 *
 * with the seeds in tests/data/p9 (copy them first: libFuzzer adds its
 * finds to the corpus directory). `make fuzz` links the library without
 * coverage instrumentation; for guided fuzzing compile the server's files
 * with the target (their objects then take the archive's place):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *     -D_GNU_SOURCE tests/fuzz/fuzz_p9.c src/devices/p9_*.c \
 *     build/fuzz/libaxvm.a -lfdt -luring -lm -pthread -o fuzz_p9
 *
 * (2 minutes of that reached 1322 edges without a finding). Without
 * libFuzzer, add -DFUZZ_STANDALONE (and drop "fuzzer,") to replay the
 * files named on the command line.
 *
 * Input: a sequence of 9P messages, each framed by its own size field (cut
 * to what is left); the harness first negotiates the version and attaches
 * fid 0 to the share, a directory made once under /tmp with a file, a
 * subdirectory and symlinks to "/" and "..", and a file beside it. The
 * contract checked: every reply fits the buffer and its size field says
 * its length, and the file outside the share is never changed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/p9_server.h"
#include "devices/p9_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64], fuzz_share[96], fuzz_secret[96];

static void fuzz_tree(void)
{
	char path[160];
	FILE *f;

	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/axvm-fuzz-p9-XXXXXX");
	if (!mkdtemp(fuzz_dir))
		abort();
	snprintf(fuzz_share, sizeof(fuzz_share), "%s/share", fuzz_dir);
	snprintf(fuzz_secret, sizeof(fuzz_secret), "%s/secret", fuzz_dir);
	if (mkdir(fuzz_share, 0755) != 0)
		abort();
	f = fopen(fuzz_secret, "w");
	if (!f || fputs("SECRET", f) < 0 || fclose(f) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/file", fuzz_share);
	f = fopen(path, "w");
	if (!f || fputs("hello", f) < 0 || fclose(f) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/sub", fuzz_share);
	if (mkdir(path, 0755) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/abs", fuzz_share);
	if (symlink("/", path) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/up", fuzz_share);
	if (symlink("..", path) != 0)
		abort();
}

static void fuzz_serve(struct p9_server *s, const uint8_t *req, size_t len)
{
	static uint8_t resp[P9_MSIZE_MAX];
	size_t n = p9_server_handle(s, req, len, resp, sizeof(resp));

	if (n > sizeof(resp) || (n && n < P9_HDR_SIZE))
		abort();
	if (n && (resp[0] | resp[1] << 8 | resp[2] << 16 | (size_t)resp[3] << 24) != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t version[] = {21, 0, 0,   0,   P9_TVERSION, 0xff, 0xff, 0,	 0,   1,  0,
					  8,  0, '9', 'P', '2',		'0',  '0',  '0', '.', 'L'};
	static const uint8_t attach[] = {19, 0,	   0,	 0,    P9_TATTACH, 1, 0, 0, 0, 0,
					 0,  0xff, 0xff, 0xff, 0xff,	   0, 0, 0, 0};
	struct p9_server_params p = {0};
	struct p9_server *s;
	struct stat st;

	if (!fuzz_dir[0])
		fuzz_tree();
	p.root = fuzz_share;
	p.max_fids = 64;
	if (p9_server_create(&p, &s) != 0)
		abort();
	fuzz_serve(s, version, sizeof(version));
	fuzz_serve(s, attach, sizeof(attach));
	while (size >= P9_HDR_SIZE) {
		size_t len = data[0] | data[1] << 8 | data[2] << 16 | (size_t)data[3] << 24;

		if (len < P9_HDR_SIZE || len > size)
			len = size;
		fuzz_serve(s, data, len);
		data += len;
		size -= len;
	}
	p9_server_destroy(s);
	if (stat(fuzz_secret, &st) != 0 || st.st_size != 6)
		abort();
	return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f)
			return 1;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
#endif
