/* SPDX-License-Identifier: MIT */
/*
 * The AxVisor VM-config loader (src/config/config.c): example configs load
 * into exactly the expected struct; every tree-level and semantic error
 * gives its exact message.
 */
#include "test.h"

#include <axvm/addrspace.h>
#include <axvm/config.h>
#include <axvm/riscv64.h>
#include <axvm/types.h>

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lines 1-4. */
#define BASE "[base]\nid = 7\nname = \"t\"\ncpu_num = 1\n"
/* Lines 5-8. */
#define KERNEL_HEAD                                                                                \
	"[kernel]\nentry_point = 0x8020_0000\nkernel_path = \"Image\"\n"                           \
	"kernel_load_addr = 0x8020_0000\n"
/* Line 9. */
#define REGIONS "memory_regions = [[0x8000_0000, 0x100_0000, 0x7, 0]]\n"
#define KERNEL KERNEL_HEAD REGIONS

static struct axvm_config cfg;
static char err[AXVM_CONFIG_ERR_MAX];

static int parse(const char *text)
{
	return axvm_config_parse(text, strlen(text), "vm.toml", &cfg, err, sizeof(err));
}

static void check_parse_error(const char *text, int code, const char *expected, int line)
{
	int ret = parse(text);

	if (ret != code)
		test_fail_at(__FILE__, line, "expected %d, got %d (%s)", code, ret, err);
	if (strcmp(expected, err) != 0)
		test_fail_at(__FILE__, line, "expected \"%s\", got \"%s\"", expected, err);
}

#define CONFIG_ERROR(name, text, code, expected)                                                   \
	TEST(name)                                                                                 \
	{                                                                                          \
		check_parse_error(text, code, expected, __LINE__);                                 \
	}

/*
 * tests/data/config/<name>: relative to the source tree, which is the
 * working directory under `make test`, else found from the build directory.
 */
static const char *data_path(const char *name)
{
	static char path[PATH_MAX];
	static const char *const roots[] = {".", AXVM_BUILD_DIR "/..", AXVM_BUILD_DIR "/../.."};

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/tests/data/config/%s", roots[i], name);
		if (access(path, R_OK) == 0)
			return path;
	}
	return name;
}

/* ---- defaults ---- */

TEST(test_config_init_gives_defaults)
{
	memset(&cfg, 0xa5, sizeof(cfg));
	axvm_config_init(&cfg);
	CHECK_INT(1, cfg.cpu_num);
	CHECK_INT(AXVM_VM_TYPE_RTOS, cfg.vm_type);
	CHECK_U64(0, cfg.id);
	CHECK_STR("", cfg.name);
	CHECK_INT(false, cfg.has_phys_cpu_ids);
	CHECK_INT(-1, cfg.phys_cpu_ids[0]);
	CHECK_INT(-1, cfg.phys_cpu_ids[AXVM_CONFIG_MAX_VCPUS - 1]);
	CHECK_INT(false, cfg.has_phys_cpu_sets);
	CHECK_U64(0, cfg.phys_cpu_sets[0]);
	CHECK_STR("fs", cfg.image_location);
	CHECK_INT(0, cfg.region_count);
	CHECK_INT(0, cfg.emu_device_count);
	CHECK_INT(0, cfg.passthrough_count);
	CHECK_INT(AXVM_INTERRUPT_MODE_NO_IRQ, cfg.interrupt_mode);
	CHECK(cfg.hal == NULL);
	CHECK(cfg.vcpu_ops == axvm_riscv64_vcpu_ops());
}

TEST(test_config_minimal_file_loads_with_defaults)
{
	REQUIRE_OK(parse(BASE KERNEL));
	CHECK_STR("", err);
	CHECK_U64(7, cfg.id);
	CHECK_STR("t", cfg.name);
	CHECK_INT(AXVM_VM_TYPE_RTOS, cfg.vm_type);
	CHECK_INT(1, cfg.cpu_num);
	CHECK_U64(0x80200000, cfg.bsp_entry);
	CHECK_U64(0x80200000, cfg.ap_entry);
	CHECK_STR("fs", cfg.image_location);
	CHECK_INT(false, cfg.has_dtb_load_addr);
	CHECK_INT(1, cfg.region_count);
	CHECK_INT(AXVM_INTERRUPT_MODE_NO_IRQ, cfg.interrupt_mode);
}

TEST(test_config_parse_resets_the_struct_first)
{
	memset(&cfg, 0xff, sizeof(cfg));
	REQUIRE_OK(parse(BASE KERNEL));
	CHECK_INT(0, cfg.emu_device_count);
	CHECK_INT(false, cfg.has_phys_cpu_sets);
	CHECK_STR("", cfg.dtb_path);
	CHECK(cfg.hal == NULL);
}

/* ---- the example configs, field by field ---- */

