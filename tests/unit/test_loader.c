/* SPDX-License-Identifier: MIT */
/* Image loading: each format, and each malformed input with its message. */
#include "test.h"

#include <axvm/addrspace.h>
#include <elf.h>
#include <libfdt.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/loader.h"
#include "core/error.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16ull << 20)

struct loader_fixture {
	struct axvm_addrspace *as;
	struct axvm_load_target t;
	struct axvm_loaded_image img;
};

static int loader_setup(struct loader_fixture *f)
{
	int r;

	memset(f, 0, sizeof(*f));
	r = axvm_addrspace_create(axvm_hal_linux(), &f->as);
	if (r)
		return r;
	r = axvm_addrspace_map_linear(f->as, RAM_BASE, RAM_SIZE,
				      AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC);
	f->t.as = f->as;
	f->t.ram_base = RAM_BASE;
	f->t.ram_size = RAM_SIZE;
	return r;
}

static void loader_teardown(struct loader_fixture *f)
{
	axvm_addrspace_destroy(f->as);
}

static uint64_t ram_u64(struct loader_fixture *f, uint64_t gpa)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	axvm_addrspace_read(f->as, gpa, &v, sizeof(v));
	return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A riscv Image of `len` bytes (>= 64) with the given header fields. */
static uint8_t *make_image(size_t len, uint64_t text_offset, uint64_t image_size)
{
	uint8_t *d = calloc(1, len);

	if (!d)
		return NULL;
	for (size_t i = 64; i < len; i++)
		d[i] = (uint8_t)i;
	d[0] = 0x6f; /* j (a code word) */
	put_le64(d + 0x08, text_offset);
	put_le64(d + 0x10, image_size);
	memcpy(d + 0x30, "RISCV\0\0\0", 8);
	memcpy(d + 0x38, "RSC\x05", 4);
	return d;
}

static int load(struct loader_fixture *f, const void *d, size_t len,
		enum axvm_board_kernel_format fmt)
{
	return axvm_loader_load_kernel(&f->t, "Image", d, len, fmt, RAM_BASE + 0x200000, &f->img);
}

TEST(test_loader_image_loads_at_text_offset)
{
	struct loader_fixture f;
	uint8_t *d = make_image(4096, 0x200000, 0x3000);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load(&f, d, 4096, AXVM_BOARD_KERNEL_AUTO));
	CHECK_INT(AXVM_BOARD_KERNEL_IMAGE, f.img.format);
	CHECK_U64(0x80200000, f.img.start);
	CHECK_U64(0x80200000, f.img.entry);
	CHECK_U64(0x80203000, f.img.end);
	CHECK_U64(0x200000, ram_u64(&f, 0x80200008));
	CHECK_U64(0x4746454443424140ull, ram_u64(&f, 0x80200040));
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_other_text_offset)
{
	struct loader_fixture f;
	uint8_t *d = make_image(256, 0x400000, 0);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load(&f, d, 256, AXVM_BOARD_KERNEL_AUTO));
	CHECK_U64(0x80400000, f.img.entry);
	CHECK_U64(0x80400100, f.img.end); /* image_size 0: the file's size */
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_zero_text_offset_means_2mib)
{
	struct loader_fixture f;
	uint8_t *d = make_image(128, 0, 0x1000);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load(&f, d, 128, AXVM_BOARD_KERNEL_AUTO));
	CHECK_U64(0x80200000, f.img.entry);
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_detected_by_deprecated_magic_alone)
{
	struct loader_fixture f;
	uint8_t *d = make_image(128, 0x200000, 0);

	REQUIRE(d);
	memset(d + 0x38, 0, 4);
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load(&f, d, 128, AXVM_BOARD_KERNEL_AUTO));
	CHECK_INT(AXVM_BOARD_KERNEL_IMAGE, f.img.format);
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_too_short_message)
{
	struct loader_fixture f;
	uint8_t d[12] = {0};

	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_EINVAL, load(&f, d, sizeof(d), AXVM_BOARD_KERNEL_IMAGE));
	CHECK_STR("Image: file is 12 bytes, too short for a riscv Image header",
		  axvm_error_message());
	loader_teardown(&f);
}

