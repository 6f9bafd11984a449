/* SPDX-License-Identifier: MIT */
/*
 * TOML subset parser (see toml.h for what is accepted). It follows the TOML
 * 1.0 specification (https://toml.io/en/v1.0.0) for every form it accepts,
 * and names the form for everything it does not, so that a config written
 * for the reference's full TOML parser fails here with a clear reason rather
 * than a misparse.
 *
 * A single pass over the text with one byte of lookahead (three for the
 * multi-line string check). Tables are built while parsing; each table
 * remembers how it came to exist, because TOML forbids defining a table
 * twice, reopening with a header a table made by dotted keys, and extending
 * with dotted keys a table made by a header.
 *
 * Every key is looked up in its table before it is added, so the lookup
 * must not be linear: once a table has more than TOML_INDEX_MIN members it
 * gets an open-addressing hash index (linear probing, at most half full,
 * doubled as it fills) over its items. The hash is SipHash-2-4 (Aumasson and
 * Bernstein, "SipHash: a fast short-input PRF", 2012) under a key drawn per
 * parse, so colliding keys cannot be precomputed.
 */
#include "toml.h"

#include "core/error.h"
#include "core/hex.h"

#include <axvm/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* How a table came to exist (toml_node.table_flags). */
#define TOML_TF_EXPLICIT 1u /* by its own [header] */
#define TOML_TF_IMPLICIT 2u /* as a parent in some other [a.b] header */
#define TOML_TF_DOTTED 4u   /* by a dotted key a.b = v */

/* Bounds that keep recursion and key handling finite on hostile input. */
#define TOML_MAX_DEPTH 32
#define TOML_MAX_KEY_PARTS 16

/* Tables up to this many members are searched linearly: no index to allocate. */
#define TOML_INDEX_MIN 8

/* A slot: the item's index + 1 (0 = empty) and the hash's upper half. */
struct toml_slot {
	uint32_t item;
	uint32_t tag;
};

struct toml_index {
	uint64_t key[2]; /* SipHash key (the parse's) */
	size_t mask;	 /* slots - 1; slots is a power of two */
	struct toml_slot slot[];
};

struct toml_parser {
	const char *p;
	const char *end;
	const char *name;
	unsigned line;
	unsigned col;
	struct toml_node *root;
	struct toml_node *cur; /* table that key/value lines go into */
	size_t allocs;
	size_t max_allocs; /* 0 = no limit */
	uint64_t hash_key[2];
	bool have_hash_key; /* drawn when the first index is built */
	size_t visits;	    /* members looked at by lookups (toml_options.visits) */
};

struct toml_buf {
	char *data;
	size_t len;
	size_t cap;
};

struct toml_key {
	unsigned n;
	char *part[TOML_MAX_KEY_PARTS];
	struct toml_pos pos[TOML_MAX_KEY_PARTS];
};

