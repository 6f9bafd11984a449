/* SPDX-License-Identifier: MIT */
/*
 * Load AxVisor VM-config files (TOML: [base], [kernel], [devices]; see
 * docs/config.md) with axvm_config_load, print the validated struct, and
 * report errors as the loader words them: "file:line:col: field: reason"
 * for syntax and type errors, "file: field: reason" for semantic ones
 * (overlapping regions, an entry point outside memory...).
 *
 *   from_config [--init] FILE.toml...   load (and with --init, build) each file
 *   from_config                         parse the config text built in below
 *
 * --init goes one step further: axvm_create + axvm_init build the VM the
 * config describes (vCPUs, memory regions, MMIO windows for emulated
 * devices), the address space is listed, and the VM is destroyed without
 * running. Host passthrough regions need /dev/mem (root): init fails
 * cleanly, naming the region, without it.
 *
 * Exit status: 0 if every file loaded (and built), 1 otherwise.
 * Build: cc -std=c11 from_config.c $(pkg-config --cflags --libs libaxvm)
 */
#include <axvm/axvm.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* What a config in memory looks like; axvm_config_parse takes it as text. */
static const char builtin_toml[] = "[base]\n"
				   "id = 7\n"
				   "name = \"builtin\"\n"
				   "cpu_num = 2\n"
				   "\n"
				   "[kernel]\n"
				   "entry_point = 0x8020_0000\n"
				   "kernel_path = \"Image\"\n"
				   "kernel_load_addr = 0x8020_0000\n"
				   "cmdline = \"console=ttyS0\"\n"
				   "memory_regions = [\n"
				   "    [0x8000_0000, 0x400_0000, 0x7, 0],   # 64 MiB, allocated\n"
				   "    [0x9000_0000, 0x400_0000, 0x3, 3],   # 64 MiB, lazy\n"
				   "]\n"
				   "\n"
				   "[devices]\n"
				   "emu_devices = [[\"uart\", 0x1000_0000, 0x100, 10, 0x2, []]]\n"
				   "passthrough_devices = []\n";

static const char *map_type_name(enum axvm_map_type t)
{
	switch (t) {
	case AXVM_MAP_ALLOC:
		return "alloc";
	case AXVM_MAP_IDENTICAL:
		return "identical";
	case AXVM_MAP_RESERVED:
		return "reserved";
	case AXVM_MAP_LAZY:
		return "lazy";
	}
	return "?";
}

static const char *region_kind_name(enum axvm_region_kind k)
{
	switch (k) {
	case AXVM_REGION_LINEAR:
		return "linear";
	case AXVM_REGION_LAZY:
		return "lazy";
	case AXVM_REGION_HOST:
		return "host";
	case AXVM_REGION_MMIO:
		return "mmio";
	}
	return "?";
}

static void flags_text(uint32_t f, char out[8])
{
	snprintf(out, 8, "%c%c%c%c%c", f & AXVM_MEM_READ ? 'r' : '-',
		 f & AXVM_MEM_WRITE ? 'w' : '-', f & AXVM_MEM_EXEC ? 'x' : '-',
		 f & AXVM_MEM_USER ? 'u' : '-', f & AXVM_MEM_DEVICE ? 'd' : '-');
}

