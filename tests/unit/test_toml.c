/* SPDX-License-Identifier: MIT */
/*
 * The TOML subset parser (src/config/toml.c): every accepted form with the
 * tree it yields, every rejected form with its exact "name:line:col: reason",
 * and a seeded mutation run that must never crash.
 */
#include "test.h"

#include "config/toml.h"

#include <axvm/config.h>
#include <axvm/types.h>

#include <stdlib.h>

static struct toml_node *parse_ok(const char *text)
{
	struct toml_node *root = NULL;
	int ret = toml_parse(text, strlen(text), "t.toml", &root);

	if (ret)
		test_fail_at(__FILE__, __LINE__, "parse failed (%d): %s", ret,
			     axvm_error_message());
	return root;
}

/* The node at a dotted path of plain keys ("a.b.c"), or NULL. */
static const struct toml_node *get(const struct toml_node *t, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && t; k = strtok_r(NULL, ".", &save))
		t = toml_get(t, k);
	return t;
}

static uint64_t get_uint(const struct toml_node *t, const char *path)
{
	const struct toml_node *n = get(t, path);

	if (!n || n->type != TOML_INTEGER || n->negative) {
		test_fail_at(__FILE__, __LINE__, "%s: not a non-negative integer", path);
		return 0xdeadbeef;
	}
	return n->mag;
}

static const char *get_str(const struct toml_node *t, const char *path)
{
	const struct toml_node *n = get(t, path);

	return n && n->type == TOML_STRING ? n->str : "(not a string)";
}

/* ---- accepted forms ---- */

TEST(test_toml_empty_document_is_an_empty_table)
{
	struct toml_node *r = parse_ok("");

	REQUIRE(r);
	CHECK_INT(TOML_TABLE, r->type);
	CHECK_INT(0, r->count);
	toml_free(r);
}

TEST(test_toml_comments_and_blank_lines_are_ignored)
{
	struct toml_node *r =
	    parse_ok("# leading comment\n\n   \t\n# another\na = 1 # trailing\n#end");

	REQUIRE(r);
	CHECK_INT(1, r->count);
	CHECK_U64(1, get_uint(r, "a"));
	toml_free(r);
}

TEST(test_toml_table_headers_hold_their_keys)
{
	struct toml_node *r = parse_ok("top = 1\n[base]\nid = 2\n[kernel]\nid = 3\n");

	REQUIRE(r);
	CHECK_U64(1, get_uint(r, "top"));
	CHECK_U64(2, get_uint(r, "base.id"));
	CHECK_U64(3, get_uint(r, "kernel.id"));
	CHECK_INT(TOML_TABLE, get(r, "base")->type);
	toml_free(r);
}

TEST(test_toml_dotted_header_creates_nested_tables)
{
	struct toml_node *r = parse_ok("[a.b.c]\nx = 1\n[ a . d ]\ny = 2\n");

	REQUIRE(r);
	CHECK_U64(1, get_uint(r, "a.b.c.x"));
	CHECK_U64(2, get_uint(r, "a.d.y"));
	CHECK_INT(1, r->count);
	toml_free(r);
}

TEST(test_toml_implicit_table_may_be_defined_later)
{
	struct toml_node *r = parse_ok("[a.b]\nx = 1\n[a]\ny = 2\n");

	REQUIRE(r);
	CHECK_U64(1, get_uint(r, "a.b.x"));
	CHECK_U64(2, get_uint(r, "a.y"));
	toml_free(r);
}

TEST(test_toml_subtable_under_dotted_key_table)
{
	struct toml_node *r =
	    parse_ok("[fruit]\napple.color = 1\n[fruit.apple.texture]\nsmooth = true\n");

	REQUIRE(r);
	CHECK_U64(1, get_uint(r, "fruit.apple.color"));
	CHECK_INT(true, get(r, "fruit.apple.texture.smooth")->boolean);
	toml_free(r);
}

TEST(test_toml_bare_keys_allow_letters_digits_dash_underscore)
{
	struct toml_node *r = parse_ok("key_1-x = 1\n1234 = 2\n-_- = 3\n");

	REQUIRE(r);
	CHECK_U64(1, get_uint(r, "key_1-x"));
	CHECK_U64(2, get_uint(r, "1234"));
	CHECK_U64(3, get_uint(r, "-_-"));
	toml_free(r);
}

TEST(test_toml_quoted_keys_basic_and_literal)
{
	struct toml_node *r =
	    parse_ok("\"with space\" = 1\n'lit.dot' = 2\n\"\\u00e9\" = 3\n\"\" = 4\n");

	REQUIRE(r);
	CHECK_U64(1, toml_get(r, "with space")->mag);
	CHECK_U64(2, toml_get(r, "lit.dot")->mag);
	CHECK_U64(3, toml_get(r, "\xc3\xa9")->mag);
	CHECK_U64(4, toml_get(r, "")->mag);
	toml_free(r);
}

