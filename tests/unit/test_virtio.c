/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport and split virtqueues, driven through the
 * register ops as a guest driver would, with virtio-rng as the device
 * (it completes every chain at once). Covers identification, feature
 * negotiation, queue setup, notifications and their suppression, reset,
 * config generation, and the hostile-guest cases: every one must leave
 * the VMM running and the device in DEVICE_NEEDS_RESET with a
 * config-change interrupt (or the queue not ready), never a used entry.
 */
#include "test.h"

#include <libfdt.h>
#include <stdlib.h>

#include "devices/virtio_mmio.h"
#include "virtio_driver.h"

#define V1 VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define NEEDS_RESET VIRTIO_STATUS_DEVICE_NEEDS_RESET

static bool rng_setup(struct vdrv *d)
{
	int ret = vdrv_setup(d, &axvm_virtio_rng_class, NULL, NULL);

	if (ret)
		printf("    setup: %d %s\n", ret, d->err);
	return ret == 0;
}

/* The device is broken the way the spec says and nothing was used. */
static void check_needs_reset(struct vdrv *d)
{
	CHECK_U64(NEEDS_RESET, vdrv_rd(d, VDRV_STATUS) & NEEDS_RESET);
	CHECK_U64(VIRTIO_MMIO_INT_CONFIG,
		  vdrv_rd(d, VDRV_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	CHECK_INT(1, d->irq_level);
	CHECK_INT(0, vdrv_used_idx(d, 0));
}

/* Post one buffer of len bytes at gpa (device-writable), kick, run. */
static void post_one(struct vdrv *d, uint64_t gpa, uint32_t len)
{
	struct vdrv_buf b = {gpa, len, true};

	vdrv_post(d, 0, &b, 1);
	vdrv_kick(d, 0);
	vdrv_run_idle(d);
}

TEST(test_virtio_mmio_identifies_as_version_2_rng)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK_U64(0x74726976, vdrv_rd(&d, VDRV_MAGIC));
	CHECK_U64(2, vdrv_rd(&d, VDRV_VERSION));
	CHECK_U64(4, vdrv_rd(&d, VDRV_DEVICE_ID));
	CHECK_U64(0x6178766d, vdrv_rd(&d, VDRV_VENDOR_ID));
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_offers_version_1_indirect_and_event_idx)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK_U64(V1 | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
		  vdrv_device_features(&d));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_refuses_features_ok_without_version_1)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK_U64(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, vdrv_negotiate(&d, 0));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_refuses_features_it_did_not_offer)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK_U64(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER,
		  vdrv_negotiate(&d, V1 | VIRTIO_BIT(VIRTIO_F_RING_PACKED)));
	CHECK_U64(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK,
		  vdrv_negotiate(&d, V1));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_driver_features_frozen_after_features_ok)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	vdrv_negotiate(&d, V1);
	vdrv_wr(&d, VDRV_DRIVER_FEATURES_SEL, 0);
	vdrv_wr(&d, VDRV_DRIVER_FEATURES, 1u << VIRTIO_F_EVENT_IDX);
	CHECK_U64(V1, virtio_mmio_features(d.dev));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_queue_num_max_is_zero_for_a_missing_queue)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	vdrv_wr(&d, VDRV_QUEUE_SEL, 0);
	CHECK_U64(64, vdrv_rd(&d, VDRV_QUEUE_NUM_MAX));
	vdrv_wr(&d, VDRV_QUEUE_SEL, 1);
	CHECK_U64(0, vdrv_rd(&d, VDRV_QUEUE_NUM_MAX));
	vdrv_wr(&d, VDRV_QUEUE_READY, 1);
	CHECK_U64(0, vdrv_rd(&d, VDRV_QUEUE_READY));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_narrow_register_access_reads_zero_and_is_ignored)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK_U64(0, vdrv_rd_width(&d, VDRV_MAGIC, 1));
	CHECK_U64(0, vdrv_rd_width(&d, VDRV_MAGIC, 2));
	d.cls->ops->write(d.dev, VDRV_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_has_no_shared_memory_regions)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	vdrv_wr(&d, VDRV_SHM_SEL, 0);
	CHECK_U64(0xffffffff, vdrv_rd(&d, VDRV_SHM_LEN_LOW));
	CHECK_U64(0xffffffff, vdrv_rd(&d, VDRV_SHM_LEN_LOW + 4));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_create_without_event_loop_fails_with_message)
{
	struct axvm_devclass_ctx ctx = {0};
	void *state = (void *)1;

	CHECK_INT(-AXVM_EINVAL, axvm_virtio_rng_class.create(&ctx, &state));
	CHECK(state == NULL);
	CHECK_STR("virtio-rng: needs an event loop (ctx->events) for its queues",
		  axvm_error_message());
}