TEST(test_loader_image_without_magic_message)
{
	struct loader_fixture f;
	uint8_t d[64] = {0};

	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_EINVAL, load(&f, d, sizeof(d), AXVM_BOARD_KERNEL_IMAGE));
	CHECK_STR("Image: no riscv Image magic (\"RSC\\x05\" at 0x38 or \"RISCV\" at 0x30)",
		  axvm_error_message());
	loader_teardown(&f);
}

TEST(test_loader_image_larger_than_ram_rejected)
{
	struct loader_fixture f;
	uint8_t *d = make_image(64, 0x200000, 0x2000000);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ERANGE, load(&f, d, 64, AXVM_BOARD_KERNEL_AUTO));
	CHECK_STR("Image: image_size 0x2000000 is larger than guest RAM (0x1000000 bytes)",
		  axvm_error_message());
	CHECK_U64(0, ram_u64(&f, 0x80200000));
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_past_end_of_ram_rejected)
{
	struct loader_fixture f;
	uint8_t *d = make_image(64, 0x200000, 0xf00000);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ERANGE, load(&f, d, 64, AXVM_BOARD_KERNEL_AUTO));
	CHECK_STR(
	    "Image: text_offset 0x200000 + image_size 0xf00000 runs past the end of guest RAM "
	    "(0x1000000 bytes)",
	    axvm_error_message());
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_huge_text_offset_rejected)
{
	struct loader_fixture f;
	uint8_t *d = make_image(64, 0xfffffffffffff000ull, 0x1000);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ERANGE, load(&f, d, 64, AXVM_BOARD_KERNEL_AUTO));
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_size_smaller_than_file_rejected)
{
	struct loader_fixture f;
	uint8_t *d = make_image(8192, 0x200000, 4096);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_EINVAL, load(&f, d, 8192, AXVM_BOARD_KERNEL_AUTO));
	CHECK_STR("Image: image_size 0x1000 is smaller than the file (8192 bytes)",
		  axvm_error_message());
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_unaligned_text_offset_rejected)
{
	struct loader_fixture f;
	uint8_t *d = make_image(64, 0x200010, 0x1000);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_EALIGN, load(&f, d, 64, AXVM_BOARD_KERNEL_AUTO));
	CHECK_STR("Image: text_offset 0x200010 is not 4 KiB-aligned", axvm_error_message());
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_image_big_endian_rejected)
{
	struct loader_fixture f;
	uint8_t *d = make_image(64, 0x200000, 0x1000);

	REQUIRE(d);
	d[0x18] = 1;
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ENOTSUP, load(&f, d, 64, AXVM_BOARD_KERNEL_AUTO));
	CHECK_STR("Image: flags say big-endian; only little-endian kernels run",
		  axvm_error_message());
	loader_teardown(&f);
	free(d);
}

/* ELF test files: header, up to 4 program headers, then the segment bytes. */
struct elf_file {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[4];
	uint8_t data[64];
};

static void make_elf(struct elf_file *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = 243;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = 0x80001004;
	e->eh.e_phoff = offsetof(struct elf_file, ph);
	e->eh.e_ehsize = sizeof(Elf64_Ehdr);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 2;
	/* text: 16 bytes at 0x80001000; data: 8 bytes + 24 bss at 0x80400000 */
	e->ph[0].p_type = PT_LOAD;
	e->ph[0].p_offset = offsetof(struct elf_file, data);
	e->ph[0].p_paddr = 0x80001000;
	e->ph[0].p_vaddr = 0xffffffff80001000ull;
	e->ph[0].p_filesz = 16;
	e->ph[0].p_memsz = 16;
	e->ph[1].p_type = PT_LOAD;
	e->ph[1].p_offset = offsetof(struct elf_file, data) + 16;
	e->ph[1].p_paddr = 0x80400000;
	e->ph[1].p_filesz = 8;
	e->ph[1].p_memsz = 32;
	for (unsigned i = 0; i < sizeof(e->data); i++)
		e->data[i] = (uint8_t)(0xa0 + i);
}

