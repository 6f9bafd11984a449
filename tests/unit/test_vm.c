/* SPDX-License-Identifier: MIT */
#include "fake_hal.h"
#include "scripted_vcpu.h"
#include "test.h"

#include <axvm/stats.h>
#include <axvm/vm.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#define RWX (AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC)

static struct fake_hal hal;
static struct scripted_plan plan;

static void vm_config(struct axvm_config *c, unsigned cpus)
{
	fake_hal_init(&hal);
	hal.current_cpu = 0;
	axvm_config_init(c);
	snprintf(c->name, sizeof(c->name), "test");
	c->cpu_num = cpus;
	c->bsp_entry = 0x80200000;
	c->ap_entry = 0x80300000;
	c->region_count = 2;
	c->regions[0] = (struct axvm_mem_region){0x80000000, 0x400000, RWX, AXVM_MAP_ALLOC, 0};
	c->regions[1] = (struct axvm_mem_region){0x90000000, 0x10000, RWX, AXVM_MAP_LAZY, 0};
	c->hal = &hal.hal;
	c->vcpu_ops = scripted_vcpu_ops();
	c->vcpu_arch_config = &plan;
}

static struct axvm *vm_booted(unsigned cpus)
{
	struct axvm_config c;
	struct axvm *vm = NULL;

	scripted_plan_init(&plan);
	vm_config(&c, cpus);
	if (axvm_create(&c, &vm) || axvm_init(vm) || axvm_boot(vm))
		return NULL;
	return vm;
}

/* A device with one 8-byte register that remembers what was written. */
struct reg {
	uint64_t value;
	unsigned writes;
};

static int reg_read(void *opaque, uint64_t off, unsigned w, uint64_t *v)
{
	*v = ((struct reg *)opaque)->value;
	return 0;
}

static int reg_write(void *opaque, uint64_t off, unsigned w, uint64_t v)
{
	((struct reg *)opaque)->value = v;
	((struct reg *)opaque)->writes++;
	return 0;
}

static const struct axvm_device_ops reg_ops = {.read = reg_read, .write = reg_write};

static void add_reg(struct axvm *vm, enum axvm_bus_kind kind, uint64_t base, struct reg *r)
{
	struct axvm_device_desc d = {
	    .name = "reg", .base = base, .size = 8, .ops = &reg_ops, .opaque = r};

	axvm_register_device(vm, kind, &d);
}

/*
 * A one-vCPU VM with a register device at `base` on bus `kind`, booted. The
 * scripted plan is left as the caller prepared it. NULL on any failure.
 */
static struct axvm *vm_booted_with_reg(enum axvm_bus_kind kind, uint64_t base, struct reg *r)
{
	struct axvm_config c;
	struct axvm *vm = NULL;

	vm_config(&c, 1);
	if (axvm_create(&c, &vm) || axvm_init(vm)) {
		axvm_destroy(vm);
		return NULL;
	}
	add_reg(vm, kind, base, r);
	if (axvm_boot(vm)) {
		axvm_destroy(vm);
		return NULL;
	}
	return vm;
}

static struct axvm_exit exit_of(enum axvm_exit_reason reason)
{
	struct axvm_exit e;

	memset(&e, 0, sizeof(e));
	e.reason = reason;
	return e;
}

/* --- lifecycle ----------------------------------------------------------- */

TEST(test_vm_status_follows_lifecycle)
{
	struct axvm_config c;
	struct axvm *vm;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	CHECK_INT(AXVM_VM_LOADING, axvm_status(vm));
	CHECK_INT(0, (int)axvm_vcpu_num(vm));
	REQUIRE_OK(axvm_init(vm));
	CHECK_INT(AXVM_VM_LOADED, axvm_status(vm));
	CHECK(!axvm_is_running(vm));
	REQUIRE_OK(axvm_boot(vm));
	CHECK_INT(AXVM_VM_RUNNING, axvm_status(vm));
	CHECK(axvm_is_running(vm));
	CHECK_INT(-AXVM_ESTATE, axvm_boot(vm));
	REQUIRE_OK(axvm_shutdown(vm));
	/* No vCPU inside its loop: Stopped at once. */
	CHECK_INT(AXVM_VM_STOPPED, axvm_status(vm));
	CHECK(axvm_is_shutting_down(vm));
	CHECK(!axvm_is_running(vm));
	CHECK_INT(-AXVM_ESTATE, axvm_shutdown(vm));
	axvm_destroy(vm);
}

TEST(test_vm_boot_only_from_loaded)
{
	struct axvm_config c;
	struct axvm *vm;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	CHECK_INT(-AXVM_ESTATE, axvm_boot(vm));
	CHECK(strstr(axvm_error_message(), "Loading") != NULL);
	REQUIRE_OK(axvm_init(vm));
	CHECK_INT(-AXVM_ESTATE, axvm_init(vm));
	axvm_destroy(vm);
}

TEST(test_vm_init_sets_bsp_and_ap_entries)
{
	struct axvm *vm = vm_booted(3);

	REQUIRE(vm);
	CHECK_INT(3, (int)axvm_vcpu_num(vm));
	CHECK_U64(0x80200000, plan.state[0].entry);
	CHECK_U64(0x80300000, plan.state[1].entry);
	CHECK_U64(0x80300000, plan.state[2].entry);
	CHECK(axvm_vcpu_is_bsp(axvm_vcpu(vm, 0)));
	CHECK(!axvm_vcpu_is_bsp(axvm_vcpu(vm, 1)));
	CHECK_INT(AXVM_VCPU_STATE_FREE, axvm_vcpu_state(axvm_vcpu(vm, 2)));
	CHECK(axvm_vcpu(vm, 3) == NULL);
	axvm_destroy(vm);
}

TEST(test_vm_init_applies_configured_affinity)
{
	struct axvm_config c;
	struct axvm *vm;

	/* phys_cpu_ids alone: each vCPU's set is just its physical CPU. */
	scripted_plan_init(&plan);
	vm_config(&c, 2);
	c.has_phys_cpu_ids = true;
	c.phys_cpu_ids[0] = 1;
	c.phys_cpu_ids[1] = 0;
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	CHECK_U64(1u << 1, axvm_vcpu_cpu_mask(axvm_vcpu(vm, 0)));
	CHECK_U64(1u << 0, axvm_vcpu_cpu_mask(axvm_vcpu(vm, 1)));
	CHECK_INT(1, axvm_vcpu_phys_cpu_id(axvm_vcpu(vm, 0)));
	axvm_destroy(vm);

	/* phys_cpu_sets win over the ids. */
	scripted_plan_init(&plan);
	c.has_phys_cpu_sets = true;
	c.phys_cpu_sets[0] = 0x3;
	c.phys_cpu_sets[1] = 0x5;
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	CHECK_U64(0x3, axvm_vcpu_cpu_mask(axvm_vcpu(vm, 0)));
	CHECK_U64(0x5, axvm_vcpu_cpu_mask(axvm_vcpu(vm, 1)));
	axvm_destroy(vm);

	/* Neither: any CPU. */
	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	CHECK_U64(0, axvm_vcpu_cpu_mask(axvm_vcpu(vm, 0)));
	axvm_destroy(vm);
}

