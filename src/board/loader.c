/* SPDX-License-Identifier: MIT */
/*
 * Kernel and file loading. Formats:
 *
 * riscv Linux Image (Linux Documentation/riscv/boot-image-header.rst), a
 * 64-byte little-endian header:
 *   0x00 code0, 0x04 code1   executable code
 *   0x08 text_offset (u64)   load offset from the start of RAM
 *   0x10 image_size (u64)    bytes the image occupies once loaded (with bss)
 *   0x18 flags (u64)         bit 0: endianness (0 = little)
 *   0x20 version (u32), 0x24 res1, 0x28 res2 (u64)
 *   0x30 magic "RISCV\0\0\0" (deprecated), 0x38 magic2 "RSC\x05", 0x3c res3
 * It is loaded at RAM base + text_offset (0x200000 when the header says 0)
 * and entered at its first byte.
 *
 * ELF64 (System V gABI, RISC-V psABI): little-endian, e_machine EM_RISCV;
 * PT_LOAD segments are copied to their physical address p_paddr, the bytes
 * from p_filesz to p_memsz are zeroed, the entry is e_entry (taken through
 * its segment's p_vaddr -> p_paddr mapping for kernels linked high).
 *
 * Flat binary: the bytes at the load address, entered there.
 */
#include "loader.h"

#include "core/error.h"
#include "core/file.h"

#include <axvm/log.h>

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

#define LOADER_IMAGE_HEADER_SIZE 64
#define LOADER_IMAGE_DEFAULT_OFFSET 0x200000ull
#define LOADER_MAX_PHDRS 256

const char *axvm_loader_format_name(enum axvm_board_kernel_format format)
{
	switch (format) {
	case AXVM_BOARD_KERNEL_AUTO:
		return "auto";
	case AXVM_BOARD_KERNEL_IMAGE:
		return "Image";
	case AXVM_BOARD_KERNEL_ELF:
		return "ELF";
	case AXVM_BOARD_KERNEL_FLAT:
		return "flat binary";
	}
	return "?";
}

static uint64_t loader_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* True if [gpa, gpa + len) lies inside the target's RAM (len may be 0). */
static bool loader_in_ram(const struct axvm_load_target *t, axvm_gpa_t gpa, uint64_t len)
{
	return gpa >= t->ram_base && gpa - t->ram_base <= t->ram_size &&
	       len <= t->ram_size - (gpa - t->ram_base);
}

int axvm_loader_write(const struct axvm_load_target *t, const char *name, axvm_gpa_t gpa,
		      const void *data, uint64_t len)
{
	int ret;

	if (!loader_in_ram(t, gpa, len))
		return axvm_error_set(-AXVM_ERANGE,
				      "%s: [0x%" PRIx64 ", +0x%" PRIx64
				      ") is outside guest RAM [0x%" PRIx64 ", 0x%" PRIx64 ")",
				      name, gpa, len, t->ram_base, t->ram_base + t->ram_size);
	if (len == 0)
		return 0;
	ret = axvm_addrspace_write(t->as, gpa, data, len);
	if (ret)
		return axvm_error_set(ret, "%s: writing %" PRIu64 " bytes at 0x%" PRIx64 ": %s",
				      name, len, gpa, axvm_strerror(ret));
	return 0;
}

static int loader_zero(const struct axvm_load_target *t, const char *name, axvm_gpa_t gpa,
		       uint64_t len)
{
	static const uint8_t zeros[4096];

	while (len) {
		uint64_t n = len < sizeof(zeros) ? len : sizeof(zeros);
		int ret = axvm_loader_write(t, name, gpa, zeros, n);

		if (ret)
			return ret;
		gpa += n;
		len -= n;
	}
	return 0;
}

static bool loader_is_elf(const uint8_t *d, size_t len)
{
	return len >= SELFMAG && memcmp(d, ELFMAG, SELFMAG) == 0;
}

static bool loader_is_image(const uint8_t *d, size_t len)
{
	return len >= LOADER_IMAGE_HEADER_SIZE &&
	       (memcmp(d + 0x38, "RSC\x05", 4) == 0 || memcmp(d + 0x30, "RISCV\0\0\0", 8) == 0);
}

/*
 * Where a riscv Image goes (Linux's Documentation/arch/riscv/boot-image-header):
 * its header checked against a file of `len` bytes and the target's RAM.
 */
