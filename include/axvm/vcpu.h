/* SPDX-License-Identifier: MIT */
/*
 * The generic vCPU: a state machine around an architecture backend's ops
 * table, with physical-CPU affinity and reference counting.
 *
 *   Created --setup--> Free --bind--> Ready --run--> Running --> Ready
 *   Ready --unbind--> Free
 *   any state --backend failure--> Invalid (terminal)
 *
 * An operation called in the wrong state returns -AXVM_ESTATE and changes
 * nothing. A backend op that fails leaves the vCPU Invalid.
 *
 * Threads: create/get/put/state/id/kick/inject_interrupt/clear_interrupt are
 * safe from any thread; setup/bind/unbind/run/set_* only from the thread that
 * owns the vCPU (the one that bound it, for bind..unbind).
 *
 * Architecture-neutral callers (the VM, board and runtime layers) reach the
 * architecture's registers only through these ops: the boot protocol
 * (set_boot_args) and the hypercall convention (set_hypercall_result) are
 * written once, in the backend.
 */
#ifndef AXVM_VCPU_H
#define AXVM_VCPU_H

#include "addrspace.h"
#include "exit.h"
#include "hal.h"
#include "types.h"

enum axvm_vcpu_state {
	AXVM_VCPU_STATE_INVALID,
	AXVM_VCPU_STATE_CREATED,
	AXVM_VCPU_STATE_FREE,
	AXVM_VCPU_STATE_READY,
	AXVM_VCPU_STATE_RUNNING,
	AXVM_VCPU_STATE_BLOCKED, /* reserved, as in the reference */
};

/*
 * Debug points a debugger plants (the GDB remote protocol's Z types 0-4):
 * the backend checks them itself, without changing guest memory, so a
 * guest's own breakpoint instruction still goes to the guest.
 */
enum axvm_debug_point {
	AXVM_DEBUG_SW_BREAK = 0,
	AXVM_DEBUG_HW_BREAK = 1,
	AXVM_DEBUG_WATCH_WRITE = 2,
	AXVM_DEBUG_WATCH_READ = 3,
	AXVM_DEBUG_WATCH_ACCESS = 4,
};

/* Why a vCPU stopped with AXVM_EXIT_DEBUG (exit->debug.kind). */
enum axvm_debug_stop {
	AXVM_DEBUG_STOP_STEP,	  /* one instruction executed (or one trap entered) */
	AXVM_DEBUG_STOP_SW_BREAK, /* before the instruction at exit->debug.addr */
	AXVM_DEBUG_STOP_HW_BREAK,
	AXVM_DEBUG_STOP_WATCH_WRITE, /* before the access; addr = the watched address */
	AXVM_DEBUG_STOP_WATCH_READ,
	AXVM_DEBUG_STOP_WATCH_ACCESS,
};

/* What a backend gets at creation (besides its own arch_config). */
struct axvm_vcpu_create_info {
	unsigned id;
	const struct axvm_hal *hal;
	const void *arch_config; /* backend-specific, may be NULL */
};

struct axvm_tracer;

/* What a backend gets at setup. */
struct axvm_vcpu_setup_info {
	uint64_t entry;
	struct axvm_addrspace *addrspace; /* the reference's ept_root */
	const void *setup_config;	  /* backend-specific, may be NULL */
	/*
	 * Whether a device claims system register `addr` (the VM's sysreg bus),
	 * for a backend whose architecture answers an unknown register with a
	 * fault in the guest instead of an exit. NULL = not known (every
	 * trapped register exits). Called on the vCPU's thread while it runs.
	 */
	bool (*sysreg_claimed)(void *opaque, uint64_t addr);
	void *sysreg_opaque;
	/*
	 * The VM's tracer (axvm/stats.h), which a backend may use for the
	 * events only it sees (riscv64: SBI calls); NULL = none.
	 */
	struct axvm_tracer *tracer;
	/*
	 * The guest's clock in ns (the VM's: stops while the VM is paused),
	 * from which the backend derives guest time and timer deadlines. NULL
	 * = the HAL's monotonic clock. Any thread.
	 */
	uint64_t (*guest_clock_ns)(void *opaque);
	void *clock_opaque;
	/*
	 * An MMIO access the VM completes without an exit (the MMIO exit
	 * round trip's fast path; docs/architecture.md): the backend calls it
	 * for a guest load or store to an MMIO page, on the vCPU's thread
	 * while it runs, before making an MmioRead/MmioWrite exit. `value` is
	 * the data to store, or receives the loaded value, of which only the
	 * low `width` bytes are defined (the backend extends it as the
	 * instruction says). 0 = done: the instruction completes, and the VM
	 * has counted the access as the exit it stands for. Any other value =
	 * not done (traced, or no device there): the backend makes the exit
	 * as before. NULL = every access exits.
	 */
	int (*mmio_access)(void *opaque, uint64_t addr, unsigned width, uint64_t *value,
			   bool write);
	void *mmio_opaque;
};