TEST(test_toml_dotted_keys_create_tables)
{
	struct toml_node *r = parse_ok("a.b = 1\na.c = 2\n\"q\".'r' . s = 3\n");

	REQUIRE(r);
	CHECK_U64(1, get_uint(r, "a.b"));
	CHECK_U64(2, get_uint(r, "a.c"));
	CHECK_U64(3, get_uint(r, "q.r.s"));
	CHECK_INT(TOML_TABLE, get(r, "a")->type);
	toml_free(r);
}

TEST(test_toml_basic_string_escapes)
{
	struct toml_node *r = parse_ok("s = \"q\\\" b\\\\ n\\n t\\t r\\r f\\f b\\b\"\n");

	REQUIRE(r);
	CHECK_STR("q\" b\\ n\n t\t r\r f\f b\b", get_str(r, "s"));
	toml_free(r);
}

TEST(test_toml_unicode_escapes_become_utf8)
{
	struct toml_node *r = parse_ok("s = \"\\u0041\\u00e9\\u20AC\\U0001F600\"\n");

	REQUIRE(r);
	CHECK_STR("A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", get_str(r, "s"));
	CHECK_INT(10, get(r, "s")->str_len);
	toml_free(r);
}

TEST(test_toml_literal_string_keeps_backslashes)
{
	struct toml_node *r = parse_ok("s = 'C:\\path\\n \"x\"'\n");

	REQUIRE(r);
	CHECK_STR("C:\\path\\n \"x\"", get_str(r, "s"));
	toml_free(r);
}

TEST(test_toml_empty_strings_and_utf8_text)
{
	struct toml_node *r = parse_ok("a = \"\"\nb = ''\nc = \"h\xc3\xa9 \xe2\x82\xac\"\n");

	REQUIRE(r);
	CHECK_STR("", get_str(r, "a"));
	CHECK_STR("", get_str(r, "b"));
	CHECK_STR("h\xc3\xa9 \xe2\x82\xac", get_str(r, "c"));
	toml_free(r);
}

TEST(test_toml_decimal_integers_with_signs_and_underscores)
{
	struct toml_node *r = parse_ok("a = 0\nb = +17\nc = -42\nd = 1_000_000\ne = -0\n");

	REQUIRE(r);
	CHECK_U64(0, get_uint(r, "a"));
	CHECK_U64(17, get_uint(r, "b"));
	CHECK_U64(42, get(r, "c")->mag);
	CHECK_INT(true, get(r, "c")->negative);
	CHECK_U64(1000000, get_uint(r, "d"));
	CHECK_INT(false, get(r, "e")->negative);
	toml_free(r);
}

TEST(test_toml_hex_octal_binary_integers)
{
	struct toml_node *r =
	    parse_ok("h = 0x9000_0000\nH = 0xDEADbeef\no = 0o755\nb = 0b1101_0110\nz = 0x0001\n");

	REQUIRE(r);
	CHECK_U64(0x90000000, get_uint(r, "h"));
	CHECK_U64(0xdeadbeef, get_uint(r, "H"));
	CHECK_U64(0755, get_uint(r, "o"));
	CHECK_U64(0xd6, get_uint(r, "b"));
	CHECK_U64(1, get_uint(r, "z"));
	toml_free(r);
}

TEST(test_toml_integer_limits_of_64_bits)
{
	struct toml_node *r = parse_ok("max = 0xffff_ffff_ffff_ffff\ndec = 18446744073709551615\n"
				       "min = -9223372036854775808\n");

	REQUIRE(r);
	CHECK_U64(UINT64_MAX, get_uint(r, "max"));
	CHECK_U64(UINT64_MAX, get_uint(r, "dec"));
	CHECK_U64(1ull << 63, get(r, "min")->mag);
	CHECK_INT(true, get(r, "min")->negative);
	toml_free(r);
}

TEST(test_toml_booleans)
{
	struct toml_node *r = parse_ok("t = true\nf = false\n");

	REQUIRE(r);
	CHECK_INT(TOML_BOOLEAN, get(r, "t")->type);
	CHECK_INT(true, get(r, "t")->boolean);
	CHECK_INT(false, get(r, "f")->boolean);
	toml_free(r);
}

TEST(test_toml_multiline_array_with_trailing_comma_and_comments)
{
	struct toml_node *r =
	    parse_ok("a = [ # open\n  1, # one\n\n  2,\n  # only a comment\n  3,\n]\n");
	const struct toml_node *a;

	REQUIRE(r);
	a = get(r, "a");
	REQUIRE(a && a->type == TOML_ARRAY);
	CHECK_INT(3, a->count);
	CHECK_U64(1, a->items[0]->mag);
	CHECK_U64(3, a->items[2]->mag);
	toml_free(r);
}

