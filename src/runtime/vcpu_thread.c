/* SPDX-License-Identifier: MIT */
/*
 * One host thread per vCPU: each loops on axvm_run_vcpu (whose bind pins the
 * thread to the vCPU's CPU set) and handles the exits the VM layer hands
 * back, through a table indexed by exit reason. Handler contract: > 0 run
 * the vCPU again, 0 the thread ends (the VM is stopping).
 *
 * APs (vCPU id > 0) wait for a CpuUp naming them before they first run, and
 * after a CpuDown; the BSP starts at once (the board prepared its registers).
 */
#include "runtime/rt.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "axvm/log.h"
#include "axvm/vcpu.h"

/* Halt sleeps at most this long per wait; a kick or an interrupt ends it sooner. */
#define RT_HALT_WAIT_NS 1000000000ull

typedef int (*rt_exit_handler)(struct rt_slot *slot, struct axvm_exit *exit);

static bool rt_is_stopping(struct axvm_runtime *rt)
{
	bool stopping;

	pthread_mutex_lock(&rt->lock);
	stopping = rt->stopping;
	pthread_mutex_unlock(&rt->lock);
	return stopping;
}

/*
 * Sleep until a CpuUp names this vCPU (true: entry/arg are in the slot) or
 * the VM stops (false). The timed wait is a safety net against a missed
 * broadcast: the VM can also be stopped by a device (the test finisher).
 */
static bool rt_wait_for_start(struct rt_slot *slot, uint64_t *entry, uint64_t *arg)
{
	struct axvm_runtime *rt = slot->rt;
	bool started = false;

	pthread_mutex_lock(&rt->lock);
	while (!slot->start_pending && !rt->stopping && !axvm_is_shutting_down(rt->vm)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&rt->cond, &rt->lock, &ts);
	}
	if (slot->start_pending && !rt->stopping) {
		slot->start_pending = false;
		*entry = slot->start_entry;
		*arg = slot->start_arg;
		started = true;
	}
	pthread_mutex_unlock(&rt->lock);
	return started;
}

/* Start the vCPU at `entry` with `arg`, as the backend's boot protocol says. */
static int rt_enter_at(struct rt_slot *slot, uint64_t entry, uint64_t arg)
{
	struct axvm_vcpu *vcpu = axvm_vcpu(slot->rt->vm, slot->id);
	int ret = axvm_vcpu_set_boot_args(vcpu, entry, arg);

	if (ret)
		rt_set_error(slot->rt, "vCPU %u: cannot start at 0x%llx: %s", slot->id,
			     (unsigned long long)entry, axvm_error_message());
	return ret;
}

static int rt_exit_resume(struct rt_slot *slot, struct axvm_exit *exit)
{
	return 1;
}

/*
 * Sleep until an interrupt, the vCPU's timer, a kick, or the next board
 * device deadline (the RTC alarm: nothing else would fire it while every
 * vCPU sleeps), then fire what is due.
 */
static int rt_exit_halt(struct rt_slot *slot, struct axvm_exit *exit)
{
	struct axvm_runtime *rt = slot->rt;
	struct axvm_vcpu *vcpu = axvm_vcpu(rt->vm, slot->id);
	uint64_t wait = RT_HALT_WAIT_NS;
	uint64_t due = rt_poll_board(rt);

	if (due != UINT64_MAX) {
		uint64_t now = rt_hal_now(rt);

		if (due <= now)
			wait = 0;
		else if (due - now < wait)
			wait = due - now;
	}
	if (wait)
		axvm_vcpu_wait_for_interrupt(vcpu, wait);
	rt_poll_board(rt);
	return 1;
}

/* A spent run budget or a kick: a busy guest's chance to have device timers fired. */
static int rt_exit_nothing(struct rt_slot *slot, struct axvm_exit *exit)
{
	rt_poll_board(slot->rt);
	return 1;
}

static int rt_exit_cpu_up(struct rt_slot *slot, struct axvm_exit *exit)
{
	struct axvm_runtime *rt = slot->rt;
	uint64_t target = exit->cpu_up.target_cpu;

	if (target >= rt->nvcpus) {
		axvm_log_ratelimited(&slot->rt->guest_limit, AXVM_LOG_WARN,
				     "vCPU %u: CpuUp for vCPU %llu, the VM has %u", slot->id,
				     (unsigned long long)target, rt->nvcpus);
		return 1;
	}
	pthread_mutex_lock(&rt->lock);
	rt->slots[target].start_pending = true;
	rt->slots[target].start_entry = exit->cpu_up.entry_point;
	rt->slots[target].start_arg = exit->cpu_up.arg;
	pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->lock);
	return 1;
}

