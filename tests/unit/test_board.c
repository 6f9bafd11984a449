/* SPDX-License-Identifier: MIT */
/*
 * The virt board: layout, device tree in guest RAM, images, devices on the
 * bus, and small riscv64 guests run through axvm_run_vcpu that use the UART,
 * the PLIC and the test finisher.
 */
#include "test.h"

#include <axvm/board.h>
#include <axvm/event.h>
#include <axvm/riscv64.h>
#include <axvm/vm.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/riscv64/hart.h"
#include "core/error.h"
#include "devices/devclass.h"

#define RAM_BASE 0x80000000ull
#define ENTRY 0x80200000ull

/* ---- tiny RV64 assembler ---- */
enum { ZERO = 0, T0 = 5, T1 = 6, T2 = 7 };

static uint32_t lui(unsigned rd, uint32_t imm20)
{
	return imm20 << 12 | rd << 7 | 0x37;
}

static uint32_t auipc(unsigned rd, uint32_t imm20)
{
	return imm20 << 12 | rd << 7 | 0x17;
}

static uint32_t itype(unsigned op, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t addi(unsigned rd, unsigned rs1, int32_t imm)
{
	return itype(0x13, 0, rd, rs1, imm);
}

static uint32_t slli(unsigned rd, unsigned rs1, unsigned sh)
{
	return itype(0x13, 1, rd, rs1, (int32_t)sh);
}

static uint32_t lw(unsigned rd, unsigned rs1, int32_t imm)
{
	return itype(0x03, 2, rd, rs1, imm);
}

static uint32_t stype(unsigned f3, unsigned rs2, unsigned rs1, int32_t imm)
{
	uint32_t i = (uint32_t)imm & 0xfff;

	return (i >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (i & 0x1f) << 7 | 0x23;
}

static uint32_t sb(unsigned rs2, unsigned rs1, int32_t imm)
{
	return stype(0, rs2, rs1, imm);
}

static uint32_t sw(unsigned rs2, unsigned rs1, int32_t imm)
{
	return stype(2, rs2, rs1, imm);
}

static uint32_t add(unsigned rd, unsigned rs1, unsigned rs2)
{
	return rs2 << 20 | rs1 << 15 | rd << 7 | 0x33;
}

static uint32_t or_(unsigned rd, unsigned rs1, unsigned rs2)
{
	return rs2 << 20 | rs1 << 15 | 6u << 12 | rd << 7 | 0x33;
}

static uint32_t csrrw(unsigned csr, unsigned rs1)
{
	return csr << 20 | rs1 << 15 | 1u << 12 | 0x73;
}

static uint32_t csrrs(unsigned csr, unsigned rs1)
{
	return csr << 20 | rs1 << 15 | 2u << 12 | 0x73;
}

#define WFI 0x10500073u
#define J_SELF 0x0000006fu /* jal x0, 0 */

/* ---- fixture ---- */
struct board_fixture {
	struct axvm_board *b;
	struct axvm_console *con;
	struct axvm_board_options o;
	char dir[64];
	char kernel[96], initrd[96], dtb[96];
	char out[512];
	size_t out_len;
	char err[512];
};

static void board_sink(void *opaque, const uint8_t *buf, size_t len)
{
	struct board_fixture *f = opaque;

	for (size_t i = 0; i < len && f->out_len + 1 < sizeof(f->out); i++)
		f->out[f->out_len++] = (char)buf[i];
}

static uint64_t fixed_clock(void *opaque)
{
	return 1700000000123456789ull;
}

static int write_file(const char *path, const void *d, size_t len)
{
	FILE *fp = fopen(path, "wb");
	size_t n;

	if (!fp)
		return -1;
	n = fwrite(d, 1, len, fp);
	fclose(fp);
	return n == len ? 0 : -1;
}

/* Options for a board whose kernel is `words` as a flat binary. */
static int board_prepare(struct board_fixture *f, const uint32_t *words, size_t n)
{
	struct axvm_console_sink sink = {.write = board_sink, .opaque = f};

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/axvm-test-board-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->kernel, sizeof(f->kernel), "%s/kernel.bin", f->dir);
	snprintf(f->initrd, sizeof(f->initrd), "%s/initrd", f->dir);
	snprintf(f->dtb, sizeof(f->dtb), "%s/user.dtb", f->dir);
	if (write_file(f->kernel, words, n * 4))
		return -1;
	if (axvm_console_create(&sink, &f->con))
		return -1;
	axvm_board_options_init(&f->o);
	f->o.kernel_path = f->kernel;
	f->o.console = f->con;
	f->o.realtime_ns = fixed_clock;
	return 0;
}

static int board_create(struct board_fixture *f)
{
	return axvm_board_virt_create(&f->o, &f->b, f->err, sizeof(f->err));
}

static void board_cleanup(struct board_fixture *f)
{
	char cmd[128];

	axvm_board_destroy(f->b);
	axvm_console_destroy(f->con);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (f->dir[0] && system(cmd) != 0)
		printf("    (could not remove %s)\n", f->dir);
}

static const uint32_t spin[] = {J_SELF};

/* The guest's copy of the device tree, at a1. */
static void *guest_fdt(struct board_fixture *f)
{
	struct axvm_board_layout l;
	void *buf;

	axvm_board_layout(f->b, &l);
	buf = calloc(1, l.dtb_size);
	if (buf && axvm_read_guest(axvm_board_vm(f->b), l.dtb_addr, buf, l.dtb_size) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *fdt_str(const void *fdt, const char *path, const char *prop)
{
	int node = fdt_path_offset(fdt, path);

	return node < 0 ? NULL : fdt_getprop(fdt, node, prop, NULL);
}

static uint64_t fdt_u64(const void *fdt, const char *path, const char *prop)
{
	int node = fdt_path_offset(fdt, path), len;
	const void *p;
	fdt64_t v;

	if (node < 0)
		return 0xdeadbeef;
	p = fdt_getprop(fdt, node, prop, &len);
	if (!p || len != 8)
		return 0xdeadbeef;
	memcpy(&v, p, sizeof(v)); /* properties are only 4-byte aligned */
	return fdt64_to_cpu(v);
}

/* ---- layout and boot registers ---- */

TEST(test_board_default_layout)
{
	struct board_fixture f;
	struct axvm_board_layout l;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	axvm_board_layout(f.b, &l);
	CHECK_U64(RAM_BASE, l.ram_base);
	CHECK_U64(128ull << 20, l.ram_size);
	CHECK_U64(ENTRY, l.entry);
	CHECK_U64(ENTRY, l.kernel_start);
	CHECK_U64(ENTRY + 4, l.kernel_end);
	CHECK_U64(0x87e00000, l.dtb_addr);
	CHECK_U64(0, l.initrd_start);
	CHECK_U64(10000000, l.timebase_hz);
	CHECK_INT(1, l.cpus);
	CHECK_INT(AXVM_VM_LOADED, axvm_status(axvm_board_vm(f.b)));
	CHECK(axvm_board_machine(f.b) != NULL);
	CHECK(axvm_board_console(f.b) == f.con);
	board_cleanup(&f);
}

TEST(test_board_bsp_registers_point_at_kernel_and_dtb)
{
	struct board_fixture f;
	struct axvm_vcpu *v;
	uint64_t pc = 0, a0 = 99, a1 = 0;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	v = axvm_vcpu(axvm_board_vm(f.b), 0);
	REQUIRE(v);
	REQUIRE_OK(axvm_vcpu_get_gpr(v, AXVM_RISCV64_REG_PC, &pc));
	REQUIRE_OK(axvm_vcpu_get_gpr(v, 10, &a0));
	REQUIRE_OK(axvm_vcpu_get_gpr(v, 11, &a1));
	CHECK_U64(ENTRY, pc);
	CHECK_U64(0, a0);
	CHECK_U64(0x87e00000, a1);
	board_cleanup(&f);
}

TEST(test_board_ram_size_option)
{
	struct board_fixture f;
	struct axvm_board_layout l;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.ram_size = 64ull << 20;
	REQUIRE_OK(board_create(&f));
	axvm_board_layout(f.b, &l);
	CHECK_U64(64ull << 20, l.ram_size);
	CHECK_U64(0x83e00000, l.dtb_addr);
	board_cleanup(&f);
}

TEST(test_board_linux_image_loaded_at_text_offset)
{
	struct board_fixture f;
	struct axvm_board_layout l;
	uint8_t img[256] = {0x6f};

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	img[0x08] = 0x00, img[0x0a] = 0x20; /* text_offset 0x200000 */
	img[0x10] = 0x00, img[0x12] = 0x40; /* image_size 0x400000 */
	memcpy(img + 0x38, "RSC\x05", 4);
	REQUIRE(write_file(f.kernel, img, sizeof(img)) == 0);
	REQUIRE_OK(board_create(&f));
	axvm_board_layout(f.b, &l);
	CHECK_U64(ENTRY, l.entry);
	CHECK_U64(0x80600000, l.kernel_end);
	board_cleanup(&f);
}

/* ---- device tree ---- */

TEST(test_board_guest_dtb_matches_board_dtb)
{
	struct board_fixture f;
	const void *blob;
	size_t size;
	void *g;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	blob = axvm_board_fdt(f.b, &size);
	g = guest_fdt(&f);
	REQUIRE(blob && g);
	CHECK_INT(0, fdt_check_full(g, size));
	CHECK(memcmp(blob, g, size) == 0);
	free(g);
	board_cleanup(&f);
}

TEST(test_board_dtb_describes_cpus_memory_and_devices)
{
	struct board_fixture f;
	void *g;
	int cpus, n = 0, node;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.cpus = 3;
	REQUIRE_OK(board_create(&f));
	g = guest_fdt(&f);
	REQUIRE(g);
	cpus = fdt_path_offset(g, "/cpus");
	fdt_for_each_subnode(node, g, cpus)
	{
		const char *t = fdt_getprop(g, node, "device_type", NULL);

		if (t && !strcmp(t, "cpu"))
			n++;
	}
	CHECK_INT(3, n);
	CHECK(fdt_path_offset(g, "/memory@80000000") >= 0);
	CHECK(fdt_path_offset(g, "/soc/plic@c000000") >= 0);
	CHECK(fdt_path_offset(g, "/soc/serial@10000000") >= 0);
	CHECK(fdt_path_offset(g, "/soc/test@100000") >= 0);
	CHECK(fdt_path_offset(g, "/soc/rtc@101000") >= 0);
	CHECK(fdt_path_offset(g, "/poweroff") >= 0);
	CHECK(fdt_path_offset(g, "/soc/virtio_mmio@10001000") >= 0);
	CHECK(fdt_path_offset(g, "/soc/virtio_mmio@10008000") >= 0);
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(g, "/soc/virtio_mmio@10009000"));
	free(g);
	board_cleanup(&f);
}

/* QEMU 7.2's virt: 96 PLIC sources, and Linux maps exactly riscv,ndev of them. */
TEST(test_board_plic_has_96_sources_like_qemu)
{
	struct board_fixture f;
	void *g;
	int node, len = 0;
	const fdt32_t *p;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	g = guest_fdt(&f);
	REQUIRE(g);
	node = fdt_path_offset(g, "/soc/plic@c000000");
	p = fdt_getprop(g, node, "riscv,ndev", &len);
	REQUIRE(p && len == 4);
	CHECK_INT(96, fdt32_to_cpu(*p));
	free(g);
	board_cleanup(&f);
}

/* Each board gets its own 32-byte /chosen/rng-seed, as QEMU gives each boot. */
TEST(test_board_rng_seed_is_32_fresh_bytes)
{
	struct board_fixture f1, f2;
	const uint8_t *s1, *s2;
	void *g1, *g2;
	int len1 = 0, len2 = 0;

	REQUIRE(board_prepare(&f1, spin, 1) == 0);
	REQUIRE(board_prepare(&f2, spin, 1) == 0);
	REQUIRE_OK(board_create(&f1));
	REQUIRE_OK(board_create(&f2));
	g1 = guest_fdt(&f1);
	g2 = guest_fdt(&f2);
	REQUIRE(g1 && g2);
	s1 = fdt_getprop(g1, fdt_path_offset(g1, "/chosen"), "rng-seed", &len1);
	s2 = fdt_getprop(g2, fdt_path_offset(g2, "/chosen"), "rng-seed", &len2);
	REQUIRE(s1 && s2);
	CHECK_INT(32, len1);
	CHECK_INT(32, len2);
	CHECK(memcmp(s1, s2, 32) != 0);
	free(g1);
	free(g2);
	board_cleanup(&f1);
	board_cleanup(&f2);
}

TEST(test_board_cmdline_and_serial_stdout)
{
	struct board_fixture f;
	void *g;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.cmdline = "console=ttyS0 quiet";
	REQUIRE_OK(board_create(&f));
	g = guest_fdt(&f);
	REQUIRE(g);
	CHECK_STR("console=ttyS0 quiet", fdt_str(g, "/chosen", "bootargs"));
	CHECK_STR("/soc/serial@10000000", fdt_str(g, "/chosen", "stdout-path"));
	free(g);
	board_cleanup(&f);
}

TEST(test_board_sbi_console_has_no_stdout_path)
{
	struct board_fixture f;
	void *g;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.cmdline = "console=hvc0";
	f.o.stdout_path = AXVM_BOARD_STDOUT_SBI;
	REQUIRE_OK(board_create(&f));
	g = guest_fdt(&f);
	REQUIRE(g);
	CHECK(fdt_str(g, "/chosen", "stdout-path") == NULL);
	CHECK_STR("console=hvc0", fdt_str(g, "/chosen", "bootargs"));
	free(g);
	board_cleanup(&f);
}

TEST(test_board_sstc_and_timebase_reach_dtb)
{
	struct board_fixture f;
	void *g;
	int node;
	const fdt32_t *tb;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.sstc = true;
	f.o.timebase_hz = 1000000;
	/* Every switchable extension off but Zba: the option reaches the tree. */
	f.o.isa_ext_off = AXVM_RISCV64_EXT_ALL & ~(1ull << AXVM_RISCV64_EXT_ZBA);
	REQUIRE_OK(board_create(&f));
	g = guest_fdt(&f);
	REQUIRE(g);
	CHECK_STR("rv64imafdc_zicntr_zicsr_zifencei_zihpm_zba_sstc",
		  fdt_str(g, "/cpus/cpu@0", "riscv,isa"));
	node = fdt_path_offset(g, "/cpus");
	tb = fdt_getprop(g, node, "timebase-frequency", NULL);
	REQUIRE(tb);
	CHECK_U64(1000000, fdt32_to_cpu(*tb));
	free(g);
	board_cleanup(&f);
}

/* QEMU's spot: kernel entry + min(RAM / 2, 128 MiB). */
TEST(test_board_initrd_placed_as_qemu_and_in_chosen)
{
	struct board_fixture f;
	struct axvm_board_layout l;
	char data[10000];
	char back[16];
	void *g;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	memset(data, 'R', sizeof(data));
	memcpy(data, "070701", 6);
	REQUIRE(write_file(f.initrd, data, sizeof(data)) == 0);
	f.o.initrd_path = f.initrd;
	REQUIRE_OK(board_create(&f));
	axvm_board_layout(f.b, &l);
	CHECK_U64(0x87e00000, l.dtb_addr);
	CHECK_U64(0x84200000, l.initrd_start); /* 0x80200000 + 128 MiB / 2 */
	CHECK_U64(0x84200000 + 10000, l.initrd_end);
	REQUIRE_OK(axvm_read_guest(axvm_board_vm(f.b), l.initrd_start, back, 6));
	CHECK(memcmp(back, "070701", 6) == 0);
	g = guest_fdt(&f);
	REQUIRE(g);
	CHECK_U64(l.initrd_start, fdt_u64(g, "/chosen", "linux,initrd-start"));
	CHECK_U64(l.initrd_end, fdt_u64(g, "/chosen", "linux,initrd-end"));
	free(g);
	board_cleanup(&f);
}

TEST(test_board_initrd_at_128mib_above_entry_with_256mib_ram)
{
	struct board_fixture f;
	struct axvm_board_layout l;
	char data[100] = "070701";

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE(write_file(f.initrd, data, sizeof(data)) == 0);
	f.o.initrd_path = f.initrd;
	f.o.ram_size = 256ull << 20;
	REQUIRE_OK(board_create(&f));
	axvm_board_layout(f.b, &l);
	CHECK_U64(0x88200000, l.initrd_start);
	board_cleanup(&f);
}

/* Too big for QEMU's spot (16 MiB RAM: 0x80a00000, 4 MiB below the DTB): right below the DTB. */
TEST(test_board_initrd_too_big_for_qemu_spot_goes_below_dtb)
{
	struct board_fixture f;
	struct axvm_board_layout l;
	size_t n = 5 << 20;
	char *big = calloc(1, n);

	REQUIRE(big);
	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE(write_file(f.initrd, big, n) == 0);
	free(big);
	f.o.initrd_path = f.initrd;
	f.o.ram_size = 16ull << 20;
	REQUIRE_OK(board_create(&f));
	axvm_board_layout(f.b, &l);
	CHECK_U64(0x80e00000, l.dtb_addr);
	CHECK_U64(0x80900000, l.initrd_start);
	CHECK_U64(0x80e00000, l.initrd_end);
	board_cleanup(&f);
}

TEST(test_board_user_dtb_replaces_generated_one)
{
	struct board_fixture f;
	char user[512];
	void *g;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE(fdt_create_empty_tree(user, sizeof(user)) == 0);
	REQUIRE(fdt_setprop_string(user, 0, "model", "my-board") == 0);
	REQUIRE(fdt_pack(user) == 0);
	REQUIRE(write_file(f.dtb, user, fdt_totalsize(user)) == 0);
	f.o.dtb_path = f.dtb;
	f.o.cmdline = "init=/bin/sh";
	REQUIRE_OK(board_create(&f));
	g = guest_fdt(&f);
	REQUIRE(g);
	CHECK_STR("my-board", fdt_str(g, "/", "model"));
	CHECK_STR("init=/bin/sh", fdt_str(g, "/chosen", "bootargs"));
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(g, "/cpus"));
	free(g);
	board_cleanup(&f);
}

/* ---- option and file errors ---- */

TEST(test_board_requires_kernel)
{
	struct board_fixture f;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.kernel_path = NULL;
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	CHECK_STR("kernel: no kernel image given (-k FILE or kernel.kernel_path)", f.err);
	CHECK(f.b == NULL);
	board_cleanup(&f);
}

TEST(test_board_rejects_cpu_counts)
{
	struct board_fixture f;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.cpus = 9;
	CHECK_INT(-AXVM_ERANGE, board_create(&f));
	CHECK_STR("cpus: 9 is outside 1..8", f.err);
	board_cleanup(&f);
}

TEST(test_board_rejects_tiny_or_unaligned_ram)
{
	struct board_fixture f;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.ram_size = 1 << 20;
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	CHECK_STR("memory size: 0x100000 bytes must be a multiple of 4 KiB and at least 4 MiB",
		  f.err);
	f.o.ram_size = (64 << 20) + 1;
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	board_cleanup(&f);
}

TEST(test_board_refuses_ram_above_its_limit_with_the_sizes)
{
	struct board_fixture f;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.ram_size = 3ull << 30;
	f.o.ram_warn_above = 1ull << 30;
	f.o.ram_limit = 2ull << 30;
	CHECK_INT(-AXVM_ERANGE, board_create(&f));
	CHECK(strstr(f.err, "memory size: 3 GiB is more than the limit of 2 GiB") != NULL);
	f.o.ram_limit = 0; /* no limit: created (with a warning) */
	REQUIRE_OK(board_create(&f));
	board_cleanup(&f);
}

TEST(test_board_missing_kernel_file_named)
{
	struct board_fixture f;
	char expect[256];

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	snprintf(f.kernel, sizeof(f.kernel), "%s/nope", f.dir);
	CHECK_INT(-AXVM_ENOENT, board_create(&f));
	snprintf(expect, sizeof(expect), "%s/nope: cannot open: No such file or directory", f.dir);
	CHECK_STR(expect, f.err);
	board_cleanup(&f);
}

TEST(test_board_bad_user_dtb_named)
{
	struct board_fixture f;
	char expect[256];

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE(write_file(f.dtb, "garbage garbage garbage garbage garbage garbage", 47) == 0);
	f.o.dtb_path = f.dtb;
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	snprintf(expect, sizeof(expect), "%s: not a device tree blob: FDT_ERR_BADMAGIC", f.dtb);
	CHECK_STR(expect, f.err);
	board_cleanup(&f);
}

TEST(test_board_initrd_too_big_for_ram)
{
	struct board_fixture f;
	char *big;
	size_t n = 4 << 20;
	char expect[256];

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	big = calloc(1, n);
	REQUIRE(big);
	REQUIRE(write_file(f.initrd, big, n) == 0);
	free(big);
	f.o.initrd_path = f.initrd;
	f.o.ram_size = 4 << 20;
	CHECK_INT(-AXVM_ERANGE, board_create(&f));
	/* As big as RAM: the reader takes it, placement refuses it. */
	snprintf(expect, sizeof(expect), "%s: 4194304 bytes do not fit in guest RAM", f.initrd);
	CHECK_STR(expect, f.err);
	board_cleanup(&f);
}

TEST(test_board_base_config_bios_rejected)
{
	struct board_fixture f;
	struct axvm_config cfg;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	axvm_config_init(&cfg);
	snprintf(cfg.bios_path, sizeof(cfg.bios_path), "fw_jump.bin");
	f.o.base_config = &cfg;
	CHECK_INT(-AXVM_ENOTSUP, board_create(&f));
	CHECK_STR("kernel.bios_path: fw_jump.bin: the virt board runs no firmware (the VMM serves "
		  "SBI)",
		  f.err);
	board_cleanup(&f);
}

TEST(test_board_base_config_supplies_kernel_and_cpus)
{
	struct board_fixture f;
	struct axvm_config cfg;
	struct axvm_board_layout l;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	axvm_config_init(&cfg);
	cfg.cpu_num = 2;
	snprintf(cfg.kernel_path, sizeof(cfg.kernel_path), "%s", f.kernel);
	snprintf(cfg.cmdline, sizeof(cfg.cmdline), "from-config");
	f.o.kernel_path = NULL;
	f.o.base_config = &cfg;
	REQUIRE_OK(board_create(&f));
	axvm_board_layout(f.b, &l);
	CHECK_INT(2, l.cpus);
	CHECK_INT(2, axvm_vcpu_num(axvm_board_vm(f.b)));
	board_cleanup(&f);
}

/* ---- devices through the VM's bus ---- */

TEST(test_board_devices_on_mmio_bus)
{
	struct board_fixture f;
	struct axvm_bus *bus;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	bus = axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO);
	REQUIRE(bus);
	CHECK_INT(13, axvm_bus_device_count(bus)); /* 4 devices, PCIe ECAM, 8 virtio-mmio slots */
	REQUIRE(axvm_bus_find(bus, 0x0c000000));
	CHECK_STR("plic", axvm_bus_find(bus, 0x0c5ffffc)->name);
	CHECK_STR("uart0", axvm_bus_find(bus, 0x10000005)->name);
	CHECK_STR("test", axvm_bus_find(bus, 0x100000)->name);
	CHECK_STR("rtc", axvm_bus_find(bus, 0x101000)->name);
	CHECK_STR("virtio-mmio0", axvm_bus_find(bus, 0x10001000)->name);
	CHECK_STR("virtio-mmio7", axvm_bus_find(bus, 0x10008ffc)->name);
	CHECK(axvm_bus_find(bus, 0x10009000) == NULL);
	board_cleanup(&f);
}

