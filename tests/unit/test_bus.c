/* SPDX-License-Identifier: MIT */
#include "test.h"

#include <axvm/device.h>
#include <axvm/hal.h>

#include "core/bus_vcpu.h"
#include "core/counters.h"
#include "support/fake_hal.h"

/* A register file device that records the accesses it sees. */
struct regdev {
	uint8_t mem[64];
	unsigned accesses;
	unsigned last_width;
	uint64_t last_offset;
	int fail;
};

static int regdev_read(void *opaque, uint64_t off, unsigned w, uint64_t *v)
{
	struct regdev *d = opaque;

	d->accesses++;
	d->last_width = w;
	d->last_offset = off;
	if (d->fail)
		return d->fail;
	*v = 0;
	for (unsigned i = 0; i < w; i++)
		*v |= (uint64_t)d->mem[off + i] << (8 * i);
	return 0;
}

static int regdev_write(void *opaque, uint64_t off, unsigned w, uint64_t v)
{
	struct regdev *d = opaque;

	d->accesses++;
	d->last_width = w;
	d->last_offset = off;
	for (unsigned i = 0; i < w; i++)
		d->mem[off + i] = (uint8_t)(v >> (8 * i));
	return 0;
}

static unsigned released;
static void regdev_release(void *opaque)
{
	released++;
}

static const struct axvm_device_ops regdev_ops = {
    .read = regdev_read, .write = regdev_write, .release = regdev_release};

static struct axvm_bus *bus_with(struct regdev *d, uint64_t base, uint8_t minw, uint8_t maxw)
{
	struct axvm_bus *bus;
	struct axvm_device_desc desc = {.name = "regs",
					.base = base,
					.size = sizeof(d->mem),
					.min_width = minw,
					.max_width = maxw,
					.ops = &regdev_ops,
					.opaque = d};

	axvm_bus_create(AXVM_BUS_MMIO, &bus);
	axvm_bus_register(bus, &desc);
	return bus;
}

TEST(test_bus_routes_access_to_device_offset)
{
	struct regdev d = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 1, 8);
	uint64_t v;

	REQUIRE_OK(axvm_bus_write(bus, 0x1008, 4, 0xdeadbeef));
	CHECK_U64(8, d.last_offset);
	CHECK_INT(4, d.last_width);
	REQUIRE_OK(axvm_bus_read(bus, 0x1008, 2, &v));
	CHECK_U64(0xbeef, v);
	axvm_bus_destroy(bus);
}

TEST(test_bus_access_without_device_reports_enodev)
{
	struct regdev d = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 1, 8);
	uint64_t v = 7;

	CHECK_INT(-AXVM_ENODEV, axvm_bus_read(bus, 0x2000, 4, &v));
	CHECK_U64(0, v);
	CHECK_INT(-AXVM_ENODEV, axvm_bus_write(bus, 0xfff, 1, 0));
	/* Running past the device's end is not claimed either. */
	CHECK_INT(-AXVM_ENODEV, axvm_bus_read(bus, 0x103c, 8, &v));
	CHECK_INT(0, (int)d.accesses);
	axvm_bus_destroy(bus);
}

TEST(test_bus_rejects_overlap)
{
	struct regdev d = {0}, e = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 1, 8);
	struct axvm_device_desc desc = {
	    .name = "other", .base = 0x1030, .size = 0x100, .ops = &regdev_ops, .opaque = &e};

	CHECK_INT(-AXVM_EOVERLAP, axvm_bus_register(bus, &desc));
	desc.base = 0xfc0;
	desc.size = 0x41;
	CHECK_INT(-AXVM_EOVERLAP, axvm_bus_register(bus, &desc));
	desc.size = 0x40;
	CHECK_INT(0, axvm_bus_register(bus, &desc));
	CHECK_INT(2, (int)axvm_bus_device_count(bus));
	axvm_bus_destroy(bus);
}

TEST(test_bus_rejects_bad_device_widths)
{
	struct regdev d = {0};
	struct axvm_bus *bus;
	struct axvm_device_desc desc = {
	    .name = "bad", .base = 0, .size = 8, .min_width = 3, .ops = &regdev_ops, .opaque = &d};

	axvm_bus_create(AXVM_BUS_PORT, &bus);
	CHECK_INT(-AXVM_EINVAL, axvm_bus_register(bus, &desc));
	desc.min_width = 8;
	desc.max_width = 4;
	CHECK_INT(-AXVM_EINVAL, axvm_bus_register(bus, &desc));
	desc.min_width = 1;
	desc.size = 0;
	CHECK_INT(-AXVM_EINVAL, axvm_bus_register(bus, &desc));
	axvm_bus_destroy(bus);
}

