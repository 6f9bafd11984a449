/* SPDX-License-Identifier: MIT */
/* Device tree generation: parse the generated blob with libfdt and check it. */
#include "test.h"

#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/riscv64.h"
#include "board/fdt.h"
#include "devices/devclass.h"

/*
 * The board's devices write their own nodes (their classes' fdt_node): add
 * one as the board does, with a model made by the class and freed after.
 * intc: in, the interrupt controller's phandle (0: this is it, and *intc
 * gets the one assigned).
 */
static void no_hart_irq(void *board, unsigned hart, bool supervisor, bool level)
{
}

static int add_device(struct axvm_fdt *f, const struct axvm_devclass *cls, const char *options,
		      uint64_t base, unsigned irq, uint32_t *intc)
{
	struct axvm_devclass_ctx ctx = {
	    .base = base,
	    .size = cls->mmio_size,
	    .options = options,
	    .harts = f->cpus,
	    .hart_irq = no_hart_irq,
	};
	struct axvm_devclass_fdt_ctx fc = {
	    .base = base,
	    .size = cls->mmio_size,
	    .irq = irq,
	    .interrupt_parent = *intc,
	    .harts = f->cpus,
	    .hart_intc = f->intc_phandle,
	    .next_phandle = &f->next_phandle,
	};
	void *state;
	int ret = cls->create(&ctx, &state);

	if (ret)
		return ret;
	if (cls->irq_set)
		fc.phandle = *intc = axvm_fdt_alloc_phandle(f);
	ret = cls->fdt_node(state, f->blob, fdt_path_offset(f->blob, "/soc"), &fc);
	cls->destroy(state);
	return ret;
}

/* A whole virt tree for `cpus` harts; returns the blob (free it) or NULL. */
/* The extensions build_tree turns off: by default every switchable one (plain RV64GC). */
static uint64_t tree_ext_off = AXVM_RISCV64_EXT_ALL;

static void *build_tree(unsigned cpus, bool sstc, const struct axvm_fdt_chosen *chosen)
{
	struct axvm_fdt f;
	struct axvm_fdt_cpus c = {
	    .count = cpus, .timebase_hz = 10000000, .sstc = sstc, .ext_off = tree_ext_off};
	uint32_t intc = 0;
	size_t size;
	int ret;

	if (axvm_fdt_init(&f, cpus, 65536))
		return NULL;
	axvm_fdt_add_cpus(&f, &c);
	axvm_fdt_add_memory(&f, 0x80000000, 128 << 20);
	axvm_fdt_add_chosen(&f, chosen);
	ret = add_device(&f, &axvm_plic_class, "ndev=95", 0xc000000, 0, &intc);
	if (!ret)
		ret = add_device(&f, &axvm_ns16550a_class, NULL, 0x10000000, 10, &intc);
	if (!ret)
		ret = add_device(&f, &axvm_test_finisher_class, NULL, 0x100000, 0, &intc);
	if (!ret)
		ret = add_device(&f, &axvm_goldfish_rtc_class, NULL, 0x101000, 11, &intc);
	if (ret || axvm_fdt_finish(&f, &size)) {
		axvm_fdt_release(&f);
		return NULL;
	}
	return f.blob;
}

static const struct axvm_fdt_chosen default_chosen = {.bootargs = "console=ttyS0 earlycon",
						      .stdout_path = "/soc/serial@10000000"};

static const char *prop_str(const void *fdt, const char *path, const char *name)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		return NULL;
	return fdt_getprop(fdt, node, name, NULL);
}

/* The u32 at cell `idx` of a property, or 0xdeadbeef if missing. */
static uint32_t prop_cell(const void *fdt, const char *path, const char *name, int idx)
{
	int node = fdt_path_offset(fdt, path), len;
	const fdt32_t *p;

	if (node < 0)
		return 0xdeadbeef;
	p = fdt_getprop(fdt, node, name, &len);
	if (!p || len < (idx + 1) * 4)
		return 0xdeadbeef;
	return fdt32_to_cpu(p[idx]);
}

