/* SPDX-License-Identifier: MIT */
/*
 * The switchable ISA extensions' names and the CPU-model parser
 * (axvm/riscv64.h): "rv64,zbb=off,svpbmt=false", as QEMU's -cpu properties.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "axvm/riscv64.h"

#include "core/error.h"

static const char *const isa_ext_names[AXVM_RISCV64_EXT_COUNT] = {
    [AXVM_RISCV64_EXT_ZBA] = "zba",
    [AXVM_RISCV64_EXT_ZBB] = "zbb",
    [AXVM_RISCV64_EXT_ZBC] = "zbc",
    [AXVM_RISCV64_EXT_ZBS] = "zbs",
    [AXVM_RISCV64_EXT_ZICOND] = "zicond",
    [AXVM_RISCV64_EXT_ZICBOM] = "zicbom",
    [AXVM_RISCV64_EXT_ZICBOP] = "zicbop",
    [AXVM_RISCV64_EXT_ZICBOZ] = "zicboz",
    [AXVM_RISCV64_EXT_ZIHINTPAUSE] = "zihintpause",
    [AXVM_RISCV64_EXT_ZIHINTNTL] = "zihintntl",
    [AXVM_RISCV64_EXT_ZAWRS] = "zawrs",
    [AXVM_RISCV64_EXT_ZKT] = "zkt",
    [AXVM_RISCV64_EXT_SVINVAL] = "svinval",
    [AXVM_RISCV64_EXT_SVPBMT] = "svpbmt",
    [AXVM_RISCV64_EXT_SVNAPOT] = "svnapot",
    [AXVM_RISCV64_EXT_SVADU] = "svadu",
    [AXVM_RISCV64_EXT_ZFHMIN] = "zfhmin",
    [AXVM_RISCV64_EXT_ZFH] = "zfh",
    [AXVM_RISCV64_EXT_ZFA] = "zfa",
    [AXVM_RISCV64_EXT_SSCOFPMF] = "sscofpmf",
    [AXVM_RISCV64_EXT_SVADE] = "svade",
};

const char *axvm_riscv64_ext_name(unsigned ext)
{
	return ext < AXVM_RISCV64_EXT_COUNT ? isa_ext_names[ext] : NULL;
}

/* Case-insensitive compare of [s, s + n) with the NUL-terminated name. */
static bool isa_ext_eq(const char *s, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n && name[i]; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return false;
	}
	return i == n && !name[i];
}

int axvm_riscv64_cpu_parse(const char *spec, uint64_t *ext_off, uint64_t *ext_on)
{
	uint64_t off = *ext_off, on_set = *ext_on;
	const char *p = spec, *end;

	if (!spec)
		return axvm_error_set(-AXVM_EINVAL, "cpu: no model given");
	end = strchr(p, ',');
	if (!end)
		end = p + strlen(p);
	if (!isa_ext_eq(p, (size_t)(end - p), "rv64"))
		return axvm_error_set(-AXVM_EINVAL, "cpu '%s': the model must be rv64", spec);
	while (*end == ',') {
		const char *item = end + 1, *eq;
		unsigned ext;
		bool on;

		end = strchr(item, ',');
		if (!end)
			end = item + strlen(item);
		eq = memchr(item, '=', (size_t)(end - item));
		if (!eq)
			return axvm_error_set(-AXVM_EINVAL, "cpu '%s': '%.*s' is not name=on|off",
					      spec, (int)(end - item), item);
		if (isa_ext_eq(eq + 1, (size_t)(end - eq - 1), "on") ||
		    isa_ext_eq(eq + 1, (size_t)(end - eq - 1), "true"))
			on = true;
		else if (isa_ext_eq(eq + 1, (size_t)(end - eq - 1), "off") ||
			 isa_ext_eq(eq + 1, (size_t)(end - eq - 1), "false"))
			on = false;
		else
			return axvm_error_set(-AXVM_EINVAL,
					      "cpu '%s': '%.*s': the value must be on or off", spec,
					      (int)(end - item), item);
		for (ext = 0; ext < AXVM_RISCV64_EXT_COUNT; ext++)
			if (isa_ext_eq(item, (size_t)(eq - item), isa_ext_names[ext]))
				break;
		if (ext == AXVM_RISCV64_EXT_COUNT) {
			char known[256];
			size_t n = 0;

			known[0] = 0;
			for (unsigned i = 0; i < AXVM_RISCV64_EXT_COUNT && n < sizeof(known); i++)
				n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s",
						      i ? " " : "", isa_ext_names[i]);
			return axvm_error_set(-AXVM_EINVAL,
					      "cpu '%s': unknown extension '%.*s' (known: %s)",
					      spec, (int)(eq - item), item, known);
		}
		if (on) {
			off &= ~(1ull << ext);
			on_set |= 1ull << ext;
		} else {
			off |= 1ull << ext;
			on_set &= ~(1ull << ext);
		}
	}
	*ext_off = off;
	*ext_on = on_set;
	return 0;
}