TEST(test_bus_finds_device_by_address)
{
	struct regdev a = {0}, b = {0};
	struct axvm_bus *bus = bus_with(&a, 0x3000, 1, 8);
	struct axvm_device_desc desc = {
	    .name = "low", .base = 0x1000, .size = 0x10, .ops = &regdev_ops, .opaque = &b};

	REQUIRE_OK(axvm_bus_register(bus, &desc));
	CHECK_STR("low", axvm_bus_find(bus, 0x100f)->name);
	CHECK_STR("regs", axvm_bus_find(bus, 0x3000)->name);
	CHECK(axvm_bus_find(bus, 0x1010) == NULL);
	CHECK(axvm_bus_find(bus, 0x2fff) == NULL);
	axvm_bus_destroy(bus);
}

TEST(test_bus_splits_wide_access_for_narrow_device)
{
	struct regdev d = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 4, 4);
	uint64_t v;

	REQUIRE_OK(axvm_bus_write(bus, 0x1010, 8, 0x1122334455667788ull));
	CHECK_INT(2, (int)d.accesses);
	CHECK_INT(4, d.last_width);
	CHECK_U64(0x14, d.last_offset);
	REQUIRE_OK(axvm_bus_read(bus, 0x1010, 8, &v));
	CHECK_U64(0x1122334455667788ull, v);
	axvm_bus_destroy(bus);
}

TEST(test_bus_widens_narrow_access_with_read_modify_write)
{
	struct regdev d = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 4, 4);
	uint64_t v;

	REQUIRE_OK(axvm_bus_write(bus, 0x1000, 4, 0xaabbccdd));
	REQUIRE_OK(axvm_bus_write(bus, 0x1001, 1, 0x11));
	REQUIRE_OK(axvm_bus_read(bus, 0x1000, 4, &v));
	CHECK_U64(0xaabb11dd, v);
	REQUIRE_OK(axvm_bus_read(bus, 0x1002, 2, &v));
	CHECK_U64(0xaabb, v);
	CHECK_INT(4, d.last_width);
	axvm_bus_destroy(bus);
}

TEST(test_bus_misaligned_access_reaches_device_aligned)
{
	struct regdev d = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 1, 8);
	uint64_t v;

	REQUIRE_OK(axvm_bus_write(bus, 0x1003, 4, 0x01020304));
	/* Pieces: 1 byte at 3, 4 bytes? no: 1 at 3, then 4-byte at 4 would exceed -> 2+1. */
	REQUIRE_OK(axvm_bus_read(bus, 0x1003, 4, &v));
	CHECK_U64(0x01020304, v);
	CHECK_U64(0x04, d.mem[3]);
	CHECK_U64(0x01, d.mem[6]);
	CHECK(d.last_width == 1 || d.last_width == 2);
	axvm_bus_destroy(bus);
}

TEST(test_bus_device_error_is_returned)
{
	struct regdev d = {.fail = -AXVM_EIO};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 1, 8);
	uint64_t v;

	CHECK_INT(-AXVM_EIO, axvm_bus_read(bus, 0x1000, 4, &v));
	axvm_bus_destroy(bus);
}

TEST(test_bus_unregister_releases_device)
{
	struct regdev d = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 1, 8);
	unsigned before = released;

	CHECK_INT(-AXVM_ENOENT, axvm_bus_unregister(bus, 0x1004));
	REQUIRE_OK(axvm_bus_unregister(bus, 0x1000));
	CHECK_INT(before + 1, released);
	CHECK(axvm_bus_find(bus, 0x1000) == NULL);
	axvm_bus_destroy(bus);
	CHECK_INT(before + 1, released);
}