static int prop_len(const void *fdt, const char *path, const char *name)
{
	int node = fdt_path_offset(fdt, path), len = -1;

	if (node < 0)
		return -2;
	if (!fdt_getprop(fdt, node, name, &len))
		return -1;
	return len;
}

static uint64_t prop_u64(const void *fdt, const char *path, const char *name)
{
	return ((uint64_t)prop_cell(fdt, path, name, 0) << 32) | prop_cell(fdt, path, name, 1);
}

TEST(test_fdt_blob_is_valid)
{
	void *fdt = build_tree(1, false, &default_chosen);

	REQUIRE(fdt);
	CHECK_INT(0, fdt_check_full(fdt, fdt_totalsize(fdt)));
	CHECK_INT(2, prop_cell(fdt, "/", "#address-cells", 0));
	CHECK_INT(2, prop_cell(fdt, "/", "#size-cells", 0));
	CHECK_STR("riscv-virtio", prop_str(fdt, "/", "compatible"));
	free(fdt);
}

TEST(test_fdt_cpus_node_has_timebase)
{
	void *fdt = build_tree(2, false, &default_chosen);

	REQUIRE(fdt);
	CHECK_U64(10000000, prop_cell(fdt, "/cpus", "timebase-frequency", 0));
	CHECK_INT(1, prop_cell(fdt, "/cpus", "#address-cells", 0));
	CHECK_INT(0, prop_cell(fdt, "/cpus", "#size-cells", 0));
	free(fdt);
}

TEST(test_fdt_one_cpu_node_per_hart)
{
	void *fdt = build_tree(4, false, &default_chosen);
	int cpus, n = 0, node;

	REQUIRE(fdt);
	cpus = fdt_path_offset(fdt, "/cpus");
	REQUIRE(cpus >= 0);
	fdt_for_each_subnode(node, fdt, cpus)
	{
		const char *t = fdt_getprop(fdt, node, "device_type", NULL);

		if (t && !strcmp(t, "cpu"))
			n++;
	}
	CHECK_INT(4, n);
	CHECK_INT(3, prop_cell(fdt, "/cpus/cpu@3", "reg", 0));
	CHECK_INT(-2, prop_len(fdt, "/cpus/cpu@4", "reg"));
	free(fdt);
}

TEST(test_fdt_cpu_properties)
{
	void *fdt = build_tree(1, false, &default_chosen);

	REQUIRE(fdt);
	CHECK_STR("cpu", prop_str(fdt, "/cpus/cpu@0", "device_type"));
	CHECK_INT(0, prop_cell(fdt, "/cpus/cpu@0", "reg", 0));
	CHECK_STR("okay", prop_str(fdt, "/cpus/cpu@0", "status"));
	CHECK_STR("riscv", prop_str(fdt, "/cpus/cpu@0", "compatible"));
	CHECK_STR("rv64imafdc_zicntr_zicsr_zifencei_zihpm",
		  prop_str(fdt, "/cpus/cpu@0", "riscv,isa"));
	CHECK_STR("rv64i", prop_str(fdt, "/cpus/cpu@0", "riscv,isa-base"));
	CHECK_STR("riscv,sv48", prop_str(fdt, "/cpus/cpu@0", "mmu-type"));
	free(fdt);
}

TEST(test_fdt_isa_extensions_list)
{
	void *fdt = build_tree(1, false, &default_chosen);
	int node;

	REQUIRE(fdt);
	node = fdt_path_offset(fdt, "/cpus/cpu@0");
	REQUIRE(node >= 0);
	CHECK_INT(10, fdt_stringlist_count(fdt, node, "riscv,isa-extensions"));
	CHECK_INT(3, fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "f"));
	CHECK_INT(4, fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "d"));
	CHECK_INT(8, fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "zifencei"));
	CHECK_INT(-FDT_ERR_NOTFOUND,
		  fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "sstc"));
	free(fdt);
}

TEST(test_fdt_sstc_adds_extension)
{
	void *fdt = build_tree(1, true, &default_chosen);
	int node;

	REQUIRE(fdt);
	CHECK_STR("rv64imafdc_zicntr_zicsr_zifencei_zihpm_sstc",
		  prop_str(fdt, "/cpus/cpu@0", "riscv,isa"));
	node = fdt_path_offset(fdt, "/cpus/cpu@0");
	REQUIRE(node >= 0);
	CHECK_INT(10, fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "sstc"));
	free(fdt);
}

