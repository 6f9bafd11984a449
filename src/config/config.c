/* SPDX-License-Identifier: MIT */
/*
 * The AxVisor VM-config loader: TOML tree (toml.c) -> struct axvm_config,
 * then semantic validation. The format is the one of the reference crate
 * axvmconfig ([base], [kernel], [devices]); docs/config.md lists every key.
 *
 * Each table is described by a const field table (key, required, handler);
 * a key that no entry names is an error, because a typo in a VM config
 * (cpu_nums = 4) must not silently give a VM with defaults.
 *
 * Messages: errors found in the tree carry the node's position
 * ("vm.toml:12:5: kernel.memory_regions[1][2]: expected an integer, got a
 * string"); errors about a missing key or found by axvm_config_validate()
 * name the field ("vm.toml: kernel.entry_point: ...").
 */
#include <axvm/addrspace.h>
#include <axvm/config.h>
#include <axvm/log.h>
#include <axvm/riscv64.h>

#include "core/error.h"
#include "core/file.h"
#include "toml.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A config is a few KiB; anything this large is not one. */
#define CONFIG_FILE_MAX (16u << 20)
#define CONFIG_PATH_STR 96 /* room for the longest field path in messages */

struct config_ctx {
	const char *name;
	struct axvm_config *cfg;
	/* Cross-field checks run after the whole [base] table is read. */
	const struct toml_node *phys_cpu_ids;
	const struct toml_node *phys_cpu_sets;
	const struct toml_node *cpu_num;
};

struct config_field {
	const char *key;
	bool required;
	int (*parse)(struct config_ctx *cx, const struct toml_node *n, const char *path);
};

static int config_fail(struct config_ctx *cx, const struct toml_node *at, int code, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));

/* "name:line:col: msg" when a node is known, else "name: msg". */
static int config_fail(struct config_ctx *cx, const struct toml_node *at, int code, const char *fmt,
		       ...)
{
	char msg[AXVM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at)
		return axvm_error_set(code, "%s:%u:%u: %s", cx->name, at->pos.line, at->pos.col,
				      msg);
	return axvm_error_set(code, "%s: %s", cx->name, msg);
}

static int config_validate(const struct axvm_config *cfg);

static int config_expect(struct config_ctx *cx, const struct toml_node *n, enum toml_type type,
			 const char *path)
{
	if (n->type == type)
		return 0;
	return config_fail(cx, n, -AXVM_EINVAL, "%s: expected %s, got %s", path,
			   toml_type_name(type), toml_type_name(n->type));
}

/*
 * A non-negative integer. Addresses get their own message for a negative
 * value: "-0x1000" for an address is a common slip for a size or offset.
 */
static int config_u64(struct config_ctx *cx, const struct toml_node *n, const char *path,
		      bool is_addr, uint64_t *out)
{
	int ret = config_expect(cx, n, TOML_INTEGER, path);

	if (ret)
		return ret;
	if (n->negative) {
		if (is_addr)
			return config_fail(cx, n, -AXVM_ERANGE,
					   "%s: an address cannot be negative (got -0x%" PRIx64 ")",
					   path, n->mag);
		return config_fail(cx, n, -AXVM_ERANGE,
				   "%s: expected a non-negative integer, got -%" PRIu64, path,
				   n->mag);
	}
	*out = n->mag;
	return 0;
}

static int config_u32(struct config_ctx *cx, const struct toml_node *n, const char *path,
		      uint32_t *out)
{
	uint64_t v;
	int ret = config_u64(cx, n, path, false, &v);

	if (ret)
		return ret;
	if (v > UINT32_MAX)
		return config_fail(cx, n, -AXVM_ERANGE, "%s: 0x%" PRIx64 " does not fit in 32 bits",
				   path, v);
	*out = (uint32_t)v;
	return 0;
}

static int config_str(struct config_ctx *cx, const struct toml_node *n, const char *path, char *out,
		      size_t size)
{
	int ret = config_expect(cx, n, TOML_STRING, path);

	if (ret)
		return ret;
	if (n->str_len >= size)
		return config_fail(cx, n, -AXVM_ELIMIT, "%s: longer than %zu bytes", path,
				   size - 1);
	memcpy(out, n->str, n->str_len + 1);
	return 0;
}

/* path[i], for messages; paths are short, a cut one is still readable. */
static void config_index(char *out, const char *path, size_t i)
{
	if (snprintf(out, CONFIG_PATH_STR, "%s[%zu]", path, i) >= CONFIG_PATH_STR)
		out[CONFIG_PATH_STR - 1] = '\0';
}

/* An array of exactly `min`..`max` elements; `shape` describes it for messages. */
static int config_tuple(struct config_ctx *cx, const struct toml_node *n, const char *path,
			size_t min, size_t max, const char *shape)
{
	int ret = config_expect(cx, n, TOML_ARRAY, path);

	if (ret)
		return ret;
	if (n->count < min || n->count > max) {
		if (min == max)
			return config_fail(cx, n, -AXVM_EINVAL,
					   "%s: expected %zu elements %s, got %zu", path, min,
					   shape, n->count);
		return config_fail(cx, n, -AXVM_EINVAL,
				   "%s: expected %zu to %zu elements %s, got %zu", path, min, max,
				   shape, n->count);
	}
	return 0;
}

/* One element of a device tuple: what it is and where it goes in the struct. */
struct config_tuple_field {
	enum { CONFIG_FIELD_STR, CONFIG_FIELD_ADDR, CONFIG_FIELD_U64, CONFIG_FIELD_U32 } kind;
	size_t offset;
	size_t size; /* CONFIG_FIELD_STR: the buffer's size */
};