static int loader_image_layout(const struct axvm_load_target *t, const char *name, const uint8_t *d,
			       uint64_t len, struct axvm_loaded_image *out)
{
	uint64_t text_offset, image_size, load;

	if (len < LOADER_IMAGE_HEADER_SIZE)
		return axvm_error_set(
		    -AXVM_EINVAL,
		    "%s: file is %" PRIu64 " bytes, too short for a riscv Image header", name, len);
	if (!loader_is_image(d, LOADER_IMAGE_HEADER_SIZE))
		return axvm_error_set(
		    -AXVM_EINVAL,
		    "%s: no riscv Image magic (\"RSC\\x05\" at 0x38 or \"RISCV\" at "
		    "0x30)",
		    name);
	text_offset = loader_le64(d + 0x08);
	image_size = loader_le64(d + 0x10);
	if (loader_le64(d + 0x18) & 1)
		return axvm_error_set(-AXVM_ENOTSUP,
				      "%s: flags say big-endian; only little-endian kernels run",
				      name);
	if (text_offset == 0)
		text_offset = LOADER_IMAGE_DEFAULT_OFFSET;
	if (text_offset & (AXVM_PAGE_SIZE - 1))
		return axvm_error_set(-AXVM_EALIGN,
				      "%s: text_offset 0x%" PRIx64 " is not 4 KiB-aligned", name,
				      text_offset);
	if (image_size == 0)
		image_size = len;
	if (image_size < len)
		return axvm_error_set(-AXVM_EINVAL,
				      "%s: image_size 0x%" PRIx64
				      " is smaller than the file (%" PRIu64 " bytes)",
				      name, image_size, len);
	if (image_size > t->ram_size)
		return axvm_error_set(-AXVM_ERANGE,
				      "%s: image_size 0x%" PRIx64
				      " is larger than guest RAM (0x%" PRIx64 " bytes)",
				      name, image_size, t->ram_size);
	if (text_offset > t->ram_size - image_size)
		return axvm_error_set(-AXVM_ERANGE,
				      "%s: text_offset 0x%" PRIx64 " + image_size 0x%" PRIx64
				      " runs past the end of guest RAM (0x%" PRIx64 " bytes)",
				      name, text_offset, image_size, t->ram_size);
	load = t->ram_base + text_offset;
	out->format = AXVM_BOARD_KERNEL_IMAGE;
	out->start = load;
	out->end = load + image_size;
	out->entry = load;
	return 0;
}

static int loader_image(const struct axvm_load_target *t, const char *name, const uint8_t *d,
			size_t len, struct axvm_loaded_image *out)
{
	int ret = loader_image_layout(t, name, d, len, out);

	if (!ret)
		ret = axvm_loader_write(t, name, out->start, d, len);
	return ret;
}

static int loader_elf_header(const char *name, const uint8_t *d, size_t len, Elf64_Ehdr *eh)
{
	if (len < sizeof(*eh))
		return axvm_error_set(-AXVM_EINVAL,
				      "%s: file is %zu bytes, too short for an ELF64 header", name,
				      len);
	memcpy(eh, d, sizeof(*eh));
	if (!loader_is_elf(d, len))
		return axvm_error_set(-AXVM_EINVAL, "%s: no ELF magic", name);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return axvm_error_set(-AXVM_ENOTSUP, "%s: ELF class %u is not ELF64", name,
				      eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return axvm_error_set(-AXVM_ENOTSUP, "%s: ELF file is not little-endian", name);
	if (eh->e_machine != EM_RISCV)
		return axvm_error_set(-AXVM_ENOTSUP, "%s: e_machine %u is not RISC-V (%u)", name,
				      eh->e_machine, EM_RISCV);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return axvm_error_set(-AXVM_ENOTSUP, "%s: e_type %u is not an executable", name,
				      eh->e_type);
	if (eh->e_phnum == 0)
		return axvm_error_set(-AXVM_EINVAL, "%s: ELF file has no program headers", name);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return axvm_error_set(-AXVM_EINVAL, "%s: e_phentsize %u is not %zu", name,
				      eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phnum > LOADER_MAX_PHDRS)
		return axvm_error_set(-AXVM_ELIMIT, "%s: %u program headers exceed the limit of %d",
				      name, eh->e_phnum, LOADER_MAX_PHDRS);
	if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return axvm_error_set(-AXVM_EINVAL,
				      "%s: program headers at offset 0x%" PRIx64
				      " run past the end of the file (%zu bytes)",
				      name, (uint64_t)eh->e_phoff, len);
	return 0;
}

/*
 * The guest starts with paging off, so e_entry is taken through the segment
 * that holds it: a kernel linked at a virtual address (a Linux vmlinux)
 * starts at the physical address of its entry code. Files whose segments
 * have p_vaddr == p_paddr keep e_entry unchanged.
 */
static uint64_t loader_elf_entry(const uint8_t *d, const Elf64_Ehdr *eh)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, d + eh->e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && eh->e_entry - ph.p_vaddr < ph.p_memsz)
			return ph.p_paddr + (eh->e_entry - ph.p_vaddr);
	}
	return eh->e_entry;
}

