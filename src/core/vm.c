/* SPDX-License-Identifier: MIT */
/*
 * The VM object and its run loop (the reference's AxVM and run_vcpu).
 *
 * Status changes and the count of vCPUs inside axvm_run_vcpu are guarded by
 * one mutex, so "the last vCPU to leave sets Stopped" holds even when
 * shutdown races with a vCPU entering its loop. The flags `running` and
 * `shutting_down` are also atomics, read lock-free on the hot path.
 */
#include <axvm/log.h>
#include <axvm/vm.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/bus_vcpu.h"
#include "core/counters.h"
#include "core/error.h"
#include "core/trace.h"

struct axvm {
	struct axvm_config config;
	const struct axvm_hal *hal;
	const struct axvm_vcpu_ops *vcpu_ops;
	struct axvm_addrspace *as;
	struct axvm_bus *bus[AXVM_BUS_COUNT];
	unsigned vcpu_count;
	struct axvm_vcpu *vcpus[AXVM_CONFIG_MAX_VCPUS];

	pthread_mutex_t lock; /* status, active_vcpus, the pause state below */
	_Atomic int status;
	_Atomic bool running;
	_Atomic bool shutting_down;
	unsigned active_vcpus;

	/*
	 * Pause (status Suspended): `pause_req` is read lock-free by the run
	 * loop; a vCPU that sees it parks on `park_cond` at its next
	 * instruction boundary, counted in `parked`, unless `released` lets it
	 * run on its own (a debugger's single step). `pause_cond` tells
	 * axvm_pause that one more vCPU parked.
	 */
	_Atomic bool pause_req;
	unsigned parked;
	bool released[AXVM_CONFIG_MAX_VCPUS];
	pthread_cond_t park_cond;
	pthread_cond_t pause_cond;
	/*
	 * The guest clock: the HAL's monotonic time minus the time spent
	 * paused (clock_paused_ns), frozen at clock_frozen_at while paused
	 * (0 = not frozen). The harts read it through their setup info.
	 */
	_Atomic uint64_t clock_paused_ns;
	_Atomic uint64_t clock_frozen_at;

	/*
	 * Per-vCPU exit counters: each row is written only by the thread that
	 * runs that vCPU, so an increment is a plain load and store (no locked
	 * instruction on the exit path); readers sum the rows.
	 */
	_Atomic uint64_t exit_counts[AXVM_CONFIG_MAX_VCPUS][AXVM_EXIT_REASON_COUNT];
	/*
	 * The MMIO fast path's context per vCPU (bus_vcpu.h). MMIO exits, fast
	 * or not, are counted once, by the bus in the vCPU's row
	 * (axvm_bus_vcpu_counts): exit_counts stays zero for MmioRead and
	 * MmioWrite.
	 */
	struct axvm_bus_fast fast[AXVM_CONFIG_MAX_VCPUS];
	/* Time per vCPU (axvm/stats.h), the same single-writer rows. */
	_Atomic uint64_t run_ns[AXVM_CONFIG_MAX_VCPUS];
	_Atomic uint64_t vmm_ns[AXVM_CONFIG_MAX_VCPUS];
	uint64_t clock_read_ns; /* one hal->now_ns() call: each timed sample less this */
	struct axvm_ratelimit device_error_limit;
	struct axvm_tracer tracer;
};

const char *axvm_last_error(const struct axvm *vm)
{
	return axvm_error_message();
}

const char *axvm_status_name(enum axvm_vm_status status)
{
	switch (status) {
	case AXVM_VM_LOADING:
		return "Loading";
	case AXVM_VM_LOADED:
		return "Loaded";
	case AXVM_VM_RUNNING:
		return "Running";
	case AXVM_VM_SUSPENDED:
		return "Suspended";
	case AXVM_VM_STOPPING:
		return "Stopping";
	case AXVM_VM_STOPPED:
		return "Stopped";
	}
	return "?";
}

/*
 * What a clock read costs: the median of 31 back-to-back pairs (the
 * typical read, which is what each sample carries; a preempted pair moves
 * the median little).
 */
static uint64_t vm_clock_read_ns(const struct axvm_hal *hal)
{
	uint64_t d[31];

	for (unsigned i = 0; i < 31; i++) {
		uint64_t t0 = hal->now_ns(hal->ctx);

		d[i] = hal->now_ns(hal->ctx) - t0;
	}
	for (unsigned i = 1; i < 31; i++) /* insertion sort: 31 values, once per VM */
		for (unsigned j = i; j > 0 && d[j - 1] > d[j]; j--) {
			uint64_t x = d[j];

			d[j] = d[j - 1];
			d[j - 1] = x;
		}
	return d[15];
}

int axvm_create(const struct axvm_config *cfg, struct axvm **out)
{
	struct axvm *vm;
	int ret;

	*out = NULL;
	if (!cfg)
		return axvm_error_set(-AXVM_EINVAL, "create: no config");
	/* The backend is the config's choice (axvm_config_init's default, or the board's). */
	if (!cfg->vcpu_ops)
		return axvm_error_set(-AXVM_EINVAL, "create: no vCPU backend (config vcpu_ops is "
						    "NULL; axvm_config_init sets the default)");
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return axvm_error_set(-AXVM_ENOMEM, "create: out of memory");
	vm->config = *cfg;
	vm->hal = cfg->hal ? cfg->hal : axvm_hal_linux();
	vm->vcpu_ops = cfg->vcpu_ops;
	vm->config.hal = vm->hal;
	vm->config.vcpu_ops = vm->vcpu_ops;
	vm->clock_read_ns = vm_clock_read_ns(vm->hal);
	axvm_tracer_init(&vm->tracer, vm->hal);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->park_cond, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	atomic_init(&vm->status, AXVM_VM_LOADING);
	ret = axvm_addrspace_create(vm->hal, &vm->as);
	for (int k = 0; !ret && k < AXVM_BUS_COUNT; k++)
		ret = axvm_bus_create((enum axvm_bus_kind)k, &vm->bus[k]);
	if (ret) {
		axvm_destroy(vm);
		return axvm_error_set(ret, "create: address space and buses: %s",
				      axvm_strerror(ret));
	}
	*out = vm;
	return 0;
}