TEST(test_fdt_all_extensions_in_canonical_order)
{
	void *fdt;
	int node;

	tree_ext_off = AXVM_RISCV64_EXT_DEFAULT_OFF; /* the default CPU: no Svade */
	fdt = build_tree(1, true, &default_chosen);
	tree_ext_off = AXVM_RISCV64_EXT_ALL;
	REQUIRE(fdt);
	CHECK_STR("rv64imafdc_zicbom_zicbop_zicboz_zicntr_zicond_zicsr_zifencei_zihintntl_"
		  "zihintpause_zihpm_zawrs_zfa_zfh_zfhmin_zba_zbb_zbc_zbs_zkt_sscofpmf_sstc_svadu_"
		  "svinval_svnapot_svpbmt",
		  prop_str(fdt, "/cpus/cpu@0", "riscv,isa"));
	node = fdt_path_offset(fdt, "/cpus/cpu@0");
	REQUIRE(node >= 0);
	CHECK_INT(31, fdt_stringlist_count(fdt, node, "riscv,isa-extensions"));
	CHECK_INT(21, fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "zbb"));
	CHECK_INT(30, fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "svpbmt"));
	CHECK_INT(64, prop_cell(fdt, "/cpus/cpu@0", "riscv,cboz-block-size", 0));
	CHECK_INT(64, prop_cell(fdt, "/cpus/cpu@0", "riscv,cbom-block-size", 0));
	CHECK_INT(64, prop_cell(fdt, "/cpus/cpu@0", "riscv,cbop-block-size", 0));
	free(fdt);
}

TEST(test_fdt_extension_turned_off_is_absent)
{
	uint64_t off = 0, on = 0;
	void *fdt;
	int node;

	CHECK_INT(
	    0, axvm_riscv64_cpu_parse(
		   "rv64,zbb=off,Zicboz=false,svpbmt=off,zbb=off,zfh=off,sscofpmf=off", &off, &on));
	tree_ext_off = AXVM_RISCV64_EXT_ALL & ~axvm_riscv64_ext_enabled(off, on);
	fdt = build_tree(1, false, &default_chosen);
	tree_ext_off = AXVM_RISCV64_EXT_ALL;
	REQUIRE(fdt);
	CHECK_STR("rv64imafdc_zicbom_zicbop_zicntr_zicond_zicsr_zifencei_zihintntl_"
		  "zihintpause_zihpm_zawrs_zfa_zfhmin_zba_zbc_zbs_zkt_svadu_svinval_svnapot",
		  prop_str(fdt, "/cpus/cpu@0", "riscv,isa"));
	node = fdt_path_offset(fdt, "/cpus/cpu@0");
	REQUIRE(node >= 0);
	CHECK_INT(-FDT_ERR_NOTFOUND,
		  fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "zbb"));
	CHECK_INT(-FDT_ERR_NOTFOUND,
		  fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "zicboz"));
	CHECK_INT(-1, prop_len(fdt, "/cpus/cpu@0", "riscv,cboz-block-size"));
	CHECK_INT(64, prop_cell(fdt, "/cpus/cpu@0", "riscv,cbom-block-size", 0));
	free(fdt);
}

