/* SPDX-License-Identifier: MIT */
#include "fake_hal.h"
#include "scripted_vcpu.h"
#include "test.h"

#include <axvm/vcpu.h>

static struct fake_hal hal;
static struct scripted_plan plan;

static struct axvm_vcpu *vcpu_new(int phys, axvm_cpumask_t mask)
{
	struct axvm_vcpu *v = NULL;

	fake_hal_init(&hal);
	scripted_plan_init(&plan);
	axvm_vcpu_create(0, phys, mask, scripted_vcpu_ops(), &plan, &hal.hal, &v);
	return v;
}

static struct axvm_vcpu *vcpu_ready(void)
{
	struct axvm_vcpu *v = vcpu_new(-1, 0);

	axvm_vcpu_setup(v, 0x80200000, NULL, NULL);
	axvm_vcpu_bind(v);
	return v;
}

TEST(test_vcpu_full_lifecycle_follows_state_machine)
{
	struct axvm_vcpu *v = vcpu_new(-1, 0);
	struct axvm_exit e;

	REQUIRE(v);
	CHECK_INT(AXVM_VCPU_STATE_CREATED, axvm_vcpu_state(v));
	REQUIRE_OK(axvm_vcpu_setup(v, 0x80200000, NULL, NULL));
	CHECK_INT(AXVM_VCPU_STATE_FREE, axvm_vcpu_state(v));
	CHECK_U64(0x80200000, plan.state[0].entry);
	REQUIRE_OK(axvm_vcpu_bind(v));
	CHECK_INT(AXVM_VCPU_STATE_READY, axvm_vcpu_state(v));
	CHECK(axvm_vcpu_is_bound(v));
	REQUIRE_OK(axvm_vcpu_run(v, &e));
	CHECK_INT(AXVM_VCPU_STATE_READY, axvm_vcpu_state(v));
	CHECK_INT(AXVM_EXIT_HALT, e.reason);
	REQUIRE_OK(axvm_vcpu_unbind(v));
	CHECK_INT(AXVM_VCPU_STATE_FREE, axvm_vcpu_state(v));
	CHECK(!axvm_vcpu_is_bound(v));
	CHECK_STR("create:0 setup:0 bind:0 run:0 unbind:0 ", plan.log);
	axvm_vcpu_put(v);
	CHECK_INT(1, plan.state[0].destroyed);
}

TEST(test_vcpu_illegal_transitions_from_created)
{
	struct axvm_vcpu *v = vcpu_new(-1, 0);
	struct axvm_exit e;

	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_bind(v));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_unbind(v));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_run(v, &e));
	CHECK_INT(AXVM_VCPU_STATE_CREATED, axvm_vcpu_state(v));
	CHECK_STR("create:0 ", plan.log);
	axvm_vcpu_put(v);
}

TEST(test_vcpu_illegal_transitions_from_free)
{
	struct axvm_vcpu *v = vcpu_new(-1, 0);
	struct axvm_exit e;

	REQUIRE_OK(axvm_vcpu_setup(v, 0, NULL, NULL));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_setup(v, 0, NULL, NULL));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_unbind(v));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_run(v, &e));
	CHECK_INT(AXVM_VCPU_STATE_FREE, axvm_vcpu_state(v));
	axvm_vcpu_put(v);
}

TEST(test_vcpu_illegal_transitions_from_ready)
{
	struct axvm_vcpu *v = vcpu_ready();

	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_setup(v, 0, NULL, NULL));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_bind(v));
	CHECK_INT(AXVM_VCPU_STATE_READY, axvm_vcpu_state(v));
	axvm_vcpu_put(v);
}

/* A backend whose run() tries every transition while the vCPU is Running. */
static struct axvm_vcpu *running_vcpu;
static int running_results[4];

static int probing_run(void *backend, struct axvm_exit *exit)
{
	struct axvm_exit inner;

	running_results[0] = axvm_vcpu_bind(running_vcpu);
	running_results[1] = axvm_vcpu_unbind(running_vcpu);
	running_results[2] = axvm_vcpu_run(running_vcpu, &inner);
	running_results[3] = axvm_vcpu_setup(running_vcpu, 0, NULL, NULL);
	exit->reason = AXVM_EXIT_NOTHING;
	return 0;
}

static int probing_create(const struct axvm_vcpu_create_info *info, void **b)
{
	*b = (void *)1;
	return 0;
}