static int load_elf(struct loader_fixture *f, const struct elf_file *e)
{
	return axvm_loader_load_kernel(&f->t, "k.elf", e, sizeof(*e), AXVM_BOARD_KERNEL_AUTO,
				       RAM_BASE, &f->img);
}

static void fill_ram(struct loader_fixture *f, uint64_t gpa, uint8_t byte, size_t len)
{
	uint8_t buf[64];

	memset(buf, byte, sizeof(buf));
	axvm_addrspace_write(f->as, gpa, buf, len < sizeof(buf) ? len : sizeof(buf));
}

TEST(test_loader_elf_loads_segments_at_paddr)
{
	struct loader_fixture f;
	struct elf_file e;

	make_elf(&e);
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load_elf(&f, &e));
	CHECK_INT(AXVM_BOARD_KERNEL_ELF, f.img.format);
	CHECK_U64(0x80001004, f.img.entry);
	CHECK_U64(0x80001000, f.img.start);
	CHECK_U64(0x80400020, f.img.end);
	CHECK_U64(0xa7a6a5a4a3a2a1a0ull, ram_u64(&f, 0x80001000));
	CHECK_U64(0xb7b6b5b4b3b2b1b0ull, ram_u64(&f, 0x80400000));
	loader_teardown(&f);
}

TEST(test_loader_elf_zeroes_bss)
{
	struct loader_fixture f;
	struct elf_file e;

	make_elf(&e);
	REQUIRE_OK(loader_setup(&f));
	fill_ram(&f, 0x80400000, 0xff, 64);
	REQUIRE_OK(load_elf(&f, &e));
	CHECK_U64(0, ram_u64(&f, 0x80400008));
	CHECK_U64(0, ram_u64(&f, 0x80400018));
	CHECK_U64(0xffffffffffffffffull, ram_u64(&f, 0x80400020));
	loader_teardown(&f);
}

TEST(test_loader_elf_skips_non_load_segments)
{
	struct loader_fixture f;
	struct elf_file e;

	make_elf(&e);
	e.ph[1].p_type = PT_NOTE;
	e.ph[1].p_paddr = 0x1000; /* outside RAM, but not loaded */
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load_elf(&f, &e));
	CHECK_U64(0x80001010, f.img.end);
	loader_teardown(&f);
}

#define ELF_REJECTS(test, ret, msg, mutate)                                                        \
	TEST(test)                                                                                 \
	{                                                                                          \
		struct loader_fixture f;                                                           \
		struct elf_file e;                                                                 \
                                                                                                   \
		make_elf(&e);                                                                      \
		mutate;                                                                            \
		REQUIRE_OK(loader_setup(&f));                                                      \
		CHECK_INT(ret, load_elf(&f, &e));                                                  \
		CHECK_STR(msg, axvm_error_message());                                              \
		loader_teardown(&f);                                                               \
	}

ELF_REJECTS(test_loader_elf_rejects_elf32, -AXVM_ENOTSUP, "k.elf: ELF class 1 is not ELF64",
	    e.eh.e_ident[EI_CLASS] = ELFCLASS32)
ELF_REJECTS(test_loader_elf_rejects_big_endian, -AXVM_ENOTSUP,
	    "k.elf: ELF file is not little-endian", e.eh.e_ident[EI_DATA] = ELFDATA2MSB)
ELF_REJECTS(test_loader_elf_rejects_other_machine, -AXVM_ENOTSUP,
	    "k.elf: e_machine 62 is not RISC-V (243)", e.eh.e_machine = EM_X86_64)
ELF_REJECTS(test_loader_elf_rejects_relocatable, -AXVM_ENOTSUP,
	    "k.elf: e_type 1 is not an executable", e.eh.e_type = ET_REL)
ELF_REJECTS(test_loader_elf_rejects_no_program_headers, -AXVM_EINVAL,
	    "k.elf: ELF file has no program headers", e.eh.e_phnum = 0)
