/* SPDX-License-Identifier: MIT */
/*
 * The VM configuration and its loader for the AxVisor TOML VM-config format
 * (tables [base], [kernel], [devices]; see docs/config.md).
 *
 * The struct is plain data with fixed-size arrays: it can be copied, kept on
 * the stack and filled by hand as well as from a file. Limits are the
 * AXVM_CONFIG_MAX_* constants; a file that exceeds one is rejected with a
 * message naming the field.
 */
#ifndef AXVM_CONFIG_H
#define AXVM_CONFIG_H

#include "hal.h"
#include "types.h"

#define AXVM_CONFIG_MAX_VCPUS 64
#define AXVM_CONFIG_MAX_REGIONS 32
#define AXVM_CONFIG_MAX_DEVICES 64
#define AXVM_CONFIG_MAX_CFG_LIST 16
#define AXVM_CONFIG_NAME_MAX 64
#define AXVM_CONFIG_PATH_MAX 1024
#define AXVM_CONFIG_OPTIONS_MAX 512
#define AXVM_CONFIG_CMDLINE_MAX 2048
#define AXVM_CONFIG_ERR_MAX 512

/* The reference's VmMemMappingType. */
enum axvm_map_type {
	AXVM_MAP_ALLOC = 0,	/* allocated by the VMM (linear) */
	AXVM_MAP_IDENTICAL = 1, /* gpa == hpa (host memory passed through) */
	AXVM_MAP_RESERVED = 2,	/* reserved host memory at hpa */
	AXVM_MAP_LAZY = 3,	/* ours: allocated page by page on first touch */
};

enum axvm_vm_type {
	AXVM_VM_TYPE_HOST = 0,
	AXVM_VM_TYPE_RTOS = 1,
	AXVM_VM_TYPE_LINUX = 2,
};

enum axvm_interrupt_mode {
	AXVM_INTERRUPT_MODE_NO_IRQ = 0,
	AXVM_INTERRUPT_MODE_EMULATED,
	AXVM_INTERRUPT_MODE_PASSTHROUGH,
};

/* The reference's EmulatedDeviceType values. */
enum axvm_emu_type {
	AXVM_EMU_DUMMY = 0x0,
	AXVM_EMU_INTERRUPT_CONTROLLER = 0x1,
	AXVM_EMU_CONSOLE = 0x2,
	AXVM_EMU_IVC_CHANNEL = 0xA,
	AXVM_EMU_GPPT_REDISTRIBUTOR = 0x20,
	AXVM_EMU_GPPT_DISTRIBUTOR = 0x21,
	AXVM_EMU_GPPT_ITS = 0x22,
	AXVM_EMU_VIRTIO_BLK = 0xE1,
	AXVM_EMU_VIRTIO_NET = 0xE2,
	AXVM_EMU_VIRTIO_CONSOLE = 0xE3,
};

struct axvm_mem_region {
	axvm_gpa_t gpa;
	uint64_t size;
	uint32_t flags; /* AXVM_MEM_* */
	enum axvm_map_type map_type;
	axvm_hpa_t hpa; /* host-physical base for IDENTICAL (== gpa) and RESERVED */
};

struct axvm_emu_device {
	char name[AXVM_CONFIG_NAME_MAX];
	axvm_gpa_t base_gpa;
	uint64_t length;
	uint32_t irq_id;
	uint32_t emu_type; /* enum axvm_emu_type */
	uint64_t cfg_list[AXVM_CONFIG_MAX_CFG_LIST];
	unsigned cfg_count;
	/*
	 * axvm's addition: for a virtio-net (0xe2) the sixth item may be a string
	 * instead of the cfg list, the NIC's options as `axvm run --net` takes
	 * them ("user,hostfwd=tcp:127.0.0.1:8080-:80"); "" = none (user).
	 */
	char options[AXVM_CONFIG_OPTIONS_MAX];
};