static int toml_error_at(struct toml_parser *tp, struct toml_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int toml_error_at(struct toml_parser *tp, struct toml_pos pos, const char *fmt, ...)
{
	char msg[AXVM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return axvm_error_set(-AXVM_EPARSE, "%s:%u:%u: %s", tp->name, pos.line, pos.col, msg);
}

static int toml_nomem(struct toml_parser *tp)
{
	return axvm_error_set(-AXVM_ENOMEM, "%s: out of memory", tp->name);
}

static struct toml_pos toml_here(const struct toml_parser *tp)
{
	return (struct toml_pos){tp->line, tp->col};
}

static int toml_peek(const struct toml_parser *tp, size_t off)
{
	if ((size_t)(tp->end - tp->p) <= off)
		return -1;
	return (unsigned char)tp->p[off];
}

static bool toml_eof(const struct toml_parser *tp)
{
	return tp->p >= tp->end;
}

/* Consume one byte; columns advance per character, not per UTF-8 byte. */
static void toml_advance(struct toml_parser *tp)
{
	unsigned char c = (unsigned char)*tp->p++;

	if (c == '\n') {
		tp->line++;
		tp->col = 1;
	} else if ((c & 0xc0) != 0x80) {
		tp->col++;
	}
}

static void toml_skip_ws(struct toml_parser *tp)
{
	while (!toml_eof(tp) && (*tp->p == ' ' || *tp->p == '\t'))
		toml_advance(tp);
}

static bool toml_is_bare_key_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* The printable form of an unexpected character for messages. */
static void toml_describe_char(int c, char *out, size_t outlen)
{
	if (c < 0)
		snprintf(out, outlen, "end of file");
	else if (c == '\n')
		snprintf(out, outlen, "end of line");
	else if (c >= 0x20 && c < 0x7f)
		snprintf(out, outlen, "'%c'", c);
	else
		snprintf(out, outlen, "byte 0x%02x", (unsigned)c);
}

/* Every allocation goes through here, so a limit can fail any one of them. */
static void *toml_realloc(struct toml_parser *tp, void *p, size_t size)
{
	if (tp->max_allocs && tp->allocs >= tp->max_allocs)
		return NULL;
	tp->allocs++;
	return realloc(p, size);
}

static int toml_buf_put(struct toml_parser *tp, struct toml_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = toml_realloc(tp, b->data, cap);
		if (!p)
			return -AXVM_ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static size_t toml_utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0 if it is malformed.
 */
static size_t toml_utf8_len(const unsigned char *p, size_t avail)
{
	uint32_t cp;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Check the character at the cursor inside a comment or string (`what`):
 * TOML allows tab and every other character except controls, and the text
 * must be UTF-8. Returns its length in bytes or an error.
 */
static int toml_check_char(struct toml_parser *tp, const char *what, size_t *len)
{
	unsigned char c = (unsigned char)*tp->p;

	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return toml_error_at(tp, toml_here(tp), "control character U+%04X in %s", c, what);
	*len = toml_utf8_len((const unsigned char *)tp->p, (size_t)(tp->end - tp->p));
	if (!*len)
		return toml_error_at(tp, toml_here(tp), "invalid UTF-8 in %s", what);
	return 0;
}

static int toml_skip_comment(struct toml_parser *tp)
{
	size_t n;
	int ret;

	toml_advance(tp); /* '#' */
	while (!toml_eof(tp) && *tp->p != '\n') {
		if (*tp->p == '\r' && toml_peek(tp, 1) == '\n')
			break;
		ret = toml_check_char(tp, "comment", &n);
		if (ret)
			return ret;
		while (n--)
			toml_advance(tp);
	}
	return 0;
}

/* At '\n' or "\r\n": consume it. Returns false if the cursor is not at one. */
static bool toml_take_newline(struct toml_parser *tp)
{
	if (toml_peek(tp, 0) == '\n') {
		toml_advance(tp);
		return true;
	}
	if (toml_peek(tp, 0) == '\r' && toml_peek(tp, 1) == '\n') {
		toml_advance(tp);
		toml_advance(tp);
		return true;
	}
	return false;
}

/* After a key/value pair or a header: blanks, an optional comment, then EOL. */
static int toml_expect_eol(struct toml_parser *tp, const char *after)
{
	char desc[32];
	int ret;

	toml_skip_ws(tp);
	if (toml_peek(tp, 0) == '#') {
		ret = toml_skip_comment(tp);
		if (ret)
			return ret;
	}
	if (toml_eof(tp) || toml_take_newline(tp))
		return 0;
	toml_describe_char(toml_peek(tp, 0), desc, sizeof(desc));
	return toml_error_at(tp, toml_here(tp), "unexpected %s after %s (expected end of line)",
			     desc, after);
}

/* ---- tree ---- */

static struct toml_node *toml_node_new(struct toml_parser *tp, enum toml_type type,
				       struct toml_pos pos)
{
	struct toml_node *n = toml_realloc(tp, NULL, sizeof(*n));

	if (n) {
		memset(n, 0, sizeof(*n));
		n->type = type;
		n->pos = pos;
	}
	return n;
}

void toml_free(struct toml_node *node)
{
	if (!node)
		return;
	for (size_t i = 0; i < node->count; i++)
		toml_free(node->items[i]);
	free(node->items);
	free(node->index);
	free(node->key);
	free(node->str);
	free(node);
}

static int toml_append(struct toml_parser *tp, struct toml_node *parent, struct toml_node *child)
{
	if (parent->count == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct toml_node **items = toml_realloc(tp, parent->items, cap * sizeof(*items));

		if (!items)
			return -AXVM_ENOMEM;
		parent->items = items;
		parent->cap = cap;
	}
	parent->items[parent->count++] = child;
	return 0;
}

#define TOML_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define TOML_SIPROUND                                                                              \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = TOML_ROTL(v1, 13);                                                            \
		v1 ^= v0;                                                                          \
		v0 = TOML_ROTL(v0, 32);                                                            \
		v2 += v3;                                                                          \
		v3 = TOML_ROTL(v3, 16);                                                            \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = TOML_ROTL(v3, 21);                                                            \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = TOML_ROTL(v1, 17);                                                            \
		v1 ^= v2;                                                                          \
		v2 = TOML_ROTL(v2, 32);                                                            \
	} while (0)

uint64_t toml_hash(const uint64_t key[2], const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0], v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0], v3 = 0x7465646279746573ull ^ key[1];
	uint64_t m, last = (uint64_t)len << 56;
	size_t i = 0;

	for (; len - i >= 8; i += 8) {
		m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | p[i + (size_t)j];
		v3 ^= m;
		TOML_SIPROUND;
		TOML_SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= last;
	TOML_SIPROUND;
	TOML_SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	TOML_SIPROUND;
	TOML_SIPROUND;
	TOML_SIPROUND;
	TOML_SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * Probe from the hash's home slot to `key`'s slot, or to the empty one where
 * it would go; *visits counts the members passed on the way.
 */
static struct toml_slot *toml_index_probe(const struct toml_node *table, const char *key,
					  uint64_t h, size_t *visits)
{
	struct toml_index *ix = table->index;
	uint32_t tag = (uint32_t)(h >> 32);

	for (size_t i = (size_t)h & ix->mask;; i = (i + 1) & ix->mask) {
		struct toml_slot *sl = &ix->slot[i];

		if (!sl->item)
			return sl;
		++*visits;
		if (sl->tag == tag && strcmp(table->items[sl->item - 1]->key, key) == 0)
			return sl;
	}
}

static struct toml_node *toml_lookup(const struct toml_node *table, const char *key, size_t *visits)
{
	const struct toml_slot *sl;

	if (!table->index) {
		for (size_t i = 0; i < table->count; i++) {
			++*visits;
			if (strcmp(table->items[i]->key, key) == 0)
				return table->items[i];
		}
		return NULL;
	}
	sl = toml_index_probe(table, key, toml_hash(table->index->key, key, strlen(key)), visits);
	return sl->item ? table->items[sl->item - 1] : NULL;
}

const struct toml_node *toml_get(const struct toml_node *table, const char *key)
{
	size_t visits = 0;

	if (!table || table->type != TOML_TABLE)
		return NULL;
	return toml_lookup(table, key, &visits);
}

static void toml_draw_hash_key(struct toml_parser *tp)
{
	struct timespec ts;

	if (tp->have_hash_key)
		return;
	tp->have_hash_key = true;
	if (getrandom(tp->hash_key, sizeof(tp->hash_key), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(tp->hash_key))
		return;
	/* No entropy yet (early boot): still nothing a file could be written against. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	tp->hash_key[0] = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uintptr_t)tp;
	tp->hash_key[1] = toml_hash(tp->hash_key, (const char *)&ts, sizeof(ts)) ^ (uintptr_t)&ts;
}

/*
 * Make room in `table`'s index for one more member: build the index when the
 * table outgrows a linear search, double it when it would be more than half
 * full (re-inserting every member).
 */
static int toml_index_reserve(struct toml_parser *tp, struct toml_node *table)
{
	struct toml_index *ix = table->index, *nix;
	size_t slots = ix ? ix->mask + 1 : 4 * TOML_INDEX_MIN;

	if (table->count + 1 <= TOML_INDEX_MIN || (ix && 2 * (table->count + 1) <= slots))
		return 0;
	/* Slots hold a 32-bit item number. */
	if (table->count + 1 >= UINT32_MAX)
		return -AXVM_ENOMEM;
	while (2 * (table->count + 1) > slots)
		slots *= 2;
	nix = toml_realloc(tp, NULL, sizeof(*nix) + slots * sizeof(nix->slot[0]));
	if (!nix)
		return -AXVM_ENOMEM;
	toml_draw_hash_key(tp);
	memcpy(nix->key, tp->hash_key, sizeof(nix->key));
	nix->mask = slots - 1;
	memset(nix->slot, 0, slots * sizeof(nix->slot[0]));
	free(ix);
	table->index = nix;
	for (size_t i = 0; i < table->count; i++) {
		const char *key = table->items[i]->key;
		uint64_t h = toml_hash(nix->key, key, strlen(key));
		struct toml_slot *sl = toml_index_probe(table, key, h, &tp->visits);

		sl->item = (uint32_t)i + 1;
		sl->tag = (uint32_t)(h >> 32);
	}
	return 0;
}

static struct toml_node *toml_find(struct toml_parser *tp, struct toml_node *table, const char *key)
{
	return toml_lookup(table, key, &tp->visits);
}

const char *toml_type_name(enum toml_type type)
{
	switch (type) {
	case TOML_TABLE:
		return "a table";
	case TOML_ARRAY:
		return "an array";
	case TOML_STRING:
		return "a string";
	case TOML_INTEGER:
		return "an integer";
	case TOML_BOOLEAN:
		return "a boolean";
	}
	return "a value";
}

/* A new member `key` of `table` (the caller checked it is not one yet); the key is copied. */
static int toml_add_member(struct toml_parser *tp, struct toml_node *table, const char *key,
			   struct toml_pos key_pos, enum toml_type type, struct toml_pos pos,
			   struct toml_node **out)
{
	struct toml_node *n;
	size_t len = strlen(key);

	if (toml_index_reserve(tp, table))
		return toml_nomem(tp);
	n = toml_node_new(tp, type, pos);
	if (!n)
		return toml_nomem(tp);
	n->key = toml_realloc(tp, NULL, len + 1);
	if (n->key)
		memcpy(n->key, key, len + 1);
	n->key_pos = key_pos;
	if (!n->key || toml_append(tp, table, n)) {
		toml_free(n);
		return toml_nomem(tp);
	}
	if (table->index) {
		uint64_t h = toml_hash(table->index->key, key, len);
		struct toml_slot *sl = toml_index_probe(table, key, h, &tp->visits);

		sl->item = (uint32_t)table->count;
		sl->tag = (uint32_t)(h >> 32);
	}
	*out = n;
	return 0;
}

/* ---- strings ---- */

static int toml_parse_escape(struct toml_parser *tp, struct toml_buf *b)
{
	struct toml_pos at = toml_here(tp);
	char utf8[4];
	uint32_t cp = 0;
	unsigned digits;
	int c, ret;
	char out;

	toml_advance(tp); /* '\\' */
	c = toml_peek(tp, 0);
	switch (c) {
	case 'b':
		out = '\b';
		break;
	case 't':
		out = '\t';
		break;
	case 'n':
		out = '\n';
		break;
	case 'f':
		out = '\f';
		break;
	case 'r':
		out = '\r';
		break;
	case '"':
		out = '"';
		break;
	case '\\':
		out = '\\';
		break;
	case 'u':
	case 'U':
		digits = c == 'u' ? 4 : 8;
		toml_advance(tp);
		for (unsigned i = 0; i < digits; i++) {
			int d = axvm_hex_digit(toml_peek(tp, 0));

			if (d < 0)
				return toml_error_at(tp, at,
						     "invalid \\%c escape: expected %u hex digits",
						     c, digits);
			cp = (cp << 4) | (uint32_t)d;
			toml_advance(tp);
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return toml_error_at(
			    tp, at, "invalid \\%c escape: U+%04X is not a Unicode scalar value", c,
			    cp);
		/* Strings become C strings: an embedded NUL would truncate them silently. */
		if (cp == 0)
			return toml_error_at(tp, at, "\\%c escape for NUL is not supported", c);
		ret = toml_buf_put(tp, b, utf8, toml_utf8_encode(cp, utf8));
		return ret ? toml_nomem(tp) : 0;
	default:
		if (c >= 0x20 && c < 0x7f)
			return toml_error_at(tp, at, "invalid escape sequence '\\%c'", c);
		if (c < 0 || c == '\n' || c == '\r')
			return toml_error_at(tp, at,
					     "invalid escape sequence (backslash at end of line)");
		return toml_error_at(
		    tp, at, "invalid escape sequence (backslash before byte 0x%02x)", (unsigned)c);
	}
	toml_advance(tp);
	return toml_buf_put(tp, b, &out, 1) ? toml_nomem(tp) : 0;
}

/*
 * A single-line basic ("...") or literal ('...') string at the cursor; the
 * result is returned through *out (malloc'd, NUL-terminated).
 */
static int toml_parse_string(struct toml_parser *tp, char **out, size_t *out_len)
{
	struct toml_pos start = toml_here(tp);
	char quote = *tp->p;
	bool basic = quote == '"';
	struct toml_buf b = {0};
	size_t n;
	int ret;

	if (toml_peek(tp, 1) == quote && toml_peek(tp, 2) == quote)
		return toml_error_at(tp, start, "multi-line strings (%c%c%c) are not supported",
				     quote, quote, quote);
	toml_advance(tp);
	if (toml_buf_put(tp, &b, "", 0))
		return toml_nomem(tp);
	for (;;) {
		if (toml_eof(tp) || *tp->p == '\n' ||
		    (*tp->p == '\r' && toml_peek(tp, 1) == '\n')) {
			ret = toml_error_at(tp, start, "unterminated string");
			goto fail;
		}
		if (*tp->p == quote) {
			toml_advance(tp);
			break;
		}
		if (basic && *tp->p == '\\') {
			ret = toml_parse_escape(tp, &b);
			if (ret)
				goto fail;
			continue;
		}
		ret = toml_check_char(tp, "string", &n);
		if (ret)
			goto fail;
		if (toml_buf_put(tp, &b, tp->p, n)) {
			ret = toml_nomem(tp);
			goto fail;
		}
		while (n--)
			toml_advance(tp);
	}
	*out = b.data;
	*out_len = b.len;
	return 0;
fail:
	free(b.data);
	return ret;
}

/* ---- keys ---- */

static void toml_key_clear(struct toml_key *k)
{
	for (unsigned i = 0; i < k->n; i++)
		free(k->part[i]);
	k->n = 0;
}

/* The key as written, parts joined by '.', for messages. */
static void toml_key_join(const struct toml_key *k, unsigned upto, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < upto && used < outlen; i++) {
		int n = snprintf(out + used, outlen - used, "%s%s", i ? "." : "", k->part[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int toml_parse_key(struct toml_parser *tp, struct toml_key *k)
{
	char desc[32];
	size_t len;
	int ret;

	k->n = 0;
	for (;;) {
		struct toml_pos pos;
		char *part;
		int c;

		toml_skip_ws(tp);
		pos = toml_here(tp);
		c = toml_peek(tp, 0);
		if (k->n == TOML_MAX_KEY_PARTS)
			return toml_error_at(tp, pos, "key has more than %d dotted parts",
					     TOML_MAX_KEY_PARTS);
		if (c == '"' || c == '\'') {
			ret = toml_parse_string(tp, &part, &len);
			if (ret)
				return ret;
		} else if (toml_is_bare_key_char(c)) {
			const char *s = tp->p;

			while (!toml_eof(tp) && toml_is_bare_key_char(*tp->p))
				toml_advance(tp);
			len = (size_t)(tp->p - s);
			part = toml_realloc(tp, NULL, len + 1);
			if (!part)
				return toml_nomem(tp);
			memcpy(part, s, len);
			part[len] = '\0';
		} else {
			toml_describe_char(c, desc, sizeof(desc));
			return toml_error_at(tp, pos, "expected a key, found %s", desc);
		}
		k->part[k->n] = part;
		k->pos[k->n] = pos;
		k->n++;
		toml_skip_ws(tp);
		if (toml_peek(tp, 0) != '.')
			return 0;
		toml_advance(tp);
	}
}

/* ---- values ---- */

static int toml_parse_value(struct toml_parser *tp, struct toml_node *node, unsigned depth);

static bool toml_is_token_char(int c)
{
	return toml_is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

static bool toml_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int toml_digit_value(char c, unsigned base)
{
	int d = axvm_hex_digit((unsigned char)c);

	return d >= 0 && (unsigned)d < base ? d : -1;
}

/* Integer token s[0..n) starting at `pos` (single line, ASCII only). */
static int toml_parse_integer(struct toml_parser *tp, const char *s, size_t n, struct toml_pos pos,
			      struct toml_node *node)
{
	static const char *const base_names[17] = {
	    [2] = "a binary", [8] = "an octal", [10] = "a decimal", [16] = "a hex"};
	unsigned base = 10;
	uint64_t mag = 0;
	bool neg = false, sign = false;
	size_t i = 0;

	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		sign = true;
		i = 1;
	}
	if (i == n)
		return toml_error_at(tp, pos, "expected digits after '%c'", s[0]);
	if (s[i] == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b')) {
		if (sign)
			return toml_error_at(tp, pos,
					     "a sign is only allowed on decimal integers, not on "
					     "0%c integers",
					     s[i + 1]);
		base = s[i + 1] == 'x' ? 16 : s[i + 1] == 'o' ? 8 : 2;
		i += 2;
		if (i == n)
			return toml_error_at(tp, pos, "missing digits after '0%c'", s[i - 1]);
	} else if (s[i] == '0' && i + 1 < n && (toml_is_digit(s[i + 1]) || s[i + 1] == '_')) {
		return toml_error_at(tp, pos, "leading zeros are not allowed in decimal integers");
	}
	for (size_t j = i; j < n; j++) {
		struct toml_pos at = {pos.line, pos.col + (unsigned)j};
		int d;

		if (s[j] == '_') {
			if (j == i || j + 1 == n || toml_digit_value(s[j - 1], base) < 0 ||
			    toml_digit_value(s[j + 1], base) < 0)
				return toml_error_at(tp, at,
						     "'_' in an integer must be between digits");
			continue;
		}
		d = toml_digit_value(s[j], base);
		if (d < 0) {
			if (toml_is_digit(s[j]))
				return toml_error_at(tp, at, "invalid digit '%c' in %s integer",
						     s[j], base_names[base]);
			return toml_error_at(tp, at, "invalid character '%c' in %s integer", s[j],
					     base_names[base]);
		}
		if (mag > (UINT64_MAX - (uint64_t)d) / base)
			return toml_error_at(tp, pos, "integer does not fit in 64 bits");
		mag = mag * base + (uint64_t)d;
	}
	if (neg && mag > (1ull << 63))
		return toml_error_at(tp, pos, "integer does not fit in 64 bits (below -2^63)");
	node->type = TOML_INTEGER;
	node->mag = mag;
	node->negative = neg && mag != 0;
	return 0;
}

/* A bare token: boolean or integer, or a named unsupported form. */
static int toml_parse_scalar(struct toml_parser *tp, struct toml_node *node)
{
	struct toml_pos pos = toml_here(tp);
	const char *s = tp->p;
	size_t n = 0;
	int c = toml_peek(tp, 0);
	char desc[32];

	while (toml_is_token_char(toml_peek(tp, n)))
		n++;
	if (n == 0) {
		if (c == '{')
			return toml_error_at(tp, pos, "inline tables ({...}) are not supported");
		toml_describe_char(c, desc, sizeof(desc));
		return toml_error_at(tp, pos, "expected a value, found %s", desc);
	}
	for (size_t i = 0; i < n; i++)
		toml_advance(tp);
	if ((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5))) {
		node->type = TOML_BOOLEAN;
		node->boolean = n == 4;
		return 0;
	}
	{
		size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
		bool prefixed = n > i + 1 && s[i] == '0' &&
				(s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b');

		if ((n - i == 3 && (!memcmp(s + i, "inf", 3) || !memcmp(s + i, "nan", 3))) ||
		    (!prefixed && (memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n)) &&
		     (toml_is_digit(s[i]) || s[i] == '.')))
			return toml_error_at(tp, pos, "floating-point numbers are not supported");
		if (memchr(s, ':', n) ||
		    (n >= 5 && toml_is_digit(s[0]) && toml_is_digit(s[1]) && toml_is_digit(s[2]) &&
		     toml_is_digit(s[3]) && s[4] == '-'))
			return toml_error_at(tp, pos, "dates and times are not supported");
		if (i < n && toml_is_digit(s[i]))
			return toml_parse_integer(tp, s, n, pos, node);
		if (i == 1 && n == 1)
			return toml_parse_integer(tp, s, n, pos, node);
	}
	if (n > 24)
		return toml_error_at(tp, pos,
				     "expected a value, found '%.24s...' (strings need quotes)", s);
	return toml_error_at(tp, pos, "expected a value, found '%.*s' (strings need quotes)",
			     (int)n, s);
}

/* Inside an array: blanks, newlines and comments. */
static int toml_skip_array_space(struct toml_parser *tp)
{
	int ret;

	for (;;) {
		toml_skip_ws(tp);
		if (toml_peek(tp, 0) == '#') {
			ret = toml_skip_comment(tp);
			if (ret)
				return ret;
		} else if (!toml_take_newline(tp)) {
			return 0;
		}
	}
}

static int toml_parse_array(struct toml_parser *tp, struct toml_node *node, unsigned depth)
{
	struct toml_pos start = toml_here(tp);
	char desc[32];
	int ret;

	if (depth >= TOML_MAX_DEPTH)
		return toml_error_at(tp, start, "arrays nested more than %d deep", TOML_MAX_DEPTH);
	node->type = TOML_ARRAY;
	toml_advance(tp); /* '[' */
	for (;;) {
		struct toml_node *elem;

		ret = toml_skip_array_space(tp);
		if (ret)
			return ret;
		if (toml_eof(tp))
			return toml_error_at(tp, start, "unterminated array (missing ']')");
		if (*tp->p == ']') {
			toml_advance(tp);
			return 0;
		}
		elem = toml_node_new(tp, TOML_ARRAY, toml_here(tp));
		if (!elem || toml_append(tp, node, elem)) {
			free(elem);
			return toml_nomem(tp);
		}
		ret = toml_parse_value(tp, elem, depth + 1);
		if (ret)
			return ret;
		ret = toml_skip_array_space(tp);
		if (ret)
			return ret;
		if (toml_eof(tp))
			return toml_error_at(tp, start, "unterminated array (missing ']')");
		if (*tp->p == ',') {
			toml_advance(tp);
			continue;
		}
		if (*tp->p == ']') {
			toml_advance(tp);
			return 0;
		}
		toml_describe_char(toml_peek(tp, 0), desc, sizeof(desc));
		return toml_error_at(tp, toml_here(tp), "expected ',' or ']' in array, found %s",
				     desc);
	}
}

static int toml_parse_value(struct toml_parser *tp, struct toml_node *node, unsigned depth)
{
	int c = toml_peek(tp, 0);

	node->pos = toml_here(tp);
	if (c == '"' || c == '\'') {
		node->type = TOML_STRING;
		return toml_parse_string(tp, &node->str, &node->str_len);
	}
	if (c == '[')
		return toml_parse_array(tp, node, depth);
	return toml_parse_scalar(tp, node);
}

/* ---- lines ---- */

static int toml_parse_header(struct toml_parser *tp)
{
	struct toml_pos start = toml_here(tp);
	struct toml_node *t = tp->root, *c;
	struct toml_key k = {0};
	char name[256], desc[32];
	int ret;

	toml_advance(tp); /* '[' */
	if (toml_peek(tp, 0) == '[')
		return toml_error_at(tp, start, "arrays of tables ([[...]]) are not supported");
	ret = toml_parse_key(tp, &k);
	if (ret)
		goto out;
	if (toml_peek(tp, 0) != ']') {
		toml_describe_char(toml_peek(tp, 0), desc, sizeof(desc));
		ret = toml_error_at(tp, toml_here(tp),
				    "expected ']' to close the table header, found %s", desc);
		goto out;
	}
	toml_advance(tp);
	toml_key_join(&k, k.n, name, sizeof(name));

	for (unsigned i = 0; i + 1 < k.n; i++) {
		c = toml_find(tp, t, k.part[i]);
		if (!c) {
			ret = toml_add_member(tp, t, k.part[i], k.pos[i], TOML_TABLE, start, &c);
			if (ret)
				goto out;
			c->table_flags = TOML_TF_IMPLICIT;
		} else if (c->type != TOML_TABLE) {
			ret = toml_error_at(tp, k.pos[i], "'%s' is already defined as %s at %u:%u",
					    k.part[i], toml_type_name(c->type), c->key_pos.line,
					    c->key_pos.col);
			goto out;
		}
		t = c;
	}
	c = toml_find(tp, t, k.part[k.n - 1]);
	if (!c) {
		ret =
		    toml_add_member(tp, t, k.part[k.n - 1], k.pos[k.n - 1], TOML_TABLE, start, &c);
		if (ret)
			goto out;
	} else if (c->type != TOML_TABLE) {
		ret = toml_error_at(tp, start, "[%s]: '%s' is already defined as %s at %u:%u", name,
				    k.part[k.n - 1], toml_type_name(c->type), c->key_pos.line,
				    c->key_pos.col);
		goto out;
	} else if (c->table_flags & TOML_TF_EXPLICIT) {
		ret = toml_error_at(tp, start, "table [%s] is already defined at %u:%u", name,
				    c->pos.line, c->pos.col);
		goto out;
	} else if (c->table_flags & TOML_TF_DOTTED) {
		ret = toml_error_at(tp, start,
				    "table [%s] was already defined by dotted keys at %u:%u", name,
				    c->key_pos.line, c->key_pos.col);
		goto out;
	}
	c->table_flags = TOML_TF_EXPLICIT;
	c->pos = start;
	tp->cur = c;
	ret = toml_expect_eol(tp, "table header");
out:
	toml_key_clear(&k);
	return ret;
}

static int toml_parse_keyval(struct toml_parser *tp)
{
	struct toml_node *t = tp->cur, *c;
	struct toml_key k = {0};
	char name[256], desc[32];
	int ret, nc;

	ret = toml_parse_key(tp, &k);
	if (ret)
		goto out;
	toml_key_join(&k, k.n, name, sizeof(name));
	if (toml_peek(tp, 0) != '=') {
		toml_describe_char(toml_peek(tp, 0), desc, sizeof(desc));
		ret = toml_error_at(tp, toml_here(tp), "expected '=' after key '%s', found %s",
				    name, desc);
		goto out;
	}
	toml_advance(tp);
	toml_skip_ws(tp);
	nc = toml_peek(tp, 0);
	if (nc < 0 || nc == '\n' || nc == '#' || (nc == '\r' && toml_peek(tp, 1) == '\n')) {
		ret = toml_error_at(tp, toml_here(tp), "missing value for key '%s'", name);
		goto out;
	}

	for (unsigned i = 0; i + 1 < k.n; i++) {
		c = toml_find(tp, t, k.part[i]);
		if (!c) {
			ret = toml_add_member(tp, t, k.part[i], k.pos[i], TOML_TABLE, k.pos[i], &c);
			if (ret)
				goto out;
			c->table_flags = TOML_TF_DOTTED;
		} else if (c->type != TOML_TABLE) {
			ret = toml_error_at(tp, k.pos[i], "'%s' is already defined as %s at %u:%u",
					    k.part[i], toml_type_name(c->type), c->key_pos.line,
					    c->key_pos.col);
			goto out;
		} else if (!(c->table_flags & TOML_TF_DOTTED)) {
			ret = toml_error_at(tp, k.pos[i],
					    "table '%s' (defined at %u:%u) cannot be extended with "
					    "dotted keys",
					    k.part[i], c->pos.line, c->pos.col);
			goto out;
		}
		t = c;
	}
	c = toml_find(tp, t, k.part[k.n - 1]);
	if (c) {
		ret = toml_error_at(tp, k.pos[0], "duplicate key '%s' (first defined at %u:%u)",
				    name, c->key_pos.line, c->key_pos.col);
		goto out;
	}
	ret = toml_add_member(tp, t, k.part[k.n - 1], k.pos[0], TOML_STRING, toml_here(tp), &c);
	if (ret)
		goto out;
	ret = toml_parse_value(tp, c, 0);
	if (ret)
		goto out;
	ret = toml_expect_eol(tp, "value");
out:
	toml_key_clear(&k);
	return ret;
}

int toml_parse(const char *text, size_t len, const char *name, struct toml_node **root)
{
	return toml_parse_opts(text, len, name, NULL, root);
}

int toml_parse_opts(const char *text, size_t len, const char *name, const struct toml_options *opts,
		    struct toml_node **root)
{
	struct toml_parser tp = {
	    .max_allocs = opts ? opts->max_allocs : 0,
	    .p = text,
	    .end = text + len,
	    .name = name ? name : "<input>",
	    .line = 1,
	    .col = 1,
	};
	int ret = 0;

	*root = NULL;
	if (opts && opts->hash_key) {
		memcpy(tp.hash_key, opts->hash_key, sizeof(tp.hash_key));
		tp.have_hash_key = true;
	}
	tp.root = toml_node_new(&tp, TOML_TABLE, (struct toml_pos){1, 1});
	if (!tp.root)
		return toml_nomem(&tp);
	tp.root->table_flags = TOML_TF_EXPLICIT;
	tp.cur = tp.root;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		tp.p += 3;

	while (!ret) {
		toml_skip_ws(&tp);
		if (toml_eof(&tp))
			break;
		switch (*tp.p) {
		case '#':
			ret = toml_skip_comment(&tp);
			if (!ret && !toml_eof(&tp) && !toml_take_newline(&tp))
				ret = toml_expect_eol(&tp, "comment");
			break;
		case '[':
			ret = toml_parse_header(&tp);
			break;
		case '\n':
			toml_advance(&tp);
			break;
		default:
			if (toml_take_newline(&tp))
				break;
			ret = toml_parse_keyval(&tp);
			break;
		}
	}
	if (opts && opts->visits)
		*opts->visits = tp.visits;
	if (ret) {
		toml_free(tp.root);
		return ret;
	}
	*root = tp.root;
	return 0;
}