TEST(test_config_linux_riscv64_example_loads_exactly)
{
	const char *path = data_path("linux-riscv64.toml");

	REQUIRE_OK(axvm_config_load(path, &cfg, err, sizeof(err)));
	CHECK_STR("", err);
	/* [base] */
	CHECK_U64(1, cfg.id);
	CHECK_STR("linux-riscv64", cfg.name);
	CHECK_INT(AXVM_VM_TYPE_LINUX, cfg.vm_type);
	CHECK_INT(2, cfg.cpu_num);
	CHECK_INT(true, cfg.has_phys_cpu_ids);
	CHECK_INT(0, cfg.phys_cpu_ids[0]);
	CHECK_INT(1, cfg.phys_cpu_ids[1]);
	CHECK_INT(-1, cfg.phys_cpu_ids[2]);
	CHECK_INT(true, cfg.has_phys_cpu_sets);
	CHECK_U64(0x1, cfg.phys_cpu_sets[0]);
	CHECK_U64(0x6, cfg.phys_cpu_sets[1]);
	CHECK_U64(0, cfg.phys_cpu_sets[2]);
	/* [kernel] */
	CHECK_U64(0x80200000, cfg.bsp_entry);
	CHECK_U64(0x80200000, cfg.ap_entry);
	CHECK_STR("fs", cfg.image_location);
	CHECK_STR("images/linux-6.1-riscv64/Image", cfg.kernel_path);
	CHECK_U64(0x80200000, cfg.kernel_load_addr);
	CHECK_STR("", cfg.bios_path);
	CHECK_U64(0, cfg.bios_load_addr);
	CHECK_STR("images/linux-riscv64.dtb", cfg.dtb_path);
	CHECK_U64(0x82200000, cfg.dtb_load_addr);
	CHECK_INT(true, cfg.has_dtb_load_addr);
	CHECK_STR("images/initramfs.cpio.gz", cfg.ramdisk_path);
	CHECK_U64(0x84000000, cfg.ramdisk_load_addr);
	CHECK_INT(true, cfg.has_ramdisk_load_addr);
	CHECK_STR("console=ttyS0 earlycon=sbi rdinit=/sbin/init", cfg.cmdline);
	CHECK_STR("", cfg.disk_path);
	REQUIRE(cfg.region_count == 2);
	CHECK_U64(0x80000000, cfg.regions[0].gpa);
	CHECK_U64(0x8000000, cfg.regions[0].size);
	CHECK_INT(AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC, cfg.regions[0].flags);
	CHECK_INT(AXVM_MAP_ALLOC, cfg.regions[0].map_type);
	CHECK_U64(0x80000000, cfg.regions[0].hpa);
	CHECK_U64(0x88000000, cfg.regions[1].gpa);
	CHECK_U64(0x10000000, cfg.regions[1].size);
	CHECK_INT(0x7, cfg.regions[1].flags);
	CHECK_INT(AXVM_MAP_LAZY, cfg.regions[1].map_type);
	CHECK_U64(0x88000000, cfg.regions[1].hpa);
	/* [devices] */
	REQUIRE(cfg.emu_device_count == 3);
	CHECK_STR("plic", cfg.emu_devices[0].name);
	CHECK_U64(0x0c000000, cfg.emu_devices[0].base_gpa);
	CHECK_U64(0x600000, cfg.emu_devices[0].length);
	CHECK_INT(0, cfg.emu_devices[0].irq_id);
	CHECK_INT(AXVM_EMU_INTERRUPT_CONTROLLER, cfg.emu_devices[0].emu_type);
	CHECK_INT(1, cfg.emu_devices[0].cfg_count);
	CHECK_U64(2, cfg.emu_devices[0].cfg_list[0]);
	CHECK_STR("uart", cfg.emu_devices[1].name);
	CHECK_U64(0x10000000, cfg.emu_devices[1].base_gpa);
	CHECK_U64(0x100, cfg.emu_devices[1].length);
	CHECK_INT(10, cfg.emu_devices[1].irq_id);
	CHECK_INT(AXVM_EMU_CONSOLE, cfg.emu_devices[1].emu_type);
	CHECK_INT(0, cfg.emu_devices[1].cfg_count);
	CHECK_STR("virtio-blk", cfg.emu_devices[2].name);
	CHECK_U64(0x10001000, cfg.emu_devices[2].base_gpa);
	CHECK_U64(0x1000, cfg.emu_devices[2].length);
	CHECK_INT(1, cfg.emu_devices[2].irq_id);
	CHECK_INT(AXVM_EMU_VIRTIO_BLK, cfg.emu_devices[2].emu_type);
	CHECK_INT(1, cfg.emu_devices[2].cfg_count);
	CHECK_U64(0, cfg.emu_devices[2].cfg_list[0]);
	CHECK_INT(0, cfg.passthrough_count);
	CHECK_INT(AXVM_INTERRUPT_MODE_EMULATED, cfg.interrupt_mode);
	CHECK(cfg.hal == NULL);
	CHECK(cfg.vcpu_ops == axvm_riscv64_vcpu_ops());
	CHECK(cfg.vcpu_arch_config == NULL);
	CHECK(cfg.vcpu_setup_config == NULL);
}

TEST(test_config_arceos_riscv64_example_loads_exactly)
{
	const char *path = data_path("arceos-riscv64.toml");

	REQUIRE_OK(axvm_config_load(path, &cfg, err, sizeof(err)));
	CHECK_U64(2, cfg.id);
	CHECK_STR("arceos", cfg.name);
	CHECK_INT(AXVM_VM_TYPE_RTOS, cfg.vm_type);
	CHECK_INT(1, cfg.cpu_num);
	CHECK_INT(false, cfg.has_phys_cpu_ids);
	CHECK_INT(-1, cfg.phys_cpu_ids[0]);
	CHECK_INT(true, cfg.has_phys_cpu_sets);
	CHECK_U64(0x1, cfg.phys_cpu_sets[0]);
	CHECK_U64(0x80200000, cfg.bsp_entry);
	CHECK_U64(0x80200000, cfg.ap_entry);
	CHECK_STR("memory", cfg.image_location);
	CHECK_STR("arceos-riscv64.bin", cfg.kernel_path);
	CHECK_U64(0x80200000, cfg.kernel_load_addr);
	CHECK_STR("", cfg.bios_path);
	CHECK_STR("", cfg.dtb_path);
	CHECK_INT(false, cfg.has_dtb_load_addr);
	CHECK_STR("", cfg.ramdisk_path);
	CHECK_INT(false, cfg.has_ramdisk_load_addr);
	CHECK_STR("", cfg.cmdline);
	CHECK_STR("", cfg.disk_path);
	REQUIRE(cfg.region_count == 1);
	CHECK_U64(0x80000000, cfg.regions[0].gpa);
	CHECK_U64(0x1000000, cfg.regions[0].size);
	CHECK_INT(AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC | AXVM_MEM_USER,
		  cfg.regions[0].flags);
	CHECK_INT(AXVM_MAP_ALLOC, cfg.regions[0].map_type);
	CHECK_INT(0, cfg.emu_device_count);
	REQUIRE(cfg.passthrough_count == 2);
	CHECK_STR("PLIC@c000000", cfg.passthrough[0].name);
	CHECK_U64(0x0c000000, cfg.passthrough[0].base_gpa);
	CHECK_U64(0x0c000000, cfg.passthrough[0].base_hpa);
	CHECK_U64(0x210000, cfg.passthrough[0].length);
	CHECK_INT(1, cfg.passthrough[0].irq_id);
	CHECK_STR("UART@10000000", cfg.passthrough[1].name);
	CHECK_U64(0x10000000, cfg.passthrough[1].base_gpa);
	CHECK_U64(0x10000000, cfg.passthrough[1].base_hpa);
	CHECK_U64(0x1000, cfg.passthrough[1].length);
	CHECK_INT(1, cfg.passthrough[1].irq_id);
	CHECK_INT(AXVM_INTERRUPT_MODE_NO_IRQ, cfg.interrupt_mode);
}