/* The hart asks this (through its setup info) instead of reaching into the VM's bus. */
static bool vm_sysreg_claimed(void *opaque, uint64_t addr)
{
	struct axvm *vm = opaque;

	return axvm_bus_find(vm->bus[AXVM_BUS_SYSREG], addr) != NULL;
}

static uint64_t vm_guest_clock_ns(void *opaque)
{
	struct axvm *vm = opaque;
	uint64_t frozen = atomic_load(&vm->clock_frozen_at);
	uint64_t now = frozen ? frozen : vm->hal->now_ns(vm->hal->ctx);

	return now - atomic_load(&vm->clock_paused_ns);
}

uint64_t axvm_guest_clock_ns(const struct axvm *vm)
{
	return vm_guest_clock_ns((void *)vm);
}

static void vm_mmio_fast_failed(void *opaque, int ret, uint64_t addr, bool write);

static int vm_create_vcpus(struct axvm *vm)
{
	const struct axvm_config *c = &vm->config;

	if (c->cpu_num == 0 || c->cpu_num > AXVM_CONFIG_MAX_VCPUS)
		return axvm_error_set(-AXVM_EINVAL, "base.cpu_num: %u is outside 1..%d", c->cpu_num,
				      AXVM_CONFIG_MAX_VCPUS);
	for (unsigned i = 0; i < c->cpu_num; i++) {
		int phys = c->has_phys_cpu_ids ? c->phys_cpu_ids[i] : -1;
		axvm_cpumask_t mask = c->has_phys_cpu_sets ? c->phys_cpu_sets[i] : 0;
		struct axvm_vcpu_setup_info info = {
		    .entry = i == 0 ? c->bsp_entry : c->ap_entry,
		    .addrspace = vm->as,
		    .setup_config = c->vcpu_setup_config,
		    .sysreg_claimed = vm_sysreg_claimed,
		    .sysreg_opaque = vm,
		    .tracer = &vm->tracer,
		    .guest_clock_ns = vm_guest_clock_ns,
		    .clock_opaque = vm,
		    .mmio_access = axvm_bus_fast_access,
		    .mmio_opaque = &vm->fast[i],
		};
		int ret = axvm_vcpu_create(i, phys, mask, vm->vcpu_ops, c->vcpu_arch_config,
					   vm->hal, &vm->vcpus[i]);

		if (ret)
			return axvm_error_set(ret, "vcpu %u: creation failed: %s", i,
					      axvm_strerror(ret));
		vm->vcpu_count = i + 1;
		/* Traced exits and accesses take the exit path, which traces them. */
		axvm_bus_fast_init(&vm->fast[i], vm->bus[AXVM_BUS_MMIO], i);
		vm->fast[i].gate = &vm->tracer.mask;
		vm->fast[i].gate_mask = AXVM_TRACE_EXITS | AXVM_TRACE_MMIO;
		vm->fast[i].hal = vm->hal;
		vm->fast[i].clock_read_ns = vm->clock_read_ns;
		vm->fast[i].vmm_ns = &vm->vmm_ns[i];
		vm->fast[i].failed = vm_mmio_fast_failed;
		vm->fast[i].failed_opaque = vm;
		ret = axvm_vcpu_setup_with(vm->vcpus[i], &info);
		if (ret)
			return axvm_error_set(ret, "vcpu %u: setup at entry 0x%llx failed: %s", i,
					      (unsigned long long)info.entry, axvm_strerror(ret));
	}
	return 0;
}

static int vm_map_regions(struct axvm *vm)
{
	const struct axvm_config *c = &vm->config;

	for (unsigned i = 0; i < c->region_count; i++) {
		const struct axvm_mem_region *r = &c->regions[i];
		int ret;

		switch (r->map_type) {
		case AXVM_MAP_ALLOC:
			ret = axvm_addrspace_map_linear(vm->as, r->gpa, r->size, r->flags);
			break;
		case AXVM_MAP_LAZY:
			ret = axvm_addrspace_map_lazy(vm->as, r->gpa, r->size, r->flags);
			break;
		case AXVM_MAP_IDENTICAL:
			ret = axvm_addrspace_map_host(vm->as, r->gpa, r->gpa, r->size, r->flags);
			break;
		case AXVM_MAP_RESERVED:
			/* Honour the configured host address (the reference mapped gpa->gpa). */
			ret = axvm_addrspace_map_host(vm->as, r->gpa, r->hpa, r->size, r->flags);
			break;
		default:
			ret = -AXVM_EINVAL;
			break;
		}
		if (ret)
			return axvm_error_set(
			    ret, "kernel.memory_regions[%u]: mapping [0x%llx, +0x%llx) failed: %s",
			    i, (unsigned long long)r->gpa, (unsigned long long)r->size,
			    axvm_strerror(ret));
	}
	return 0;
}