static int rt_exit_cpu_down(struct rt_slot *slot, struct axvm_exit *exit)
{
	uint64_t entry, arg;

	if (!rt_wait_for_start(slot, &entry, &arg))
		return 0;
	return rt_enter_at(slot, entry, arg) ? 0 : 1;
}

static int rt_exit_send_ipi(struct rt_slot *slot, struct axvm_exit *exit)
{
	struct axvm_runtime *rt = slot->rt;

	for (unsigned i = 0; i < rt->nvcpus; i++) {
		bool hit = exit->send_ipi.send_to_all
			       ? (i != slot->id || exit->send_ipi.send_to_self)
			       : (i == exit->send_ipi.target_cpu ||
				  (exit->send_ipi.send_to_self && i == slot->id));

		if (hit)
			axvm_vcpu_inject_interrupt(axvm_vcpu(rt->vm, i), exit->send_ipi.vector);
	}
	return 1;
}

static int rt_exit_system_down(struct rt_slot *slot, struct axvm_exit *exit)
{
	struct axvm_runtime *rt = slot->rt;

	pthread_mutex_lock(&rt->lock);
	if (!rt->sysdown && !rt->end_set) {
		rt->sysdown = true;
		rt->sysdown_type = exit->system_down.type;
		rt->sysdown_code = exit->system_down.code;
	}
	pthread_mutex_unlock(&rt->lock);
	rt_request_end(rt, AXVM_RUNTIME_END_POWEROFF);
	return 0;
}

/* Accesses no device claimed: reads as 0, writes dropped (as unassigned memory). */
static int rt_exit_unclaimed(struct rt_slot *slot, struct axvm_exit *exit)
{
	struct axvm_vcpu *vcpu = axvm_vcpu(slot->rt->vm, slot->id);
	char desc[160];

	axvm_exit_format(exit, desc, sizeof(desc));
	axvm_log_ratelimited(&slot->rt->guest_limit, AXVM_LOG_DEBUG, "vCPU %u: unclaimed %s",
			     slot->id, desc);
	if (exit->reason == AXVM_EXIT_MMIO_READ)
		axvm_vcpu_set_gpr(vcpu, exit->mmio_read.reg, 0);
	else if (exit->reason == AXVM_EXIT_SYSREG_READ)
		axvm_vcpu_set_gpr(vcpu, exit->sysreg_read.reg, 0);
	return 1;
}

/*
 * The embedder's handler first (opts.hypercall), then "not supported": the
 * backend loaded that answer before the exit, so resuming gives it.
 */
static int rt_exit_hypercall(struct rt_slot *slot, struct axvm_exit *exit)
{
	struct axvm_runtime *rt = slot->rt;

	if (rt->opts.hypercall) {
		int ret = rt->opts.hypercall(rt->opts.hypercall_opaque, rt->vm, slot->id, exit);

		if (ret == 0)
			return 1;
		if (ret != -AXVM_ENOTSUP) {
			rt_set_error(rt, "vCPU %u: hypercall 0x%llx fid %llu: handler failed: %s",
				     slot->id, (unsigned long long)exit->hypercall.nr,
				     (unsigned long long)exit->hypercall.fid, axvm_strerror(ret));
			rt_request_end(rt, AXVM_RUNTIME_END_ERROR);
			return 0;
		}
	}
	axvm_log_ratelimited(&rt->guest_limit, AXVM_LOG_DEBUG,
			     "vCPU %u: unhandled hypercall 0x%llx fid %llu", slot->id,
			     (unsigned long long)exit->hypercall.nr,
			     (unsigned long long)exit->hypercall.fid);
	return 1;
}

static int rt_exit_fatal(struct rt_slot *slot, struct axvm_exit *exit)
{
	char desc[160];

	axvm_exit_format(exit, desc, sizeof(desc));
	rt_set_error(slot->rt, "vCPU %u: %s", slot->id, desc);
	rt_request_end(slot->rt, AXVM_RUNTIME_END_ERROR);
	return 0;
}

/* A debugger's stop: the GDB stub (gdb.c) stops the VM and tells gdb. */
static int rt_exit_debug(struct rt_slot *slot, struct axvm_exit *exit)
{
	return rt_gdb_stopped(slot->rt, slot->id, exit);
}

