/* SPDX-License-Identifier: MIT */
/*
 * A guest that always fails after one output line: proves the host runners
 * tell a failing guest from a passing one. It writes FAIL to the test
 * finisher with code 7, or with the code the command line gives as
 * "code=N" (decimal): 0 and 256 must fail too.
 *
 * The command line is read here rather than by the guest library, whose
 * size fixes the addresses in the differential tests' expected outputs.
 */
#include "guest.h"

GUEST_PROGRAM("fail");

static u32 be32(const u8 *b)
{
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* The device tree's "bootargs" property (the -p command line), or "". */
static const char *fail_bootargs(const u8 *fdt)
{
	const u8 *st, *strs;
	u32 size, off = 0;

	if (!fdt || be32(fdt) != 0xd00dfeed)
		return "";
	st = fdt + be32(fdt + 8);
	strs = fdt + be32(fdt + 12);
	size = be32(fdt + 36);
	while (off + 4 <= size) {
		u32 tok = be32(st + off);

		off += 4;
		if (tok == 1) { /* BEGIN_NODE: name, padded */
			off += (u32)strlen((const char *)st + off) + 1;
			off = (off + 3) & ~3u;
		} else if (tok == 3) { /* PROP: len, nameoff, value */
			u32 len = be32(st + off), nameoff = be32(st + off + 4);
			const char *v = (const char *)st + off + 8;

			if (!memcmp(strs + nameoff, "bootargs", 9))
				return len && !v[len - 1] ? v : "";
			off += 8 + ((len + 3) & ~3u);
		} else if (tok == 9) { /* END */
			break;
		}
	}
	return "";
}

static unsigned fail_code(const char *args)
{
	unsigned code = 7;

	for (const char *p = args; *p; p++) {
		if ((p == args || p[-1] == ' ') && !memcmp(p, "code=", 5)) {
			code = 0;
			for (p += 5; *p >= '0' && *p <= '9'; p++)
				code = code * 10 + (unsigned)(*p - '0');
			break;
		}
	}
	return code;
}

int main(unsigned long hartid, unsigned long dtb)
{
	unsigned code = fail_code(fail_bootargs((const u8 *)dtb));

	printf("fail guest: reporting code %u\n", code);
	/* As guest_exit() reports, but code 0 must reach the finisher as a FAIL too. */
	printf("FAIL %s %u\n", guest_name, code);
	finisher_fail(code & 0xffff);
	/* Only reached without a finisher. */
	return 1;
}