ELF_REJECTS(test_loader_elf_rejects_bad_phentsize, -AXVM_EINVAL, "k.elf: e_phentsize 32 is not 56",
	    e.eh.e_phentsize = 32)
ELF_REJECTS(test_loader_elf_rejects_too_many_phdrs, -AXVM_ELIMIT,
	    "k.elf: 1000 program headers exceed the limit of 256", e.eh.e_phnum = 1000)
ELF_REJECTS(test_loader_elf_rejects_phdrs_past_eof, -AXVM_EINVAL,
	    "k.elf: program headers at offset 0x180 run past the end of the file (352 bytes)",
	    e.eh.e_phoff = 0x180)
ELF_REJECTS(test_loader_elf_rejects_huge_phoff, -AXVM_EINVAL,
	    "k.elf: program headers at offset 0xfffffffffffffff0 run past the end of the file (352 "
	    "bytes)",
	    e.eh.e_phoff = 0xfffffffffffffff0ull)
ELF_REJECTS(test_loader_elf_rejects_filesz_over_memsz, -AXVM_EINVAL,
	    "k.elf: program header 1: p_filesz 0x8 exceeds p_memsz 0x4", e.ph[1].p_memsz = 4)
ELF_REJECTS(
    test_loader_elf_rejects_segment_past_eof, -AXVM_EINVAL,
    "k.elf: program header 0: file bytes [0x120, +0x1000) run past the end of the file (352 "
    "bytes)",
    (e.ph[0].p_filesz = 0x1000, e.ph[0].p_memsz = 0x1000))
ELF_REJECTS(test_loader_elf_rejects_segment_below_ram, -AXVM_ERANGE,
	    "k.elf: program header 0: [0x7ffffff8, +0x10) is outside guest RAM [0x80000000, "
	    "0x81000000)",
	    e.ph[0].p_paddr = 0x7ffffff8)
ELF_REJECTS(test_loader_elf_rejects_segment_past_ram_end, -AXVM_ERANGE,
	    "k.elf: program header 1: [0x80fffff0, +0x20) is outside guest RAM [0x80000000, "
	    "0x81000000)",
	    e.ph[1].p_paddr = 0x80fffff0)
ELF_REJECTS(test_loader_elf_rejects_wrapping_segment, -AXVM_ERANGE,
	    "k.elf: program header 1: [0x80400000, +0xffffffffffffff00) is outside guest RAM "
	    "[0x80000000, 0x81000000)",
	    e.ph[1].p_memsz = 0xffffffffffffff00ull)
ELF_REJECTS(test_loader_elf_rejects_no_load_segment, -AXVM_EINVAL,
	    "k.elf: ELF file has no loadable segment",
	    (e.ph[0].p_type = PT_NOTE, e.ph[1].p_type = PT_DYNAMIC))
ELF_REJECTS(test_loader_elf_rejects_entry_outside_ram, -AXVM_ERANGE,
	    "k.elf: e_entry 0xffffffff90000000 is outside guest RAM [0x80000000, 0x81000000)",
	    e.eh.e_entry = 0xffffffff90000000ull)

TEST(test_loader_elf_virtual_entry_taken_through_its_segment)
{
	struct loader_fixture f;
	struct elf_file e;

	make_elf(&e); /* segment 0: vaddr 0xffffffff80001000 -> paddr 0x80001000 */
	e.eh.e_entry = 0xffffffff80001008ull;
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load_elf(&f, &e));
	CHECK_U64(0x80001008, f.img.entry);
	loader_teardown(&f);
}

/* A Linux vmlinux: p_paddr are offsets into RAM (0, 0x800000, ...), as QEMU maps them. */
TEST(test_loader_elf_ram_offset_paddrs_load_at_ram_base)
{
	struct loader_fixture f;
	struct elf_file e;

	make_elf(&e);
	e.ph[0].p_paddr = 0x1000;
	e.ph[1].p_paddr = 0x400000;
	e.eh.e_entry = 0xffffffff80001004ull;
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load_elf(&f, &e));
	CHECK_U64(0x80001004, f.img.entry);
	CHECK_U64(0x80001000, f.img.start);
	CHECK_U64(0x80400020, f.img.end);
	CHECK_U64(0xa7a6a5a4a3a2a1a0ull, ram_u64(&f, 0x80001000));
	CHECK_U64(0xb7b6b5b4b3b2b1b0ull, ram_u64(&f, 0x80400000));
	loader_teardown(&f);
}