static const rt_exit_handler rt_exit_handlers[AXVM_EXIT_REASON_COUNT] = {
    [AXVM_EXIT_HYPERCALL] = rt_exit_hypercall,
    [AXVM_EXIT_MMIO_READ] = rt_exit_unclaimed,
    [AXVM_EXIT_MMIO_WRITE] = rt_exit_unclaimed,
    [AXVM_EXIT_SYSREG_READ] = rt_exit_unclaimed,
    [AXVM_EXIT_SYSREG_WRITE] = rt_exit_unclaimed,
    [AXVM_EXIT_IO_READ] = rt_exit_unclaimed,
    [AXVM_EXIT_IO_WRITE] = rt_exit_unclaimed,
    [AXVM_EXIT_EXTERNAL_INTERRUPT] = rt_exit_resume,
    [AXVM_EXIT_NESTED_PAGE_FAULT] = rt_exit_fatal,
    [AXVM_EXIT_HALT] = rt_exit_halt,
    [AXVM_EXIT_CPU_UP] = rt_exit_cpu_up,
    [AXVM_EXIT_CPU_DOWN] = rt_exit_cpu_down,
    [AXVM_EXIT_SYSTEM_DOWN] = rt_exit_system_down,
    [AXVM_EXIT_SEND_IPI] = rt_exit_send_ipi,
    [AXVM_EXIT_NOTHING] = rt_exit_nothing,
    [AXVM_EXIT_FAIL_ENTRY] = rt_exit_fatal,
    [AXVM_EXIT_DEBUG] = rt_exit_debug,
};

static void rt_vcpu_loop(struct rt_slot *slot)
{
	struct axvm_runtime *rt = slot->rt;
	struct axvm_exit exit;

	if (slot->id != 0) {
		uint64_t entry, arg;

		if (!rt_wait_for_start(slot, &entry, &arg) || rt_enter_at(slot, entry, arg))
			return;
	}
	for (;;) {
		int ret = axvm_run_vcpu(rt->vm, slot->id, &exit);

		if (ret == -AXVM_ESHUTDOWN)
			return;
		if (ret < 0) {
			rt_set_error(rt, "vCPU %u: %s", slot->id, axvm_error_message());
			rt_request_end(rt, AXVM_RUNTIME_END_ERROR);
			return;
		}
		if (rt_exit_handlers[exit.reason](slot, &exit) <= 0 || rt_is_stopping(rt))
			return;
	}
}

static void *rt_vcpu_thread(void *arg)
{
	struct rt_slot *slot = arg;
	struct axvm_runtime *rt = slot->rt;

	rt_vcpu_loop(slot);
	/* Whoever ends first stops the rest: e.g. the finisher stopped the VM under us. */
	rt_stop_vcpus(rt);
	pthread_mutex_lock(&rt->lock);
	rt->threads_running--;
	pthread_mutex_unlock(&rt->lock);
	rt_wake(rt, RT_WAKE_THREAD_DONE);
	return NULL;
}

int rt_start_vcpu_threads(struct axvm_runtime *rt)
{
	sigset_t all, old;
	int ret = 0;

	/*
	 * Asynchronous signals go to the main thread's poll loop, never to a
	 * vCPU thread; faults stay deliverable (a blocked fault kills the
	 * process without running any handler, the sanitizers' included).
	 */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGABRT);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < rt->nvcpus; i++) {
		struct rt_slot *slot = &rt->slots[i];

		slot->rt = rt;
		slot->id = i;
		pthread_mutex_lock(&rt->lock);
		rt->threads_running++;
		pthread_mutex_unlock(&rt->lock);
		if (pthread_create(&slot->thread, NULL, rt_vcpu_thread, slot) != 0) {
			pthread_mutex_lock(&rt->lock);
			rt->threads_running--;
			pthread_mutex_unlock(&rt->lock);
			rt_set_error(rt, "cannot create the thread of vCPU %u", i);
			ret = -AXVM_ENOMEM;
			break;
		}
		slot->thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

void rt_join_vcpu_threads(struct axvm_runtime *rt)
{
	for (unsigned i = 0; i < rt->nvcpus; i++) {
		if (rt->slots[i].thread_started) {
			pthread_join(rt->slots[i].thread, NULL);
			rt->slots[i].thread_started = false;
		}
	}
}