TEST(test_toml_nested_and_mixed_arrays)
{
	struct toml_node *r =
	    parse_ok("a = [[0x8000_0000, 0x100_0000, 0xf, 0], [\"plic\", [2, 3]], [], true]\n");
	const struct toml_node *a;

	REQUIRE(r);
	a = get(r, "a");
	REQUIRE(a && a->count == 4);
	CHECK_INT(4, a->items[0]->count);
	CHECK_U64(0x1000000, a->items[0]->items[1]->mag);
	CHECK_STR("plic", a->items[1]->items[0]->str);
	CHECK_U64(3, a->items[1]->items[1]->items[1]->mag);
	CHECK_INT(TOML_ARRAY, a->items[2]->type);
	CHECK_INT(0, a->items[2]->count);
	CHECK_INT(TOML_BOOLEAN, a->items[3]->type);
	toml_free(r);
}

TEST(test_toml_crlf_line_endings_and_bom)
{
	struct toml_node *r =
	    parse_ok("\xef\xbb\xbf# c\r\n[t]\r\na = [\r\n 1,\r\n]\r\nb = 'x' # c\r\n");

	REQUIRE(r);
	CHECK_INT(1, get(r, "t.a")->count);
	CHECK_STR("x", get_str(r, "t.b"));
	CHECK_INT(6, get(r, "t.b")->pos.line);
	toml_free(r);
}

TEST(test_toml_nodes_record_line_and_column)
{
	struct toml_node *r = parse_ok("[base]\n  id = 0x10\nlist = [\n\t1, \"\xc3\xa9\", 3]\n");
	const struct toml_node *n;

	REQUIRE(r);
	n = get(r, "base");
	CHECK_INT(1, n->pos.line);
	CHECK_INT(1, n->pos.col);
	n = get(r, "base.id");
	CHECK_INT(2, n->key_pos.line);
	CHECK_INT(3, n->key_pos.col);
	CHECK_INT(2, n->pos.line);
	CHECK_INT(8, n->pos.col);
	n = get(r, "base.list");
	CHECK_INT(3, n->pos.line);
	CHECK_INT(8, n->pos.col);
	/* A tab and a two-byte character count one column each. */
	CHECK_INT(4, n->items[2]->pos.line);
	CHECK_INT(10, n->items[2]->pos.col);
	toml_free(r);
}

TEST(test_toml_members_keep_file_order)
{
	struct toml_node *r = parse_ok("z = 1\na = 2\nm = 3\n");

	REQUIRE(r);
	REQUIRE(r->count == 3);
	CHECK_STR("z", r->items[0]->key);
	CHECK_STR("a", r->items[1]->key);
	CHECK_STR("m", r->items[2]->key);
	toml_free(r);
}

/* ---- rejected forms: exact messages ---- */

static void check_malformed(const char *text, size_t len, const char *expected, int line)
{
	struct toml_node *root = (struct toml_node *)1;
	int ret = toml_parse(text, len, "t.toml", &root);
	const char *err = axvm_error_message();

	if (ret != -AXVM_EPARSE)
		test_fail_at(__FILE__, line, "expected -AXVM_EPARSE, got %d", ret);
	if (root != NULL)
		test_fail_at(__FILE__, line, "root not NULL on error");
	if (strcmp(expected, err) != 0)
		test_fail_at(__FILE__, line, "expected \"%s\", got \"%s\"", expected, err);
	if (ret == 0)
		toml_free(root);
}

#define MALFORMED(name, text, expected)                                                            \
	TEST(name)                                                                                 \
	{                                                                                          \
		check_malformed(text, sizeof(text) - 1, expected, __LINE__);                       \
	}

MALFORMED(test_toml_rejects_float, "a = 1.5\n",
	  "t.toml:1:5: floating-point numbers are not supported")
MALFORMED(test_toml_rejects_exponent_float, "[t]\nb = 1e6\n",
	  "t.toml:2:5: floating-point numbers are not supported")
MALFORMED(test_toml_rejects_inf, "a = -inf\n",
	  "t.toml:1:5: floating-point numbers are not supported")
MALFORMED(test_toml_rejects_date, "d = 1979-05-27\n",
	  "t.toml:1:5: dates and times are not supported")
MALFORMED(test_toml_rejects_time, "t = 07:32:00\n", "t.toml:1:5: dates and times are not supported")
MALFORMED(test_toml_rejects_inline_table, "a = { x = 1 }\n",
	  "t.toml:1:5: inline tables ({...}) are not supported")
MALFORMED(test_toml_rejects_array_of_tables, "[[vm]]\n",
	  "t.toml:1:1: arrays of tables ([[...]]) are not supported")
