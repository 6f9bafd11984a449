/* SPDX-License-Identifier: MIT */
/*
 * Device address spaces. Devices are kept sorted by base for a binary-search
 * lookup. The bus owns access widths: an access that a device cannot take as
 * is split into naturally aligned pieces of a width it accepts, and pieces
 * narrower than its minimum become a wider read (plus a write-back of the
 * merged value for stores), so device code only sees legal accesses.
 */
#include <axvm/config.h>
#include <axvm/device.h>
#include <axvm/log.h>
#include <axvm/stats.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/bus_vcpu.h"
#include "core/counters.h"
#include "core/error.h"

/*
 * A device as one vCPU sees it (axvm_bus_slot in core/bus_vcpu.h): a copy
 * of what the MMIO fast path checks and calls, and that vCPU's count of its
 * accesses (axvm/stats.h), in one cache line that only the vCPU's thread
 * writes. The vCPU's fast path keeps a pointer to the slot of the device it
 * hit last, so the count is one add at a fixed offset from it (no row to
 * find, no locked instruction, no line shared with another vCPU).
 */
struct __attribute__((aligned(64))) axvm_bus_slot {
	uint64_t base, size; /* size 0: matches nothing (bus_slot_none, a removed device) */
	const struct axvm_device_ops *ops;
	void *opaque;
	/*
	 * [0 = read, 1 = write]: bit w set for each width w the device takes
	 * as is (min_width..max_width) if it has that op; the fast path's one
	 * test for "a direct call".
	 */
	uint16_t direct[2];
	/*
	 * [0 = read, 1 = write]: sampled counters (core/counters.h) in a
	 * vCPU's slot; plain atomic counts in the shared row's.
	 */
	_Atomic uint64_t n[2];
};

/*
 * One slot per vCPU, and a last row for every other caller (an embedder's
 * own accesses through axvm_bus_read/write), which counts atomically.
 * Readers sum the rows. Allocated once per device, so a slot stays where it
 * is while the device array grows; a removed device's slots are kept, with
 * size 0, until the bus is destroyed (a vCPU may still point at them).
 */
#define BUS_COUNT_ROWS (AXVM_CONFIG_MAX_VCPUS + 1)
#define BUS_SHARED_ROW AXVM_CONFIG_MAX_VCPUS
struct bus_counts {
	struct axvm_bus_slot slot[BUS_COUNT_ROWS];
};

/* What a vCPU's fast path points at before its first access: matches nothing. */
static struct axvm_bus_slot bus_slot_none;

struct bus_device {
	struct axvm_device_desc desc; /* first: bus_fast_general goes from it to here */
	char *name;
	struct bus_counts *counts;
};

static void bus_count(struct bus_device *bd, unsigned row, bool write)
{
	_Atomic uint64_t *c = &bd->counts->slot[row].n[write];

	if (row < BUS_SHARED_ROW) {
		if (axvm_counter_step(c))
			axvm_counter_carry(c);
	} else if (AXVM_COUNTERS)
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* Row `row`'s count in slot s (the shared row's is not sampled). */
static uint64_t bus_slot_count(const struct axvm_bus_slot *s, unsigned row, bool write)
{
	uint64_t w =
	    atomic_load_explicit(&((struct axvm_bus_slot *)s)->n[write], memory_order_relaxed);

	return row < BUS_SHARED_ROW ? axvm_counter_value(w) : w;
}

struct axvm_bus {
	enum axvm_bus_kind kind;
	size_t count, cap;
	struct bus_device *devices;
	/*
	 * The device hit last: guests hammer one device at a time (a UART, a
	 * virtqueue notify), so this skips the search on most accesses. Racy
	 * by design and harmless: any index < count names a valid device, and
	 * the range check decides.
	 */
	_Atomic size_t last_hit;
	/*
	 * Accesses by a vCPU that no device took (its exits all the same:
	 * axvm_bus_vcpu_counts), one row per vCPU as bus_counts.
	 */
	_Atomic uint64_t unclaimed[AXVM_CONFIG_MAX_VCPUS][2];
	/* Removed devices' slots (see bus_counts), freed with the bus. */
	struct bus_counts **retired;
	size_t retired_count;
};

