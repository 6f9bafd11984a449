/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol's framing, separate from any VM: packets
 * `$payload#cc` (cc = the payload's byte sum mod 256 in hex), acks `+`/`-`,
 * the interrupt byte 0x03, and the escape `}` (the next byte XOR 0x20) for
 * `#`, `$`, `}` and `*` in binary data. See the GDB manual, "Overview" of
 * "Remote Protocol". Input is untrusted: any byte sequence is taken without
 * overflow; a packet longer than GDB_PACKET_MAX is dropped whole and
 * answered with a NAK.
 */
#ifndef AXVM_RUNTIME_GDB_PROTO_H
#define AXVM_RUNTIME_GDB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest payload we take or send (advertised as PacketSize). */
#define GDB_PACKET_MAX 16384

enum gdb_rx_event {
	GDB_RX_NONE,	  /* byte consumed, nothing complete yet */
	GDB_RX_PACKET,	  /* a packet with a good checksum: rx->buf, rx->len (NUL-terminated) */
	GDB_RX_BAD,	  /* a packet with a bad checksum or too long: answer '-' */
	GDB_RX_INTERRUPT, /* 0x03 outside a packet */
	GDB_RX_ACK,	  /* '+' */
	GDB_RX_NAK,	  /* '-' */
};

struct gdb_rx {
	int state;
	uint8_t sum;   /* running checksum of the raw payload */
	uint8_t given; /* the checksum's first hex digit */
	bool escape;   /* the previous payload byte was '}' */
	bool overflow; /* the payload did not fit: the packet is dropped */
	size_t len;
	char buf[GDB_PACKET_MAX + 1];
};

void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);

/*
 * Frame `len` payload bytes as `$...#cc` into out (escaping what must be),
 * returning the framed length, or 0 if it does not fit in cap.
 */
size_t gdb_frame(const void *payload, size_t len, char *out, size_t cap);

/* Hex helpers. */
int gdb_hexval(int c); /* 0-15, or -1 */
/* Parse hex digits at *p (at least one) into *v and advance; false if none or overflow. */
bool gdb_parse_hex(const char **p, uint64_t *v);
/* Encode len bytes as 2*len hex digits (no NUL). */
void gdb_hex_encode(const void *in, size_t len, char *out);
/* Decode 2*len hex digits; false on a non-hex digit. */
bool gdb_hex_decode(const char *in, void *out, size_t len);
/* Escape binary data (for qXfer replies) into out; returns the length, or 0 if it does not fit. */
size_t gdb_escape(const void *in, size_t len, char *out, size_t cap);

#endif