TEST(test_vm_vcpu_refs_outlive_vm_and_free_once)
{
	struct axvm *vm = vm_booted(2);
	struct axvm_vcpu *v1;

	REQUIRE(vm);
	v1 = axvm_vcpu_get(axvm_vcpu(vm, 1));
	axvm_destroy(vm);
	CHECK_INT(1, plan.state[0].destroyed);
	CHECK_INT(0, plan.state[1].destroyed);
	CHECK_INT(1, (int)axvm_vcpu_refcount(v1));
	CHECK_INT(1, (int)axvm_vcpu_id(v1));
	axvm_vcpu_put(v1);
	CHECK_INT(1, plan.state[1].destroyed);
}

TEST(test_vm_init_failure_reports_vcpu)
{
	struct axvm_config c;
	struct axvm *vm;

	scripted_plan_init(&plan);
	vm_config(&c, 2);
	plan.fail_op = SCRIPTED_OP_SETUP;
	plan.fail_vcpu = 1;
	REQUIRE_OK(axvm_create(&c, &vm));
	CHECK_INT(-AXVM_EIO, axvm_init(vm));
	CHECK(strstr(axvm_error_message(), "vcpu 1") != NULL);
	CHECK_INT(AXVM_VM_LOADING, axvm_status(vm));
	axvm_destroy(vm);
	CHECK_INT(1, plan.state[0].destroyed);
	CHECK_INT(1, plan.state[1].destroyed);
}

TEST(test_vm_init_rejects_overlapping_regions)
{
	struct axvm_config c;
	struct axvm *vm;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	c.regions[1].gpa = 0x80100000;
	REQUIRE_OK(axvm_create(&c, &vm));
	CHECK_INT(-AXVM_EOVERLAP, axvm_init(vm));
	CHECK(strstr(axvm_error_message(), "memory_regions[1]") != NULL);
	axvm_destroy(vm);
	CHECK_U64(0, hal.bytes_allocated);
}

TEST(test_vm_register_device_rejects_overlap)
{
	struct axvm *vm;
	struct axvm_config c;
	struct reg a = {0}, b = {0};
	struct axvm_device_desc d = {
	    .name = "b", .base = 0x10000004, .size = 8, .ops = &reg_ops, .opaque = &b};

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	add_reg(vm, AXVM_BUS_MMIO, 0x10000000, &a);
	CHECK_INT(-AXVM_EOVERLAP, axvm_register_device(vm, AXVM_BUS_MMIO, &d));
	/* A device over guest RAM is refused too. */
	d.base = 0x80001000;
	CHECK_INT(-AXVM_EOVERLAP, axvm_register_device(vm, AXVM_BUS_MMIO, &d));
	CHECK(strstr(axvm_error_message(), "guest memory") != NULL);
	CHECK(axvm_bus_find(axvm_bus(vm, AXVM_BUS_MMIO), 0x80001000) == NULL);
	/* Same page as another device is fine (no overlap of the ranges themselves). */
	d.base = 0x10000100;
	CHECK_INT(0, axvm_register_device(vm, AXVM_BUS_MMIO, &d));
	REQUIRE_OK(axvm_boot(vm));
	d.base = 0x10002000;
	CHECK_INT(-AXVM_ESTATE, axvm_register_device(vm, AXVM_BUS_MMIO, &d));
	axvm_destroy(vm);
}

TEST(test_vm_guest_memory_helpers_check_bounds)
{
	struct axvm *vm = vm_booted(1);
	uint8_t buf[16] = "0123456789abcdef";

	REQUIRE(vm);
	REQUIRE_OK(axvm_write_guest(vm, 0x803ffff0, buf, 16));
	CHECK_INT(-AXVM_ERANGE, axvm_write_guest(vm, 0x803ffff8, buf, 16));
	CHECK(strstr(axvm_error_message(), "0x803ffff8") != NULL);
	CHECK_INT(-AXVM_EFAULT, axvm_read_guest(vm, 0x70000000, buf, 1));
	CHECK_INT(-AXVM_ERANGE, axvm_read_guest(vm, 0x9000fff0, buf, 0x11));
	memset(buf, 0, sizeof(buf));
	REQUIRE_OK(axvm_read_guest(vm, 0x803ffff0, buf, 16));
	CHECK(memcmp(buf, "0123456789abcdef", 16) == 0);
	axvm_destroy(vm);
}

static void *vm_fail_read_at_0x71(void *opaque)
{
	uint8_t b;

	axvm_read_guest(opaque, 0x71000000, &b, 1);
	return NULL;
}

/*
 * Error messages are per thread: guest memory access is safe from any thread,
 * and so is reading the message of one's own failed call.
 */
TEST(test_vm_error_message_belongs_to_the_failing_thread)
{
	struct axvm *vm = vm_booted(1);
	uint8_t b;
	pthread_t th;

	REQUIRE(vm);
	CHECK_INT(-AXVM_EFAULT, axvm_read_guest(vm, 0x70000000, &b, 1));
	REQUIRE(pthread_create(&th, NULL, vm_fail_read_at_0x71, vm) == 0);
	pthread_join(th, NULL);
	CHECK(strstr(axvm_last_error(vm), "0x70000000") != NULL);
	CHECK_STR(axvm_error_message(), axvm_last_error(vm));
	axvm_destroy(vm);
}

struct vm_reader {
	struct axvm *vm;
	axvm_gpa_t bad;	   /* this thread's failing address */
	unsigned mismatch; /* messages that did not name it */
};

static void *vm_read_loop(void *opaque)
{
	struct vm_reader *r = opaque;
	char want[32];
	uint8_t buf[8];

	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)r->bad);
	for (unsigned i = 0; i < 2000; i++) {
		if (axvm_read_guest(r->vm, 0x80001000, buf, sizeof(buf)) != 0 ||
		    axvm_read_guest(r->vm, r->bad, buf, sizeof(buf)) != -AXVM_EFAULT ||
		    !strstr(axvm_last_error(r->vm), want))
			r->mismatch++;
	}
	return NULL;
}

/*
 * Two threads reading guest memory while each records errors: no data race
 * (the ThreadSanitizer build in CI runs this) and each reads its own message.
 */