/* Svade is off by default; turned on, it is listed beside Svadu. */
TEST(test_fdt_svade_turned_on_is_listed)
{
	uint64_t off = 0, on = 0;
	void *fdt;
	int node;

	CHECK(!(axvm_riscv64_ext_enabled(0, 0) & 1ull << AXVM_RISCV64_EXT_SVADE));
	CHECK_INT(0, axvm_riscv64_cpu_parse("rv64,svade=on", &off, &on));
	CHECK(axvm_riscv64_ext_enabled(off, on) & 1ull << AXVM_RISCV64_EXT_SVADE);
	tree_ext_off = AXVM_RISCV64_EXT_ALL & ~axvm_riscv64_ext_enabled(off, on);
	fdt = build_tree(1, false, &default_chosen);
	tree_ext_off = AXVM_RISCV64_EXT_ALL;
	REQUIRE(fdt);
	CHECK(strstr(prop_str(fdt, "/cpus/cpu@0", "riscv,isa"), "_svade_svadu_") != NULL);
	node = fdt_path_offset(fdt, "/cpus/cpu@0");
	REQUIRE(node >= 0);
	CHECK(fdt_stringlist_search(fdt, node, "riscv,isa-extensions", "svade") >= 0);
	free(fdt);
	CHECK_INT(0, axvm_riscv64_cpu_parse("rv64,svade=off", &off, &on));
	CHECK(!(axvm_riscv64_ext_enabled(off, on) & 1ull << AXVM_RISCV64_EXT_SVADE));
}

TEST(test_cpu_parse)
{
	uint64_t off = 0, on = 0;

	CHECK_INT(0, axvm_riscv64_cpu_parse("rv64", &off, &on));
	CHECK_INT(0, (int)off);
	CHECK_INT(0, axvm_riscv64_cpu_parse("rv64,zba=off,zbs=off,zba=on", &off, &on));
	CHECK(off == 1ull << AXVM_RISCV64_EXT_ZBS);
	CHECK_INT(-AXVM_EINVAL, axvm_riscv64_cpu_parse("rv32", &off, &on));
	CHECK_INT(-AXVM_EINVAL, axvm_riscv64_cpu_parse("rv64,zbb", &off, &on));
	CHECK_INT(-AXVM_EINVAL, axvm_riscv64_cpu_parse("rv64,zbb=maybe", &off, &on));
	CHECK_INT(-AXVM_EINVAL, axvm_riscv64_cpu_parse("rv64,zzz=off", &off, &on));
	CHECK(strstr(axvm_error_message(), "zzz") != NULL);
	CHECK(off == 1ull << AXVM_RISCV64_EXT_ZBS); /* unchanged by a failed parse */
	CHECK_STR("svadu", axvm_riscv64_ext_name(AXVM_RISCV64_EXT_SVADU));
	CHECK(axvm_riscv64_ext_name(AXVM_RISCV64_EXT_COUNT) == NULL);
}

TEST(test_fdt_cpu_intc_nodes)
{
	void *fdt = build_tree(2, false, &default_chosen);
	int intc0, intc1;

	REQUIRE(fdt);
	CHECK_STR("riscv,cpu-intc",
		  prop_str(fdt, "/cpus/cpu@1/interrupt-controller", "compatible"));
	CHECK_INT(1, prop_cell(fdt, "/cpus/cpu@1/interrupt-controller", "#interrupt-cells", 0));
	CHECK_INT(0, prop_len(fdt, "/cpus/cpu@1/interrupt-controller", "interrupt-controller"));
	intc0 = fdt_path_offset(fdt, "/cpus/cpu@0/interrupt-controller");
	intc1 = fdt_path_offset(fdt, "/cpus/cpu@1/interrupt-controller");
	REQUIRE(intc0 >= 0 && intc1 >= 0);
	CHECK(fdt_get_phandle(fdt, intc0) != 0);
	CHECK(fdt_get_phandle(fdt, intc0) != fdt_get_phandle(fdt, intc1));
	free(fdt);
}

TEST(test_fdt_cpu_map_one_core_per_hart_by_phandle)
{
	void *fdt = build_tree(3, false, &default_chosen);
	uint32_t ph[3];

	REQUIRE(fdt);
	for (int i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/cpus/cpu@%d", i);
		ph[i] = fdt_get_phandle(fdt, fdt_path_offset(fdt, path));
		CHECK(ph[i] != 0);
	}
	CHECK_U64(ph[0], prop_cell(fdt, "/cpus/cpu-map/cluster0/core0", "cpu", 0));
	CHECK_U64(ph[1], prop_cell(fdt, "/cpus/cpu-map/cluster0/core1", "cpu", 0));
	CHECK_U64(ph[2], prop_cell(fdt, "/cpus/cpu-map/cluster0/core2", "cpu", 0));
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(fdt, "/cpus/cpu-map/cluster0/core3"));
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(fdt, "/cpus/cpu-map/cluster1"));
	free(fdt);
}

