/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.2, section 2.7), the device side. Layout in
 * guest memory, all little-endian (2.7.5 - 2.7.8):
 *
 *   Descriptor Table  16 * N bytes, 16-aligned
 *     le64 addr; le32 len; le16 flags (NEXT 1, WRITE 2, INDIRECT 4); le16 next
 *   Available Ring    6 + 2 * N bytes, 2-aligned
 *     le16 flags (NO_INTERRUPT 1); le16 idx; le16 ring[N]; le16 used_event
 *   Used Ring         6 + 8 * N bytes, 4-aligned
 *     le16 flags (NO_NOTIFY 1); le16 idx; {le32 id; le32 len} ring[N];
 *     le16 avail_event
 *
 * See virtqueue.h for the checks and the memory-ordering rules.
 */
#include "virtqueue.h"

#include <endian.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "virtio.h"

#define VIRTQ_DESC_SIZE 16u

static int vq_fail(char *why, size_t whylen, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int vq_fail(char *why, size_t whylen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static uint16_t vq_load16_acquire(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_ACQUIRE));
}

static uint16_t vq_load16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_RELAXED));
}

static void vq_store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), __ATOMIC_RELAXED);
}

static void vq_store16_release(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), __ATOMIC_RELEASE);
}

static void vq_store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)p, htole32(v), __ATOMIC_RELAXED);
}