TEST(test_vcpu_illegal_transitions_from_running)
{
	static const struct axvm_vcpu_ops ops = {.create = probing_create, .run = probing_run};
	struct axvm_exit e;

	fake_hal_init(&hal);
	REQUIRE_OK(axvm_vcpu_create(0, -1, 0, &ops, NULL, &hal.hal, &running_vcpu));
	REQUIRE_OK(axvm_vcpu_setup(running_vcpu, 0, NULL, NULL));
	REQUIRE_OK(axvm_vcpu_bind(running_vcpu));
	REQUIRE_OK(axvm_vcpu_run(running_vcpu, &e));
	for (int i = 0; i < 4; i++)
		CHECK_INT(-AXVM_ESTATE, running_results[i]);
	CHECK_INT(AXVM_VCPU_STATE_READY, axvm_vcpu_state(running_vcpu));
	axvm_vcpu_put(running_vcpu);
}

TEST(test_vcpu_backend_failure_leaves_invalid_terminal)
{
	struct axvm_vcpu *v = vcpu_new(-1, 0);
	struct axvm_exit e;

	plan.fail_op = SCRIPTED_OP_SETUP;
	CHECK_INT(-AXVM_EIO, axvm_vcpu_setup(v, 0, NULL, NULL));
	CHECK_INT(AXVM_VCPU_STATE_INVALID, axvm_vcpu_state(v));
	plan.fail_op = SCRIPTED_OP_NONE;
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_setup(v, 0, NULL, NULL));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_bind(v));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_run(v, &e));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_set_gpr(v, 10, 1));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_inject_interrupt(v, 9));
	CHECK_INT(AXVM_VCPU_STATE_INVALID, axvm_vcpu_state(v));
	axvm_vcpu_put(v);
}

TEST(test_vcpu_run_failure_leaves_invalid)
{
	struct axvm_vcpu *v = vcpu_ready();
	struct axvm_exit e;

	plan.fail_op = SCRIPTED_OP_RUN;
	CHECK_INT(-AXVM_EIO, axvm_vcpu_run(v, &e));
	CHECK_INT(AXVM_VCPU_STATE_INVALID, axvm_vcpu_state(v));
	CHECK_INT(-AXVM_ESTATE, axvm_vcpu_unbind(v));
	axvm_vcpu_put(v);
}

TEST(test_vcpu_bind_failure_in_backend_leaves_invalid)
{
	struct axvm_vcpu *v = vcpu_new(-1, 0);

	REQUIRE_OK(axvm_vcpu_setup(v, 0, NULL, NULL));
	plan.fail_op = SCRIPTED_OP_BIND;
	CHECK_INT(-AXVM_EIO, axvm_vcpu_bind(v));
	CHECK_INT(AXVM_VCPU_STATE_INVALID, axvm_vcpu_state(v));
	axvm_vcpu_put(v);
}

TEST(test_vcpu_create_failure_returns_error_and_no_vcpu)
{
	struct axvm_vcpu *v = (struct axvm_vcpu *)1;

	fake_hal_init(&hal);
	scripted_plan_init(&plan);
	plan.fail_op = SCRIPTED_OP_CREATE;
	CHECK_INT(-AXVM_EIO, axvm_vcpu_create(0, -1, 0, scripted_vcpu_ops(), &plan, &hal.hal, &v));
	CHECK(v == NULL);
	CHECK_INT(-AXVM_EINVAL, axvm_vcpu_create(0, -1, 0, NULL, &plan, &hal.hal, &v));
}

TEST(test_vcpu_mask_defaults_to_phys_cpu_id)
{
	struct axvm_vcpu *v = vcpu_new(3, 0);

	CHECK_U64(1u << 3, axvm_vcpu_cpu_mask(v));
	CHECK_INT(3, axvm_vcpu_phys_cpu_id(v));
	axvm_vcpu_put(v);
	v = vcpu_new(3, 0x30);
	CHECK_U64(0x30, axvm_vcpu_cpu_mask(v));
	axvm_vcpu_put(v);
	v = vcpu_new(-1, 0);
	CHECK_U64(0, axvm_vcpu_cpu_mask(v));
	axvm_vcpu_put(v);
}

TEST(test_vcpu_bind_pins_thread_to_cpu_set)
{
	struct axvm_vcpu *v = vcpu_new(-1, 0x6);

	hal.follow_pin = true;
	hal.current_cpu = 0;
	REQUIRE_OK(axvm_vcpu_setup(v, 0, NULL, NULL));
	REQUIRE_OK(axvm_vcpu_bind(v));
	CHECK_U64(0x6, hal.pinned);
	CHECK_INT(1, hal.current_cpu);
	REQUIRE_OK(axvm_vcpu_unbind(v));
	/* Unbind restores the thread's previous affinity. */
	CHECK_U64(0xff, hal.thread_mask);
	axvm_vcpu_put(v);
}