/* QEMU's ECAM window at 0x30000000 is an empty bus: all ones at every width; not in our DT. */
TEST(test_board_pci_ecam_window_reads_all_ones)
{
	struct board_fixture f;
	const struct axvm_device_desc *d;
	uint64_t v = 0;
	void *g;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	d = axvm_bus_find(axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO), 0x3ffffffc);
	REQUIRE(d);
	CHECK_STR("pci-ecam", d->name);
	CHECK_U64(0x30000000, d->base);
	CHECK_INT(1, d->min_width);
	REQUIRE_OK(d->ops->read(d->opaque, 0, 4, &v)); /* bus 0 dev 0 fn 0: vendor/device */
	CHECK_U64(0xffffffff, v);
	REQUIRE_OK(d->ops->read(d->opaque, 0x8000, 2, &v));
	CHECK_U64(0xffff, v);
	REQUIRE_OK(d->ops->read(d->opaque, 0x3, 1, &v));
	CHECK_U64(0xff, v);
	REQUIRE_OK(d->ops->write(d->opaque, 0x4, 4, 0x7));
	REQUIRE_OK(d->ops->read(d->opaque, 0x4, 4, &v));
	CHECK_U64(0xffffffff, v);
	g = guest_fdt(&f);
	REQUIRE(g);
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(g, "/soc/pci@30000000"));
	free(g);
	board_cleanup(&f);
}