/* Parse the first `count` elements of tuple e (path p) into obj as `fields` say. */
static int config_fields(struct config_ctx *cx, const struct toml_node *e, const char *p,
			 const struct config_tuple_field *fields, size_t count, void *obj)
{
	char q[CONFIG_PATH_STR];
	int ret = 0;

	for (size_t i = 0; i < count && !ret; i++) {
		void *dst = (char *)obj + fields[i].offset;

		config_index(q, p, i);
		switch (fields[i].kind) {
		case CONFIG_FIELD_STR:
			ret = config_str(cx, e->items[i], q, dst, fields[i].size);
			break;
		case CONFIG_FIELD_ADDR:
		case CONFIG_FIELD_U64:
			ret = config_u64(cx, e->items[i], q, fields[i].kind == CONFIG_FIELD_ADDR,
					 dst);
			break;
		case CONFIG_FIELD_U32:
			ret = config_u32(cx, e->items[i], q, dst);
			break;
		}
	}
	return ret;
}

static int config_list(struct config_ctx *cx, const struct toml_node *n, const char *path,
		       size_t limit, const char *what)
{
	int ret = config_expect(cx, n, TOML_ARRAY, path);

	if (ret)
		return ret;
	if (n->count > limit)
		return config_fail(cx, n, -AXVM_ELIMIT, "%s: %zu %s exceed the limit of %zu", path,
				   n->count, what, limit);
	return 0;
}

/* ---- [base] ---- */

static int base_id(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	return config_u64(cx, n, path, false, &cx->cfg->id);
}

static int base_name(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	return config_str(cx, n, path, cx->cfg->name, sizeof(cx->cfg->name));
}

static int base_vm_type(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	uint64_t v;
	int ret = config_u64(cx, n, path, false, &v);

	if (ret)
		return ret;
	if (v > AXVM_VM_TYPE_LINUX)
		return config_fail(cx, n, -AXVM_EINVAL,
				   "%s: unknown VM type %" PRIu64 " (0 host, 1 RTOS, 2 Linux)",
				   path, v);
	cx->cfg->vm_type = (enum axvm_vm_type)v;
	return 0;
}

static int base_cpu_num(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	uint64_t v;
	int ret = config_u64(cx, n, path, false, &v);

	if (ret)
		return ret;
	if (v > AXVM_CONFIG_MAX_VCPUS)
		return config_fail(cx, n, -AXVM_ELIMIT,
				   "%s: %" PRIu64 " exceeds the limit of %d vCPUs", path, v,
				   AXVM_CONFIG_MAX_VCPUS);
	cx->cfg->cpu_num = (unsigned)v;
	cx->cpu_num = n;
	return 0;
}

static int base_phys_cpu_ids(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	char p[CONFIG_PATH_STR];
	int ret = config_list(cx, n, path, AXVM_CONFIG_MAX_VCPUS, "entries");

	if (ret)
		return ret;
	for (size_t i = 0; i < n->count; i++) {
		uint64_t v;

		config_index(p, path, i);
		ret = config_u64(cx, n->items[i], p, false, &v);
		if (ret)
			return ret;
		if (v > INT32_MAX)
			return config_fail(cx, n->items[i], -AXVM_ERANGE,
					   "%s: CPU id %" PRIu64 " is out of range", p, v);
		cx->cfg->phys_cpu_ids[i] = (int)v;
	}
	cx->cfg->has_phys_cpu_ids = true;
	cx->phys_cpu_ids = n;
	return 0;
}

static int base_phys_cpu_sets(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	char p[CONFIG_PATH_STR];
	int ret = config_list(cx, n, path, AXVM_CONFIG_MAX_VCPUS, "entries");

	if (ret)
		return ret;
	for (size_t i = 0; i < n->count; i++) {
		config_index(p, path, i);
		ret = config_u64(cx, n->items[i], p, false, &cx->cfg->phys_cpu_sets[i]);
		if (ret)
			return ret;
	}
	cx->cfg->has_phys_cpu_sets = true;
	cx->phys_cpu_sets = n;
	return 0;
}

static const struct config_field config_base_fields[] = {
    {"id", true, base_id},
    {"name", true, base_name},
    {"vm_type", false, base_vm_type},
    {"cpu_num", true, base_cpu_num},
    {"phys_cpu_ids", false, base_phys_cpu_ids},
    {"phys_cpu_sets", false, base_phys_cpu_sets},
    {NULL, false, NULL},
};

/* The per-vCPU lists give one entry per vCPU: the struct cannot hold a mismatch. */
static int base_check_lists(struct config_ctx *cx)
{
	const struct toml_node *lists[2] = {cx->phys_cpu_ids, cx->phys_cpu_sets};
	static const char *const names[2] = {"base.phys_cpu_ids", "base.phys_cpu_sets"};

	for (int i = 0; i < 2; i++) {
		if (lists[i] && lists[i]->count != cx->cfg->cpu_num)
			return config_fail(cx, lists[i], -AXVM_EINVAL,
					   "%s: has %zu entr%s but base.cpu_num is %u", names[i],
					   lists[i]->count, lists[i]->count == 1 ? "y" : "ies",
					   cx->cfg->cpu_num);
	}
	return 0;
}

/* ---- [kernel] ---- */