TEST(test_virtio_rng_rejects_options)
{
	struct vdrv d;

	CHECK_INT(-AXVM_EINVAL, vdrv_setup(&d, &axvm_virtio_rng_class, "foo", NULL));
	CHECK_STR("-d virtio-rng takes no options (got \"foo\")", d.err);
	vdrv_teardown(&d);
}

TEST(test_virtio_rng_fills_buffer_and_raises_used_interrupt)
{
	struct vdrv d;
	uint64_t buf;
	uint32_t len;
	uint8_t *p;
	unsigned nonzero = 0;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	buf = vdrv_alloc(&d, 64, 8);
	post_one(&d, buf, 64);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	CHECK_INT(0, vdrv_take_used(&d, 0, &len));
	CHECK_INT(64, len);
	p = vdrv_host(&d, buf);
	for (int i = 0; i < 64; i++)
		nonzero += p[i] != 0;
	CHECK(nonzero > 32);
	CHECK_U64(VIRTIO_MMIO_INT_VRING, vdrv_rd(&d, VDRV_INTERRUPT_STATUS));
	CHECK_INT(1, d.irq_level);
	vdrv_wr(&d, VDRV_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	CHECK_U64(0, vdrv_rd(&d, VDRV_INTERRUPT_STATUS));
	CHECK_INT(0, d.irq_level);
	vdrv_teardown(&d);
}

TEST(test_virtio_rng_caps_one_request_at_64_kib)
{
	struct vdrv d;
	uint32_t len;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, vdrv_alloc(&d, 1 << 20, 8), 1 << 20);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	vdrv_take_used(&d, 0, &len);
	CHECK_INT(65536, len);
	vdrv_teardown(&d);
}

TEST(test_virtio_rng_chain_of_several_buffers_and_indirect_table)
{
	struct vdrv d;
	struct vdrv_buf b[3];
	uint32_t len;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC), 1, 8));
	for (int i = 0; i < 3; i++)
		b[i] = (struct vdrv_buf){vdrv_alloc(&d, 16, 8), 16, true};
	vdrv_post(&d, 0, b, 3);
	vdrv_post_indirect(&d, 0, b, 3);
	vdrv_kick(&d, 0);
	REQUIRE(vdrv_wait_used(&d, 0, 2));
	CHECK_INT(0, vdrv_take_used(&d, 0, &len));
	CHECK_INT(48, len);
	CHECK_INT(3, vdrv_take_used(&d, 0, &len));
	CHECK_INT(48, len);
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS) & NEEDS_RESET);
	vdrv_teardown(&d);
}