/* The slots answer "no device" as QEMU's empty ones: magic, version 2, DeviceID 0. */
TEST(test_board_virtio_slots_say_no_device)
{
	struct board_fixture f;
	const struct axvm_device_desc *d;
	uint64_t v = 0;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	d = axvm_bus_find(axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO), 0x10003000);
	REQUIRE(d);
	REQUIRE_OK(d->ops->read(d->opaque, 0x000, 4, &v));
	CHECK_U64(0x74726976, v);
	REQUIRE_OK(d->ops->read(d->opaque, 0x004, 4, &v));
	CHECK_U64(2, v);
	REQUIRE_OK(d->ops->read(d->opaque, 0x008, 4, &v));
	CHECK_U64(0, v);
	board_cleanup(&f);
}

/* A config that maps memory over slot 0 keeps it; the slot leaves the bus and the DT. */
TEST(test_board_virtio_slot_under_config_memory_left_out)
{
	struct board_fixture f;
	struct axvm_config cfg;
	struct axvm_bus *bus;
	void *g;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	axvm_config_init(&cfg);
	snprintf(cfg.kernel_path, sizeof(cfg.kernel_path), "%s", f.kernel);
	cfg.regions[0] =
	    (struct axvm_mem_region){.gpa = RAM_BASE,
				     .size = 128ull << 20,
				     .flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC,
				     .map_type = AXVM_MAP_ALLOC};
	cfg.regions[1] = (struct axvm_mem_region){.gpa = 0x10001000,
						  .size = 0x1000,
						  .flags = AXVM_MEM_READ | AXVM_MEM_WRITE,
						  .map_type = AXVM_MAP_ALLOC};
	cfg.region_count = 2;
	f.o.kernel_path = NULL;
	f.o.base_config = &cfg;
	REQUIRE_OK(board_create(&f));
	bus = axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO);
	CHECK(axvm_bus_find(bus, 0x10001000) == NULL);
	CHECK_STR("virtio-mmio1", axvm_bus_find(bus, 0x10002000)->name);
	g = guest_fdt(&f);
	REQUIRE(g);
	CHECK_INT(-FDT_ERR_NOTFOUND, fdt_path_offset(g, "/soc/virtio_mmio@10001000"));
	CHECK(fdt_path_offset(g, "/soc/virtio_mmio@10002000") >= 0);
	free(g);
	board_cleanup(&f);
}