/* axvm/stats.h: one count per guest access, however the bus splits it. */
TEST(test_bus_counts_guest_accesses_per_device)
{
	struct regdev d = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 1, 1); /* byte-wide: 8-byte accesses split */
	uint64_t v, reads, writes;

	axvm_bus_device_counts(bus, 0, &reads, &writes);
	CHECK_U64(0, reads);
	CHECK_U64(0, writes);
	REQUIRE_OK(axvm_bus_write(bus, 0x1000, 8, 0x1122334455667788ull));
	REQUIRE_OK(axvm_bus_read(bus, 0x1000, 8, &v));
	REQUIRE_OK(axvm_bus_read(bus, 0x1001, 1, &v));
	CHECK_INT(17, (int)d.accesses); /* the device saw the pieces */
	axvm_bus_device_counts(bus, 0, &reads, &writes);
	CHECK_U64(2, reads);
	CHECK_U64(1, writes);
	/* Unclaimed accesses count nowhere; a missing index reads zero. */
	CHECK_INT(-AXVM_ENODEV, axvm_bus_read(bus, 0x2000, 4, &v));
	axvm_bus_device_counts(bus, 0, &reads, &writes);
	CHECK_U64(2, reads);
	axvm_bus_device_counts(bus, 5, &reads, &writes);
	CHECK_U64(0, reads);
	CHECK_U64(0, writes);
	axvm_bus_destroy(bus);
}

/*
 * The MMIO fast path's bus call (core/bus_vcpu.h): direct calls to the
 * device hit last, everything else (a lookup, a widened or split access)
 * out of line, each counted once in the vCPU's row; an unclaimed address
 * and a closed gate leave everything untouched for the exit to handle.
 */
static unsigned fast_failures;
static void fast_failed(void *opaque, int ret, uint64_t addr, bool write)
{
	fast_failures++;
}

TEST(test_bus_fast_access_direct_general_unclaimed_and_gated)
{
	struct regdev d = {0};
	struct axvm_bus *bus = bus_with(&d, 0x1000, 4, 4);
	struct axvm_bus_fast f;
	_Atomic unsigned gate = 0;
	_Atomic uint64_t vmm_ns = 0;
	uint64_t v, reads, writes;

	axvm_bus_fast_init(&f, bus, 3);
	f.gate = &gate;
	f.gate_mask = 2;
	f.hal = axvm_hal_linux();
	f.vmm_ns = &vmm_ns;
	f.failed = fast_failed;
	v = 0xaabbccdd;
	CHECK_INT(0, axvm_bus_fast_access(&f, 0x1000, 4, &v, true)); /* direct */
	v = 0x11;
	CHECK_INT(0,
		  axvm_bus_fast_access(&f, 0x1001, 1, &v, true)); /* widened: read-modify-write */
	CHECK_INT(0, axvm_bus_fast_access(&f, 0x1000, 4, &v, false));
	CHECK_U64(0xaabb11dd, v & 0xffffffff);
	CHECK_INT(0, axvm_bus_fast_access(&f, 0x1002, 2, &v, false)); /* narrowed read */
	CHECK_U64(0xaabb, v & 0xffff);
	axvm_bus_vcpu_counts(bus, 3, &reads, &writes);
	CHECK_U64(2, reads);
	CHECK_U64(2, writes);
	axvm_bus_vcpu_counts(bus, 0, &reads, &writes);
	CHECK_U64(0, reads + writes);
	/* Unclaimed: not done, nothing counted (the exit path counts it, as unclaimed). */
	CHECK_INT(1, axvm_bus_fast_access(&f, 0x2000, 4, &v, false));
	axvm_bus_vcpu_counts(bus, 3, &reads, &writes);
	CHECK_U64(2, reads);
	CHECK_INT(-AXVM_ENODEV, axvm_bus_read_vcpu(bus, 3, 0x2000, 4, &v));
	axvm_bus_vcpu_counts(bus, 3, &reads, &writes);
	CHECK_U64(3, reads);
	/* Gated: not done, the device untouched. */
	gate = 2;
	d.accesses = 0;
	CHECK_INT(1, axvm_bus_fast_access(&f, 0x1000, 4, &v, false));
	CHECK_INT(0, (int)d.accesses);
	gate = 1; /* other bits do not close it */
	CHECK_INT(0, axvm_bus_fast_access(&f, 0x1000, 4, &v, false));
	/* A device failure completes the access and is reported once. */
	d.fail = -AXVM_EIO;
	CHECK_INT(0, axvm_bus_fast_access(&f, 0x1000, 4, &v, false));
	CHECK_INT(1, (int)fast_failures);
	CHECK(!f.declined);
	d.fail = -AXVM_ENODEV;
	CHECK_INT(1, axvm_bus_fast_access(&f, 0x1000, 4, &v, false));
	CHECK(f.declined);
	axvm_bus_destroy(bus);
}

/*
 * core/counters.h's sampled counter: the word reads as the exact count
 * after every step, also between the AXVM_STATS_SAMPLE_MMIO'th step and its
 * carry, and the step says "full" exactly at the multiples.
 */