TEST(test_vm_guest_reads_and_errors_from_two_threads)
{
	struct axvm *vm = vm_booted(1);
	struct vm_reader r[2];
	pthread_t th[2];

	REQUIRE(vm);
	for (unsigned i = 0; i < 2; i++) {
		r[i] = (struct vm_reader){.vm = vm, .bad = 0x70000000 + 0x1000 * i};
		REQUIRE(pthread_create(&th[i], NULL, vm_read_loop, &r[i]) == 0);
	}
	for (unsigned i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_INT(0, r[0].mismatch);
	CHECK_INT(0, r[1].mismatch);
	axvm_destroy(vm);
}

/* The config chooses the vCPU backend (axvm_config_init: riscv64); the VM layer names none. */
TEST(test_vm_create_needs_a_backend_from_the_config)
{
	struct axvm_config c;
	struct axvm *vm = (struct axvm *)1;

	vm_config(&c, 1);
	c.vcpu_ops = NULL;
	CHECK_INT(-AXVM_EINVAL, axvm_create(&c, &vm));
	CHECK(vm == NULL);
	CHECK(strstr(axvm_error_message(), "vcpu_ops") != NULL);
}

/* --- the run loop: every exit reason, handled or returned --------------- */

TEST(test_run_vcpu_bad_id_and_not_booted)
{
	struct axvm_config c;
	struct axvm *vm;
	struct axvm_exit e;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	CHECK_INT(-AXVM_ESTATE, axvm_run_vcpu(vm, 0, &e));
	REQUIRE_OK(axvm_boot(vm));
	CHECK_INT(-AXVM_ENOENT, axvm_run_vcpu(vm, 1, &e));
	CHECK(strstr(axvm_error_message(), "no vCPU 1") != NULL);
	axvm_destroy(vm);
}

/* Reasons the loop never handles: returned as they are, vCPU unbound. */
TEST(test_run_vcpu_returns_unhandled_reasons)
{
	static const enum axvm_exit_reason returned[] = {
	    AXVM_EXIT_HYPERCALL,  AXVM_EXIT_EXTERNAL_INTERRUPT,
	    AXVM_EXIT_HALT,	  AXVM_EXIT_CPU_UP,
	    AXVM_EXIT_CPU_DOWN,	  AXVM_EXIT_SYSTEM_DOWN,
	    AXVM_EXIT_SEND_IPI,	  AXVM_EXIT_NOTHING,
	    AXVM_EXIT_FAIL_ENTRY, AXVM_EXIT_DEBUG,
	};

	for (size_t i = 0; i < sizeof(returned) / sizeof(returned[0]); i++) {
		struct axvm *vm;
		struct axvm_exit in = exit_of(returned[i]), out;

		scripted_plan_init(&plan);
		in.hypercall.nr = 0x1234 + i; /* overlaps every variant's first field */
		scripted_push(&plan, 0, &in);
		{
			struct axvm_config c;

			vm_config(&c, 1);
			REQUIRE_OK(axvm_create(&c, &vm));
			REQUIRE_OK(axvm_init(vm));
			REQUIRE_OK(axvm_boot(vm));
		}
		CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
		CHECK_STR(axvm_exit_reason_name(returned[i]), axvm_exit_reason_name(out.reason));
		CHECK_U64(0x1234 + i, out.hypercall.nr);
		CHECK_INT(1, (int)plan.state[0].runs);
		CHECK_INT(AXVM_VCPU_STATE_FREE, axvm_vcpu_state(axvm_vcpu(vm, 0)));
		CHECK_U64(1, axvm_exit_count(vm, returned[i]));
		axvm_destroy(vm);
	}
}

TEST(test_run_vcpu_mmio_read_handled_and_sign_extended)
{
	struct axvm *vm;
	struct reg r = {.value = 0x80};
	struct axvm_exit e = exit_of(AXVM_EXIT_MMIO_READ), out;

	scripted_plan_init(&plan);
	e.mmio_read.addr = 0x10000000;
	e.mmio_read.width = 1;
	e.mmio_read.reg = 10;
	e.mmio_read.reg_width = 8;
	e.mmio_read.sign_ext = true;
	scripted_push(&plan, 0, &e);
	e.mmio_read.sign_ext = false;
	e.mmio_read.reg = 11;
	scripted_push(&plan, 0, &e);
	vm = vm_booted_with_reg(AXVM_BUS_MMIO, 0x10000000, &r);
	REQUIRE(vm);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	/* Both reads handled and resumed; the script's end (Halt) comes back. */
	CHECK_INT(AXVM_EXIT_HALT, out.reason);
	CHECK_INT(3, (int)plan.state[0].runs);
	CHECK_U64(0xffffffffffffff80ull, plan.state[0].regs[10]);
	CHECK_U64(0x80, plan.state[0].regs[11]);
	CHECK_U64(2, axvm_exit_count(vm, AXVM_EXIT_MMIO_READ));
	axvm_destroy(vm);
}

/* axvm/stats.h: the same run seen per vCPU and per device. */
TEST(test_vcpu_stats_count_exits_and_device_accesses)
{
	struct axvm *vm;
	struct reg r = {.value = 1};
	struct axvm_exit e = exit_of(AXVM_EXIT_MMIO_READ), out;
	struct axvm_vcpu_stats st;
	struct axvm_device_stats ds[4];

	scripted_plan_init(&plan);
	e.mmio_read.addr = 0x10000000;
	e.mmio_read.width = 4;
	e.mmio_read.reg = 10;
	for (int i = 0; i < 3; i++)
		scripted_push(&plan, 0, &e);
	e = exit_of(AXVM_EXIT_MMIO_WRITE);
	e.mmio_write.addr = 0x10000000;
	e.mmio_write.width = 4;
	scripted_push(&plan, 0, &e);
	vm = vm_booted_with_reg(AXVM_BUS_MMIO, 0x10000000, &r);
	REQUIRE(vm);
	REQUIRE_OK(axvm_vcpu_stats(vm, 0, &st));
	CHECK_U64(0, st.exits[AXVM_EXIT_MMIO_READ]);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	REQUIRE_OK(axvm_vcpu_stats(vm, 0, &st));
	CHECK_U64(3, st.exits[AXVM_EXIT_MMIO_READ]);
	CHECK_U64(1, st.exits[AXVM_EXIT_MMIO_WRITE]);
	CHECK_U64(1, st.exits[AXVM_EXIT_HALT]);
	CHECK(st.vmm_ns <= st.run_ns);
	CHECK_INT(1, (int)axvm_device_stats(vm, ds, 4));
	CHECK_STR("mmio", ds[0].bus);
	CHECK_U64(0x10000000, ds[0].base);
	CHECK_U64(3, ds[0].reads);
	CHECK_U64(1, ds[0].writes);
	/* A device access from a thread that runs no vCPU counts too. */
	{
		uint64_t v;

		REQUIRE_OK(axvm_bus_read(axvm_bus(vm, AXVM_BUS_MMIO), 0x10000000, 4, &v));
	}
	axvm_device_stats(vm, ds, 4);
	CHECK_U64(4, ds[0].reads);
	CHECK_INT(-AXVM_ENOENT, axvm_vcpu_stats(vm, 1, &st));
	axvm_destroy(vm);
}

/*
 * The MMIO fast path (axvm_vcpu_setup_info.mmio_access), called as a
 * backend does from inside run(): the access, counted once as the exit it
 * stands for, in the vCPU's and the device's figures.
 */
static int fast(uint64_t addr, unsigned width, uint64_t *v, bool write)
{
	return plan.state[0].mmio_access(plan.state[0].mmio_opaque, addr, width, v, write);
}

TEST(test_mmio_fast_path_does_the_access_and_counts_it_as_an_exit)
{
	struct reg r = {.value = 0x1122334455667788ull};
	struct axvm_vcpu_stats st;
	struct axvm_device_stats ds[2];
	struct axvm *vm;
	uint64_t v = 0;

	scripted_plan_init(&plan);
	vm = vm_booted_with_reg(AXVM_BUS_MMIO, 0x10000000, &r);
	REQUIRE(vm);
	REQUIRE(plan.state[0].mmio_access != NULL);
	CHECK_INT(0, fast(0x10000000, 4, &v, false));
	CHECK_U64(0x55667788, v & 0xffffffff); /* only the low `width` bytes are defined */
	v = 0xabcdef0123456789ull;
	CHECK_INT(0, fast(0x10000000, 2, &v, true));
	CHECK_U64(0x6789, r.value); /* the device sees the store's width only */
	CHECK_INT(0, fast(0x10000000, 8, &v, false));
	CHECK_U64(0x6789, v);
	REQUIRE_OK(axvm_vcpu_stats(vm, 0, &st));
	CHECK_U64(2, st.exits[AXVM_EXIT_MMIO_READ]);
	CHECK_U64(1, st.exits[AXVM_EXIT_MMIO_WRITE]);
	CHECK_U64(2, axvm_exit_count(vm, AXVM_EXIT_MMIO_READ));
	CHECK_U64(1, axvm_exit_count(vm, AXVM_EXIT_MMIO_WRITE));
	CHECK_INT(1, (int)axvm_device_stats(vm, ds, 2));
	CHECK_U64(2, ds[0].reads);
	CHECK_U64(1, ds[0].writes);
	axvm_destroy(vm);
}

/* The device's time is sampled: one fast-path access in AXVM_STATS_SAMPLE_MMIO, scaled. */
static uint64_t slow_ns; /* what each slow_read takes on the fake clock */

static int slow_read(void *opaque, uint64_t off, unsigned w, uint64_t *v)
{
	hal.now += slow_ns;
	return reg_read(opaque, off, w, v);
}

/*
 * A booted one-vCPU VM with the "slow" register at 0x10001000 and one slow
 * (1 ms) MMIO exit behind it, so that run_ns (which bounds vmm_ns) is long.
 */
static void vm_with_slow_device(struct reg *r, struct axvm **out)
{
	static const struct axvm_device_ops ops = {.read = slow_read, .write = reg_write};
	struct axvm_device_desc d = {
	    .name = "slow", .base = 0x10001000, .size = 8, .ops = &ops, .opaque = r};
	struct axvm_exit e = exit_of(AXVM_EXIT_MMIO_READ), exit_out;
	struct axvm_config c;
	struct axvm *vm = NULL;

	*out = NULL;
	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	*out = vm;
	REQUIRE_OK(axvm_init(vm));
	REQUIRE_OK(axvm_register_device(vm, AXVM_BUS_MMIO, &d));
	REQUIRE_OK(axvm_boot(vm));
	e.mmio_read.addr = 0x10001000;
	e.mmio_read.width = 4;
	scripted_push(&plan, 0, &e);
	slow_ns = 1000000;
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &exit_out));
}