int virtq_map(struct axvm_addrspace *as, uint64_t gpa, uint64_t len, bool write, struct iovec *iov,
	      unsigned *n, unsigned max)
{
	uint32_t need = write ? AXVM_MEM_WRITE : AXVM_MEM_READ;

	if (len && gpa + (len - 1) < gpa)
		return -AXVM_EFAULT; /* wraps around the address space */
	while (len) {
		struct axvm_region_info r;
		uint64_t off, chunk;

		if (axvm_addrspace_find(as, gpa, &r) != 0 || r.kind == AXVM_REGION_MMIO ||
		    (r.flags & AXVM_MEM_DEVICE) || !r.hva)
			return -AXVM_EFAULT;
		if (!(r.flags & need))
			return -AXVM_EPERM;
		if (*n >= max)
			return -AXVM_ELIMIT;
		off = gpa - r.gpa;
		chunk = r.size - off < len ? r.size - off : len;
		if (r.kind == AXVM_REGION_LAZY) {
			/* DMA touches these pages: populate them as a vCPU's access would. */
			uint64_t first = gpa & ~(AXVM_PAGE_SIZE - 1);

			for (uint64_t p = first; p < gpa + chunk; p += AXVM_PAGE_SIZE)
				axvm_addrspace_populate(as, p);
		}
		iov[*n].iov_base = (uint8_t *)r.hva + off;
		iov[*n].iov_len = (size_t)chunk;
		(*n)++;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

/* One ring: [gpa, gpa + len) in a single RAM region, aligned; its host pointer. */
static int vq_map_ring(struct axvm_addrspace *as, const char *name, uint64_t gpa, uint64_t len,
		       uint64_t align, bool write, uint8_t **hva, char *why, size_t whylen)
{
	struct iovec seg;
	unsigned n = 0;
	int ret;

	if (gpa & (align - 1))
		return vq_fail(why, whylen, -AXVM_EALIGN,
			       "%s at 0x%" PRIx64 " is not %" PRIu64 "-byte aligned", name, gpa,
			       align);
	ret = virtq_map(as, gpa, len, write, &seg, &n, 1);
	if (ret)
		return vq_fail(why, whylen, ret,
			       "%s [0x%" PRIx64 ", +0x%" PRIx64 ") is not in one guest RAM region",
			       name, gpa, len);
	*hva = seg.iov_base;
	return 0;
}

int virtq_enable(struct virtq *vq, struct axvm_addrspace *as, uint32_t num_max, char *why,
		 size_t whylen)
{
	uint32_t num = vq->num;
	int ret;

	if (num == 0 || num > num_max || (num & (num - 1)))
		return vq_fail(why, whylen, -AXVM_EINVAL,
			       "QueueNum %u is not a power of two in 1..%u", num, num_max);
	ret = vq_map_ring(as, "descriptor table", vq->desc_gpa, (uint64_t)VIRTQ_DESC_SIZE * num, 16,
			  false, &vq->desc, why, whylen);
	if (!ret)
		ret = vq_map_ring(as, "available ring", vq->avail_gpa, 6 + 2ull * num, 2, false,
				  &vq->avail, why, whylen);
	if (!ret)
		ret = vq_map_ring(as, "used ring", vq->used_gpa, 6 + 8ull * num, 4, true, &vq->used,
				  why, whylen);
	if (ret) {
		vq->desc = vq->avail = vq->used = NULL;
		return ret;
	}
	vq->as = as;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->pushed = false;
	vq->ready = true;
	return 0;
}

void virtq_disable(struct virtq *vq)
{
	bool event_idx = vq->event_idx, indirect = vq->indirect;

	memset(vq, 0, sizeof(*vq));
	vq->event_idx = event_idx;
	vq->indirect = indirect;
}

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* The one fetch of a descriptor from guest memory. */
static void vq_read_desc(const uint8_t *table, uint32_t idx, struct vq_desc *d)
{
	uint8_t raw[VIRTQ_DESC_SIZE];
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;

	memcpy(raw, table + (size_t)idx * VIRTQ_DESC_SIZE, sizeof(raw));
	memcpy(&addr, raw, 8);
	memcpy(&len, raw + 8, 4);
	memcpy(&flags, raw + 12, 2);
	memcpy(&next, raw + 14, 2);
	d->addr = le64toh(addr);
	d->len = le32toh(len);
	d->flags = le16toh(flags);
	d->next = le16toh(next);
}

static const char *vq_map_error(int ret)
{
	switch (ret) {
	case -AXVM_EPERM:
		return "its region does not allow the access";
	case -AXVM_ELIMIT:
		return "the chain needs too many host segments";
	default:
		return "not in guest RAM";
	}
}

int virtq_pop(struct virtq *vq, struct axvm_addrspace *as, struct virtq_chain *chain,
	      struct iovec *iov, unsigned iov_max, char *why, size_t whylen)
{
	const uint8_t *table = vq->desc;
	uint64_t table_gpa = vq->desc_gpa;
	uint32_t entries = vq->num, max = vq->num, count = 0;
	bool in_indirect = false, seen_write = false;
	uint16_t avail_idx, pending, idx;
	unsigned n = 0;

	memset(chain, 0, sizeof(*chain));
	if (!vq->ready)
		return 0;
	avail_idx = vq_load16_acquire(vq->avail + 2);
	if (avail_idx == vq->last_avail) {
		if (!vq->event_idx)
			return 0;
		/* Ask for a kick at the next entry, then look once more. */
		vq_store16(vq->used + 4 + 8 * (size_t)vq->num, vq->last_avail);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = vq_load16_acquire(vq->avail + 2);
		if (avail_idx == vq->last_avail)
			return 0;
	}
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending > vq->num)
		return vq_fail(why, whylen, -AXVM_ERANGE,
			       "available index %u at 0x%" PRIx64
			       " is %u entries ahead of the device (queue size %u)",
			       avail_idx, vq->avail_gpa + 2, pending, vq->num);
	idx = vq_load16(vq->avail + 4 + 2 * (size_t)(vq->last_avail & (vq->num - 1)));
	if (idx >= vq->num)
		return vq_fail(why, whylen, -AXVM_ERANGE,
			       "available ring entry at 0x%" PRIx64
			       " names descriptor %u (queue size %u)",
			       vq->avail_gpa + 4 + 2 * (uint64_t)(vq->last_avail & (vq->num - 1)),
			       idx, vq->num);
	chain->head = idx;

	for (;;) {
		uint64_t dgpa = table_gpa + (uint64_t)idx * VIRTQ_DESC_SIZE;
		struct vq_desc d;
		unsigned first = n;
		int ret;

		if (++count > max)
			return vq_fail(
			    why, whylen, -AXVM_ELIMIT,
			    "descriptor chain from head %u is longer than %u descriptors "
			    "(a loop?) at 0x%" PRIx64,
			    chain->head, max, dgpa);
		vq_read_desc(table, idx, &d);

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			struct iovec seg;
			unsigned k = 0;

			if (!vq->indirect)
				return vq_fail(why, whylen, -AXVM_EINVAL,
					       "indirect descriptor at 0x%" PRIx64
					       " without VIRTIO_F_INDIRECT_DESC",
					       dgpa);
			if (in_indirect)
				return vq_fail(why, whylen, -AXVM_EINVAL,
					       "indirect descriptor at 0x%" PRIx64
					       " inside an indirect table",
					       dgpa);
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return vq_fail(why, whylen, -AXVM_EINVAL,
					       "indirect descriptor at 0x%" PRIx64 " also has NEXT",
					       dgpa);
			if (d.len == 0 || d.len % VIRTQ_DESC_SIZE ||
			    d.len / VIRTQ_DESC_SIZE > vq->num)
				return vq_fail(why, whylen, -AXVM_EINVAL,
					       "indirect table at 0x%" PRIx64
					       " (descriptor at 0x%" PRIx64
					       ") has %u bytes: want 1..%u entries of 16 bytes",
					       d.addr, dgpa, d.len, vq->num);
			ret = virtq_map(as, d.addr, d.len, false, &seg, &k, 1);
			if (ret)
				return vq_fail(why, whylen, ret,
					       "indirect table [0x%" PRIx64
					       ", +0x%x) (descriptor at "
					       "0x%" PRIx64 ") is not in one guest RAM region",
					       d.addr, d.len, dgpa);
			table = seg.iov_base;
			table_gpa = d.addr;
			entries = max = d.len / VIRTQ_DESC_SIZE;
			count = 0;
			idx = 0;
			in_indirect = true;
			continue;
		}

		if (!(d.flags & VIRTQ_DESC_F_WRITE) && seen_write)
			return vq_fail(why, whylen, -AXVM_EINVAL,
				       "device-readable descriptor at 0x%" PRIx64
				       " after a device-writable one",
				       dgpa);
		ret = virtq_map(as, d.addr, d.len, d.flags & VIRTQ_DESC_F_WRITE, iov, &n, iov_max);
		if (ret)
			return vq_fail(why, whylen, ret,
				       "buffer [0x%" PRIx64
				       ", +0x%x) of the descriptor at 0x%" PRIx64 ": %s",
				       d.addr, d.len, dgpa, vq_map_error(ret));
		if (d.flags & VIRTQ_DESC_F_WRITE) {
			seen_write = true;
			chain->in_num += n - first;
			chain->in_len += d.len;
		} else {
			chain->out_num += n - first;
			chain->out_len += d.len;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= entries)
			return vq_fail(why, whylen, -AXVM_ERANGE,
				       "descriptor at 0x%" PRIx64 " chains to %u (table of %u)",
				       dgpa, d.next, entries);
		idx = d.next;
	}
	vq->last_avail++;
	return 1;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	uint8_t *elem = vq->used + 4 + 8 * (size_t)(vq->used_idx & (vq->num - 1));

	vq_store32(elem, head);
	vq_store32(elem + 4, len);
	/*
	 * The buffers' bytes are written by now: count it before the driver can
	 * see the entry, so a hart that later runs code from them (after a
	 * fence.i) compares its decoded copy again (axvm_addrspace_write_count).
	 */
	if (len && vq->as)
		axvm_addrspace_note_write(vq->as);
	vq->used_idx++;
	vq_store16_release(vq->used + 2, vq->used_idx);
	vq->pushed = true;
}

