/* SPDX-License-Identifier: MIT */
/*
 * An empty PCI Express configuration space (ECAM), following the PCI
 * Express Base Specification, "Enhanced Configuration Access Mechanism"
 * (offset = bus << 20 | device << 15 | function << 12 | register) and the
 * rule that a read of a function that does not exist completes with all
 * ones (Vendor ID 0xffff: "no device"), writes to it being dropped:
 *
 *   any offset, 1/2/4 bytes   R: all ones of the access width   W: ignored
 *
 * Why: QEMU's virt machine has a PCIe host at 0x3000_0000. Our device tree
 * does not describe one, but a guest that scans ECAM there without asking
 * the DT, or a user who boots with QEMU's own DTB (`--dtb`), would take an
 * access fault (Linux: an oops in pci_scan_root_bus_bridge, then a panic).
 * With this window they find an empty bus, as on hardware with no cards.
 */
#include "pci_ecam_empty.h"

#include "devclass.h"

static int pci_ecam_empty_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	*value = width >= 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
	return 0;
}

static int pci_ecam_empty_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	return 0;
}

const struct axvm_device_ops axvm_pci_ecam_empty_ops = {
    .read = pci_ecam_empty_read,
    .write = pci_ecam_empty_write,
};

/* ---- the device class: stateless, and not in the device tree (see above) ---- */

static int pci_ecam_empty_class_create(const struct axvm_devclass_ctx *ctx, void **state)
{
	*state = NULL;
	return axvm_devclass_no_options(ctx, axvm_pci_ecam_empty_class.name);
}

static void pci_ecam_empty_class_destroy(void *state)
{
}

const struct axvm_devclass axvm_pci_ecam_empty_class = {
    .name = "pci-ecam-empty",
    .mmio_size = AXVM_PCI_ECAM_EMPTY_SIZE,
    .min_width = 1,
    .max_width = 4,
    .ops = &axvm_pci_ecam_empty_ops,
    .create = pci_ecam_empty_class_create,
    .destroy = pci_ecam_empty_class_destroy,
};
