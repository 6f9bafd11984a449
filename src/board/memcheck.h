/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM sizing checks made before the guest starts: RAM against the
 * host's memory (a refusal above the options' ram_limit, a warning above
 * ram_warn_above) and RAM against the kernel it must hold (a warning when
 * a kernel would run out of memory before its console exists, which the
 * user would otherwise only see as silence).
 */
#ifndef AXVM_BOARD_MEMCHECK_H
#define AXVM_BOARD_MEMCHECK_H

#include <stdint.h>

#include <axvm/board.h>

/*
 * ram_size against o->ram_limit (0 = none): -AXVM_ERANGE with the sizes in
 * the thread's message above it; a warning (axvm_warn) above
 * o->ram_warn_above (0 = none).
 */
int axvm_memcheck_host(const struct axvm_board_options *o, uint64_t ram_size);

/*
 * Warn when RAM is less than twice the kernel's image size plus the initrd
 * (Linux decompresses and sets itself up beside its image, and the initrd
 * stays in memory until it is unpacked). Returns true if it warned.
 */
bool axvm_memcheck_kernel_room(const char *kernel, uint64_t ram_size, uint64_t kernel_size,
			       uint64_t initrd_size);

#endif
