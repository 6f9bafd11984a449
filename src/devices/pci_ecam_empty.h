/* SPDX-License-Identifier: MIT */
/*
 * An empty PCI Express ECAM window (see pci_ecam_empty.c): every
 * configuration read returns all ones, "no device here", and writes are
 * ignored. Register it with axvm_pci_ecam_empty_ops, 1- to 4-byte accesses,
 * over the window (QEMU virt: 0x3000_0000 + 256 MiB, buses 0-255).
 *
 * Threads: the ops are safe from any thread (no state).
 */
#ifndef AXVM_DEVICES_PCI_ECAM_EMPTY_H
#define AXVM_DEVICES_PCI_ECAM_EMPTY_H

#include <axvm/device.h>

#define AXVM_PCI_ECAM_EMPTY_SIZE 0x10000000ull /* 256 buses x 32 devices x 8 functions x 4 KiB */

extern const struct axvm_device_ops axvm_pci_ecam_empty_ops;

#endif
