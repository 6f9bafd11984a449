/* SPDX-License-Identifier: MIT */
/* The GDB remote protocol's framing and hex helpers (gdb_proto.h). */
#include "runtime/gdb_proto.h"

#include <string.h>

#include "core/hex.h"

enum { RX_IDLE, RX_PAYLOAD, RX_SUM1, RX_SUM2 };

static const char gdb_digits[] = "0123456789abcdef";

void gdb_rx_init(struct gdb_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

int gdb_hexval(int c)
{
	return axvm_hex_digit(c);
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	int v;

	switch (rx->state) {
	case RX_IDLE:
		if (c == '$') {
			rx->state = RX_PAYLOAD;
			rx->len = 0;
			rx->sum = 0;
			rx->escape = false;
			rx->overflow = false;
			return GDB_RX_NONE;
		}
		if (c == 0x03)
			return GDB_RX_INTERRUPT;
		if (c == '+')
			return GDB_RX_ACK;
		if (c == '-')
			return GDB_RX_NAK;
		return GDB_RX_NONE; /* noise between packets */
	case RX_PAYLOAD:
		if (c == '#') {
			rx->state = RX_SUM1;
			return GDB_RX_NONE;
		}
		if (c == '$') { /* a new packet before this one ended: start over */
			rx->len = 0;
			rx->sum = 0;
			rx->escape = false;
			rx->overflow = false;
			return GDB_RX_NONE;
		}
		rx->sum += c;
		if (rx->escape) {
			c ^= 0x20;
			rx->escape = false;
		} else if (c == '}') {
			rx->escape = true;
			return GDB_RX_NONE;
		}
		if (rx->len < GDB_PACKET_MAX)
			rx->buf[rx->len++] = (char)c;
		else
			rx->overflow = true;
		return GDB_RX_NONE;
	case RX_SUM1:
		v = gdb_hexval(c);
		rx->given = (uint8_t)(v < 0 ? 0x100 - 1 : v);
		rx->state = v < 0 ? RX_IDLE : RX_SUM2;
		return v < 0 ? GDB_RX_BAD : GDB_RX_NONE;
	default:
		rx->state = RX_IDLE;
		v = gdb_hexval(c);
		if (v < 0 || rx->overflow || (uint8_t)(rx->given << 4 | v) != rx->sum)
			return GDB_RX_BAD;
		rx->buf[rx->len] = '\0';
		return GDB_RX_PACKET;
	}
}

static bool gdb_needs_escape(uint8_t c)
{
	return c == '#' || c == '$' || c == '}' || c == '*';
}

size_t gdb_escape(const void *in, size_t len, char *out, size_t cap)
{
	const uint8_t *p = in;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (gdb_needs_escape(p[i])) {
			if (o + 2 > cap)
				return 0;
			out[o++] = '}';
			out[o++] = (char)(p[i] ^ 0x20);
		} else {
			if (o + 1 > cap)
				return 0;
			out[o++] = (char)p[i];
		}
	}
	return o;
}

size_t gdb_frame(const void *payload, size_t len, char *out, size_t cap)
{
	size_t n;
	uint8_t sum = 0;

	if (cap < 4)
		return 0;
	out[0] = '$';
	if (len && !(n = gdb_escape(payload, len, out + 1, cap - 4)))
		return 0;
	if (!len)
		n = 0;
	for (size_t i = 0; i < n; i++)
		sum += (uint8_t)out[1 + i];
	out[1 + n] = '#';
	out[2 + n] = gdb_digits[sum >> 4];
	out[3 + n] = gdb_digits[sum & 15];
	return n + 4;
}

bool gdb_parse_hex(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int d;

	if (gdb_hexval(*s) < 0)
		return false;
	while ((d = gdb_hexval(*s)) >= 0) {
		if (x >> 60)
			return false;
		x = x << 4 | (uint64_t)d;
		s++;
	}
	*v = x;
	*p = s;
	return true;
}

void gdb_hex_encode(const void *in, size_t len, char *out)
{
	const uint8_t *p = in;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = gdb_digits[p[i] >> 4];
		out[2 * i + 1] = gdb_digits[p[i] & 15];
	}
}

bool gdb_hex_decode(const char *in, void *out, size_t len)
{
	uint8_t *p = out;

	for (size_t i = 0; i < len; i++) {
		int hi = gdb_hexval(in[2 * i]), lo;

		if (hi < 0)
			return false;
		lo = gdb_hexval(in[2 * i + 1]);
		if (lo < 0)
			return false;
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}
