/* SPDX-License-Identifier: MIT */
/*
 * The "virt" board: QEMU's riscv virt memory map (DESIGN.md), built from a
 * device table. Memory map:
 *
 *   0x0010_0000  0x1000    sifive,test0 finisher
 *   0x0010_1000  0x1000    goldfish RTC            IRQ 11
 *   0x0c00_0000  0x600000  PLIC (2 contexts per hart: M, S)
 *   0x1000_0000  0x100     ns16550a UART           IRQ 10
 *   0x1000_1000  8 x 0x1000 virtio-mmio slots, IRQ 1..8: the devices of
 *                          axvm_board_options.devices from the top slot
 *                          down (devices[0] at 0x1000_8000, IRQ 8), the
 *                          others empty (DeviceID 0, "no device") as QEMU's
 *                          virt shows them; an empty slot whose range a
 *                          config already maps is left out
 *   0x3000_0000  256 MiB   PCIe ECAM window, empty (reads all ones); not in
 *                          our DT: for guests that scan it or bring QEMU's DTB
 *   0x8000_0000  ram_size  RAM: kernel at +0x20_0000, initrd at kernel entry
 *                          + min(RAM / 2, 128 MiB) as QEMU (else right below
 *                          the device tree), device tree at the end of RAM
 *                          (2 MiB aligned, as QEMU places it)
 *
 * Every device is an instance of a device class (devices/devclass.h, one
 * file per device): the board knows where each sits (virt_places[] and the
 * slots), not what it is. A user may leave out the board's own devices
 * other than the PLIC ("--device goldfish-rtc,off"); the device tree then
 * lists exactly the devices made.
 *
 * Build order: read the files (fail early with the file's name), create the
 * per-VM machine state, the VM (vCPUs get the machine through their riscv64
 * config), the devices (PLIC first: the others signal through it; each kept
 * in the board's instance list, which destroy walks back through the
 * classes), load the kernel, generate the device tree (the board writes
 * /cpus, /memory and /chosen, each device its own node), place initrd and
 * device tree, and set vCPU 0's entry, a0 = hart id and a1 = DTB address.
 */
#include <axvm/board.h>
#include <axvm/riscv64.h>

#include <inttypes.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "axvm/log.h"
#include "board/fdt.h"
#include "board/loader.h"
#include "board/memcheck.h"
#include "core/error.h"
#include "devices/devclass.h"
#include "devices/virtio_mmio_slot.h"

#define VIRT_FDT_ALIGN (2ull << 20)
#define VIRT_FDT_SPACE 65536 /* room for the generated tree besides bootargs */
#define VIRT_RAM_MIN (4ull << 20)
#define VIRT_PLIC_BASE 0x0c000000ull
#define VIRT_UART_BASE 0x10000000ull
#define VIRT_RNG_SEED_LEN 32 /* bytes of /chosen/rng-seed, as QEMU */
#define VIRT_INITRD_GAP_MAX (128ull << 20)
#define VIRT_VIRTIO_BASE 0x10001000ull
#define VIRT_VIRTIO_SLOTS 8

/*
 * The board's own devices, at QEMU virt's addresses. The PLIC comes first:
 * the devices after it get their interrupt lines from it, and its phandle
 * is what their device-tree nodes name as interrupt-parent. The virtio-mmio
 * slots follow (virt_add_devices).
 */
static const struct virt_place {
	const char *name; /* on the bus: --stats, --trace and the monitor use it */
	const struct axvm_devclass *cls;
	uint64_t base;
	unsigned irq;	     /* interrupt source at the PLIC; 0 = none */
	const char *options; /* the class's options */
	bool optional;	     /* left out when its range is already mapped (a config's memory) */
	bool can_omit;	     /* a user may leave it out: --device NAME,off */
	bool chosen_stdout;  /* /chosen/stdout-path with AXVM_BOARD_STDOUT_SERIAL */
} virt_places[] = {
    /* sources 1..96: QEMU 7.2's virt says riscv,ndev = <96> */
    {"plic", &axvm_plic_class, VIRT_PLIC_BASE, 0, "ndev=96", false, false, false},
    {"uart0", &axvm_ns16550a_class, VIRT_UART_BASE, 10, NULL, false, true, true},
    {"test", &axvm_test_finisher_class, 0x100000, 0, NULL, false, true, false},
    {"rtc", &axvm_goldfish_rtc_class, 0x101000, 11, NULL, false, true, false},
    {"pci-ecam", &axvm_pci_ecam_empty_class, 0x30000000, 0, NULL, true, true, false},
};
#define VIRT_PLACES (sizeof(virt_places) / sizeof(virt_places[0]))
#define VIRT_MAX_INSTANCES (VIRT_PLACES + VIRT_VIRTIO_SLOTS)

/* One device the board made: what it is, where, and its model. */
struct virt_instance {
	const struct axvm_devclass *cls;
	void *state;	    /* what cls->create returned (NULL for stateless models) */
	char name[24];	    /* on the bus */
	const char *origin; /* put before its messages (valid during create) */
	uint64_t base, size;
	unsigned irq;
	bool present; /* on the bus and in the device tree */
	bool chosen_stdout;
};

struct axvm_board {
	struct axvm *vm;
	struct axvm_riscv64_machine *machine;
	struct axvm_console *console;
	struct axvm_config *cfg; /* what the VM was created from */
	struct axvm_riscv64_config hart_cfg;
	const struct axvm_hal *hal;