static int kernel_entry_point(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	int ret = config_u64(cx, n, path, true, &cx->cfg->bsp_entry);

	cx->cfg->ap_entry = cx->cfg->bsp_entry;
	return ret;
}

#define CONFIG_STR_FIELD(fn, member)                                                               \
	static int fn(struct config_ctx *cx, const struct toml_node *n, const char *path)          \
	{                                                                                          \
		return config_str(cx, n, path, cx->cfg->member, sizeof(cx->cfg->member));          \
	}
#define CONFIG_ADDR_FIELD(fn, member, has)                                                         \
	static int fn(struct config_ctx *cx, const struct toml_node *n, const char *path)          \
	{                                                                                          \
		bool *has_ = has;                                                                  \
		if (has_)                                                                          \
			*has_ = true;                                                              \
		return config_u64(cx, n, path, true, &cx->cfg->member);                            \
	}

CONFIG_STR_FIELD(kernel_kernel_path, kernel_path)
CONFIG_STR_FIELD(kernel_bios_path, bios_path)
CONFIG_STR_FIELD(kernel_dtb_path, dtb_path)
CONFIG_STR_FIELD(kernel_ramdisk_path, ramdisk_path)
CONFIG_STR_FIELD(kernel_cmdline, cmdline)
CONFIG_STR_FIELD(kernel_disk_path, disk_path)
CONFIG_ADDR_FIELD(kernel_kernel_load_addr, kernel_load_addr, NULL)
CONFIG_ADDR_FIELD(kernel_bios_load_addr, bios_load_addr, NULL)
CONFIG_ADDR_FIELD(kernel_dtb_load_addr, dtb_load_addr, &cx->cfg->has_dtb_load_addr)
CONFIG_ADDR_FIELD(kernel_ramdisk_load_addr, ramdisk_load_addr, &cx->cfg->has_ramdisk_load_addr)

static int kernel_image_location(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	int ret = config_expect(cx, n, TOML_STRING, path);

	if (ret)
		return ret;
	if (strcmp(n->str, "fs") != 0 && strcmp(n->str, "memory") != 0)
		return config_fail(
		    cx, n, -AXVM_EINVAL,
		    "%s: unknown image location \"%s\" (expected \"fs\" or \"memory\")", path,
		    n->str);
	snprintf(cx->cfg->image_location, sizeof(cx->cfg->image_location), "%s", n->str);
	return 0;
}

static int kernel_memory_regions(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	char p[CONFIG_PATH_STR], q[CONFIG_PATH_STR];
	int ret = config_list(cx, n, path, AXVM_CONFIG_MAX_REGIONS, "regions");

	if (ret)
		return ret;
	for (size_t i = 0; i < n->count; i++) {
		const struct toml_node *e = n->items[i];
		struct axvm_mem_region *r = &cx->cfg->regions[i];
		uint64_t map_type;

		config_index(p, path, i);
		ret = config_tuple(cx, e, p, 4, 5, "[gpa, size, flags, map_type(, hpa)]");
		if (ret)
			return ret;
		config_index(q, p, 0);
		ret = config_u64(cx, e->items[0], q, true, &r->gpa);
		if (ret)
			return ret;
		config_index(q, p, 1);
		ret = config_u64(cx, e->items[1], q, false, &r->size);
		if (ret)
			return ret;
		config_index(q, p, 2);
		ret = config_u32(cx, e->items[2], q, &r->flags);
		if (ret)
			return ret;
		config_index(q, p, 3);
		ret = config_u64(cx, e->items[3], q, false, &map_type);
		if (ret)
			return ret;
		if (map_type > AXVM_MAP_LAZY)
			return config_fail(cx, e->items[3], -AXVM_EINVAL,
					   "%s: unknown map_type %" PRIu64
					   " (0 alloc, 1 identical, 2 reserved, 3 lazy)",
					   q, map_type);
		r->map_type = (enum axvm_map_type)map_type;
		r->hpa = r->gpa;
		if (e->count == 5) {
			config_index(q, p, 4);
			if (r->map_type != AXVM_MAP_RESERVED)
				return config_fail(
				    cx, e->items[4], -AXVM_EINVAL,
				    "%s: a host address is only allowed with map_type "
				    "2 (reserved)",
				    q);
			ret = config_u64(cx, e->items[4], q, true, &r->hpa);
			if (ret)
				return ret;
		}
		cx->cfg->region_count = (unsigned)i + 1;
	}
	return 0;
}

static const struct config_field config_kernel_fields[] = {
    {"entry_point", true, kernel_entry_point},
    {"kernel_path", true, kernel_kernel_path},
    {"kernel_load_addr", true, kernel_kernel_load_addr},
    {"bios_path", false, kernel_bios_path},
    {"bios_load_addr", false, kernel_bios_load_addr},
    {"dtb_path", false, kernel_dtb_path},
    {"dtb_load_addr", false, kernel_dtb_load_addr},
    {"ramdisk_path", false, kernel_ramdisk_path},
    {"ramdisk_load_addr", false, kernel_ramdisk_load_addr},
    {"image_location", false, kernel_image_location},
    {"cmdline", false, kernel_cmdline},
    {"disk_path", false, kernel_disk_path},
    {"memory_regions", true, kernel_memory_regions},
    {NULL, false, NULL},
};

/* ---- [devices] ---- */

