/* SPDX-License-Identifier: MIT */
/*
 * 9P2000.L messages on the wire: the message types and constants the
 * server uses (names as in Linux's include/net/9p/9p.h), and a bounded
 * little-endian reader and writer over one message buffer.
 *
 * Every message is size[4] type[1] tag[2] then its fields; a string is
 * len[2] then len bytes (no NUL); a qid is type[1] version[4] path[8].
 *
 * The reader never reads past its buffer: a field that does not fit sets
 * `bad` and yields zeroes (strings: length 0), so a handler reads all its
 * fields, then checks `bad` once (a short or lying message becomes an
 * Rlerror EINVAL, never an out-of-bounds read). The writer likewise sets
 * `bad` when the reply would not fit its capacity (the negotiated msize
 * or the guest's buffer).
 */
#ifndef AXVM_DEVICES_P9_WIRE_H
#define AXVM_DEVICES_P9_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message types (9P2000.L and the 9P2000 ones it keeps). */
enum {
	P9_TLERROR = 6,
	P9_RLERROR = 7,
	P9_TSTATFS = 8,
	P9_TLOPEN = 12,
	P9_TLCREATE = 14,
	P9_TSYMLINK = 16,
	P9_TMKNOD = 18,
	P9_TRENAME = 20,
	P9_TREADLINK = 22,
	P9_TGETATTR = 24,
	P9_TSETATTR = 26,
	P9_TXATTRWALK = 30,
	P9_TXATTRCREATE = 32,
	P9_TREADDIR = 40,
	P9_TFSYNC = 50,
	P9_TLOCK = 52,
	P9_TGETLOCK = 54,
	P9_TLINK = 70,
	P9_TMKDIR = 72,
	P9_TRENAMEAT = 74,
	P9_TUNLINKAT = 76,
	P9_TVERSION = 100,
	P9_TAUTH = 102,
	P9_TATTACH = 104,
	P9_TFLUSH = 108,
	P9_TWALK = 110,
	P9_TREAD = 116,
	P9_TWRITE = 118,
	P9_TCLUNK = 120,
	P9_TREMOVE = 122,
	P9_TYPE_MAX = 128, /* types are below this (dispatch table size) */
};

#define P9_HDR_SIZE 7 /* size[4] type[1] tag[2] */
#define P9_QID_SIZE 13
#define P9_NOTAG 0xffffu
#define P9_NOFID 0xffffffffu
#define P9_MAXWELEM 16 /* names in one Twalk */

/* qid.type */
#define P9_QTDIR 0x80
#define P9_QTSYMLINK 0x02
#define P9_QTFILE 0x00

/* Tgetattr request_mask / Rgetattr valid: the basic fields. */
#define P9_GETATTR_BASIC 0x000007ffull

/* Tsetattr valid */
#define P9_SETATTR_MODE 0x001u
#define P9_SETATTR_UID 0x002u
#define P9_SETATTR_GID 0x004u
#define P9_SETATTR_SIZE 0x008u
#define P9_SETATTR_ATIME 0x010u
#define P9_SETATTR_MTIME 0x020u
#define P9_SETATTR_CTIME 0x040u
#define P9_SETATTR_ATIME_SET 0x080u
#define P9_SETATTR_MTIME_SET 0x100u

/* Tlopen / Tlcreate flags (Linux's generic O_* values, as on the wire). */
#define P9_DOTL_ACCMODE 03u
#define P9_DOTL_WRONLY 01u
#define P9_DOTL_RDWR 02u
#define P9_DOTL_CREATE 0100u
#define P9_DOTL_EXCL 0200u
#define P9_DOTL_TRUNC 01000u
#define P9_DOTL_APPEND 02000u
#define P9_DOTL_DSYNC 010000u
#define P9_DOTL_DIRECTORY 0200000u
#define P9_DOTL_SYNC 04000000u

/* Tunlinkat flags */
#define P9_DOTL_AT_REMOVEDIR 0x200u

/* Rlock status, Tgetlock type */
#define P9_LOCK_SUCCESS 0
#define P9_LOCK_TYPE_UNLCK 2

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* A string inside the message (not NUL-terminated). */
struct p9_str {
	const char *s;
	uint16_t len;
};

struct p9_reader {
	const uint8_t *buf;
	size_t len, off;
	bool bad;
};

struct p9_writer {
	uint8_t *buf;
	size_t cap, off;
	bool bad;
};

void p9_reader_init(struct p9_reader *r, const void *buf, size_t len);
uint8_t p9_get_u8(struct p9_reader *r);
uint16_t p9_get_u16(struct p9_reader *r);
uint32_t p9_get_u32(struct p9_reader *r);
uint64_t p9_get_u64(struct p9_reader *r);
struct p9_str p9_get_str(struct p9_reader *r);
/* `n` bytes in place (NULL and bad when fewer remain). */
const uint8_t *p9_get_bytes(struct p9_reader *r, size_t n);
static inline size_t p9_reader_left(const struct p9_reader *r)
{
	return r->len - r->off;
}

void p9_writer_init(struct p9_writer *w, void *buf, size_t cap);
void p9_put_u8(struct p9_writer *w, uint8_t v);
void p9_put_u16(struct p9_writer *w, uint16_t v);
void p9_put_u32(struct p9_writer *w, uint32_t v);
void p9_put_u64(struct p9_writer *w, uint64_t v);
void p9_put_str(struct p9_writer *w, const char *s, size_t len);
void p9_put_qid(struct p9_writer *w, const struct p9_qid *q);
/* Reserve `n` bytes (the caller fills them); NULL and bad when they do not fit. */
uint8_t *p9_put_space(struct p9_writer *w, size_t n);
/* Start a reply: size (patched by p9_end), type, tag. */
void p9_begin(struct p9_writer *w, uint8_t type, uint16_t tag);
/* Write the final size into the header; returns it (0 when bad). */
size_t p9_end(struct p9_writer *w);

#endif