/*
 * Linux's vmlinux has p_paddr = p_vaddr - PAGE_OFFSET-ish link offset, i.e.
 * physical addresses that are offsets from the start of RAM (0, 0x800000,
 * ...). QEMU's virt loader maps such addresses into RAM ((addr & 0x7fffffff)
 * | 0x80000000); do the same, but only when the file as written cannot load
 * (some segment lies outside RAM) and every segment fits as an offset, so a
 * file that loads today is never moved. Returns the bias to add to p_paddr.
 */
static uint64_t loader_elf_bias(const struct axvm_load_target *t, const uint8_t *d,
				const Elf64_Ehdr *eh)
{
	bool outside = false;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, d + eh->e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_paddr > t->ram_size || ph.p_memsz > t->ram_size - ph.p_paddr)
			return 0;
		if (!loader_in_ram(t, ph.p_paddr, ph.p_memsz))
			outside = true;
	}
	return outside ? t->ram_base : 0;
}

static int loader_elf(const struct axvm_load_target *t, const char *name, const uint8_t *d,
		      size_t len, struct axvm_loaded_image *out)
{
	Elf64_Ehdr eh;
	axvm_gpa_t lo = UINT64_MAX, hi = 0, entry;
	uint64_t bias;
	unsigned loaded = 0;
	int ret;

	ret = loader_elf_header(name, d, len, &eh);
	if (ret)
		return ret;
	entry = loader_elf_entry(d, &eh);
	bias = loader_elf_bias(t, d, &eh);
	if (bias) {
		entry += bias;
		axvm_info("%s: ELF physical addresses are offsets into RAM (as a Linux vmlinux's); "
			  "loading them at 0x%" PRIx64 " + p_paddr",
			  name, bias);
	}
	/* Check every segment before writing any, so a bad file leaves RAM untouched. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;

			memcpy(&ph, d + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
			if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
				continue;
			ph.p_paddr += bias;
			if (pass == 1) {
				char what[64];

				snprintf(what, sizeof(what), "%s: segment %u", name, i);
				ret = axvm_loader_write(t, what, ph.p_paddr, d + ph.p_offset,
							ph.p_filesz);
				if (!ret)
					ret = loader_zero(t, what, ph.p_paddr + ph.p_filesz,
							  ph.p_memsz - ph.p_filesz);
				if (ret)
					return ret;
				continue;
			}
			if (ph.p_filesz > ph.p_memsz)
				return axvm_error_set(-AXVM_EINVAL,
						      "%s: program header %u: p_filesz 0x%" PRIx64
						      " exceeds p_memsz 0x%" PRIx64,
						      name, i, (uint64_t)ph.p_filesz,
						      (uint64_t)ph.p_memsz);
			if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
				return axvm_error_set(
				    -AXVM_EINVAL,
				    "%s: program header %u: file bytes [0x%" PRIx64 ", +0x%" PRIx64
				    ") run past the end of the file "
				    "(%zu bytes)",
				    name, i, (uint64_t)ph.p_offset, (uint64_t)ph.p_filesz, len);
			if (!loader_in_ram(t, ph.p_paddr, ph.p_memsz))
				return axvm_error_set(
				    -AXVM_ERANGE,
				    "%s: program header %u: [0x%" PRIx64 ", +0x%" PRIx64
				    ") is outside guest RAM [0x%" PRIx64 ", 0x%" PRIx64 ")",
				    name, i, (uint64_t)ph.p_paddr, (uint64_t)ph.p_memsz,
				    t->ram_base, t->ram_base + t->ram_size);
			if (ph.p_paddr < lo)
				lo = ph.p_paddr;
			if (ph.p_paddr + ph.p_memsz > hi)
				hi = ph.p_paddr + ph.p_memsz;
			loaded++;
		}
		if (pass == 0 && loaded == 0)
			return axvm_error_set(-AXVM_EINVAL, "%s: ELF file has no loadable segment",
					      name);
		if (pass == 0 && !loader_in_ram(t, entry, 1))
			return axvm_error_set(
			    -AXVM_ERANGE,
			    "%s: e_entry 0x%" PRIx64 " is outside guest RAM [0x%" PRIx64
			    ", 0x%" PRIx64 ")",
			    name, (uint64_t)eh.e_entry, t->ram_base, t->ram_base + t->ram_size);
	}
	out->format = AXVM_BOARD_KERNEL_ELF;
	out->start = lo;
	out->end = hi;
	out->entry = entry;
	return 0;
}

static int loader_flat(const struct axvm_load_target *t, const char *name, const uint8_t *d,
		       size_t len, axvm_gpa_t addr, struct axvm_loaded_image *out)
{
	int ret;

	if (len == 0)
		return axvm_error_set(-AXVM_EINVAL, "%s: file is empty", name);
	if (!loader_in_ram(t, addr, len))
		return axvm_error_set(-AXVM_ERANGE,
				      "%s: %zu bytes at 0x%" PRIx64
				      " do not fit in guest RAM [0x%" PRIx64 ", 0x%" PRIx64 ")",
				      name, len, addr, t->ram_base, t->ram_base + t->ram_size);
	ret = axvm_loader_write(t, name, addr, d, len);
	if (ret)
		return ret;
	out->format = AXVM_BOARD_KERNEL_FLAT;
	out->start = addr;
	out->end = addr + len;
	out->entry = addr;
	return 0;
}

int axvm_loader_load_kernel(const struct axvm_load_target *t, const char *name, const void *data,
			    size_t len, enum axvm_board_kernel_format format, axvm_gpa_t flat_addr,
			    struct axvm_loaded_image *out)
{
	const uint8_t *d = data;

	memset(out, 0, sizeof(*out));
	if (format == AXVM_BOARD_KERNEL_AUTO) {
		if (loader_is_elf(d, len))
			format = AXVM_BOARD_KERNEL_ELF;
		else if (loader_is_image(d, len))
			format = AXVM_BOARD_KERNEL_IMAGE;
		else
			format = AXVM_BOARD_KERNEL_FLAT;
	}
	switch (format) {
	case AXVM_BOARD_KERNEL_IMAGE:
		return loader_image(t, name, d, len, out);
	case AXVM_BOARD_KERNEL_ELF:
		return loader_elf(t, name, d, len, out);
	case AXVM_BOARD_KERNEL_FLAT:
		return loader_flat(t, name, d, len, flat_addr, out);
	default:
		return axvm_error_set(-AXVM_EINVAL, "%s: unknown kernel format %d", name,
				      (int)format);
	}
}

/* read(2) until len bytes or end of file; the count read, or -1 with errno. */
static ssize_t loader_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/*
 * A kernel image is tens of MiB read once: ask for huge pages on the page-
 * aligned inside of its buffer (malloc maps a buffer this large on its own),
 * so read() fills it with a few 2 MiB faults instead of one fault per 4 KiB
 * (Debian's 31 MiB kernel: 7,600 faults). Only a hint.
 */
static void loader_hint_huge(void *buf, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = ((uintptr_t)buf + 4095) & ~(uintptr_t)4095;
	uintptr_t end = ((uintptr_t)buf + len) & ~(uintptr_t)4095;

	if (len >= (4u << 20) && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)buf;
	(void)len;
#endif
}

/* A file read shorter or longer than fstat said: it changed while being read. */
static int loader_changed(const char *path, uint64_t size)
{
	return axvm_error_set(
	    -AXVM_EIO, "%s: file changed size while being read (%" PRIu64 " bytes when opened)",
	    path, size);
}

/*
 * The rest of fd, exactly `size` bytes, into buf: one byte past the size
 * fstat gave tells a file that grew since, and a file rewritten while it
 * was read would load torn.
 */
static int loader_read_exact(int fd, const char *path, void *buf, uint64_t size)
{
	ssize_t n = loader_read_full(fd, buf, (size_t)size);
	char extra;

	if (n >= 0 && (uint64_t)n == size) {
		ssize_t more = loader_read_full(fd, &extra, 1);

		n = more < 0 ? more : n + more;
	}
	if (n < 0)
		return axvm_error_set(-AXVM_EIO, "%s: read error: %s", path, strerror(errno));
	if ((uint64_t)n != size)
		return loader_changed(path, size);
	return 0;
}

/* Open a file to load: a regular file of at most max_size bytes (*size). */
static int loader_open(const char *path, uint64_t max_size, int *fd, uint64_t *size)
{
	struct stat st;
	int ret = axvm_file_open_regular(path, fd, &st);

	if (ret)
		return ret;
	*size = (uint64_t)st.st_size;
	if (*size > max_size) {
		close(*fd);
		return axvm_error_set(-AXVM_ERANGE,
				      "%s: file is %" PRIu64
				      " bytes, larger than guest RAM (%" PRIu64 " bytes)",
				      path, *size, max_size);
	}
	return 0;
}

int axvm_loader_is_image_file(const char *path, uint64_t max_size, bool *image, uint64_t *size)
{
	uint8_t head[LOADER_IMAGE_HEADER_SIZE];
	ssize_t n;
	int fd, ret = loader_open(path, max_size, &fd, size);

	*image = false;
	if (ret)
		return ret;
	n = loader_read_full(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return axvm_error_set(-AXVM_EIO, "%s: read error: %s", path, strerror(errno));
	*image = loader_is_image(head, (size_t)n);
	return 0;
}

int axvm_loader_load_image_file(const struct axvm_load_target *t, const char *path,
				struct axvm_loaded_image *out)
{
	uint8_t head[LOADER_IMAGE_HEADER_SIZE];
	uint64_t size, avail;
	void *hva;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	ret = loader_open(path, t->ram_size, &fd, &size);
	if (ret)
		return ret;
	memset(head, 0, sizeof(head));
	if (size >= sizeof(head) &&
	    loader_read_full(fd, head, sizeof(head)) != (ssize_t)sizeof(head)) {
		ret = loader_changed(path, size);
		goto out;
	}
	ret = loader_image_layout(t, path, head, size, out); /* a short file: its error */
	if (ret)
		goto out;
	/* Straight into guest RAM where the image goes (RAM is one linear region). */
	ret = axvm_addrspace_translate(t->as, out->start, AXVM_ACCESS_READ, &hva, &avail, NULL);
	if (ret || avail < size) {
		ret = axvm_error_set(ret ? ret : -AXVM_ERANGE,
				     "%s: guest RAM at 0x%" PRIx64 " does not hold %" PRIu64
				     " bytes in one region",
				     path, out->start, size);
		goto out;
	}
	memcpy(hva, head, sizeof(head));
	ret = loader_read_exact(fd, path, (uint8_t *)hva + sizeof(head), size - sizeof(head));
	axvm_addrspace_note_write(t->as);
out:
	close(fd);
	return ret;
}

int axvm_loader_read_file(const char *path, uint64_t max_size, void **data, size_t *len)
{
	uint64_t size;
	void *buf;
	int fd, ret;

	*data = NULL;
	*len = 0;
	ret = loader_open(path, max_size, &fd, &size);
	if (ret)
		return ret;
	buf = malloc(size ? (size_t)size : 1);
	if (!buf) {
		close(fd);
		return axvm_error_set(-AXVM_ENOMEM, "%s: out of memory reading %" PRIu64 " bytes",
				      path, size);
	}
	loader_hint_huge(buf, (size_t)size);
	ret = loader_read_exact(fd, path, buf, size);
	if (ret)
		goto fail;
	close(fd);
	*data = buf;
	*len = (size_t)size;
	return 0;

fail:
	close(fd);
	free(buf);
	return ret;
}

int axvm_loader_check_dtb(const char *name, const void *data, size_t len)
{
	int ret;

	if (len < sizeof(struct fdt_header))
		return axvm_error_set(-AXVM_EINVAL,
				      "%s: file is %zu bytes, too short for a device tree header",
				      name, len);
	ret = fdt_check_header(data);
	if (ret)
		return axvm_error_set(-AXVM_EINVAL, "%s: not a device tree blob: %s", name,
				      fdt_strerror(ret));
	if (fdt_totalsize(data) > len)
		return axvm_error_set(-AXVM_EINVAL, "%s: header says %u bytes but the file has %zu",
				      name, fdt_totalsize(data), len);
	ret = fdt_check_full(data, len);
	if (ret)
		return axvm_error_set(-AXVM_EINVAL, "%s: malformed device tree: %s", name,
				      fdt_strerror(ret));
	return 0;
}