static const struct config_tuple_field passthrough_fields[] = {
    {CONFIG_FIELD_STR, offsetof(struct axvm_passthrough_device, name),
     sizeof(((struct axvm_passthrough_device *)0)->name)},
    {CONFIG_FIELD_ADDR, offsetof(struct axvm_passthrough_device, base_gpa), 0},
    {CONFIG_FIELD_ADDR, offsetof(struct axvm_passthrough_device, base_hpa), 0},
    {CONFIG_FIELD_U64, offsetof(struct axvm_passthrough_device, length), 0},
    {CONFIG_FIELD_U32, offsetof(struct axvm_passthrough_device, irq_id), 0},
};

static const struct config_tuple_field emu_fields[] = {
    {CONFIG_FIELD_STR, offsetof(struct axvm_emu_device, name),
     sizeof(((struct axvm_emu_device *)0)->name)},
    {CONFIG_FIELD_ADDR, offsetof(struct axvm_emu_device, base_gpa), 0},
    {CONFIG_FIELD_U64, offsetof(struct axvm_emu_device, length), 0},
    {CONFIG_FIELD_U32, offsetof(struct axvm_emu_device, irq_id), 0},
    {CONFIG_FIELD_U32, offsetof(struct axvm_emu_device, emu_type), 0},
};

static int devices_passthrough(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	char p[CONFIG_PATH_STR];
	int ret = config_list(cx, n, path, AXVM_CONFIG_MAX_DEVICES, "devices");

	if (ret)
		return ret;
	for (size_t i = 0; i < n->count; i++) {
		const struct toml_node *e = n->items[i];
		struct axvm_passthrough_device *d = &cx->cfg->passthrough[i];

		config_index(p, path, i);
		/* Newer AxVisor resolves ["/node"] from the host's device tree; we have none. */
		if (e->type == TOML_ARRAY && e->count == 1 && e->items[0]->type == TOML_STRING)
			return config_fail(cx, e, -AXVM_ENOTSUP,
					   "%s: a device-tree path alone is not supported; give "
					   "[name, base_gpa, base_hpa, length, irq_id]",
					   p);
		ret = config_tuple(cx, e, p, 5, 5, "[name, base_gpa, base_hpa, length, irq_id]");
		if (!ret)
			ret = config_fields(cx, e, p, passthrough_fields, 5, d);
		if (ret)
			return ret;
		cx->cfg->passthrough_count = (unsigned)i + 1;
	}
	return 0;
}

static int devices_emu_cfg(struct config_ctx *cx, const struct toml_node *n, const char *path,
			   struct axvm_emu_device *d)
{
	char p[CONFIG_PATH_STR];
	int ret = config_list(cx, n, path, AXVM_CONFIG_MAX_CFG_LIST, "values");

	if (ret)
		return ret;
	for (size_t i = 0; i < n->count; i++) {
		config_index(p, path, i);
		ret = config_u64(cx, n->items[i], p, false, &d->cfg_list[i]);
		if (ret)
			return ret;
	}
	d->cfg_count = (unsigned)n->count;
	return 0;
}

static int devices_emu(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	char p[CONFIG_PATH_STR], q[CONFIG_PATH_STR];
	int ret = config_list(cx, n, path, AXVM_CONFIG_MAX_DEVICES, "devices");

	if (ret)
		return ret;
	for (size_t i = 0; i < n->count; i++) {
		const struct toml_node *e = n->items[i];
		struct axvm_emu_device *d = &cx->cfg->emu_devices[i];

		config_index(p, path, i);
		ret = config_tuple(
		    cx, e, p, 5, 6,
		    "[name, base_gpa, length, irq_id, emu_type(, cfg_list or a NIC's options)]");
		if (ret)
			return ret;
		ret = config_fields(cx, e, p, emu_fields, 5, d);
		if (ret)
			return ret;
		/* The reference's EmulatedDeviceType is a u8; unknown values are kept for the
		 * board. */
		config_index(q, p, 4);
		if (d->emu_type > 0xff)
			return config_fail(cx, e->items[4], -AXVM_ERANGE,
					   "%s: emu_type 0x%x is out of range (0 to 0xff)", q,
					   d->emu_type);
		if (e->count == 6 && e->items[5]->type == TOML_STRING &&
		    d->emu_type == AXVM_EMU_VIRTIO_NET) {
			/* A NIC's options as --net takes them (axvm's addition). */
			config_index(q, p, 5);
			ret = config_str(cx, e->items[5], q, d->options, sizeof(d->options));
			if (ret)
				return ret;
		} else if (e->count == 6) {
			config_index(q, p, 5);
			ret = devices_emu_cfg(cx, e->items[5], q, d);
			if (ret)
				return ret;
		}
		cx->cfg->emu_device_count = (unsigned)i + 1;
	}
	return 0;
}

static int devices_interrupt_mode(struct config_ctx *cx, const struct toml_node *n,
				  const char *path)
{
	static const struct {
		const char *name;
		enum axvm_interrupt_mode mode;
	} modes[] = {
	    {"no_irq", AXVM_INTERRUPT_MODE_NO_IRQ},
	    {"no", AXVM_INTERRUPT_MODE_NO_IRQ},
	    {"none", AXVM_INTERRUPT_MODE_NO_IRQ},
	    {"emu", AXVM_INTERRUPT_MODE_EMULATED},
	    {"emulated", AXVM_INTERRUPT_MODE_EMULATED},
	    {"passthrough", AXVM_INTERRUPT_MODE_PASSTHROUGH},
	    {"pt", AXVM_INTERRUPT_MODE_PASSTHROUGH},
	};
	int ret = config_expect(cx, n, TOML_STRING, path);

	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(n->str, modes[i].name) == 0) {
			cx->cfg->interrupt_mode = modes[i].mode;
			return 0;
		}
	}
	return config_fail(cx, n, -AXVM_EINVAL,
			   "%s: unknown interrupt mode \"%s\" (expected \"no_irq\", \"emulated\" "
			   "or \"passthrough\")",
			   path, n->str);
}

