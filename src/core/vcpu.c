/* SPDX-License-Identifier: MIT */
/*
 * The generic vCPU: the reference's state machine around a backend ops
 * table. Every transition goes through vcpu_transition(), which checks the
 * current state and, when the backend op fails, leaves the vCPU Invalid
 * (terminal), as the reference's manipulate_arch_vcpu does.
 */
#include <axvm/log.h>
#include <axvm/vcpu.h>

#include <stdatomic.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/trace.h"

struct axvm_vcpu {
	unsigned id;
	int phys_cpu_id;
	axvm_cpumask_t cpu_mask; /* 0 = any CPU */
	const struct axvm_vcpu_ops *ops;
	const struct axvm_hal *hal;
	void *backend;
	_Atomic unsigned refcount;
	_Atomic int state;
	axvm_cpumask_t saved_mask; /* the thread's affinity before bind */
	bool pinned;

	/* axvm/stats.h */
	struct axvm_tracer *tracer;
	_Atomic uint64_t irqs_injected;
	_Atomic uint64_t halted_ns; /* written by the vCPU's thread only */
};

int axvm_vcpu_create(unsigned id, int phys_cpu_id, axvm_cpumask_t cpu_mask,
		     const struct axvm_vcpu_ops *ops, const void *arch_config,
		     const struct axvm_hal *hal, struct axvm_vcpu **out)
{
	struct axvm_vcpu_create_info info = {.id = id, .hal = hal, .arch_config = arch_config};
	struct axvm_vcpu *vcpu;
	int ret;

	*out = NULL;
	if (!ops || !ops->create || !ops->run || !hal)
		return axvm_error_set(-AXVM_EINVAL, "vcpu %u: %s", id,
				      hal ? "the backend has no create or run op" : "no HAL");
	if (phys_cpu_id >= 64)
		return axvm_error_set(-AXVM_ERANGE, "vcpu %u: physical CPU %d is outside 0..63", id,
				      phys_cpu_id);
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return axvm_error_set(-AXVM_ENOMEM, "vcpu %u: out of memory", id);
	vcpu->id = id;
	vcpu->phys_cpu_id = phys_cpu_id;
	/* As in the reference: no explicit set means "only the favoured CPU". */
	vcpu->cpu_mask = cpu_mask ? cpu_mask : (phys_cpu_id >= 0 ? 1ull << phys_cpu_id : 0);
	vcpu->ops = ops;
	vcpu->hal = hal;
	atomic_init(&vcpu->refcount, 1);
	atomic_init(&vcpu->state, AXVM_VCPU_STATE_CREATED);
	ret = ops->create(&info, &vcpu->backend);
	if (ret) {
		free(vcpu);
		return axvm_error_set(ret < 0 ? ret : -AXVM_EBACKEND, "vcpu %u: %s backend: %s", id,
				      ops->name ? ops->name : "the", axvm_strerror(ret));
	}
	*out = vcpu;
	return 0;
}

struct axvm_vcpu *axvm_vcpu_get(struct axvm_vcpu *vcpu)
{
	atomic_fetch_add(&vcpu->refcount, 1);
	return vcpu;
}

void axvm_vcpu_put(struct axvm_vcpu *vcpu)
{
	if (!vcpu || atomic_fetch_sub(&vcpu->refcount, 1) != 1)
		return;
	if (vcpu->ops->destroy)
		vcpu->ops->destroy(vcpu->backend);
	free(vcpu);
}

unsigned axvm_vcpu_refcount(const struct axvm_vcpu *vcpu)
{
	return atomic_load(&((struct axvm_vcpu *)vcpu)->refcount);
}

enum axvm_vcpu_state axvm_vcpu_state(const struct axvm_vcpu *vcpu)
{
	return (enum axvm_vcpu_state)atomic_load(&((struct axvm_vcpu *)vcpu)->state);
}

const char *axvm_vcpu_state_name(enum axvm_vcpu_state state)
{
	switch (state) {
	case AXVM_VCPU_STATE_INVALID:
		return "Invalid";
	case AXVM_VCPU_STATE_CREATED:
		return "Created";
	case AXVM_VCPU_STATE_FREE:
		return "Free";
	case AXVM_VCPU_STATE_READY:
		return "Ready";
	case AXVM_VCPU_STATE_RUNNING:
		return "Running";
	case AXVM_VCPU_STATE_BLOCKED:
		return "Blocked";
	}
	return "?";
}

/*
 * Claim a transition atomically: from -> `to` (the state while it is in
 * progress; `from` itself when the transition has no state of its own).
 * -AXVM_ESTATE if the vCPU is not in `from`.
 */
