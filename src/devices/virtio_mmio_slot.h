/* SPDX-License-Identifier: MIT */
/*
 * An empty virtio-mmio transport slot (see virtio_mmio_slot.c): the
 * registers of a virtio-mmio device with DeviceID 0, "no device", as QEMU's
 * virt machine shows in each of its eight slots while nothing is plugged
 * in. Register it with axvm_virtio_mmio_slot_ops, 32-bit accesses, over
 * AXVM_VIRTIO_MMIO_SLOT_SIZE.
 *
 * Threads: the ops are safe from any thread (the slot has no state).
 */
#ifndef AXVM_DEVICES_VIRTIO_MMIO_SLOT_H
#define AXVM_DEVICES_VIRTIO_MMIO_SLOT_H

#include <axvm/device.h>

#define AXVM_VIRTIO_MMIO_SLOT_SIZE 0x1000
#define AXVM_VIRTIO_MMIO_MAGIC 0x74726976u  /* "virt", little-endian */
#define AXVM_VIRTIO_MMIO_VENDOR 0x6178766du /* "axvm", as our SBI implementation ID */

struct axvm_virtio_mmio_slot;

int axvm_virtio_mmio_slot_create(struct axvm_virtio_mmio_slot **out);
void axvm_virtio_mmio_slot_destroy(struct axvm_virtio_mmio_slot *s);

extern const struct axvm_device_ops axvm_virtio_mmio_slot_ops;

#endif
