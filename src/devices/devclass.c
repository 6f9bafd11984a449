/* SPDX-License-Identifier: MIT */
/* The device classes the board can build by name (devclass.h). */
#include "devclass.h"

#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct axvm_devclass *const devclass_table[] = {
    &axvm_virtio_blk_class,
    &axvm_virtio_console_class,
    &axvm_virtio_rng_class,
    &axvm_virtio_9p_class,
};

const struct axvm_devclass *axvm_devclass_find(const char *name)
{
	for (size_t i = 0; i < sizeof(devclass_table) / sizeof(devclass_table[0]); i++)
		if (strcmp(devclass_table[i]->name, name) == 0)
			return devclass_table[i];
	return NULL;
}

int axvm_devopt_next(const char **cursor, struct axvm_devopt *opt)
{
	const char *p = *cursor;
	size_t klen = 0, vlen = 0;
	bool in_value = false, too_long = false;

	memset(opt, 0, sizeof(*opt));
	if (!p || !*p)
		return 0;
	for (; *p; p++) {
		char c = *p;

		if (c == ',') {
			if (p[1] != ',')
				break;
			p++; /* ",," is a literal comma */
		} else if (c == '=' && !in_value) {
			/* What came so far was the key. */
			if (vlen >= sizeof(opt->key)) {
				too_long = true;
			} else {
				memcpy(opt->key, opt->value, vlen);
				klen = vlen;
			}
			vlen = 0;
			in_value = true;
			continue;
		}
		if (vlen + 1 >= sizeof(opt->value))
			too_long = true;
		else
			opt->value[vlen++] = c;
	}
	opt->key[klen] = 0;
	opt->value[vlen] = 0;
	*cursor = *p ? p + 1 : p;
	return too_long ? -AXVM_ERANGE : 1;
}

int axvm_devclass_fail(const struct axvm_devclass_ctx *ctx, const char *class_name, int ret,
		       const char *fmt, ...)
{
	char msg[AXVM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->origin)
		return axvm_error_set(ret, "%s %s", ctx->origin, msg);
	return axvm_error_set(ret, "%s: %s", class_name, msg);
}
