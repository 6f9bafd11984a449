/* SPDX-License-Identifier: MIT */
/*
 * One hexadecimal digit's value, for every parser that reads hex (the
 * config's TOML escapes and integers, the GDB remote protocol).
 */
#ifndef AXVM_CORE_HEX_H
#define AXVM_CORE_HEX_H

/* 0-15, or -1 if c is not a hex digit. */
static inline int axvm_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
