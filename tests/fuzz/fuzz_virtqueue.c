/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for what a guest controls in a split virtqueue: the queue
 * size and ring addresses it programs, the negotiated ring features, and
 * every byte of the rings, descriptor tables (direct and indirect) and the
 * memory around them. Not part of the default build. With libFuzzer
 * (clang): `make fuzz`, then
 *
 *   build/fuzz/fuzz_virtqueue -max_len=16384
 *
 * Without libFuzzer, add -DFUZZ_STANDALONE (and drop "fuzzer,") to replay
 * the files named on the command line.
 *
 * Input: 12 bytes of setup (le16 QueueNum, le16 descriptor / available /
 * used ring offsets in RAM, a feature byte, a spare), then the bytes of
 * guest RAM from its start. The contract checked: virtq_enable and
 * virtq_pop never fail on the host side, every segment a popped chain
 * yields lies inside guest RAM and adds up to its lengths, and its head is
 * inside the table (each chain then goes back through push; the rings may
 * overlap, so our own used-ring writes can feed the next pop).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/addrspace.h"
#include "devices/virtqueue.h"

#define FUZZ_RAM_BASE 0x80000000ull
#define FUZZ_RAM_SIZE (64ull << 10)
#define FUZZ_SETUP 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iovec iov[VIRTQ_MAX_IOV];
	struct axvm_addrspace *as;
	struct axvm_region_info ram;
	struct virtq vq;
	char why[256];
	uint8_t *lo, *hi;

	if (size < FUZZ_SETUP)
		return 0;
	if (axvm_addrspace_create(axvm_hal_linux(), &as) != 0)
		abort();
	if (axvm_addrspace_map_linear(as, FUZZ_RAM_BASE, FUZZ_RAM_SIZE,
				      AXVM_MEM_READ | AXVM_MEM_WRITE) != 0 ||
	    axvm_addrspace_map_mmio(as, FUZZ_RAM_BASE + FUZZ_RAM_SIZE, AXVM_PAGE_SIZE) != 0 ||
	    axvm_addrspace_find(as, FUZZ_RAM_BASE, &ram) != 0)
		abort();
	lo = ram.hva;
	hi = lo + FUZZ_RAM_SIZE;
	if (size > FUZZ_SETUP)
		axvm_addrspace_write(as, FUZZ_RAM_BASE, data + FUZZ_SETUP,
				     size - FUZZ_SETUP < FUZZ_RAM_SIZE ? size - FUZZ_SETUP
								       : FUZZ_RAM_SIZE);

	memset(&vq, 0, sizeof(vq));
	vq.num = le16(data);
	vq.desc_gpa = FUZZ_RAM_BASE + le16(data + 2);
	vq.avail_gpa = FUZZ_RAM_BASE + le16(data + 4);
	vq.used_gpa = FUZZ_RAM_BASE + le16(data + 6);
	vq.event_idx = data[8] & 1;
	vq.indirect = data[8] & 2;
	if (virtq_enable(&vq, as, 1024, why, sizeof(why)) == 0) {
		for (unsigned n = 0; n < 4 * vq.num; n++) {
			struct virtq_chain c;
			uint64_t out = 0, in = 0;
			int ret = virtq_pop(&vq, as, &c, iov, VIRTQ_MAX_IOV, why, sizeof(why));

			if (ret <= 0)
				break;
			if (c.head >= vq.num)
				abort();
			for (unsigned i = 0; i < c.out_num + c.in_num; i++) {
				uint8_t *b = iov[i].iov_base;

				if (b < lo || b > hi || iov[i].iov_len > (size_t)(hi - b))
					abort(); /* a segment outside guest RAM */
				*(i < c.out_num ? &out : &in) += iov[i].iov_len;
			}
			if (out != c.out_len || in != c.in_len)
				abort();
			virtq_push(&vq, c.head, (uint32_t)c.in_len);
			virtq_should_notify(&vq);
		}
	}
	axvm_addrspace_destroy(as);
	return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		static uint8_t buf[1 << 20];
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		printf("%s: ok\n", argv[i]);
	}
	return 0;
}
#endif
