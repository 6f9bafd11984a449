/* SPDX-License-Identifier: MIT */
/* 9P2000.L field encoding (p9_wire.h): bounded, little-endian. */
#include "p9_wire.h"

#include <string.h>

void p9_reader_init(struct p9_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->bad = false;
}

const uint8_t *p9_get_bytes(struct p9_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += n;
	return p;
}

static uint64_t p9_get_le(struct p9_reader *r, unsigned n)
{
	const uint8_t *p = p9_get_bytes(r, n);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t p9_get_u8(struct p9_reader *r)
{
	return (uint8_t)p9_get_le(r, 1);
}

uint16_t p9_get_u16(struct p9_reader *r)
{
	return (uint16_t)p9_get_le(r, 2);
}

uint32_t p9_get_u32(struct p9_reader *r)
{
	return (uint32_t)p9_get_le(r, 4);
}

uint64_t p9_get_u64(struct p9_reader *r)
{
	return p9_get_le(r, 8);
}

struct p9_str p9_get_str(struct p9_reader *r)
{
	struct p9_str s = {"", 0};
	uint16_t len = p9_get_u16(r);
	const uint8_t *p = p9_get_bytes(r, len);

	if (p) {
		s.s = (const char *)p;
		s.len = len;
	}
	return s;
}

void p9_writer_init(struct p9_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->off = 0;
	w->bad = false;
}

uint8_t *p9_put_space(struct p9_writer *w, size_t n)
{
	uint8_t *p;

	if (w->bad || n > w->cap - w->off) {
		w->bad = true;
		return NULL;
	}
	p = w->buf + w->off;
	w->off += n;
	return p;
}

static void p9_put_le(struct p9_writer *w, uint64_t v, unsigned n)
{
	uint8_t *p = p9_put_space(w, n);

	if (!p)
		return;
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void p9_put_u8(struct p9_writer *w, uint8_t v)
{
	p9_put_le(w, v, 1);
}

void p9_put_u16(struct p9_writer *w, uint16_t v)
{
	p9_put_le(w, v, 2);
}

void p9_put_u32(struct p9_writer *w, uint32_t v)
{
	p9_put_le(w, v, 4);
}

void p9_put_u64(struct p9_writer *w, uint64_t v)
{
	p9_put_le(w, v, 8);
}

void p9_put_str(struct p9_writer *w, const char *s, size_t len)
{
	uint8_t *p;

	if (len > UINT16_MAX) {
		w->bad = true;
		return;
	}
	p9_put_u16(w, (uint16_t)len);
	p = p9_put_space(w, len);
	if (p && len)
		memcpy(p, s, len);
}

void p9_put_qid(struct p9_writer *w, const struct p9_qid *q)
{
	p9_put_u8(w, q->type);
	p9_put_u32(w, q->version);
	p9_put_u64(w, q->path);
}

void p9_begin(struct p9_writer *w, uint8_t type, uint16_t tag)
{
	w->off = 0;
	w->bad = false;
	p9_put_u32(w, 0);
	p9_put_u8(w, type);
	p9_put_u16(w, tag);
}

size_t p9_end(struct p9_writer *w)
{
	if (w->bad || w->off < P9_HDR_SIZE)
		return 0;
	for (unsigned i = 0; i < 4; i++)
		w->buf[i] = (uint8_t)(w->off >> (8 * i));
	return w->off;
}
