/* SPDX-License-Identifier: MIT */
/*
 * Boards: a machine layout on top of the VM layer. The "virt" board follows
 * QEMU's riscv virt machine (see DESIGN.md): RAM at 0x8000_0000, PLIC at
 * 0x0c00_0000, ns16550a UART at 0x1000_0000 (IRQ 10), sifive,test0
 * finisher at 0x10_0000, goldfish RTC at 0x10_1000 (IRQ 11), eight
 * virtio-mmio slots from 0x1000_1000 (IRQ 1..8, in the device tree; the
 * devices the options list fill them, the rest stay empty) and an
 * empty PCIe ECAM window at 0x3000_0000 (not in our device tree; there for
 * guests given QEMU's), both answering "no device" as QEMU's do. The board
 * creates and initialises the VM, its devices and the per-VM machine state,
 * loads the images, writes the device tree into guest RAM and prepares vCPU 0
 * (axvm_vcpu_set_boot_args with the DTB address: riscv64 pc = entry, a0 = 0,
 * a1 = DTB). The caller then boots the VM and runs its vCPUs (the runtime).
 *
 * Threads: create/destroy from one thread while no vCPU runs; the accessors
 * and axvm_board_poweroff_requested are safe from any thread.
 */
#ifndef AXVM_BOARD_H
#define AXVM_BOARD_H

#include "config.h"
#include "console.h"
#include "exit.h"
#include "hal.h"
#include "riscv64.h"
#include "types.h"
#include "vm.h"

#define AXVM_BOARD_VIRT_RAM_BASE 0x80000000ull
#define AXVM_BOARD_VIRT_RAM_DEFAULT (128ull << 20)
#define AXVM_BOARD_VIRT_KERNEL_OFFSET 0x200000ull
#define AXVM_BOARD_VIRT_MAX_CPUS 8
/* Devices in axvm_board_options.devices: one per virtio-mmio slot. */
#define AXVM_BOARD_MAX_DEVICES 8

struct axvm_event_loop;
/* The hart's default: the board's harts and device tree agree on it. */
#define AXVM_BOARD_VIRT_TIMEBASE_DEFAULT AXVM_RISCV64_DEFAULT_TIMEBASE_HZ

/* Which console the device tree's /chosen/stdout-path points at. */
enum axvm_board_stdout {
	AXVM_BOARD_STDOUT_SERIAL = 0, /* "/soc/serial@10000000" (Linux ttyS0) */
	AXVM_BOARD_STDOUT_SBI,	      /* no stdout-path: the SBI console (Linux hvc0) */
};

/* How the kernel file is read. */
enum axvm_board_kernel_format {
	AXVM_BOARD_KERNEL_AUTO = 0, /* ELF magic -> ELF, riscv Image magic -> Image, else flat */
	AXVM_BOARD_KERNEL_IMAGE,    /* riscv Linux Image (header with text_offset, image_size) */
	AXVM_BOARD_KERNEL_ELF,	    /* ELF64 riscv: PT_LOAD segments at p_paddr, e_entry */
	AXVM_BOARD_KERNEL_FLAT,	    /* raw bytes at the kernel load address, entry there */
};

/*
 * A device to plug in by class name: "virtio-blk", "virtio-console",
 * "virtio-rng", "virtio-net". Or one of the board's own by its class name
 * with options "off", to leave it out (off the bus and out of the device
 * tree): "ns16550a", "goldfish-rtc", "sifive-test", "pci-ecam-empty"; the
 * PLIC cannot be, and other settings are refused. The strings are borrowed
 * until axvm_board_virt_create returns.
 */
struct axvm_board_device {
	const char *cls;     /* the class name */
	const char *options; /* the class's options ("disk.img,ro,serial=x"); NULL = none */
	/*
	 * Where the request came from, put before the device's messages: "-d"
	 * gives "-d disk.img: No such file or directory"; NULL = the class name.
	 */
	const char *origin;
};

/*
 * How to build the board. Zero / NULL fields take the default or the value
 * from base_config; a non-zero / non-NULL field overrides base_config.
 */