TEST(test_vcpu_bind_outside_affinity_set_fails)
{
	struct axvm_vcpu *v = vcpu_new(2, 0);

	hal.current_cpu = 5; /* the "kernel" did not move us: still outside {2} */
	REQUIRE_OK(axvm_vcpu_setup(v, 0, NULL, NULL));
	CHECK_INT(-AXVM_EAFFINITY, axvm_vcpu_bind(v));
	/* Not a backend failure: the vCPU stays Free, the thread's mask is restored. */
	CHECK_INT(AXVM_VCPU_STATE_FREE, axvm_vcpu_state(v));
	CHECK_U64(0xff, hal.thread_mask);
	CHECK_STR("create:0 setup:0 ", plan.log);
	hal.current_cpu = 2;
	CHECK_INT(0, axvm_vcpu_bind(v));
	axvm_vcpu_put(v);
}

TEST(test_vcpu_bind_fails_when_host_cannot_pin)
{
	struct axvm_vcpu *v = vcpu_new(1, 0);

	hal.fail_pin = 1;
	hal.current_cpu = 1;
	REQUIRE_OK(axvm_vcpu_setup(v, 0, NULL, NULL));
	CHECK_INT(-AXVM_EAFFINITY, axvm_vcpu_bind(v));
	CHECK_INT(AXVM_VCPU_STATE_FREE, axvm_vcpu_state(v));
	axvm_vcpu_put(v);
}

TEST(test_vcpu_refcount_frees_exactly_once)
{
	struct axvm_vcpu *v = vcpu_new(-1, 0);

	CHECK_INT(1, (int)axvm_vcpu_refcount(v));
	CHECK(axvm_vcpu_get(v) == v);
	axvm_vcpu_get(v);
	CHECK_INT(3, (int)axvm_vcpu_refcount(v));
	axvm_vcpu_put(v);
	axvm_vcpu_put(v);
	CHECK_INT(0, plan.state[0].destroyed);
	axvm_vcpu_put(v);
	CHECK_INT(1, plan.state[0].destroyed);
}

TEST(test_vcpu_register_ops_reach_backend)
{
	struct axvm_vcpu *v = vcpu_ready();
	uint64_t val;

	REQUIRE_OK(axvm_vcpu_set_gpr(v, 10, 0x1234));
	REQUIRE_OK(axvm_vcpu_get_gpr(v, 10, &val));
	CHECK_U64(0x1234, val);
	REQUIRE_OK(axvm_vcpu_set_entry(v, 0x80000000));
	CHECK_U64(0x80000000, plan.state[0].entry);
	REQUIRE_OK(axvm_vcpu_set_return_value(v, 42));
	CHECK_U64(42, plan.state[0].return_value);
	REQUIRE_OK(axvm_vcpu_inject_interrupt(v, 9));
	CHECK_U64(1u << 9, plan.state[0].injected);
	axvm_vcpu_kick(v);
	CHECK_INT(1, (int)plan.state[0].kicks);
	CHECK_INT(-AXVM_ENOTSUP, axvm_vcpu_clear_interrupt(v, 9));
	axvm_vcpu_put(v);
}

/* The architecture-specific ops are optional: a backend without them says so. */
TEST(test_vcpu_boot_args_and_hypercall_result_need_the_backend)
{
	struct axvm_vcpu *v = vcpu_ready();

	CHECK_INT(-AXVM_ENOTSUP, axvm_vcpu_set_boot_args(v, 0x80000000, 0x1000));
	CHECK(strstr(axvm_error_message(), "set_boot_args") != NULL);
	CHECK_INT(-AXVM_ENOTSUP, axvm_vcpu_set_hypercall_result(v, 0, 1));
	axvm_vcpu_put(v);
}

TEST(test_vcpu_state_names)
{
	CHECK_STR("Created", axvm_vcpu_state_name(AXVM_VCPU_STATE_CREATED));
	CHECK_STR("Invalid", axvm_vcpu_state_name(AXVM_VCPU_STATE_INVALID));
	CHECK_STR("Running", axvm_vcpu_state_name(AXVM_VCPU_STATE_RUNNING));
}
