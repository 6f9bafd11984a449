/* SPDX-License-Identifier: MIT */
#include "fake_hal.h"
#include "test.h"

#include <axvm/addrspace.h>

#include <stdlib.h>

#define RW (AXVM_MEM_READ | AXVM_MEM_WRITE)
#define RWX (AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC)

static struct fake_hal hal;

static struct axvm_addrspace *as_new(void)
{
	struct axvm_addrspace *as = NULL;

	fake_hal_init(&hal);
	axvm_addrspace_create(&hal.hal, &as);
	return as;
}

TEST(test_addrspace_translate_linear_region)
{
	struct axvm_addrspace *as = as_new();
	void *hva, *base;
	uint64_t avail;
	uint32_t flags;

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x10000, RWX));
	REQUIRE_OK(
	    axvm_addrspace_translate(as, 0x80000000, AXVM_ACCESS_READ, &base, &avail, &flags));
	CHECK_U64(0x10000, avail);
	CHECK_U64(RWX, flags);
	REQUIRE_OK(axvm_addrspace_translate(as, 0x80001234, AXVM_ACCESS_WRITE, &hva, &avail, NULL));
	CHECK(hva == (uint8_t *)base + 0x1234);
	CHECK_U64(0x10000 - 0x1234, avail);
	axvm_addrspace_destroy(as);
	CHECK_U64(0, hal.bytes_allocated);
}

TEST(test_addrspace_translate_outside_every_region_faults)
{
	struct axvm_addrspace *as = as_new();
	void *hva = (void *)1;

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x1000, RW));
	CHECK_INT(-AXVM_EFAULT,
		  axvm_addrspace_translate(as, 0x80001000, AXVM_ACCESS_READ, &hva, NULL, NULL));
	CHECK(hva == NULL);
	CHECK_INT(-AXVM_EFAULT,
		  axvm_addrspace_translate(as, 0x7ffff000, AXVM_ACCESS_READ, &hva, NULL, NULL));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_translate_checks_region_flags)
{
	struct axvm_addrspace *as = as_new();
	void *hva;

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x1000, 0x1000, AXVM_MEM_READ));
	CHECK_INT(0, axvm_addrspace_translate(as, 0x1000, AXVM_ACCESS_READ, &hva, NULL, NULL));
	CHECK_INT(-AXVM_EPERM,
		  axvm_addrspace_translate(as, 0x1000, AXVM_ACCESS_WRITE, &hva, NULL, NULL));
	CHECK_INT(-AXVM_EPERM,
		  axvm_addrspace_translate(as, 0x1000, AXVM_ACCESS_EXEC, &hva, NULL, NULL));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_rejects_overlapping_regions)
{
	struct axvm_addrspace *as = as_new();

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x4000, RW));
	CHECK_INT(-AXVM_EOVERLAP, axvm_addrspace_map_linear(as, 0x80003000, 0x2000, RW));
	CHECK_INT(-AXVM_EOVERLAP, axvm_addrspace_map_lazy(as, 0x7ffff000, 0x2000, RW));
	CHECK_INT(-AXVM_EOVERLAP, axvm_addrspace_map_mmio(as, 0x80001000, 0x1000));
	CHECK_INT(-AXVM_EOVERLAP, axvm_addrspace_map_linear(as, 0x7f000000, 0x2000000, RW));
	CHECK_INT(1, (int)axvm_addrspace_region_count(as));
	/* Adjacent is fine. */
	CHECK_INT(0, axvm_addrspace_map_linear(as, 0x80004000, 0x1000, RW));
	CHECK_INT(0, axvm_addrspace_map_mmio(as, 0x7ffff000, 0x1000));
	axvm_addrspace_destroy(as);
	CHECK_U64(0, hal.bytes_allocated);
}

