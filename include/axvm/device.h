/* SPDX-License-Identifier: MIT */
/*
 * Emulated-device address spaces ("buses"): MMIO, port I/O and system
 * registers. A device registers a range and an ops table; the bus finds
 * the device for an address and owns access widths: a device declares the
 * widths it accepts (min_width..max_width bytes, powers of two) and only
 * ever sees naturally aligned accesses of those widths. The bus splits wider
 * or misaligned accesses and widens narrower ones (read-modify-write for
 * stores).
 *
 * Threads: register/unregister before the VM boots (not concurrently with
 * accesses); read/write from any thread (a device serialises its own state).
 */
#ifndef AXVM_DEVICE_H
#define AXVM_DEVICE_H

#include "types.h"

enum axvm_bus_kind { AXVM_BUS_MMIO, AXVM_BUS_PORT, AXVM_BUS_SYSREG, AXVM_BUS_COUNT };

struct axvm_device_ops {
	/* offset is relative to the device's base; width is 1, 2, 4 or 8. */
	int (*read)(void *opaque, uint64_t offset, unsigned width, uint64_t *value);
	int (*write)(void *opaque, uint64_t offset, unsigned width, uint64_t value);
	/* Called when the bus is destroyed or the device unregistered; optional. */
	void (*release)(void *opaque);
};

struct axvm_device_desc {
	const char *name; /* copied */
	uint64_t base;
	uint64_t size;
	uint8_t min_width; /* 0 = 1 */
	uint8_t max_width; /* 0 = 8 */
	const struct axvm_device_ops *ops;
	void *opaque;
};

struct axvm_bus;

AXVM_API int axvm_bus_create(enum axvm_bus_kind kind, struct axvm_bus **out);
AXVM_API void axvm_bus_destroy(struct axvm_bus *bus);
AXVM_API enum axvm_bus_kind axvm_bus_kind(const struct axvm_bus *bus);

/* -AXVM_EOVERLAP if [base, base+size) intersects a registered device. */
AXVM_API int axvm_bus_register(struct axvm_bus *bus, const struct axvm_device_desc *desc);
/*
 * Ownership: a device that registers successfully belongs to the bus, which
 * calls its release() when it is unregistered or the bus is destroyed. A
 * device whose registration fails is not the bus's: release() is not called.
 */
AXVM_API int axvm_bus_unregister(struct axvm_bus *bus, uint64_t base);
/* Remove a device without calling its release() (ownership goes back to the caller). */
AXVM_API int axvm_bus_detach(struct axvm_bus *bus, uint64_t base);

/* The device containing addr, or NULL. */
AXVM_API const struct axvm_device_desc *axvm_bus_find(const struct axvm_bus *bus, uint64_t addr);
AXVM_API size_t axvm_bus_device_count(const struct axvm_bus *bus);
AXVM_API const struct axvm_device_desc *axvm_bus_device(const struct axvm_bus *bus, size_t index);
/* The guest accesses device `index` has taken (axvm/stats.h); 0 for no device. */
AXVM_API void axvm_bus_device_counts(const struct axvm_bus *bus, size_t index, uint64_t *reads,
				     uint64_t *writes);

/*
 * Access through the bus: -AXVM_ENODEV when no device claims addr (or the
 * access runs past the device's end), else the device's result. Reads
 * zero-extend into *value.
 */
AXVM_API int axvm_bus_read(struct axvm_bus *bus, uint64_t addr, unsigned width, uint64_t *value);
AXVM_API int axvm_bus_write(struct axvm_bus *bus, uint64_t addr, unsigned width, uint64_t value);

AXVM_API const char *axvm_bus_kind_name(enum axvm_bus_kind kind);

#endif