	/*
	 * The device instances, in creation order (destroyed in reverse):
	 * the board's own, then one per virtio-mmio slot. intc is the
	 * interrupt controller's index (the others' lines go through it).
	 */
	struct virt_instance devices[VIRT_MAX_INSTANCES];
	unsigned ndevices;
	int intc;
	const struct axvm_board_options *opts; /* during create only */
	/*
	 * The devices to plug in: the config's NICs (emu_devices, each at the
	 * slot its base_gpa names), its disk_path, then opts->devices; slot_dev
	 * says which one each virtio-mmio slot holds (NULL: empty).
	 */
	struct axvm_board_device devs[AXVM_BOARD_MAX_DEVICES];
	unsigned ndevs;
	bool omit[VIRT_PLACES]; /* --device NAME,off */
	const struct axvm_board_device *slot_dev[VIRT_VIRTIO_SLOTS];
	char cfg_disk[2 * AXVM_CONFIG_PATH_MAX]; /* disk_path with its commas doubled */
	char cfg_origin[VIRT_VIRTIO_SLOTS][48];	 /* "devices.emu_devices[N]:" */

	struct axvm_board_layout layout;
	void *fdt;
	size_t fdt_size;

	pthread_mutex_t lock; /* guards poweroff */
	bool poweroff_requested;
	struct axvm_board_poweroff poweroff;
};

/* The interrupt controller's outputs: S-mode drives the hart's SEIP, M-mode nothing. */
static void virt_hart_irq(void *opaque, unsigned hart, bool supervisor, bool level)
{
	struct axvm_board *b = opaque;
	struct axvm_vcpu *vcpu;

	if (!supervisor || !b->vm)
		return;
	vcpu = axvm_vcpu(b->vm, hart);
	if (!vcpu)
		return;
	if (level)
		axvm_vcpu_inject_interrupt(vcpu, AXVM_RISCV64_IRQ_SEI);
	else
		axvm_vcpu_clear_interrupt(vcpu, AXVM_RISCV64_IRQ_SEI);
}

static void virt_system_down(void *opaque, enum axvm_system_down_type type, int status)
{
	struct axvm_board *b = opaque;
	bool first;

	pthread_mutex_lock(&b->lock);
	first = !b->poweroff_requested;
	if (first) {
		b->poweroff_requested = true;
		b->poweroff.type = type;
		b->poweroff.status = status;
	}
	pthread_mutex_unlock(&b->lock);
	if (first) {
		axvm_debug("virt: test finisher: %s, status %d",
			   type == AXVM_SYSTEM_DOWN_POWEROFF ? "power off" : "reset", status);
		axvm_shutdown(b->vm);
	}
}

/* What a device's messages start with: its origin ("-d") or its class name. */
static const char *virt_device_origin(const struct axvm_board_device *dev)
{
	return dev->origin ? dev->origin : (dev->cls ? dev->cls : "device");
}

/* The board's own device of that class name, or -1. */
static int virt_place_find(const char *cls)
{
	for (unsigned i = 0; i < VIRT_PLACES; i++)
		if (cls && strcmp(virt_places[i].cls->name, cls) == 0)
			return (int)i;
	return -1;
}

/* The configured device for a virtio-mmio slot (virt_gather_devices placed them). */
static const struct axvm_board_device *virt_slot_device(const struct axvm_board *b, unsigned slot)
{
	return slot < VIRT_VIRTIO_SLOTS ? b->slot_dev[slot] : NULL;
}

/*
 * Create one instance: its class builds the model, the board puts it on
 * the MMIO bus. A window already mapped (a config's memory) leaves an
 * optional device out; for any other device that is an error. dev: the
 * configured device it is made for (its options and origin), or NULL for
 * the board's own (options from the board).
 */
static int virt_add_instance(struct axvm_board *b, const struct axvm_devclass *cls,
			     const char *name, uint64_t base, unsigned irq, bool optional,
			     const char *options, const struct axvm_board_device *dev,
			     unsigned index)
{
	struct virt_instance *inst = &b->devices[b->ndevices];
	struct axvm_devclass_ctx ctx = {
	    .base = base,
	    .size = cls->mmio_size,
	    .hal = b->hal,
	    .as = axvm_addrspace(b->vm),
	    .events = b->opts->events,
	    .console = b->console,
	    .options = dev ? dev->options : options,
	    .origin = dev ? dev->origin : NULL,
	    .harts = b->cfg->cpu_num,
	    .hart_irq = virt_hart_irq,
	    .system_down = virt_system_down,
	    .board = b,
	    .realtime_ns = b->opts->realtime_ns,
	    .realtime_opaque = b->opts->realtime_opaque,
	    .index = index,
	};
	struct axvm_device_desc desc;
	int ret;

	if (irq && b->intc >= 0) {
		const struct virt_instance *ic = &b->devices[b->intc];

		ctx.irq = (struct axvm_irq_line){ic->cls->irq_set, ic->state, irq};
	}
	*inst = (struct virt_instance){
	    .cls = cls,
	    .origin = dev ? virt_device_origin(dev) : NULL,
	    .base = base,
	    .size = cls->mmio_size,
	    .irq = irq,
	};
	snprintf(inst->name, sizeof(inst->name), "%s", name);
	ret = cls->create(&ctx, &inst->state); /* its message names the origin or the class */
	if (ret)
		return ret;
	b->ndevices++; /* from here on destroy frees it */
	if (cls->irq_set && b->intc < 0)
		b->intc = (int)(b->ndevices - 1);
	desc = (struct axvm_device_desc){
	    .name = inst->name,
	    .base = base,
	    .size = inst->size,
	    .min_width = cls->min_width,
	    .max_width = cls->max_width,
	    .ops = cls->ops,
	    .opaque = inst->state,
	};
	ret = axvm_register_device(b->vm, AXVM_BUS_MMIO, &desc);
	if (ret == -AXVM_EOVERLAP && optional) {
		axvm_debug("virt: %s left out: 0x%llx is already mapped", name,
			   (unsigned long long)base);
		return 0;
	}
	if (ret && inst->origin)
		return axvm_error_wrap(ret, "%s: %s at 0x%llx", inst->origin, cls->name,
				       (unsigned long long)base);
	if (ret)
		return axvm_error_wrap(ret, "device %s", name);
	inst->present = true;
	return 0;
}