static int vcpu_enter(struct axvm_vcpu *vcpu, enum axvm_vcpu_state from, enum axvm_vcpu_state to,
		      const char *what)
{
	int expected = (int)from;

	if (atomic_compare_exchange_strong(&vcpu->state, &expected, (int)to))
		return 0;
	return axvm_error_set(-AXVM_ESTATE, "vcpu %u: %s in state %s (needs %s)", vcpu->id, what,
			      axvm_vcpu_state_name((enum axvm_vcpu_state)expected),
			      axvm_vcpu_state_name(from));
}

/* Finish a transition: the backend result decides between `to` and Invalid. */
static int vcpu_finish(struct axvm_vcpu *vcpu, enum axvm_vcpu_state to, int backend_ret,
		       const char *what)
{
	if (backend_ret) {
		atomic_store(&vcpu->state, AXVM_VCPU_STATE_INVALID);
		return axvm_error_set(
		    backend_ret < 0 ? backend_ret : -AXVM_EBACKEND,
		    "vcpu %u: %s failed in the backend (%s); the vCPU is now Invalid", vcpu->id,
		    what, axvm_strerror(backend_ret));
	}
	atomic_store(&vcpu->state, (int)to);
	return 0;
}

int axvm_vcpu_setup_with(struct axvm_vcpu *vcpu, const struct axvm_vcpu_setup_info *info)
{
	int ret = vcpu_enter(vcpu, AXVM_VCPU_STATE_CREATED, AXVM_VCPU_STATE_CREATED, "setup");

	if (ret)
		return ret;
	vcpu->tracer = info->tracer;
	ret = vcpu->ops->setup ? vcpu->ops->setup(vcpu->backend, info) : 0;
	return vcpu_finish(vcpu, AXVM_VCPU_STATE_FREE, ret, "setup");
}

int axvm_vcpu_setup(struct axvm_vcpu *vcpu, uint64_t entry, struct axvm_addrspace *as,
		    const void *setup_config)
{
	struct axvm_vcpu_setup_info info = {
	    .entry = entry, .addrspace = as, .setup_config = setup_config};

	return axvm_vcpu_setup_with(vcpu, &info);
}

static bool vcpu_cpu_allowed(const struct axvm_vcpu *vcpu, int cpu)
{
	return !vcpu->cpu_mask || (cpu >= 0 && cpu < 64 && (vcpu->cpu_mask & (1ull << cpu)));
}

int axvm_vcpu_bind(struct axvm_vcpu *vcpu)
{
	int ret = vcpu_enter(vcpu, AXVM_VCPU_STATE_FREE, AXVM_VCPU_STATE_FREE, "bind");
	int cpu;

	if (ret)
		return ret;
	/*
	 * Pin the thread to the vCPU's set first (the kernel migrates it
	 * there), then check where it actually runs: a set the host cannot
	 * satisfy is an affinity error, not a backend failure.
	 */
	vcpu->pinned = false;
	if (vcpu->cpu_mask && vcpu->hal->pin_thread) {
		ret = vcpu->hal->pin_thread(vcpu->hal->ctx, vcpu->cpu_mask, &vcpu->saved_mask);
		if (ret)
			return axvm_error_set(-AXVM_EAFFINITY,
					      "vcpu %u: cannot pin to CPU set 0x%llx", vcpu->id,
					      (unsigned long long)vcpu->cpu_mask);
		vcpu->pinned = true;
	}
	cpu = vcpu->hal->current_cpu ? vcpu->hal->current_cpu(vcpu->hal->ctx) : -1;
	if (vcpu->cpu_mask && !vcpu_cpu_allowed(vcpu, cpu)) {
		if (vcpu->pinned)
			vcpu->hal->pin_thread(vcpu->hal->ctx, vcpu->saved_mask, NULL);
		vcpu->pinned = false;
		return axvm_error_set(-AXVM_EAFFINITY,
				      "vcpu %u: bound on CPU %d, outside its CPU set 0x%llx",
				      vcpu->id, cpu, (unsigned long long)vcpu->cpu_mask);
	}
	ret = vcpu->ops->bind ? vcpu->ops->bind(vcpu->backend) : 0;
	return vcpu_finish(vcpu, AXVM_VCPU_STATE_READY, ret, "bind");
}

int axvm_vcpu_unbind(struct axvm_vcpu *vcpu)
{
	int ret = vcpu_enter(vcpu, AXVM_VCPU_STATE_READY, AXVM_VCPU_STATE_READY, "unbind");

	if (ret)
		return ret;
	ret = vcpu->ops->unbind ? vcpu->ops->unbind(vcpu->backend) : 0;
	if (vcpu->pinned) {
		vcpu->hal->pin_thread(vcpu->hal->ctx, vcpu->saved_mask, NULL);
		vcpu->pinned = false;
	}
	return vcpu_finish(vcpu, AXVM_VCPU_STATE_FREE, ret, "unbind");
}

