/* SPDX-License-Identifier: MIT */
/* Guest RAM sizing checks (memcheck.h). */
#include "board/memcheck.h"

#include <inttypes.h>
#include <stdio.h>

#include "axvm/log.h"
#include "core/error.h"

/* "48 MiB", "1.5 GiB": sizes as a user types them with -m. */
static const char *memcheck_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0)
		snprintf(buf, len, "%" PRIu64 " GiB", bytes >> 30);
	else if (bytes >= (1ull << 30))
		snprintf(buf, len, "%.1f GiB", (double)bytes / (1ull << 30));
	else if (bytes % (1ull << 20) == 0)
		snprintf(buf, len, "%" PRIu64 " MiB", bytes >> 20);
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1ull << 20));
	return buf;
}

int axvm_memcheck_host(const struct axvm_board_options *o, uint64_t ram_size)
{
	char ram[32], lim[32], host[32];

	if (o->ram_limit && ram_size > o->ram_limit)
		return axvm_error_set(
		    -AXVM_ERANGE,
		    "memory size: %s is more than the limit of %s (ram_limit, twice the host's %s "
		    "of physical memory): guest memory is reserved lazily, but a guest that uses "
		    "it would drive the host into swap or its OOM killer (axvm run "
		    "--allow-overcommit lifts the limit)",
		    memcheck_size(ram_size, ram, sizeof(ram)),
		    memcheck_size(o->ram_limit, lim, sizeof(lim)),
		    memcheck_size(o->ram_warn_above ? o->ram_warn_above : o->ram_limit / 2, host,
				  sizeof(host)));
	if (o->ram_warn_above && ram_size > o->ram_warn_above)
		axvm_warn("memory size: %s is more than the host's %s of physical memory: the "
			  "guest runs while it uses less, then the host swaps",
			  memcheck_size(ram_size, ram, sizeof(ram)),
			  memcheck_size(o->ram_warn_above, host, sizeof(host)));
	return 0;
}

bool axvm_memcheck_kernel_room(const char *kernel, uint64_t ram_size, uint64_t kernel_size,
			       uint64_t initrd_size)
{
	char ram[32], img[32], ird[32];
	uint64_t want = 2 * kernel_size + initrd_size;

	if (ram_size >= want)
		return false;
	/* The suggestion in whole MiB, as -m takes it. */
	want = (want + (1ull << 20) - 1) >> 20;
	if (initrd_size)
		axvm_warn("memory size: %s leaves %s too little room: its image takes %s and the "
			  "initrd %s; a kernel needs about twice its image size (plus the initrd) "
			  "and may run out of memory before its console starts: give -m %" PRIu64
			  "M or more",
			  memcheck_size(ram_size, ram, sizeof(ram)), kernel,
			  memcheck_size(kernel_size, img, sizeof(img)),
			  memcheck_size(initrd_size, ird, sizeof(ird)), want);
	else
		axvm_warn("memory size: %s leaves %s too little room: its image takes %s; a "
			  "kernel needs about twice its image size and may run out of memory "
			  "before its console starts: give -m %" PRIu64 "M or more",
			  memcheck_size(ram_size, ram, sizeof(ram)), kernel,
			  memcheck_size(kernel_size, img, sizeof(img)), want);
	return true;
}
