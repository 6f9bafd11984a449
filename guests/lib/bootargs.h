/* SPDX-License-Identifier: MIT */
/*
 * The guest's command line (the VMM's -p): the device tree's first
 * "bootargs" property, or "". A static inline in a header of its own, not a
 * function of the guest library: the library's size fixes the addresses
 * that the differential tests' expected outputs contain, so only the
 * programs that include this header grow.
 */
#ifndef GUEST_BOOTARGS_H
#define GUEST_BOOTARGS_H

#include "guest.h"

static inline u32 bootargs_be32(const u8 *b)
{
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static inline const char *guest_bootargs(void)
{
	const u8 *fdt = (const u8 *)guest_dtb, *st, *strs;
	u32 size, off = 0;

	if (!fdt || bootargs_be32(fdt) != 0xd00dfeed)
		return "";
	st = fdt + bootargs_be32(fdt + 8);
	strs = fdt + bootargs_be32(fdt + 12);
	size = bootargs_be32(fdt + 36);
	while (off + 4 <= size) {
		u32 tok = bootargs_be32(st + off);

		off += 4;
		if (tok == 1) { /* BEGIN_NODE: name, padded */
			off += (u32)strlen((const char *)st + off) + 1;
			off = (off + 3) & ~3u;
		} else if (tok == 3) { /* PROP: len, nameoff, value */
			u32 len = bootargs_be32(st + off);
			const char *name = (const char *)strs + bootargs_be32(st + off + 4);
			const char *v = (const char *)st + off + 8;

			if (!memcmp(name, "bootargs", 9))
				return len && !v[len - 1] ? v : "";
			off += 8 + ((len + 3) & ~3u);
		} else if (tok == 9) { /* END */
			break;
		}
	}
	return "";
}

#endif