/*
 * Config memory over the UART is an error naming the board's device (only
 * the empty windows give way); leaving the UART out frees its range.
 */
TEST(test_board_config_memory_over_the_uart_names_it_unless_left_out)
{
	struct board_fixture f;
	struct axvm_config cfg;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	axvm_config_init(&cfg);
	snprintf(cfg.kernel_path, sizeof(cfg.kernel_path), "%s", f.kernel);
	cfg.regions[0] =
	    (struct axvm_mem_region){.gpa = RAM_BASE,
				     .size = 128ull << 20,
				     .flags = AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC,
				     .map_type = AXVM_MAP_ALLOC};
	cfg.regions[1] = (struct axvm_mem_region){.gpa = 0x10000000,
						  .size = 0x1000,
						  .flags = AXVM_MEM_READ | AXVM_MEM_WRITE,
						  .map_type = AXVM_MAP_ALLOC};
	cfg.region_count = 2;
	f.o.kernel_path = NULL;
	f.o.base_config = &cfg;
	CHECK_INT(-AXVM_EOVERLAP, board_create(&f));
	CHECK(strncmp(f.err, "device uart0: ", 14) == 0);
	CHECK(f.b == NULL);
	f.o.devices[0] = (struct axvm_board_device){"ns16550a", "off", "--device"};
	f.o.device_count = 1;
	REQUIRE_OK(board_create(&f));
	CHECK(axvm_bus_find(axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO), 0x10000000) == NULL);
	board_cleanup(&f);
}

/* ---- configured devices (axvm_board_options.devices) ---- */

/* A 1 MiB disk image in the fixture's directory, and an event loop for the devices. */
static int board_prepare_devices(struct board_fixture *f, struct axvm_event_loop **loop, char *disk,
				 size_t disk_len)
{
	static const uint8_t zero[4096];
	FILE *fp;

	if (board_prepare(f, spin, 1) != 0 || axvm_event_loop_create(loop) != 0)
		return -1;
	snprintf(disk, disk_len, "%s/disk.img", f->dir);
	fp = fopen(disk, "wb");
	if (!fp)
		return -1;
	for (int i = 0; i < 256; i++)
		fwrite(zero, 1, sizeof(zero), fp);
	fclose(fp);
	f->o.events = *loop;
	return 0;
}

static uint64_t board_mmio_read(struct board_fixture *f, uint64_t addr)
{
	const struct axvm_device_desc *d =
	    axvm_bus_find(axvm_bus(axvm_board_vm(f->b), AXVM_BUS_MMIO), addr);
	uint64_t v = 0xdeadbeef;

	if (d)
		d->ops->read(d->opaque, addr - d->base, 4, &v);
	return v;
}

/* devices[0] takes the top slot (Linux's first virtio-mmio device: vda), devices[1] the next. */
TEST(test_board_devices_fill_virtio_slots_from_the_top)
{
	struct board_fixture f;
	struct axvm_event_loop *loop = NULL;
	struct axvm_bus *bus;
	char disk[128];
	void *g;

	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	f.o.devices[0] = (struct axvm_board_device){"virtio-blk", disk, "-d"};
	f.o.devices[1] = (struct axvm_board_device){"virtio-rng", NULL, "--rng"};
	f.o.device_count = 2;
	REQUIRE_OK(board_create(&f));
	bus = axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO);
	CHECK_INT(13, axvm_bus_device_count(bus));
	CHECK_STR("virtio-blk", axvm_bus_find(bus, 0x10008000)->name);
	CHECK_U64(2, board_mmio_read(&f, 0x10008008)); /* DeviceID: block */
	CHECK_STR("virtio-rng", axvm_bus_find(bus, 0x10007000)->name);
	CHECK_U64(4, board_mmio_read(&f, 0x10007008)); /* DeviceID: entropy */
	CHECK_STR("virtio-mmio5", axvm_bus_find(bus, 0x10006000)->name);
	CHECK_U64(0, board_mmio_read(&f, 0x10006008)); /* no device */
	g = guest_fdt(&f);
	REQUIRE(g);
	CHECK_STR("virtio,mmio", fdt_str(g, "/soc/virtio_mmio@10008000", "compatible"));
	CHECK_STR("virtio,mmio", fdt_str(g, "/soc/virtio_mmio@10007000", "compatible"));
	{
		const fdt32_t *irq = fdt_getprop(g, fdt_path_offset(g, "/soc/virtio_mmio@10008000"),
						 "interrupts", NULL);

		REQUIRE(irq);
		CHECK_U64(8, fdt32_to_cpu(*irq));
	}
	free(g);
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);
}

/* A device's failure names where it was asked for, and nothing is left half-built. */
TEST(test_board_device_error_names_its_origin)
{
	struct board_fixture f;
	struct axvm_event_loop *loop = NULL;
	char disk[128];

	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	f.o.devices[0] = (struct axvm_board_device){"virtio-blk", "/nonexistent/disk.img", "-d"};
	f.o.device_count = 1;
	CHECK_INT(-AXVM_ENOENT, board_create(&f));
	CHECK_STR("-d /nonexistent/disk.img: No such file or directory", f.err);
	CHECK(f.b == NULL);
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);
}

/* Two boards cannot write one image; destroying the first releases it. */
TEST(test_board_second_board_cannot_open_the_same_disk_until_the_first_is_destroyed)
{
	struct board_fixture f, g;
	struct axvm_event_loop *loop = NULL;
	char disk[128], want[256];

	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	f.o.devices[0] = (struct axvm_board_device){"virtio-blk", disk, "-d"};
	f.o.device_count = 1;
	REQUIRE_OK(board_create(&f));
	REQUIRE(board_prepare(&g, spin, 1) == 0);
	g.o.events = loop;
	g.o.devices[0] = f.o.devices[0];
	g.o.device_count = 1;
	CHECK_INT(-AXVM_EBUSY, board_create(&g));
	snprintf(want, sizeof(want),
		 "-d %s: locked by another process (it is open); is another VM using it?", disk);
	CHECK_STR(want, g.err);
	axvm_board_destroy(f.b);
	f.b = NULL;
	CHECK_INT(0, board_create(&g));
	board_cleanup(&g);
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);
}