TEST(test_mmio_fast_path_samples_the_device_time)
{
	struct reg r = {0};
	struct axvm_vcpu_stats st;
	struct axvm *vm;
	uint64_t v;

	vm_with_slow_device(&r, &vm);
	REQUIRE(vm);
	slow_ns = 10;
	for (int i = 1; i < AXVM_STATS_SAMPLE_MMIO * 2; i++)
		CHECK_INT(0, fast(0x10001000, 4, &v, false));
	REQUIRE_OK(axvm_vcpu_stats(vm, 0, &st));
	CHECK_U64((uint64_t)AXVM_STATS_SAMPLE_MMIO * 2, st.exits[AXVM_EXIT_MMIO_READ]);
	/* Two timed accesses of 10 ns each, each standing for AXVM_STATS_SAMPLE_MMIO. */
	CHECK_U64(2 * 10 * AXVM_STATS_SAMPLE_MMIO, st.vmm_ns);
	axvm_destroy(vm);
}

/*
 * A clock read that itself takes time (7 ns here, 40 on a paravirtualised
 * host) is calibrated when the VM is created and taken off each sample: the
 * same 10 ns device reads as 10 ns, not 17.
 */
TEST(test_mmio_fast_path_sample_leaves_out_the_clock_read)
{
	struct reg r = {0};
	struct axvm_vcpu_stats before, st;
	struct axvm *vm;
	uint64_t v;

	hal.read_cost = 7;
	vm_with_slow_device(&r, &vm);
	hal.read_cost = 0; /* calibrated: later reads need not cost */
	REQUIRE(vm);
	REQUIRE_OK(axvm_vcpu_stats(vm, 0, &before));
	slow_ns = 10;
	for (int i = 1; i < AXVM_STATS_SAMPLE_MMIO * 2; i++)
		CHECK_INT(0, fast(0x10001000, 4, &v, false));
	REQUIRE_OK(axvm_vcpu_stats(vm, 0, &st));
	CHECK_U64(2 * 10 * AXVM_STATS_SAMPLE_MMIO, st.vmm_ns - before.vmm_ns);
	axvm_destroy(vm);
}

static void trace_sink(void *opaque, const char *line)
{
	(void)opaque;
	(void)line;
}

