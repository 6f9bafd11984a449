/* SPDX-License-Identifier: MIT */
/*
 * A scripted vCPU backend: run() replays a list of exits, one per call, and
 * every op is recorded, so the generic vCPU and VM layers can be tested
 * without any CPU. Pass a struct scripted_plan as the arch_config.
 */
#ifndef TEST_SCRIPTED_VCPU_H
#define TEST_SCRIPTED_VCPU_H

#include <axvm/vcpu.h>

#define SCRIPTED_MAX_VCPUS 8
#define SCRIPTED_MAX_EXITS 32
#define SCRIPTED_LOG_MAX 4096

enum scripted_op {
	SCRIPTED_OP_NONE,
	SCRIPTED_OP_CREATE,
	SCRIPTED_OP_SETUP,
	SCRIPTED_OP_BIND,
	SCRIPTED_OP_UNBIND,
	SCRIPTED_OP_RUN,
	SCRIPTED_OP_SET_GPR,
};

/* What one vCPU's backend records. */
struct scripted_state {
	uint64_t entry;
	uint64_t regs[33];
	unsigned runs;
	unsigned destroyed; /* times destroy() ran: must end at exactly 1 */
	uint64_t injected;
	unsigned kicks;
	uint64_t return_value;
	/* The VM's MMIO fast path from setup (tests call it as the backend would). */
	int (*mmio_access)(void *opaque, uint64_t addr, unsigned width, uint64_t *value,
			   bool write);
	void *mmio_opaque;
};

struct scripted_plan {
	/* Exits replayed by vCPU n, in order; past the end run() returns Halt. */
	struct axvm_exit exits[SCRIPTED_MAX_VCPUS][SCRIPTED_MAX_EXITS];
	unsigned exit_count[SCRIPTED_MAX_VCPUS];
	enum scripted_op fail_op; /* this op fails with -AXVM_EIO ... */
	int fail_vcpu;		  /* ... on this vCPU (-1 = any) */
	struct scripted_state state[SCRIPTED_MAX_VCPUS];
	char log[SCRIPTED_LOG_MAX]; /* "op:vcpu " records, in order */
	/* If set, called inside run() before it returns exit `index` of `vcpu`. */
	void (*before_exit)(struct scripted_plan *p, unsigned vcpu, unsigned index);
};

const struct axvm_vcpu_ops *scripted_vcpu_ops(void);
void scripted_plan_init(struct scripted_plan *p);
void scripted_push(struct scripted_plan *p, unsigned vcpu, const struct axvm_exit *e);

#endif