TEST(test_fdt_memory_node)
{
	void *fdt = build_tree(1, false, &default_chosen);

	REQUIRE(fdt);
	CHECK_STR("memory", prop_str(fdt, "/memory@80000000", "device_type"));
	CHECK_U64(0x80000000, prop_u64(fdt, "/memory@80000000", "reg"));
	CHECK_U64(0, prop_cell(fdt, "/memory@80000000", "reg", 2));
	CHECK_U64(0x8000000, prop_cell(fdt, "/memory@80000000", "reg", 3));
	free(fdt);
}

TEST(test_fdt_chosen_bootargs_and_stdout)
{
	void *fdt = build_tree(1, false, &default_chosen);

	REQUIRE(fdt);
	CHECK_STR("console=ttyS0 earlycon", prop_str(fdt, "/chosen", "bootargs"));
	CHECK_STR("/soc/serial@10000000", prop_str(fdt, "/chosen", "stdout-path"));
	CHECK_INT(-1, prop_len(fdt, "/chosen", "linux,initrd-start"));
	CHECK(fdt_path_offset(fdt, prop_str(fdt, "/chosen", "stdout-path")) >= 0);
	free(fdt);
}

TEST(test_fdt_chosen_initrd_range)
{
	struct axvm_fdt_chosen c = {.bootargs = "",
				    .has_initrd = true,
				    .initrd_start = 0x87000000,
				    .initrd_end = 0x87654321};
	void *fdt = build_tree(1, false, &c);

	REQUIRE(fdt);
	CHECK_U64(0x87000000, prop_u64(fdt, "/chosen", "linux,initrd-start"));
	CHECK_U64(0x87654321, prop_u64(fdt, "/chosen", "linux,initrd-end"));
	CHECK_INT(-1, prop_len(fdt, "/chosen", "bootargs"));
	CHECK_INT(-1, prop_len(fdt, "/chosen", "stdout-path"));
	free(fdt);
}

TEST(test_fdt_chosen_rng_seed_bytes)
{
	static const uint8_t seed[8] = {1, 2, 3, 4, 5, 6, 7, 0xfe};
	struct axvm_fdt_chosen c = {.rng_seed = seed, .rng_seed_len = sizeof(seed)};
	void *fdt = build_tree(1, false, &c);
	const uint8_t *p;
	int len = -1;

	REQUIRE(fdt);
	p = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "rng-seed", &len);
	REQUIRE(p);
	CHECK_INT(8, len);
	CHECK_INT(0xfe, p[7]);
	CHECK_INT(1, p[0]);
	free(fdt);
}

TEST(test_fdt_chosen_without_seed_has_no_rng_seed)
{
	void *fdt = build_tree(1, false, &default_chosen);

	REQUIRE(fdt);
	CHECK_INT(-1, prop_len(fdt, "/chosen", "rng-seed"));
	free(fdt);
}

TEST(test_fdt_soc_is_simple_bus)
{
	void *fdt = build_tree(1, false, &default_chosen);

	REQUIRE(fdt);
	CHECK_STR("simple-bus", prop_str(fdt, "/soc", "compatible"));
	CHECK_INT(0, prop_len(fdt, "/soc", "ranges"));
	CHECK_INT(2, prop_cell(fdt, "/soc", "#address-cells", 0));
	free(fdt);
}

TEST(test_fdt_plic_node)
{
	void *fdt = build_tree(1, false, &default_chosen);
	int node;

	REQUIRE(fdt);
	node = fdt_path_offset(fdt, "/soc/plic@c000000");
	REQUIRE(node >= 0);
	CHECK_INT(0, fdt_stringlist_search(fdt, node, "compatible", "sifive,plic-1.0.0"));
	CHECK_INT(1, fdt_stringlist_search(fdt, node, "compatible", "riscv,plic0"));
	CHECK_INT(95, prop_cell(fdt, "/soc/plic@c000000", "riscv,ndev", 0));
	CHECK_U64(0xc000000, prop_u64(fdt, "/soc/plic@c000000", "reg"));
	CHECK_U64(0x600000, prop_cell(fdt, "/soc/plic@c000000", "reg", 3));
	CHECK_INT(1, prop_cell(fdt, "/soc/plic@c000000", "#interrupt-cells", 0));
	CHECK_INT(0, prop_len(fdt, "/soc/plic@c000000", "interrupt-controller"));
	free(fdt);
}