/* Only a file whose every segment is a RAM offset is moved; a mixed one is an error. */
TEST(test_loader_elf_mixed_offset_and_ram_paddrs_rejected)
{
	struct loader_fixture f;
	struct elf_file e;

	make_elf(&e);
	e.ph[0].p_paddr = 0x1000; /* segment 1 stays at 0x80400000 */
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ERANGE, load_elf(&f, &e));
	CHECK_STR("k.elf: program header 0: [0x1000, +0x10) is outside guest RAM [0x80000000, "
		  "0x81000000)",
		  axvm_error_message());
	loader_teardown(&f);
}

TEST(test_loader_elf_too_short_message)
{
	struct loader_fixture f;
	uint8_t d[20] = {0x7f, 'E', 'L', 'F'};

	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_EINVAL, axvm_loader_load_kernel(&f.t, "k.elf", d, sizeof(d),
							AXVM_BOARD_KERNEL_AUTO, RAM_BASE, &f.img));
	CHECK_STR("k.elf: file is 20 bytes, too short for an ELF64 header", axvm_error_message());
	loader_teardown(&f);
}

TEST(test_loader_bad_elf_leaves_ram_untouched)
{
	struct loader_fixture f;
	struct elf_file e;

	make_elf(&e);
	e.ph[1].p_paddr = 0x90000000;
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ERANGE, load_elf(&f, &e));
	CHECK_U64(0, ram_u64(&f, 0x80001000));
	loader_teardown(&f);
}

TEST(test_loader_flat_binary_at_load_address)
{
	struct loader_fixture f;
	const uint8_t code[] = {0x13, 0, 0, 0, 0x73, 0, 0x50, 0x10};

	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load(&f, code, sizeof(code), AXVM_BOARD_KERNEL_AUTO));
	CHECK_INT(AXVM_BOARD_KERNEL_FLAT, f.img.format);
	CHECK_U64(0x80200000, f.img.entry);
	CHECK_U64(0x80200008, f.img.end);
	CHECK_U64(0x1050007300000013ull, ram_u64(&f, 0x80200000));
	loader_teardown(&f);
}

TEST(test_loader_flat_empty_rejected)
{
	struct loader_fixture f;

	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_EINVAL, load(&f, "", 0, AXVM_BOARD_KERNEL_AUTO));
	CHECK_STR("Image: file is empty", axvm_error_message());
	loader_teardown(&f);
}

TEST(test_loader_flat_that_does_not_fit_rejected)
{
	struct loader_fixture f;
	uint8_t d[32] = {1};

	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ERANGE,
		  axvm_loader_load_kernel(&f.t, "bin", d, sizeof(d), AXVM_BOARD_KERNEL_FLAT,
					  0x80fffff0, &f.img));
	CHECK_STR("bin: 32 bytes at 0x80fffff0 do not fit in guest RAM [0x80000000, 0x81000000)",
		  axvm_error_message());
	loader_teardown(&f);
}

TEST(test_loader_forced_flat_ignores_magic)
{
	struct loader_fixture f;
	uint8_t *d = make_image(64, 0x400000, 0);

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(load(&f, d, 64, AXVM_BOARD_KERNEL_FLAT));
	CHECK_U64(0x80200000, f.img.entry);
	loader_teardown(&f);
	free(d);
}

TEST(test_loader_write_outside_ram_rejected)
{
	struct loader_fixture f;
	uint8_t b = 1;

	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ERANGE, axvm_loader_write(&f.t, "initrd", 0x81000000, &b, 1));
	CHECK_STR("initrd: [0x81000000, +0x1) is outside guest RAM [0x80000000, 0x81000000)",
		  axvm_error_message());
	CHECK_INT(0, axvm_loader_write(&f.t, "initrd", 0x80ffffff, &b, 1));
	loader_teardown(&f);
}

