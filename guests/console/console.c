/* SPDX-License-Identifier: MIT */
/*
 * Console torture guest: what it does comes from its command line (the
 * VMM's -p, /chosen/bootargs), space-separated words:
 *
 *   out=uart|legacy|dbcn|byte  how to print: the ns16550a polled on THRE,
 *                              SBI legacy putchar, DBCN console_write (a
 *                              line per call, looping on short writes), DBCN
 *                              console_write_byte
 *   lines=N                    print N numbered 64-byte lines (default 0);
 *                              lines=forever never stops
 *   in=uart|legacy|dbcn        then read input until a '!' and report
 *                              "input: <bytes> bytes, sum <sum>" (sum of the
 *                              byte values before the '!', mod 2^32)
 *   slow                       read input slowly (a pause after every byte),
 *                              so the host has to hold its input back
 *
 * Then it prints "console guest done" through the same output and powers
 * off. Reports go through the chosen output too, so each test exercises
 * one path end to end.
 */
#include "bootargs.h"
#include "guest.h"

GUEST_PROGRAM("console");

#define UART_BASE 0x10000000ul
#define UART_RBR 0
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20

enum path { PATH_UART, PATH_LEGACY, PATH_DBCN, PATH_BYTE };

static enum path out_path = PATH_DBCN, in_path = PATH_UART;
static int want_input, slow;
static u64 nlines;
static int forever;

static u8 uart_read(unsigned reg)
{
	return *(volatile u8 *)(UART_BASE + reg);
}

static void uart_write(unsigned reg, u8 v)
{
	*(volatile u8 *)(UART_BASE + reg) = v;
}

static void out_bytes(const char *s, unsigned long n)
{
	switch (out_path) {
	case PATH_UART:
		for (unsigned long i = 0; i < n; i++) {
			while (!(uart_read(UART_LSR) & UART_LSR_THRE))
				;
			uart_write(UART_THR, (u8)s[i]);
		}
		break;
	case PATH_LEGACY:
		for (unsigned long i = 0; i < n; i++)
			sbi_legacy_putchar(s[i]);
		break;
	case PATH_DBCN:
		while (n) {
			struct sbiret r = sbi_dbcn_write(s, n);

			if (r.error)
				return;
			s += r.value;
			n -= (unsigned long)r.value;
		}
		break;
	case PATH_BYTE:
		for (unsigned long i = 0; i < n; i++)
			sbi_call(SBI_EXT_DBCN, 2, (u8)s[i], 0, 0, 0);
		break;
	}
}

static void out_str(const char *s)
{
	out_bytes(s, strlen(s));
}

static void out_num(u64 v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out_bytes(&tmp[--n], 1);
}

/* One input byte, waiting for it. */
static int in_byte(void)
{
	for (;;) {
		if (in_path == PATH_UART) {
			if (uart_read(UART_LSR) & UART_LSR_DR)
				return uart_read(UART_RBR);
		} else if (in_path == PATH_LEGACY) {
			struct sbiret r = sbi_call(2, 0, 0, 0, 0, 0);

			if (r.error >= 0)
				return (int)(r.error & 0xff);
		} else {
			static u8 buf[64];
			static unsigned long have, next;

			if (next < have)
				return buf[next++];
			struct sbiret r = sbi_call(SBI_EXT_DBCN, 1, sizeof(buf), (long)buf, 0, 0);

			if (!r.error && r.value > 0) {
				have = (unsigned long)r.value;
				next = 0;
				continue;
			}
		}
		for (volatile int i = 0; i < 1000; i++)
			;
	}
}

static int word_is(const char *w, unsigned long len, const char *lit)
{
	return strlen(lit) == len && !memcmp(w, lit, len);
}

static enum path parse_path(const char *v, unsigned long len)
{
	if (word_is(v, len, "uart"))
		return PATH_UART;
	if (word_is(v, len, "legacy"))
		return PATH_LEGACY;
	if (word_is(v, len, "byte"))
		return PATH_BYTE;
	return PATH_DBCN;
}

static void parse_args(const char *a)
{
	while (*a) {
		const char *w = a;
		unsigned long len = 0;

		while (w[len] && w[len] != ' ')
			len++;
		a = w + len;
		while (*a == ' ')
			a++;
		if (len > 4 && !memcmp(w, "out=", 4))
			out_path = parse_path(w + 4, len - 4);
		else if (len > 3 && !memcmp(w, "in=", 3)) {
			in_path = parse_path(w + 3, len - 3);
			want_input = 1;
		} else if (word_is(w, len, "lines=forever"))
			forever = 1;
		else if (len > 6 && !memcmp(w, "lines=", 6)) {
			nlines = 0;
			for (unsigned long i = 6; i < len; i++)
				nlines = nlines * 10 + (u64)(w[i] - '0');
		} else if (word_is(w, len, "slow"))
			slow = 1;
	}
}

int main(unsigned long hartid, unsigned long dtb)
{
	/* 64 bytes: "line NNNNNNNNNN " (16) + 47 letters + '\n'. */
	char line[64];

	parse_args(guest_bootargs());
	for (u64 i = 0; forever || i < nlines; i++) {
		u64 v = i;

		memcpy(line, "line ", 5);
		for (int d = 14; d >= 5; d--) {
			line[d] = (char)('0' + v % 10);
			v /= 10;
		}
		line[15] = ' ';
		for (int c = 16; c < 63; c++)
			line[c] = (char)('a' + (c - 16) % 26);
		line[63] = '\n';
		out_bytes(line, sizeof(line));
	}
	if (want_input) {
		u64 count = 0;
		u32 sum = 0;

		for (;;) {
			int c = in_byte();

			if (c == '!')
				break;
			count++;
			sum += (u32)c;
			if (slow)
				for (volatile int i = 0; i < 500; i++)
					;
		}
		out_str("input: ");
		out_num(count);
		out_str(" bytes, sum ");
		out_num(sum);
		out_str("\n");
	}
	out_str("console guest done\n");
	sbi_system_reset(0, 0);
	return 1;
}
