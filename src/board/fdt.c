/* SPDX-License-Identifier: MIT */
/*
 * Device tree generation with libfdt's read-write API, so that a device's
 * fdt_node can add nodes anywhere (the test finisher adds /poweroff and
 * /reboot beside /soc) in whatever order the board creates the devices.
 * Here: the root, /soc, /cpus (riscv/cpus.yaml, with each hart's
 * interrupt-controller/riscv,cpu-intc.yaml node), /memory and /chosen; the
 * node names and layout are those of QEMU's virt machine.
 */
#include "fdt.h"

#include "axvm/riscv64.h"

#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fdt_err(int fdt_ret)
{
	if (fdt_ret >= 0)
		return 0;
	return fdt_ret == -FDT_ERR_NOSPACE ? -AXVM_ENOMEM : -AXVM_EINVAL;
}

/* Record the first failure; returns the sticky error. */
static int fdt_check(struct axvm_fdt *f, int fdt_ret)
{
	if (!f->error && fdt_ret < 0)
		f->error = fdt_err(fdt_ret);
	return f->error;
}

static void fdt_prop_u32(struct axvm_fdt *f, int node, const char *name, uint32_t v)
{
	if (!f->error)
		fdt_check(f, fdt_setprop_u32(f->blob, node, name, v));
}

static void fdt_prop_str(struct axvm_fdt *f, int node, const char *name, const char *s)
{
	if (!f->error)
		fdt_check(f, fdt_setprop_string(f->blob, node, name, s));
}

static void fdt_prop_empty(struct axvm_fdt *f, int node, const char *name)
{
	if (!f->error)
		fdt_check(f, fdt_setprop_empty(f->blob, node, name));
}

/* A string list property from a NULL-terminated array. */
static void fdt_prop_strlist(struct axvm_fdt *f, int node, const char *name,
			     const char *const *list)
{
	if (f->error)
		return;
	fdt_check(f, fdt_setprop_string(f->blob, node, name, list[0]));
	for (unsigned i = 1; list[i] && !f->error; i++)
		fdt_check(f, fdt_appendprop_string(f->blob, node, name, list[i]));
}

/* reg = <base size> with two address and two size cells. */
static void fdt_prop_reg(struct axvm_fdt *f, int node, uint64_t base, uint64_t size)
{
	fdt64_t cells[2] = {cpu_to_fdt64(base), cpu_to_fdt64(size)};

	if (!f->error)
		fdt_check(f, fdt_setprop(f->blob, node, "reg", cells, sizeof(cells)));
}

/* Add (or find) a node under the node at `parent_path`; returns its offset or < 0. */
static int fdt_node(struct axvm_fdt *f, const char *parent_path, const char *name)
{
	int parent, node;

	if (f->error)
		return -1;
	parent = fdt_path_offset(f->blob, parent_path);
	if (fdt_check(f, parent))
		return -1;
	node = fdt_add_subnode(f->blob, parent, name);
	if (node == -FDT_ERR_EXISTS)
		node = fdt_subnode_offset(f->blob, parent, name);
	if (fdt_check(f, node))
		return -1;
	return node;
}

uint32_t axvm_fdt_alloc_phandle(struct axvm_fdt *f)
{
	return f->next_phandle++;
}

int axvm_fdt_init(struct axvm_fdt *f, unsigned cpus, size_t capacity)
{
	int soc;

	memset(f, 0, sizeof(*f));
	if (cpus == 0 || cpus > AXVM_FDT_MAX_CPUS || capacity > INT32_MAX)
		return -AXVM_EINVAL;
	f->blob = calloc(1, capacity);
	if (!f->blob)
		return -AXVM_ENOMEM;
	f->capacity = capacity;
	f->cpus = cpus;
	f->next_phandle = 1;
	for (unsigned i = 0; i < cpus; i++)
		f->intc_phandle[i] = axvm_fdt_alloc_phandle(f);
	for (unsigned i = 0; i < cpus; i++)
		f->cpu_phandle[i] = axvm_fdt_alloc_phandle(f);

	if (fdt_check(f, fdt_create_empty_tree(f->blob, (int)capacity)))
		return f->error;
	fdt_prop_u32(f, 0, "#address-cells", 2);
	fdt_prop_u32(f, 0, "#size-cells", 2);
	fdt_prop_str(f, 0, "compatible", "riscv-virtio");
	fdt_prop_str(f, 0, "model", "riscv-virtio,qemu");
	soc = fdt_node(f, "/", "soc");
	if (soc >= 0) {
		fdt_prop_u32(f, soc, "#address-cells", 2);
		fdt_prop_u32(f, soc, "#size-cells", 2);
		fdt_prop_str(f, soc, "compatible", "simple-bus");
		fdt_prop_empty(f, soc, "ranges");
	}
	return f->error;
}