MALFORMED(test_toml_rejects_multiline_basic_string, "s = \"\"\"text\"\"\"\n",
	  "t.toml:1:5: multi-line strings (\"\"\") are not supported")
MALFORMED(test_toml_rejects_multiline_literal_string, "s = '''text'''\n",
	  "t.toml:1:5: multi-line strings (''') are not supported")
MALFORMED(test_toml_rejects_duplicate_key, "a = 1\n b = 2\na = 3\n",
	  "t.toml:3:1: duplicate key 'a' (first defined at 1:1)")
MALFORMED(test_toml_rejects_duplicate_dotted_key, "x.y = 1\nx.y = 2\n",
	  "t.toml:2:1: duplicate key 'x.y' (first defined at 1:1)")
MALFORMED(test_toml_rejects_redefined_table, "[base]\nid = 1\n\n[base]\n",
	  "t.toml:4:1: table [base] is already defined at 1:1")
MALFORMED(test_toml_rejects_header_over_dotted_table, "a.b = 1\n[a]\n",
	  "t.toml:2:1: table [a] was already defined by dotted keys at 1:1")
MALFORMED(test_toml_rejects_dotted_keys_into_header_table, "[a.b]\n[a]\nb.c = 1\n",
	  "t.toml:3:1: table 'b' (defined at 1:1) cannot be extended with dotted keys")
MALFORMED(test_toml_rejects_header_over_value, "a = 1\n[a]\n",
	  "t.toml:2:1: [a]: 'a' is already defined as an integer at 1:1")
MALFORMED(test_toml_rejects_dotted_key_through_value, "a = 'x'\na.b = 2\n",
	  "t.toml:2:1: 'a' is already defined as a string at 1:1")
MALFORMED(test_toml_rejects_bad_escape, "s = \"a\\qb\"\n",
	  "t.toml:1:7: invalid escape sequence '\\q'")
MALFORMED(test_toml_rejects_backslash_at_end_of_line, "s = \"abc\\\n",
	  "t.toml:1:9: invalid escape sequence (backslash at end of line)")
MALFORMED(test_toml_rejects_escaped_non_ascii, "s = \"\\\xc3\xa9\"\n",
	  "t.toml:1:6: invalid escape sequence (backslash before byte 0xc3)")
MALFORMED(test_toml_rejects_short_unicode_escape, "s = \"\\u12g4\"\n",
	  "t.toml:1:6: invalid \\u escape: expected 4 hex digits")
MALFORMED(test_toml_rejects_surrogate_escape, "s = \"\\uD800\"\n",
	  "t.toml:1:6: invalid \\u escape: U+D800 is not a Unicode scalar value")
MALFORMED(test_toml_rejects_escape_beyond_unicode, "s = \"\\U00110000\"\n",
	  "t.toml:1:6: invalid \\U escape: U+110000 is not a Unicode scalar value")
MALFORMED(test_toml_rejects_nul_escape, "s = \"\\u0000\"\n",
	  "t.toml:1:6: \\u escape for NUL is not supported")
MALFORMED(test_toml_rejects_leading_zero, "a = 0755\n",
	  "t.toml:1:5: leading zeros are not allowed in decimal integers")
MALFORMED(test_toml_rejects_hex_beyond_64_bits, "a = 0x1_0000_0000_0000_0000\n",
	  "t.toml:1:5: integer does not fit in 64 bits")
MALFORMED(test_toml_rejects_decimal_beyond_64_bits, "a = 18446744073709551616\n",
	  "t.toml:1:5: integer does not fit in 64 bits")
MALFORMED(test_toml_rejects_negative_below_int64, "a = -9223372036854775809\n",
	  "t.toml:1:5: integer does not fit in 64 bits (below -2^63)")
MALFORMED(test_toml_rejects_trailing_underscore, "a = 1_000_\n",
	  "t.toml:1:10: '_' in an integer must be between digits")
MALFORMED(test_toml_rejects_double_underscore, "a = 1__0\n",
	  "t.toml:1:6: '_' in an integer must be between digits")
MALFORMED(test_toml_rejects_underscore_after_prefix, "a = 0x_ff\n",
	  "t.toml:1:7: '_' in an integer must be between digits")
MALFORMED(test_toml_rejects_sign_on_hex, "a = -0x10\n",
	  "t.toml:1:5: a sign is only allowed on decimal integers, not on 0x integers")
MALFORMED(test_toml_rejects_octal_digit_8, "a = 0o18\n",
	  "t.toml:1:8: invalid digit '8' in an octal integer")
MALFORMED(test_toml_rejects_binary_digit_2, "a = 0b102\n",
	  "t.toml:1:9: invalid digit '2' in a binary integer")