int axvm_bus_create(enum axvm_bus_kind kind, struct axvm_bus **out)
{
	struct axvm_bus *bus;

	*out = NULL;
	if ((unsigned)kind >= AXVM_BUS_COUNT)
		return -AXVM_EINVAL;
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -AXVM_ENOMEM;
	bus->kind = kind;
	*out = bus;
	return 0;
}

static void bus_release(struct bus_device *d)
{
	if (d->desc.ops->release)
		d->desc.ops->release(d->desc.opaque);
	free(d->name);
}

void axvm_bus_destroy(struct axvm_bus *bus)
{
	if (!bus)
		return;
	for (size_t i = 0; i < bus->count; i++) {
		bus_release(&bus->devices[i]);
		free(bus->devices[i].counts);
	}
	for (size_t i = 0; i < bus->retired_count; i++)
		free(bus->retired[i]);
	free(bus->retired);
	free(bus->devices);
	free(bus);
}

enum axvm_bus_kind axvm_bus_kind(const struct axvm_bus *bus)
{
	return bus->kind;
}

const char *axvm_bus_kind_name(enum axvm_bus_kind kind)
{
	switch (kind) {
	case AXVM_BUS_MMIO:
		return "mmio";
	case AXVM_BUS_PORT:
		return "port";
	case AXVM_BUS_SYSREG:
		return "sysreg";
	case AXVM_BUS_COUNT:
		break;
	}
	return "?";
}