void axvm_fdt_release(struct axvm_fdt *f)
{
	free(f->blob);
	f->blob = NULL;
}

/*
 * The hart's extensions in the canonical order of the riscv,isa string (the
 * unprivileged spec's "ISA Extension Naming Conventions": Z extensions by
 * their category letter in IMAFDQLCBKJTPVH order, then alphabetically; then
 * the S extensions alphabetically). ext: the switchable AXVM_RISCV64_EXT_*
 * it depends on, FDT_EXT_ALWAYS, or FDT_EXT_SSTC.
 */
#define FDT_EXT_ALWAYS (-1)
#define FDT_EXT_SSTC (-2)
#define FDT_EXT_ZFHMIN (-3) /* Zfhmin, or Zfh which implies it */
static const struct {
	const char *name;
	int ext;
} fdt_isa_exts[] = {
    {"i", FDT_EXT_ALWAYS},
    {"m", FDT_EXT_ALWAYS},
    {"a", FDT_EXT_ALWAYS},
    {"f", FDT_EXT_ALWAYS},
    {"d", FDT_EXT_ALWAYS},
    {"c", FDT_EXT_ALWAYS},
    {"zicbom", AXVM_RISCV64_EXT_ZICBOM},
    {"zicbop", AXVM_RISCV64_EXT_ZICBOP},
    {"zicboz", AXVM_RISCV64_EXT_ZICBOZ},
    {"zicntr", FDT_EXT_ALWAYS},
    {"zicond", AXVM_RISCV64_EXT_ZICOND},
    {"zicsr", FDT_EXT_ALWAYS},
    {"zifencei", FDT_EXT_ALWAYS},
    {"zihintntl", AXVM_RISCV64_EXT_ZIHINTNTL},
    {"zihintpause", AXVM_RISCV64_EXT_ZIHINTPAUSE},
    {"zihpm", FDT_EXT_ALWAYS},
    {"zawrs", AXVM_RISCV64_EXT_ZAWRS},
    {"zfa", AXVM_RISCV64_EXT_ZFA},
    {"zfh", AXVM_RISCV64_EXT_ZFH},
    {"zfhmin", FDT_EXT_ZFHMIN},
    {"zba", AXVM_RISCV64_EXT_ZBA},
    {"zbb", AXVM_RISCV64_EXT_ZBB},
    {"zbc", AXVM_RISCV64_EXT_ZBC},
    {"zbs", AXVM_RISCV64_EXT_ZBS},
    {"zkt", AXVM_RISCV64_EXT_ZKT},
    {"sscofpmf", AXVM_RISCV64_EXT_SSCOFPMF},
    {"sstc", FDT_EXT_SSTC},
    {"svade", AXVM_RISCV64_EXT_SVADE},
    {"svadu", AXVM_RISCV64_EXT_SVADU},
    {"svinval", AXVM_RISCV64_EXT_SVINVAL},
    {"svnapot", AXVM_RISCV64_EXT_SVNAPOT},
    {"svpbmt", AXVM_RISCV64_EXT_SVPBMT},
};
#define FDT_ISA_EXTS (sizeof(fdt_isa_exts) / sizeof(fdt_isa_exts[0]))