/* The shape of AxVisor's own riscv64 Linux config, with its compatibility-only keys. */
TEST(test_config_axvisor_style_passthrough_config_loads)
{
	REQUIRE_OK(
	    parse("[base]\nid = 1\nname = \"linux-qemu\"\nvm_type = 1\ncpu_num = 1\n"
		  "phys_cpu_ids = [0]\n"
		  "[kernel]\nentry_point = 0x9000_0000\nimage_location = \"fs\"\n"
		  "kernel_path = \"/guest/images/linux\"\nkernel_load_addr = 0x9000_0000\n"
		  "dtb_path = \"/guest/images/linux.dtb\"\ndtb_load_addr = 0x9200_0000\n"
		  "memory_regions = [\n    [0x9000_0000, 0x4000_0000, 0x7, 1], # identical\n]\n"
		  "[devices]\npassthrough_devices = [\n  # none\n]\n"
		  "passthrough_addresses = [\n    [0x1000_0000, 0x1000],\n"
		  "    [0x1000_1000, 0x8000],\n]\n"
		  "excluded_devices = [\"/soc/pci\", [\"/soc/a\", \"/soc/b\"]]\n"
		  "emu_devices = [\n    [\"plic\", 0x0c00_0000, 0x60_0000, 0, 0x30, [2]],\n]\n"
		  "interrupt_mode = \"passthrough\"\n"));
	CHECK_INT(AXVM_MAP_IDENTICAL, cfg.regions[0].map_type);
	CHECK_U64(0x90000000, cfg.regions[0].hpa);
	CHECK_U64(0x40000000, cfg.regions[0].size);
	CHECK_INT(0, cfg.passthrough_count);
	CHECK_INT(1, cfg.emu_device_count);
	CHECK_INT(0x30, cfg.emu_devices[0].emu_type);
	CHECK_INT(AXVM_INTERRUPT_MODE_PASSTHROUGH, cfg.interrupt_mode);
	CHECK_U64(0x92000000, cfg.dtb_load_addr);
}

TEST(test_config_reserved_region_takes_optional_hpa)
{
	REQUIRE_OK(parse(BASE KERNEL_HEAD "memory_regions = [\n"
					  "  [0x8000_0000, 0x100_0000, 0x7, 2, 0x4000_0000],\n"
					  "  [0x9000_0000, 0x1000, 0x3, 2],\n]\n"));
	CHECK_INT(AXVM_MAP_RESERVED, cfg.regions[0].map_type);
	CHECK_U64(0x40000000, cfg.regions[0].hpa);
	CHECK_INT(AXVM_MAP_RESERVED, cfg.regions[1].map_type);
	CHECK_U64(0x90000000, cfg.regions[1].hpa);
}

TEST(test_config_interrupt_mode_aliases)
{
	static const struct {
		const char *text;
		enum axvm_interrupt_mode mode;
	} cases[] = {
	    {BASE KERNEL "[devices]\ninterrupt_mode = \"no_irq\"\n", AXVM_INTERRUPT_MODE_NO_IRQ},
	    {BASE KERNEL "[devices]\ninterrupt_mode = \"no\"\n", AXVM_INTERRUPT_MODE_NO_IRQ},
	    {BASE KERNEL "[devices]\ninterrupt_mode = \"none\"\n", AXVM_INTERRUPT_MODE_NO_IRQ},
	    {BASE KERNEL "[devices]\ninterrupt_mode = \"emu\"\n", AXVM_INTERRUPT_MODE_EMULATED},
	    {BASE KERNEL "[devices]\ninterrupt_mode = \"emulated\"\n",
	     AXVM_INTERRUPT_MODE_EMULATED},
	    {BASE KERNEL "[devices]\ninterrupt_mode = \"passthrough\"\n",
	     AXVM_INTERRUPT_MODE_PASSTHROUGH},
	    {BASE KERNEL "[devices]\ninterrupt_mode = \"pt\"\n", AXVM_INTERRUPT_MODE_PASSTHROUGH},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg.interrupt_mode = (enum axvm_interrupt_mode)99;
		REQUIRE_OK(parse(cases[i].text));
		CHECK_INT(cases[i].mode, cfg.interrupt_mode);
	}
}

TEST(test_config_all_kernel_paths_and_addresses)
{
	REQUIRE_OK(parse(BASE KERNEL "bios_path = \"fw.bin\"\nbios_load_addr = 0x8000_0000\n"
				     "disk_path = \"disk.img\"\nramdisk_path = \"rd\"\n"
				     "ramdisk_load_addr = 0x80f0_0000\n"));
	CHECK_STR("fw.bin", cfg.bios_path);
	CHECK_U64(0x80000000, cfg.bios_load_addr);
	CHECK_STR("disk.img", cfg.disk_path);
	CHECK_STR("rd", cfg.ramdisk_path);
	CHECK_U64(0x80f00000, cfg.ramdisk_load_addr);
	CHECK_INT(true, cfg.has_ramdisk_load_addr);
	CHECK_INT(false, cfg.has_dtb_load_addr);
}

/* ---- errors found in the tree (with line:col) ---- */

CONFIG_ERROR(test_config_wrong_type_names_the_element,
	     BASE KERNEL_HEAD "memory_regions = [\n  [0x8000_0000, 0x100_0000, 0x7, 0],\n"
			      "  [0x9000_0000, 0x1000, \"rw\", 0],\n]\n",
	     -AXVM_EINVAL,
	     "vm.toml:11:25: kernel.memory_regions[1][2]: expected an integer, got a string")
CONFIG_ERROR(test_config_string_field_given_an_integer,
	     "[base]\nid = 7\nname = 5\ncpu_num = 1\n" KERNEL, -AXVM_EINVAL,
	     "vm.toml:3:8: base.name: expected a string, got an integer")
CONFIG_ERROR(test_config_table_given_a_value, "base = 1\n" KERNEL, -AXVM_EINVAL,
	     "vm.toml:1:8: base: expected a table, got an integer")
CONFIG_ERROR(test_config_unknown_key_is_an_error, BASE "cpus = 2\n" KERNEL, -AXVM_EINVAL,
	     "vm.toml:5:1: base.cpus: unknown key")
CONFIG_ERROR(test_config_unknown_kernel_key_is_an_error, BASE KERNEL "entry = 0x8020_0000\n",
	     -AXVM_EINVAL, "vm.toml:10:1: kernel.entry: unknown key")
CONFIG_ERROR(test_config_unknown_table_is_an_error, BASE KERNEL "[network]\n", -AXVM_EINVAL,
	     "vm.toml:10:2: network: unknown table (expected [base], [kernel] or [devices])")
CONFIG_ERROR(test_config_unknown_top_level_key_is_an_error, "version = 1\n" BASE KERNEL,
	     -AXVM_EINVAL,
	     "vm.toml:1:1: version: unknown key (expected [base], [kernel] or [devices])")