/* Traced accesses and addresses no device takes are left to the exit, untouched and uncounted. */
TEST(test_mmio_fast_path_leaves_traced_and_unclaimed_accesses_to_the_exit)
{
	struct reg r = {.value = 5};
	struct axvm_vcpu_stats st;
	struct axvm *vm;
	uint64_t v = 7;

	scripted_plan_init(&plan);
	vm = vm_booted_with_reg(AXVM_BUS_MMIO, 0x10000000, &r);
	REQUIRE(vm);
	CHECK(fast(0x10008000, 4, &v, false) > 0);
	axvm_trace_set(vm, AXVM_TRACE_MMIO, trace_sink, NULL);
	CHECK(fast(0x10000000, 4, &v, true) > 0);
	axvm_trace_set(vm, AXVM_TRACE_EXITS, trace_sink, NULL);
	CHECK(fast(0x10000000, 4, &v, true) > 0);
	CHECK_INT(0, (int)r.writes);
	REQUIRE_OK(axvm_vcpu_stats(vm, 0, &st));
	CHECK_U64(0, st.exits[AXVM_EXIT_MMIO_READ]);
	CHECK_U64(0, st.exits[AXVM_EXIT_MMIO_WRITE]);
	/* Tracing something else (SBI calls) keeps the fast path. */
	axvm_trace_set(vm, AXVM_TRACE_SBI, trace_sink, NULL);
	CHECK_INT(0, fast(0x10000000, 4, &v, true));
	CHECK_INT(1, (int)r.writes);
	axvm_trace_set(vm, 0, NULL, NULL);
	axvm_destroy(vm);
}

static int declining_read(void *opaque, uint64_t off, unsigned w, uint64_t *v)
{
	((struct reg *)opaque)->writes++; /* counts the calls */
	*v = 0;
	return -AXVM_ENODEV;
}

static int failing_write(void *opaque, uint64_t off, unsigned w, uint64_t v)
{
	return -AXVM_EIO;
}

/* The backend's declined fast-path read before its first exit (the MMIO_READ it makes instead). */
static void fast_read_first(struct scripted_plan *p, unsigned vcpu, unsigned index)
{
	uint64_t v = 1;

	if (index == 0)
		CHECK(fast(0x10000000, 4, &v, false) > 0);
}

/*
 * A device that declines an access (-AXVM_ENODEV) the fast path made: the
 * backend's exit then goes to the caller, as it would have without the
 * fast path, and the device is not asked twice. A device that fails one
 * otherwise completes it, as an exit's handler does.
 */
TEST(test_mmio_fast_path_declined_access_goes_to_the_caller_once)
{
	static const struct axvm_device_ops ops = {.read = declining_read, .write = failing_write};
	struct reg r = {0};
	struct axvm_device_desc d = {
	    .name = "picky", .base = 0x10000000, .size = 8, .ops = &ops, .opaque = &r};
	struct axvm_exit e = exit_of(AXVM_EXIT_MMIO_READ), out;
	struct axvm_config c;
	struct axvm *vm = NULL;
	uint64_t v = 1;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	REQUIRE_OK(axvm_register_device(vm, AXVM_BUS_MMIO, &d));
	REQUIRE_OK(axvm_boot(vm));
	plan.before_exit = fast_read_first;
	e.mmio_read.addr = 0x10000000;
	e.mmio_read.width = 4;
	e.mmio_read.reg = 10;
	scripted_push(&plan, 0, &e);
	scripted_push(&plan, 0, &e);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_EXIT_MMIO_READ, out.reason);
	CHECK_INT(1, (int)r.writes);
	CHECK_U64(1, axvm_exit_count(vm, AXVM_EXIT_MMIO_READ));
	/* The next exit, with no fast path before it, asks the device again. */
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_EXIT_MMIO_READ, out.reason);
	CHECK_INT(2, (int)r.writes);
	CHECK_U64(2, axvm_exit_count(vm, AXVM_EXIT_MMIO_READ));
	/* Declined outside axvm_run_vcpu (a caller running the vCPU itself): not carried over. */
	CHECK(fast(0x10000000, 4, &v, false) > 0);
	scripted_push(&plan, 0, &e);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_EXIT_MMIO_READ, out.reason);
	CHECK_INT(4, (int)r.writes);
	v = 3;
	CHECK_INT(0, fast(0x10000000, 4, &v, true));
	CHECK_U64(1, axvm_exit_count(vm, AXVM_EXIT_MMIO_WRITE));
	axvm_destroy(vm);
}

TEST(test_run_vcpu_mmio_read_truncates_to_reg_width)
{
	struct axvm *vm;
	struct reg r = {.value = 0x8000};
	struct axvm_exit e = exit_of(AXVM_EXIT_MMIO_READ), out;

	scripted_plan_init(&plan);
	e.mmio_read.addr = 0x10000000;
	e.mmio_read.width = 2;
	e.mmio_read.reg = 5;
	e.mmio_read.reg_width = 4;
	e.mmio_read.sign_ext = true;
	scripted_push(&plan, 0, &e);
	vm = vm_booted_with_reg(AXVM_BUS_MMIO, 0x10000000, &r);
	REQUIRE(vm);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_U64(0xffff8000ull, plan.state[0].regs[5]);
	axvm_destroy(vm);
}

TEST(test_run_vcpu_mmio_write_handled)
{
	struct axvm *vm;
	struct reg r = {0};
	struct axvm_exit e = exit_of(AXVM_EXIT_MMIO_WRITE), out;

	scripted_plan_init(&plan);
	e.mmio_write.addr = 0x10000000;
	e.mmio_write.width = 4;
	e.mmio_write.data = 0xcafe;
	scripted_push(&plan, 0, &e);
	vm = vm_booted_with_reg(AXVM_BUS_MMIO, 0x10000000, &r);
	REQUIRE(vm);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_EXIT_HALT, out.reason);
	CHECK_U64(0xcafe, r.value);
	axvm_destroy(vm);
}

/* An access no device claims is returned to the caller, never dropped. */
TEST(test_run_vcpu_returns_unclaimed_accesses)
{
	static const enum axvm_exit_reason kinds[] = {
	    AXVM_EXIT_MMIO_READ, AXVM_EXIT_MMIO_WRITE,	AXVM_EXIT_IO_READ,
	    AXVM_EXIT_IO_WRITE,	 AXVM_EXIT_SYSREG_READ, AXVM_EXIT_SYSREG_WRITE,
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct axvm *vm = NULL;
		struct axvm_exit e = exit_of(kinds[i]), out;

		scripted_plan_init(&plan);
		/* addr/port/width are the first fields of every access variant */
		e.mmio_read.addr = 0x10000000;
		e.mmio_read.width = 4;
		if (kinds[i] == AXVM_EXIT_IO_READ || kinds[i] == AXVM_EXIT_IO_WRITE) {
			e.io_read.port = 0x3f8;
			e.io_read.width = 1;
		}
		scripted_push(&plan, 0, &e);
		vm = vm_booted(1);
		plan.exit_count[0] = 1;
		plan.exits[0][0] = e;
		REQUIRE(vm);
		CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
		CHECK_STR(axvm_exit_reason_name(kinds[i]), axvm_exit_reason_name(out.reason));
		CHECK_INT(1, (int)plan.state[0].runs);
		axvm_destroy(vm);
	}
}