static bool fdt_isa_has(unsigned i, bool sstc, uint64_t ext_off)
{
	int e = fdt_isa_exts[i].ext;

	if (e == FDT_EXT_ALWAYS)
		return true;
	if (e == FDT_EXT_SSTC)
		return sstc;
	if (e == FDT_EXT_ZFHMIN)
		return (~ext_off &
			(1ull << AXVM_RISCV64_EXT_ZFHMIN | 1ull << AXVM_RISCV64_EXT_ZFH)) != 0;
	return !(ext_off & (1ull << e));
}

void axvm_fdt_isa_string(bool sstc, uint64_t ext_off, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "rv64");

	for (unsigned i = 0; i < FDT_ISA_EXTS && n < len; i++) {
		const char *name = fdt_isa_exts[i].name;

		if (fdt_isa_has(i, sstc, ext_off))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", name[1] ? "_" : "", name);
	}
}

int axvm_fdt_add_cpus(struct axvm_fdt *f, const struct axvm_fdt_cpus *c)
{
	const char *exts[FDT_ISA_EXTS + 1];
	char isa[512];
	unsigned n = 0;
	int cpus, map;

	if (c->count != f->cpus || c->timebase_hz == 0 || c->timebase_hz > UINT32_MAX)
		return fdt_check(f, -FDT_ERR_BADVALUE);
	for (unsigned i = 0; i < FDT_ISA_EXTS; i++)
		if (fdt_isa_has(i, c->sstc, c->ext_off))
			exts[n++] = fdt_isa_exts[i].name;
	exts[n] = NULL;
	axvm_fdt_isa_string(c->sstc, c->ext_off, isa, sizeof(isa));
	cpus = fdt_node(f, "/", "cpus");
	if (cpus < 0)
		return f->error;
	fdt_prop_u32(f, cpus, "#address-cells", 1);
	fdt_prop_u32(f, cpus, "#size-cells", 0);
	fdt_prop_u32(f, cpus, "timebase-frequency", (uint32_t)c->timebase_hz);

	/*
	 * cpu-map (Documentation/devicetree/bindings/cpu/cpu-topology.txt): one
	 * cluster of single-thread cores, as QEMU's virt with one socket. Without
	 * it Linux's topology code still works, but guests that read the map
	 * (lscpu, schedulers' cluster domains) see QEMU's layout only with it.
	 */
	map = fdt_node(f, "/cpus", "cpu-map");
	if (map >= 0)
		map = fdt_node(f, "/cpus/cpu-map", "cluster0");
	for (unsigned i = c->count; map >= 0 && i-- > 0;) {
		char name[32];
		int core;

		snprintf(name, sizeof(name), "core%u", i);
		core = fdt_node(f, "/cpus/cpu-map/cluster0", name);
		if (core >= 0)
			fdt_prop_u32(f, core, "cpu", f->cpu_phandle[i]);
	}
	if (f->error)
		return f->error;

	/* Added in reverse: libfdt inserts each new subnode before its siblings. */
	for (unsigned i = c->count; i-- > 0;) {
		char name[32], path[48];
		int cpu, intc;

		snprintf(name, sizeof(name), "cpu@%u", i);
		snprintf(path, sizeof(path), "/cpus/%s", name);
		cpu = fdt_node(f, "/cpus", name);
		if (cpu < 0)
			return f->error;
		fdt_prop_u32(f, cpu, "phandle", f->cpu_phandle[i]);
		fdt_prop_str(f, cpu, "device_type", "cpu");
		fdt_prop_u32(f, cpu, "reg", i);
		fdt_prop_str(f, cpu, "status", "okay");
		fdt_prop_str(f, cpu, "compatible", "riscv");
		fdt_prop_str(f, cpu, "riscv,isa", isa);
		fdt_prop_str(f, cpu, "riscv,isa-base", "rv64i");
		fdt_prop_strlist(f, cpu, "riscv,isa-extensions", exts);
		/* Zicbom/Zicboz/Zicbop block sizes (riscv/cpus.yaml, riscv/extensions.yaml). */
		if (!(c->ext_off & (1ull << AXVM_RISCV64_EXT_ZICBOM)))
			fdt_prop_u32(f, cpu, "riscv,cbom-block-size", AXVM_RISCV64_CBO_BLOCK);
		if (!(c->ext_off & (1ull << AXVM_RISCV64_EXT_ZICBOZ)))
			fdt_prop_u32(f, cpu, "riscv,cboz-block-size", AXVM_RISCV64_CBO_BLOCK);
		if (!(c->ext_off & (1ull << AXVM_RISCV64_EXT_ZICBOP)))
			fdt_prop_u32(f, cpu, "riscv,cbop-block-size", AXVM_RISCV64_CBO_BLOCK);
		fdt_prop_str(f, cpu, "mmu-type", "riscv,sv48");
		intc = fdt_node(f, path, "interrupt-controller");
		if (intc < 0)
			return f->error;
		fdt_prop_u32(f, intc, "#address-cells", 0);
		fdt_prop_u32(f, intc, "#interrupt-cells", 1);
		fdt_prop_empty(f, intc, "interrupt-controller");
		fdt_prop_str(f, intc, "compatible", "riscv,cpu-intc");
		fdt_prop_u32(f, intc, "phandle", f->intc_phandle[i]);
	}
	return f->error;
}

