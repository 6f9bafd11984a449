/* SPDX-License-Identifier: MIT */
/*
 * The monitor's JSON requests: {"execute": "NAME", "arguments": {...}}, as
 * QEMU's QMP shapes them, parsed by json-c (strict, nesting bounded); this
 * keeps what the monitor reads: the command name and an integer argument.
 */
#ifndef AXVM_RUNTIME_MONITOR_JSON_H
#define AXVM_RUNTIME_MONITOR_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct mon_request {
	char execute[64]; /* "" if absent */
	bool has_vcpu;
	long vcpu; /* arguments.vcpu */
};

/*
 * Parse one request line. 0, or -1 with a reason in err ("expected ':' at
 * byte 12"): malformed JSON, not an object, "execute" not a string or too
 * long, arguments.vcpu not an integer.
 */
int mon_json_parse(const char *line, struct mon_request *req, char *err, size_t errlen);
/* Write s as a JSON string (with quotes) into out; returns the length it needs. */
size_t mon_json_quote(const char *s, char *out, size_t outlen);

#endif