TEST(test_virtio_rng_zero_length_buffer_is_used_with_zero_bytes)
{
	struct vdrv d;
	uint32_t len = 99;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, vdrv_alloc(&d, 16, 8), 0);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	vdrv_take_used(&d, 0, &len);
	CHECK_INT(0, len);
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS) & NEEDS_RESET);
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_no_interrupt_flag_suppresses_the_interrupt)
{
	struct vdrv d;
	uint16_t flags = VIRTQ_AVAIL_F_NO_INTERRUPT;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	memcpy(vdrv_host(&d, d.q[0].avail), &flags, 2);
	post_one(&d, vdrv_alloc(&d, 8, 8), 8);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	CHECK_U64(0, vdrv_rd(&d, VDRV_INTERRUPT_STATUS));
	CHECK(d.irq_level != 1);
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_event_idx_interrupts_only_past_used_event)
{
	struct vdrv d;
	uint16_t used_event = 2; /* interrupt when entry 2 (the third) is used */
	uint64_t buf;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, VIRTIO_BIT(VIRTIO_F_EVENT_IDX), 1, 8));
	memcpy((uint8_t *)vdrv_host(&d, d.q[0].avail) + 4 + 2 * 8, &used_event, 2);
	buf = vdrv_alloc(&d, 8, 8);
	/* The first used entry always interrupts (nothing signalled yet). */
	post_one(&d, buf, 8);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	CHECK_INT(1, d.irq_raises);
	vdrv_wr(&d, VDRV_INTERRUPT_ACK, 1);
	post_one(&d, buf, 8);
	REQUIRE(vdrv_wait_used(&d, 0, 2));
	CHECK_INT(1, d.irq_raises); /* used idx 2: used_event 2 not passed */
	post_one(&d, buf, 8);
	REQUIRE(vdrv_wait_used(&d, 0, 3));
	CHECK_INT(2, d.irq_raises); /* used idx 3 passes used_event 2 */
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_event_idx_publishes_avail_event)
{
	struct vdrv d;
	uint16_t avail_event = 0xffff;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, VIRTIO_BIT(VIRTIO_F_EVENT_IDX), 1, 8));
	post_one(&d, vdrv_alloc(&d, 8, 8), 8);
	post_one(&d, vdrv_alloc(&d, 8, 8), 8);
	REQUIRE(vdrv_wait_used(&d, 0, 2));
	memcpy(&avail_event, (uint8_t *)vdrv_host(&d, d.q[0].used) + 4 + 8 * 8, 2);
	CHECK_INT(2, avail_event);
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_kick_before_driver_ok_waits_for_driver_ok)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK(vdrv_negotiate(&d, V1) & VIRTIO_STATUS_FEATURES_OK);
	CHECK_INT(1, vdrv_queue(&d, 0, 8));
	post_one(&d, vdrv_alloc(&d, 8, 8), 8);
	vdrv_run_idle(&d);
	CHECK_INT(0, vdrv_used_idx(&d, 0));
	CHECK(d.irq_level != 1);
	/* DRIVER_OK looks at the queue once: the buffer is used then. */
	vdrv_driver_ok(&d);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	CHECK_INT(1, d.irq_level);
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_queue_registers_ignored_while_ready)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	vdrv_wr(&d, VDRV_QUEUE_NUM, 4);
	vdrv_wr(&d, VDRV_QUEUE_DESC_LOW, 0x1000);
	CHECK_U64(8, vdrv_rd(&d, VDRV_QUEUE_NUM));
	CHECK_U64((uint32_t)d.q[0].desc, vdrv_rd(&d, VDRV_QUEUE_DESC_LOW));
	/* QueueReady = 0 takes the queue down (Linux checks it reads back 0). */
	vdrv_wr(&d, VDRV_QUEUE_READY, 0);
	CHECK_U64(0, vdrv_rd(&d, VDRV_QUEUE_READY));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_reset_clears_status_queues_and_interrupt)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, vdrv_alloc(&d, 8, 8), 8);
	REQUIRE(vdrv_wait_used(&d, 0, 1));
	CHECK_INT(1, d.irq_level);
	vdrv_wr(&d, VDRV_STATUS, 0);
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS));
	CHECK_U64(0, vdrv_rd(&d, VDRV_INTERRUPT_STATUS));
	CHECK_INT(0, d.irq_level);
	vdrv_wr(&d, VDRV_QUEUE_SEL, 0);
	CHECK_U64(0, vdrv_rd(&d, VDRV_QUEUE_READY));
	CHECK_U64(0, virtio_mmio_features(d.dev));
	/* And it works again after a fresh initialisation. */
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, vdrv_alloc(&d, 8, 8), 8);
	CHECK(vdrv_wait_used(&d, 0, 1));
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_config_change_bumps_generation_and_interrupts)
{
	struct vdrv d;
	uint32_t gen;

	REQUIRE(vdrv_setup(&d, &axvm_virtio_rng_class, NULL, NULL) == 0);
	gen = vdrv_rd(&d, VDRV_CONFIG_GENERATION);
	virtio_mmio_config_set(d.dev, 0, NULL, 0);
	CHECK_U64(gen + 1, vdrv_rd(&d, VDRV_CONFIG_GENERATION));
	CHECK_U64(0, vdrv_rd(&d, VDRV_INTERRUPT_STATUS)); /* not before DRIVER_OK */
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	virtio_mmio_config_set(d.dev, 0, NULL, 0);
	CHECK_U64(gen + 2, vdrv_rd(&d, VDRV_CONFIG_GENERATION));
	CHECK_U64(VIRTIO_MMIO_INT_CONFIG, vdrv_rd(&d, VDRV_INTERRUPT_STATUS));
	CHECK_INT(1, d.irq_level);
	vdrv_teardown(&d);
}