MALFORMED(test_toml_rejects_bad_hex_digit, "a = 0x8000_000g\n",
	  "t.toml:1:15: invalid character 'g' in a hex integer")
MALFORMED(test_toml_rejects_uppercase_hex_prefix, "a = 0X10\n",
	  "t.toml:1:6: invalid character 'X' in a decimal integer")
MALFORMED(test_toml_rejects_prefix_without_digits, "a = 0x\n",
	  "t.toml:1:5: missing digits after '0x'")
MALFORMED(test_toml_rejects_lone_sign, "a = -\n", "t.toml:1:5: expected digits after '-'")
MALFORMED(test_toml_rejects_unterminated_basic_string, "name = \"linux\nid = 1\n",
	  "t.toml:1:8: unterminated string")
MALFORMED(test_toml_rejects_unterminated_literal_string_at_eof, "name = 'linux",
	  "t.toml:1:8: unterminated string")
MALFORMED(test_toml_rejects_unterminated_array, "a = [\n  1,\n  2\n",
	  "t.toml:1:5: unterminated array (missing ']')")
MALFORMED(test_toml_rejects_missing_comma_in_array, "a = [1 2]\n",
	  "t.toml:1:8: expected ',' or ']' in array, found '2'")
MALFORMED(test_toml_rejects_empty_array_element, "a = [1,,2]\n",
	  "t.toml:1:8: expected a value, found ','")
MALFORMED(test_toml_rejects_garbage_after_value, "a = 1 2\n",
	  "t.toml:1:7: unexpected '2' after value (expected end of line)")
MALFORMED(test_toml_rejects_garbage_after_string, "a = \"x\"y\n",
	  "t.toml:1:8: unexpected 'y' after value (expected end of line)")
MALFORMED(test_toml_rejects_garbage_after_header, "[base] id = 1\n",
	  "t.toml:1:8: unexpected 'i' after table header (expected end of line)")
MALFORMED(test_toml_rejects_two_pairs_on_one_line, "a = 1, b = 2\n",
	  "t.toml:1:6: unexpected ',' after value (expected end of line)")
MALFORMED(test_toml_rejects_key_without_value, "[kernel]\nentry_point =\n",
	  "t.toml:2:14: missing value for key 'entry_point'")
MALFORMED(test_toml_rejects_key_without_equals, "cpu_num\n",
	  "t.toml:1:8: expected '=' after key 'cpu_num', found end of line")
MALFORMED(test_toml_rejects_value_without_key, "= 1\n", "t.toml:1:1: expected a key, found '='")
MALFORMED(test_toml_rejects_unquoted_string, "name = linux\n",
	  "t.toml:1:8: expected a value, found 'linux' (strings need quotes)")
MALFORMED(test_toml_rejects_capitalised_boolean, "a = True\n",
	  "t.toml:1:5: expected a value, found 'True' (strings need quotes)")
MALFORMED(test_toml_rejects_unclosed_header, "[base\nid = 1\n",
	  "t.toml:1:6: expected ']' to close the table header, found end of line")
MALFORMED(test_toml_rejects_empty_header, "[]\n", "t.toml:1:2: expected a key, found ']'")
MALFORMED(test_toml_rejects_control_character_in_string, "a = \"x\x01y\"\n",
	  "t.toml:1:7: control character U+0001 in string")
MALFORMED(test_toml_rejects_invalid_utf8_in_string, "a = \"\xc3\x28\"\n",
	  "t.toml:1:6: invalid UTF-8 in string")
MALFORMED(test_toml_rejects_overlong_utf8_in_comment, "# \xc0\xaf\n",
	  "t.toml:1:3: invalid UTF-8 in comment")
MALFORMED(test_toml_rejects_nul_byte, "a = 1\n\0b = 2\n",
	  "t.toml:2:1: expected a key, found byte 0x00")
MALFORMED(test_toml_rejects_bare_carriage_return, "a = 1\rb = 2\n",
	  "t.toml:1:6: unexpected byte 0x0d after value (expected end of line)")