/* Accepted for compatibility, not used: device-tree paths to leave out. */
static int devices_excluded(struct config_ctx *cx, const struct toml_node *n, const char *path)
{
	char p[CONFIG_PATH_STR], q[CONFIG_PATH_STR];
	int ret = config_expect(cx, n, TOML_ARRAY, path);

	if (ret)
		return ret;
	for (size_t i = 0; i < n->count; i++) {
		const struct toml_node *e = n->items[i];

		config_index(p, path, i);
		if (e->type == TOML_STRING)
			continue;
		if (e->type != TOML_ARRAY)
			return config_fail(cx, e, -AXVM_EINVAL,
					   "%s: expected a string or an array of strings, got %s",
					   p, toml_type_name(e->type));
		for (size_t j = 0; j < e->count; j++) {
			config_index(q, p, j);
			ret = config_expect(cx, e->items[j], TOML_STRING, q);
			if (ret)
				return ret;
		}
	}
	axvm_debug("%s: %s: %zu entries accepted and ignored", cx->name, path, n->count);
	return 0;
}

/* Accepted for compatibility, not used: [base_gpa, length] host ranges. */
static int devices_passthrough_addresses(struct config_ctx *cx, const struct toml_node *n,
					 const char *path)
{
	char p[CONFIG_PATH_STR], q[CONFIG_PATH_STR];
	int ret = config_expect(cx, n, TOML_ARRAY, path);

	if (ret)
		return ret;
	for (size_t i = 0; i < n->count; i++) {
		uint64_t v;

		config_index(p, path, i);
		ret = config_tuple(cx, n->items[i], p, 2, 2, "[base_gpa, length]");
		if (ret)
			return ret;
		for (size_t j = 0; j < 2; j++) {
			config_index(q, p, j);
			ret = config_u64(cx, n->items[i]->items[j], q, j == 0, &v);
			if (ret)
				return ret;
		}
	}
	axvm_debug("%s: %s: %zu entries accepted and ignored", cx->name, path, n->count);
	return 0;
}

static const struct config_field config_devices_fields[] = {
    {"passthrough_devices", false, devices_passthrough},
    {"emu_devices", false, devices_emu},
    {"interrupt_mode", false, devices_interrupt_mode},
    {"excluded_devices", false, devices_excluded},
    {"passthrough_addresses", false, devices_passthrough_addresses},
    {NULL, false, NULL},
};

/* ---- tables ---- */

/*
 * Unknown keys are reported first and in file order, so the message points
 * at the first typo rather than at a "missing" key it caused.
 */
static int config_table(struct config_ctx *cx, const struct toml_node *t, const char *tname,
			const struct config_field *fields)
{
	char path[CONFIG_PATH_STR];
	int ret;

	for (size_t i = 0; i < t->count; i++) {
		const struct config_field *f = fields;

		while (f->key && strcmp(f->key, t->items[i]->key) != 0)
			f++;
		if (!f->key) {
			struct toml_node at = {.pos = t->items[i]->key_pos};

			return config_fail(cx, &at, -AXVM_EINVAL, "%s.%s: unknown key", tname,
					   t->items[i]->key);
		}
	}
	for (const struct config_field *f = fields; f->key; f++) {
		const struct toml_node *n = toml_get(t, f->key);

		if (snprintf(path, sizeof(path), "%s.%s", tname, f->key) >= (int)sizeof(path))
			path[sizeof(path) - 1] = '\0';
		if (!n) {
			if (f->required)
				return config_fail(cx, NULL, -AXVM_EINVAL,
						   "%s: required key is missing", path);
			continue;
		}
		ret = f->parse(cx, n, path);
		if (ret)
			return ret;
	}
	return 0;
}

static const struct {
	const char *name;
	bool required;
	const struct config_field *fields;
} config_tables[] = {
    {"base", true, config_base_fields},
    {"kernel", true, config_kernel_fields},
    {"devices", false, config_devices_fields},
};

#define CONFIG_NTABLES (sizeof(config_tables) / sizeof(config_tables[0]))