TEST(test_virtio_mmio_fdt_node_is_qemus)
{
	struct vdrv d;
	struct axvm_devclass_fdt_ctx f = {
	    .base = VDRV_BASE, .size = 0x1000, .irq = 3, .interrupt_parent = 7};
	char blob[4096];
	const fdt32_t *cell;
	int node, len;

	REQUIRE(rng_setup(&d));
	REQUIRE(fdt_create_empty_tree(blob, sizeof(blob)) == 0);
	REQUIRE(d.cls->fdt_node(d.dev, blob, 0, &f) == 0);
	node = fdt_path_offset(blob, "/virtio_mmio@10001000");
	REQUIRE(node >= 0);
	CHECK_STR("virtio,mmio", fdt_getprop(blob, node, "compatible", NULL));
	cell = fdt_getprop(blob, node, "interrupts", &len);
	REQUIRE(cell && len == 4);
	CHECK_INT(3, fdt32_to_cpu(*cell));
	cell = fdt_getprop(blob, node, "interrupt-parent", &len);
	REQUIRE(cell && len == 4);
	CHECK_INT(7, fdt32_to_cpu(*cell));
	cell = fdt_getprop(blob, node, "reg", &len);
	REQUIRE(cell && len == 16);
	CHECK_U64(VDRV_BASE, fdt32_to_cpu(cell[1]));
	CHECK_U64(0x1000, fdt32_to_cpu(cell[3]));
	vdrv_teardown(&d);
}

/* ---- hostile guests ---- */