CONFIG_ERROR(test_config_unknown_subtable_is_an_error, BASE KERNEL "[kernel.extra]\n", -AXVM_EINVAL,
	     "vm.toml:10:9: kernel.extra: unknown key")
CONFIG_ERROR(test_config_missing_required_key, "[base]\nid = 7\ncpu_num = 1\n" KERNEL, -AXVM_EINVAL,
	     "vm.toml: base.name: required key is missing")
CONFIG_ERROR(test_config_missing_entry_point,
	     BASE "[kernel]\nkernel_path = \"Image\"\nkernel_load_addr = 0x8020_0000\n" REGIONS,
	     -AXVM_EINVAL, "vm.toml: kernel.entry_point: required key is missing")
CONFIG_ERROR(test_config_missing_memory_regions, BASE KERNEL_HEAD, -AXVM_EINVAL,
	     "vm.toml: kernel.memory_regions: required key is missing")
CONFIG_ERROR(test_config_missing_kernel_table, BASE, -AXVM_EINVAL,
	     "vm.toml: kernel: required table [kernel] is missing")
CONFIG_ERROR(test_config_negative_address_is_named,
	     BASE "[kernel]\nentry_point = -4096\nkernel_path = \"Image\"\n"
		  "kernel_load_addr = 0x8020_0000\n" REGIONS,
	     -AXVM_ERANGE,
	     "vm.toml:6:15: kernel.entry_point: an address cannot be negative (got -0x1000)")
CONFIG_ERROR(test_config_negative_region_gpa_is_named,
	     BASE KERNEL_HEAD "memory_regions = [[-2147483648, 0x1000, 0x7, 0]]\n", -AXVM_ERANGE,
	     "vm.toml:9:20: kernel.memory_regions[0][0]: an address cannot be negative (got "
	     "-0x80000000)")
CONFIG_ERROR(test_config_negative_count_is_rejected,
	     "[base]\nid = -1\nname = \"t\"\ncpu_num = 1\n" KERNEL, -AXVM_ERANGE,
	     "vm.toml:2:6: base.id: expected a non-negative integer, got -1")
CONFIG_ERROR(test_config_cpu_num_over_limit, "[base]\nid = 7\nname = \"t\"\ncpu_num = 65\n" KERNEL,
	     -AXVM_ELIMIT, "vm.toml:4:11: base.cpu_num: 65 exceeds the limit of 64 vCPUs")
CONFIG_ERROR(test_config_phys_cpu_ids_length_must_match_cpu_num,
	     "[base]\nid = 7\nname = \"t\"\ncpu_num = 2\nphys_cpu_ids = [0]\n" KERNEL, -AXVM_EINVAL,
	     "vm.toml:5:16: base.phys_cpu_ids: has 1 entry but base.cpu_num is 2")
CONFIG_ERROR(test_config_phys_cpu_sets_length_must_match_cpu_num,
	     "[base]\nid = 7\nname = \"t\"\nphys_cpu_sets = [1, 2, 4]\ncpu_num = 2\n" KERNEL,
	     -AXVM_EINVAL, "vm.toml:4:17: base.phys_cpu_sets: has 3 entries but base.cpu_num is 2")
CONFIG_ERROR(test_config_unknown_vm_type,
	     "[base]\nid = 7\nname = \"t\"\nvm_type = 3\ncpu_num = 1\n" KERNEL, -AXVM_EINVAL,
	     "vm.toml:4:11: base.vm_type: unknown VM type 3 (0 host, 1 RTOS, 2 Linux)")
CONFIG_ERROR(
    test_config_name_too_long,
    "[base]\nid = 7\nname = "
    "\"0123456789012345678901234567890123456789012345678901234567890123\"\ncpu_num = 1\n" KERNEL,
    -AXVM_ELIMIT, "vm.toml:3:8: base.name: longer than 63 bytes")
CONFIG_ERROR(test_config_region_with_three_elements,
	     BASE KERNEL_HEAD "memory_regions = [[0x8000_0000, 0x100_0000, 0x7]]\n", -AXVM_EINVAL,
	     "vm.toml:9:19: kernel.memory_regions[0]: expected 4 to 5 elements [gpa, size, flags, "
	     "map_type(, hpa)], got 3")
CONFIG_ERROR(test_config_region_not_an_array, BASE KERNEL_HEAD "memory_regions = [0x8000_0000]\n",
	     -AXVM_EINVAL,
	     "vm.toml:9:19: kernel.memory_regions[0]: expected an array, got an integer")
CONFIG_ERROR(
    test_config_unknown_map_type,
    BASE KERNEL_HEAD "memory_regions = [[0x8000_0000, 0x100_0000, 0x7, 4]]\n", -AXVM_EINVAL,
    "vm.toml:9:50: kernel.memory_regions[0][3]: unknown map_type 4 (0 alloc, 1 identical, 2 "
    "reserved, 3 lazy)")
CONFIG_ERROR(
    test_config_hpa_only_for_reserved_regions,
    BASE KERNEL_HEAD "memory_regions = [[0x8000_0000, 0x100_0000, 0x7, 0, 0x4000_0000]]\n",
    -AXVM_EINVAL,
    "vm.toml:9:53: kernel.memory_regions[0][4]: a host address is only allowed with map_type "
    "2 (reserved)")
CONFIG_ERROR(test_config_region_flags_beyond_32_bits,
	     BASE KERNEL_HEAD "memory_regions = [[0x8000_0000, 0x100_0000, 0x1_0000_0007, 0]]\n",
	     -AXVM_ERANGE,
	     "vm.toml:9:45: kernel.memory_regions[0][2]: 0x100000007 does not fit in 32 bits")
CONFIG_ERROR(
    test_config_unknown_image_location, BASE KERNEL "image_location = \"net\"\n", -AXVM_EINVAL,
    "vm.toml:10:18: kernel.image_location: unknown image location \"net\" (expected \"fs\" or "
    "\"memory\")")
CONFIG_ERROR(test_config_unknown_interrupt_mode,
	     BASE KERNEL "[devices]\ninterrupt_mode = \"msi\"\n", -AXVM_EINVAL,
	     "vm.toml:11:18: devices.interrupt_mode: unknown interrupt mode \"msi\" (expected "
	     "\"no_irq\", \"emulated\" or \"passthrough\")")
CONFIG_ERROR(test_config_passthrough_device_wrong_arity,
	     BASE KERNEL "[devices]\npassthrough_devices = [[\"uart\", 0x1000_0000, 0x1000, 10]]\n",
	     -AXVM_EINVAL,
	     "vm.toml:11:24: devices.passthrough_devices[0]: expected 5 elements [name, base_gpa, "
	     "base_hpa, length, irq_id], got 4")