static bool bus_width_ok(unsigned w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

int axvm_bus_register(struct axvm_bus *bus, const struct axvm_device_desc *desc)
{
	struct axvm_device_desc d = *desc;
	size_t pos = 0;

	const char *dname = d.name ? d.name : "device";

	if (!d.ops || (!d.ops->read && !d.ops->write))
		return axvm_error_set(-AXVM_EINVAL, "bus %s: %s has no read or write op",
				      axvm_bus_kind_name(bus->kind), dname);
	if (!d.size || d.base + d.size < d.base)
		return axvm_error_set(-AXVM_EINVAL, "bus %s: %s [0x%llx, +0x%llx): bad size",
				      axvm_bus_kind_name(bus->kind), dname,
				      (unsigned long long)d.base, (unsigned long long)d.size);
	if (!d.min_width)
		d.min_width = 1;
	if (!d.max_width)
		d.max_width = 8;
	if (!bus_width_ok(d.min_width) || !bus_width_ok(d.max_width) || d.min_width > d.max_width)
		return axvm_error_set(
		    -AXVM_EINVAL, "bus %s: %s: widths %u..%u are not 1, 2, 4 or 8",
		    axvm_bus_kind_name(bus->kind), dname, d.min_width, d.max_width);
	for (size_t i = 0; i < bus->count; i++) {
		const struct axvm_device_desc *o = &bus->devices[i].desc;

		if (d.base < o->base + o->size && o->base < d.base + d.size)
			return axvm_error_set(
			    -AXVM_EOVERLAP, "bus %s: %s [0x%llx, +0x%llx) overlaps %s at 0x%llx",
			    axvm_bus_kind_name(bus->kind), dname, (unsigned long long)d.base,
			    (unsigned long long)d.size, o->name, (unsigned long long)o->base);
		if (o->base < d.base)
			pos = i + 1;
	}
	if (bus->count == bus->cap) {
		size_t cap = bus->cap ? bus->cap * 2 : 8;
		struct bus_device *n = realloc(bus->devices, cap * sizeof(*n));

		if (!n)
			return axvm_error_set(-AXVM_ENOMEM, "bus %s: out of memory",
					      axvm_bus_kind_name(bus->kind));
		bus->devices = n;
		bus->cap = cap;
	}
	{
		char *name = strdup(dname);
		struct bus_counts *counts =
		    aligned_alloc(_Alignof(struct bus_counts), sizeof(*counts));

		if (!name || !counts) {
			free(name);
			free(counts);
			return axvm_error_set(-AXVM_ENOMEM, "bus %s: out of memory",
					      axvm_bus_kind_name(bus->kind));
		}
		memset(counts, 0, sizeof(*counts));
		for (unsigned row = 0; row < BUS_COUNT_ROWS; row++) {
			struct axvm_bus_slot *sl = &counts->slot[row];

			sl->base = d.base;
			sl->size = d.size;
			sl->ops = d.ops;
			sl->opaque = d.opaque;
			for (unsigned w = d.min_width; w <= d.max_width; w <<= 1) {
				if (d.ops->read)
					sl->direct[0] |= (uint16_t)(1u << w);
				if (d.ops->write)
					sl->direct[1] |= (uint16_t)(1u << w);
			}
		}
		memmove(&bus->devices[pos + 1], &bus->devices[pos],
			(bus->count - pos) * sizeof(bus->devices[0]));
		bus->devices[pos].name = name;
		d.name = name;
		bus->devices[pos].desc = d;
		bus->devices[pos].counts = counts;
		bus->count++;
	}
	return 0;
}

static long bus_lookup(const struct axvm_bus *bus, uint64_t addr)
{
	size_t lo = 0, hi = bus->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct axvm_device_desc *d = &bus->devices[mid].desc;

		if (addr < d->base)
			hi = mid;
		else if (addr - d->base >= d->size)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

static int bus_remove(struct axvm_bus *bus, uint64_t base, bool release)
{
	long idx = bus_lookup(bus, base);
	struct bus_counts **retired;

	if (idx < 0 || bus->devices[idx].desc.base != base)
		return -AXVM_ENOENT;
	retired = realloc(bus->retired, (bus->retired_count + 1) * sizeof(*retired));
	if (!retired)
		return -AXVM_ENOMEM;
	bus->retired = retired;
	/* A vCPU's fast path may still point at a slot: keep them, matching nothing. */
	for (unsigned row = 0; row < BUS_COUNT_ROWS; row++)
		bus->devices[idx].counts->slot[row].size = 0;
	bus->retired[bus->retired_count++] = bus->devices[idx].counts;
	if (release)
		bus_release(&bus->devices[idx]);
	else
		free(bus->devices[idx].name);
	memmove(&bus->devices[idx], &bus->devices[idx + 1],
		(bus->count - (size_t)idx - 1) * sizeof(bus->devices[0]));
	bus->count--;
	return 0;
}

int axvm_bus_unregister(struct axvm_bus *bus, uint64_t base)
{
	return bus_remove(bus, base, true);
}

int axvm_bus_detach(struct axvm_bus *bus, uint64_t base)
{
	return bus_remove(bus, base, false);
}

const struct axvm_device_desc *axvm_bus_find(const struct axvm_bus *bus, uint64_t addr)
{
	long idx = bus_lookup(bus, addr);

	return idx < 0 ? NULL : &bus->devices[idx].desc;
}

size_t axvm_bus_device_count(const struct axvm_bus *bus)
{
	return bus->count;
}

const struct axvm_device_desc *axvm_bus_device(const struct axvm_bus *bus, size_t index)
{
	return index < bus->count ? &bus->devices[index].desc : NULL;
}

static uint64_t bus_mask(unsigned width)
{
	return width >= 8 ? ~0ull : (1ull << (width * 8)) - 1;
}

/* One access of a legal width at an aligned offset, as the device wants it. */
static int bus_device_read(const struct axvm_device_desc *d, uint64_t off, unsigned w, uint64_t *v)
{
	*v = 0;
	if (!d->ops->read)
		return 0; /* write-only register space reads as zero */
	return d->ops->read(d->opaque, off, w, v);
}

/*
 * Read `width` bytes at device offset `off` (little endian), splitting or
 * widening as the device's width limits require.
 */
static __attribute__((noinline)) int bus_access(const struct axvm_device_desc *d, uint64_t off,
						unsigned width, uint64_t *value, bool write)
{
	uint64_t result = 0;
	unsigned done = 0;

	while (done < width) {
		uint64_t cur = off + done;
		unsigned piece = d->max_width;
		int ret;

		/* Largest naturally aligned piece that fits what is left. */
		while (piece > d->min_width && (piece > width - done || (cur & (piece - 1))))
			piece >>= 1;
		if (piece <= width - done && !(cur & (piece - 1))) {
			uint64_t v;

			if (write) {
				v = (*value >> (done * 8)) & bus_mask(piece);
				ret = d->ops->write ? d->ops->write(d->opaque, cur, piece, v) : 0;
			} else {
				ret = bus_device_read(d, cur, piece, &v);
				result |= (v & bus_mask(piece)) << (done * 8);
			}
			if (ret)
				return ret;
			done += piece;
			continue;
		}
		/*
		 * Narrower than the device's minimum (or misaligned to it):
		 * access the enclosing min_width unit and merge byte by byte.
		 */
		{
			unsigned unit = d->min_width;
			uint64_t base = cur & ~(uint64_t)(unit - 1), v;
			unsigned shift = (unsigned)(cur - base);
			unsigned n = unit - shift;

			if (n > width - done)
				n = width - done;
			if (base + unit > d->size)
				return -AXVM_ENODEV;
			ret = bus_device_read(d, base, unit, &v);
			if (ret)
				return ret;
			if (write) {
				uint64_t m = bus_mask(n) << (shift * 8);
				uint64_t bits = ((*value >> (done * 8)) & bus_mask(n))
						<< (shift * 8);

				v = (v & ~m) | bits;
				ret = d->ops->write ? d->ops->write(d->opaque, base, unit, v) : 0;
				if (ret)
					return ret;
			} else {
				result |= ((v >> (shift * 8)) & bus_mask(n)) << (done * 8);
			}
			done += n;
		}
	}
	if (!write)
		*value = result;
	return 0;
}

/*
 * The device an access goes to, counted; NULL if none takes it (counted as
 * unclaimed in a vCPU's row if count_miss).
 */
static inline __attribute__((always_inline)) const struct axvm_device_desc *
bus_claim(struct axvm_bus *bus, uint64_t addr, unsigned width, unsigned row, bool write,
	  bool count_miss)
{
	size_t hint = atomic_load_explicit(&bus->last_hit, memory_order_relaxed);
	struct bus_device *bd;

	if (hint < bus->count &&
	    addr - bus->devices[hint].desc.base < bus->devices[hint].desc.size) {
		bd = &bus->devices[hint];
	} else {
		long idx = bus_lookup(bus, addr);

		if (idx < 0)
			goto miss;
		atomic_store_explicit(&bus->last_hit, (size_t)idx, memory_order_relaxed);
		bd = &bus->devices[idx];
	}
	if (!bus_width_ok(width) || addr - bd->desc.base + width > bd->desc.size)
		goto miss;
	bus_count(bd, row, write);
	return &bd->desc;
miss:
	if (count_miss && row < BUS_SHARED_ROW)
		axvm_counter_add(&bus->unclaimed[row][write], 1);
	return NULL;
}

void axvm_bus_vcpu_counts(const struct axvm_bus *bus, unsigned vcpu, uint64_t *reads,
			  uint64_t *writes)
{
	struct axvm_bus *b = (struct axvm_bus *)bus;

	*reads = *writes = 0;
	if (vcpu >= BUS_SHARED_ROW)
		return;
	*reads = atomic_load_explicit(&b->unclaimed[vcpu][0], memory_order_relaxed);
	*writes = atomic_load_explicit(&b->unclaimed[vcpu][1], memory_order_relaxed);
	for (size_t i = 0; i < bus->count; i++) {
		const struct axvm_bus_slot *sl = &bus->devices[i].counts->slot[vcpu];

		*reads += bus_slot_count(sl, vcpu, false);
		*writes += bus_slot_count(sl, vcpu, true);
	}
}

void axvm_bus_device_counts(const struct axvm_bus *bus, size_t index, uint64_t *reads,
			    uint64_t *writes)
{
	*reads = *writes = 0;
	for (unsigned row = 0; index < bus->count && row < BUS_COUNT_ROWS; row++) {
		const struct axvm_bus_slot *sl = &bus->devices[index].counts->slot[row];

		*reads += bus_slot_count(sl, row, false);
		*writes += bus_slot_count(sl, row, true);
	}
}

/* The common case: a naturally aligned access of a width the device takes. */
static bool bus_direct(const struct axvm_device_desc *d, uint64_t off, unsigned width)
{
	return width >= d->min_width && width <= d->max_width && !(off & (width - 1));
}

/* A claimed access to d, inlined into every entry point (the vCPU ones are the MMIO path). */
static inline __attribute__((always_inline)) int
bus_read_at(const struct axvm_device_desc *d, uint64_t addr, unsigned width, uint64_t *value)
{
	uint64_t off = addr - d->base;

	if (bus_direct(d, off, width)) {
		int ret = bus_device_read(d, off, width, value);

		*value &= bus_mask(width);
		return ret;
	}
	return bus_access(d, off, width, value, false);
}

static inline __attribute__((always_inline)) int
bus_write_at(const struct axvm_device_desc *d, uint64_t addr, unsigned width, uint64_t value)
{
	uint64_t off = addr - d->base;

	value &= bus_mask(width);
	if (bus_direct(d, off, width))
		return d->ops->write ? d->ops->write(d->opaque, off, width, value) : 0;
	return bus_access(d, off, width, &value, true);
}

static inline __attribute__((always_inline)) int
bus_read_row(struct axvm_bus *bus, unsigned row, uint64_t addr, unsigned width, uint64_t *value)
{
	const struct axvm_device_desc *d = bus_claim(bus, addr, width, row, false, true);

	*value = 0;
	return d ? bus_read_at(d, addr, width, value) : -AXVM_ENODEV;
}

static inline __attribute__((always_inline)) int
bus_write_row(struct axvm_bus *bus, unsigned row, uint64_t addr, unsigned width, uint64_t value)
{
	const struct axvm_device_desc *d = bus_claim(bus, addr, width, row, true, true);

	return d ? bus_write_at(d, addr, width, value) : -AXVM_ENODEV;
}

int axvm_bus_read(struct axvm_bus *bus, uint64_t addr, unsigned width, uint64_t *value)
{
	return bus_read_row(bus, BUS_SHARED_ROW, addr, width, value);
}

int axvm_bus_write(struct axvm_bus *bus, uint64_t addr, unsigned width, uint64_t value)
{
	return bus_write_row(bus, BUS_SHARED_ROW, addr, width, value);
}

int axvm_bus_read_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
		       uint64_t *value)
{
	return bus_read_row(bus, vcpu, addr, width, value);
}

int axvm_bus_write_vcpu(struct axvm_bus *bus, unsigned vcpu, uint64_t addr, unsigned width,
			uint64_t value)
{
	return bus_write_row(bus, vcpu, addr, width, value);
}

void axvm_bus_fast_init(struct axvm_bus_fast *f, struct axvm_bus *bus, unsigned row)
{
	memset(f, 0, sizeof(*f));
	f->hit = &bus_slot_none;
	f->bus = bus;
	f->row = row;
}

static void bus_fast_time(struct axvm_bus_fast *f, uint64_t t)
{
	uint64_t d = axvm_timed_ns(t, f->hal->now_ns(f->hal->ctx), f->clock_read_ns);

	axvm_counter_add(f->vmm_ns, d * AXVM_STATS_SAMPLE_MMIO);
}

/*
 * A device's failure in the fast path (the access is f->addr, f->write):
 * declined (the exit goes to the caller) or logged.
 */
static __attribute__((noinline)) int bus_fast_result(struct axvm_bus_fast *f, int ret)
{
	if (ret == -AXVM_ENODEV) {
		f->declined = true;
		return 1;
	}
	f->failed(f->failed_opaque, ret, f->addr, f->write);
	return 0;
}

/* A claimed access, timed if `timed` (the fast path's slower cases). */
static int bus_fast_at(struct axvm_bus_fast *f, const struct axvm_device_desc *d, uint64_t addr,
		       unsigned width, uint64_t *value, bool write, bool timed)
{
	uint64_t t = timed ? f->hal->now_ns(f->hal->ctx) : 0;
	int ret;

	f->addr = addr;
	f->write = write;
	if (write) {
		ret = bus_write_at(d, addr, width, *value);
	} else {
		*value = 0;
		ret = bus_read_at(d, addr, width, value);
	}
	if (timed)
		bus_fast_time(f, t);
	return ret ? bus_fast_result(f, ret) : 0;
}

/*
 * Everything but a direct call to the device hit last: a lookup, a split or
 * widened access. The device found becomes this vCPU's hit.
 */
static __attribute__((noinline)) int bus_fast_general(struct axvm_bus_fast *f, uint64_t addr,
						      unsigned width, uint64_t *value, bool write)
{
	const struct axvm_device_desc *d = bus_claim(f->bus, addr, width, f->row, write, false);
	struct bus_device *bd = (struct bus_device *)d;
	struct axvm_bus_slot *s;

	if (!d)
		return 1; /* unclaimed: nothing counted or touched; its exit counts it */
	s = &bd->counts->slot[f->row];
	f->hit = s;
	/* bus_claim counted (and carried) it: a multiple of AXVM_STATS_SAMPLE_MMIO? */
	return bus_fast_at(f, d, addr, width, value, write,
			   AXVM_COUNTERS && axvm_counter_is_round(atomic_load_explicit(
						&s->n[write], memory_order_relaxed)));
}

/* Loads: the hart extends the value from `width` bytes itself, so no mask here. */
static const uint64_t bus_store_mask[9] = {0, 0xff, 0xffff, 0, 0xffffffff, 0, 0, 0, ~0ull};

/* The timed one access in AXVM_STATS_SAMPLE_MMIO of the direct case. */
static __attribute__((noinline)) int bus_fast_timed(struct axvm_bus_fast *f,
						    struct axvm_bus_slot *s, uint64_t off,
						    unsigned width, uint64_t *value, bool write)
{
	uint64_t t = f->hal->now_ns(f->hal->ctx);
	int ret;

	axvm_counter_carry(&s->n[write]);
	if (write) {
		ret = s->ops->write(s->opaque, off, width, *value & bus_store_mask[width]);
	} else {
		*value = 0;
		ret = s->ops->read(s->opaque, off, width, value);
	}
	bus_fast_time(f, t);
	return ret ? bus_fast_result(f, ret) : 0;
}

/*
 * The hot path reads only f's and the hit slot's lines (nothing of the
 * bus) and keeps nothing but f live across the device's call (the access is
 * stashed in f for a failure), so it saves few registers. Counting is the
 * slot's one add (axvm_counter_step), whose overflow also picks the
 * access to time.
 */
int axvm_bus_fast_access(void *fast, uint64_t addr, unsigned width, uint64_t *value, bool write)
{
	struct axvm_bus_fast *f = fast;
	struct axvm_bus_slot *s = f->hit;
	uint64_t off = addr - s->base;
	size_t w = write; /* one zero extension for both indexes below */
	int ret;

	if (atomic_load_explicit(f->gate, memory_order_relaxed) & f->gate_mask)
		return 1;
	if (__builtin_expect(off >= s->size || off + width > s->size ||
				 !((s->direct[w] >> width) & 1) || (off & (width - 1)),
			     0))
		return bus_fast_general(f, addr, width, value, write);
	f->addr = addr;
	f->write = write;
	if (__builtin_expect(axvm_counter_step(&s->n[w]), 0))
		return bus_fast_timed(f, s, off, width, value, write);
	if (write) {
		ret = s->ops->write(s->opaque, off, width, *value & bus_store_mask[width]);
	} else {
		*value = 0;
		ret = s->ops->read(s->opaque, off, width, value);
	}
	return __builtin_expect(ret != 0, 0) ? bus_fast_result(f, ret) : 0;
}
