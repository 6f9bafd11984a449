/* SPDX-License-Identifier: MIT */
/*
 * See monitor_json.h. Parsing and quoting are json-c's (Debian's
 * libjson-c): its tokener in strict mode with a depth bound, so this file
 * only picks out the two fields the monitor reads and words the errors.
 */
#include "runtime/monitor_json.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* Requests are flat; anything nested deeper is hostile or a mistake. */
#define JSON_DEPTH_MAX 8

static int json_fail(char *err, size_t errlen, const char *what, size_t at)
{
	if (errlen)
		snprintf(err, errlen, "%s at byte %zu", what, at);
	return -1;
}

/* The request's fields, read from a parsed object; `end` is the byte after it. */
static int json_fields(struct json_object *obj, struct mon_request *req, char *err, size_t errlen,
		       size_t end)
{
	struct json_object *execute, *args, *vcpu;

	if (!json_object_is_type(obj, json_type_object))
		return json_fail(err, errlen, "expected a JSON object", 0);
	if (json_object_object_get_ex(obj, "execute", &execute)) {
		const char *name = json_object_get_string(execute);

		if (!json_object_is_type(execute, json_type_string))
			return json_fail(err, errlen, "\"execute\" is not a string", end);
		if (strlen(name) >= sizeof(req->execute))
			return json_fail(err, errlen, "\"execute\" too long", end);
		memcpy(req->execute, name, strlen(name) + 1);
	}
	if (json_object_object_get_ex(obj, "arguments", &args) &&
	    json_object_is_type(args, json_type_object) &&
	    json_object_object_get_ex(args, "vcpu", &vcpu)) {
		if (!json_object_is_type(vcpu, json_type_int))
			return json_fail(err, errlen, "arguments.vcpu is not an integer", end);
		req->has_vcpu = true;
		req->vcpu = (long)json_object_get_int64(vcpu);
	}
	return 0;
}

int mon_json_parse(const char *line, struct mon_request *req, char *err, size_t errlen)
{
	size_t len = strlen(line), end;
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	struct json_object *obj;
	enum json_tokener_error jerr;
	int ret;

	memset(req, 0, sizeof(*req));
	if (errlen)
		err[0] = 0;
	if (!tok)
		return json_fail(err, errlen, "out of memory", 0);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, line, (int)len + 1); /* the NUL ends a bare value */
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!obj) {
		const char *why = jerr == json_tokener_continue || jerr == json_tokener_success
				      ? "unexpected end of line"
				      : json_tokener_error_desc(jerr);

		ret = json_fail(err, errlen, why, end);
	} else {
		/* The tokener stops after the object: only whitespace may follow. */
		end = end > len ? len : end;
		size_t rest = end + strspn(line + end, " \t\r\n");

		ret = rest < len ? json_fail(err, errlen, "text after the object", rest)
				 : json_fields(obj, req, err, errlen, end);
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return ret;
}

size_t mon_json_quote(const char *s, char *out, size_t outlen)
{
	struct json_object *str = json_object_new_string(s);
	const char *q =
	    str ? json_object_to_json_string_ext(str, JSON_C_TO_STRING_NOSLASHESCAPE) : "\"\"";
	size_t n = strlen(q);

	if (outlen) {
		size_t k = n < outlen ? n : outlen - 1;

		memcpy(out, q, k);
		out[k] = 0;
	}
	json_object_put(str);
	return n;
}