CONFIG_ERROR(test_config_passthrough_negative_host_address_names_its_element,
	     BASE KERNEL "[devices]\npassthrough_devices = [[\"uart\", 0x1000_0000, -4096, "
			 "0x1000, 10]]\n",
	     -AXVM_ERANGE,
	     "vm.toml:11:46: devices.passthrough_devices[0][2]: an address cannot be negative "
	     "(got -0x1000)")
CONFIG_ERROR(test_config_passthrough_irq_beyond_32_bits_names_its_element,
	     BASE KERNEL "[devices]\npassthrough_devices = [[\"uart\", 0x1000_0000, 0x1000_0000, "
			 "0x1000, 0x1_0000_0000]]\n",
	     -AXVM_ERANGE,
	     "vm.toml:11:67: devices.passthrough_devices[0][4]: 0x100000000 does not fit in 32 "
	     "bits")
CONFIG_ERROR(test_config_emu_negative_length_names_its_element,
	     BASE KERNEL "[devices]\nemu_devices = [[\"x\", 0x1000_0000, -1, 10, 2]]\n",
	     -AXVM_ERANGE,
	     "vm.toml:11:35: devices.emu_devices[0][2]: expected a non-negative integer, got -1")
CONFIG_ERROR(test_config_device_tree_passthrough_is_not_supported,
	     BASE KERNEL "[devices]\npassthrough_devices = [\n    [\"/\"],\n]\n", -AXVM_ENOTSUP,
	     "vm.toml:12:5: devices.passthrough_devices[0]: a device-tree path alone is not "
	     "supported; give [name, base_gpa, base_hpa, length, irq_id]")
CONFIG_ERROR(test_config_emu_device_name_must_be_a_string,
	     BASE KERNEL "[devices]\nemu_devices = [[0x2, 0x1000_0000, 0x100, 10, 2]]\n",
	     -AXVM_EINVAL,
	     "vm.toml:11:17: devices.emu_devices[0][0]: expected a string, got an integer")
CONFIG_ERROR(test_config_emu_type_beyond_u8,
	     BASE KERNEL "[devices]\nemu_devices = [[\"x\", 0x1000_0000, 0x100, 10, 0x100]]\n",
	     -AXVM_ERANGE,
	     "vm.toml:11:46: devices.emu_devices[0][4]: emu_type 0x100 is out of range (0 to 0xff)")
CONFIG_ERROR(test_config_emu_cfg_list_over_limit,
	     BASE KERNEL "[devices]\nemu_devices = [[\"x\", 0x1000_0000, 0x100, 10, 2, "
			 "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]]]\n",
	     -AXVM_ELIMIT,
	     "vm.toml:11:49: devices.emu_devices[0][5]: 17 values exceed the limit of 16")
/* A virtio-net entry (0xe2) may end with its --net options as a string; nothing else may. */
TEST(test_config_nic_entry_takes_an_options_string)
{
	REQUIRE_OK(parse(BASE KERNEL "[devices]\nemu_devices = [[\"eth0\", 0x1000_1000, 0x1000, 1, "
				     "0xe2, \"user,hostfwd=tcp:127.0.0.1:8080-:80\"]]\n"));
	CHECK_INT(1, cfg.emu_device_count);
	CHECK_STR("user,hostfwd=tcp:127.0.0.1:8080-:80", cfg.emu_devices[0].options);
	CHECK_INT(0, cfg.emu_devices[0].cfg_count);
	REQUIRE_OK(parse(BASE KERNEL "[devices]\nemu_devices = [[\"eth0\", 0x1000_1000, 0x1000, 1, "
				     "0xe2]]\n"));
	CHECK_STR("", cfg.emu_devices[0].options);
}
CONFIG_ERROR(test_config_options_string_only_for_a_nic,
	     BASE KERNEL
	     "[devices]\nemu_devices = [[\"x\", 0x1000_1000, 0x1000, 1, 0xe1, \"ro\"]]\n",
	     -AXVM_EINVAL,
	     "vm.toml:11:52: devices.emu_devices[0][5]: expected an array, got a string")
CONFIG_ERROR(
    test_config_excluded_devices_shape_is_checked,
    BASE KERNEL "[devices]\nexcluded_devices = [\"/soc/a\", 1]\n", -AXVM_EINVAL,
    "vm.toml:11:31: devices.excluded_devices[1]: expected a string or an array of strings, "
    "got an integer")
CONFIG_ERROR(test_config_passthrough_addresses_shape_is_checked,
	     BASE KERNEL "[devices]\npassthrough_addresses = [[0x1000_0000]]\n", -AXVM_EINVAL,
	     "vm.toml:11:26: devices.passthrough_addresses[0]: expected 2 elements [base_gpa, "
	     "length], got 1")
CONFIG_ERROR(test_config_syntax_error_comes_from_the_parser, BASE "id = 8\n" KERNEL, -AXVM_EPARSE,
	     "vm.toml:5:1: duplicate key 'id' (first defined at 2:1)")

TEST(test_config_too_many_regions)
{
	static char text[8192];
	size_t n =
	    (size_t)snprintf(text, sizeof(text), "%s%s", BASE KERNEL_HEAD, "memory_regions = [\n");

	for (unsigned i = 0; i < 33; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[0x%x, 0x1000, 7, 0],\n",
				      0x80000000u + i * 0x1000u);
	snprintf(text + n, sizeof(text) - n, "]\n");
	check_parse_error(text, -AXVM_ELIMIT,
			  "vm.toml:9:18: kernel.memory_regions: 33 regions exceed the limit of 32",
			  __LINE__);
}

/* ---- semantic errors through parse: prefixed with the file name ---- */

CONFIG_ERROR(test_config_parse_reports_entry_outside_memory,
	     BASE "[kernel]\nentry_point = 0x9000_0000\nkernel_path = \"Image\"\n"
		  "kernel_load_addr = 0x8020_0000\n" REGIONS,
	     -AXVM_ERANGE, "vm.toml: kernel.entry_point: 0x90000000 is outside every memory region")
CONFIG_ERROR(test_config_parse_reports_overlapping_regions,
	     BASE KERNEL_HEAD "memory_regions = [\n  [0x8000_0000, 0x100_0000, 0x7, 0],\n"
			      "  [0x8000_0000, 0x1000, 0x3, 3],\n]\n",
	     -AXVM_EOVERLAP,
	     "vm.toml: kernel.memory_regions[1]: overlaps memory_regions[0] at 0x80000000")
