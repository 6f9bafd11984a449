/* SPDX-License-Identifier: MIT */
/* The monitor's JSON request parser (runtime/monitor_json.c), hostile input included. */
#include "test.h"

#include <string.h>

#include "runtime/monitor_json.h"

static int parse(const char *line, struct mon_request *r, char *err)
{
	return mon_json_parse(line, r, err, 96);
}

TEST(test_monitor_json_reads_execute_and_vcpu)
{
	struct mon_request r;
	char err[96];

	REQUIRE_OK(parse("{\"execute\": \"query-vcpus\"}", &r, err));
	CHECK_STR("query-vcpus", r.execute);
	CHECK(!r.has_vcpu);
	REQUIRE_OK(parse(" {\"arguments\": {\"vcpu\": 3, \"x\": [1, {\"vcpu\": 9}, \"s\"]},"
			 " \"execute\": \"query-registers\", \"id\": null, \"t\": true} ",
			 &r, err));
	CHECK_STR("query-registers", r.execute);
	CHECK(r.has_vcpu);
	CHECK_INT(3, (int)r.vcpu);
	/* Escapes decode; "vcpu" outside "arguments" is not the argument. */
	REQUIRE_OK(parse("{\"exec\\u0075te\": \"st\\u006fp\", \"vcpu\": 5}", &r, err));
	CHECK_STR("stop", r.execute);
	CHECK(!r.has_vcpu);
	REQUIRE_OK(parse("{}", &r, err));
	CHECK_STR("", r.execute);
}

/* An "execute" longer than struct mon_request keeps (64 bytes). */
#define A16 "aaaaaaaaaaaaaaaa"
static const char long_execute[] = "{\"execute\": \"" A16 A16 A16 A16 A16 "\"}";

TEST(test_monitor_json_rejects_malformed_and_hostile_lines)
{
	static const char *const bad[] = {
	    "",
	    "[1]",
	    "{\"execute\": \"stop\"",
	    "{\"execute\": stop}",
	    "{\"execute\": \"stop\"} x",
	    "{\"execute\" \"stop\"}",
	    "{\"execute\": 1}",
	    "{\"arguments\": {\"vcpu\": 1.5}}",
	    "{\"arguments\": {\"vcpu\": \"0\"}}",
	    "{\"a\": \"\\x\"}",
	    "{\"a\": \"\\u12\"}",
	    "{\"a\": tru}",
	    "{\"a\": [1, 2}",
	    "{\"a\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
	    long_execute,
	    "{\"a\": \"unterminated}",
	};
	struct mon_request r;
	char err[96];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECK_INT(-1, parse(bad[i], &r, err));
		CHECK(strstr(err, "at byte") != NULL);
	}
}

TEST(test_monitor_json_quote_escapes)
{
	char out[64];

	CHECK_INT(4, (int)mon_json_quote("ab", out, sizeof(out)));
	CHECK_STR("\"ab\"", out);
	mon_json_quote("a\"b\\c\n\001", out, sizeof(out));
	CHECK_STR("\"a\\\"b\\\\c\\n\\u0001\"", out);
	/* Too small a buffer: cut, terminated, and the length needed returned. */
	CHECK_INT(8, (int)mon_json_quote("abcdef", out, 4));
	CHECK_STR("\"ab", out);
}