bool virtq_should_notify(struct virtq *vq)
{
	uint16_t old, event;
	bool valid;

	if (!vq->pushed)
		return false;
	vq->pushed = false;
	/* Our used->idx store before the driver's used_event / flags (2.7.10). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(vq_load16(vq->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	if (!valid)
		return true;
	event = vq_load16(vq->avail + 4 + 2 * (size_t)vq->num);
	/* vring_need_event(): used_event lies in [old, new). */
	return (uint16_t)(vq->used_idx - event - 1) < (uint16_t)(vq->used_idx - old);
}

size_t virtq_iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, take;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		take = seg - skip < len - done ? seg - skip : len - done;
		memcpy((uint8_t *)buf + done, (const uint8_t *)iov[i].iov_base + skip, take);
		done += take;
		skip = 0;
	}
	return done;
}

size_t virtq_iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *buf,
			  size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, take;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		take = seg - skip < len - done ? seg - skip : len - done;
		memcpy((uint8_t *)iov[i].iov_base + skip, (const uint8_t *)buf + done, take);
		done += take;
		skip = 0;
	}
	return done;
}

size_t virtq_iov_discard_front(struct iovec **iov, unsigned *n, size_t bytes)
{
	size_t done = 0;

	while (*n && done < bytes) {
		struct iovec *v = *iov;
		size_t take = v->iov_len < bytes - done ? v->iov_len : bytes - done;

		v->iov_base = (uint8_t *)v->iov_base + take;
		v->iov_len -= take;
		done += take;
		if (v->iov_len == 0) {
			(*iov)++;
			(*n)--;
		}
	}
	return done;
}

size_t virtq_iov_discard_back(struct iovec *iov, unsigned *n, size_t bytes)
{
	size_t done = 0;

	while (*n && done < bytes) {
		struct iovec *v = &iov[*n - 1];
		size_t take = v->iov_len < bytes - done ? v->iov_len : bytes - done;

		v->iov_len -= take;
		done += take;
		if (v->iov_len == 0)
			(*n)--;
	}
	return done;
}
