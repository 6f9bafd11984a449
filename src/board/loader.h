/* SPDX-License-Identifier: MIT */
/*
 * Guest image loading: riscv Linux Image, ELF64 riscv, flat binaries, and
 * the files the board places itself (initrd, user DTB). Every byte goes
 * through axvm_addrspace_write after an explicit check that the whole
 * destination lies in guest RAM, so a hostile image cannot write anywhere
 * else. Every error records "<name>: <what is wrong>" (axvm_error_message()).
 */
#ifndef AXVM_BOARD_LOADER_H
#define AXVM_BOARD_LOADER_H

#include <axvm/addrspace.h>
#include <axvm/board.h>

/* Where images may go: one RAM region. */
struct axvm_load_target {
	struct axvm_addrspace *as;
	axvm_gpa_t ram_base;
	uint64_t ram_size;
};

struct axvm_loaded_image {
	enum axvm_board_kernel_format format; /* what was detected */
	axvm_gpa_t start;		      /* lowest guest address occupied */
	axvm_gpa_t end; /* one past the highest (memsz / image_size included) */
	axvm_gpa_t entry;
};

/*
 * Load a kernel held in memory. `format` AUTO detects: ELF magic -> ELF, the
 * riscv Image magic -> Image, anything else -> flat binary at flat_addr.
 */
int axvm_loader_load_kernel(const struct axvm_load_target *t, const char *name, const void *data,
			    size_t len, enum axvm_board_kernel_format format, axvm_gpa_t flat_addr,
			    struct axvm_loaded_image *out);

/*
 * Whether a file (regular, at most max_size bytes: *size) starts with a
 * riscv Image header, reading only that.
 */
int axvm_loader_is_image_file(const char *path, uint64_t max_size, bool *image, uint64_t *size);

/*
 * Load a riscv Image file by reading it straight into guest RAM where it
 * goes: no buffer to fault in and copy out of (Debian's kernel is 31 MiB).
 * The checks and errors of an Image loaded from memory; a file that changed
 * size since it was opened is an error.
 */
int axvm_loader_load_image_file(const struct axvm_load_target *t, const char *path,
				struct axvm_loaded_image *out);

/* Read a whole file; files larger than max_size are refused. *data is malloc'd. */
int axvm_loader_read_file(const char *path, uint64_t max_size, void **data, size_t *len);

/* Check a user-supplied device tree blob (header, size, structure). */
int axvm_loader_check_dtb(const char *name, const void *data, size_t len);

/* Copy len bytes to gpa after checking [gpa, gpa+len) lies in the target's RAM. */
int axvm_loader_write(const struct axvm_load_target *t, const char *name, axvm_gpa_t gpa,
		      const void *data, uint64_t len);

const char *axvm_loader_format_name(enum axvm_board_kernel_format format);

#endif
