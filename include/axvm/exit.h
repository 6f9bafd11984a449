/* SPDX-License-Identifier: MIT */
/*
 * VM exits: why a vCPU's run() returned, architecture-neutral (the reference
 * design's AxVCpuExitReason). Widths are in bytes (1, 2, 4, 8).
 */
#ifndef AXVM_EXIT_H
#define AXVM_EXIT_H

#include "types.h"

enum axvm_exit_reason {
	AXVM_EXIT_HYPERCALL,
	AXVM_EXIT_MMIO_READ,
	AXVM_EXIT_MMIO_WRITE,
	AXVM_EXIT_SYSREG_READ,
	AXVM_EXIT_SYSREG_WRITE,
	AXVM_EXIT_IO_READ,
	AXVM_EXIT_IO_WRITE,
	AXVM_EXIT_EXTERNAL_INTERRUPT,
	AXVM_EXIT_NESTED_PAGE_FAULT,
	AXVM_EXIT_HALT,
	AXVM_EXIT_CPU_UP,
	AXVM_EXIT_CPU_DOWN,
	AXVM_EXIT_SYSTEM_DOWN,
	AXVM_EXIT_SEND_IPI,
	AXVM_EXIT_NOTHING,
	AXVM_EXIT_FAIL_ENTRY,
	AXVM_EXIT_DEBUG, /* a debugger's breakpoint, watchpoint or single step (vcpu.h) */
	AXVM_EXIT_REASON_COUNT
};

/* Why the guest brought the system down (our addition to SystemDown). */
enum axvm_system_down_type {
	AXVM_SYSTEM_DOWN_POWEROFF,
	AXVM_SYSTEM_DOWN_COLD_REBOOT,
	AXVM_SYSTEM_DOWN_WARM_REBOOT,
};

struct axvm_exit {
	enum axvm_exit_reason reason;
	union {
		struct {
			uint64_t nr;
			uint64_t args[6];
			/*
			 * Our addition after the reference's fields: the
			 * function within `nr` (riscv64 SBI: nr = EID from a7,
			 * fid = FID from a6, args = a0..a5); 0 where the
			 * architecture has none.
			 */
			uint64_t fid;
		} hypercall;
		struct {
			axvm_gpa_t addr;
			uint8_t width;	   /* bytes accessed */
			uint8_t reg;	   /* destination general-purpose register */
			uint8_t reg_width; /* bytes of the register written */
			bool sign_ext;	   /* sign-extend the loaded value */
		} mmio_read;
		struct {
			axvm_gpa_t addr;
			uint8_t width;
			uint64_t data;
		} mmio_write;
		struct {
			uint64_t addr; /* system register number */
			uint8_t reg;   /* destination general-purpose register */
		} sysreg_read;
		struct {
			uint64_t addr;
			uint64_t value;
		} sysreg_write;
		struct {
			uint16_t port;
			uint8_t width;
			uint8_t reg; /* destination register (architecture's convention) */
		} io_read;
		struct {
			uint16_t port;
			uint8_t width;
			uint64_t data;
		} io_write;
		struct {
			uint64_t vector;
		} external_interrupt;
		struct {
			axvm_gpa_t addr;
			uint32_t access_flags; /* AXVM_ACCESS_* */
		} nested_page_fault;
		struct {
			uint64_t target_cpu;
			uint64_t entry_point;
			uint64_t arg;
		} cpu_up;
		struct {
			uint64_t state;
		} cpu_down;
		struct {
			enum axvm_system_down_type type;
			uint64_t code; /* guest-supplied reason / exit status */
		} system_down;
		struct {
			uint64_t target_cpu;
			uint64_t target_cpu_aux;
			bool send_to_all;
			bool send_to_self;
			uint64_t vector;
		} send_ipi;
		struct {
			uint64_t reason;
		} fail_entry;
		struct {
			uint32_t kind; /* enum axvm_debug_stop (vcpu.h) */
			uint64_t addr; /* the breakpoint's pc or the watched access's address */
		} debug;
	};
};

/* "MmioRead", "Halt", ...; "Unknown" for an out-of-range value. */
AXVM_API const char *axvm_exit_reason_name(enum axvm_exit_reason reason);

/*
 * Format an exit readably, e.g. "MmioRead addr=0x10000005 width=1 reg=x10
 * reg_width=8 sign_ext=0". Returns what snprintf would (may be >= len).
 */
AXVM_API int axvm_exit_format(const struct axvm_exit *exit, char *buf, size_t len);

#endif