/* A config's kernel.disk_path is a virtio-blk disk, ahead of the options' devices (vda). */
TEST(test_board_config_disk_path_is_the_first_disk)
{
	struct board_fixture f;
	struct axvm_event_loop *loop = NULL;
	struct axvm_config cfg;
	struct axvm_bus *bus;
	char disk[128];

	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	axvm_config_init(&cfg);
	snprintf(cfg.disk_path, sizeof(cfg.disk_path), "%s", disk);
	f.o.base_config = &cfg;
	f.o.devices[0] = (struct axvm_board_device){"virtio-rng", NULL, "--rng"};
	f.o.device_count = 1;
	REQUIRE_OK(board_create(&f));
	bus = axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO);
	CHECK_STR("virtio-blk", axvm_bus_find(bus, 0x10008000)->name);
	CHECK_STR("virtio-rng", axvm_bus_find(bus, 0x10007000)->name);
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);
	/* A missing one is named by its field. */
	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	snprintf(cfg.disk_path, sizeof(cfg.disk_path), "/nonexistent/vm.img");
	f.o.base_config = &cfg;
	CHECK_INT(-AXVM_ENOENT, board_create(&f));
	CHECK_STR("kernel.disk_path: /nonexistent/vm.img: No such file or directory", f.err);
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);
}

/* emu_devices may describe the board's PLIC and UART; anything else is refused by name. */
TEST(test_board_config_emu_devices_other_than_its_own_are_rejected)
{
	struct board_fixture f;
	struct axvm_config cfg;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	axvm_config_init(&cfg);
	cfg.emu_devices[0] = (struct axvm_emu_device){
	    .name = "plic", .base_gpa = 0x0c000000, .length = 0x600000, .emu_type = 0x1};
	cfg.emu_devices[1] = (struct axvm_emu_device){
	    .name = "uart", .base_gpa = 0x10000000, .length = 0x100, .irq_id = 10, .emu_type = 0x2};
	cfg.emu_device_count = 2;
	f.o.base_config = &cfg;
	REQUIRE_OK(board_create(&f));
	axvm_board_destroy(f.b);
	f.b = NULL;
	cfg.emu_devices[2] = (struct axvm_emu_device){.name = "virtio-blk",
						      .base_gpa = 0x10001000,
						      .length = 0x1000,
						      .irq_id = 1,
						      .emu_type = 0xe1};
	cfg.emu_device_count = 3;
	CHECK_INT(-AXVM_ENOTSUP, board_create(&f));
	CHECK_STR("devices.emu_devices[2] (\"virtio-blk\", emu_type 0xe1 at 0x10001000): the virt "
		  "board builds no devices from emu_devices but its own PLIC (0x1 at 0xc000000), "
		  "UART (0x2 at 0x10000000) and virtio-net NICs (0xe2 in a virtio-mmio slot); "
		  "give a disk as kernel.disk_path or -d FILE",
		  f.err);
	board_cleanup(&f);
}

/*
 * A config's virtio-net entry (emu_type 0xe2) is a NIC in the slot its
 * base_gpa names, with the options string as --net takes them; the other
 * devices fill the free slots from the top down around it.
 */
TEST(test_board_config_nic_entry_is_a_nic_in_its_slot)
{
	struct board_fixture f;
	struct axvm_event_loop *loop = NULL;
	struct axvm_config cfg;
	uint64_t mac_lo;
	char disk[128];

	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	axvm_config_init(&cfg);
	cfg.emu_devices[0] = (struct axvm_emu_device){.name = "eth0",
						      .base_gpa = 0x10008000,
						      .length = 0x1000,
						      .irq_id = 8,
						      .emu_type = 0xe2,
						      .options = "user,mac=52:54:00:ab:cd:ef"};
	cfg.emu_device_count = 1;
	snprintf(cfg.disk_path, sizeof(cfg.disk_path), "%s", disk);
	f.o.base_config = &cfg;
	f.o.devices[0] = (struct axvm_board_device){"virtio-rng", NULL, "--rng"};
	f.o.device_count = 1;
	REQUIRE_OK(board_create(&f));
	CHECK_U64(1, board_mmio_read(&f, 0x10008008)); /* DeviceID: network, its own slot */
	mac_lo = board_mmio_read(&f, 0x10008104);      /* config: mac[4], mac[5] */
	CHECK_U64(0xefcd, mac_lo & 0xffff);
	CHECK_U64(2, board_mmio_read(&f, 0x10007008)); /* the disk: the top free slot */
	CHECK_U64(4, board_mmio_read(&f, 0x10006008)); /* --rng next */
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);

	/* Its options are checked as --net's, named by the entry. */
	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	snprintf(cfg.emu_devices[0].options, sizeof(cfg.emu_devices[0].options), "user,mtu=big");
	cfg.disk_path[0] = 0;
	f.o.base_config = &cfg;
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	CHECK(strstr(f.err, "devices.emu_devices[0]:") == f.err);
	CHECK(strstr(f.err, "mtu=big") != NULL);
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);

	/* Where it cannot be: the field is named. */
	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	cfg.emu_devices[0].options[0] = 0;
	cfg.emu_devices[0].base_gpa = 0x10008800;
	f.o.base_config = &cfg;
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	CHECK(strstr(f.err, "devices.emu_devices[0][1] (\"eth0\"): base_gpa 0x10008800 is not") ==
	      f.err);
	cfg.emu_devices[0].base_gpa = 0x10002000;
	cfg.emu_devices[0].irq_id = 8;
	CHECK_INT(-AXVM_EINVAL, axvm_board_virt_check_config(&cfg));
	CHECK_STR("devices.emu_devices[0][3] (\"eth0\"): irq_id 8, the slot at 0x10002000 has "
		  "IRQ 2",
		  axvm_error_message());
	cfg.emu_devices[0].irq_id = 2;
	cfg.emu_devices[0].length = 0x200;
	CHECK_INT(-AXVM_EINVAL, axvm_board_virt_check_config(&cfg));
	CHECK(strstr(axvm_error_message(), "devices.emu_devices[0][2]") != NULL);
	cfg.emu_devices[0].length = 0x1000;
	cfg.emu_devices[1] = cfg.emu_devices[0];
	cfg.emu_device_count = 2;
	CHECK_INT(-AXVM_EINVAL, axvm_board_virt_check_config(&cfg));
	CHECK(strstr(axvm_error_message(), "devices.emu_devices[1][1]") != NULL);
	cfg.emu_device_count = 1;
	CHECK_INT(0, axvm_board_virt_check_config(&cfg));
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);
}

TEST(test_board_device_without_event_loop_is_an_error)
{
	struct board_fixture f;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.devices[0] = (struct axvm_board_device){"virtio-rng", NULL, "--rng"};
	f.o.device_count = 1;
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	CHECK_STR("--rng: virtio-rng needs an event loop (board options: events)", f.err);
	board_cleanup(&f);
}

TEST(test_board_unknown_device_class_is_an_error)
{
	struct board_fixture f;
	struct axvm_event_loop *loop = NULL;
	char disk[128];

	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	f.o.devices[0] = (struct axvm_board_device){"virtio-gpu", "x", "--device"};
	f.o.device_count = 1;
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	CHECK_STR("--device: unknown device \"virtio-gpu\" (want virtio-blk, virtio-console, "
		  "virtio-rng, virtio-9p or virtio-net)",
		  f.err);
	f.o.device_count = 9;
	CHECK_INT(-AXVM_ERANGE, board_create(&f));
	CHECK_STR("devices: 9 requested, the virt board has 8 virtio-mmio slots", f.err);
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);
}

/* ---- the board's own devices are instances of device classes ---- */

/*
 * Every node of the tree as "path" lines, one per node, in a buffer
 * (sorted order is the tree's): what a test compares with the set it
 * configured.
 */
static void fdt_node_list(const void *fdt, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		char path[256];

		if (fdt_get_path(fdt, node, path, sizeof(path)) == 0 &&
		    strncmp(path, "/cpus", 5) != 0 && strcmp(path, "/") != 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s\n", path);
	}
}

/* In the blob's order: libfdt puts each new node before its siblings. */
#define BOARD_SLOT_NODES                                                                           \
	"/soc/virtio_mmio@10008000\n/soc/virtio_mmio@10007000\n/soc/virtio_mmio@10006000\n"        \
	"/soc/virtio_mmio@10005000\n/soc/virtio_mmio@10004000\n/soc/virtio_mmio@10003000\n"        \
	"/soc/virtio_mmio@10002000\n/soc/virtio_mmio@10001000\n"

