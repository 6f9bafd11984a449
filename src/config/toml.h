/* SPDX-License-Identifier: MIT */
/*
 * A parser for the subset of TOML 1.0 that AxVisor VM configs use, producing
 * a tree in which every node knows its line and column (internal to the
 * config layer; see docs/config.md for the accepted subset).
 *
 * Accepted: comments, [table] and [a.b] headers, bare / quoted / dotted keys,
 * basic strings with escapes, literal strings, integers (decimal, 0x, 0o, 0b,
 * `_` between digits, sign on decimals), booleans, arrays (nested,
 * multi-line, trailing comma, comments inside).
 * Rejected with "name:line:col: reason": everything else (floats, dates,
 * inline tables, arrays of tables, multi-line strings) and every error TOML
 * defines (duplicate keys, redefined tables, bad escapes, leading zeros,
 * integers beyond 64 bits, ...).
 *
 * Integers: the tree keeps a 64-bit magnitude and a sign, so positive values
 * go up to UINT64_MAX (configs hold usize addresses) and negative ones down
 * to -2^63. Columns count characters (UTF-8 code points), from 1.
 *
 * Parsing takes time linear in the input: a table of more than a few
 * members finds them through a hash index, keyed with SipHash-2-4 under a
 * key drawn from getrandom(2) per parse, so no file can be written whose
 * keys collide (hash flooding) and make the lookups linear again.
 *
 * No global state; a tree is freed with toml_free().
 */
#ifndef AXVM_CONFIG_TOML_H
#define AXVM_CONFIG_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum toml_type {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_BOOLEAN,
};

struct toml_pos {
	unsigned line;
	unsigned col;
};

struct toml_index;

struct toml_node {
	enum toml_type type;
	struct toml_pos pos; /* where the value (or the table's header) starts */
	char *key;	     /* key in the parent table; NULL in arrays and the root */
	struct toml_pos key_pos;
	unsigned table_flags; /* TOML_TABLE only; internal (how it was defined) */
	/* TOML_TABLE: members in file order; TOML_ARRAY: elements. */
	struct toml_node **items;
	size_t count;
	size_t cap;
	struct toml_index *index; /* TOML_TABLE: hash index over items (internal; NULL if small) */
	char *str;		  /* TOML_STRING: NUL-terminated UTF-8 (never contains NUL) */
	size_t str_len;		  /* TOML_STRING */
	uint64_t mag;		  /* TOML_INTEGER: magnitude */
	bool negative;		  /* TOML_INTEGER: value is -mag */
	bool boolean;		  /* TOML_BOOLEAN */
};

/*
 * Parse `len` bytes of `text`. On success returns 0 and a root table in
 * *root. On error returns -AXVM_EPARSE (or -AXVM_ENOMEM) and records
 * "name:line:col: reason" (axvm_error_message()).
 */
int toml_parse(const char *text, size_t len, const char *name, struct toml_node **root);

struct toml_options {
	/*
	 * Fail with -AXVM_ENOMEM ("name: out of memory") once this many
	 * allocations have been made (0 = no limit): bounds the memory hostile
	 * input can take, and lets tests fail each allocation in turn.
	 */
	size_t max_allocs;
	/* The SipHash key of the member index (2 words); NULL = random. For tests. */
	const uint64_t *hash_key;
	/*
	 * If not NULL, receives how many table members the parse looked at
	 * while finding and placing keys: linear in the input, not quadratic.
	 */
	size_t *visits;
};

/* toml_parse with options (NULL = the defaults). */
int toml_parse_opts(const char *text, size_t len, const char *name, const struct toml_options *opts,
		    struct toml_node **root);
void toml_free(struct toml_node *node);

/* Member `key` of a table, or NULL. */
const struct toml_node *toml_get(const struct toml_node *table, const char *key);
/* "a table", "an array", "a string", "an integer", "a boolean". */
const char *toml_type_name(enum toml_type type);
/* SipHash-2-4 of s[0..len) under key[2] (the member index's hash; for tests). */
uint64_t toml_hash(const uint64_t key[2], const char *s, size_t len);

#endif