struct axvm_board_options {
	unsigned cpus;		 /* 0 = base_config->cpu_num, else 1 */
	uint64_t ram_size;	 /* 0 = base_config's RAM region at RAM_BASE, else 128 MiB */
	const char *kernel_path; /* raw riscv Image, ELF64 riscv, or flat binary */
	enum axvm_board_kernel_format kernel_format;
	const char *initrd_path;
	const char *dtb_path;	      /* a user DTB used instead of the generated one */
	const char *cmdline;	      /* /chosen/bootargs */
	struct axvm_console *console; /* UART (and SBI console) I/O; NULL = none */
	enum axvm_board_stdout stdout_path;
	uint64_t timebase_hz; /* 0 = 10 MHz */
	bool sstc;	      /* offer Sstc (stimecmp) to the guest */
	/*
	 * Guest RAM against the host's memory (the CLI sets both from the
	 * host's physical memory): above ram_warn_above a warning, above
	 * ram_limit a refusal (-AXVM_ERANGE). 0 = no check.
	 */
	uint64_t ram_warn_above;
	uint64_t ram_limit;
	/* ISA extensions turned off (1ull << AXVM_RISCV64_EXT_*, axvm/riscv64.h); 0 = all on. */
	uint64_t isa_ext_off;
	/* Of AXVM_RISCV64_EXT_DEFAULT_OFF (Svade), those turned on. */
	uint64_t isa_ext_on;
	enum axvm_riscv64_jit jit; /* translate hot guest code (0: on where available) */
	/* Optional: a config file's [base]/[kernel] settings (memory, entry, paths). */
	const struct axvm_config *base_config;
	const struct axvm_hal *hal; /* NULL = axvm_hal_linux() */
	/*
	 * Wall clock for the RTC in ns since the Unix epoch; NULL = the host's
	 * CLOCK_REALTIME. Lets tests be deterministic.
	 */
	uint64_t (*realtime_ns)(void *opaque);
	void *realtime_opaque;
	/*
	 * The event service the devices do their host I/O on (axvm/event.h); it
	 * must outlive the board and must not run on another thread while the
	 * board is created or destroyed. Required when devices are listed.
	 */
	struct axvm_event_loop *events;
	/*
	 * Devices to create, each in its own virtio-mmio slot. They fill the
	 * slots from the top (0x1000_8000, IRQ 8) down, as QEMU's virt does,
	 * because Linux numbers virtio-mmio devices in reverse device-tree
	 * order: devices[0] is the guest's first (vda for the first disk).
	 * A base_config's kernel.disk_path is a virtio-blk disk ahead of them;
	 * its emu_devices may only describe the board's PLIC and UART.
	 */
	unsigned device_count;
	struct axvm_board_device devices[AXVM_BOARD_MAX_DEVICES];
};

/* What the guest asked for when it ended the VM through the board's devices. */
struct axvm_board_poweroff {
	enum axvm_system_down_type type;
	/*
	 * The guest's exit status, 0..255: 0 for pass; for a finisher FAIL its
	 * code's low 8 bits, or 1 if those are 0 (a failure never reads 0).
	 */
	int status;
};

struct axvm_board;

/*
 * What the virt board refuses in a config that axvm_config_load accepts
 * (an AxVisor config may list emulated devices this board does not build):
 * 0, or a negative AXVM_E* with a message naming the field. `axvm check`
 * runs it; axvm_board_virt_create runs it too.
 */
AXVM_API int axvm_board_virt_check_config(const struct axvm_config *c);

/* Options with every field at its default (zero / NULL). */
AXVM_API void axvm_board_options_init(struct axvm_board_options *opts);

/*
 * Create the virt board: VM, devices, images, device tree, vCPU 0's boot
 * registers. The VM is left Loaded (not booted). On failure returns a
 * negative AXVM_E* and records a message naming the file, field or address
 * (axvm_error_message(); e.g. "Image: file is 12 bytes, too short for a
 * riscv Image header"; a device's names its origin: "-d disk.img: locked by
 * another process ..."); `err` (may be NULL) gets a copy, "" on success.
 */
AXVM_API int axvm_board_virt_create(const struct axvm_board_options *opts, struct axvm_board **out,
				    char *err, size_t errlen);
/*
 * Destroys the VM and the devices too (the devices before the VM's address
 * space, which their DMA uses). Call it after the vCPU threads have ended
 * and before the event loop is destroyed.
 */
AXVM_API void axvm_board_destroy(struct axvm_board *b);

AXVM_API struct axvm *axvm_board_vm(const struct axvm_board *b);
/*
 * The per-VM machine state shared by the harts and the SBI layer (a
 * struct axvm_riscv64_machine *, see axvm/riscv64.h); NULL if none.
 */
AXVM_API void *axvm_board_machine(const struct axvm_board *b);
AXVM_API struct axvm_console *axvm_board_console(const struct axvm_board *b);

/* Where things were placed in guest memory. */
struct axvm_board_layout {
	axvm_gpa_t ram_base;
	uint64_t ram_size;
	axvm_gpa_t entry;	 /* vCPU 0's first pc */
	axvm_gpa_t kernel_start; /* first byte loaded from the kernel file */
	axvm_gpa_t kernel_end;	 /* one past the last byte the image occupies */
	axvm_gpa_t initrd_start; /* 0 if none */
	axvm_gpa_t initrd_end;
	axvm_gpa_t dtb_addr;
	uint64_t dtb_size;
	uint64_t timebase_hz;
	unsigned cpus;
};
AXVM_API void axvm_board_layout(const struct axvm_board *b, struct axvm_board_layout *out);

/*
 * True once a device (the test finisher) asked to end the VM; fills *out.
 * The device has already called axvm_shutdown, so every vCPU leaves
 * axvm_run_vcpu with -AXVM_ESHUTDOWN. (SBI SRST reaches the runtime as a
 * SystemDown exit instead.)
 */
AXVM_API bool axvm_board_poweroff_requested(const struct axvm_board *b,
					    struct axvm_board_poweroff *out);

/*
 * Fire device timers that are due (the RTC alarm: the board's devices start
 * no threads of their own) and return the host monotonic time in ns at which
 * the next one is due, or UINT64_MAX if none; a runtime calls it when it
 * wakes and sleeps no longer than that. Any thread.
 */
AXVM_API uint64_t axvm_board_poll(struct axvm_board *b);

/* The guest-visible device tree blob (generated or the user's). */
AXVM_API const void *axvm_board_fdt(const struct axvm_board *b, size_t *size);

#endif