struct axvm_passthrough_device {
	char name[AXVM_CONFIG_NAME_MAX];
	axvm_gpa_t base_gpa;
	axvm_hpa_t base_hpa;
	uint64_t length;
	uint32_t irq_id;
};

struct axvm_vcpu_ops;

struct axvm_config {
	/* [base] */
	uint64_t id;
	char name[AXVM_CONFIG_NAME_MAX];
	enum axvm_vm_type vm_type;
	unsigned cpu_num;
	bool has_phys_cpu_ids;
	int phys_cpu_ids[AXVM_CONFIG_MAX_VCPUS]; /* per vCPU; -1 = none */
	bool has_phys_cpu_sets;
	axvm_cpumask_t phys_cpu_sets[AXVM_CONFIG_MAX_VCPUS]; /* per vCPU; 0 = default */

	/* [kernel] */
	uint64_t bsp_entry; /* entry_point */
	uint64_t ap_entry;  /* entry_point unless set separately */
	char kernel_path[AXVM_CONFIG_PATH_MAX];
	axvm_gpa_t kernel_load_addr;
	char bios_path[AXVM_CONFIG_PATH_MAX]; /* "" = none */
	axvm_gpa_t bios_load_addr;
	char dtb_path[AXVM_CONFIG_PATH_MAX];
	axvm_gpa_t dtb_load_addr;
	bool has_dtb_load_addr;
	char ramdisk_path[AXVM_CONFIG_PATH_MAX];
	axvm_gpa_t ramdisk_load_addr;
	bool has_ramdisk_load_addr;
	char image_location[16]; /* "fs" (default) or "memory" */
	char cmdline[AXVM_CONFIG_CMDLINE_MAX];
	char disk_path[AXVM_CONFIG_PATH_MAX];
	unsigned region_count;
	struct axvm_mem_region regions[AXVM_CONFIG_MAX_REGIONS];

	/* [devices] */
	unsigned emu_device_count;
	struct axvm_emu_device emu_devices[AXVM_CONFIG_MAX_DEVICES];
	unsigned passthrough_count;
	struct axvm_passthrough_device passthrough[AXVM_CONFIG_MAX_DEVICES];
	enum axvm_interrupt_mode interrupt_mode;

	/* Not from the file: how to build the VM (NULL = defaults). */
	const struct axvm_hal *hal;	      /* NULL = axvm_hal_linux() */
	const struct axvm_vcpu_ops *vcpu_ops; /* axvm_config_init: the riscv64 hart */
	const void *vcpu_arch_config;	      /* passed to the backend's create() */
	const void *vcpu_setup_config;	      /* passed to the backend's setup() */
};

/*
 * A config with defaults: cpu_num 1, no regions, no devices, the riscv64
 * software hart as the vCPU backend (vcpu_ops; axvm_create refuses NULL),
 * the Linux HAL (hal NULL).
 */
AXVM_API void axvm_config_init(struct axvm_config *cfg);

/*
 * Parse TOML text / a file into *cfg (which is initialised first) and
 * validate it. On error, returns a negative AXVM_E* and records a message
 * "file:line:col: reason" (or "file: field: reason"): axvm_error_message().
 * `err` (may be NULL) gets a copy of it, or "" on success.
 * `name` is what messages call the text (e.g. its path).
 */
AXVM_API int axvm_config_parse(const char *text, size_t len, const char *name,
			       struct axvm_config *cfg, char *err, size_t errlen);
AXVM_API int axvm_config_load(const char *path, struct axvm_config *cfg, char *err, size_t errlen);

/*
 * Semantic checks on a filled config: cpu_num vs id/set lists, overlapping
 * or misaligned regions, entry points outside memory, devices overlapping
 * memory or each other. The message (axvm_error_message(), copied into
 * `err` if not NULL) names the field, e.g.
 * "kernel.memory_regions[1]: overlaps memory_regions[0] at 0x80000000".
 */
AXVM_API int axvm_config_validate(const struct axvm_config *cfg, char *err, size_t errlen);

#endif