int axvm_fdt_add_memory(struct axvm_fdt *f, uint64_t base, uint64_t size)
{
	char name[32];
	int mem;

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)base);
	mem = fdt_node(f, "/", name);
	if (mem < 0)
		return f->error;
	fdt_prop_str(f, mem, "device_type", "memory");
	fdt_prop_reg(f, mem, base, size);
	return f->error;
}

int axvm_fdt_add_chosen(struct axvm_fdt *f, const struct axvm_fdt_chosen *c)
{
	int chosen = fdt_node(f, "/", "chosen");

	if (chosen < 0)
		return f->error;
	if (c->bootargs && c->bootargs[0])
		fdt_prop_str(f, chosen, "bootargs", c->bootargs);
	if (c->stdout_path)
		fdt_prop_str(f, chosen, "stdout-path", c->stdout_path);
	/* Entropy for the guest's RNG before it has a source of its own (chosen.yaml). */
	if (c->rng_seed_len && !f->error)
		fdt_check(
		    f, fdt_setprop(f->blob, chosen, "rng-seed", c->rng_seed, (int)c->rng_seed_len));
	if (c->has_initrd && !f->error) {
		fdt_check(f,
			  fdt_setprop_u64(f->blob, chosen, "linux,initrd-start", c->initrd_start));
		if (!f->error)
			fdt_check(
			    f, fdt_setprop_u64(f->blob, chosen, "linux,initrd-end", c->initrd_end));
	}
	return f->error;
}

int axvm_fdt_finish(struct axvm_fdt *f, size_t *size)
{
	*size = 0;
	if (f->error)
		return f->error;
	if (fdt_check(f, fdt_pack(f->blob)))
		return f->error;
	*size = fdt_totalsize(f->blob);
	return 0;
}

int axvm_fdt_set_chosen(void *blob, size_t capacity, const char *bootargs, bool has_initrd,
			uint64_t initrd_start, uint64_t initrd_end)
{
	int chosen, ret;

	if (capacity > INT32_MAX)
		return -AXVM_EINVAL;
	ret = fdt_open_into(blob, blob, (int)capacity);
	if (ret < 0)
		return fdt_err(ret);
	chosen = fdt_path_offset(blob, "/chosen");
	if (chosen == -FDT_ERR_NOTFOUND)
		chosen = fdt_add_subnode(blob, 0, "chosen");
	if (chosen < 0)
		return fdt_err(chosen);
	if (bootargs && bootargs[0]) {
		ret = fdt_setprop_string(blob, chosen, "bootargs", bootargs);
		if (ret < 0)
			return fdt_err(ret);
	}
	if (has_initrd) {
		ret = fdt_setprop_u64(blob, chosen, "linux,initrd-start", initrd_start);
		if (ret >= 0)
			ret = fdt_setprop_u64(blob, chosen, "linux,initrd-end", initrd_end);
		if (ret < 0)
			return fdt_err(ret);
	}
	return fdt_err(fdt_pack(blob));
}