/*
 * The backend ops table. All ops return 0 or a negative AXVM_E*. `backend` is
 * what create() returned. Ops marked (any thread) must be thread-safe.
 */
struct axvm_vcpu_ops {
	const char *name;
	int (*create)(const struct axvm_vcpu_create_info *info, void **backend);
	void (*destroy)(void *backend);
	int (*setup)(void *backend, const struct axvm_vcpu_setup_info *info);
	int (*set_entry)(void *backend, uint64_t entry);
	int (*bind)(void *backend);   /* optional */
	int (*unbind)(void *backend); /* optional */
	/* Run until an exit; fill *exit. */
	int (*run)(void *backend, struct axvm_exit *exit);
	int (*set_gpr)(void *backend, unsigned reg, uint64_t value);
	int (*get_gpr)(void *backend, unsigned reg, uint64_t *value);
	/* The value a hypercall returns to the guest (riscv64: a0). */
	int (*set_return_value)(void *backend, uint64_t value);
	/* (any thread) Make an interrupt pending / not pending; kicks a halted vCPU. */
	int (*inject_interrupt)(void *backend, uint64_t vector);
	int (*clear_interrupt)(void *backend, uint64_t vector); /* optional */
	/* (any thread) Make run() return AXVM_EXIT_NOTHING soon. */
	void (*kick)(void *backend);
	/*
	 * Sleep until the vCPU has an interrupt to take, its timer fires, it is
	 * kicked, or timeout_ns passes. Optional: without it a halted vCPU is
	 * simply resumed.
	 */
	int (*wait_for_interrupt)(void *backend, uint64_t timeout_ns);
	/*
	 * Start over at `entry` the way the architecture's boot protocol
	 * enters a kernel, with `arg` as its argument (riscv64: S-mode, MMU
	 * off, a0 = the hart id, a1 = arg). The board's first entry and the
	 * runtime's CpuUp both use it.
	 */
	int (*set_boot_args)(void *backend, uint64_t entry, uint64_t arg);
	/*
	 * Answer the Hypercall exit just returned: the architecture's status
	 * and value registers (riscv64 SBI: a0 = error, a1 = value). A backend
	 * preloads "not supported" before the exit, so resuming without an
	 * answer already tells the guest that.
	 */
	int (*set_hypercall_result)(void *backend, uint64_t status, uint64_t value);
	/*
	 * (any thread; optional) Hand each of the backend's named counters to
	 * fn (axvm/stats.h: instructions retired, traps by cause, hypervisor
	 * calls...); values read while the vCPU runs may be a moment old.
	 */
	void (*read_counters)(void *backend, void (*fn)(void *opaque, const char *name, uint64_t v),
			      void *opaque);

	/*
	 * Debugging (all optional; called while the vCPU does not run: its VM
	 * is paused, or on its own thread). Registers are numbered as the
	 * backend's GDB target description (debug_target_xml) numbers them;
	 * -AXVM_ENOENT for a number it does not have. Memory is addressed as
	 * the vCPU sees it now (its current translation), without side
	 * effects (no accessed/dirty updates, no guest faults, no device
	 * access: -AXVM_EFAULT); a write makes every vCPU of the VM forget
	 * the code it decoded. A debug point hit or a finished step ends
	 * run() with AXVM_EXIT_DEBUG before the instruction executes.
	 */
	const char *(*debug_target_xml)(void *backend);
	int (*debug_get_reg)(void *backend, unsigned regno, uint64_t *value);
	int (*debug_set_reg)(void *backend, unsigned regno, uint64_t value);
	int (*debug_read_mem)(void *backend, uint64_t addr, void *buf, uint64_t len);
	int (*debug_write_mem)(void *backend, uint64_t addr, const void *buf, uint64_t len);
	int (*debug_set_point)(void *backend, enum axvm_debug_point type, uint64_t addr,
			       uint64_t len, bool insert);
	/* Step mode: run() executes one instruction (no interrupt taken) and exits. */
	int (*debug_set_step)(void *backend, bool on);
};

struct axvm_vcpu;

/*
 * Create a vCPU with one reference. phys_cpu_id < 0 and cpu_mask == 0 means
 * "any CPU"; cpu_mask == 0 with phys_cpu_id >= 0 means 1 << phys_cpu_id.
 */
AXVM_API int axvm_vcpu_create(unsigned id, int phys_cpu_id, axvm_cpumask_t cpu_mask,
			      const struct axvm_vcpu_ops *ops, const void *arch_config,
			      const struct axvm_hal *hal, struct axvm_vcpu **out);

/* Take / drop a reference; the last put destroys the vCPU and its backend. */
AXVM_API struct axvm_vcpu *axvm_vcpu_get(struct axvm_vcpu *vcpu);
AXVM_API void axvm_vcpu_put(struct axvm_vcpu *vcpu);
AXVM_API unsigned axvm_vcpu_refcount(const struct axvm_vcpu *vcpu);