/*
 * The board's own devices, then the eight virtio-mmio slots: each holds the
 * configured device virt_gather_devices placed there, or answers "no device".
 */
static int virt_add_devices(struct axvm_board *b)
{
	int ret = 0;

	b->intc = -1;
	for (unsigned i = 0; !ret && i < VIRT_PLACES; i++) {
		const struct virt_place *p = &virt_places[i];

		if (b->omit[i])
			continue;
		ret = virt_add_instance(b, p->cls, p->name, p->base, p->irq, p->optional,
					p->options, NULL, 0);
		if (!ret)
			b->devices[b->ndevices - 1].chosen_stdout = p->chosen_stdout;
	}
	for (unsigned slot = 0; !ret && slot < VIRT_VIRTIO_SLOTS; slot++) {
		const struct axvm_board_device *dev = virt_slot_device(b, slot);
		uint64_t base = VIRT_VIRTIO_BASE + slot * AXVM_VIRTIO_MMIO_SLOT_SIZE;
		char name[24];

		if (dev) {
			/* Checked by virt_check_devices. */
			const struct axvm_devclass *cls = axvm_devclass_find(dev->cls);
			unsigned index =
			    0; /* the n-th of its class from the top slot (a NIC's MAC) */

			for (unsigned k = VIRT_VIRTIO_SLOTS - 1; k > slot; k--)
				index +=
				    b->slot_dev[k] && strcmp(b->slot_dev[k]->cls, dev->cls) == 0;
			ret = virt_add_instance(b, cls, cls->name, base, 1 + slot, false, NULL, dev,
						index);
			continue;
		}
		snprintf(name, sizeof(name), "virtio-mmio%u", slot);
		ret = virt_add_instance(b, &axvm_virtio_mmio_slot_class, name, base, 1 + slot, true,
					NULL, NULL, 0);
	}
	return ret;
}

/* The virtio-mmio slot a config NIC's base_gpa names, or -1 with a message naming the field. */
static int virt_nic_slot(const struct axvm_emu_device *d, unsigned i)
{
	uint64_t off = d->base_gpa - VIRT_VIRTIO_BASE;
	unsigned slot;

	if (d->base_gpa < VIRT_VIRTIO_BASE || off % AXVM_VIRTIO_MMIO_SLOT_SIZE ||
	    off / AXVM_VIRTIO_MMIO_SLOT_SIZE >= VIRT_VIRTIO_SLOTS)
		return axvm_error_set(-AXVM_EINVAL,
				      "devices.emu_devices[%u][1] (\"%s\"): base_gpa 0x%llx is not "
				      "one of the virt board's virtio-mmio slots (0x%llx + n * "
				      "0x%x, n = 0..%d)",
				      i, d->name, (unsigned long long)d->base_gpa,
				      (unsigned long long)VIRT_VIRTIO_BASE,
				      (unsigned)AXVM_VIRTIO_MMIO_SLOT_SIZE, VIRT_VIRTIO_SLOTS - 1);
	slot = (unsigned)(off / AXVM_VIRTIO_MMIO_SLOT_SIZE);
	if (d->length != AXVM_VIRTIO_MMIO_SLOT_SIZE)
		return axvm_error_set(-AXVM_EINVAL,
				      "devices.emu_devices[%u][2] (\"%s\"): length 0x%llx, a "
				      "virtio-mmio slot is 0x%x",
				      i, d->name, (unsigned long long)d->length,
				      (unsigned)AXVM_VIRTIO_MMIO_SLOT_SIZE);
	if (d->irq_id != 1 + slot)
		return axvm_error_set(-AXVM_EINVAL,
				      "devices.emu_devices[%u][3] (\"%s\"): irq_id %u, the slot at "
				      "0x%llx has IRQ %u",
				      i, d->name, d->irq_id, (unsigned long long)d->base_gpa,
				      1 + slot);
	if (d->cfg_count)
		return axvm_error_set(
		    -AXVM_EINVAL,
		    "devices.emu_devices[%u][5] (\"%s\"): a NIC takes its options "
		    "as a string (\"user,hostfwd=...\" as --net), not a cfg list",
		    i, d->name);
	return (int)slot;
}

/*
 * A config's emu_devices may describe the board's own PLIC and UART (as
 * AxVisor's riscv64 configs do) and virtio-net NICs (emu_type 0xe2) in its
 * virtio-mmio slots; the board builds nothing else from them.
 */
static int virt_check_emu_devices(const struct axvm_config *c)
{
	for (unsigned i = 0; i < c->emu_device_count; i++) {
		const struct axvm_emu_device *d = &c->emu_devices[i];
		int ret;

		if ((d->emu_type == AXVM_EMU_INTERRUPT_CONTROLLER &&
		     d->base_gpa == VIRT_PLIC_BASE) ||
		    (d->emu_type == AXVM_EMU_CONSOLE && d->base_gpa == VIRT_UART_BASE))
			continue;
		if (d->emu_type == AXVM_EMU_VIRTIO_NET) {
			ret = virt_nic_slot(d, i);
			if (ret < 0)
				return ret;
			for (unsigned k = 0; k < i; k++)
				if (c->emu_devices[k].emu_type == AXVM_EMU_VIRTIO_NET &&
				    c->emu_devices[k].base_gpa == d->base_gpa)
					return axvm_error_set(
					    -AXVM_EINVAL,
					    "devices.emu_devices[%u][1] (\"%s\"): base_gpa 0x%llx "
					    "is "
					    "devices.emu_devices[%u]'s slot already",
					    i, d->name, (unsigned long long)d->base_gpa, k);
			continue;
		}
		return axvm_error_set(
		    -AXVM_ENOTSUP,
		    "devices.emu_devices[%u] (\"%s\", emu_type 0x%x at 0x%llx): "
		    "the virt board builds no devices from emu_devices but its own "
		    "PLIC (0x1 at 0xc000000), UART (0x2 at 0x10000000) and "
		    "virtio-net NICs (0xe2 in a virtio-mmio slot); give a disk as "
		    "kernel.disk_path or -d FILE",
		    i, d->name, d->emu_type, (unsigned long long)d->base_gpa);
	}
	return 0;
}

