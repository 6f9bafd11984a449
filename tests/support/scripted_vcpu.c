/* SPDX-License-Identifier: MIT */
#include "scripted_vcpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scripted_backend {
	unsigned id;
	struct scripted_plan *plan;
	unsigned next;
};

static void scripted_log(struct scripted_backend *b, const char *op)
{
	size_t len = strlen(b->plan->log);

	snprintf(b->plan->log + len, sizeof(b->plan->log) - len, "%s:%u ", op, b->id);
}

static bool scripted_fails(struct scripted_backend *b, enum scripted_op op)
{
	return b->plan->fail_op == op &&
	       (b->plan->fail_vcpu < 0 || b->plan->fail_vcpu == (int)b->id);
}

static struct scripted_state *scripted_state(struct scripted_backend *b)
{
	return &b->plan->state[b->id % SCRIPTED_MAX_VCPUS];
}

static int scripted_create(const struct axvm_vcpu_create_info *info, void **out)
{
	struct scripted_plan *plan = (struct scripted_plan *)info->arch_config;
	struct scripted_backend *b;

	*out = NULL;
	if (!plan || info->id >= SCRIPTED_MAX_VCPUS)
		return -AXVM_EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -AXVM_ENOMEM;
	b->id = info->id;
	b->plan = plan;
	scripted_log(b, "create");
	if (scripted_fails(b, SCRIPTED_OP_CREATE)) {
		free(b);
		return -AXVM_EIO;
	}
	*out = b;
	return 0;
}

static void scripted_destroy(void *backend)
{
	struct scripted_backend *b = backend;

	scripted_state(b)->destroyed++;
	scripted_log(b, "destroy");
	free(b);
}

static int scripted_setup(void *backend, const struct axvm_vcpu_setup_info *info)
{
	struct scripted_backend *b = backend;

	scripted_log(b, "setup");
	scripted_state(b)->entry = info->entry;
	scripted_state(b)->mmio_access = info->mmio_access;
	scripted_state(b)->mmio_opaque = info->mmio_opaque;
	return scripted_fails(b, SCRIPTED_OP_SETUP) ? -AXVM_EIO : 0;
}

static int scripted_set_entry(void *backend, uint64_t entry)
{
	scripted_state(backend)->entry = entry;
	return 0;
}

static int scripted_bind(void *backend)
{
	scripted_log(backend, "bind");
	return scripted_fails(backend, SCRIPTED_OP_BIND) ? -AXVM_EIO : 0;
}

static int scripted_unbind(void *backend)
{
	scripted_log(backend, "unbind");
	return scripted_fails(backend, SCRIPTED_OP_UNBIND) ? -AXVM_EIO : 0;
}

static int scripted_run(void *backend, struct axvm_exit *exit)
{
	struct scripted_backend *b = backend;
	unsigned id = b->id % SCRIPTED_MAX_VCPUS;

	scripted_log(b, "run");
	scripted_state(b)->runs++;
	if (scripted_fails(b, SCRIPTED_OP_RUN))
		return -AXVM_EIO;
	if (b->next < b->plan->exit_count[id]) {
		if (b->plan->before_exit)
			b->plan->before_exit(b->plan, id, b->next);
		*exit = b->plan->exits[id][b->next++];
	} else {
		memset(exit, 0, sizeof(*exit));
		exit->reason = AXVM_EXIT_HALT;
	}
	return 0;
}

static int scripted_set_gpr(void *backend, unsigned reg, uint64_t value)
{
	struct scripted_backend *b = backend;
	char rec[32];

	if (reg >= 33)
		return -AXVM_EINVAL;
	snprintf(rec, sizeof(rec), "set_gpr(%u,0x%llx)", reg, (unsigned long long)value);
	scripted_log(b, rec);
	if (scripted_fails(b, SCRIPTED_OP_SET_GPR))
		return -AXVM_EIO;
	scripted_state(b)->regs[reg] = value;
	return 0;
}

static int scripted_get_gpr(void *backend, unsigned reg, uint64_t *value)
{
	if (reg >= 33)
		return -AXVM_EINVAL;
	*value = scripted_state(backend)->regs[reg];
	return 0;
}

static int scripted_set_return_value(void *backend, uint64_t value)
{
	scripted_state(backend)->return_value = value;
	return 0;
}

static int scripted_inject(void *backend, uint64_t vector)
{
	scripted_state(backend)->injected |= 1ull << (vector & 63);
	return 0;
}

static void scripted_kick(void *backend)
{
	scripted_state(backend)->kicks++;
}

static const struct axvm_vcpu_ops scripted_ops = {
    .name = "scripted",
    .create = scripted_create,
    .destroy = scripted_destroy,
    .setup = scripted_setup,
    .set_entry = scripted_set_entry,
    .bind = scripted_bind,
    .unbind = scripted_unbind,
    .run = scripted_run,
    .set_gpr = scripted_set_gpr,
    .get_gpr = scripted_get_gpr,
    .set_return_value = scripted_set_return_value,
    .inject_interrupt = scripted_inject,
    .kick = scripted_kick,
};

const struct axvm_vcpu_ops *scripted_vcpu_ops(void)
{
	return &scripted_ops;
}

void scripted_plan_init(struct scripted_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->fail_vcpu = -1;
}

void scripted_push(struct scripted_plan *p, unsigned vcpu, const struct axvm_exit *e)
{
	if (vcpu < SCRIPTED_MAX_VCPUS && p->exit_count[vcpu] < SCRIPTED_MAX_EXITS)
		p->exits[vcpu][p->exit_count[vcpu]++] = *e;
}