TEST(test_sampled_counter_is_exact_and_full_at_multiples)
{
	_Atomic uint64_t c = 0;
	unsigned fulls = 0;

	for (uint64_t n = 1; n <= 40 * AXVM_STATS_SAMPLE_MMIO + 5; n++) {
		bool full = axvm_counter_step(&c);

		CHECK_U64(n, axvm_counter_value(c));
		CHECK_INT(n % AXVM_STATS_SAMPLE_MMIO == 0, full);
		if (full) {
			axvm_counter_carry(&c);
			CHECK_U64(n, axvm_counter_value(c));
			CHECK_U64(0,
				  c & 0xff); /* carried: the next multiple is a whole round away */
			fulls++;
		}
	}
	CHECK_INT(40, (int)fulls);
	/* Far counts: the bits above the field count whole rounds. */
	c = (uint64_t)1 << 50;
	CHECK_U64((uint64_t)AXVM_STATS_SAMPLE_MMIO << 34, axvm_counter_value(c));
}

/* A read that takes 7 ns on the fake clock, so that timed accesses show. */
static struct fake_hal timed_hal;
static int timed_read(void *opaque, uint64_t off, unsigned w, uint64_t *v)
{
	timed_hal.now += 7;
	return regdev_read(opaque, off, w, v);
}
static const struct axvm_device_ops timed_ops = {.read = timed_read, .write = regdev_write};

/*
 * The fast path keeps the slot of the device it hit last: switching
 * devices moves it, every access is counted exactly once per device and
 * direction, one in AXVM_STATS_SAMPLE_MMIO of each is timed, and a removed
 * device's slot (still pointed at) matches nothing.
 */
TEST(test_bus_fast_access_counts_exactly_across_devices_and_removal)
{
	struct regdev a = {0}, b = {0};
	struct axvm_bus *bus = bus_with(&a, 0x1000, 1, 8);
	struct axvm_device_desc desc = {
	    .name = "timed", .base = 0x3000, .size = 64, .ops = &timed_ops, .opaque = &b};
	struct axvm_bus_fast f;
	_Atomic unsigned gate = 0;
	_Atomic uint64_t vmm_ns = 0;
	uint64_t v = 0, reads, writes;

	fake_hal_init(&timed_hal);
	REQUIRE_OK(axvm_bus_register(bus, &desc));
	axvm_bus_fast_init(&f, bus, 2);
	f.gate = &gate;
	f.gate_mask = 2;
	f.hal = &timed_hal.hal;
	f.vmm_ns = &vmm_ns;
	f.failed = fast_failed;
	const unsigned n = AXVM_STATS_SAMPLE_MMIO;

	for (unsigned i = 0; i < n + 100; i++)
		CHECK_INT(0, axvm_bus_fast_access(&f, 0x3008, 4, &v, false));
	for (unsigned i = 0; i < n + 3; i++)
		CHECK_INT(0, axvm_bus_fast_access(&f, 0x1000 + (i & 7), 1, &v, true));
	for (unsigned i = 100; i < n; i++)
		CHECK_INT(0, axvm_bus_fast_access(&f, 0x3000, 8, &v, false));
	CHECK_U64(2 * n, b.accesses);
	CHECK_U64(n + 3, a.accesses);
	axvm_bus_vcpu_counts(bus, 2, &reads, &writes);
	CHECK_U64(2 * n, reads);
	CHECK_U64(n + 3, writes);
	axvm_bus_device_counts(bus, 1, &reads, &writes); /* sorted by base: "timed" second */
	CHECK_U64(2 * n, reads);
	CHECK_U64(0, writes);
	/*
	 * The timed device's reads n and 2n were timed (7 ns each, standing
	 * for n), across the switch to the other device and back; the other
	 * device's n'th write took 0 ns.
	 */
	CHECK_U64(2 * 7 * n, vmm_ns);
	/* Removed while this vCPU's hit: no call, no count, the exit takes it. */
	REQUIRE_OK(axvm_bus_unregister(bus, 0x3000));
	CHECK_INT(1, axvm_bus_fast_access(&f, 0x3000, 8, &v, false));
	CHECK_U64(2 * n, b.accesses);
	axvm_bus_vcpu_counts(bus, 2, &reads, &writes);
	CHECK_U64(0, reads);
	CHECK_U64(n + 3, writes);
	axvm_bus_destroy(bus);
	fake_hal_fini(&timed_hal);
}
