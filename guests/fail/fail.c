/* SPDX-License-Identifier: MIT */
/*
 * A guest that always fails after one output line: proves the host runners
 * tell a failing guest from a passing one. It writes FAIL to the test
 * finisher with code 7, or with the code the command line gives as
 * "code=N" (decimal): 0 and 256 must fail too.
 *
 * The command line comes from bootargs.h, not from the guest library (see
 * there why).
 */
#include "bootargs.h"
#include "guest.h"

GUEST_PROGRAM("fail");

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
	unsigned code = fail_code(guest_bootargs());

	printf("fail guest: reporting code %u\n", code);
	/* As guest_exit() reports, but code 0 must reach the finisher as a FAIL too. */
	printf("FAIL %s %u\n", guest_name, code);
	finisher_fail(code & 0xffff);
	/* Only reached without a finisher. */
	return 1;
}