TEST(test_run_vcpu_port_io_handled)
{
	struct axvm *vm;
	struct reg r = {.value = 0x5a};
	struct axvm_exit e = exit_of(AXVM_EXIT_IO_WRITE), out;

	scripted_plan_init(&plan);
	e.io_write.port = 0x3f8;
	e.io_write.width = 1;
	e.io_write.data = 0x41;
	scripted_push(&plan, 0, &e);
	e = exit_of(AXVM_EXIT_IO_READ);
	e.io_read.port = 0x3f8;
	e.io_read.width = 1;
	e.io_read.reg = 7;
	scripted_push(&plan, 0, &e);
	vm = vm_booted_with_reg(AXVM_BUS_PORT, 0x3f8, &r);
	REQUIRE(vm);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_EXIT_HALT, out.reason);
	CHECK_INT(1, (int)r.writes);
	CHECK_U64(0x41, plan.state[0].regs[7]);
	axvm_destroy(vm);
}

TEST(test_run_vcpu_sysreg_handled)
{
	struct axvm *vm;
	struct reg r = {0};
	struct axvm_exit e = exit_of(AXVM_EXIT_SYSREG_WRITE), out;

	scripted_plan_init(&plan);
	e.sysreg_write.addr = 0x5c0;
	e.sysreg_write.value = 0x1122334455667788ull;
	scripted_push(&plan, 0, &e);
	e = exit_of(AXVM_EXIT_SYSREG_READ);
	e.sysreg_read.addr = 0x5c0;
	e.sysreg_read.reg = 12;
	scripted_push(&plan, 0, &e);
	vm = vm_booted_with_reg(AXVM_BUS_SYSREG, 0x5c0, &r);
	REQUIRE(vm);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_EXIT_HALT, out.reason);
	CHECK_U64(0x1122334455667788ull, plan.state[0].regs[12]);
	axvm_destroy(vm);
}

TEST(test_run_vcpu_nested_page_fault_populates_lazy_page)
{
	struct axvm *vm;
	struct axvm_exit e = exit_of(AXVM_EXIT_NESTED_PAGE_FAULT), out;
	struct axvm_config c;

	scripted_plan_init(&plan);
	e.nested_page_fault.addr = 0x90001010;
	e.nested_page_fault.access_flags = AXVM_ACCESS_WRITE;
	scripted_push(&plan, 0, &e);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	REQUIRE_OK(axvm_boot(vm));
	CHECK(!axvm_addrspace_is_populated(axvm_addrspace(vm), 0x90001000));
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_EXIT_HALT, out.reason);
	CHECK(axvm_addrspace_is_populated(axvm_addrspace(vm), 0x90001000));
	CHECK(!axvm_addrspace_is_populated(axvm_addrspace(vm), 0x90000000));
	axvm_destroy(vm);
}

TEST(test_run_vcpu_nested_page_fault_outside_lazy_memory_returned)
{
	struct axvm *vm;
	struct axvm_exit e = exit_of(AXVM_EXIT_NESTED_PAGE_FAULT), out;

	scripted_plan_init(&plan);
	vm = vm_booted(1);
	REQUIRE(vm);
	e.nested_page_fault.addr = 0xa0000000;
	scripted_push(&plan, 0, &e);
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_EXIT_NESTED_PAGE_FAULT, out.reason);
	CHECK_U64(0xa0000000, out.nested_page_fault.addr);
	axvm_destroy(vm);
}

