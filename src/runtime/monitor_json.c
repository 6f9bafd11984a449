/* SPDX-License-Identifier: MIT */
/* See monitor_json.h. Recursive descent over the line, depth-bounded. */
#include "runtime/monitor_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH_MAX 8

struct json_in {
	const char *s;
	size_t pos;
	char *err;
	size_t errlen;
	int failed;
};

static int json_fail(struct json_in *in, const char *what)
{
	if (!in->failed)
		snprintf(in->err, in->errlen, "%s at byte %zu", what, in->pos);
	in->failed = 1;
	return -1;
}

static void json_ws(struct json_in *in)
{
	while (in->s[in->pos] == ' ' || in->s[in->pos] == '\t' || in->s[in->pos] == '\r' ||
	       in->s[in->pos] == '\n')
		in->pos++;
}

/* A string; its bytes (escapes decoded, \u as '?' outside ASCII) into out if out. */
static int json_string(struct json_in *in, char *out, size_t outlen, size_t *outn)
{
	size_t n = 0;

	if (in->s[in->pos] != '"')
		return json_fail(in, "expected a string");
	in->pos++;
	for (;;) {
		unsigned char c = (unsigned char)in->s[in->pos];
		char v;

		if (c == 0 || c < 0x20)
			return json_fail(in, "unterminated string");
		in->pos++;
		if (c == '"')
			break;
		v = (char)c;
		if (c == '\\') {
			c = (unsigned char)in->s[in->pos++];
			switch (c) {
			case '"':
			case '\\':
			case '/':
				v = (char)c;
				break;
			case 'b':
				v = '\b';
				break;
			case 'f':
				v = '\f';
				break;
			case 'n':
				v = '\n';
				break;
			case 'r':
				v = '\r';
				break;
			case 't':
				v = '\t';
				break;
			case 'u': {
				unsigned long u;
				char hex[5] = "";

				/* One byte at a time: never past the line's end. */
				for (int k = 0; k < 4; k++) {
					char h = in->s[in->pos + (size_t)k];

					if (!h || !strchr("0123456789abcdefABCDEF", h))
						return json_fail(in, "bad \\u escape");
					hex[k] = h;
				}
				u = strtoul(hex, NULL, 16);
				in->pos += 4;
				v = u < 0x80 ? (char)u : '?';
				break;
			}
			default:
				return json_fail(in, "bad escape");
			}
		}
		if (out && n + 1 < outlen)
			out[n] = v;
		n++;
	}
	if (out && outlen)
		out[n < outlen ? n : outlen - 1] = 0;
	if (outn)
		*outn = n;
	return 0;
}

/* A number; *integer set when it is one that fits a long. */
static int json_number(struct json_in *in, long *value, int *integer)
{
	const char *start = in->s + in->pos;
	char *end;
	double d;

	if (!strchr("-0123456789", *start) || !*start)
		return json_fail(in, "expected a value");
	d = strtod(start, &end);
	if (end == start)
		return json_fail(in, "bad number");
	in->pos += (size_t)(end - start);
	*integer = 0;
	if (strspn(start, "-0123456789") == (size_t)(end - start) && d >= -1e15 && d <= 1e15) {
		*value = strtol(start, NULL, 10);
		*integer = 1;
	}
	return 0;
}

static int json_value(struct json_in *in, int depth, struct mon_request *req, int where);

/* where: 0 = top level, 1 = inside "arguments", 2 = elsewhere. */
static int json_object(struct json_in *in, int depth, struct mon_request *req, int where)
{
	if (depth > JSON_DEPTH_MAX)
		return json_fail(in, "nested too deeply");
	in->pos++; /* '{' */
	json_ws(in);
	if (in->s[in->pos] == '}') {
		in->pos++;
		return 0;
	}
	for (;;) {
		char key[32];

		json_ws(in);
		if (json_string(in, key, sizeof(key), NULL))
			return -1;
		json_ws(in);
		if (in->s[in->pos] != ':')
			return json_fail(in, "expected ':'");
		in->pos++;
		json_ws(in);
		if (where == 0 && !strcmp(key, "execute")) {
			size_t n;

			if (json_string(in, req->execute, sizeof(req->execute), &n))
				return -1;
			if (n >= sizeof(req->execute))
				return json_fail(in, "\"execute\" too long");
		} else if (where == 1 && !strcmp(key, "vcpu")) {
			int integer;

			if (json_number(in, &req->vcpu, &integer))
				return -1;
			if (!integer)
				return json_fail(in, "\"vcpu\" is not an integer");
			req->has_vcpu = true;
		} else if (json_value(in, depth + 1, req,
				      where == 0 && !strcmp(key, "arguments") ? 1 : 2)) {
			return -1;
		}
		json_ws(in);
		if (in->s[in->pos] == ',') {
			in->pos++;
			continue;
		}
		if (in->s[in->pos] == '}') {
			in->pos++;
			return 0;
		}
		return json_fail(in, "expected ',' or '}'");
	}
}

static int json_value(struct json_in *in, int depth, struct mon_request *req, int where)
{
	const char *p = in->s + in->pos;
	long v;
	int integer;

	if (depth > JSON_DEPTH_MAX)
		return json_fail(in, "nested too deeply");
	switch (*p) {
	case '{':
		return json_object(in, depth, req, where);
	case '[':
		in->pos++;
		json_ws(in);
		if (in->s[in->pos] == ']') {
			in->pos++;
			return 0;
		}
		for (;;) {
			json_ws(in);
			if (json_value(in, depth + 1, req, 2))
				return -1;
			json_ws(in);
			if (in->s[in->pos] == ',') {
				in->pos++;
				continue;
			}
			if (in->s[in->pos] == ']') {
				in->pos++;
				return 0;
			}
			return json_fail(in, "expected ',' or ']'");
		}
	case '"':
		return json_string(in, NULL, 0, NULL);
	case 't':
		if (!strncmp(p, "true", 4)) {
			in->pos += 4;
			return 0;
		}
		break;
	case 'f':
		if (!strncmp(p, "false", 5)) {
			in->pos += 5;
			return 0;
		}
		break;
	case 'n':
		if (!strncmp(p, "null", 4)) {
			in->pos += 4;
			return 0;
		}
		break;
	default:
		return json_number(in, &v, &integer);
	}
	return json_fail(in, "expected a value");
}

int mon_json_parse(const char *line, struct mon_request *req, char *err, size_t errlen)
{
	struct json_in in = {.s = line, .err = err, .errlen = errlen};

	memset(req, 0, sizeof(*req));
	if (errlen)
		err[0] = 0;
	json_ws(&in);
	if (line[in.pos] != '{')
		return json_fail(&in, "expected a JSON object");
	if (json_object(&in, 0, req, 0))
		return -1;
	json_ws(&in);
	if (line[in.pos])
		return json_fail(&in, "text after the object");
	return 0;
}

size_t mon_json_quote(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (n + 1 < outlen)                                                                \
			out[n] = (c);                                                              \
		n++;                                                                               \
	} while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c < 0x20) {
			char esc[8];

			snprintf(esc, sizeof(esc), "\\u%04x", c);
			for (char *e = esc; *e; e++)
				PUT(*e);
		} else {
			PUT((char)c);
		}
	}
	PUT('"');
#undef PUT
	if (outlen)
		out[n < outlen ? n : outlen - 1] = 0;
	return n;
}