TEST(test_fdt_plic_contexts_m_then_s_per_hart)
{
	void *fdt = build_tree(2, false, &default_chosen);
	uint32_t ph0, ph1;

	REQUIRE(fdt);
	ph0 = fdt_get_phandle(fdt, fdt_path_offset(fdt, "/cpus/cpu@0/interrupt-controller"));
	ph1 = fdt_get_phandle(fdt, fdt_path_offset(fdt, "/cpus/cpu@1/interrupt-controller"));
	CHECK_INT(32, prop_len(fdt, "/soc/plic@c000000", "interrupts-extended"));
	CHECK_U64(ph0, prop_cell(fdt, "/soc/plic@c000000", "interrupts-extended", 0));
	CHECK_U64(11, prop_cell(fdt, "/soc/plic@c000000", "interrupts-extended", 1));
	CHECK_U64(ph0, prop_cell(fdt, "/soc/plic@c000000", "interrupts-extended", 2));
	CHECK_U64(9, prop_cell(fdt, "/soc/plic@c000000", "interrupts-extended", 3));
	CHECK_U64(ph1, prop_cell(fdt, "/soc/plic@c000000", "interrupts-extended", 4));
	CHECK_U64(11, prop_cell(fdt, "/soc/plic@c000000", "interrupts-extended", 5));
	CHECK_U64(ph1, prop_cell(fdt, "/soc/plic@c000000", "interrupts-extended", 6));
	CHECK_U64(9, prop_cell(fdt, "/soc/plic@c000000", "interrupts-extended", 7));
	free(fdt);
}

TEST(test_fdt_serial_node)
{
	void *fdt = build_tree(1, false, &default_chosen);
	uint32_t plic_ph;

	REQUIRE(fdt);
	plic_ph = fdt_get_phandle(fdt, fdt_path_offset(fdt, "/soc/plic@c000000"));
	CHECK(plic_ph != 0);
	CHECK_STR("ns16550a", prop_str(fdt, "/soc/serial@10000000", "compatible"));
	CHECK_U64(0x10000000, prop_u64(fdt, "/soc/serial@10000000", "reg"));
	CHECK_U64(0x100, prop_cell(fdt, "/soc/serial@10000000", "reg", 3));
	CHECK_U64(3686400, prop_cell(fdt, "/soc/serial@10000000", "clock-frequency", 0));
	CHECK_U64(10, prop_cell(fdt, "/soc/serial@10000000", "interrupts", 0));
	CHECK_U64(plic_ph, prop_cell(fdt, "/soc/serial@10000000", "interrupt-parent", 0));
	CHECK_STR("/soc/serial@10000000", prop_str(fdt, "/aliases", "serial0"));
	free(fdt);
}

TEST(test_fdt_test_finisher_and_syscon_nodes)
{
	void *fdt = build_tree(1, false, &default_chosen);
	int node;
	uint32_t ph;

	REQUIRE(fdt);
	node = fdt_path_offset(fdt, "/soc/test@100000");
	REQUIRE(node >= 0);
	CHECK_INT(0, fdt_stringlist_search(fdt, node, "compatible", "sifive,test1"));
	CHECK_INT(1, fdt_stringlist_search(fdt, node, "compatible", "sifive,test0"));
	CHECK_INT(2, fdt_stringlist_search(fdt, node, "compatible", "syscon"));
	CHECK_U64(0x100000, prop_u64(fdt, "/soc/test@100000", "reg"));
	ph = fdt_get_phandle(fdt, node);
	CHECK(ph != 0);
	CHECK_STR("syscon-poweroff", prop_str(fdt, "/poweroff", "compatible"));
	CHECK_U64(ph, prop_cell(fdt, "/poweroff", "regmap", 0));
	CHECK_U64(0, prop_cell(fdt, "/poweroff", "offset", 0));
	CHECK_U64(0x5555, prop_cell(fdt, "/poweroff", "value", 0));
	CHECK_STR("syscon-reboot", prop_str(fdt, "/reboot", "compatible"));
	CHECK_U64(ph, prop_cell(fdt, "/reboot", "regmap", 0));
	CHECK_U64(0x7777, prop_cell(fdt, "/reboot", "value", 0));
	free(fdt);
}