static void write_file(const char *path, const void *d, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp) {
		fwrite(d, 1, len, fp);
		fclose(fp);
	}
}

TEST(test_loader_read_file_reads_whole_file)
{
	char path[] = "/tmp/axvm-test-loader-XXXXXX";
	void *d;
	size_t len;
	int fd = mkstemp(path);

	REQUIRE(fd >= 0);
	close(fd);
	write_file(path, "hello", 5);
	REQUIRE_OK(axvm_loader_read_file(path, 100, &d, &len));
	CHECK_INT(5, len);
	CHECK(memcmp(d, "hello", 5) == 0);
	free(d);
	remove(path);
}

TEST(test_loader_read_file_missing_message)
{
	void *d = (void *)1;
	size_t len = 1;

	CHECK_INT(-AXVM_ENOENT, axvm_loader_read_file("/nonexistent/axvm/Image", 100, &d, &len));
	CHECK_STR("/nonexistent/axvm/Image: cannot open: No such file or directory",
		  axvm_error_message());
	CHECK(d == NULL);
	CHECK_INT(0, len);
}

TEST(test_loader_read_file_larger_than_limit_message)
{
	char path[] = "/tmp/axvm-test-loader-XXXXXX";
	char expect[300];
	void *d;
	size_t len;
	int fd = mkstemp(path);

	REQUIRE(fd >= 0);
	close(fd);
	write_file(path, "0123456789", 10);
	CHECK_INT(-AXVM_ERANGE, axvm_loader_read_file(path, 9, &d, &len));
	snprintf(expect, sizeof(expect), "%s: file is 10 bytes, larger than guest RAM (9 bytes)",
		 path);
	CHECK_STR(expect, axvm_error_message());
	remove(path);
}

TEST(test_loader_read_file_directory_rejected)
{
	void *d;
	size_t len;

	CHECK_INT(-AXVM_EIO, axvm_loader_read_file("/tmp", 100, &d, &len));
	CHECK_STR("/tmp: is a directory, not a regular file", axvm_error_message());
}

/*
 * A FIFO in a fresh directory (dir and fifo are filled in), with an alarm
 * armed: code that blocks on the FIFO dies of SIGALRM instead of hanging.
 */