int axvm_board_virt_check_config(const struct axvm_config *c)
{
	return virt_check_emu_devices(c);
}

/*
 * A board's own device named in the options ("--device goldfish-rtc,off"):
 * the only setting is leaving it out, where the board works without it.
 */
static int virt_configure_place(struct axvm_board *b, const struct axvm_board_device *dev,
				unsigned place)
{
	const struct virt_place *p = &virt_places[place];

	if (p->can_omit && dev->options && strcmp(dev->options, "off") == 0) {
		b->omit[place] = true;
		return 0;
	}
	if (!p->can_omit)
		return axvm_error_set(-AXVM_ENOTSUP,
				      "%s: %s: the virt board's %s at 0x%" PRIx64
				      " cannot be left out or changed (the other devices' "
				      "interrupts go through it)",
				      virt_device_origin(dev), p->cls->name, p->cls->name, p->base);
	return axvm_error_set(-AXVM_EINVAL,
			      "%s: %s%s%s: the virt board's own %s at 0x%" PRIx64
			      " can only be left out (\"%s,off\")",
			      virt_device_origin(dev), p->cls->name, dev->options ? "," : "",
			      dev->options ? dev->options : "", p->cls->name, p->base,
			      p->cls->name);
}

/*
 * The config's NICs (emu_devices entries of type 0xe2) at the slots their
 * base_gpa names, then the config's disk (kernel.disk_path) and the
 * options' devices in the free slots from the top down.
 */
static int virt_gather_devices(struct axvm_board *b, const struct axvm_board_options *o)
{
	const struct axvm_config *c = o->base_config;
	unsigned n = 0, nics, slot = VIRT_VIRTIO_SLOTS;
	int ret = c ? virt_check_emu_devices(c) : 0;

	memset(b->slot_dev, 0, sizeof(b->slot_dev));
	if (ret)
		return ret;
	for (unsigned i = 0; c && i < c->emu_device_count; i++) {
		const struct axvm_emu_device *d = &c->emu_devices[i];
		int s;

		if (d->emu_type != AXVM_EMU_VIRTIO_NET)
			continue;
		s = virt_nic_slot(d, i); /* checked above */
		snprintf(b->cfg_origin[s], sizeof(b->cfg_origin[s]), "devices.emu_devices[%u]:", i);
		b->devs[n] = (struct axvm_board_device){"virtio-net", d->options, b->cfg_origin[s]};
		b->slot_dev[s] = &b->devs[n++];
	}
	nics = n;
	if (c && c->disk_path[0]) {
		char *p = b->cfg_disk;

		for (const char *q = c->disk_path; *q; q++) {
			*p++ = *q;
			if (*q == ',')
				*p++ = ','; /* a comma in a file name, not an option */
		}
		*p = 0;
		b->devs[n++] =
		    (struct axvm_board_device){"virtio-blk", b->cfg_disk, "kernel.disk_path:"};
	}
	if (o->device_count > AXVM_BOARD_MAX_DEVICES - n)
		return axvm_error_set(-AXVM_ERANGE,
				      "devices: %u requested, the virt board has %d virtio-mmio "
				      "slots",
				      o->device_count + n, AXVM_BOARD_MAX_DEVICES);
	for (unsigned i = 0; i < o->device_count; i++) {
		const struct axvm_board_device *dev = &o->devices[i];
		int place = virt_place_find(dev->cls);

		if (place >= 0) {
			ret = virt_configure_place(b, dev, (unsigned)place);
			if (ret)
				return ret;
			continue;
		}
		b->devs[n++] = *dev;
	}
	b->ndevs = n;
	/* The others (after the config's NICs, placed above) fill the free slots from the top down.
	 */
	for (unsigned k = nics; k < n; k++) {
		while (slot > 0 && b->slot_dev[slot - 1])
			slot--;
		if (slot == 0)
			return axvm_error_set(
			    -AXVM_ERANGE,
			    "%s: no free virtio-mmio slot (the config's NICs hold "
			    "some of the %d)",
			    virt_device_origin(&b->devs[k]), VIRT_VIRTIO_SLOTS);
		b->slot_dev[--slot] = &b->devs[k];
	}
	return 0;
}

/* The requested devices exist and can be built, before any file is read. */
static int virt_check_devices(struct axvm_board *b, const struct axvm_board_options *o)
{
	int ret = virt_gather_devices(b, o);

	if (ret)
		return ret;
	for (unsigned i = 0; i < b->ndevs; i++) {
		const struct axvm_board_device *dev = &b->devs[i];

		if (!dev->cls || !axvm_devclass_find(dev->cls))
			return axvm_error_set(-AXVM_EINVAL, "%s: unknown device \"%s\" (want %s)",
					      virt_device_origin(dev), dev->cls ? dev->cls : "",
					      axvm_devclass_names());
		if (!o->events)
			return axvm_error_set(-AXVM_EINVAL,
					      "%s: %s needs an event loop (board options: events)",
					      virt_device_origin(dev), dev->cls);
	}
	return 0;
}

void axvm_board_options_init(struct axvm_board_options *opts)
{
	memset(opts, 0, sizeof(*opts));
}

/* The files and settings the board works from, options over base_config. */
struct virt_inputs {
	const char *kernel;
	const char *initrd;
	const char *dtb;
	const char *cmdline;
	void *kernel_data, *initrd_data, *dtb_data;
	size_t kernel_len, initrd_len, dtb_len;
	/* The kernel is a riscv Image, loaded from its file straight into RAM (no kernel_data). */
	bool kernel_image_file;
	int ram_index; /* cfg->regions[] entry that holds RAM_BASE */
};

