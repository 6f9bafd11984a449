/* SPDX-License-Identifier: MIT */
/*
 * Constants of the virtio 1.2 specification shared by the transport, the
 * virtqueue code and the device models (names as in the spec).
 */
#ifndef AXVM_DEVICES_VIRTIO_H
#define AXVM_DEVICES_VIRTIO_H

/* 2.1 Device Status Field */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* 6 Reserved Feature Bits */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_F_RING_RESET 40

#define VIRTIO_BIT(n) (1ull << (n))

/* 5 Device Types */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

/* 4.2.2 virtio-mmio InterruptStatus bits */
#define VIRTIO_MMIO_INT_VRING 1u
#define VIRTIO_MMIO_INT_CONFIG 2u

/* 2.7.5 The Virtqueue Descriptor Table */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
/* 2.7.6 / 2.7.8 ring flags */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY 1u

/* 2.7 "Queue Size ... maximum Queue Size value is 32768" */
#define VIRTQ_SIZE_LIMIT 32768u

#endif