TEST(test_run_vcpu_backend_failure_returns_error)
{
	struct axvm *vm = vm_booted(1);
	struct axvm_exit out;

	REQUIRE(vm);
	plan.fail_op = SCRIPTED_OP_RUN;
	CHECK_INT(-AXVM_EIO, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(AXVM_VCPU_STATE_INVALID, axvm_vcpu_state(axvm_vcpu(vm, 0)));
	CHECK(strstr(axvm_error_message(), "vcpu 0") != NULL);
	axvm_destroy(vm);
}

TEST(test_run_vcpu_bind_outside_affinity_fails)
{
	struct axvm_config c;
	struct axvm *vm;
	struct axvm_exit out;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	c.has_phys_cpu_ids = true;
	c.phys_cpu_ids[0] = 3;
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	REQUIRE_OK(axvm_boot(vm));
	hal.current_cpu = 1;
	CHECK_INT(-AXVM_EAFFINITY, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(0, (int)plan.state[0].runs);
	hal.current_cpu = 3;
	CHECK_INT(0, axvm_run_vcpu(vm, 0, &out));
	axvm_destroy(vm);
}

TEST(test_run_vcpu_after_shutdown_refused)
{
	struct axvm *vm = vm_booted(1);
	struct axvm_exit out;

	REQUIRE(vm);
	REQUIRE_OK(axvm_shutdown(vm));
	CHECK_INT(-AXVM_ESHUTDOWN, axvm_run_vcpu(vm, 0, &out));
	CHECK_INT(0, (int)plan.state[0].runs);
	axvm_destroy(vm);
}

/* Shutdown from another thread while a vCPU loops: the last one out sets Stopped. */
static struct axvm *loop_vm;
static _Atomic int loop_started;

static int endless_run(void *backend, struct axvm_exit *exit)
{
	atomic_store(&loop_started, 1);
	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_NESTED_PAGE_FAULT; /* handled: the loop resumes */
	exit->nested_page_fault.addr = 0x90000000;
	return 0;
}

static int endless_create(const struct axvm_vcpu_create_info *info, void **b)
{
	*b = (void *)1;
	return 0;
}

static void *loop_thread(void *arg)
{
	struct axvm_exit out;

	*(int *)arg = axvm_run_vcpu(loop_vm, 0, &out);
	return NULL;
}

TEST(test_run_vcpu_last_vcpu_out_sets_stopped)
{
	static const struct axvm_vcpu_ops ops = {.create = endless_create, .run = endless_run};
	struct axvm_config c;
	pthread_t t;
	int result = 1;

	vm_config(&c, 1);
	c.vcpu_ops = &ops;
	REQUIRE_OK(axvm_create(&c, &loop_vm));
	REQUIRE_OK(axvm_init(loop_vm));
	REQUIRE_OK(axvm_boot(loop_vm));
	atomic_store(&loop_started, 0);
	pthread_create(&t, NULL, loop_thread, &result);
	while (!atomic_load(&loop_started))
		sched_yield();
	REQUIRE_OK(axvm_shutdown(loop_vm));
	pthread_join(t, NULL);
	CHECK_INT(-AXVM_ESHUTDOWN, result);
	CHECK_INT(AXVM_VM_STOPPED, axvm_status(loop_vm));
	CHECK_INT(AXVM_VCPU_STATE_FREE, axvm_vcpu_state(axvm_vcpu(loop_vm, 0)));
	axvm_destroy(loop_vm);
}

TEST(test_exit_format_is_readable)
{
	struct axvm_exit e = exit_of(AXVM_EXIT_MMIO_READ);
	char buf[128];

	e.mmio_read.addr = 0x10000005;
	e.mmio_read.width = 1;
	e.mmio_read.reg = 10;
	e.mmio_read.reg_width = 8;
	e.mmio_read.sign_ext = true;
	axvm_exit_format(&e, buf, sizeof(buf));
	CHECK_STR("MmioRead addr=0x10000005 width=1 reg=x10 reg_width=8 sign_ext=1", buf);
	e = exit_of(AXVM_EXIT_SYSTEM_DOWN);
	e.system_down.code = 3;
	axvm_exit_format(&e, buf, sizeof(buf));
	CHECK_STR("SystemDown type=poweroff code=3", buf);
	e = exit_of(AXVM_EXIT_HALT);
	axvm_exit_format(&e, buf, sizeof(buf));
	CHECK_STR("Halt", buf);
	e = exit_of(AXVM_EXIT_HYPERCALL);
	e.hypercall.nr = 0x0a000000;
	e.hypercall.fid = 2;
	e.hypercall.args[0] = 0x41;
	axvm_exit_format(&e, buf, sizeof(buf));
	CHECK_STR("Hypercall nr=0xa000000 fid=0x2 args=[0x41, 0x0, 0x0, 0x0, 0x0, 0x0]", buf);
	CHECK_STR("Unknown", axvm_exit_reason_name((enum axvm_exit_reason)99));
	for (int r = 0; r < AXVM_EXIT_REASON_COUNT; r++)
		CHECK(strcmp(axvm_exit_reason_name((enum axvm_exit_reason)r), "Unknown") != 0);
}

TEST(test_strerror_covers_every_code)
{
	for (int e = 0; e < AXVM_E_COUNT; e++)
		CHECK(strcmp(axvm_strerror(-e), "unknown error") != 0);
	CHECK_STR("unknown error", axvm_strerror(-1000));
	CHECK_STR("calling CPU is outside the vCPU's CPU set", axvm_strerror(-AXVM_EAFFINITY));
}

TEST(test_vm_emulated_devices_may_share_a_page)
{
	struct axvm_config c;
	struct axvm *vm;
	struct reg a = {0}, b = {0};
	struct axvm_region_info ri;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	c.emu_device_count = 2;
	c.emu_devices[0] = (struct axvm_emu_device){
	    .name = "a", .base_gpa = 0x10000000, .length = 0x100, .emu_type = AXVM_EMU_CONSOLE};
	c.emu_devices[1] = (struct axvm_emu_device){
	    .name = "b", .base_gpa = 0x10000100, .length = 0x1100, .emu_type = AXVM_EMU_DUMMY};
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	REQUIRE_OK(axvm_addrspace_find(axvm_addrspace(vm), 0x10001000, &ri));
	CHECK_INT(AXVM_REGION_MMIO, ri.kind);
	/* Models registered later fit in the configured MMIO pages. */
	add_reg(vm, AXVM_BUS_MMIO, 0x10000000, &a);
	add_reg(vm, AXVM_BUS_MMIO, 0x10000100, &b);
	CHECK_INT(2, (int)axvm_bus_device_count(axvm_bus(vm, AXVM_BUS_MMIO)));
	axvm_destroy(vm);
}

/* A device model over configured MMIO pages and gaps: the gaps are mapped, the rest kept. */
TEST(test_vm_device_range_over_mmio_pages_maps_only_the_gaps)
{
	struct axvm_config c;
	struct axvm *vm;
	struct axvm_region_info ri;
	struct reg r = {0};
	struct axvm_device_desc d = {
	    .name = "window", .base = 0x10000000, .size = 0x9000, .ops = &reg_ops, .opaque = &r};

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	c.emu_device_count = 2;
	c.emu_devices[0] = (struct axvm_emu_device){
	    .name = "a", .base_gpa = 0x10002000, .length = 0x1000, .emu_type = AXVM_EMU_DUMMY};
	c.emu_devices[1] = (struct axvm_emu_device){
	    .name = "b", .base_gpa = 0x10005000, .length = 0x2000, .emu_type = AXVM_EMU_DUMMY};
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	/* RAM, lazy RAM, a, b. */
	CHECK_INT(4, (int)axvm_addrspace_region_count(axvm_addrspace(vm)));
	/* 0x10000000-0x10009000: a gap, a, a gap, b, a gap. */
	REQUIRE_OK(axvm_register_device(vm, AXVM_BUS_MMIO, &d));
	for (uint64_t page = 0x10000000; page < 0x10009000; page += 0x1000) {
		REQUIRE_OK(axvm_addrspace_find(axvm_addrspace(vm), page, &ri));
		CHECK_INT(AXVM_REGION_MMIO, ri.kind);
	}
	CHECK_INT(-AXVM_EFAULT, axvm_addrspace_find(axvm_addrspace(vm), 0x10009000, &ri));
	CHECK_INT(7, (int)axvm_addrspace_region_count(axvm_addrspace(vm)));
	axvm_destroy(vm);
}

/* A device range that reaches into guest RAM is refused, whatever MMIO lies before it. */
TEST(test_vm_device_range_reaching_ram_is_refused)
{
	struct axvm_config c;
	struct axvm *vm;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	c.emu_device_count = 2;
	c.emu_devices[0] = (struct axvm_emu_device){
	    .name = "a", .base_gpa = 0x7fff0000, .length = 0x1000, .emu_type = AXVM_EMU_DUMMY};
	c.emu_devices[1] = (struct axvm_emu_device){
	    .name = "b", .base_gpa = 0x7ffe0000, .length = 0x30000, .emu_type = AXVM_EMU_DUMMY};
	REQUIRE_OK(axvm_create(&c, &vm));
	CHECK_INT(-AXVM_EOVERLAP, axvm_init(vm));
	CHECK(strstr(axvm_error_message(), "emu_devices[1]") != NULL);
	axvm_destroy(vm);
}

TEST(test_vm_refused_device_leaves_no_mmio_mapping)
{
	struct axvm *vm;
	struct axvm_config c;
	struct reg r = {0};
	struct axvm_device_desc d = {
	    .name = "straddles", .base = 0x803ff000, .size = 0x2000, .ops = &reg_ops, .opaque = &r};
	struct axvm_region_info ri;

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	/* The last RAM page and the page after it: refused, and 0x80400000 stays unmapped. */
	CHECK_INT(-AXVM_EOVERLAP, axvm_register_device(vm, AXVM_BUS_MMIO, &d));
	CHECK_INT(-AXVM_EFAULT, axvm_addrspace_find(axvm_addrspace(vm), 0x80400000, &ri));
	CHECK_INT(0, (int)axvm_bus_device_count(axvm_bus(vm, AXVM_BUS_MMIO)));
	axvm_destroy(vm);
}

static unsigned reg_released;
static void reg_release(void *opaque)
{
	reg_released++;
}

TEST(test_vm_failed_registration_never_releases_device)
{
	static const struct axvm_device_ops ops = {
	    .read = reg_read, .write = reg_write, .release = reg_release};
	struct axvm *vm;
	struct axvm_config c;
	struct reg a = {0}, b = {0};
	struct axvm_device_desc da = {
	    .name = "a", .base = 0x10000000, .size = 8, .ops = &ops, .opaque = &a};
	struct axvm_device_desc db = {
	    .name = "b", .base = 0x10000004, .size = 8, .ops = &ops, .opaque = &b};

	scripted_plan_init(&plan);
	vm_config(&c, 1);
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	reg_released = 0;
	REQUIRE_OK(axvm_register_device(vm, AXVM_BUS_MMIO, &da));
	/* Refused by the bus (overlaps a): not released. */
	CHECK_INT(-AXVM_EOVERLAP, axvm_register_device(vm, AXVM_BUS_MMIO, &db));
	CHECK_INT(0, (int)reg_released);
	/* Refused by the address space (over RAM): not released either. */
	db.base = 0x80000000;
	CHECK_INT(-AXVM_EOVERLAP, axvm_register_device(vm, AXVM_BUS_MMIO, &db));
	CHECK_INT(0, (int)reg_released);
	/* The registered one is released exactly once, with the VM. */
	axvm_destroy(vm);
	CHECK_INT(1, (int)reg_released);
}

/* --- pause and resume ----------------------------------------------------- */

static _Atomic unsigned long counting_runs[2];

static int counting_run(void *backend, struct axvm_exit *exit)
{
	atomic_fetch_add(&counting_runs[(uintptr_t)backend - 1], 1);
	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_NESTED_PAGE_FAULT; /* handled: the loop resumes */
	exit->nested_page_fault.addr = 0x90000000;
	return 0;
}

static int counting_create(const struct axvm_vcpu_create_info *info, void **b)
{
	*b = (void *)(uintptr_t)(info->id + 1);
	return 0;
}

static void counting_kick(void *backend)
{
}

struct pause_runner {
	struct axvm *vm;
	unsigned id;
	int result;
};

static void *pause_runner_thread(void *arg)
{
	struct pause_runner *r = arg;
	struct axvm_exit out;

	r->result = axvm_run_vcpu(r->vm, r->id, &out);
	return NULL;
}

static void wait_runs(unsigned id, unsigned long more)
{
	unsigned long start = atomic_load(&counting_runs[id]);

	while (atomic_load(&counting_runs[id]) - start < more)
		sched_yield();
}

/*
 * Pause parks every vCPU between two run() calls (no run happens until
 * resume), freezes the guest clock, and resume_vcpu lets one vCPU alone go.
 */
TEST(test_vm_pause_parks_every_vcpu_and_stops_the_clock)
{
	static const struct axvm_vcpu_ops ops = {
	    .create = counting_create, .run = counting_run, .kick = counting_kick};
	struct pause_runner r[2];
	struct axvm_config c;
	struct axvm *vm;
	pthread_t t[2];
	unsigned long frozen[2];
	uint64_t clock0;

	vm_config(&c, 2);
	c.vcpu_ops = &ops;
	REQUIRE_OK(axvm_create(&c, &vm));
	REQUIRE_OK(axvm_init(vm));
	CHECK_INT(-AXVM_ESTATE, axvm_pause(vm)); /* only a Running VM pauses */
	REQUIRE_OK(axvm_boot(vm));
	CHECK_INT(-AXVM_ESTATE, axvm_resume(vm)); /* not paused */
	__atomic_store_n(&hal.now, 1000, __ATOMIC_RELAXED);
	CHECK_U64(1000, axvm_guest_clock_ns(vm));
	for (unsigned i = 0; i < 2; i++) {
		r[i] = (struct pause_runner){.vm = vm, .id = i};
		REQUIRE(pthread_create(&t[i], NULL, pause_runner_thread, &r[i]) == 0);
	}
	wait_runs(0, 100);
	wait_runs(1, 100);
	REQUIRE_OK(axvm_pause(vm));
	CHECK_INT(AXVM_VM_SUSPENDED, axvm_status(vm));
	clock0 = axvm_guest_clock_ns(vm);
	frozen[0] = atomic_load(&counting_runs[0]);
	frozen[1] = atomic_load(&counting_runs[1]);
	__atomic_fetch_add(&hal.now, 5000,
			   __ATOMIC_RELAXED); /* time passes on the host while paused ... */
	usleep(20000);
	CHECK_U64(frozen[0], atomic_load(&counting_runs[0])); /* nobody ran */
	CHECK_U64(frozen[1], atomic_load(&counting_runs[1]));
	CHECK_U64(clock0, axvm_guest_clock_ns(vm)); /* ... but not for the guest */
	REQUIRE_OK(axvm_pause(vm));		    /* pausing twice is fine */
	/* One vCPU alone (a debugger's step): the other stays parked. */
	REQUIRE_OK(axvm_resume_vcpu(vm, 1));
	wait_runs(1, 10);
	CHECK_U64(frozen[0], atomic_load(&counting_runs[0]));
	CHECK_U64(clock0, axvm_guest_clock_ns(vm));
	__atomic_fetch_add(&hal.now, 40, __ATOMIC_RELAXED); /* time runs while the one vCPU does */
	CHECK_U64(clock0 + 40, axvm_guest_clock_ns(vm));
	REQUIRE_OK(axvm_pause(vm)); /* parks it again and stops the clock */
	clock0 += 40;
	__atomic_fetch_add(&hal.now, 1000, __ATOMIC_RELAXED);
	CHECK_U64(clock0, axvm_guest_clock_ns(vm));
	frozen[1] = atomic_load(&counting_runs[1]);
	usleep(10000);
	CHECK_U64(frozen[1], atomic_load(&counting_runs[1]));
	CHECK_INT(-AXVM_ENOENT, axvm_resume_vcpu(vm, 7));
	REQUIRE_OK(axvm_resume(vm));
	CHECK_INT(AXVM_VM_RUNNING, axvm_status(vm));
	CHECK_U64(clock0, axvm_guest_clock_ns(vm)); /* continues from where it stopped */
	__atomic_fetch_add(&hal.now, 300, __ATOMIC_RELAXED);
	CHECK_U64(clock0 + 300, axvm_guest_clock_ns(vm));
	wait_runs(0, 100);
	wait_runs(1, 100);
	/* Shutdown wakes parked vCPUs. */
	REQUIRE_OK(axvm_pause(vm));
	REQUIRE_OK(axvm_shutdown(vm));
	for (unsigned i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(-AXVM_ESHUTDOWN, r[i].result);
	}
	CHECK_INT(AXVM_VM_STOPPED, axvm_status(vm));
	axvm_destroy(vm);
}