static void virt_inputs_free(struct virt_inputs *in)
{
	free(in->kernel_data);
	free(in->initrd_data);
	free(in->dtb_data);
}

static const char *virt_pick(const char *opt, const char *cfg_value)
{
	if (opt)
		return opt;
	return cfg_value && cfg_value[0] ? cfg_value : NULL;
}

/* Fill b->cfg from the options and base config; find the RAM region. */
static int virt_build_config(struct axvm_board *b, const struct axvm_board_options *o,
			     struct virt_inputs *in)
{
	struct axvm_config *c = b->cfg;
	const struct axvm_config *base = o->base_config;
	unsigned cpus;

	if (base)
		*c = *base;
	else
		axvm_config_init(c);

	cpus = o->cpus ? o->cpus : (base && base->cpu_num ? base->cpu_num : 1);
	if (cpus < 1 || cpus > AXVM_BOARD_VIRT_MAX_CPUS)
		return axvm_error_set(-AXVM_ERANGE, "cpus: %u is outside 1..%d", cpus,
				      AXVM_BOARD_VIRT_MAX_CPUS);
	if (cpus != c->cpu_num) {
		/* Per-vCPU affinity lists were written for another count. */
		c->has_phys_cpu_ids = false;
		c->has_phys_cpu_sets = false;
	}
	c->cpu_num = cpus;

	in->kernel = virt_pick(o->kernel_path, base ? base->kernel_path : NULL);
	in->initrd = virt_pick(o->initrd_path, base ? base->ramdisk_path : NULL);
	in->dtb = virt_pick(o->dtb_path, base ? base->dtb_path : NULL);
	in->cmdline = virt_pick(o->cmdline, base ? base->cmdline : NULL);
	if (!in->kernel)
		return axvm_error_set(
		    -AXVM_EINVAL, "kernel: no kernel image given (-k FILE or kernel.kernel_path)");
	if (c->bios_path[0])
		return axvm_error_set(
		    -AXVM_ENOTSUP,
		    "kernel.bios_path: %s: the virt board runs no firmware (the VMM "
		    "serves SBI)",
		    c->bios_path);
	/* The board loads the images itself. */
	c->kernel_path[0] = c->ramdisk_path[0] = c->dtb_path[0] = 0;

	if (c->region_count == 0) {
		uint64_t size = o->ram_size ? o->ram_size : AXVM_BOARD_VIRT_RAM_DEFAULT;

		c->regions[0] = (struct axvm_mem_region){
		    .gpa = AXVM_BOARD_VIRT_RAM_BASE,
		    .size = size,
		    .flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC,
		    .map_type = AXVM_MAP_ALLOC,
		};
		c->region_count = 1;
	}
	in->ram_index = -1;
	for (unsigned i = 0; i < c->region_count; i++) {
		if (c->regions[i].gpa <= AXVM_BOARD_VIRT_RAM_BASE &&
		    AXVM_BOARD_VIRT_RAM_BASE - c->regions[i].gpa < c->regions[i].size)
			in->ram_index = (int)i;
	}
	if (in->ram_index < 0)
		return axvm_error_set(
		    -AXVM_EINVAL,
		    "kernel.memory_regions: no region holds the virt board's RAM at "
		    "0x%llx",
		    AXVM_BOARD_VIRT_RAM_BASE);
	if (o->ram_size) {
		if (c->regions[in->ram_index].gpa != AXVM_BOARD_VIRT_RAM_BASE)
			return axvm_error_set(
			    -AXVM_EINVAL,
			    "memory size: memory_regions[%d] does not start at 0x%llx, "
			    "so its size cannot be overridden",
			    in->ram_index, AXVM_BOARD_VIRT_RAM_BASE);
		c->regions[in->ram_index].size = o->ram_size;
	}
	if (c->regions[in->ram_index].size < VIRT_RAM_MIN ||
	    c->regions[in->ram_index].size & (AXVM_PAGE_SIZE - 1))
		return axvm_error_set(-AXVM_EINVAL,
				      "memory size: 0x%" PRIx64
				      " bytes must be a multiple of 4 KiB and at "
				      "least 4 MiB",
				      c->regions[in->ram_index].size);

	c->hal = b->hal;
	/* The virt board is a riscv64 machine: it picks the backend, not the VM layer. */
	c->vcpu_ops = axvm_riscv64_vcpu_ops();
	c->vcpu_arch_config = &b->hart_cfg;
	/* A valid placeholder until the kernel's own entry is known. */
	c->bsp_entry = c->ap_entry = c->regions[in->ram_index].gpa;
	return 0;
}

static int virt_read_files(struct virt_inputs *in, enum axvm_board_kernel_format format,
			   uint64_t ram_size)
{
	uint64_t size;
	int ret = 0;

	if (format == AXVM_BOARD_KERNEL_AUTO || format == AXVM_BOARD_KERNEL_IMAGE)
		ret =
		    axvm_loader_is_image_file(in->kernel, ram_size, &in->kernel_image_file, &size);
	if (!ret && !in->kernel_image_file)
		ret =
		    axvm_loader_read_file(in->kernel, ram_size, &in->kernel_data, &in->kernel_len);

	if (!ret && in->initrd)
		ret =
		    axvm_loader_read_file(in->initrd, ram_size, &in->initrd_data, &in->initrd_len);
	if (!ret && in->dtb) {
		ret = axvm_loader_read_file(in->dtb, ram_size, &in->dtb_data, &in->dtb_len);
		if (!ret)
			ret = axvm_loader_check_dtb(in->dtb, in->dtb_data, in->dtb_len);
	}
	return ret;
}

/*
 * Each present device writes its own node under /soc, in creation order;
 * the interrupt controller gets its phandle first, and the devices after it
 * name that as their interrupt-parent.
 */
