/* SPDX-License-Identifier: MIT */
/*
 * The device classes a virtio-mmio slot takes by name, the options parser
 * and the device-tree helpers every class's fdt_node shares (devclass.h).
 */
#include "devclass.h"

#include "core/error.h"

#include <inttypes.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct axvm_devclass *const devclass_table[] = {
    &axvm_virtio_blk_class, &axvm_virtio_console_class, &axvm_virtio_rng_class,
    &axvm_virtio_9p_class,  &axvm_virtio_net_class,
};

const struct axvm_devclass *axvm_devclass_find(const char *name)
{
	for (size_t i = 0; i < sizeof(devclass_table) / sizeof(devclass_table[0]); i++)
		if (strcmp(devclass_table[i]->name, name) == 0)
			return devclass_table[i];
	return NULL;
}

const char *axvm_devclass_names(void)
{
	static char names[256];

	/* Built once from the table, so that messages never list a stale set. */
	if (!names[0]) {
		size_t n = sizeof(devclass_table) / sizeof(devclass_table[0]), len = 0;

		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						i == 0	     ? ""
						: i + 1 == n ? " or "
							     : ", ",
						devclass_table[i]->name);
	}
	return names;
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

int axvm_devclass_fail_code(const struct axvm_devclass_ctx *ctx, const char *class_name, int ret)
{
	return axvm_devclass_fail(ctx, class_name, ret, "%s", axvm_strerror(ret));
}

int axvm_devclass_no_options(const struct axvm_devclass_ctx *ctx, const char *class_name)
{
	if (ctx->options && ctx->options[0])
		return axvm_devclass_fail(ctx, class_name, -AXVM_EINVAL,
					  "%s takes no options (got \"%s\")", class_name,
					  ctx->options);
	return 0;
}

int axvm_devclass_fdt_err(int fdt_ret)
{
	if (fdt_ret >= 0)
		return 0;
	return fdt_ret == -FDT_ERR_NOSPACE ? -AXVM_ENOMEM : -AXVM_EINVAL;
}

int axvm_devclass_fdt_subnode(void *fdt, int parent, const char *name, uint64_t base, int *node)
{
	char full[64];

	snprintf(full, sizeof(full), "%s@%" PRIx64, name, base);
	*node = fdt_add_subnode(fdt, parent, full);
	return axvm_devclass_fdt_err(*node);
}

int axvm_devclass_fdt_root_node(void *fdt, const char *name, int *node)
{
	*node = fdt_add_subnode(fdt, 0, name);
	if (*node == -FDT_ERR_EXISTS)
		*node = fdt_subnode_offset(fdt, 0, name);
	return axvm_devclass_fdt_err(*node);
}

int axvm_devclass_fdt_reg(void *fdt, int node, uint64_t base, uint64_t size)
{
	fdt64_t cells[2] = {cpu_to_fdt64(base), cpu_to_fdt64(size)};

	return axvm_devclass_fdt_err(fdt_setprop(fdt, node, "reg", cells, sizeof(cells)));
}

int axvm_devclass_fdt_strlist(void *fdt, int node, const char *prop, const char *const *list)
{
	int ret = fdt_setprop_string(fdt, node, prop, list[0]);

	for (unsigned i = 1; list[i] && ret >= 0; i++)
		ret = fdt_appendprop_string(fdt, node, prop, list[i]);
	return axvm_devclass_fdt_err(ret);
}

uint32_t axvm_devclass_fdt_phandle(const struct axvm_devclass_fdt_ctx *f)
{
	return (*f->next_phandle)++;
}