/*
 * Map [base, base+size) rounded out to pages as emulated (MMIO) space,
 * skipping pages already mapped as MMIO: two small devices may share a page.
 * Anything else already there (RAM) is an overlap.
 */
/*
 * The first region that ends after `page` (regions are sorted and disjoint),
 * or false if none does.
 */
static bool vm_region_after(struct axvm *vm, uint64_t page, struct axvm_region_info *ri)
{
	size_t n = axvm_addrspace_region_count(vm->as);

	for (size_t i = 0; i < n; i++)
		if (axvm_addrspace_region(vm->as, i, ri) == 0 && ri->gpa + (ri->size - 1) >= page)
			return true;
	return false;
}

/*
 * Whether [base, base+size) can become MMIO space: nothing but MMIO in its
 * pages. Walks the regions, not the pages: a PCIe window is 64K pages.
 */
static int vm_check_mmio_pages(struct axvm *vm, uint64_t base, uint64_t size)
{
	uint64_t start = base & ~(AXVM_PAGE_SIZE - 1);
	uint64_t end = (base + size + AXVM_PAGE_SIZE - 1) & ~(AXVM_PAGE_SIZE - 1);
	struct axvm_region_info ri;

	if (!size || end <= start)
		return -AXVM_ERANGE;
	for (uint64_t at = start; at < end && vm_region_after(vm, at, &ri) && ri.gpa < end;
	     at = ri.gpa + ri.size) {
		if (ri.kind != AXVM_REGION_MMIO)
			return -AXVM_EOVERLAP;
		if (ri.gpa + ri.size < ri.gpa)
			break; /* the region runs to the top of the address space */
	}
	return 0;
}

/* Make [base, base+size) MMIO space, keeping the MMIO regions already in it. */
static int vm_map_mmio_pages(struct axvm *vm, uint64_t base, uint64_t size)
{
	uint64_t start = base & ~(AXVM_PAGE_SIZE - 1);
	uint64_t end = (base + size + AXVM_PAGE_SIZE - 1) & ~(AXVM_PAGE_SIZE - 1);
	struct axvm_region_info ri;
	int ret = vm_check_mmio_pages(vm, base, size);
	uint64_t page = start;

	if (ret)
		return ret;
	while (page < end) {
		uint64_t gap_end = end;
		bool more = vm_region_after(vm, page, &ri) && ri.gpa < end;

		if (more && ri.gpa <= page) { /* inside an MMIO region already there */
			if (ri.gpa + ri.size < ri.gpa)
				break;
			page = ri.gpa + ri.size;
			continue;
		}
		if (more)
			gap_end = ri.gpa;
		ret = axvm_addrspace_map_mmio(vm->as, page, gap_end - page);
		if (ret)
			return ret;
		page = gap_end;
	}
	return 0;
}

/*
 * Configured devices: emulated ones get an MMIO region, so guest accesses
 * become MMIO exits; the models themselves are registered by the board or
 * the embedding program (axvm_register_device), and an access that no model
 * claims is returned to the caller. Passthrough devices map host memory at
 * their host-physical address.
 */
static int vm_map_devices(struct axvm *vm)
{
	const struct axvm_config *c = &vm->config;

	for (unsigned i = 0; i < c->emu_device_count; i++) {
		const struct axvm_emu_device *d = &c->emu_devices[i];
		int ret = vm_map_mmio_pages(vm, d->base_gpa, d->length);

		if (ret)
			return axvm_error_set(
			    ret, "devices.emu_devices[%u] (%s): MMIO range 0x%llx+0x%llx: %s", i,
			    d->name, (unsigned long long)d->base_gpa, (unsigned long long)d->length,
			    axvm_strerror(ret));
	}
	for (unsigned i = 0; i < c->passthrough_count; i++) {
		const struct axvm_passthrough_device *d = &c->passthrough[i];
		int ret = axvm_addrspace_map_host(vm->as, d->base_gpa, d->base_hpa, d->length,
						  AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_DEVICE);

		if (ret)
			return axvm_error_set(ret,
					      "devices.passthrough_devices[%u] (%s): mapping gpa "
					      "0x%llx to hpa 0x%llx: %s",
					      i, d->name, (unsigned long long)d->base_gpa,
					      (unsigned long long)d->base_hpa, axvm_strerror(ret));
	}
	return 0;
}

int axvm_init(struct axvm *vm)
{
	int ret;

	if (atomic_load(&vm->status) != AXVM_VM_LOADING)
		return axvm_error_set(-AXVM_ESTATE, "init: VM is %s, not Loading",
				      axvm_status_name(axvm_status(vm)));
	ret = axvm_config_validate(&vm->config, NULL, 0); /* records the message */
	if (ret)
		return ret;
	ret = vm_map_regions(vm);
	if (!ret)
		ret = vm_map_devices(vm);
	if (!ret)
		ret = vm_create_vcpus(vm);
	if (ret)
		return ret;
	atomic_store(&vm->status, AXVM_VM_LOADED);
	return 0;
}

