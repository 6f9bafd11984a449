/* SPDX-License-Identifier: MIT */
/* The GDB remote protocol's framing (src/runtime/gdb_proto.c) on hand-built input. */
#include "test.h"

#include <stdlib.h>

#include "runtime/gdb_proto.h"

static struct gdb_rx rx;

/* Feed a string; the last event other than NONE, and how many PACKETs came. */
static enum gdb_rx_event feed(const char *s, size_t len, unsigned *packets)
{
	enum gdb_rx_event last = GDB_RX_NONE;

	*packets = 0;
	for (size_t i = 0; i < len; i++) {
		enum gdb_rx_event e = gdb_rx_byte(&rx, (uint8_t)s[i]);

		if (e != GDB_RX_NONE)
			last = e;
		if (e == GDB_RX_PACKET)
			(*packets)++;
	}
	return last;
}

static enum gdb_rx_event feed_str(const char *s)
{
	unsigned n;

	return feed(s, strlen(s), &n);
}

TEST(test_gdb_rx_good_packet_and_checksum)
{
	gdb_rx_init(&rx);
	CHECK_INT(GDB_RX_PACKET, feed_str("$qSupported:multiprocess+#c6"));
	CHECK_STR("qSupported:multiprocess+", rx.buf);
	CHECK_INT(GDB_RX_PACKET, feed_str("$g#67"));
	CHECK_STR("g", rx.buf);
	CHECK_INT(1, (int)rx.len);
	CHECK_INT(GDB_RX_PACKET, feed_str("$#00")); /* empty packet */
	CHECK_INT(0, (int)rx.len);
	CHECK_INT(GDB_RX_BAD, feed_str("$g#6 7")); /* a non-hex digit */
}

TEST(test_gdb_rx_bad_checksum_is_a_nak_not_a_packet)
{
	gdb_rx_init(&rx);
	CHECK_INT(GDB_RX_BAD, feed_str("$g#68"));
	CHECK_INT(GDB_RX_BAD, feed_str("$g#zz"));
	CHECK_INT(GDB_RX_PACKET, feed_str("$g#67")); /* and the stream recovers */
}

TEST(test_gdb_rx_acks_interrupt_and_noise)
{
	gdb_rx_init(&rx);
	CHECK_INT(GDB_RX_ACK, gdb_rx_byte(&rx, '+'));
	CHECK_INT(GDB_RX_NAK, gdb_rx_byte(&rx, '-'));
	CHECK_INT(GDB_RX_INTERRUPT, gdb_rx_byte(&rx, 0x03));
	CHECK_INT(GDB_RX_NONE, gdb_rx_byte(&rx, 'x'));
	/* 0x03 inside a packet is payload, not an interrupt. */
	CHECK_INT(GDB_RX_NONE, gdb_rx_byte(&rx, '$'));
	CHECK_INT(GDB_RX_NONE, gdb_rx_byte(&rx, 0x03));
}

TEST(test_gdb_rx_escapes_are_undone_and_summed_raw)
{
	/* X packet data 0x23 ('#') escaped as "}\x03": the checksum covers the raw bytes. */
	const char body[] = "X0,1:}\x03";
	char pkt[32];
	uint8_t sum = 0;
	unsigned n;

	for (size_t i = 0; i < sizeof(body) - 1; i++)
		sum += (uint8_t)body[i];
	snprintf(pkt, sizeof(pkt), "$%s#%02x", body, sum);
	gdb_rx_init(&rx);
	CHECK_INT(GDB_RX_PACKET, feed(pkt, strlen(pkt), &n));
	CHECK_INT(6, (int)rx.len);
	CHECK_STR("X0,1:#", rx.buf);
}

TEST(test_gdb_rx_restart_on_dollar)
{
	gdb_rx_init(&rx);
	CHECK_INT(GDB_RX_PACKET, feed_str("$garbage$g#67"));
	CHECK_STR("g", rx.buf);
}

TEST(test_gdb_rx_oversized_packet_is_dropped_whole)
{
	size_t big = GDB_PACKET_MAX + 100;
	char *s = malloc(big + 8);
	unsigned n;

	REQUIRE(s);
	s[0] = '$';
	memset(s + 1, 'a', big);
	memcpy(s + 1 + big, "#00", 3);
	gdb_rx_init(&rx);
	CHECK_INT(GDB_RX_BAD, feed(s, big + 4, &n));
	CHECK_INT(0, (int)n);
	CHECK(rx.len <= GDB_PACKET_MAX);
	CHECK_INT(GDB_RX_PACKET, feed_str("$g#67"));
	free(s);
}

/* Random bytes never crash or overrun, and the parser stays usable. */
TEST(test_gdb_rx_hostile_input)
{
	uint32_t x = 12345;

	gdb_rx_init(&rx);
	for (unsigned i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		gdb_rx_byte(&rx, (uint8_t)(x >> 16));
		CHECK(rx.len <= GDB_PACKET_MAX);
	}
	gdb_rx_init(&rx);
	CHECK_INT(GDB_RX_PACKET, feed_str("$?#3f"));
}

TEST(test_gdb_frame_checksum_and_escape)
{
	char out[64];
	size_t n = gdb_frame("OK", 2, out, sizeof(out));

	CHECK_INT(6, (int)n);
	CHECK(memcmp(out, "$OK#9a", 6) == 0);
	n = gdb_frame("a#b", 3, out, sizeof(out));
	out[n] = '\0';
	CHECK_STR("$a}\x03"
		  "b#43",
		  out); /* 0x61 + 0x7d + 0x03 + 0x62 */
	/* The framed packet parses back to the payload. */
	gdb_rx_init(&rx);
	CHECK_INT(GDB_RX_PACKET, feed_str(out));
	CHECK_STR("a#b", rx.buf);
	n = gdb_frame("", 0, out, sizeof(out));
	CHECK_INT(4, (int)n);
	CHECK(memcmp(out, "$#00", 4) == 0);
	CHECK_INT(0, (int)gdb_frame("abcdef", 6, out, 8)); /* does not fit */
}

TEST(test_gdb_hex_helpers)
{
	const char *p = "1f,zz";
	uint64_t v = 0;
	uint8_t b[4];
	char hex[9] = {0};

	CHECK(gdb_parse_hex(&p, &v));
	CHECK_U64(0x1f, v);
	CHECK_INT(',', *p);
	p++;
	CHECK(!gdb_parse_hex(&p, &v));
	p = "12345678123456781";
	CHECK(!gdb_parse_hex(&p, &v)); /* 17 digits overflow */
	CHECK(gdb_hex_decode("deadBEEF", b, 4));
	CHECK_INT(0xef, b[3]);
	CHECK(!gdb_hex_decode("de-d", b, 2));
	gdb_hex_encode(b, 4, hex);
	CHECK_STR("deadbeef", hex);
	CHECK_INT(-1, gdb_hexval('g'));
}