TEST(test_fdt_rtc_node)
{
	void *fdt = build_tree(1, false, &default_chosen);
	uint32_t plic_ph;

	REQUIRE(fdt);
	plic_ph = fdt_get_phandle(fdt, fdt_path_offset(fdt, "/soc/plic@c000000"));
	CHECK_STR("google,goldfish-rtc", prop_str(fdt, "/soc/rtc@101000", "compatible"));
	CHECK_U64(0x101000, prop_u64(fdt, "/soc/rtc@101000", "reg"));
	CHECK_U64(11, prop_cell(fdt, "/soc/rtc@101000", "interrupts", 0));
	CHECK_U64(plic_ph, prop_cell(fdt, "/soc/rtc@101000", "interrupt-parent", 0));
	free(fdt);
}

TEST(test_fdt_virtio_mmio_node)
{
	struct axvm_fdt f;
	struct axvm_fdt_cpus c = {.count = 1, .timebase_hz = 10000000};
	uint32_t plic_ph, intc = 0;
	size_t size;

	REQUIRE_OK(axvm_fdt_init(&f, 1, 16384));
	axvm_fdt_add_cpus(&f, &c);
	REQUIRE_OK(add_device(&f, &axvm_plic_class, "ndev=95", 0xc000000, 0, &intc));
	REQUIRE_OK(add_device(&f, &axvm_virtio_mmio_slot_class, NULL, 0x10002000, 2, &intc));
	REQUIRE_OK(axvm_fdt_finish(&f, &size));
	CHECK_U64(intc, fdt_get_phandle(f.blob, fdt_path_offset(f.blob, "/soc/plic@c000000")));
	plic_ph = fdt_get_phandle(f.blob, fdt_path_offset(f.blob, "/soc/plic@c000000"));
	CHECK_STR("virtio,mmio", prop_str(f.blob, "/soc/virtio_mmio@10002000", "compatible"));
	CHECK_U64(0x10002000, prop_u64(f.blob, "/soc/virtio_mmio@10002000", "reg"));
	CHECK_U64(0x1000, prop_cell(f.blob, "/soc/virtio_mmio@10002000", "reg", 3));
	CHECK_U64(2, prop_cell(f.blob, "/soc/virtio_mmio@10002000", "interrupts", 0));
	CHECK_U64(plic_ph, prop_cell(f.blob, "/soc/virtio_mmio@10002000", "interrupt-parent", 0));
	axvm_fdt_release(&f);
}

TEST(test_fdt_phandles_are_unique)
{
	void *fdt = build_tree(4, false, &default_chosen);
	uint32_t seen[16];
	unsigned n = 0;
	int node;

	REQUIRE(fdt);
	for (node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		uint32_t ph = fdt_get_phandle(fdt, node);

		if (!ph)
			continue;
		for (unsigned i = 0; i < n; i++)
			CHECK(seen[i] != ph);
		if (n < 16)
			seen[n++] = ph;
	}
	CHECK_INT(10, n); /* 4 cpus + 4 intc + plic + test finisher */
	free(fdt);
}

TEST(test_fdt_only_present_devices_appear)
{
	struct axvm_fdt f;
	struct axvm_fdt_cpus c = {.count = 1, .timebase_hz = 10000000};
	uint32_t intc = 0;
	size_t size;

	REQUIRE_OK(axvm_fdt_init(&f, 1, 16384));
	axvm_fdt_add_cpus(&f, &c);
	REQUIRE_OK(add_device(&f, &axvm_plic_class, "ndev=95", 0xc000000, 0, &intc));
	REQUIRE_OK(axvm_fdt_finish(&f, &size));
	CHECK(fdt_path_offset(f.blob, "/soc/plic@c000000") >= 0);
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(f.blob, "/soc/serial@10000000"));
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(f.blob, "/poweroff"));
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(f.blob, "/soc/rtc@101000"));
	axvm_fdt_release(&f);
}