static int virt_fdt_devices(struct axvm_board *b, struct axvm_fdt *f)
{
	uint32_t intc_phandle = 0;

	for (unsigned i = 0; i < b->ndevices; i++) {
		const struct virt_instance *inst = &b->devices[i];
		struct axvm_devclass_fdt_ctx fc = {
		    .base = inst->base,
		    .size = inst->size,
		    .irq = inst->irq,
		    .interrupt_parent = intc_phandle,
		    .harts = f->cpus,
		    .hart_intc = f->intc_phandle,
		    .next_phandle = &f->next_phandle,
		};
		int soc, ret;

		if (!inst->present || !inst->cls->fdt_node)
			continue;
		/* Looked up each time: a node added before it (/aliases) moves its offset. */
		soc = fdt_path_offset(f->blob, "/soc");
		if (soc < 0)
			return -AXVM_EINVAL;
		if ((int)i == b->intc)
			fc.phandle = intc_phandle = axvm_fdt_alloc_phandle(f);
		ret = inst->cls->fdt_node(inst->state, f->blob, soc, &fc);
		if (ret)
			return ret;
	}
	return 0;
}

static int virt_generate_fdt(struct axvm_board *b, const struct axvm_board_options *o,
			     const struct virt_inputs *in)
{
	const struct axvm_config *c = b->cfg;
	struct axvm_fdt f;
	struct axvm_fdt_cpus cpus = {
	    .count = c->cpu_num,
	    .timebase_hz = b->layout.timebase_hz,
	    .sstc = o->sstc,
	    .ext_off =
		AXVM_RISCV64_EXT_ALL & ~axvm_riscv64_ext_enabled(o->isa_ext_off, o->isa_ext_on),
	};
	char stdout_path[64];
	uint8_t seed[VIRT_RNG_SEED_LEN];
	struct axvm_fdt_chosen chosen = {
	    .bootargs = in->cmdline,
	    .has_initrd = in->initrd != NULL,
	};
	size_t cap = VIRT_FDT_SPACE + (in->cmdline ? strlen(in->cmdline) : 0);
	int ret;

	for (unsigned i = 0; i < b->ndevices; i++) {
		const struct virt_instance *inst = &b->devices[i];

		if (inst->present && inst->chosen_stdout &&
		    o->stdout_path == AXVM_BOARD_STDOUT_SERIAL) {
			snprintf(stdout_path, sizeof(stdout_path), "/soc/%s@%" PRIx64,
				 inst->cls->fdt_name, inst->base);
			chosen.stdout_path = stdout_path;
		}
	}
	/*
	 * As QEMU: a fresh seed per boot lets Linux initialise its CRNG at once
	 * (our board has no virtio-rng); a host without entropy just omits it.
	 */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed)) {
		chosen.rng_seed = seed;
		chosen.rng_seed_len = sizeof(seed);
	}

	ret = axvm_fdt_init(&f, c->cpu_num, cap);
	if (!ret)
		ret = axvm_fdt_add_cpus(&f, &cpus);
	for (unsigned i = 0; !ret && i < c->region_count; i++) {
		if (!(c->regions[i].flags & AXVM_MEM_DEVICE))
			ret = axvm_fdt_add_memory(&f, c->regions[i].gpa, c->regions[i].size);
	}
	if (!ret)
		ret = axvm_fdt_add_chosen(&f, &chosen);
	if (!ret)
		ret = virt_fdt_devices(b, &f);
	if (!ret)
		ret = axvm_fdt_finish(&f, &b->fdt_size);
	if (ret) {
		axvm_fdt_release(&f);
		return axvm_error_set(ret, "device tree: generation failed: %s",
				      axvm_strerror(ret));
	}
	b->fdt = f.blob;
	return 0;
}

/* A user DTB with room to set /chosen (placeholder initrd range for a stable size). */
static int virt_user_fdt(struct axvm_board *b, const struct virt_inputs *in)
{
	size_t cap = in->dtb_len + 4096 + (in->cmdline ? strlen(in->cmdline) : 0);
	int ret;

	b->fdt = calloc(1, cap);
	if (!b->fdt)
		return axvm_error_set(-AXVM_ENOMEM, "%s: out of memory", in->dtb);
	memcpy(b->fdt, in->dtb_data, in->dtb_len);
	ret = axvm_fdt_set_chosen(b->fdt, cap, in->cmdline, in->initrd != NULL, 0, 0);
	if (ret)
		return axvm_error_set(ret, "%s: cannot update /chosen: %s", in->dtb,
				      axvm_strerror(ret));
	b->fdt_size = fdt_totalsize(b->fdt);
	return 0;
}

static uint64_t virt_align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static bool virt_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * QEMU's virt puts the initrd at kernel entry + min(RAM / 2, 128 MiB)
 * (hw/riscv/boot.c, riscv_load_initrd): far enough above the kernel for it
 * to grow, low enough that firmware-like guests (U-Boot relocates itself to
 * the top of RAM) do not overwrite it.
 */
static uint64_t virt_qemu_initrd_gap(const struct axvm_load_target *t)
{
	uint64_t half = t->ram_size / 2;

	return half < VIRT_INITRD_GAP_MAX ? half : VIRT_INITRD_GAP_MAX;
}

static bool virt_qemu_initrd_fits(const struct axvm_board_layout *l,
				  const struct axvm_load_target *t, uint64_t top, uint64_t len)
{
	uint64_t start = l->entry + virt_qemu_initrd_gap(t);

	return l->entry >= t->ram_base && start >= l->kernel_end && start <= top &&
	       len <= top - start && !(start & (AXVM_PAGE_SIZE - 1));
}

/*
 * Place the device tree at the end of RAM (2 MiB aligned as QEMU does, or
 * just 8-byte aligned when that would hit the kernel) and the initrd where
 * QEMU puts it, or right below the device tree when it does not fit there;
 * then write both.
 */