TEST(test_virtio_hostile_descriptor_loop_needs_reset)
{
	struct vdrv d;
	uint64_t buf;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	buf = vdrv_alloc(&d, 8, 8);
	vdrv_set_desc(&d, 0, 0, buf, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vdrv_set_desc(&d, 0, 1, buf, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	vdrv_publish(&d, 0, 0);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_needs_reset_sticks_until_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	vdrv_set_desc(&d, 0, 0, 0, 8, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&d, 0, 0);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	/* The driver cannot clear the device's bit, and kicks do nothing. */
	vdrv_wr(&d, VDRV_STATUS, 0x0f);
	CHECK_U64(0x0f | NEEDS_RESET, vdrv_rd(&d, VDRV_STATUS));
	post_one(&d, vdrv_alloc(&d, 8, 8), 8);
	CHECK_INT(0, vdrv_used_idx(&d, 0));
	vdrv_wr(&d, VDRV_STATUS, 0);
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, vdrv_alloc(&d, 8, 8), 8);
	CHECK(vdrv_wait_used(&d, 0, 1));
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_buffer_outside_ram_needs_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, 0x40000000, 8);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_buffer_in_mmio_needs_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, VDRV_MMIO_BASE, 8);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_buffer_running_past_ram_end_needs_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, VDRV_RAM_BASE + VDRV_RAM_SIZE - 8, 16);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_huge_length_needs_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, VDRV_RAM_BASE + 0x100000, 0xffffffff);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_buffer_wrapping_the_address_space_needs_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	post_one(&d, 0xfffffffffffff000ull, 0x80001000);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_indirect_without_feature_needs_reset)
{
	struct vdrv d;
	struct vdrv_buf b;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	b = (struct vdrv_buf){vdrv_alloc(&d, 8, 8), 8, true};
	vdrv_post_indirect(&d, 0, &b, 1);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_indirect_table_inside_indirect_table_needs_reset)
{
	struct vdrv d;
	uint64_t outer, inner, buf;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC), 1, 8));
	outer = vdrv_alloc(&d, 16, 16);
	inner = vdrv_alloc(&d, 16, 16);
	buf = vdrv_alloc(&d, 8, 8);
	vdrv_set_table_desc(&d, inner, 0, buf, 8, VIRTQ_DESC_F_WRITE, 0);
	vdrv_set_table_desc(&d, outer, 0, inner, 16, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_set_desc(&d, 0, 0, outer, 16, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_publish(&d, 0, 0);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_indirect_table_larger_than_queue_needs_reset)
{
	struct vdrv d;
	uint64_t table;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC), 1, 8));
	table = vdrv_alloc(&d, 16 * 9, 16);
	vdrv_set_desc(&d, 0, 0, table, 16 * 9, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_publish(&d, 0, 0);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_indirect_loop_needs_reset)
{
	struct vdrv d;
	uint64_t table, buf;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC), 1, 8));
	table = vdrv_alloc(&d, 32, 16);
	buf = vdrv_alloc(&d, 8, 8);
	vdrv_set_table_desc(&d, table, 0, buf, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vdrv_set_table_desc(&d, table, 1, buf, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	vdrv_set_desc(&d, 0, 0, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_publish(&d, 0, 0);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_indirect_table_of_odd_size_needs_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC), 1, 8));
	vdrv_set_desc(&d, 0, 0, vdrv_alloc(&d, 32, 16), 24, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_publish(&d, 0, 0);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_head_out_of_range_needs_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	vdrv_publish(&d, 0, 8);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_next_out_of_range_needs_reset)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	vdrv_set_desc(&d, 0, 0, vdrv_alloc(&d, 8, 8), 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
		      200);
	vdrv_publish(&d, 0, 0);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_avail_index_too_far_ahead_needs_reset)
{
	struct vdrv d;
	uint16_t idx = 9; /* nine new entries in a ring of eight */

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	memcpy((uint8_t *)vdrv_host(&d, d.q[0].avail) + 2, &idx, 2);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_readable_after_writable_needs_reset)
{
	struct vdrv d;
	struct vdrv_buf b[2];

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	b[0] = (struct vdrv_buf){vdrv_alloc(&d, 8, 8), 8, true};
	b[1] = (struct vdrv_buf){vdrv_alloc(&d, 8, 8), 8, false};
	vdrv_post(&d, 0, b, 2);
	vdrv_kick(&d, 0);
	vdrv_run_idle(&d);
	check_needs_reset(&d);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_queue_size_not_power_of_two_is_not_ready)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK(vdrv_negotiate(&d, V1) & VIRTIO_STATUS_FEATURES_OK);
	CHECK_INT(0, vdrv_queue(&d, 0, 6));
	CHECK_U64(NEEDS_RESET, vdrv_rd(&d, VDRV_STATUS) & NEEDS_RESET);
	vdrv_driver_ok(&d);
	CHECK_U64(VIRTIO_MMIO_INT_CONFIG, vdrv_rd(&d, VDRV_INTERRUPT_STATUS));
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_queue_size_zero_or_above_max_is_not_ready)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK(vdrv_negotiate(&d, V1) & VIRTIO_STATUS_FEATURES_OK);
	CHECK_INT(0, vdrv_queue(&d, 0, 0));
	vdrv_wr(&d, VDRV_STATUS, 0);
	CHECK(vdrv_negotiate(&d, V1) & VIRTIO_STATUS_FEATURES_OK);
	CHECK_INT(0, vdrv_queue(&d, 0, 128)); /* QueueNumMax is 64 */
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_ring_outside_ram_is_not_ready)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK(vdrv_negotiate(&d, V1) & VIRTIO_STATUS_FEATURES_OK);
	vdrv_wr(&d, VDRV_QUEUE_SEL, 0);
	vdrv_wr(&d, VDRV_QUEUE_NUM, 8);
	vdrv_wr(&d, VDRV_QUEUE_DESC_LOW, (uint32_t)VDRV_MMIO_BASE);
	vdrv_wr(&d, VDRV_QUEUE_DRIVER_LOW, (uint32_t)VDRV_RAM_BASE);
	vdrv_wr(&d, VDRV_QUEUE_DEVICE_LOW, (uint32_t)(VDRV_RAM_BASE + VDRV_RAM_SIZE - 8));
	vdrv_wr(&d, VDRV_QUEUE_READY, 1);
	CHECK_U64(0, vdrv_rd(&d, VDRV_QUEUE_READY));
	CHECK_U64(NEEDS_RESET, vdrv_rd(&d, VDRV_STATUS) & NEEDS_RESET);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_misaligned_used_ring_is_not_ready)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	CHECK(vdrv_negotiate(&d, V1) & VIRTIO_STATUS_FEATURES_OK);
	vdrv_wr(&d, VDRV_QUEUE_SEL, 0);
	vdrv_wr(&d, VDRV_QUEUE_NUM, 8);
	vdrv_wr(&d, VDRV_QUEUE_DESC_LOW, (uint32_t)VDRV_RAM_BASE);
	vdrv_wr(&d, VDRV_QUEUE_DRIVER_LOW, (uint32_t)VDRV_RAM_BASE + 0x1000);
	vdrv_wr(&d, VDRV_QUEUE_DEVICE_LOW, (uint32_t)VDRV_RAM_BASE + 0x2002);
	vdrv_wr(&d, VDRV_QUEUE_READY, 1);
	CHECK_U64(0, vdrv_rd(&d, VDRV_QUEUE_READY));
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_notify_of_missing_queue_is_ignored)
{
	struct vdrv d;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	vdrv_wr(&d, VDRV_QUEUE_NOTIFY, 5);
	vdrv_wr(&d, VDRV_QUEUE_NOTIFY, 0xffffffff);
	vdrv_run_idle(&d);
	CHECK_U64(0, vdrv_rd(&d, VDRV_STATUS) & NEEDS_RESET);
	vdrv_teardown(&d);
}

TEST(test_virtio_hostile_head_made_available_again_while_in_flight_needs_reset)
{
	struct vdrv d;
	struct virtio_req *held[8];
	struct virtio_req *extra = NULL;

	REQUIRE(rng_setup(&d));
	REQUIRE(vdrv_init(&d, 0, 1, 8));
	vdrv_set_desc(&d, 0, 0, vdrv_alloc(&d, 8, 8), 8, VIRTQ_DESC_F_WRITE, 0);
	/* A model that holds its chains (the test pops as the device would). */
	for (int i = 0; i < 8; i++) {
		vdrv_publish(&d, 0, 0);
		REQUIRE(virtio_mmio_pop(d.dev, 0, 0, &held[i]) == 1);
	}
	vdrv_publish(&d, 0, 0);
	CHECK_INT(0, virtio_mmio_pop(d.dev, 0, 0, &extra));
	CHECK(extra == NULL);
	check_needs_reset(&d);
	for (int i = 0; i < 8; i++)
		virtio_mmio_complete(d.dev, held[i], 8);
	CHECK_INT(0, vdrv_used_idx(&d, 0));
	vdrv_teardown(&d);
}