/* The default board's tree has exactly QEMU virt's devices (no PCIe node: see pci_ecam_empty.c). */
TEST(test_board_dt_lists_exactly_the_default_devices)
{
	struct board_fixture f;
	char nodes[2048];
	void *g;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	g = guest_fdt(&f);
	REQUIRE(g);
	fdt_node_list(g, nodes, sizeof(nodes));
	CHECK_STR("/reboot\n/poweroff\n/aliases\n/chosen\n/memory@80000000\n/soc\n" BOARD_SLOT_NODES
		  "/soc/rtc@101000\n/soc/test@100000\n/soc/serial@10000000\n/soc/plic@c000000\n",
		  nodes);
	free(g);
	board_cleanup(&f);
}

/*
 * "--device NAME,off" leaves the board's own devices out: off the bus, out
 * of the tree (their /aliases, /chosen/stdout-path, /poweroff and /reboot
 * too), no RTC alarm to poll; a virtio device still takes the top slot.
 */
TEST(test_board_dt_lists_exactly_the_configured_devices)
{
	struct board_fixture f;
	struct axvm_event_loop *loop = NULL;
	struct axvm_bus *bus;
	char disk[128], nodes[2048];
	void *g;

	REQUIRE(board_prepare_devices(&f, &loop, disk, sizeof(disk)) == 0);
	f.o.devices[0] = (struct axvm_board_device){"ns16550a", "off", "--device"};
	f.o.devices[1] = (struct axvm_board_device){"virtio-rng", NULL, "--rng"};
	f.o.devices[2] = (struct axvm_board_device){"goldfish-rtc", "off", "--device"};
	f.o.devices[3] = (struct axvm_board_device){"sifive-test", "off", "--device"};
	f.o.devices[4] = (struct axvm_board_device){"pci-ecam-empty", "off", "--device"};
	f.o.device_count = 5;
	REQUIRE_OK(board_create(&f));
	bus = axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO);
	CHECK_INT(9, axvm_bus_device_count(bus)); /* the PLIC and 8 slots */
	CHECK(axvm_bus_find(bus, 0x10000000) == NULL);
	CHECK(axvm_bus_find(bus, 0x100000) == NULL);
	CHECK(axvm_bus_find(bus, 0x101000) == NULL);
	CHECK(axvm_bus_find(bus, 0x30000000) == NULL);
	CHECK_STR("virtio-rng", axvm_bus_find(bus, 0x10008000)->name);
	CHECK_U64(UINT64_MAX, axvm_board_poll(f.b));
	g = guest_fdt(&f);
	REQUIRE(g);
	fdt_node_list(g, nodes, sizeof(nodes));
	CHECK_STR("/chosen\n/memory@80000000\n/soc\n" BOARD_SLOT_NODES "/soc/plic@c000000\n",
		  nodes);
	CHECK(fdt_str(g, "/chosen", "stdout-path") == NULL);
	/* The PLIC, created first, is still every node's interrupt parent. */
	{
		int node = fdt_path_offset(g, "/soc/virtio_mmio@10008000");
		const fdt32_t *parent = fdt_getprop(g, node, "interrupt-parent", NULL);

		REQUIRE(parent);
		CHECK_U64(fdt_get_phandle(g, fdt_path_offset(g, "/soc/plic@c000000")),
			  fdt32_to_cpu(*parent));
	}
	free(g);
	board_cleanup(&f);
	axvm_event_loop_destroy(loop);
}

/* Only "off", and never for the PLIC: the message names the request and the device. */
TEST(test_board_own_device_settings_refused_by_name)
{
	struct board_fixture f;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.devices[0] = (struct axvm_board_device){"plic", "off", "--device"};
	f.o.device_count = 1;
	CHECK_INT(-AXVM_ENOTSUP, board_create(&f));
	CHECK_STR("--device: plic: the virt board's plic at 0xc000000 cannot be left out or "
		  "changed (the other devices' interrupts go through it)",
		  f.err);
	f.o.devices[0] = (struct axvm_board_device){"ns16550a", "baud=9600", "--device"};
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	CHECK_STR("--device: ns16550a,baud=9600: the virt board's own ns16550a at 0x10000000 can "
		  "only be left out (\"ns16550a,off\")",
		  f.err);
	f.o.devices[0] = (struct axvm_board_device){"goldfish-rtc", NULL, NULL};
	CHECK_INT(-AXVM_EINVAL, board_create(&f));
	CHECK_STR("goldfish-rtc: goldfish-rtc: the virt board's own goldfish-rtc at 0x101000 can "
		  "only be left out (\"goldfish-rtc,off\")",
		  f.err);
	CHECK(f.b == NULL);
	board_cleanup(&f);
}

static void board_no_hart_irq(void *board, unsigned hart, bool supervisor, bool level)
{
}

/*
 * Each of the board's classes builds its model from a context alone and
 * frees it through destroy (the sanitizer build's leak check fails if one
 * does not), and refuses options it does not take, naming them.
 */
TEST(test_board_own_classes_create_and_destroy)
{
	static const struct axvm_devclass *const classes[] = {
	    &axvm_plic_class,	      &axvm_ns16550a_class,	  &axvm_test_finisher_class,
	    &axvm_goldfish_rtc_class, &axvm_pci_ecam_empty_class, &axvm_virtio_mmio_slot_class,
	};

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		const struct axvm_devclass *cls = classes[i];
		struct axvm_devclass_ctx ctx = {
		    .base = 0x10000000,
		    .size = cls->mmio_size,
		    .options = cls == &axvm_plic_class ? "ndev=31" : NULL,
		    .harts = 2,
		    .hart_irq = board_no_hart_irq,
		};
		void *state = (void *)1;
		uint64_t v;

		REQUIRE_OK(cls->create(&ctx, &state));
		CHECK(cls->ops && cls->mmio_size && cls->min_width <= cls->max_width);
		CHECK_INT(0, cls->ops->read(state, 0, cls->max_width, &v));
		cls->destroy(state);
		ctx.options = "bogus=1";
		CHECK(cls->create(&ctx, &state) < 0);
		CHECK(state == NULL);
		CHECK(strstr(axvm_error_message(), "bogus") != NULL);
	}
}

TEST(test_board_uart_writes_reach_console)
{
	struct board_fixture f;
	struct axvm_bus *bus;
	uint64_t lsr = 0;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	bus = axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO);
	REQUIRE_OK(axvm_bus_write(bus, 0x10000000, 1, 'O'));
	REQUIRE_OK(axvm_bus_write(bus, 0x10000000, 1, 'K'));
	REQUIRE_OK(axvm_bus_read(bus, 0x10000005, 1, &lsr));
	CHECK_U64(0x60, lsr);
	CHECK_STR("OK", f.out);
	board_cleanup(&f);
}

TEST(test_board_rtc_reads_board_clock)
{
	struct board_fixture f;
	struct axvm_bus *bus;
	uint64_t lo = 0, hi = 0;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	bus = axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO);
	REQUIRE_OK(axvm_bus_read(bus, 0x101000, 4, &lo));
	REQUIRE_OK(axvm_bus_read(bus, 0x101004, 4, &hi));
	CHECK_U64(1700000000123456789ull, hi << 32 | lo);
	board_cleanup(&f);
}

TEST(test_board_plic_has_two_contexts_per_hart)
{
	struct board_fixture f;
	struct axvm_bus *bus;
	uint64_t v = 0;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.cpus = 2;
	REQUIRE_OK(board_create(&f));
	bus = axvm_bus(axvm_board_vm(f.b), AXVM_BUS_MMIO);
	REQUIRE_OK(axvm_bus_write(bus, 0x0c203000, 4, 5)); /* context 3: hart 1 S-mode */
	REQUIRE_OK(axvm_bus_read(bus, 0x0c203000, 4, &v));
	CHECK_U64(5, v);
	REQUIRE_OK(axvm_bus_write(bus, 0x0c204000, 4, 5)); /* context 4 does not exist */
	REQUIRE_OK(axvm_bus_read(bus, 0x0c204000, 4, &v));
	CHECK_U64(0, v);
	board_cleanup(&f);
}

TEST(test_board_finisher_requests_poweroff_and_stops_vm)
{
	struct board_fixture f;
	struct axvm_board_poweroff po = {.status = -1};
	struct axvm *vm;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	vm = axvm_board_vm(f.b);
	REQUIRE_OK(axvm_boot(vm));
	CHECK(!axvm_board_poweroff_requested(f.b, &po));
	REQUIRE_OK(axvm_bus_write(axvm_bus(vm, AXVM_BUS_MMIO), 0x100000, 4, (7u << 16) | 0x3333));
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, po.type);
	CHECK_INT(7, po.status);
	CHECK(axvm_is_shutting_down(vm));
	/* A second command does not overwrite the first. */
	REQUIRE_OK(axvm_bus_write(axvm_bus(vm, AXVM_BUS_MMIO), 0x100000, 4, 0x5555));
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT(7, po.status);
	board_cleanup(&f);
}