CONFIG_ERROR(test_config_parse_reports_zero_cpu_num,
	     "[base]\nid = 7\nname = \"t\"\ncpu_num = 0\n" KERNEL, -AXVM_EINVAL,
	     "vm.toml: base.cpu_num: must be at least 1")

/* ---- the message: the thread's, and a copy in err ---- */

TEST(test_config_err_buffer_is_a_copy_of_the_thread_message)
{
	char small[12];

	CHECK_INT(-AXVM_EPARSE, parse("a = 1.0"));
	CHECK_STR("vm.toml:1:5: floating-point numbers are not supported", err);
	CHECK_STR(err, axvm_error_message());
	CHECK_INT(-AXVM_EPARSE,
		  axvm_config_parse("a = 1.0", 7, "vm.toml", &cfg, small, sizeof(small)));
	CHECK_STR("vm.toml:1:5", small); /* truncated to the buffer */
	CHECK_INT(-AXVM_EPARSE, axvm_config_parse("a = 1.0", 7, "vm.toml", &cfg, NULL, 0));
	CHECK_STR(err, axvm_error_message());
	CHECK_INT(0, parse(BASE KERNEL));
	CHECK_STR("", err); /* emptied on success */
}

/* ---- files ---- */

TEST(test_config_load_missing_file_names_the_path)
{
	CHECK_INT(-AXVM_ENOENT,
		  axvm_config_load("/nonexistent-axvm-dir/vm.toml", &cfg, err, sizeof(err)));
	CHECK_STR("/nonexistent-axvm-dir/vm.toml: cannot open: No such file or directory", err);
}

TEST(test_config_load_directory_is_an_io_error)
{
	CHECK_INT(-AXVM_EIO, axvm_config_load("/", &cfg, err, sizeof(err)));
	CHECK_STR("/: is a directory, not a regular file", err);
}