MALFORMED(test_toml_rejects_too_deep_arrays,
	  "a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  "t.toml:1:37: arrays nested more than 32 deep")

TEST(test_toml_error_message_replaces_the_previous_one)
{
	struct toml_node *root;

	CHECK_INT(-AXVM_EPARSE, toml_parse("a = ", 4, "x", &root));
	CHECK(root == NULL);
	CHECK_INT(-AXVM_EPARSE, toml_parse("a = 1.0", 7, "t.toml", &root));
	CHECK_STR("t.toml:1:5: floating-point numbers are not supported", axvm_error_message());
}

/*
 * Fail the 1st, 2nd, ... allocation of parsing text: each gives ENOMEM, a
 * message and no leak (ASan checks). Returns the tree of the first parse
 * that succeeds, and in *allocs the allocations it took.
 */
static struct toml_node *parse_failing_each_allocation(const char *text, size_t *allocs, int line)
{
	struct toml_node *root = NULL;
	size_t n;

	for (n = 1; n < 100000; n++) {
		struct toml_options opts = {.max_allocs = n};
		int ret = toml_parse_opts(text, strlen(text), "t.toml", &opts, &root);

		if (ret == 0)
			break;
		if (ret != -AXVM_ENOMEM || root != NULL ||
		    strcmp(axvm_error_message(), "t.toml: out of memory") != 0) {
			test_fail_at(__FILE__, line, "limit %zu: got %d \"%s\"", n, ret,
				     axvm_error_message());
			return NULL;
		}
	}
	*allocs = n;
	return root;
}

TEST(test_toml_every_allocation_failure_is_reported)
{
	static const char text[] =
	    "[base]\nid = 1\nname = \"linux\\u00e9\"\na.b = 'x'\n[kernel.sub]\n"
	    "memory_regions = [[0x8000_0000, 0x100_0000, 0x7, 0], [1, [2, \"three\"]]]\n";
	size_t n = 0;
	struct toml_node *root = parse_failing_each_allocation(text, &n, __LINE__);

	REQUIRE(root);
	/* Every node, key, string and item list is one allocation: well above 20. */
	CHECK(n > 20);
	CHECK_STR("x", get(root, "base.a.b")->str);
	toml_free(root);
}

/* 40 members: the table's index is built, then doubled twice, each a failure point. */
TEST(test_toml_every_allocation_failure_while_indexing_is_reported)
{
	char text[1024];
	size_t used = snprintf(text, sizeof(text), "[t]\n"), n = 0;
	struct toml_node *root;

	for (int i = 0; i < 40; i++)
		used += snprintf(text + used, sizeof(text) - used, "k%d = %d\n", i, i);
	root = parse_failing_each_allocation(text, &n, __LINE__);
	REQUIRE(root);
	CHECK_U64(39, get_uint(root, "t.k39"));
	CHECK_U64(0, get_uint(root, "t.k0"));
	toml_free(root);
}

/* ---- scale: tables with many members ---- */

/* "[t]\nk0 = 0\nk1 = 1\n..." with n keys; malloc'd. */
static char *many_keys_text(unsigned n, const char *tail)
{
	size_t cap = 16 + (size_t)n * 24 + strlen(tail), used;
	char *text = malloc(cap);

	if (!text)
		return NULL;
	used = (size_t)snprintf(text, cap, "[t]\n");
	for (unsigned i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, cap - used, "k%u = %u\n", i, i);
	snprintf(text + used, cap - used, "%s", tail);
	return text;
}

TEST(test_toml_200k_keys_in_one_table_are_all_found)
{
	char *text = many_keys_text(200000, "");
	const struct toml_node *t;
	struct toml_node *r;
	unsigned wrong = 0;
	char key[16];

	REQUIRE(text);
	r = parse_ok(text);
	free(text);
	REQUIRE(r);
	t = toml_get(r, "t");
	REQUIRE(t);
	CHECK_INT(200000, t->count);
	for (unsigned i = 0; i < 200000; i++) {
		const struct toml_node *n;

		snprintf(key, sizeof(key), "k%u", i);
		n = toml_get(t, key);
		if (!n || n->mag != i || t->items[i] != n)
			wrong++;
	}
	CHECK_INT(0, wrong);
	CHECK(toml_get(t, "k200000") == NULL);
	CHECK(toml_get(t, "") == NULL);
	toml_free(r);
}

TEST(test_toml_100k_tables_of_two_keys_are_all_found)
{
	size_t cap = 100000 * 40, used = 0;
	char *text = malloc(cap), path[32];
	struct toml_node *r;
	unsigned wrong = 0;

	REQUIRE(text);
	for (unsigned i = 0; i < 100000; i++)
		used += (size_t)snprintf(text + used, cap - used, "[t%u]\na = %u\nb.c = 7\n", i, i);
	r = parse_ok(text);
	free(text);
	REQUIRE(r);
	CHECK_INT(100000, r->count);
	for (unsigned i = 0; i < 100000; i++) {
		const struct toml_node *n;

		snprintf(path, sizeof(path), "t%u.a", i);
		n = get(r, path);
		snprintf(path, sizeof(path), "t%u.b.c", i);
		if (!n || n->mag != i || !get(r, path) || get(r, path)->mag != 7)
			wrong++;
	}
	CHECK_INT(0, wrong);
	toml_free(r);
}

TEST(test_toml_duplicate_key_among_200k_is_rejected)
{
	char *text = many_keys_text(200000, "k123456 = 1\n");
	struct toml_node *root = (struct toml_node *)1;

	REQUIRE(text);
	CHECK_INT(-AXVM_EPARSE, toml_parse(text, strlen(text), "t.toml", &root));
	CHECK_STR("t.toml:200002:1: duplicate key 'k123456' (first defined at 123458:1)",
		  axvm_error_message());
	CHECK(root == NULL);
	free(text);
}

TEST(test_toml_duplicate_table_among_100k_is_rejected)
{
	size_t cap = 100000 * 16 + 16, used = 0;
	char *text = malloc(cap);
	struct toml_node *root;

	REQUIRE(text);
	for (unsigned i = 0; i < 100000; i++)
		used += (size_t)snprintf(text + used, cap - used, "[t%u]\n", i);
	snprintf(text + used, cap - used, "[t77777]\n");
	CHECK_INT(-AXVM_EPARSE, toml_parse(text, used + 9, "t.toml", &root));
	CHECK_STR("t.toml:100001:1: table [t77777] is already defined at 77778:1",
		  axvm_error_message());
	free(text);
}

/*
 * Finding where each key goes looks at a few members, not at every member
 * so far: 100k keys in one table and 100k one-key tables each cost fewer
 * than 4 visits per key (the quadratic search made 5 * 10^9).
 */
TEST(test_toml_each_key_is_placed_after_few_visits)
{
	size_t visits = 0, cap = 100000 * 16 + 16, used = 0;
	const struct toml_options opts = {.visits = &visits};
	char *text = many_keys_text(100000, "");
	struct toml_node *r = NULL;

	REQUIRE(text);
	REQUIRE_OK(toml_parse_opts(text, strlen(text), "t.toml", &opts, &r));
	toml_free(r);
	free(text);
	CHECK(visits < 4 * 100000);

	text = malloc(cap);
	REQUIRE(text);
	for (unsigned i = 0; i < 100000; i++)
		used += (size_t)snprintf(text + used, cap - used, "[t%u]\nk = 1\n", i);
	visits = 0;
	REQUIRE_OK(toml_parse_opts(text, used, "t.toml", &opts, &r));
	toml_free(r);
	free(text);
	CHECK(visits < 4 * 100000);
}

/* The published SipHash-2-4 test vectors: key 00 01 .. 0f, message 00 01 .. (len - 1). */
TEST(test_toml_hash_is_siphash_2_4)
{
	const uint64_t key[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	char msg[64];

	for (int i = 0; i < 64; i++)
		msg[i] = (char)i;
	CHECK_U64(0x726fdb47dd0e0e31ull, toml_hash(key, msg, 0));
	CHECK_U64(0xa129ca6149be45e5ull, toml_hash(key, msg, 15));
	CHECK_U64(0x958a324ceb064572ull, toml_hash(key, msg, 63));
}

/*
 * Under a known hash key, 200 keys whose hashes agree in their low 12 bits
 * (more than any index of 200 members uses) all start probing at one slot:
 * each is still found, a duplicate still rejected, an absent key not found.
 */
TEST(test_toml_keys_with_colliding_hashes_are_told_apart)
{
	static const uint64_t hkey[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
	const struct toml_options opts = {.hash_key = hkey};
	size_t cap = 200 * 24 + 64, used = 0;
	char *text = malloc(cap), key[16], first[16] = "", absent[16] = "";
	unsigned found = 0, wrong = 0;
	uint64_t home = 0;
	struct toml_node *r = NULL;
	const struct toml_node *t;

	REQUIRE(text);
	used = (size_t)snprintf(text, cap, "[t]\n");
	for (unsigned i = 0; found < 201; i++) {
		uint64_t h;

		snprintf(key, sizeof(key), "c%u", i);
		h = toml_hash(hkey, key, strlen(key)) & 0xfff;
		if (!first[0]) {
			home = h;
			strcpy(first, key);
		}
		if (h != home)
			continue;
		if (++found == 201)
			strcpy(absent, key);
		else
			used += (size_t)snprintf(text + used, cap - used, "%s = %u\n", key, found);
	}
	REQUIRE_OK(toml_parse_opts(text, used, "t.toml", &opts, &r));
	t = toml_get(r, "t");
	REQUIRE(t);
	CHECK_INT(200, t->count);
	for (unsigned i = 0; i < t->count; i++)
		if (toml_get(t, t->items[i]->key) != t->items[i] || t->items[i]->mag != i + 1)
			wrong++;
	CHECK_INT(0, wrong);
	CHECK(toml_get(t, absent) == NULL);
	toml_free(r);

	snprintf(text + used, cap - used, "%s = 0\n", first);
	r = (struct toml_node *)1;
	CHECK_INT(-AXVM_EPARSE, toml_parse_opts(text, strlen(text), "t.toml", &opts, &r));
	CHECK_STR("t.toml:202:1: duplicate key 'c0' (first defined at 2:1)", axvm_error_message());
	CHECK(r == NULL);
	free(text);
}

/* ---- robustness: seeded random and mutated inputs ---- */

static uint64_t fuzz_state;

static uint64_t fuzz_next(void)
{
	/* xorshift64*: deterministic, so a failure reproduces from the iteration number. */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return fuzz_state * 0x2545f4914f6cdd1dull;
}

static const char *const fuzz_seeds[] = {
    "[base]\nid = 1\nname = \"linux\"\ncpu_num = 2\nphys_cpu_ids = [0, 1]\n",
    "[kernel]\nentry_point = 0x8020_0000\nkernel_path = 'Image'\nkernel_load_addr = "
    "0x8020_0000\nmemory_regions = [\n  [0x8000_0000, 0x800_0000, 0x7, 0], # RAM\n]\n",
    "[devices]\nemu_devices = [[\"plic\", 0x0c00_0000, 0x60_0000, 0, 0x30, [2]]]\n"
    "interrupt_mode = \"emulated\"\n",
    "a.b.\"c\" = \"\\u00e9\\t\"\n[x.y]\nz = [[1, 2], [3, [4, []]], true, -0b101]\n",
    "s = 'lit' # c\r\nn = +1_000\no = 0o17\n",
};

static const char fuzz_alphabet[] =
    "[]{}=,.#\"'\\\n\r\t _-+0123456789abcdefxobuUtrn\x01\xc3\xa9\xff";

static size_t fuzz_mutate(char *buf, size_t len, size_t cap)
{
	unsigned ops = 1 + (unsigned)(fuzz_next() % 4);

	for (unsigned k = 0; k < ops; k++) {
		size_t at = len ? (size_t)(fuzz_next() % len) : 0;
		char c = fuzz_alphabet[fuzz_next() % (sizeof(fuzz_alphabet) - 1)];

		switch (fuzz_next() % 5) {
		case 0: /* replace */
			if (len)
				buf[at] = c;
			break;
		case 1: /* insert */
			if (len + 1 < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			}
			break;
		case 2: /* delete */
			if (len) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			}
			break;
		case 3: /* truncate */
			len = at;
			break;
		default: /* duplicate a chunk */
			if (len) {
				size_t n = 1 + (size_t)(fuzz_next() % 16);

				if (at + n > len)
					n = len - at;
				if (len + n < cap) {
					memmove(buf + at + n, buf + at, len - at);
					len += n;
				}
			}
			break;
		}
	}
	return len;
}

/* Either a tree, or an error that names the input and a line:col. */
static bool fuzz_check_one(const char *buf, size_t len, bool *parsed)
{
	struct toml_node *root = NULL;
	struct axvm_config cfg;
	char err[256];
	int ret = toml_parse(buf, len, "f.toml", &root);

	*parsed = ret == 0;
	if (ret == 0) {
		if (!root || root->type != TOML_TABLE)
			return false;
		toml_free(root);
	} else if (ret != -AXVM_EPARSE || root ||
		   strncmp(axvm_error_message(), "f.toml:", 7) != 0) {
		return false;
	}
	ret = axvm_config_parse(buf, len, "f.toml", &cfg, err, sizeof(err));
	return ret == 0 || (ret < 0 && strncmp(err, "f.toml", 6) == 0);
}

TEST(test_toml_survives_random_and_mutated_inputs)
{
	static char buf[4096];
	unsigned parsed = 0, rejected = 0;

	fuzz_state = 0x5eed1234abcdull;
	for (unsigned iter = 0; iter < 4000; iter++) {
		size_t len;
		bool ok;

		if (iter % 4 == 0) {
			/* Pure noise from the TOML alphabet. */
			len = (size_t)(fuzz_next() % 200);
			for (size_t i = 0; i < len; i++)
				buf[i] = fuzz_alphabet[fuzz_next() % (sizeof(fuzz_alphabet) - 1)];
		} else {
			const char *seed =
			    fuzz_seeds[fuzz_next() % (sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]))];

			len = strlen(seed);
			memcpy(buf, seed, len);
			len = fuzz_mutate(buf, len, sizeof(buf));
		}
		/* Parse from an exact-size heap copy so ASan sees any over-read. */
		char *copy = malloc(len ? len : 1);

		REQUIRE(copy);
		memcpy(copy, buf, len);
		if (!fuzz_check_one(copy, len, &ok)) {
			test_fail_at(__FILE__, __LINE__, "iteration %u: bad result for \"%.*s\"",
				     iter, (int)len, copy);
			free(copy);
			return;
		}
		if (ok)
			parsed++;
		else
			rejected++;
		free(copy);
	}
	/* Both outcomes must actually occur, or the run tests nothing. */
	CHECK(parsed > 100);
	CHECK(rejected > 100);
}