/* A failure must not wrap to exit status 0: FAIL with code 256 reports 1. */
TEST(test_board_finisher_fail_with_code_256_is_status_one)
{
	struct board_fixture f;
	struct axvm_board_poweroff po = {.status = -1};
	struct axvm *vm;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	vm = axvm_board_vm(f.b);
	REQUIRE_OK(axvm_boot(vm));
	REQUIRE_OK(axvm_bus_write(axvm_bus(vm, AXVM_BUS_MMIO), 0x100000, 4, (256u << 16) | 0x3333));
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, po.type);
	CHECK_INT(1, po.status);
	board_cleanup(&f);
}

/* ---- real guests through axvm_run_vcpu ---- */

/*
 * Boot the VM and run vCPU 0 on this thread until the VM shuts down (the
 * finisher) or `max_exits` exits pass. Returns the last axvm_run_vcpu result.
 */
static int run_guest(struct board_fixture *f, unsigned max_exits)
{
	struct axvm *vm = axvm_board_vm(f->b);
	struct axvm_exit e;
	int ret = 0;

	if (axvm_boot(vm))
		return -1000;
	for (unsigned i = 0; i < max_exits; i++) {
		ret = axvm_run_vcpu(vm, 0, &e);
		if (ret < 0)
			return ret;
		if (e.reason == AXVM_EXIT_HALT)
			axvm_vcpu_wait_for_interrupt(axvm_vcpu(vm, 0), 10000000);
		else if (e.reason != AXVM_EXIT_NOTHING)
			return -2000 - (int)e.reason;
	}
	return ret;
}

TEST(test_board_guest_prints_and_passes)
{
	struct board_fixture f;
	struct axvm_board_poweroff po = {.status = -1};
	const uint32_t prog[] = {
	    lui(T0, 0x10000), /* t0 = UART */
	    addi(T1, ZERO, 'h'), sb(T1, T0, 0),	      addi(T1, ZERO, 'i'), sb(T1, T0, 0),
	    lui(T0, 0x100), /* t0 = test finisher */
	    lui(T1, 0x5),	 addi(T1, T1, 0x555), sw(T1, T0, 0),	   J_SELF,
	};

	REQUIRE(board_prepare(&f, prog, sizeof(prog) / 4) == 0);
	REQUIRE_OK(board_create(&f));
	CHECK_INT(-AXVM_ESHUTDOWN, run_guest(&f, 1000));
	CHECK_STR("hi", f.out);
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT(0, po.status);
	CHECK_INT(AXVM_SYSTEM_DOWN_POWEROFF, po.type);
	board_cleanup(&f);
}

TEST(test_board_guest_reads_dtb_magic_through_a1)
{
	struct board_fixture f;
	struct axvm_board_poweroff po = {.status = -1};
	/* Fail with code = the DTB's first byte (0xd0 of the big-endian magic). */
	const uint32_t prog[] = {
	    itype(0x03, 4, T1, 11, 0), /* lbu t1, 0(a1) */
	    slli(T1, T1, 16),
	    lui(T2, 0x3),
	    addi(T2, T2, 0x333),
	    or_(T1, T1, T2),
	    lui(T0, 0x100),
	    sw(T1, T0, 0),
	    J_SELF,
	};

	REQUIRE(board_prepare(&f, prog, sizeof(prog) / 4) == 0);
	REQUIRE_OK(board_create(&f));
	CHECK_INT(-AXVM_ESHUTDOWN, run_guest(&f, 1000));
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT(0xd0, po.status);
	board_cleanup(&f);
}

TEST(test_board_guest_uart_interrupt_through_plic)
{
	struct board_fixture f;
	struct axvm_board_poweroff po = {.status = -1};
	/*
	 * Route UART IRQ 10 to hart 0's S context, enable SEIE and SIE, enable
	 * the UART's THR-empty interrupt and wait; the trap handler claims the
	 * source and reports its id through the finisher's fail code.
	 */
	uint32_t prog[64];
	unsigned n = 0;

	prog[n++] = auipc(T0, 0);
	prog[n++] = addi(T0, T0, 0x80);
	prog[n++] = csrrw(0x105, T0); /* stvec = handler */
	prog[n++] = lui(T0, 0xc000);  /* PLIC */
	prog[n++] = addi(T1, ZERO, 1);
	prog[n++] = sw(T1, T0, 40); /* priority[10] = 1 */
	prog[n++] = lui(T2, 0x2);
	prog[n++] = addi(T2, T2, 0x80);
	prog[n++] = add(T2, T2, T0); /* enable, context 1 */
	prog[n++] = addi(T1, ZERO, 0x400);
	prog[n++] = sw(T1, T2, 0);
	prog[n++] = addi(T1, ZERO, 0x200);
	prog[n++] = csrrs(0x104, T1); /* sie.SEIE */
	prog[n++] = addi(T1, ZERO, 2);
	prog[n++] = csrrs(0x100, T1); /* sstatus.SIE */
	prog[n++] = lui(T0, 0x10000);
	prog[n++] = addi(T1, ZERO, 2);
	prog[n++] = sb(T1, T0, 1); /* IER = ETBEI */
	prog[n++] = WFI;
	prog[n++] = 0xffdff06f; /* jal x0, -4 */
	while (n < 0x80 / 4)
		prog[n++] = J_SELF;
	prog[n++] = lui(T0, 0xc201); /* context 1 */
	prog[n++] = lw(T1, T0, 4);   /* claim */
	prog[n++] = slli(T1, T1, 16);
	prog[n++] = lui(T2, 0x3);
	prog[n++] = addi(T2, T2, 0x333);
	prog[n++] = or_(T1, T1, T2);
	prog[n++] = lui(T0, 0x100);
	prog[n++] = sw(T1, T0, 0);
	prog[n++] = J_SELF;

	REQUIRE(board_prepare(&f, prog, n) == 0);
	REQUIRE_OK(board_create(&f));
	CHECK_INT(-AXVM_ESHUTDOWN, run_guest(&f, 1000));
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT(10, po.status);
	board_cleanup(&f);
}

static bool seip_pending(struct axvm *vm, unsigned hart)
{
	struct rv_hart *h = axvm_vcpu_backend(axvm_vcpu(vm, hart));

	return (__atomic_load_n(&h->pending, __ATOMIC_SEQ_CST) >> 9) & 1;
}

TEST(test_board_plic_s_context_drives_only_its_hart_seip)
{
	struct board_fixture f;
	struct axvm *vm;
	struct axvm_bus *bus;
	uint64_t id = 0;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.cpus = 2;
	REQUIRE_OK(board_create(&f));
	vm = axvm_board_vm(f.b);
	bus = axvm_bus(vm, AXVM_BUS_MMIO);
	REQUIRE_OK(axvm_bus_write(bus, 0x0c000000 + 4 * 10, 4, 1));	     /* priority[10] */
	REQUIRE_OK(axvm_bus_write(bus, 0x0c002000 + 0x80 * 3, 4, 1u << 10)); /* ctx 3 = hart 1 S */
	REQUIRE_OK(axvm_bus_write(bus, 0x10000001, 1, 0x02)); /* UART IER: THR empty */
	CHECK(!seip_pending(vm, 0));
	CHECK(seip_pending(vm, 1));
	REQUIRE_OK(axvm_bus_read(bus, 0x0c203004, 4, &id)); /* claim, context 3 */
	CHECK_U64(10, id);
	CHECK(!seip_pending(vm, 1));
	board_cleanup(&f);
}

TEST(test_board_plic_m_context_drives_nothing)
{
	struct board_fixture f;
	struct axvm *vm;
	struct axvm_bus *bus;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	REQUIRE_OK(board_create(&f));
	vm = axvm_board_vm(f.b);
	bus = axvm_bus(vm, AXVM_BUS_MMIO);
	REQUIRE_OK(axvm_bus_write(bus, 0x0c000000 + 4 * 10, 4, 1));
	REQUIRE_OK(axvm_bus_write(bus, 0x0c002000, 4, 1u << 10)); /* ctx 0 = hart 0 M */
	REQUIRE_OK(axvm_bus_write(bus, 0x10000001, 1, 0x02));
	CHECK(!seip_pending(vm, 0));
	board_cleanup(&f);
}

struct board_clock {
	uint64_t ns;
};

static uint64_t board_clock_read(void *opaque)
{
	return ((struct board_clock *)opaque)->ns;
}