/*
 * The hot path of every exit round trip: one compare-and-swap claims the
 * vCPU (Ready -> Running, so two threads can never run it at once) and a
 * release store gives it back; no other locked instruction.
 */
int axvm_vcpu_run(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	int ret = vcpu_enter(vcpu, AXVM_VCPU_STATE_READY, AXVM_VCPU_STATE_RUNNING, "run");

	if (ret)
		return ret;
	exit->reason = AXVM_EXIT_NOTHING;
	ret = vcpu->ops->run(vcpu->backend, exit);
	if (ret)
		return vcpu_finish(vcpu, AXVM_VCPU_STATE_READY, ret, "run");
	atomic_store_explicit(&vcpu->state, AXVM_VCPU_STATE_READY, memory_order_release);
	return 0;
}

/* Interrupt ops: any state but Invalid. */
static int vcpu_check_valid(struct axvm_vcpu *vcpu, const char *what)
{
	if (axvm_vcpu_state(vcpu) == AXVM_VCPU_STATE_INVALID)
		return axvm_error_set(-AXVM_ESTATE, "vcpu %u: %s on an Invalid vCPU", vcpu->id,
				      what);
	return 0;
}

/* Register-level ops: allowed whenever the vCPU is set up and not running elsewhere. */
static int vcpu_check_usable(struct axvm_vcpu *vcpu, const char *what)
{
	enum axvm_vcpu_state s = axvm_vcpu_state(vcpu);

	if (s == AXVM_VCPU_STATE_INVALID || s == AXVM_VCPU_STATE_RUNNING)
		return axvm_error_set(-AXVM_ESTATE, "vcpu %u: %s in state %s", vcpu->id, what,
				      axvm_vcpu_state_name(s));
	return 0;
}

/* What a register-level or interrupt op of the backend returned (its message if it failed). */
static int vcpu_op_result(struct axvm_vcpu *vcpu, int ret, const char *what)
{
	if (ret < 0)
		return axvm_error_set(ret, "vcpu %u: %s: %s", vcpu->id, what, axvm_strerror(ret));
	return 0;
}

int axvm_vcpu_set_entry(struct axvm_vcpu *vcpu, uint64_t entry)
{
	int ret = vcpu_check_usable(vcpu, "set_entry");

	if (ret)
		return ret;
	ret = vcpu->ops->set_entry ? vcpu->ops->set_entry(vcpu->backend, entry) : -AXVM_ENOTSUP;
	return vcpu_op_result(vcpu, ret, "set_entry");
}

int axvm_vcpu_set_gpr(struct axvm_vcpu *vcpu, unsigned reg, uint64_t value)
{
	int ret = vcpu_check_usable(vcpu, "set_gpr");

	if (ret)
		return ret;
	ret = vcpu->ops->set_gpr ? vcpu->ops->set_gpr(vcpu->backend, reg, value) : -AXVM_ENOTSUP;
	return ret ? vcpu_op_result(vcpu, ret, "set_gpr") : 0;
}

int axvm_vcpu_get_gpr(struct axvm_vcpu *vcpu, unsigned reg, uint64_t *value)
{
	int ret = vcpu_check_usable(vcpu, "get_gpr");

	*value = 0;
	if (ret)
		return ret;
	ret = vcpu->ops->get_gpr ? vcpu->ops->get_gpr(vcpu->backend, reg, value) : -AXVM_ENOTSUP;
	return ret ? vcpu_op_result(vcpu, ret, "get_gpr") : 0;
}

int axvm_vcpu_set_return_value(struct axvm_vcpu *vcpu, uint64_t value)
{
	int ret = vcpu_check_usable(vcpu, "set_return_value");

	if (ret)
		return ret;
	ret = vcpu->ops->set_return_value ? vcpu->ops->set_return_value(vcpu->backend, value)
					  : -AXVM_ENOTSUP;
	return vcpu_op_result(vcpu, ret, "set_return_value");
}

int axvm_vcpu_set_boot_args(struct axvm_vcpu *vcpu, uint64_t entry, uint64_t arg)
{
	int ret = vcpu_check_usable(vcpu, "set_boot_args");

	if (ret)
		return ret;
	ret = vcpu->ops->set_boot_args ? vcpu->ops->set_boot_args(vcpu->backend, entry, arg)
				       : -AXVM_ENOTSUP;
	return vcpu_op_result(vcpu, ret, "set_boot_args");
}