TEST(test_addrspace_rejects_misaligned_and_empty_ranges)
{
	struct axvm_addrspace *as = as_new();

	CHECK_INT(-AXVM_EALIGN, axvm_addrspace_map_linear(as, 0x80000800, 0x1000, RW));
	CHECK_INT(-AXVM_EALIGN, axvm_addrspace_map_linear(as, 0x80000000, 0x1800, RW));
	CHECK_INT(-AXVM_EINVAL, axvm_addrspace_map_linear(as, 0x80000000, 0, RW));
	CHECK_INT(-AXVM_ERANGE, axvm_addrspace_map_mmio(as, 0xfffffffffffff000ull, 0x2000));
	CHECK_INT(-AXVM_EINVAL, axvm_addrspace_map_linear(as, 0x80000000, 0x1000, 0x1000));
	CHECK_INT(0, (int)axvm_addrspace_region_count(as));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_lazy_page_populated_on_first_fault_only)
{
	struct axvm_addrspace *as = as_new();
	void *hva;

	REQUIRE_OK(axvm_addrspace_map_lazy(as, 0x80000000, 0x4000, RW));
	CHECK(!axvm_addrspace_is_populated(as, 0x80001000));
	CHECK_INT(-AXVM_ENOTPRESENT,
		  axvm_addrspace_translate(as, 0x80001008, AXVM_ACCESS_READ, &hva, NULL, NULL));
	REQUIRE_OK(axvm_addrspace_populate(as, 0x80001008));
	CHECK(axvm_addrspace_is_populated(as, 0x80001000));
	/* Only that page. */
	CHECK(!axvm_addrspace_is_populated(as, 0x80000000));
	CHECK(!axvm_addrspace_is_populated(as, 0x80002000));
	CHECK_INT(0, axvm_addrspace_translate(as, 0x80001008, AXVM_ACCESS_READ, &hva, NULL, NULL));
	CHECK_INT(-AXVM_ENOTPRESENT,
		  axvm_addrspace_translate(as, 0x80002000, AXVM_ACCESS_READ, &hva, NULL, NULL));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_lazy_translation_is_limited_to_the_page)
{
	struct axvm_addrspace *as = as_new();
	void *hva;
	uint64_t avail;

	REQUIRE_OK(axvm_addrspace_map_lazy(as, 0x80000000, 0x4000, RW));
	REQUIRE_OK(axvm_addrspace_populate(as, 0x80000000));
	REQUIRE_OK(axvm_addrspace_translate(as, 0x80000ff0, AXVM_ACCESS_READ, &hva, &avail, NULL));
	CHECK_U64(0x10, avail);
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_populate_outside_lazy_region_fails)
{
	struct axvm_addrspace *as = as_new();

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x1000, RW));
	CHECK_INT(-AXVM_EINVAL, axvm_addrspace_populate(as, 0x80000000));
	CHECK_INT(-AXVM_EFAULT, axvm_addrspace_populate(as, 0x90000000));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_mmio_region_reports_mmio)
{
	struct axvm_addrspace *as = as_new();
	void *hva;
	uint32_t flags = 0;

	REQUIRE_OK(axvm_addrspace_map_mmio(as, 0x10000000, 0x1000));
	CHECK_INT(-AXVM_EMMIO,
		  axvm_addrspace_translate(as, 0x10000005, AXVM_ACCESS_READ, &hva, NULL, &flags));
	CHECK(flags & AXVM_MEM_DEVICE);
	CHECK_INT(-AXVM_EMMIO, axvm_addrspace_write(as, 0x10000000, "x", 1));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_read_write_within_region)
{
	struct axvm_addrspace *as = as_new();
	uint8_t buf[8] = {0};

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x2000, RW));
	REQUIRE_OK(axvm_addrspace_write(as, 0x80000ffc, "abcdefgh", 8));
	REQUIRE_OK(axvm_addrspace_read(as, 0x80000ffc, buf, 8));
	CHECK(memcmp(buf, "abcdefgh", 8) == 0);
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_access_crossing_region_end_rejected)
{
	struct axvm_addrspace *as = as_new();
	uint8_t buf[16];

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x1000, RW));
	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80001000, 0x1000, RW));
	memset(buf, 0x5a, sizeof(buf));
	/* Two adjacent regions are still two regions: no access spans both. */
	CHECK_INT(-AXVM_ERANGE, axvm_addrspace_write(as, 0x80000ff8, buf, 16));
	CHECK_INT(-AXVM_ERANGE, axvm_addrspace_read(as, 0x80001ff8, buf, 9));
	/* Nothing was written by the rejected write. */
	REQUIRE_OK(axvm_addrspace_read(as, 0x80000ff8, buf, 8));
	CHECK_U64(0, buf[0] | buf[7]);
	CHECK_INT(-AXVM_EFAULT, axvm_addrspace_read(as, 0x80002000, buf, 1));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_helper_write_populates_lazy_pages)
{
	struct axvm_addrspace *as = as_new();
	uint8_t buf[0x1010] = {1};

	REQUIRE_OK(axvm_addrspace_map_lazy(as, 0x80000000, 0x4000, RW));
	REQUIRE_OK(axvm_addrspace_write(as, 0x80000ff8, buf, sizeof(buf)));
	CHECK(axvm_addrspace_is_populated(as, 0x80000000));
	CHECK(axvm_addrspace_is_populated(as, 0x80001000));
	CHECK(axvm_addrspace_is_populated(as, 0x80002000));
	CHECK(!axvm_addrspace_is_populated(as, 0x80003000));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_generation_bumps_on_map_and_unmap)
{
	struct axvm_addrspace *as = as_new();
	uint64_t g0 = axvm_addrspace_generation(as), g1, g2;

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x1000, RW));
	g1 = axvm_addrspace_generation(as);
	CHECK(g1 != g0);
	CHECK_INT(-AXVM_EOVERLAP, axvm_addrspace_map_linear(as, 0x80000000, 0x1000, RW));
	CHECK_U64(g1, axvm_addrspace_generation(as));
	REQUIRE_OK(axvm_addrspace_unmap(as, 0x80000000, 0x1000));
	g2 = axvm_addrspace_generation(as);
	CHECK(g2 != g1);
	CHECK_INT(0, (int)axvm_addrspace_region_count(as));
	axvm_addrspace_destroy(as);
	CHECK_U64(0, hal.bytes_allocated);
}

