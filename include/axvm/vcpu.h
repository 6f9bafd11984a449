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