int axvm_vcpu_set_hypercall_result(struct axvm_vcpu *vcpu, uint64_t status, uint64_t value)
{
	int ret = vcpu_check_usable(vcpu, "set_hypercall_result");

	if (ret)
		return ret;
	ret = vcpu->ops->set_hypercall_result
		  ? vcpu->ops->set_hypercall_result(vcpu->backend, status, value)
		  : -AXVM_ENOTSUP;
	return vcpu_op_result(vcpu, ret, "set_hypercall_result");
}

int axvm_vcpu_inject_interrupt(struct axvm_vcpu *vcpu, uint64_t vector)
{
	int ret = vcpu_check_valid(vcpu, "inject_interrupt");

	if (!ret)
		ret = vcpu->ops->inject_interrupt
			  ? vcpu->ops->inject_interrupt(vcpu->backend, vector)
			  : -AXVM_ENOTSUP;
	if (!ret) {
		atomic_fetch_add_explicit(&vcpu->irqs_injected, 1, memory_order_relaxed);
		if (axvm_tracing(vcpu->tracer, AXVM_TRACE_IRQ))
			axvm_trace_emit(vcpu->tracer, vcpu->id, "irq", "inject vector %llu",
					(unsigned long long)vector);
	}
	return vcpu_op_result(vcpu, ret, "inject_interrupt");
}

int axvm_vcpu_clear_interrupt(struct axvm_vcpu *vcpu, uint64_t vector)
{
	int ret = vcpu_check_valid(vcpu, "clear_interrupt");

	if (!ret)
		ret = vcpu->ops->clear_interrupt ? vcpu->ops->clear_interrupt(vcpu->backend, vector)
						 : -AXVM_ENOTSUP;
	return vcpu_op_result(vcpu, ret, "clear_interrupt");
}

void axvm_vcpu_kick(struct axvm_vcpu *vcpu)
{
	if (vcpu->ops->kick)
		vcpu->ops->kick(vcpu->backend);
}

int axvm_vcpu_wait_for_interrupt(struct axvm_vcpu *vcpu, uint64_t timeout_ns)
{
	int ret = vcpu_check_valid(vcpu, "wait_for_interrupt");
	uint64_t t;

	if (ret || !vcpu->ops->wait_for_interrupt)
		return ret;
	t = vcpu->hal->now_ns(vcpu->hal->ctx);
	ret = vcpu->ops->wait_for_interrupt(vcpu->backend, timeout_ns);
	t = vcpu->hal->now_ns(vcpu->hal->ctx) - t;
	atomic_store_explicit(&vcpu->halted_ns,
			      atomic_load_explicit(&vcpu->halted_ns, memory_order_relaxed) + t,
			      memory_order_relaxed);
	return vcpu_op_result(vcpu, ret, "wait_for_interrupt");
}

uint64_t axvm_vcpu_irqs_injected(const struct axvm_vcpu *vcpu)
{
	return atomic_load_explicit(&((struct axvm_vcpu *)vcpu)->irqs_injected,
				    memory_order_relaxed);
}

uint64_t axvm_vcpu_halted_ns(const struct axvm_vcpu *vcpu)
{
	return atomic_load_explicit(&((struct axvm_vcpu *)vcpu)->halted_ns, memory_order_relaxed);
}

int axvm_vcpu_read_counters(struct axvm_vcpu *vcpu,
			    void (*fn)(void *opaque, const char *name, uint64_t v), void *opaque)
{
	if (!vcpu->ops->read_counters)
		return -AXVM_ENOTSUP;
	vcpu->ops->read_counters(vcpu->backend, fn, opaque);
	return 0;
}

unsigned axvm_vcpu_id(const struct axvm_vcpu *vcpu)
{
	return vcpu->id;
}

int axvm_vcpu_phys_cpu_id(const struct axvm_vcpu *vcpu)
{
	return vcpu->phys_cpu_id;
}

axvm_cpumask_t axvm_vcpu_cpu_mask(const struct axvm_vcpu *vcpu)
{
	return vcpu->cpu_mask;
}

bool axvm_vcpu_is_bound(const struct axvm_vcpu *vcpu)
{
	enum axvm_vcpu_state s = axvm_vcpu_state(vcpu);

	return s == AXVM_VCPU_STATE_READY || s == AXVM_VCPU_STATE_RUNNING;
}

bool axvm_vcpu_is_bsp(const struct axvm_vcpu *vcpu)
{
	return vcpu->id == 0;
}

void *axvm_vcpu_backend(const struct axvm_vcpu *vcpu)
{
	return vcpu->backend;
}
