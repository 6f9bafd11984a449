/* SPDX-License-Identifier: MIT */
/* Benchmark guest helpers: bootargs parameters and the report line. */
#include "bench.h"

static u32 bench_be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/*
 * /chosen/bootargs from the flattened device tree (devicetree spec v0.4,
 * chapter 5: structure block tokens BEGIN_NODE 1, END_NODE 2, PROP 3,
 * NOP 4, END 9). "" if there is none.
 */
static const char *bench_bootargs(void)
{
	const u8 *fdt = (const u8 *)guest_dtb;
	const u8 *st, *strs;
	u32 size, off = 0;
	int depth = 0, in_chosen = 0;

	if (!fdt || bench_be32(fdt) != 0xd00dfeed)
		return "";
	st = fdt + bench_be32(fdt + 8);
	strs = fdt + bench_be32(fdt + 12);
	size = bench_be32(fdt + 36);
	while (off + 4 <= size) {
		u32 tok = bench_be32(st + off);

		off += 4;
		if (tok == 1) {
			const char *name = (const char *)st + off;

			depth++;
			if (depth == 2)
				in_chosen = !memcmp(name, "chosen", 7);
			off += (u32)strlen(name) + 1;
			off = (off + 3) & ~3u;
		} else if (tok == 2) {
			if (depth == 2)
				in_chosen = 0;
			depth--;
		} else if (tok == 3) {
			u32 len = bench_be32(st + off), nameoff = bench_be32(st + off + 4);
			const char *name = (const char *)strs + nameoff;

			if (in_chosen && depth == 2 && !memcmp(name, "bootargs", 9))
				return (const char *)st + off + 8;
			off += 8 + ((len + 3) & ~3u);
		} else if (tok != 4) {
			break;
		}
	}
	return "";
}

u64 bench_param(const char *key, u64 def)
{
	const char *p = bench_bootargs();
	size_t klen = strlen(key);

	while (*p) {
		while (*p == ' ')
			p++;
		if (!memcmp(p, key, klen) && p[klen] == '=') {
			u64 v = 0;
			int digits = 0;

			for (p += klen + 1; *p >= '0' && *p <= '9'; p++, digits++)
				v = v * 10 + (u64)(*p - '0');
			return digits ? v : def;
		}
		while (*p && *p != ' ')
			p++;
	}
	return def;
}

void bench_report(const char *name, const struct bench_mark *m, u64 work, u64 check)
{
	printf("BENCH %s insns=%lu ticks=%lu tb=%lu work=%lu check=0x%lx\n", name, m->insns,
	       m->ticks, dt_timebase(), work, check);
}

int bench_buf_check(u64 bytes)
{
	u64 end = BENCH_BUF_BASE + bytes;

	if (guest_dtb && guest_dtb < end && guest_dtb + 0x10000 > BENCH_BUF_BASE) {
		printf("bench: scratch 0x%lx..0x%lx overlaps the device tree at 0x%lx: "
		       "give the VM more RAM\n",
		       BENCH_BUF_BASE, end, guest_dtb);
		return 1;
	}
	return 0;
}