AXVM_API int axvm_vcpu_setup(struct axvm_vcpu *vcpu, uint64_t entry, struct axvm_addrspace *as,
			     const void *setup_config);
/* The same with every field of the setup info (the VM layer's sysreg lookup). */
AXVM_API int axvm_vcpu_setup_with(struct axvm_vcpu *vcpu, const struct axvm_vcpu_setup_info *info);
AXVM_API int axvm_vcpu_bind(struct axvm_vcpu *vcpu);
AXVM_API int axvm_vcpu_unbind(struct axvm_vcpu *vcpu);
AXVM_API int axvm_vcpu_run(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

AXVM_API int axvm_vcpu_set_entry(struct axvm_vcpu *vcpu, uint64_t entry);
AXVM_API int axvm_vcpu_set_gpr(struct axvm_vcpu *vcpu, unsigned reg, uint64_t value);
AXVM_API int axvm_vcpu_get_gpr(struct axvm_vcpu *vcpu, unsigned reg, uint64_t *value);
AXVM_API int axvm_vcpu_set_return_value(struct axvm_vcpu *vcpu, uint64_t value);
/* The backend's boot protocol at `entry` with `arg` (see set_boot_args above). */
AXVM_API int axvm_vcpu_set_boot_args(struct axvm_vcpu *vcpu, uint64_t entry, uint64_t arg);
/* Answer a Hypercall exit: status and value (see set_hypercall_result above). */
AXVM_API int axvm_vcpu_set_hypercall_result(struct axvm_vcpu *vcpu, uint64_t status,
					    uint64_t value);
AXVM_API int axvm_vcpu_inject_interrupt(struct axvm_vcpu *vcpu, uint64_t vector);
AXVM_API int axvm_vcpu_clear_interrupt(struct axvm_vcpu *vcpu, uint64_t vector);
AXVM_API void axvm_vcpu_kick(struct axvm_vcpu *vcpu);
AXVM_API int axvm_vcpu_wait_for_interrupt(struct axvm_vcpu *vcpu, uint64_t timeout_ns);
/*
 * Statistics (axvm/stats.h has the VM-level view): interrupts injected,
 * and the time spent in axvm_vcpu_wait_for_interrupt.
 */
AXVM_API uint64_t axvm_vcpu_irqs_injected(const struct axvm_vcpu *vcpu);
AXVM_API uint64_t axvm_vcpu_halted_ns(const struct axvm_vcpu *vcpu);
/* The backend's named counters (read_counters op): 0 or -AXVM_ENOTSUP. */
AXVM_API int axvm_vcpu_read_counters(struct axvm_vcpu *vcpu,
				     void (*fn)(void *opaque, const char *name, uint64_t v),
				     void *opaque);

/* The debug ops above; -AXVM_ENOTSUP when the backend has none. */
AXVM_API const char *axvm_vcpu_debug_target_xml(struct axvm_vcpu *vcpu);
AXVM_API int axvm_vcpu_debug_get_reg(struct axvm_vcpu *vcpu, unsigned regno, uint64_t *value);
AXVM_API int axvm_vcpu_debug_set_reg(struct axvm_vcpu *vcpu, unsigned regno, uint64_t value);
AXVM_API int axvm_vcpu_debug_read_mem(struct axvm_vcpu *vcpu, uint64_t addr, void *buf,
				      uint64_t len);
AXVM_API int axvm_vcpu_debug_write_mem(struct axvm_vcpu *vcpu, uint64_t addr, const void *buf,
				       uint64_t len);
AXVM_API int axvm_vcpu_debug_set_point(struct axvm_vcpu *vcpu, enum axvm_debug_point type,
				       uint64_t addr, uint64_t len, bool insert);
AXVM_API int axvm_vcpu_debug_set_step(struct axvm_vcpu *vcpu, bool on);

AXVM_API enum axvm_vcpu_state axvm_vcpu_state(const struct axvm_vcpu *vcpu);
AXVM_API const char *axvm_vcpu_state_name(enum axvm_vcpu_state state);
AXVM_API unsigned axvm_vcpu_id(const struct axvm_vcpu *vcpu);
AXVM_API int axvm_vcpu_phys_cpu_id(const struct axvm_vcpu *vcpu);
AXVM_API axvm_cpumask_t axvm_vcpu_cpu_mask(const struct axvm_vcpu *vcpu);
AXVM_API bool axvm_vcpu_is_bound(const struct axvm_vcpu *vcpu);
AXVM_API bool axvm_vcpu_is_bsp(const struct axvm_vcpu *vcpu);
/* The backend object (for architecture code that knows its type). */
AXVM_API void *axvm_vcpu_backend(const struct axvm_vcpu *vcpu);

#endif