static int virt_place(struct axvm_board *b, const struct virt_inputs *in,
		      const struct axvm_load_target *t)
{
	struct axvm_board_layout *l = &b->layout;
	const struct axvm_config *c = b->cfg;
	uint64_t ram_end = t->ram_base + t->ram_size;
	uint64_t fdt_addr, low;
	int ret;

	if (b->fdt_size > t->ram_size)
		return axvm_error_set(
		    -AXVM_ERANGE, "device tree: %zu bytes do not fit in guest RAM", b->fdt_size);
	low = l->kernel_end;
	if (c->has_dtb_load_addr) {
		fdt_addr = c->dtb_load_addr;
		if (virt_overlap(fdt_addr, b->fdt_size, l->kernel_start, low - l->kernel_start))
			return axvm_error_set(-AXVM_EOVERLAP,
					      "kernel.dtb_load_addr: the device tree at 0x%" PRIx64
					      " (+0x%zx) overlaps the kernel [0x%" PRIx64
					      ", 0x%" PRIx64 ")",
					      fdt_addr, b->fdt_size, l->kernel_start, low);
	} else {
		fdt_addr = virt_align_down(ram_end - b->fdt_size, VIRT_FDT_ALIGN);
		if (fdt_addr < low || fdt_addr < t->ram_base)
			fdt_addr = virt_align_down(ram_end - b->fdt_size, 8);
		if (fdt_addr < low)
			return axvm_error_set(
			    -AXVM_ERANGE,
			    "device tree: %zu bytes do not fit in guest RAM above the "
			    "kernel (which ends at 0x%" PRIx64 ")",
			    b->fdt_size, low);
	}
	if (in->initrd) {
		uint64_t start, top = c->has_dtb_load_addr ? ram_end : fdt_addr;

		if (c->has_ramdisk_load_addr) {
			start = c->ramdisk_load_addr;
		} else if (virt_qemu_initrd_fits(l, t, top, in->initrd_len)) {
			start = l->entry + virt_qemu_initrd_gap(t);
		} else {
			if (in->initrd_len > top - t->ram_base)
				return axvm_error_set(-AXVM_ERANGE,
						      "%s: %zu bytes do not fit in guest RAM",
						      in->initrd, in->initrd_len);
			start = virt_align_down(top - in->initrd_len, AXVM_PAGE_SIZE);
			if (start < low)
				return axvm_error_set(
				    -AXVM_ERANGE,
				    "%s: %zu bytes do not fit in guest RAM between the "
				    "kernel (ends at 0x%" PRIx64
				    ") and the device tree at 0x%" PRIx64,
				    in->initrd, in->initrd_len, low, top);
		}
		if (virt_overlap(start, in->initrd_len, l->kernel_start, low - l->kernel_start) ||
		    virt_overlap(start, in->initrd_len, fdt_addr, b->fdt_size))
			return axvm_error_set(
			    -AXVM_EOVERLAP,
			    "%s: [0x%" PRIx64 ", +0x%zx) overlaps the kernel [0x%" PRIx64
			    ", 0x%" PRIx64 ") or the device tree at 0x%" PRIx64,
			    in->initrd, start, in->initrd_len, l->kernel_start, low, fdt_addr);
		l->initrd_start = start;
		l->initrd_end = start + in->initrd_len;
		ret = axvm_fdt_set_chosen(b->fdt, b->fdt_size, NULL, true, l->initrd_start,
					  l->initrd_end);
		if (ret)
			return axvm_error_set(ret, "device tree: setting the initrd range: %s",
					      axvm_strerror(ret));
		ret = axvm_loader_write(t, in->initrd, start, in->initrd_data, in->initrd_len);
		if (ret)
			return ret;
	}
	l->dtb_addr = fdt_addr;
	l->dtb_size = b->fdt_size;
	return axvm_loader_write(t, "device tree", fdt_addr, b->fdt, b->fdt_size);
}

static int virt_boot_registers(struct axvm_board *b)
{
	struct axvm_vcpu *bsp = axvm_vcpu(b->vm, 0);
	int ret;

	if (!bsp)
		return axvm_error_set(-AXVM_ESTATE, "vcpu 0: missing");
	/* The boot protocol's argument is the device tree (riscv64: a1; a0 = hart id). */
	ret = axvm_vcpu_set_boot_args(bsp, b->layout.entry, b->layout.dtb_addr);
	if (ret)
		return axvm_error_set(ret, "vcpu 0: setting boot registers: %s",
				      axvm_strerror(ret));
	return 0;
}