TEST(test_board_poll_fires_rtc_alarm_through_plic)
{
	struct board_fixture f;
	struct board_clock clk = {5000};
	struct axvm *vm;
	struct axvm_bus *bus;
	uint64_t next;

	REQUIRE(board_prepare(&f, spin, 1) == 0);
	f.o.realtime_ns = board_clock_read;
	f.o.realtime_opaque = &clk;
	REQUIRE_OK(board_create(&f));
	vm = axvm_board_vm(f.b);
	bus = axvm_bus(vm, AXVM_BUS_MMIO);
	CHECK_U64(UINT64_MAX, axvm_board_poll(f.b));
	REQUIRE_OK(axvm_bus_write(bus, 0x0c000000 + 4 * 11, 4, 1)); /* priority[11] */
	REQUIRE_OK(axvm_bus_write(bus, 0x0c002080, 4, 1u << 11));   /* ctx 1 = hart 0 S */
	REQUIRE_OK(axvm_bus_write(bus, 0x101010, 4, 1));	    /* RTC IRQ_ENABLED */
	REQUIRE_OK(axvm_bus_write(bus, 0x10100c, 4, 0));	    /* ALARM_HIGH */
	REQUIRE_OK(axvm_bus_write(bus, 0x101008, 4, 8000));	    /* ALARM_LOW: arm */
	next = axvm_board_poll(f.b);
	CHECK(next != UINT64_MAX);
	CHECK(!seip_pending(vm, 0));
	clk.ns = 8000;
	CHECK_U64(UINT64_MAX, axvm_board_poll(f.b));
	CHECK(seip_pending(vm, 0));
	board_cleanup(&f);
}

/*
 * A guest that reads custom CSR 0x5c0 and reports the value, or 0x40 +
 * scause when the read traps, through the test finisher's fail code (whose
 * low byte is the status).
 */
static unsigned board_csr_probe(uint32_t *prog)
{
	unsigned n = 0;

	prog[n++] = auipc(T0, 0);
	prog[n++] = addi(T0, T0, 0x40);
	prog[n++] = csrrw(0x105, T0);		     /* stvec = the handler below */
	prog[n++] = itype(0x73, 2, T1, ZERO, 0x5c0); /* csrr t1, 0x5c0 */
	while (n < 0x40 / 4 - 6)
		prog[n++] = addi(ZERO, ZERO, 0);
	prog[n++] = J_SELF + (16u << 21); /* jal x0, +32: to the report */
	for (unsigned i = 0; i < 5; i++)
		prog[n++] = J_SELF;
	/* handler, at +0x40 */
	prog[n++] = itype(0x73, 2, T1, ZERO, 0x142); /* csrr t1, scause */
	prog[n++] = addi(T1, T1, 0x40);
	/* report t1 */
	prog[n++] = slli(T1, T1, 16);
	prog[n++] = lui(T2, 0x3);
	prog[n++] = addi(T2, T2, 0x333);
	prog[n++] = or_(T1, T1, T2);
	prog[n++] = lui(T0, 0x100);
	prog[n++] = sw(T1, T0, 0);
	prog[n++] = J_SELF;
	return n;
}

static int board_csr_read(void *opaque, uint64_t off, unsigned width, uint64_t *value)
{
	*value = 0x55;
	return 0;
}

/* With the board, the VM tells the hart (through the setup info) which CSRs are claimed. */
TEST(test_board_unclaimed_custom_csr_is_an_illegal_instruction)
{
	struct board_fixture f;
	struct axvm_board_poweroff po = {.status = -1};
	uint32_t prog[64];
	unsigned n = board_csr_probe(prog);

	REQUIRE(board_prepare(&f, prog, n) == 0);
	REQUIRE_OK(board_create(&f));
	CHECK_INT(-AXVM_ESHUTDOWN, run_guest(&f, 1000));
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT(0x40 + 2, po.status); /* illegal instruction */
	board_cleanup(&f);
}

TEST(test_board_custom_csr_claimed_by_a_sysreg_device_is_read)
{
	static const struct axvm_device_ops ops = {.read = board_csr_read};
	/* The VM reads sysregs 8 bytes wide: the device spans 8 numbers. */
	struct axvm_device_desc desc = {.name = "csr", .base = 0x5c0, .size = 8, .ops = &ops};
	struct board_fixture f;
	struct axvm_board_poweroff po = {.status = -1};
	uint32_t prog[64];
	unsigned n = board_csr_probe(prog);

	REQUIRE(board_prepare(&f, prog, n) == 0);
	REQUIRE_OK(board_create(&f));
	REQUIRE_OK(axvm_register_device(axvm_board_vm(f.b), AXVM_BUS_SYSREG, &desc));
	CHECK_INT(-AXVM_ESHUTDOWN, run_guest(&f, 1000));
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT(0x55, po.status);
	board_cleanup(&f);
}

struct board_typist {
	struct axvm_console *con;
	struct axvm *vm;
	uint8_t byte;
	bool saw_halt; /* the guest reached wfi before the byte was typed */
};

static uint64_t board_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Type the byte once the guest has halted in wfi (a Halt exit counted by the
 * VM, observable from any thread), so the input has to wake it. If it never
 * gets there, type anyway so the run ends, and the test fails on saw_halt.
 */
static void *board_type_later(void *opaque)
{
	struct board_typist *t = opaque;
	uint64_t deadline = board_now_ms() + 10000;
	struct timespec poll = {0, 1000000};

	while (!(t->saw_halt = axvm_exit_count(t->vm, AXVM_EXIT_HALT) > 0) &&
	       board_now_ms() < deadline)
		nanosleep(&poll, NULL);
	axvm_console_push(t->con, &t->byte, 1);
	return NULL;
}

TEST(test_board_guest_woken_by_uart_input_from_another_thread)
{
	struct board_fixture f;
	struct axvm_board_poweroff po = {.status = -1};
	struct board_typist typist;
	pthread_t th;
	uint32_t prog[64];
	unsigned n = 0;
	int ret;

	prog[n++] = auipc(T0, 0);
	prog[n++] = addi(T0, T0, 0x80);
	prog[n++] = csrrw(0x105, T0); /* stvec = handler */
	prog[n++] = lui(T0, 0xc000);
	prog[n++] = addi(T1, ZERO, 1);
	prog[n++] = sw(T1, T0, 40); /* priority[10] = 1 */
	prog[n++] = lui(T2, 0x2);
	prog[n++] = addi(T2, T2, 0x80);
	prog[n++] = add(T2, T2, T0);
	prog[n++] = addi(T1, ZERO, 0x400);
	prog[n++] = sw(T1, T2, 0); /* enable source 10, context 1 */
	prog[n++] = addi(T1, ZERO, 0x200);
	prog[n++] = csrrs(0x104, T1);
	prog[n++] = addi(T1, ZERO, 2);
	prog[n++] = csrrs(0x100, T1);
	prog[n++] = lui(T0, 0x10000);
	prog[n++] = addi(T1, ZERO, 1);
	prog[n++] = sb(T1, T0, 1); /* IER = received data */
	prog[n++] = WFI;
	prog[n++] = 0xffdff06f; /* jal x0, -4 */
	while (n < 0x80 / 4)
		prog[n++] = J_SELF;
	prog[n++] = lui(T0, 0xc201);
	prog[n++] = lw(T1, T0, 4); /* claim */
	prog[n++] = lui(T0, 0x10000);
	prog[n++] = itype(0x03, 4, T1, T0, 0); /* lbu t1, RBR */
	prog[n++] = slli(T1, T1, 16);
	prog[n++] = lui(T2, 0x3);
	prog[n++] = addi(T2, T2, 0x333);
	prog[n++] = or_(T1, T1, T2);
	prog[n++] = lui(T0, 0x100);
	prog[n++] = sw(T1, T0, 0);
	prog[n++] = J_SELF;

	REQUIRE(board_prepare(&f, prog, n) == 0);
	REQUIRE_OK(board_create(&f));
	typist.con = f.con;
	typist.vm = axvm_board_vm(f.b);
	typist.byte = 'Q';
	typist.saw_halt = false;
	REQUIRE(pthread_create(&th, NULL, board_type_later, &typist) == 0);
	ret = run_guest(&f, 100000);
	pthread_join(th, NULL);
	CHECK(typist.saw_halt);
	CHECK_INT(-AXVM_ESHUTDOWN, ret);
	CHECK(axvm_board_poweroff_requested(f.b, &po));
	CHECK_INT('Q', po.status);
	board_cleanup(&f);
}
