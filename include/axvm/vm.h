/* SPDX-License-Identifier: MIT */
/*
 * The VM: config, vCPU list, devices and guest-physical address space.
 *
 * Life cycle (the reference's VM status):
 *   axvm_create   -> Loading  (empty address space)
 *   axvm_init     -> Loaded   (vCPUs built, memory mapped, devices registered;
 *                              the caller then loads images)
 *   axvm_boot     -> Running  (only from Loaded: booting twice is an error)
 *   axvm_shutdown -> Stopping (vCPUs leave their run loops)
 *                 -> Stopped  (set by the last vCPU to leave, or at once if
 *                              none is inside axvm_run_vcpu)
 *   axvm_pause    -> Suspended (from Running: every vCPU parks at an
 *                              instruction boundary; guest time stops)
 *   axvm_resume   -> Running   (continues exactly where each vCPU stopped)
 *
 * Threads: axvm_run_vcpu runs on the thread that owns that vCPU, one thread
 * per vCPU; shutdown, status queries, guest memory access and vCPU lookups
 * are safe from any thread; create/init/register/destroy from one thread
 * while no vCPU runs.
 *
 * Errors: every int function returns 0 or a negative AXVM_E*, and a failure
 * records a message naming the field, address or vCPU for the calling
 * thread (axvm_error_message()).
 */
#ifndef AXVM_VM_H
#define AXVM_VM_H

#include "addrspace.h"
#include "config.h"
#include "device.h"
#include "exit.h"
#include "vcpu.h"

enum axvm_vm_status {
	AXVM_VM_LOADING,
	AXVM_VM_LOADED,
	AXVM_VM_RUNNING,
	AXVM_VM_SUSPENDED,
	AXVM_VM_STOPPING,
	AXVM_VM_STOPPED,
};

struct axvm;

/* Create a VM (status Loading) from a copy of *cfg. */
AXVM_API int axvm_create(const struct axvm_config *cfg, struct axvm **out);
/* Build vCPUs, map memory regions, register configured devices. */
AXVM_API int axvm_init(struct axvm *vm);
AXVM_API int axvm_boot(struct axvm *vm);
AXVM_API int axvm_shutdown(struct axvm *vm);
/* Destroy the VM; vCPU references held elsewhere stay valid until put. */
AXVM_API void axvm_destroy(struct axvm *vm);

AXVM_API bool axvm_is_running(const struct axvm *vm);
AXVM_API bool axvm_is_shutting_down(const struct axvm *vm);
AXVM_API enum axvm_vm_status axvm_status(const struct axvm *vm);
AXVM_API const char *axvm_status_name(enum axvm_vm_status status);
AXVM_API uint64_t axvm_id(const struct axvm *vm);
AXVM_API const struct axvm_config *axvm_config(const struct axvm *vm);
/*
 * Deprecated: axvm_error_message() (types.h), which this returns. Messages
 * are per thread, not per VM: `vm` is not used. Kept so that code reading
 * the message right after a failed call on the same thread still works.
 */
AXVM_API const char *axvm_last_error(const struct axvm *vm);

AXVM_API unsigned axvm_vcpu_num(const struct axvm *vm);
/* A borrowed pointer (valid while the VM lives); NULL for a bad id. */
AXVM_API struct axvm_vcpu *axvm_vcpu(const struct axvm *vm, unsigned id);

AXVM_API struct axvm_addrspace *axvm_addrspace(const struct axvm *vm);
AXVM_API struct axvm_bus *axvm_bus(const struct axvm *vm, enum axvm_bus_kind kind);

/*
 * Register an emulated device on one of the VM's buses. For MMIO, the range
 * is also mapped in the address space as an emulated region. Only before boot.
 * On success the VM owns the device (its release() runs when the VM is
 * destroyed); on failure nothing was registered or mapped and release() is
 * not called: the caller still owns the device's state.
 */
AXVM_API int axvm_register_device(struct axvm *vm, enum axvm_bus_kind kind,
				  const struct axvm_device_desc *desc);

/* Guest RAM access; the range must lie in one RAM region (-AXVM_ERANGE). */
AXVM_API int axvm_read_guest(struct axvm *vm, axvm_gpa_t gpa, void *buf, uint64_t len);
AXVM_API int axvm_write_guest(struct axvm *vm, axvm_gpa_t gpa, const void *buf, uint64_t len);

/*
 * Pause a Running VM (status Suspended; also fine when already Suspended).
 * Every vCPU inside axvm_run_vcpu leaves run() at its next instruction
 * boundary and waits there; a vCPU that enters axvm_run_vcpu later waits at
 * once. Returns when every vCPU inside axvm_run_vcpu waits (so its
 * registers may be read from another thread), -AXVM_ESHUTDOWN if the VM
 * shuts down meanwhile. The guest clock (axvm_guest_clock_ns: the harts'
 * time and timers) stops until axvm_resume. Any thread but a vCPU thread
 * inside axvm_run_vcpu (it would wait for itself); vCPU threads between two
 * axvm_run_vcpu calls may call it.
 */
AXVM_API int axvm_pause(struct axvm *vm);
/* Resume a Suspended VM: every vCPU continues where it stopped. */
AXVM_API int axvm_resume(struct axvm *vm);
/*
 * Let vCPU `id` alone run while the VM stays Suspended, e.g. for a
 * debugger's single step (guest time runs meanwhile: a step over wfi waits
 * for the timer); the next axvm_pause parks it again and stops the clock.
 */
AXVM_API int axvm_resume_vcpu(struct axvm *vm, unsigned id);
/* The guest clock in ns: the HAL's monotonic time minus the time spent paused. */
AXVM_API uint64_t axvm_guest_clock_ns(const struct axvm *vm);

/*
 * Run vCPU `id` on the calling thread until an exit its caller must handle.
 * Binds the vCPU to the calling CPU (failing with -AXVM_EAFFINITY outside
 * its CPU set), loops on run(): MMIO, port and system-register accesses go
 * to the VM's buses (a read's value is written back into the guest register),
 * nested page faults populate lazy memory, and the vCPU is resumed. Any other
 * exit, or an access that no device claims, unbinds and returns 0 with the
 * exit in *exit. Returns -AXVM_ESHUTDOWN (exit reason Nothing) when the VM
 * is shutting down, other negative codes on errors.
 */
AXVM_API int axvm_run_vcpu(struct axvm *vm, unsigned id, struct axvm_exit *exit);

/* Per-VM counters of exits seen by axvm_run_vcpu, indexed by reason. */
AXVM_API uint64_t axvm_exit_count(const struct axvm *vm, enum axvm_exit_reason reason);
/* Per vCPU, timing, device accesses and tracing: axvm/stats.h. */

#endif
