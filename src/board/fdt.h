/* SPDX-License-Identifier: MIT */
/*
 * Device tree generation for the boards (libfdt). A builder holds the blob
 * and the phandles that nodes refer to; the board adds /cpus, /memory and
 * /chosen, then each of its devices adds its own node under /soc through its
 * class's fdt_node (devices/devclass.h): nothing here knows a device.
 *
 * Errors: every add returns 0 or a negative AXVM_E* (-AXVM_ENOMEM when the
 * blob's buffer is full); the first failure sticks, so a caller may check
 * only axvm_fdt_finish.
 */
#ifndef AXVM_BOARD_FDT_H
#define AXVM_BOARD_FDT_H

#include <axvm/types.h>

#define AXVM_FDT_MAX_CPUS 64

struct axvm_fdt {
	void *blob;
	size_t capacity;
	int error; /* first failure, sticky */
	unsigned cpus;
	uint32_t intc_phandle[AXVM_FDT_MAX_CPUS];
	uint32_t cpu_phandle[AXVM_FDT_MAX_CPUS]; /* for /cpus/cpu-map */
	uint32_t next_phandle;
};

struct axvm_fdt_cpus {
	unsigned count;
	uint64_t timebase_hz;
	bool sstc;
	uint64_t ext_off; /* extensions turned off (axvm/riscv64.h AXVM_RISCV64_EXT_*) */
};

struct axvm_fdt_chosen {
	const char *bootargs;	 /* NULL or "" = none */
	const char *stdout_path; /* NULL = none */
	bool has_initrd;	 /* adds linux,initrd-start/end (64-bit) */
	uint64_t initrd_start;
	uint64_t initrd_end;
	const uint8_t *rng_seed; /* /chosen/rng-seed bytes; none if rng_seed_len is 0 */
	size_t rng_seed_len;
};

/* An empty tree with the root properties and /soc; phandles assigned for cpus harts. */
int axvm_fdt_init(struct axvm_fdt *f, unsigned cpus, size_t capacity);
void axvm_fdt_release(struct axvm_fdt *f);

int axvm_fdt_add_cpus(struct axvm_fdt *f, const struct axvm_fdt_cpus *cpus);
int axvm_fdt_add_memory(struct axvm_fdt *f, uint64_t base, uint64_t size);
int axvm_fdt_add_chosen(struct axvm_fdt *f, const struct axvm_fdt_chosen *chosen);

/* A fresh phandle (the devices' nodes take theirs through next_phandle too). */
uint32_t axvm_fdt_alloc_phandle(struct axvm_fdt *f);

/* Pack the blob; *size = its total size. Returns the first error of any add. */
int axvm_fdt_finish(struct axvm_fdt *f, size_t *size);

/*
 * Set /chosen's initrd range (and bootargs if non-NULL) in an existing blob
 * with room to grow (capacity bytes), creating /chosen if needed. Used for
 * the final initrd address and for user-supplied DTBs.
 */
int axvm_fdt_set_chosen(void *blob, size_t capacity, const char *bootargs, bool has_initrd,
			uint64_t initrd_start, uint64_t initrd_end);

/* The ISA string the cpu nodes carry (for tests and logs). */
/*
 * The riscv,isa string for a hart with Sstc or not and the extensions of
 * ext_off turned off, into buf (NUL-terminated, truncated to len).
 */
void axvm_fdt_isa_string(bool sstc, uint64_t ext_off, char *buf, size_t len);

#endif