static int config_from_tree(struct config_ctx *cx, const struct toml_node *root)
{
	int ret;

	for (size_t i = 0; i < root->count; i++) {
		const struct toml_node *n = root->items[i];
		size_t j = 0;

		while (j < CONFIG_NTABLES && strcmp(config_tables[j].name, n->key) != 0)
			j++;
		if (j == CONFIG_NTABLES) {
			struct toml_node at = {.pos = n->key_pos};

			return config_fail(
			    cx, &at, -AXVM_EINVAL,
			    "%s: unknown %s (expected [base], [kernel] or [devices])", n->key,
			    n->type == TOML_TABLE ? "table" : "key");
		}
		ret = config_expect(cx, n, TOML_TABLE, n->key);
		if (ret)
			return ret;
	}
	for (size_t j = 0; j < CONFIG_NTABLES; j++) {
		const struct toml_node *t = toml_get(root, config_tables[j].name);

		if (!t) {
			if (config_tables[j].required)
				return config_fail(cx, NULL, -AXVM_EINVAL,
						   "%s: required table [%s] is missing",
						   config_tables[j].name, config_tables[j].name);
			continue;
		}
		ret = config_table(cx, t, config_tables[j].name, config_tables[j].fields);
		if (ret)
			return ret;
		if (j == 0) {
			ret = base_check_lists(cx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- public API ---- */

void axvm_config_init(struct axvm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpu_num = 1;
	cfg->vm_type = AXVM_VM_TYPE_RTOS; /* the reference's default */
	for (unsigned i = 0; i < AXVM_CONFIG_MAX_VCPUS; i++)
		cfg->phys_cpu_ids[i] = -1;
	snprintf(cfg->image_location, sizeof(cfg->image_location), "fs");
	cfg->interrupt_mode = AXVM_INTERRUPT_MODE_NO_IRQ;
	/* The only backend so far; the VM layer itself names none. */
	cfg->vcpu_ops = axvm_riscv64_vcpu_ops();
}

static int config_parse(const char *text, size_t len, const char *name, struct axvm_config *cfg)
{
	struct config_ctx cx = {.name = name ? name : "<config>", .cfg = cfg};
	struct toml_node *root;
	int ret;

	axvm_config_init(cfg);
	if (!text && len)
		return config_fail(&cx, NULL, -AXVM_EINVAL, "no text to parse");
	ret = toml_parse(text ? text : "", len, cx.name, &root);
	if (ret)
		return ret;
	ret = config_from_tree(&cx, root);
	toml_free(root);
	if (ret)
		return ret;
	ret = config_validate(cfg);
	if (ret)
		return axvm_error_wrap(ret, "%s", cx.name);
	return 0;
}

int axvm_config_parse(const char *text, size_t len, const char *name, struct axvm_config *cfg,
		      char *err, size_t errlen)
{
	return axvm_error_to_buf(config_parse(text, len, name, cfg), err, errlen);
}

static int config_load(const char *path, struct axvm_config *cfg)
{
	struct config_ctx cx = {.name = path, .cfg = cfg};
	char ebuf[128];
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int fd, ret;

	axvm_config_init(cfg);
	if (!path)
		return axvm_error_set(-AXVM_EINVAL, "config: no path");
	ret = axvm_file_open_regular(path, &fd, &st);
	if (ret)
		return ret;
	if ((uint64_t)st.st_size > CONFIG_FILE_MAX) {
		close(fd);
		return config_fail(&cx, NULL, -AXVM_ELIMIT, "file is larger than %u MiB",
				   CONFIG_FILE_MAX >> 20);
	}
	/* Read to EOF rather than trusting st_size: /proc files report 0. */
	for (size_t cap = 0;;) {
		ssize_t n;

		if (len == cap) {
			char *p;

			if (cap >= CONFIG_FILE_MAX) {
				free(text);
				close(fd);
				return config_fail(&cx, NULL, -AXVM_ELIMIT,
						   "file is larger than %u MiB",
						   CONFIG_FILE_MAX >> 20);
			}
			cap = cap ? cap * 2 : 8192;
			p = realloc(text, cap);
			if (!p) {
				free(text);
				close(fd);
				return config_fail(&cx, NULL, -AXVM_ENOMEM, "out of memory");
			}
			text = p;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(text);
			goto sys_error_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	ret = config_parse(text, len, path, cfg);
	free(text);
	return ret;

sys_error_close:
	ret = errno;
	close(fd);
	return config_fail(&cx, NULL, ret == ENOENT ? -AXVM_ENOENT : -AXVM_EIO, "%s",
			   strerror_r(ret, ebuf, sizeof(ebuf)));
}

int axvm_config_load(const char *path, struct axvm_config *cfg, char *err, size_t errlen)
{
	return axvm_error_to_buf(config_load(path, cfg), err, errlen);
}

/* ---- validation ---- */

/* Last byte of [base, base + size), or false if the range wraps past 2^64. */
static bool validate_last(uint64_t base, uint64_t size, uint64_t *last)
{
	*last = base + size - 1;
	return *last >= base;
}

/* Index of the region containing addr, or -1. */
static int validate_find_region(const struct axvm_config *cfg, uint64_t addr)
{
	for (unsigned i = 0; i < cfg->region_count; i++) {
		const struct axvm_mem_region *r = &cfg->regions[i];

		if (addr >= r->gpa && addr - r->gpa < r->size)
			return (int)i;
	}
	return -1;
}

static int validate_cpus(const struct axvm_config *cfg)
{
	if (cfg->cpu_num < 1)
		return axvm_error_set(-AXVM_EINVAL, "base.cpu_num: must be at least 1");
	if (cfg->cpu_num > AXVM_CONFIG_MAX_VCPUS)
		return axvm_error_set(-AXVM_ELIMIT,
				      "base.cpu_num: %u exceeds the limit of %d vCPUs",
				      cfg->cpu_num, AXVM_CONFIG_MAX_VCPUS);
	for (unsigned i = 0; cfg->has_phys_cpu_ids && i < cfg->cpu_num; i++) {
		int id = cfg->phys_cpu_ids[i];

		if (id < 0 || id >= 64)
			return axvm_error_set(
			    -AXVM_ERANGE,
			    "base.phys_cpu_ids[%u]: CPU %d is outside the 64 CPUs a "
			    "CPU mask can address",
			    i, id);
	}
	for (unsigned i = 0; cfg->has_phys_cpu_sets && i < cfg->cpu_num; i++) {
		if (!cfg->phys_cpu_sets[i])
			return axvm_error_set(-AXVM_EINVAL,
					      "base.phys_cpu_sets[%u]: empty CPU mask", i);
	}
	return 0;
}

static int validate_regions(const struct axvm_config *cfg)
{
	const uint64_t page_mask = AXVM_PAGE_SIZE - 1;

	if (cfg->region_count > AXVM_CONFIG_MAX_REGIONS)
		return axvm_error_set(-AXVM_ELIMIT,
				      "kernel.memory_regions: %u regions exceed the limit of %d",
				      cfg->region_count, AXVM_CONFIG_MAX_REGIONS);
	for (unsigned i = 0; i < cfg->region_count; i++) {
		const struct axvm_mem_region *r = &cfg->regions[i];
		uint64_t last;

		if (r->size == 0)
			return axvm_error_set(-AXVM_EINVAL,
					      "kernel.memory_regions[%u]: size is zero", i);
		if (r->gpa & page_mask)
			return axvm_error_set(-AXVM_EALIGN,
					      "kernel.memory_regions[%u]: gpa 0x%" PRIx64
					      " is not 4 KiB-aligned",
					      i, r->gpa);
		if (r->size & page_mask)
			return axvm_error_set(-AXVM_EALIGN,
					      "kernel.memory_regions[%u]: size 0x%" PRIx64
					      " is not a multiple of 4 KiB",
					      i, r->size);
		if (!validate_last(r->gpa, r->size, &last))
			return axvm_error_set(-AXVM_ERANGE,
					      "kernel.memory_regions[%u]: 0x%" PRIx64
					      " + 0x%" PRIx64 " overflows the address space",
					      i, r->gpa, r->size);
		if (r->flags & ~(uint32_t)AXVM_MEM_ALL_FLAGS)
			return axvm_error_set(
			    -AXVM_EINVAL,
			    "kernel.memory_regions[%u]: unknown flag bits 0x%x (known: "
			    "0x%x)",
			    i, r->flags & ~(uint32_t)AXVM_MEM_ALL_FLAGS,
			    (unsigned)AXVM_MEM_ALL_FLAGS);
		if ((unsigned)r->map_type > AXVM_MAP_LAZY)
			return axvm_error_set(-AXVM_EINVAL,
					      "kernel.memory_regions[%u]: unknown map_type %u", i,
					      (unsigned)r->map_type);
		if (r->map_type == AXVM_MAP_IDENTICAL && r->hpa != r->gpa)
			return axvm_error_set(
			    -AXVM_EINVAL,
			    "kernel.memory_regions[%u]: identical mapping with hpa 0x%" PRIx64
			    " != gpa 0x%" PRIx64,
			    i, r->hpa, r->gpa);
		if (r->map_type == AXVM_MAP_RESERVED) {
			if (r->hpa & page_mask)
				return axvm_error_set(-AXVM_EALIGN,
						      "kernel.memory_regions[%u]: hpa 0x%" PRIx64
						      " is not 4 KiB-aligned",
						      i, r->hpa);
			if (!validate_last(r->hpa, r->size, &last))
				return axvm_error_set(-AXVM_ERANGE,
						      "kernel.memory_regions[%u]: hpa 0x%" PRIx64
						      " + 0x%" PRIx64
						      " overflows the address space",
						      i, r->hpa, r->size);
		}
		for (unsigned j = 0; j < i; j++) {
			const struct axvm_mem_region *o = &cfg->regions[j];
			uint64_t olast;

			validate_last(o->gpa, o->size, &olast);
			validate_last(r->gpa, r->size, &last);
			if (r->gpa <= olast && o->gpa <= last)
				return axvm_error_set(-AXVM_EOVERLAP,
						      "kernel.memory_regions[%u]: overlaps "
						      "memory_regions[%u] at 0x%" PRIx64,
						      i, j, r->gpa > o->gpa ? r->gpa : o->gpa);
		}
	}
	return 0;
}

static int validate_in_memory(const struct axvm_config *cfg, const char *field, uint64_t addr,
			      bool exec)
{
	int r = validate_find_region(cfg, addr);

	if (r < 0)
		return axvm_error_set(
		    -AXVM_ERANGE, "%s: 0x%" PRIx64 " is outside every memory region", field, addr);
	if (exec && !(cfg->regions[r].flags & AXVM_MEM_EXEC))
		return axvm_error_set(-AXVM_EPERM,
				      "%s: 0x%" PRIx64
				      " is in kernel.memory_regions[%d], which is not executable "
				      "(flags 0x%x)",
				      field, addr, r, cfg->regions[r].flags);
	return 0;
}

static int validate_images(const struct axvm_config *cfg)
{
	int ret = validate_in_memory(cfg, "kernel.entry_point", cfg->bsp_entry, true);

	if (!ret && cfg->ap_entry != cfg->bsp_entry)
		ret = validate_in_memory(cfg, "ap_entry", cfg->ap_entry, true);
	if (!ret && cfg->kernel_path[0])
		ret = validate_in_memory(cfg, "kernel.kernel_load_addr", cfg->kernel_load_addr,
					 false);
	if (!ret && cfg->bios_path[0])
		ret = validate_in_memory(cfg, "kernel.bios_load_addr", cfg->bios_load_addr, false);
	if (!ret && cfg->has_dtb_load_addr)
		ret = validate_in_memory(cfg, "kernel.dtb_load_addr", cfg->dtb_load_addr, false);
	if (!ret && cfg->has_ramdisk_load_addr)
		ret = validate_in_memory(cfg, "kernel.ramdisk_load_addr", cfg->ramdisk_load_addr,
					 false);
	return ret;
}

/*
 * Device k of the emulated devices followed by the passthrough ones: its
 * guest range and its name for messages (no allocation, so validation never
 * fails for lack of memory).
 */
static void validate_device(const struct axvm_config *cfg, unsigned k, uint64_t *base,
			    uint64_t *length, char *field, size_t fieldlen)
{
	if (k < cfg->emu_device_count) {
		*base = cfg->emu_devices[k].base_gpa;
		*length = cfg->emu_devices[k].length;
		snprintf(field, fieldlen, "devices.emu_devices[%u]", k);
	} else {
		k -= cfg->emu_device_count;
		*base = cfg->passthrough[k].base_gpa;
		*length = cfg->passthrough[k].length;
		snprintf(field, fieldlen, "devices.passthrough_devices[%u]", k);
	}
}

static int validate_devices(const struct axvm_config *cfg)
{
	const uint64_t page_mask = AXVM_PAGE_SIZE - 1;
	unsigned n;

	if (cfg->emu_device_count > AXVM_CONFIG_MAX_DEVICES)
		return axvm_error_set(-AXVM_ELIMIT,
				      "devices.emu_devices: %u devices exceed the limit of %d",
				      cfg->emu_device_count, AXVM_CONFIG_MAX_DEVICES);
	if (cfg->passthrough_count > AXVM_CONFIG_MAX_DEVICES)
		return axvm_error_set(
		    -AXVM_ELIMIT, "devices.passthrough_devices: %u devices exceed the limit of %d",
		    cfg->passthrough_count, AXVM_CONFIG_MAX_DEVICES);
	if ((unsigned)cfg->interrupt_mode > AXVM_INTERRUPT_MODE_PASSTHROUGH)
		return axvm_error_set(-AXVM_EINVAL, "devices.interrupt_mode: unknown mode %u",
				      (unsigned)cfg->interrupt_mode);
	for (unsigned i = 0; i < cfg->emu_device_count; i++) {
		if (cfg->emu_devices[i].cfg_count > AXVM_CONFIG_MAX_CFG_LIST)
			return axvm_error_set(-AXVM_ELIMIT,
					      "devices.emu_devices[%u][5]: %u values exceed the "
					      "limit of %d",
					      i, cfg->emu_devices[i].cfg_count,
					      AXVM_CONFIG_MAX_CFG_LIST);
	}
	for (unsigned i = 0; i < cfg->passthrough_count; i++) {
		const struct axvm_passthrough_device *d = &cfg->passthrough[i];
		uint64_t last;

		/* Passthrough ranges are mapped page by page into the guest. */
		if ((d->base_gpa | d->base_hpa | d->length) & page_mask)
			return axvm_error_set(-AXVM_EALIGN,
					      "devices.passthrough_devices[%u]: base_gpa 0x%" PRIx64
					      ", base_hpa 0x%" PRIx64 " and length 0x%" PRIx64
					      " must be 4 KiB-aligned",
					      i, d->base_gpa, d->base_hpa, d->length);
		if (d->length && !validate_last(d->base_hpa, d->length, &last))
			return axvm_error_set(-AXVM_ERANGE,
					      "devices.passthrough_devices[%u]: base_hpa 0x%" PRIx64
					      " + 0x%" PRIx64 " overflows the address space",
					      i, d->base_hpa, d->length);
	}

	n = cfg->emu_device_count + cfg->passthrough_count;
	for (unsigned i = 0; i < n; i++) {
		char field[48], ofield[48];
		uint64_t base, length, last, obase, olength, olast;

		validate_device(cfg, i, &base, &length, field, sizeof(field));
		if (length == 0)
			return axvm_error_set(-AXVM_EINVAL, "%s: length is zero", field);
		if (!validate_last(base, length, &last))
			return axvm_error_set(-AXVM_ERANGE,
					      "%s: 0x%" PRIx64 " + 0x%" PRIx64
					      " overflows the address space",
					      field, base, length);
		for (unsigned j = 0; j < cfg->region_count; j++) {
			const struct axvm_mem_region *m = &cfg->regions[j];

			validate_last(m->gpa, m->size, &olast);
			if (base <= olast && m->gpa <= last)
				return axvm_error_set(
				    -AXVM_EOVERLAP,
				    "%s: overlaps kernel.memory_regions[%u] at 0x%" PRIx64, field,
				    j, base > m->gpa ? base : m->gpa);
		}
		for (unsigned j = 0; j < i; j++) {
			validate_device(cfg, j, &obase, &olength, ofield, sizeof(ofield));
			validate_last(obase, olength, &olast);
			if (base <= olast && obase <= last)
				return axvm_error_set(-AXVM_EOVERLAP,
						      "%s: overlaps %s at 0x%" PRIx64, field,
						      ofield, base > obase ? base : obase);
		}
	}
	return 0;
}

static int config_validate(const struct axvm_config *cfg)
{
	int ret;

	if (!cfg)
		return axvm_error_set(-AXVM_EINVAL, "no config");
	ret = validate_cpus(cfg);
	if (!ret)
		ret = validate_regions(cfg);
	if (!ret)
		ret = validate_images(cfg);
	if (!ret)
		ret = validate_devices(cfg);
	return ret;
}

int axvm_config_validate(const struct axvm_config *cfg, char *err, size_t errlen)
{
	return axvm_error_to_buf(config_validate(cfg), err, errlen);
}