static void print_config(const struct axvm_config *c)
{
	char fl[8];

	printf("  base: id %" PRIu64 ", name \"%s\", vm_type %d, %u vCPU(s)\n", c->id, c->name,
	       (int)c->vm_type, c->cpu_num);
	for (unsigned i = 0; i < c->cpu_num; i++) {
		if (!c->has_phys_cpu_ids && !c->has_phys_cpu_sets)
			break;
		printf("    vcpu %u: phys cpu %d, cpu set 0x%" PRIx64 "\n", i,
		       c->has_phys_cpu_ids ? c->phys_cpu_ids[i] : -1,
		       c->has_phys_cpu_sets ? c->phys_cpu_sets[i] : 0);
	}
	printf("  kernel: entry 0x%" PRIx64 " (APs 0x%" PRIx64 "), \"%s\" at 0x%" PRIx64
	       ", image in %s\n",
	       c->bsp_entry, c->ap_entry, c->kernel_path, c->kernel_load_addr, c->image_location);
	if (c->dtb_path[0])
		printf("    dtb \"%s\"", c->dtb_path);
	if (c->has_dtb_load_addr)
		printf(" at 0x%" PRIx64, c->dtb_load_addr);
	if (c->dtb_path[0] || c->has_dtb_load_addr)
		printf("\n");
	if (c->ramdisk_path[0])
		printf("    ramdisk \"%s\" at 0x%" PRIx64 "\n", c->ramdisk_path,
		       c->ramdisk_load_addr);
	if (c->cmdline[0])
		printf("    cmdline \"%s\"\n", c->cmdline);
	for (unsigned i = 0; i < c->region_count; i++) {
		const struct axvm_mem_region *r = &c->regions[i];

		flags_text(r->flags, fl);
		printf("    memory_regions[%u]: [0x%" PRIx64 ", 0x%" PRIx64 ") %s %s\n", i, r->gpa,
		       r->gpa + r->size, fl, map_type_name(r->map_type));
	}
	for (unsigned i = 0; i < c->emu_device_count; i++) {
		const struct axvm_emu_device *d = &c->emu_devices[i];

		printf("  emu_devices[%u]: \"%s\" [0x%" PRIx64 ", +0x%" PRIx64
		       ") irq %u type 0x%x, %u cfg value(s)\n",
		       i, d->name, d->base_gpa, d->length, d->irq_id, d->emu_type, d->cfg_count);
	}
	for (unsigned i = 0; i < c->passthrough_count; i++) {
		const struct axvm_passthrough_device *d = &c->passthrough[i];

		printf("  passthrough_devices[%u]: \"%s\" gpa 0x%" PRIx64 " -> hpa 0x%" PRIx64
		       " (+0x%" PRIx64 ")\n",
		       i, d->name, d->base_gpa, d->base_hpa, d->length);
	}
	printf("  interrupt_mode %s\n", c->interrupt_mode == AXVM_INTERRUPT_MODE_NO_IRQ ? "no_irq"
					: c->interrupt_mode == AXVM_INTERRUPT_MODE_EMULATED
					    ? "emulated"
					    : "passthrough");
}

/* Build the VM the config describes, list its address space, tear it down. */
static int build(const struct axvm_config *cfg, const char *name)
{
	struct axvm *vm;
	struct axvm_region_info ri;
	char fl[8];
	int ret = axvm_create(cfg, &vm);

	if (ret) {
		fprintf(stderr, "%s: create: %s\n", name, axvm_strerror(ret));
		return ret;
	}
	ret = axvm_init(vm);
	if (ret) {
		/* axvm_error_message names the field, e.g. "kernel.memory_regions[0]: ...". */
		fprintf(stderr, "%s: init: %s\n", name, axvm_error_message());
	} else {
		struct axvm_addrspace *as = axvm_addrspace(vm);

		printf("  built: %u vCPU(s), status %s, address space:\n", axvm_vcpu_num(vm),
		       axvm_status_name(axvm_status(vm)));
		for (size_t i = 0; i < axvm_addrspace_region_count(as); i++) {
			if (axvm_addrspace_region(as, i, &ri))
				continue;
			flags_text(ri.flags, fl);
			printf("    [0x%" PRIx64 ", 0x%" PRIx64 ") %s %s\n", ri.gpa,
			       ri.gpa + ri.size, fl, region_kind_name(ri.kind));
		}
	}
	axvm_destroy(vm);
	return ret;
}

/* The library's own messages (the HAL's /dev/mem error, for one) go to the sink. */
static void log_to_stderr(void *opaque, enum axvm_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	fprintf(stderr, "axvm: %s\n", msg);
}

int main(int argc, char **argv)
{
	struct axvm_config cfg;
	char err[AXVM_CONFIG_ERR_MAX];
	bool init = false;
	int failed = 0, first = 1, ret;

	axvm_log_set_sink(log_to_stderr, NULL);
	if (argc > 1 && !strcmp(argv[1], "--init")) {
		init = true;
		first = 2;
	}
	if (first >= argc) {
		ret = axvm_config_parse(builtin_toml, strlen(builtin_toml), "builtin.toml", &cfg,
					err, sizeof(err));
		if (ret) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("builtin.toml: ok\n");
		print_config(&cfg);
		return build(&cfg, "builtin.toml") ? 1 : 0;
	}
	for (int i = first; i < argc; i++) {
		/* cfg is (re)initialised by the loader; err holds the whole message. */
		ret = axvm_config_load(argv[i], &cfg, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "%s\n", err);
			failed++;
			continue;
		}
		printf("%s: ok\n", argv[i]);
		print_config(&cfg);
		if (init && build(&cfg, argv[i]))
			failed++;
	}
	return failed ? 1 : 0;
}