static int virt_create(const struct axvm_board_options *o, struct axvm_board **out)
{
	struct virt_inputs in = {0};
	struct axvm_board *b;
	struct axvm_load_target t;
	struct axvm_loaded_image img;
	const struct axvm_mem_region *ram;
	axvm_gpa_t flat_addr;
	int ret;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return axvm_error_set(-AXVM_ENOMEM, "board: out of memory");
	b->cfg = calloc(1, sizeof(*b->cfg));
	if (!b->cfg || pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b->cfg);
		free(b);
		return axvm_error_set(-AXVM_ENOMEM, "board: out of memory");
	}
	b->hal = o->hal ? o->hal
			: (o->base_config && o->base_config->hal ? o->base_config->hal
								 : axvm_hal_linux());
	b->console = o->console;

	b->opts = o;
	ret = virt_check_devices(b, o);
	if (!ret)
		ret = virt_build_config(b, o, &in);
	if (ret)
		goto fail;
	ram = &b->cfg->regions[in.ram_index];
	ret = axvm_memcheck_host(o, ram->size);
	if (!ret)
		ret = virt_read_files(&in, o->kernel_format, ram->size);
	if (ret)
		goto fail;

	b->layout.timebase_hz = o->timebase_hz ? o->timebase_hz : AXVM_BOARD_VIRT_TIMEBASE_DEFAULT;
	b->layout.cpus = b->cfg->cpu_num;
	b->layout.ram_base = ram->gpa;
	b->layout.ram_size = ram->size;
	ret = axvm_riscv64_machine_create(b->cfg->cpu_num, &b->machine);
	if (ret) {
		axvm_error_record("machine: %s", axvm_strerror(ret));
		goto fail;
	}
	axvm_riscv64_machine_set_console(b->machine, b->console);
	b->hart_cfg = (struct axvm_riscv64_config){
	    .timebase_hz = b->layout.timebase_hz,
	    .sstc = o->sstc,
	    .ext_off = o->isa_ext_off,
	    .ext_on = o->isa_ext_on,
	    .jit = o->jit,
	    .epoch_ns = b->hal->now_ns(b->hal->ctx),
	    .machine = b->machine,
	};

	ret = axvm_create(b->cfg, &b->vm);
	if (ret) {
		axvm_error_prefix("vm");
		goto fail;
	}
	ret = axvm_init(b->vm); /* its message names the config field */
	if (ret)
		goto fail;
	ret = axvm_riscv64_machine_attach(b->machine, b->vm);
	if (ret) {
		axvm_error_record("machine: attaching the harts: %s", axvm_strerror(ret));
		goto fail;
	}
	ret = virt_add_devices(b);
	if (ret)
		goto fail;

	t = (struct axvm_load_target){axvm_addrspace(b->vm), ram->gpa, ram->size};
	flat_addr = ram->gpa + AXVM_BOARD_VIRT_KERNEL_OFFSET;
	if (o->base_config && o->base_config->kernel_load_addr)
		flat_addr = o->base_config->kernel_load_addr;
	if (in.kernel_image_file)
		ret = axvm_loader_load_image_file(&t, in.kernel, &img);
	else
		ret = axvm_loader_load_kernel(&t, in.kernel, in.kernel_data, in.kernel_len,
					      o->kernel_format, flat_addr, &img);
	if (ret)
		goto fail;
	b->layout.kernel_start = img.start;
	b->layout.kernel_end = img.end;
	b->layout.entry = img.entry;
	/* A config's entry point applies to flat binaries, which carry none. */
	if (img.format == AXVM_BOARD_KERNEL_FLAT && o->base_config && o->base_config->bsp_entry)
		b->layout.entry = o->base_config->bsp_entry;

	ret = in.dtb ? virt_user_fdt(b, &in) : virt_generate_fdt(b, o, &in);
	if (!ret)
		ret = virt_place(b, &in, &t);
	if (!ret)
		ret = virt_boot_registers(b);
	if (ret)
		goto fail;
	/* Everything fits; whether the kernel can live in what is left is another matter. */
	axvm_memcheck_kernel_room(in.kernel, b->layout.ram_size, img.end - img.start,
				  in.initrd ? in.initrd_len : 0);
	axvm_debug("virt: %u hart(s), RAM 0x%" PRIx64 "+0x%" PRIx64 ", %s at 0x%" PRIx64
		   ", entry 0x%" PRIx64 ", dtb 0x%" PRIx64 " (%zu bytes)",
		   b->layout.cpus, b->layout.ram_base, b->layout.ram_size,
		   axvm_loader_format_name(img.format), img.start, b->layout.entry,
		   b->layout.dtb_addr, b->fdt_size);
	virt_inputs_free(&in);
	b->opts = NULL;
	*out = b;
	return 0;

fail:
	virt_inputs_free(&in);
	axvm_board_destroy(b);
	return ret;
}

int axvm_board_virt_create(const struct axvm_board_options *o, struct axvm_board **out, char *err,
			   size_t errlen)
{
	return axvm_error_to_buf(virt_create(o, out), err, errlen);
}

void axvm_board_destroy(struct axvm_board *b)
{
	if (!b)
		return;
	/*
	 * No vCPU runs (the caller's contract), so nothing reaches the models
	 * through the bus. Every instance goes through its class, in reverse
	 * order (the interrupt controller, created first, outlives the devices
	 * that may still signal it while host I/O completes), while the VM's
	 * address space they DMA into exists; then the VM.
	 */
	for (unsigned i = b->ndevices; i-- > 0;)
		b->devices[i].cls->destroy(b->devices[i].state);
	axvm_destroy(b->vm);
	axvm_riscv64_machine_destroy(b->machine);
	pthread_mutex_destroy(&b->lock);
	free(b->fdt);
	free(b->cfg);
	free(b);
}

struct axvm *axvm_board_vm(const struct axvm_board *b)
{
	return b->vm;
}

void *axvm_board_machine(const struct axvm_board *b)
{
	return b->machine;
}

struct axvm_console *axvm_board_console(const struct axvm_board *b)
{
	return b->console;
}

void axvm_board_layout(const struct axvm_board *b, struct axvm_board_layout *out)
{
	*out = b->layout;
}

bool axvm_board_poweroff_requested(const struct axvm_board *b, struct axvm_board_poweroff *out)
{
	struct axvm_board *mb = (struct axvm_board *)b;
	bool requested;

	pthread_mutex_lock(&mb->lock);
	requested = mb->poweroff_requested;
	if (requested && out)
		*out = mb->poweroff;
	pthread_mutex_unlock(&mb->lock);
	return requested;
}

const void *axvm_board_fdt(const struct axvm_board *b, size_t *size)
{
	if (size)
		*size = b->fdt_size;
	return b->fdt;
}

uint64_t axvm_board_poll(struct axvm_board *b)
{
	uint64_t left = UINT64_MAX;

	for (unsigned i = 0; i < b->ndevices; i++) {
		const struct virt_instance *inst = &b->devices[i];

		if (inst->cls->poll) {
			uint64_t l = inst->cls->poll(inst->state);

			left = l < left ? l : left;
		}
	}
	return left == UINT64_MAX ? UINT64_MAX : b->hal->now_ns(b->hal->ctx) + left;
}
