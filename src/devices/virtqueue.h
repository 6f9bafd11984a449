/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues as a device sees them (virtio 1.2, section 2.7), over
 * guest RAM in an axvm_addrspace. No locking and no threads here: the
 * transport (virtio_mmio.c) calls these under its lock, on the event
 * loop's thread for the ring work.
 *
 * Hardening (the guest writes every byte we read):
 *  - rings are checked once, when the driver makes the queue ready: size a
 *    power of two, alignment, every byte in RAM (never MMIO or device
 *    memory), each ring inside one RAM region so that its host pointer
 *    covers it (RAM is never unmapped while a device lives);
 *  - every descriptor is copied out of guest memory once, then checked,
 *    then used (no double fetch); its buffer is checked to lie in RAM
 *    (region by region, wrap-around refused) before it becomes an iovec;
 *  - a chain has at most Queue Size descriptors, an indirect table at most
 *    Queue Size entries and no indirect table inside it; a longer chain
 *    (a loop is one) is an error;
 *  - the available index may run ahead of the device by at most Queue Size.
 * Any violation returns an error with a message naming the guest address;
 * the transport then puts the device into DEVICE_NEEDS_RESET.
 *
 * Memory ordering (2.7.13): the available index is read with acquire before
 * the ring entries it publishes; used elements are written before the used
 * index (release); a full fence separates our used-index store from reading
 * used_event / flags, and our avail_event store from re-reading the
 * available index, so no notification is lost either way.
 */
#ifndef AXVM_DEVICES_VIRTQUEUE_H
#define AXVM_DEVICES_VIRTQUEUE_H

#include <axvm/addrspace.h>
#include <sys/uio.h>

/* Host segments one popped chain may need (regions crossed count extra). */
#define VIRTQ_MAX_IOV 1024u

struct virtq {
	/* Set by the driver while the queue is not ready. */
	uint32_t num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	/* Negotiated features (set at FEATURES_OK). */
	bool event_idx, indirect;

	/* Valid while ready. */
	bool ready;
	uint8_t *desc, *avail, *used; /* host views of the three rings */
	uint16_t last_avail;	      /* next available-ring slot to consume */
	uint16_t used_idx;	      /* our copy of used->idx */
	uint16_t signalled_used;      /* used_idx at the last interrupt (EVENT_IDX) */
	bool signalled_valid;
	bool pushed;		   /* used entries added since the last notify decision */
	struct axvm_addrspace *as; /* of virtq_enable: virtq_push counts its writes */
};

/* One popped chain: iov[0..out_num) device-readable, then in_num writable. */
struct virtq_chain {
	uint16_t head;
	unsigned out_num, in_num;
	uint64_t out_len, in_len; /* summed in 64 bits */
};

/*
 * Check the driver's ring setup and make the queue usable. 0, or a
 * negative AXVM_E* with a message in why (the queue stays not ready).
 */
int virtq_enable(struct virtq *vq, struct axvm_addrspace *as, uint32_t num_max, char *why,
		 size_t whylen);
/* Forget the rings and indices (queue reset, device reset). Keeps nothing. */
void virtq_disable(struct virtq *vq);

/*
 * Take the next available chain into iov (at most iov_max entries).
 * Returns 1 with *chain filled, 0 when the ring is empty (with EVENT_IDX,
 * avail_event is updated first so that the driver's next kick is not
 * suppressed), or a negative AXVM_E* for a malformed ring or chain, with
 * a message in why. The slot is consumed only when 1 is returned.
 */
int virtq_pop(struct virtq *vq, struct axvm_addrspace *as, struct virtq_chain *chain,
	      struct iovec *iov, unsigned iov_max, char *why, size_t whylen);

/* Add {head, len} to the used ring. */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t len);

/*
 * After pushes: does the driver want an interrupt now (EVENT_IDX's
 * used_event, else the NO_INTERRUPT flag)? Clears `pushed`.
 */
bool virtq_should_notify(struct virtq *vq);

/*
 * Map [gpa, gpa + len) of guest RAM into host segments, appended at
 * iov[*n] (bounded by max). `write`: the device will write the memory.
 * -AXVM_EFAULT (not RAM, or wraps), -AXVM_EPERM (region flags), or
 * -AXVM_ELIMIT (more than max segments).
 */
int virtq_map(struct axvm_addrspace *as, uint64_t gpa, uint64_t len, bool write, struct iovec *iov,
	      unsigned *n, unsigned max);

/* iovec helpers for device models. */
/* Copy up to len bytes starting `skip` bytes into the segments; returns bytes copied. */
size_t virtq_iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len);
size_t virtq_iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *buf,
			  size_t len);
/* Drop `bytes` from the front / back of the segments (in place); returns bytes dropped. */
size_t virtq_iov_discard_front(struct iovec **iov, unsigned *n, size_t bytes);
size_t virtq_iov_discard_back(struct iovec *iov, unsigned *n, size_t bytes);

#endif
