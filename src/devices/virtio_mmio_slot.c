/* SPDX-License-Identifier: MIT */
/*
 * An empty virtio-mmio slot, following the virtio 1.2 specification,
 * section 4.2.2 "MMIO Device Register Layout" and 4.2.3.1.1 "Driver
 * Requirements: Device Initialization" (a DeviceID of 0x0 means no device:
 * the driver must stop there). Registers read (32 bits):
 *
 *   0x000 MagicValue   0x74726976 ("virt")
 *   0x004 Version      2 (the non-legacy interface)
 *   0x008 DeviceID     0 (none)
 *   0x00c VendorID     AXVM_VIRTIO_MMIO_VENDOR
 *   others             0; every write is ignored
 *
 * Why: guests built for QEMU's virt machine probe the eight slots at
 * 0x1000_1000.. (Linux through the DT's virtio,mmio nodes, bare-metal
 * guests such as xv6 at fixed addresses). QEMU answers "no device" there;
 * without the slots those reads would be access faults, which such guests
 * do not expect. A real virtio device later takes a slot's place.
 */
#include "virtio_mmio_slot.h"

#include <stdlib.h>

#include "core/error.h"
#include "devclass.h"
#include "virtio_mmio.h"

enum {
	VIRTIO_MMIO_MAGIC_VALUE = 0x000,
	VIRTIO_MMIO_VERSION = 0x004,
	VIRTIO_MMIO_DEVICE_ID = 0x008,
	VIRTIO_MMIO_VENDOR_ID = 0x00c,
};

struct axvm_virtio_mmio_slot {
	int unused; /* the slot has no state; the object keeps create/destroy uniform */
};

static int virtio_mmio_slot_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		*value = AXVM_VIRTIO_MMIO_MAGIC;
		break;
	case VIRTIO_MMIO_VERSION:
		*value = 2;
		break;
	case VIRTIO_MMIO_VENDOR_ID:
		*value = AXVM_VIRTIO_MMIO_VENDOR;
		break;
	case VIRTIO_MMIO_DEVICE_ID:
	default:
		*value = 0;
		break;
	}
	return 0;
}

static int virtio_mmio_slot_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	return 0;
}

const struct axvm_device_ops axvm_virtio_mmio_slot_ops = {
    .read = virtio_mmio_slot_read,
    .write = virtio_mmio_slot_write,
};

int axvm_virtio_mmio_slot_create(struct axvm_virtio_mmio_slot **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -AXVM_ENOMEM;
}

void axvm_virtio_mmio_slot_destroy(struct axvm_virtio_mmio_slot *s)
{
	free(s);
}

/* ---- the device class: a slot's node is a virtio-mmio device's ---- */

static int virtio_mmio_slot_class_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	struct axvm_virtio_mmio_slot *s;
	int ret = axvm_devclass_no_options(ctx, axvm_virtio_mmio_slot_class.name);

	*state = NULL;
	if (ret)
		return ret;
	ret = axvm_virtio_mmio_slot_create(&s);
	if (ret)
		return axvm_devclass_fail_code(ctx, axvm_virtio_mmio_slot_class.name, ret);
	*state = s;
	return 0;
}

static void virtio_mmio_slot_class_destroy(void *state)
{
	axvm_virtio_mmio_slot_destroy(state);
}

const struct axvm_devclass axvm_virtio_mmio_slot_class = {
    .name = "virtio-mmio-empty",
    .mmio_size = AXVM_VIRTIO_MMIO_SLOT_SIZE,
    .min_width = 4,
    .max_width = 4,
    .ops = &axvm_virtio_mmio_slot_ops,
    .create = virtio_mmio_slot_class_create,
    .destroy = virtio_mmio_slot_class_destroy,
    .fdt_node = axvm_virtio_mmio_fdt_node,
    .fdt_name = "virtio_mmio",
};