int axvm_boot(struct axvm *vm)
{
	int ret = 0;

	pthread_mutex_lock(&vm->lock);
	if (atomic_load(&vm->status) != AXVM_VM_LOADED) {
		ret = axvm_error_set(-AXVM_ESTATE, "boot: VM is %s; only a Loaded VM boots (once)",
				     axvm_status_name(axvm_status(vm)));
	} else {
		atomic_store(&vm->running, true);
		atomic_store(&vm->status, AXVM_VM_RUNNING);
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int axvm_shutdown(struct axvm *vm)
{
	enum axvm_vm_status s;

	pthread_mutex_lock(&vm->lock);
	s = (enum axvm_vm_status)atomic_load(&vm->status);
	if (s == AXVM_VM_STOPPING || s == AXVM_VM_STOPPED) {
		pthread_mutex_unlock(&vm->lock);
		return axvm_error_set(-AXVM_ESTATE, "shutdown: VM is already %s",
				      axvm_status_name(s));
	}
	atomic_store(&vm->shutting_down, true);
	atomic_store(&vm->status, vm->active_vcpus ? AXVM_VM_STOPPING : AXVM_VM_STOPPED);
	atomic_store(&vm->running, false);
	pthread_cond_broadcast(&vm->park_cond); /* parked vCPUs leave too */
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->lock);
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		axvm_vcpu_kick(vm->vcpus[i]);
	return 0;
}

/* Every vCPU inside axvm_run_vcpu and not released is parked (lock held). */
static bool vm_all_parked(struct axvm *vm)
{
	unsigned released = 0;

	for (unsigned i = 0; i < vm->vcpu_count; i++)
		released += vm->released[i];
	return vm->parked + released >= vm->active_vcpus;
}

int axvm_pause(struct axvm *vm)
{
	enum axvm_vm_status s;

	pthread_mutex_lock(&vm->lock);
	s = (enum axvm_vm_status)atomic_load(&vm->status);
	if (s != AXVM_VM_RUNNING && s != AXVM_VM_SUSPENDED) {
		pthread_mutex_unlock(&vm->lock);
		return axvm_error_set(-AXVM_ESTATE, "pause: VM is %s, not Running",
				      axvm_status_name(s));
	}
	if (!atomic_load(&vm->clock_frozen_at)) {
		uint64_t now = vm->hal->now_ns(vm->hal->ctx);

		atomic_store(&vm->clock_frozen_at, now ? now : 1);
	}
	atomic_store(&vm->status, AXVM_VM_SUSPENDED);
	atomic_store(&vm->pause_req, true);
	memset(vm->released, 0, sizeof(vm->released));
	pthread_mutex_unlock(&vm->lock);
	/* Running vCPUs leave run() at their next instruction boundary; halted ones wake. */
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		axvm_vcpu_kick(vm->vcpus[i]);
	pthread_mutex_lock(&vm->lock);
	while (!vm_all_parked(vm) && !atomic_load(&vm->shutting_down))
		pthread_cond_wait(&vm->pause_cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	return atomic_load(&vm->shutting_down) ? -AXVM_ESHUTDOWN : 0;
}

/* Guest time picks up where it stopped: the pause is added to the offset (lock held). */
static void vm_clock_thaw(struct axvm *vm)
{
	uint64_t frozen = atomic_load(&vm->clock_frozen_at);

	if (!frozen)
		return;
	atomic_store(&vm->clock_paused_ns,
		     atomic_load(&vm->clock_paused_ns) + (vm->hal->now_ns(vm->hal->ctx) - frozen));
	atomic_store(&vm->clock_frozen_at, 0);
}

int axvm_resume(struct axvm *vm)
{
	pthread_mutex_lock(&vm->lock);
	if (atomic_load(&vm->status) != AXVM_VM_SUSPENDED) {
		pthread_mutex_unlock(&vm->lock);
		return axvm_error_set(-AXVM_ESTATE, "resume: VM is %s, not Suspended",
				      axvm_status_name(axvm_status(vm)));
	}
	vm_clock_thaw(vm);
	memset(vm->released, 0, sizeof(vm->released));
	atomic_store(&vm->pause_req, false);
	atomic_store(&vm->status, AXVM_VM_RUNNING);
	pthread_cond_broadcast(&vm->park_cond);
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

int axvm_resume_vcpu(struct axvm *vm, unsigned id)
{
	int ret = 0;

	pthread_mutex_lock(&vm->lock);
	if (id >= vm->vcpu_count)
		ret = axvm_error_set(-AXVM_ENOENT, "resume vcpu %u: the VM has %u", id,
				     vm->vcpu_count);
	else if (atomic_load(&vm->status) != AXVM_VM_SUSPENDED)
		ret = axvm_error_set(-AXVM_ESTATE, "resume vcpu %u: VM is %s, not Suspended", id,
				     axvm_status_name(axvm_status(vm)));
	else
		vm->released[id] = true;
	/*
	 * Time runs while one vCPU runs (a step over wfi waits for its timer),
	 * as a debugger's step in QEMU; the next axvm_pause stops it again.
	 */
	if (!ret)
		vm_clock_thaw(vm);
	pthread_cond_broadcast(&vm->park_cond);
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

/*
 * Park the calling vCPU while the VM is paused (its run loop, between two
 * run() calls: an instruction boundary). Whether it waited.
 */
static bool vm_park(struct axvm *vm, unsigned id)
{
	bool waited = false;

	pthread_mutex_lock(&vm->lock);
	if (atomic_load(&vm->pause_req) && !vm->released[id]) {
		waited = true;
		vm->parked++;
		pthread_cond_broadcast(&vm->pause_cond);
		while (atomic_load(&vm->pause_req) && !vm->released[id] &&
		       !atomic_load(&vm->shutting_down))
			pthread_cond_wait(&vm->park_cond, &vm->lock);
		vm->parked--;
	}
	pthread_mutex_unlock(&vm->lock);
	return waited;
}

void axvm_destroy(struct axvm *vm)
{
	if (!vm)
		return;
	/* Our references go; a vCPU referenced elsewhere lives on until its last put. */
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		axvm_vcpu_put(vm->vcpus[i]);
	for (int k = 0; k < AXVM_BUS_COUNT; k++)
		axvm_bus_destroy(vm->bus[k]);
	axvm_addrspace_destroy(vm->as);
	pthread_cond_destroy(&vm->park_cond);
	pthread_cond_destroy(&vm->pause_cond);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

bool axvm_is_running(const struct axvm *vm)
{
	return atomic_load(&((struct axvm *)vm)->running);
}

bool axvm_is_shutting_down(const struct axvm *vm)
{
	return atomic_load(&((struct axvm *)vm)->shutting_down);
}

enum axvm_vm_status axvm_status(const struct axvm *vm)
{
	return (enum axvm_vm_status)atomic_load(&((struct axvm *)vm)->status);
}

uint64_t axvm_id(const struct axvm *vm)
{
	return vm->config.id;
}

const struct axvm_config *axvm_config(const struct axvm *vm)
{
	return &vm->config;
}

unsigned axvm_vcpu_num(const struct axvm *vm)
{
	return vm->vcpu_count;
}

struct axvm_vcpu *axvm_vcpu(const struct axvm *vm, unsigned id)
{
	return id < vm->vcpu_count ? vm->vcpus[id] : NULL;
}

struct axvm_addrspace *axvm_addrspace(const struct axvm *vm)
{
	return vm->as;
}

struct axvm_bus *axvm_bus(const struct axvm *vm, enum axvm_bus_kind kind)
{
	return (unsigned)kind < AXVM_BUS_COUNT ? vm->bus[kind] : NULL;
}

int axvm_register_device(struct axvm *vm, enum axvm_bus_kind kind,
			 const struct axvm_device_desc *desc)
{
	enum axvm_vm_status s = axvm_status(vm);
	const char *name = desc->name ? desc->name : "device";
	int ret;

	if (s != AXVM_VM_LOADING && s != AXVM_VM_LOADED)
		return axvm_error_set(-AXVM_ESTATE,
				      "register %s: devices are registered before boot", name);
	if ((unsigned)kind >= AXVM_BUS_COUNT || !desc->size)
		return axvm_error_set(-AXVM_EINVAL, "register %s: bus %d, size 0x%llx", name,
				      (int)kind, (unsigned long long)desc->size);
	if (kind == AXVM_BUS_MMIO) {
		ret = vm_check_mmio_pages(vm, desc->base, desc->size);
		if (ret)
			return axvm_error_set(
			    ret, "mmio device %s at 0x%llx: its page range overlaps %s", name,
			    (unsigned long long)desc->base,
			    ret == -AXVM_EOVERLAP ? "guest memory" : axvm_strerror(ret));
	}
	ret = axvm_bus_register(vm->bus[kind], desc);
	if (ret)
		return axvm_error_set(ret, "%s bus: device %s at 0x%llx (+0x%llx): %s",
				      axvm_bus_kind_name(kind), name,
				      (unsigned long long)desc->base,
				      (unsigned long long)desc->size, axvm_strerror(ret));
	if (kind == AXVM_BUS_MMIO) {
		/* Checked above: only running out of memory can fail here. */
		ret = vm_map_mmio_pages(vm, desc->base, desc->size);
		if (ret) {
			axvm_bus_detach(vm->bus[kind], desc->base);
			return axvm_error_set(
			    ret, "mmio device %s at 0x%llx: mapping its pages: %s", name,
			    (unsigned long long)desc->base, axvm_strerror(ret));
		}
	}
	return 0;
}

int axvm_read_guest(struct axvm *vm, axvm_gpa_t gpa, void *buf, uint64_t len)
{
	int ret = axvm_addrspace_read(vm->as, gpa, buf, len);

	if (ret)
		return axvm_error_set(ret, "read of %llu bytes at guest 0x%llx: %s",
				      (unsigned long long)len, (unsigned long long)gpa,
				      axvm_strerror(ret));
	return 0;
}

int axvm_write_guest(struct axvm *vm, axvm_gpa_t gpa, const void *buf, uint64_t len)
{
	int ret = axvm_addrspace_write(vm->as, gpa, buf, len);

	if (ret)
		return axvm_error_set(ret, "write of %llu bytes at guest 0x%llx: %s",
				      (unsigned long long)len, (unsigned long long)gpa,
				      axvm_strerror(ret));
	return 0;
}

/* vCPU id's exits for `reason`: MMIO ones are the bus's count of its accesses. */
static uint64_t vm_exits(const struct axvm *vm, unsigned id, enum axvm_exit_reason reason)
{
	uint64_t reads, writes;

	if (reason == AXVM_EXIT_MMIO_READ || reason == AXVM_EXIT_MMIO_WRITE) {
		axvm_bus_vcpu_counts(vm->bus[AXVM_BUS_MMIO], id, &reads, &writes);
		return reason == AXVM_EXIT_MMIO_READ ? reads : writes;
	}
	return atomic_load_explicit(&((struct axvm *)vm)->exit_counts[id][reason],
				    memory_order_relaxed);
}

uint64_t axvm_exit_count(const struct axvm *vm, enum axvm_exit_reason reason)
{
	uint64_t sum = 0;

	if ((unsigned)reason >= AXVM_EXIT_REASON_COUNT)
		return 0;
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		sum += vm_exits(vm, i, reason);
	return sum;
}

int axvm_vcpu_stats(const struct axvm *vm, unsigned id, struct axvm_vcpu_stats *out)
{
	struct axvm *v = (struct axvm *)vm;

	memset(out, 0, sizeof(*out));
	if (id >= vm->vcpu_count)
		return axvm_error_set(-AXVM_ENOENT, "stats: no vCPU %u (the VM has %u)", id,
				      vm->vcpu_count);
	for (unsigned r = 0; r < AXVM_EXIT_REASON_COUNT; r++)
		out->exits[r] = vm_exits(vm, id, (enum axvm_exit_reason)r);
	out->run_ns = atomic_load_explicit(&v->run_ns[id], memory_order_relaxed);
	out->vmm_ns = atomic_load_explicit(&v->vmm_ns[id], memory_order_relaxed);
	if (out->vmm_ns > out->run_ns)
		out->vmm_ns = out->run_ns; /* a sampled estimate may overshoot */
	out->irqs_injected = axvm_vcpu_irqs_injected(vm->vcpus[id]);
	out->halted_ns = axvm_vcpu_halted_ns(vm->vcpus[id]);
	return 0;
}

int axvm_vcpu_counters(const struct axvm *vm, unsigned id, axvm_counter_fn fn, void *opaque)
{
	int ret;

	if (id >= vm->vcpu_count)
		return axvm_error_set(-AXVM_ENOENT, "counters: no vCPU %u (the VM has %u)", id,
				      vm->vcpu_count);
	ret = axvm_vcpu_read_counters(vm->vcpus[id], fn, opaque);
	if (ret)
		return axvm_error_set(ret, "counters: the %s backend keeps none",
				      vm->vcpu_ops->name ? vm->vcpu_ops->name : "vCPU");
	return 0;
}

size_t axvm_device_stats(const struct axvm *vm, struct axvm_device_stats *out, size_t max)
{
	size_t n = 0;

	for (int k = 0; k < AXVM_BUS_COUNT; k++) {
		const struct axvm_bus *bus = vm->bus[k];

		for (size_t i = 0; bus && i < axvm_bus_device_count(bus); i++, n++) {
			const struct axvm_device_desc *d = axvm_bus_device(bus, i);

			if (n >= max)
				continue;
			out[n] = (struct axvm_device_stats){
			    .bus = axvm_bus_kind_name((enum axvm_bus_kind)k),
			    .name = d->name,
			    .base = d->base,
			};
			axvm_bus_device_counts(bus, i, &out[n].reads, &out[n].writes);
		}
	}
	return n;
}

void axvm_trace_set(struct axvm *vm, unsigned mask, axvm_trace_fn fn, void *opaque)
{
	axvm_tracer_set(&vm->tracer, mask, fn, opaque);
}

/*
 * Exit handlers. Contract: > 0 resume the guest, 0 return the exit to the
 * caller, < 0 error. Reasons without a handler are returned to the caller.
 */
/* `id` is the vCPU's: its row in the device access counters (bus_vcpu.h). */
typedef int (*vm_exit_handler)(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
			       struct axvm_exit *e);

/* Inlined: the MMIO read handler is on the exit path, traced or not. */
static inline __attribute__((always_inline)) uint64_t vm_extend(uint64_t v, unsigned width,
								bool sign_ext, unsigned reg_width)
{
	unsigned bits = width * 8;

	if (bits < 64) {
		v &= (1ull << bits) - 1;
		if (sign_ext && (v >> (bits - 1)) & 1)
			v |= ~0ull << bits;
	}
	if (reg_width && reg_width < 8)
		v &= (1ull << (reg_width * 8)) - 1;
	return v;
}

/* A device that fails an access it claimed: the guest reads zero; we log, rate-limited. */
static int vm_device_result(struct axvm *vm, int ret, const char *what, uint64_t addr)
{
	if (ret == -AXVM_ENODEV)
		return 0;
	if (ret)
		axvm_log_ratelimited(&vm->device_error_limit, AXVM_LOG_DEBUG,
				     "vm %llu: device %s at 0x%llx failed: %s",
				     (unsigned long long)vm->config.id, what,
				     (unsigned long long)addr, axvm_strerror(ret));
	return 1;
}

/*
 * The MMIO handlers, traced and not: one body each, inlined into both, so
 * the untraced ones never look at the trace mask (the run loop loads it once
 * per exit and picks the table: vm_traced_exit_handlers while `--trace mmio`
 * is on).
 */
static void vm_trace_access(struct axvm *vm, unsigned id, const char *dir, uint64_t addr,
			    unsigned width, uint64_t v, int ret);

static inline __attribute__((always_inline)) int
vm_mmio_read(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id, struct axvm_exit *e, bool traced)
{
	uint64_t v = 0;
	int ret;

	if (vm->fast[id].declined) {
		vm->fast[id].declined = false;
		return 0;
	}
	ret = axvm_bus_read_vcpu(vm->bus[AXVM_BUS_MMIO], id, e->mmio_read.addr, e->mmio_read.width,
				 &v);

	if (traced)
		vm_trace_access(vm, id, "read", e->mmio_read.addr, e->mmio_read.width, v, ret);
	if (vm_device_result(vm, ret, "mmio read", e->mmio_read.addr) == 0)
		return 0;
	ret = axvm_vcpu_set_gpr(
	    vcpu, e->mmio_read.reg,
	    vm_extend(v, e->mmio_read.width, e->mmio_read.sign_ext, e->mmio_read.reg_width));
	return ret ? ret : 1;
}

static inline __attribute__((always_inline)) int vm_mmio_write(struct axvm *vm, unsigned id,
							       struct axvm_exit *e, bool traced)
{
	int ret;

	if (vm->fast[id].declined) {
		vm->fast[id].declined = false;
		return 0;
	}
	ret = axvm_bus_write_vcpu(vm->bus[AXVM_BUS_MMIO], id, e->mmio_write.addr,
				  e->mmio_write.width, e->mmio_write.data);
	if (traced)
		vm_trace_access(vm, id, "write", e->mmio_write.addr, e->mmio_write.width,
				e->mmio_write.data, ret);
	return vm_device_result(vm, ret, "mmio write", e->mmio_write.addr);
}

static int vm_handle_mmio_read(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
			       struct axvm_exit *e)
{
	return vm_mmio_read(vm, vcpu, id, e, false);
}

static int vm_handle_mmio_write(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
				struct axvm_exit *e)
{
	return vm_mmio_write(vm, id, e, false);
}

static int vm_handle_io_read(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
			     struct axvm_exit *e)
{
	uint64_t v = 0;
	int ret =
	    axvm_bus_read_vcpu(vm->bus[AXVM_BUS_PORT], id, e->io_read.port, e->io_read.width, &v);

	if (vm_device_result(vm, ret, "port read", e->io_read.port) == 0)
		return 0;
	ret = axvm_vcpu_set_gpr(vcpu, e->io_read.reg, v);
	return ret ? ret : 1;
}

static int vm_handle_io_write(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
			      struct axvm_exit *e)
{
	int ret = axvm_bus_write_vcpu(vm->bus[AXVM_BUS_PORT], id, e->io_write.port,
				      e->io_write.width, e->io_write.data);

	return vm_device_result(vm, ret, "port write", e->io_write.port);
}

static int vm_handle_sysreg_read(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
				 struct axvm_exit *e)
{
	uint64_t v = 0;
	int ret = axvm_bus_read_vcpu(vm->bus[AXVM_BUS_SYSREG], id, e->sysreg_read.addr, 8, &v);

	if (vm_device_result(vm, ret, "sysreg read", e->sysreg_read.addr) == 0)
		return 0;
	ret = axvm_vcpu_set_gpr(vcpu, e->sysreg_read.reg, v);
	return ret ? ret : 1;
}

static int vm_handle_sysreg_write(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
				  struct axvm_exit *e)
{
	int ret = axvm_bus_write_vcpu(vm->bus[AXVM_BUS_SYSREG], id, e->sysreg_write.addr, 8,
				      e->sysreg_write.value);

	return vm_device_result(vm, ret, "sysreg write", e->sysreg_write.addr);
}

static int vm_handle_nested_page_fault(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
				       struct axvm_exit *e)
{
	/* Only lazy pages are ours to fix; anything else goes to the caller. */
	return axvm_addrspace_populate(vm->as, e->nested_page_fault.addr) == 0 ? 1 : 0;
}

static const vm_exit_handler vm_exit_handlers[AXVM_EXIT_REASON_COUNT] = {
    [AXVM_EXIT_MMIO_READ] = vm_handle_mmio_read,
    [AXVM_EXIT_MMIO_WRITE] = vm_handle_mmio_write,
    [AXVM_EXIT_IO_READ] = vm_handle_io_read,
    [AXVM_EXIT_IO_WRITE] = vm_handle_io_write,
    [AXVM_EXIT_SYSREG_READ] = vm_handle_sysreg_read,
    [AXVM_EXIT_SYSREG_WRITE] = vm_handle_sysreg_write,
    [AXVM_EXIT_NESTED_PAGE_FAULT] = vm_handle_nested_page_fault,
};

/* A traced device access: "mmio read 0x10000005/1 = 0x60 uart0". */
static void vm_trace_access(struct axvm *vm, unsigned id, const char *dir, uint64_t addr,
			    unsigned width, uint64_t v, int ret)
{
	const struct axvm_device_desc *d = axvm_bus_find(vm->bus[AXVM_BUS_MMIO], addr);

	axvm_trace_emit(&vm->tracer, id, axvm_bus_kind_name(AXVM_BUS_MMIO),
			"%s 0x%llx/%u %s 0x%llx %s%s", dir, (unsigned long long)addr, width,
			dir[0] == 'r' ? "=" : "<-", (unsigned long long)v,
			d ? d->name : "(no device)", ret && ret != -AXVM_ENODEV ? " (failed)" : "");
}

static int vm_traced_mmio_read(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
			       struct axvm_exit *e)
{
	return vm_mmio_read(vm, vcpu, id, e, true);
}

static int vm_traced_mmio_write(struct axvm *vm, struct axvm_vcpu *vcpu, unsigned id,
				struct axvm_exit *e)
{
	return vm_mmio_write(vm, id, e, true);
}

static const vm_exit_handler vm_traced_exit_handlers[AXVM_EXIT_REASON_COUNT] = {
    [AXVM_EXIT_MMIO_READ] = vm_traced_mmio_read,
    [AXVM_EXIT_MMIO_WRITE] = vm_traced_mmio_write,
    [AXVM_EXIT_IO_READ] = vm_handle_io_read,
    [AXVM_EXIT_IO_WRITE] = vm_handle_io_write,
    [AXVM_EXIT_SYSREG_READ] = vm_handle_sysreg_read,
    [AXVM_EXIT_SYSREG_WRITE] = vm_handle_sysreg_write,
    [AXVM_EXIT_NESTED_PAGE_FAULT] = vm_handle_nested_page_fault,
};

/* A device failed an access of the MMIO fast path: logged as its exit's handler does. */
static void vm_mmio_fast_failed(void *opaque, int ret, uint64_t addr, bool write)
{
	vm_device_result(opaque, ret, write ? "mmio write" : "mmio read", addr);
}

static void vm_trace_exit(struct axvm *vm, unsigned id, const struct axvm_exit *exit)
{
	char text[160];

	axvm_exit_format(exit, text, sizeof(text));
	axvm_trace_emit(&vm->tracer, id, "exit", "%s", text);
}

static int vm_enter_run(struct axvm *vm)
{
	int ret = 0;

	pthread_mutex_lock(&vm->lock);
	if (atomic_load(&vm->shutting_down))
		ret = -AXVM_ESHUTDOWN;
	else if (atomic_load(&vm->status) != AXVM_VM_RUNNING &&
		 atomic_load(&vm->status) != AXVM_VM_SUSPENDED)
		ret = -AXVM_ESTATE; /* a paused VM's vCPUs enter and park */
	else
		vm->active_vcpus++;
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

static void vm_leave_run(struct axvm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->active_vcpus--;
	if (atomic_load(&vm->shutting_down) && vm->active_vcpus == 0)
		atomic_store(&vm->status, AXVM_VM_STOPPED);
	pthread_cond_broadcast(&vm->pause_cond); /* one fewer to wait for */
	pthread_mutex_unlock(&vm->lock);
}

int axvm_run_vcpu(struct axvm *vm, unsigned id, struct axvm_exit *exit)
{
	struct axvm_vcpu *vcpu = axvm_vcpu(vm, id);
	_Atomic uint64_t *counts;
	uint64_t t_enter;
	unsigned sample_in = AXVM_STATS_SAMPLE; /* exits until the next timed one */
	int ret;

	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_NOTHING;
	if (!vcpu)
		return axvm_error_set(-AXVM_ENOENT, "run: no vCPU %u (the VM has %u)", id,
				      vm->vcpu_count);
	counts = vm->exit_counts[id];
	t_enter = vm->hal->now_ns(vm->hal->ctx);
	ret = vm_enter_run(vm);
	if (ret == -AXVM_ESHUTDOWN)
		return axvm_error_set(ret, "run vcpu %u: the VM is shutting down", id);
	if (ret)
		return axvm_error_set(ret, "run vcpu %u: VM is %s, not Running", id,
				      axvm_status_name(axvm_status(vm)));
	ret = axvm_vcpu_bind(vcpu);
	if (ret) {
		vm_leave_run(vm);
		return axvm_error_wrap(ret, "run vcpu %u: bind failed", id);
	}
	for (;;) {
		vm_exit_handler handler;
		unsigned trace;

		if (atomic_load_explicit(&vm->shutting_down, memory_order_relaxed)) {
			exit->reason = AXVM_EXIT_NOTHING;
			ret = axvm_error_set(-AXVM_ESHUTDOWN,
					     "run vcpu %u: the VM is shutting down", id);
			break;
		}
		if (atomic_load_explicit(&vm->pause_req, memory_order_relaxed) && vm_park(vm, id))
			continue; /* it waited: shutdown may have come meanwhile */
		/* Set by a declined fast-path access in this run() only (bus_vcpu.h). */
		vm->fast[id].declined = false;
		ret = axvm_vcpu_run(vcpu, exit);
		if (ret)
			break; /* the vCPU layer's message names the vCPU and the failure */
		if ((unsigned)exit->reason >= AXVM_EXIT_REASON_COUNT) {
			ret = axvm_error_set(-AXVM_EBACKEND,
					     "vcpu %u: backend returned exit reason %d", id,
					     (int)exit->reason);
			break;
		}
		/* MMIO exits are counted by the bus, once (vm_exits). */
		if (exit->reason != AXVM_EXIT_MMIO_READ && exit->reason != AXVM_EXIT_MMIO_WRITE)
			axvm_counter_add(&counts[exit->reason], 1);
		/* One load of the trace mask per exit (see vm_traced_exit_handlers). */
		trace = atomic_load_explicit(&vm->tracer.mask, memory_order_relaxed);
		if (!trace) {
			handler = vm_exit_handlers[exit->reason];
		} else {
			if (trace & AXVM_TRACE_EXITS)
				vm_trace_exit(vm, id, exit);
			handler = (trace & AXVM_TRACE_MMIO ? vm_traced_exit_handlers
							   : vm_exit_handlers)[exit->reason];
		}
		if (!handler)
			break;
		if (AXVM_COUNTERS && --sample_in == 0) {
			uint64_t t = vm->hal->now_ns(vm->hal->ctx);

			sample_in = AXVM_STATS_SAMPLE;
			ret = handler(vm, vcpu, id, exit);
			axvm_counter_add(
			    &vm->vmm_ns[id],
			    axvm_timed_ns(t, vm->hal->now_ns(vm->hal->ctx), vm->clock_read_ns) *
				AXVM_STATS_SAMPLE);
		} else {
			ret = handler(vm, vcpu, id, exit);
		}
		if (ret <= 0)
			break;
	}
	if (axvm_vcpu_state(vcpu) == AXVM_VCPU_STATE_READY) {
		int uret = axvm_vcpu_unbind(vcpu);

		if (!ret && uret)
			ret = uret;
	}
	axvm_counter_add(&vm->run_ns[id], vm->hal->now_ns(vm->hal->ctx) - t_enter);
	vm_leave_run(vm);
	return ret;
}
