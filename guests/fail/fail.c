/* SPDX-License-Identifier: MIT */
/*
 * A guest that always fails with code 7 after one output line: proves the
 * host runners tell a failing guest from a passing one.
 */
#include "guest.h"

GUEST_PROGRAM("fail");

int main(unsigned long hartid, unsigned long dtb)
{
	printf("fail guest: reporting code 7\n");
	return 7;
}