static int make_fifo(char *dir, char *fifo, size_t len)
{
	strcpy(dir, "/tmp/axvm-test-loader-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(fifo, len, "%s/kernel.fifo", dir);
	alarm(10);
	return mkfifo(fifo, 0600);
}

TEST(test_loader_read_file_refuses_a_fifo_without_blocking)
{
	char dir[64], fifo[96], expect[300];
	void *d = (void *)1;
	size_t len = 1;

	REQUIRE(make_fifo(dir, fifo, sizeof(fifo)) == 0);
	CHECK_INT(-AXVM_EIO, axvm_loader_read_file(fifo, 100, &d, &len));
	alarm(0);
	snprintf(expect, sizeof(expect), "%s: is a FIFO, not a regular file", fifo);
	CHECK_STR(expect, axvm_error_message());
	CHECK(d == NULL);
	CHECK_INT(0, len);
	unlink(fifo);
	rmdir(dir);
}

TEST(test_loader_read_file_refuses_a_symlink_to_a_fifo)
{
	char dir[64], fifo[96], link[96], expect[300];
	void *d;
	size_t len;

	REQUIRE(make_fifo(dir, fifo, sizeof(fifo)) == 0);
	snprintf(link, sizeof(link), "%s/Image", dir);
	REQUIRE(symlink(fifo, link) == 0);
	CHECK_INT(-AXVM_EIO, axvm_loader_read_file(link, 100, &d, &len));
	alarm(0);
	snprintf(expect, sizeof(expect), "%s: is a FIFO, not a regular file", link);
	CHECK_STR(expect, axvm_error_message());
	unlink(link);
	unlink(fifo);
	rmdir(dir);
}

TEST(test_loader_read_file_refuses_a_character_device)
{
	void *d;
	size_t len;

	CHECK_INT(-AXVM_EIO, axvm_loader_read_file("/dev/zero", 100, &d, &len));
	CHECK_STR("/dev/zero: is a character device, not a regular file", axvm_error_message());
}

/* /proc files report size 0 and then have bytes: to the loader, a file that grew. */
TEST(test_loader_read_file_refuses_a_file_that_grew_while_read)
{
	void *d = (void *)1;
	size_t len = 1;

	CHECK_INT(-AXVM_EIO, axvm_loader_read_file("/proc/self/status", 100, &d, &len));
	CHECK_STR("/proc/self/status: file changed size while being read (0 bytes when opened)",
		  axvm_error_message());
	CHECK(d == NULL);
	CHECK_INT(0, len);
}

TEST(test_loader_dtb_accepts_valid_blob)
{
	char buf[256];

	REQUIRE(fdt_create_empty_tree(buf, sizeof(buf)) == 0);
	REQUIRE(fdt_pack(buf) == 0);
	CHECK_INT(0, axvm_loader_check_dtb("u.dtb", buf, fdt_totalsize(buf)));
}

TEST(test_loader_dtb_too_short_message)
{

	CHECK_INT(-AXVM_EINVAL, axvm_loader_check_dtb("u.dtb", "\xd0\x0d", 2));
	CHECK_STR("u.dtb: file is 2 bytes, too short for a device tree header",
		  axvm_error_message());
}

TEST(test_loader_dtb_bad_magic_message)
{
	char buf[64] = "not a device tree";

	CHECK_INT(-AXVM_EINVAL, axvm_loader_check_dtb("u.dtb", buf, sizeof(buf)));
	CHECK_STR("u.dtb: not a device tree blob: FDT_ERR_BADMAGIC", axvm_error_message());
}

TEST(test_loader_dtb_truncated_message)
{
	char buf[256];

	REQUIRE(fdt_create_empty_tree(buf, sizeof(buf)) == 0);
	CHECK_INT(-AXVM_EINVAL, axvm_loader_check_dtb("u.dtb", buf, 100));
	CHECK_STR("u.dtb: header says 256 bytes but the file has 100", axvm_error_message());
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Corrupted headers (random bytes flipped, random truncation) are loaded or
 * refused with a message, and whatever loads stays inside guest RAM. Under
 * the sanitizer build this also proves the parser never reads past the file.
 */
TEST(test_loader_survives_corrupted_headers)
{
	struct loader_fixture f;
	struct elf_file e;
	uint8_t *img = make_image(256, 0x200000, 0x1000);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned refused = 0, loaded = 0;

	REQUIRE(img);
	make_elf(&e);
	REQUIRE_OK(loader_setup(&f));
	for (unsigned iter = 0; iter < 20000; iter++) {
		uint8_t buf[sizeof(struct elf_file) > 256 ? sizeof(struct elf_file) : 256];
		size_t len = iter & 1 ? sizeof(e) : 256;
		int ret;

		memcpy(buf, iter & 1 ? (const void *)&e : (const void *)img, len);
		for (unsigned k = 1 + xorshift(&seed) % 4; k; k--) {
			size_t pos =
			    xorshift(&seed) % (iter & 1 ? sizeof(Elf64_Ehdr) + 2 * 56 : 64);

			buf[pos] = (uint8_t)xorshift(&seed);
		}
		if (xorshift(&seed) % 8 == 0)
			len = xorshift(&seed) % len;
		axvm_error_clear();
		ret = axvm_loader_load_kernel(&f.t, "fuzz", buf, len, AXVM_BOARD_KERNEL_AUTO,
					      RAM_BASE + 0x200000, &f.img);
		if (ret) {
			refused++;
			if (!axvm_error_message()[0] || ret > 0) {
				CHECK(axvm_error_message()[0] != 0);
				CHECK(ret < 0);
				break;
			}
		} else {
			loaded++;
			CHECK(f.img.start >= RAM_BASE && f.img.end <= RAM_BASE + RAM_SIZE);
			if (test_failed_now())
				break;
		}
	}
	CHECK(refused > 1000);
	CHECK(loaded > 1000);
	loader_teardown(&f);
	free(img);
}

/* A riscv Image written to a temporary file (path filled in); the image's bytes, or NULL. */
static uint8_t *image_file(char *path, size_t len, uint64_t text_offset, uint64_t image_size)
{
	uint8_t *d = make_image(len, text_offset, image_size);
	int fd = mkstemp(path);

	if (fd < 0 || !d) {
		free(d);
		return NULL;
	}
	close(fd);
	write_file(path, d, len);
	return d;
}

TEST(test_loader_image_file_read_straight_into_ram_matches_the_loaded_buffer)
{
	/*
	 * axvm_loader_load_image_file reads the file where the Image goes: the
	 * same layout and the same bytes as loading the file's contents from
	 * memory, and nothing of RAM around it is touched.
	 */
	char path[] = "/tmp/axvm-test-loader-XXXXXX";
	struct loader_fixture f, g;
	uint8_t *d = image_file(path, 10000, 0x400000, 0x5000), back[10000];
	bool image = false;
	uint64_t size = 0;

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	REQUIRE_OK(loader_setup(&g));
	REQUIRE_OK(axvm_loader_is_image_file(path, RAM_SIZE, &image, &size));
	CHECK(image);
	CHECK_U64(10000, size);
	REQUIRE_OK(axvm_loader_load_image_file(&f.t, path, &f.img));
	REQUIRE_OK(load(&g, d, 10000, AXVM_BOARD_KERNEL_AUTO));
	CHECK_INT(AXVM_BOARD_KERNEL_IMAGE, f.img.format);
	CHECK_U64(g.img.start, f.img.start);
	CHECK_U64(g.img.end, f.img.end);
	CHECK_U64(g.img.entry, f.img.entry);
	REQUIRE_OK(axvm_addrspace_read(f.as, RAM_BASE + 0x400000, back, sizeof(back)));
	CHECK(memcmp(back, d, sizeof(back)) == 0);
	CHECK_U64(0, ram_u64(&f, RAM_BASE + 0x400000 - 8));
	CHECK_U64(0, ram_u64(&f, RAM_BASE + 0x400000 + 10000));
	loader_teardown(&f);
	loader_teardown(&g);
	free(d);
	remove(path);
}

TEST(test_loader_image_file_errors_name_the_file)
{
	char path[] = "/tmp/axvm-test-loader-XXXXXX";
	char expect[300];
	struct loader_fixture f;
	uint8_t *d = image_file(path, 4096, 0x200000, 32ull << 20); /* image_size > RAM */
	bool image = true;
	uint64_t size;

	REQUIRE(d);
	REQUIRE_OK(loader_setup(&f));
	CHECK_INT(-AXVM_ERANGE, axvm_loader_load_image_file(&f.t, path, &f.img));
	snprintf(expect, sizeof(expect),
		 "%s: image_size 0x2000000 is larger than guest RAM (0x1000000 bytes)", path);
	CHECK_STR(expect, axvm_error_message());
	CHECK_U64(0, ram_u64(&f, RAM_BASE + 0x200000)); /* nothing read into RAM */
	write_file(path, "RISCV", 5);			/* too short to be one */
	CHECK_INT(-AXVM_EINVAL, axvm_loader_load_image_file(&f.t, path, &f.img));
	snprintf(expect, sizeof(expect), "%s: file is 5 bytes, too short for a riscv Image header",
		 path);
	CHECK_STR(expect, axvm_error_message());
	REQUIRE_OK(axvm_loader_is_image_file(path, RAM_SIZE, &image, &size));
	CHECK(!image);
	CHECK_INT(-AXVM_ENOENT,
		  axvm_loader_load_image_file(&f.t, "/nonexistent/axvm/Image", &f.img));
	CHECK_STR("/nonexistent/axvm/Image: cannot open: No such file or directory",
		  axvm_error_message());
	loader_teardown(&f);
	free(d);
	remove(path);
}