TEST(test_fdt_too_small_buffer_reports_enomem)
{
	struct axvm_fdt f;
	struct axvm_fdt_cpus c = {.count = 8, .timebase_hz = 10000000};
	size_t size = 123;

	REQUIRE_OK(axvm_fdt_init(&f, 8, 512));
	CHECK_INT(-AXVM_ENOMEM, axvm_fdt_add_cpus(&f, &c));
	CHECK_INT(-AXVM_ENOMEM, axvm_fdt_finish(&f, &size));
	CHECK_INT(0, size);
	axvm_fdt_release(&f);
}

TEST(test_fdt_rejects_bad_cpu_counts)
{
	struct axvm_fdt f;
	struct axvm_fdt_cpus c = {.count = 2, .timebase_hz = 10000000};

	CHECK_INT(-AXVM_EINVAL, axvm_fdt_init(&f, 0, 4096));
	CHECK_INT(-AXVM_EINVAL, axvm_fdt_init(&f, AXVM_FDT_MAX_CPUS + 1, 4096));
	REQUIRE_OK(axvm_fdt_init(&f, 1, 4096));
	CHECK_INT(-AXVM_EINVAL, axvm_fdt_add_cpus(&f, &c));
	axvm_fdt_release(&f);
}

TEST(test_fdt_set_chosen_updates_existing_blob)
{
	void *fdt = build_tree(1, false, &default_chosen);
	void *big;

	REQUIRE(fdt);
	big = calloc(1, 65536);
	REQUIRE(big);
	memcpy(big, fdt, fdt_totalsize(fdt));
	REQUIRE_OK(axvm_fdt_set_chosen(big, 65536, "console=hvc0", true, 0x88000000, 0x88001000));
	CHECK_STR("console=hvc0", prop_str(big, "/chosen", "bootargs"));
	CHECK_U64(0x88000000, prop_u64(big, "/chosen", "linux,initrd-start"));
	CHECK_U64(0x88001000, prop_u64(big, "/chosen", "linux,initrd-end"));
	CHECK_STR("/soc/serial@10000000", prop_str(big, "/chosen", "stdout-path"));
	free(big);
	free(fdt);
}

TEST(test_fdt_set_chosen_creates_missing_chosen)
{
	void *blob = calloc(1, 4096);

	REQUIRE(blob);
	REQUIRE(fdt_create_empty_tree(blob, 4096) == 0);
	REQUIRE_OK(axvm_fdt_set_chosen(blob, 4096, "quiet", false, 0, 0));
	CHECK_STR("quiet", prop_str(blob, "/chosen", "bootargs"));
	CHECK_INT(-1, prop_len(blob, "/chosen", "linux,initrd-start"));
	free(blob);
}

/* dtc accepts the blob and decompiles it (a second, independent parser). */
TEST(test_fdt_dtc_decompiles_blob)
{
	void *fdt = build_tree(2, false, &default_chosen);
	char path[] = "/tmp/axvm-test-fdt-XXXXXX";
	char cmd[256];
	FILE *fp;
	int fd, rc;

	REQUIRE(fdt);
	if (system("command -v dtc >/dev/null 2>&1") != 0) {
		free(fdt);
		TEST_SKIP("dtc not installed (scripts/deps.sh installs device-tree-compiler)");
	}
	fd = mkstemp(path);
	REQUIRE(fd >= 0);
	fp = fdopen(fd, "wb");
	REQUIRE(fp);
	fwrite(fdt, 1, fdt_totalsize(fdt), fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts %s 2>&1 | grep -q 'sifive,plic-1.0.0'",
		 path);
	rc = system(cmd);
	CHECK_INT(0, rc);
	remove(path);
	free(fdt);
}