TEST(test_config_load_refuses_a_fifo_without_blocking)
{
	char dir[] = "/tmp/axvm-test-config-XXXXXX", fifo[64], expect[128];

	REQUIRE(mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/vm.toml", dir);
	REQUIRE(mkfifo(fifo, 0600) == 0);
	alarm(10); /* blocking on the FIFO dies of SIGALRM instead of hanging */
	CHECK_INT(-AXVM_EIO, axvm_config_load(fifo, &cfg, err, sizeof(err)));
	alarm(0);
	snprintf(expect, sizeof(expect), "%s: is a FIFO, not a regular file", fifo);
	CHECK_STR(expect, err);
	unlink(fifo);
	rmdir(dir);
}

TEST(test_config_load_refuses_a_character_device)
{
	CHECK_INT(-AXVM_EIO, axvm_config_load("/dev/zero", &cfg, err, sizeof(err)));
	CHECK_STR("/dev/zero: is a character device, not a regular file", err);
}

static void check_load_error(const char *file, int code, const char *suffix, int line)
{
	const char *path = data_path(file);
	char expected[PATH_MAX + 256];
	int ret = axvm_config_load(path, &cfg, err, sizeof(err));

	if (snprintf(expected, sizeof(expected), "%s%s", path, suffix) >= (int)sizeof(expected))
		test_fail_at(__FILE__, line, "path too long");
	if (ret != code)
		test_fail_at(__FILE__, line, "expected %d, got %d (%s)", code, ret, err);
	if (strcmp(expected, err) != 0)
		test_fail_at(__FILE__, line, "expected \"%s\", got \"%s\"", expected, err);
}

TEST(test_config_load_reports_typo_in_file)
{
	check_load_error("bad-typo.toml", -AXVM_EINVAL, ":5:1: base.cpu_nums: unknown key",
			 __LINE__);
}

TEST(test_config_load_reports_overlap_in_file)
{
	check_load_error("bad-overlap.toml", -AXVM_EOVERLAP,
			 ": kernel.memory_regions[1]: overlaps memory_regions[0] at 0x81000000",
			 __LINE__);
}

TEST(test_config_load_reports_syntax_error_in_file)
{
	check_load_error("bad-syntax.toml", -AXVM_EPARSE,
			 ":10:30: expected ',' or ']' in array, found '0'", __LINE__);
}

TEST(test_config_load_reports_type_error_in_file)
{
	check_load_error("bad-type.toml", -AXVM_EINVAL,
			 ":4:11: base.cpu_num: expected an integer, got a string", __LINE__);
}

/* ---- axvm_config_validate on a struct filled by hand ---- */

static void valid_config(struct axvm_config *c)
{
	axvm_config_init(c);
	c->cpu_num = 2;
	c->bsp_entry = c->ap_entry = 0x80200000;
	snprintf(c->kernel_path, sizeof(c->kernel_path), "Image");
	c->kernel_load_addr = 0x80200000;
	c->region_count = 1;
	c->regions[0] = (struct axvm_mem_region){
	    .gpa = 0x80000000,
	    .size = 0x1000000,
	    .flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC,
	    .map_type = AXVM_MAP_ALLOC,
	    .hpa = 0x80000000,
	};
}

static void add_region(struct axvm_config *c, uint64_t gpa, uint64_t size, uint32_t flags)
{
	c->regions[c->region_count++] = (struct axvm_mem_region){
	    .gpa = gpa, .size = size, .flags = flags, .map_type = AXVM_MAP_ALLOC, .hpa = gpa};
}

static void add_emu(struct axvm_config *c, const char *name, uint64_t base, uint64_t len)
{
	struct axvm_emu_device *d = &c->emu_devices[c->emu_device_count++];

	snprintf(d->name, sizeof(d->name), "%s", name);
	d->base_gpa = base;
	d->length = len;
}

static void add_passthrough(struct axvm_config *c, uint64_t gpa, uint64_t hpa, uint64_t len)
{
	struct axvm_passthrough_device *d = &c->passthrough[c->passthrough_count++];

	snprintf(d->name, sizeof(d->name), "pt");
	d->base_gpa = gpa;
	d->base_hpa = hpa;
	d->length = len;
}

static void check_invalid(const struct axvm_config *c, int code, const char *expected, int line)
{
	int ret = axvm_config_validate(c, err, sizeof(err));

	if (ret != code)
		test_fail_at(__FILE__, line, "expected %d, got %d (%s)", code, ret, err);
	if (strcmp(expected, err) != 0)
		test_fail_at(__FILE__, line, "expected \"%s\", got \"%s\"", expected, err);
}

TEST(test_validate_accepts_a_valid_config)
{
	valid_config(&cfg);
	add_emu(&cfg, "uart", 0x10000000, 0x100);
	add_passthrough(&cfg, 0x0c000000, 0x0c000000, 0x210000);
	REQUIRE_OK(axvm_config_validate(&cfg, err, sizeof(err)));
	CHECK_STR("", err);
}

TEST(test_validate_accepts_adjacent_regions_and_devices)
{
	valid_config(&cfg);
	add_region(&cfg, 0x81000000, 0x1000, AXVM_MEM_READ);
	add_emu(&cfg, "a", 0x81001000, 0x100);
	add_emu(&cfg, "b", 0x81001100, 0x100);
	add_emu(&cfg, "c", 0x7ffff000, 0x1000);
	REQUIRE_OK(axvm_config_validate(&cfg, err, sizeof(err)));
}

TEST(test_validate_accepts_region_ending_at_top_of_address_space)
{
	valid_config(&cfg);
	add_region(&cfg, 0xfffffffffffff000ull, 0x1000, AXVM_MEM_READ);
	REQUIRE_OK(axvm_config_validate(&cfg, err, sizeof(err)));
}

TEST(test_validate_rejects_zero_cpus)
{
	valid_config(&cfg);
	cfg.cpu_num = 0;
	check_invalid(&cfg, -AXVM_EINVAL, "base.cpu_num: must be at least 1", __LINE__);
}

TEST(test_validate_rejects_too_many_cpus)
{
	valid_config(&cfg);
	cfg.cpu_num = 65;
	check_invalid(&cfg, -AXVM_ELIMIT, "base.cpu_num: 65 exceeds the limit of 64 vCPUs",
		      __LINE__);
}

TEST(test_validate_rejects_cpu_id_beyond_mask)
{
	valid_config(&cfg);
	cfg.has_phys_cpu_ids = true;
	cfg.phys_cpu_ids[0] = 3;
	cfg.phys_cpu_ids[1] = 64;
	check_invalid(&cfg, -AXVM_ERANGE,
		      "base.phys_cpu_ids[1]: CPU 64 is outside the 64 CPUs a CPU mask can address",
		      __LINE__);
}

TEST(test_validate_rejects_empty_cpu_set)
{
	valid_config(&cfg);
	cfg.has_phys_cpu_sets = true;
	cfg.phys_cpu_sets[0] = 0x1;
	cfg.phys_cpu_sets[1] = 0;
	check_invalid(&cfg, -AXVM_EINVAL, "base.phys_cpu_sets[1]: empty CPU mask", __LINE__);
}

TEST(test_validate_rejects_zero_size_region)
{
	valid_config(&cfg);
	add_region(&cfg, 0x90000000, 0, AXVM_MEM_READ);
	check_invalid(&cfg, -AXVM_EINVAL, "kernel.memory_regions[1]: size is zero", __LINE__);
}

TEST(test_validate_rejects_misaligned_region_gpa)
{
	valid_config(&cfg);
	add_region(&cfg, 0x90000800, 0x1000, AXVM_MEM_READ);
	check_invalid(&cfg, -AXVM_EALIGN,
		      "kernel.memory_regions[1]: gpa 0x90000800 is not 4 KiB-aligned", __LINE__);
}

TEST(test_validate_rejects_misaligned_region_size)
{
	valid_config(&cfg);
	add_region(&cfg, 0x90000000, 0x1800, AXVM_MEM_READ);
	check_invalid(&cfg, -AXVM_EALIGN,
		      "kernel.memory_regions[1]: size 0x1800 is not a multiple of 4 KiB", __LINE__);
}

TEST(test_validate_rejects_region_overflowing_address_space)
{
	valid_config(&cfg);
	add_region(&cfg, 0xfffffffffffff000ull, 0x2000, AXVM_MEM_READ);
	check_invalid(&cfg, -AXVM_ERANGE,
		      "kernel.memory_regions[1]: 0xfffffffffffff000 + 0x2000 overflows the address "
		      "space",
		      __LINE__);
}

TEST(test_validate_rejects_unknown_region_flags)
{
	valid_config(&cfg);
	add_region(&cfg, 0x90000000, 0x1000, AXVM_MEM_READ | 0x40);
	check_invalid(&cfg, -AXVM_EINVAL,
		      "kernel.memory_regions[1]: unknown flag bits 0x40 (known: 0x3f)", __LINE__);
}

TEST(test_validate_rejects_unknown_map_type)
{
	valid_config(&cfg);
	cfg.regions[0].map_type = (enum axvm_map_type)7;
	check_invalid(&cfg, -AXVM_EINVAL, "kernel.memory_regions[0]: unknown map_type 7", __LINE__);
}

TEST(test_validate_rejects_identical_region_with_other_hpa)
{
	valid_config(&cfg);
	cfg.regions[0].map_type = AXVM_MAP_IDENTICAL;
	cfg.regions[0].hpa = 0x40000000;
	check_invalid(&cfg, -AXVM_EINVAL,
		      "kernel.memory_regions[0]: identical mapping with hpa 0x40000000 != gpa "
		      "0x80000000",
		      __LINE__);
}

TEST(test_validate_rejects_misaligned_reserved_hpa)
{
	valid_config(&cfg);
	cfg.regions[0].map_type = AXVM_MAP_RESERVED;
	cfg.regions[0].hpa = 0x40000100;
	check_invalid(&cfg, -AXVM_EALIGN,
		      "kernel.memory_regions[0]: hpa 0x40000100 is not 4 KiB-aligned", __LINE__);
}

TEST(test_validate_rejects_overlapping_regions)
{
	valid_config(&cfg);
	add_region(&cfg, 0x7f000000, 0x2000000, AXVM_MEM_READ);
	check_invalid(&cfg, -AXVM_EOVERLAP,
		      "kernel.memory_regions[1]: overlaps memory_regions[0] at 0x80000000",
		      __LINE__);
}

TEST(test_validate_rejects_region_inside_another)
{
	valid_config(&cfg);
	add_region(&cfg, 0x90000000, 0x1000, AXVM_MEM_READ);
	add_region(&cfg, 0x80ff0000, 0x1000, AXVM_MEM_READ);
	check_invalid(&cfg, -AXVM_EOVERLAP,
		      "kernel.memory_regions[2]: overlaps memory_regions[0] at 0x80ff0000",
		      __LINE__);
}

TEST(test_validate_rejects_too_many_regions)
{
	valid_config(&cfg);
	cfg.region_count = AXVM_CONFIG_MAX_REGIONS + 1;
	check_invalid(&cfg, -AXVM_ELIMIT,
		      "kernel.memory_regions: 33 regions exceed the limit of 32", __LINE__);
}

TEST(test_validate_rejects_entry_outside_memory)
{
	valid_config(&cfg);
	cfg.bsp_entry = cfg.ap_entry = 0x90000000;
	check_invalid(&cfg, -AXVM_ERANGE,
		      "kernel.entry_point: 0x90000000 is outside every memory region", __LINE__);
}

TEST(test_validate_rejects_entry_one_past_region_end)
{
	valid_config(&cfg);
	cfg.bsp_entry = cfg.ap_entry = 0x81000000;
	check_invalid(&cfg, -AXVM_ERANGE,
		      "kernel.entry_point: 0x81000000 is outside every memory region", __LINE__);
}

TEST(test_validate_rejects_entry_in_non_executable_region)
{
	valid_config(&cfg);
	add_region(&cfg, 0x90000000, 0x1000, AXVM_MEM_READ | AXVM_MEM_WRITE);
	cfg.bsp_entry = cfg.ap_entry = 0x90000000;
	check_invalid(&cfg, -AXVM_EPERM,
		      "kernel.entry_point: 0x90000000 is in kernel.memory_regions[1], which is not "
		      "executable (flags 0x3)",
		      __LINE__);
}

TEST(test_validate_rejects_ap_entry_outside_memory)
{
	valid_config(&cfg);
	cfg.ap_entry = 0x10000;
	check_invalid(&cfg, -AXVM_ERANGE, "ap_entry: 0x10000 is outside every memory region",
		      __LINE__);
}

TEST(test_validate_rejects_kernel_load_addr_outside_memory)
{
	valid_config(&cfg);
	cfg.kernel_load_addr = 0x70000000;
	check_invalid(&cfg, -AXVM_ERANGE,
		      "kernel.kernel_load_addr: 0x70000000 is outside every memory region",
		      __LINE__);
}

TEST(test_validate_rejects_dtb_load_addr_outside_memory)
{
	valid_config(&cfg);
	cfg.has_dtb_load_addr = true;
	cfg.dtb_load_addr = 0x82200000;
	check_invalid(&cfg, -AXVM_ERANGE,
		      "kernel.dtb_load_addr: 0x82200000 is outside every memory region", __LINE__);
}

TEST(test_validate_rejects_ramdisk_load_addr_outside_memory)
{
	valid_config(&cfg);
	cfg.has_ramdisk_load_addr = true;
	cfg.ramdisk_load_addr = 0x84000000;
	check_invalid(&cfg, -AXVM_ERANGE,
		      "kernel.ramdisk_load_addr: 0x84000000 is outside every memory region",
		      __LINE__);
}

TEST(test_validate_rejects_bios_load_addr_outside_memory)
{
	valid_config(&cfg);
	snprintf(cfg.bios_path, sizeof(cfg.bios_path), "fw.bin");
	cfg.bios_load_addr = 0x1000;
	check_invalid(&cfg, -AXVM_ERANGE,
		      "kernel.bios_load_addr: 0x1000 is outside every memory region", __LINE__);
}

TEST(test_validate_rejects_device_overlapping_memory)
{
	valid_config(&cfg);
	add_emu(&cfg, "uart", 0x10000000, 0x100);
	add_emu(&cfg, "bad", 0x80fff000, 0x2000);
	check_invalid(&cfg, -AXVM_EOVERLAP,
		      "devices.emu_devices[1]: overlaps kernel.memory_regions[0] at 0x80fff000",
		      __LINE__);
}

TEST(test_validate_rejects_devices_overlapping_each_other)
{
	valid_config(&cfg);
	add_emu(&cfg, "plic", 0x0c000000, 0x600000);
	add_passthrough(&cfg, 0x0c200000, 0x0c200000, 0x1000);
	check_invalid(
	    &cfg, -AXVM_EOVERLAP,
	    "devices.passthrough_devices[0]: overlaps devices.emu_devices[0] at 0xc200000",
	    __LINE__);
}

TEST(test_validate_rejects_zero_length_device)
{
	valid_config(&cfg);
	add_emu(&cfg, "empty", 0x10000000, 0);
	check_invalid(&cfg, -AXVM_EINVAL, "devices.emu_devices[0]: length is zero", __LINE__);
}

TEST(test_validate_rejects_device_overflowing_address_space)
{
	valid_config(&cfg);
	add_emu(&cfg, "top", 0xffffffffffffff00ull, 0x200);
	check_invalid(
	    &cfg, -AXVM_ERANGE,
	    "devices.emu_devices[0]: 0xffffffffffffff00 + 0x200 overflows the address space",
	    __LINE__);
}

TEST(test_validate_rejects_misaligned_passthrough_device)
{
	valid_config(&cfg);
	add_passthrough(&cfg, 0x10000000, 0x10000100, 0x1000);
	check_invalid(
	    &cfg, -AXVM_EALIGN,
	    "devices.passthrough_devices[0]: base_gpa 0x10000000, base_hpa 0x10000100 and "
	    "length 0x1000 must be 4 KiB-aligned",
	    __LINE__);
}

TEST(test_validate_rejects_too_many_emu_cfg_values)
{
	valid_config(&cfg);
	add_emu(&cfg, "x", 0x10000000, 0x100);
	cfg.emu_devices[0].cfg_count = AXVM_CONFIG_MAX_CFG_LIST + 1;
	check_invalid(&cfg, -AXVM_ELIMIT,
		      "devices.emu_devices[0][5]: 17 values exceed the limit of 16", __LINE__);
}

TEST(test_validate_rejects_emu_device_inside_passthrough_range)
{
	valid_config(&cfg);
	add_emu(&cfg, "uart", 0x10000f00, 0x100);
	add_passthrough(&cfg, 0x10000000, 0x10000000, 0x1000);
	check_invalid(
	    &cfg, -AXVM_EOVERLAP,
	    "devices.passthrough_devices[0]: overlaps devices.emu_devices[0] at 0x10000f00",
	    __LINE__);
	cfg.emu_devices[0].base_gpa = 0x10001100;
	cfg.passthrough[0].base_gpa = 0x10002000;
	cfg.passthrough[0].base_hpa = 0x10002000;
	REQUIRE_OK(axvm_config_validate(&cfg, err, sizeof(err)));
	cfg.passthrough[0].base_gpa = 0x10001000;
	check_invalid(
	    &cfg, -AXVM_EOVERLAP,
	    "devices.passthrough_devices[0]: overlaps devices.emu_devices[0] at 0x10001100",
	    __LINE__);
}