TEST(test_addrspace_unmap_needs_exact_region)
{
	struct axvm_addrspace *as = as_new();

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x2000, RW));
	CHECK_INT(-AXVM_ENOENT, axvm_addrspace_unmap(as, 0x80001000, 0x1000));
	CHECK_INT(-AXVM_EINVAL, axvm_addrspace_unmap(as, 0x80000000, 0x1000));
	CHECK_INT(1, (int)axvm_addrspace_region_count(as));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_regions_listed_in_address_order)
{
	struct axvm_addrspace *as = as_new();
	struct axvm_region_info ri;

	REQUIRE_OK(axvm_addrspace_map_linear(as, 0x80000000, 0x1000, RW));
	REQUIRE_OK(axvm_addrspace_map_mmio(as, 0x10000000, 0x1000));
	REQUIRE_OK(axvm_addrspace_map_lazy(as, 0x40000000, 0x1000, RW));
	REQUIRE_OK(axvm_addrspace_region(as, 0, &ri));
	CHECK_U64(0x10000000, ri.gpa);
	CHECK_INT(AXVM_REGION_MMIO, ri.kind);
	REQUIRE_OK(axvm_addrspace_region(as, 1, &ri));
	CHECK_U64(0x40000000, ri.gpa);
	CHECK_INT(AXVM_REGION_LAZY, ri.kind);
	REQUIRE_OK(axvm_addrspace_region(as, 2, &ri));
	CHECK_U64(0x80000000, ri.gpa);
	CHECK_INT(-AXVM_ENOENT, axvm_addrspace_region(as, 3, &ri));
	axvm_addrspace_destroy(as);
}

TEST(test_addrspace_host_region_uses_its_host_address)
{
	struct axvm_addrspace *as = as_new();
	void *hva;
	struct axvm_region_info ri;

	hal.phys_base = 0x40000000;
	hal.phys_size = 0x10000;
	hal.phys_mem = calloc(1, hal.phys_size);
	hal.phys_mem[0x2000 + 8] = 0xab;
	/* Guest 0x90000000 -> host physical 0x40002000, not 0x90000000. */
	REQUIRE_OK(axvm_addrspace_map_host(as, 0x90000000, 0x40002000, 0x1000, RW));
	REQUIRE_OK(axvm_addrspace_translate(as, 0x90000008, AXVM_ACCESS_READ, &hva, NULL, NULL));
	CHECK_INT(0xab, *(uint8_t *)hva);
	REQUIRE_OK(axvm_addrspace_find(as, 0x90000000, &ri));
	CHECK_U64(0x40002000, ri.hpa);
	CHECK_INT(-AXVM_EIO, axvm_addrspace_map_host(as, 0xa0000000, 0x50000000, 0x1000, RW));
	axvm_addrspace_destroy(as);
	fake_hal_fini(&hal);
}

TEST(test_addrspace_allocation_failure_leaves_no_region)
{
	struct axvm_addrspace *as = as_new();

	hal.fail_alloc_at = 1;
	CHECK_INT(-AXVM_ENOMEM, axvm_addrspace_map_linear(as, 0x80000000, 0x1000, RW));
	CHECK_INT(0, (int)axvm_addrspace_region_count(as));
	CHECK_INT(0, axvm_addrspace_map_linear(as, 0x80000000, 0x1000, RW));
	axvm_addrspace_destroy(as);
	CHECK_U64(0, hal.bytes_allocated);
}
