/* SPDX-License-Identifier: MIT */
/* Per-VM riscv64 state shared by the harts and the SBI layer. */
#include "arch/riscv64/machine.h"

#include <stdlib.h>

#include "arch/riscv64/hart.h"
#include "axvm/config.h"
#include "axvm/riscv64.h"
#include "axvm/types.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"

int rv_machine_create(unsigned nharts, struct axvm_console *console, struct rv_machine **out)
{
	struct rv_machine *m;

	*out = NULL;
	if (nharts == 0 || nharts > RV_MACHINE_MAX_HARTS)
		return -AXVM_EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -AXVM_ENOMEM;
	m->nharts = nharts;
	m->console = console;
	m->sse_global.id = RV_SSE_GLOBAL_SOFTWARE; /* preferred hart 0: the boot hart */
	rv_machine_reset_hsm(m);
	*out = m;
	return 0;
}

void rv_machine_destroy(struct rv_machine *m)
{
	free(m);
}

int rv_machine_attach_hart(struct rv_machine *m, unsigned id, struct rv_hart *h)
{
	if (id >= m->nharts || !h)
		return -AXVM_EINVAL;
	m->harts[id] = h;
	return 0;
}

int rv_machine_attach_vm(struct rv_machine *m, struct axvm *vm)
{
	unsigned n = axvm_vcpu_num(vm);

	if (n != m->nharts)
		return -AXVM_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		struct axvm_vcpu *vcpu = axvm_vcpu(vm, i);
		int err;

		if (!vcpu)
			return -AXVM_ENOENT;
		err = rv_machine_attach_hart(m, i, axvm_vcpu_backend(vcpu));
		if (err)
			return err;
		/* Custom CSRs no sysreg device claims become illegal instructions. */
		rv_hart_set_csr_unclaimed_illegal(axvm_vcpu_backend(vcpu), true);
	}
	return 0;
}

struct rv_hart *rv_machine_hart(const struct rv_machine *m, uint64_t id)
{
	if (!m || id >= m->nharts)
		return NULL;
	return m->harts[id];
}

enum rv_hsm_state rv_machine_hsm_state(const struct rv_machine *m, unsigned id)
{
	if (id >= m->nharts)
		return RV_HSM_STOPPED;
	return (enum rv_hsm_state)__atomic_load_n(&m->hsm[id], __ATOMIC_ACQUIRE);
}

void rv_machine_set_hsm_state(struct rv_machine *m, unsigned id, enum rv_hsm_state state)
{
	if (id < m->nharts)
		__atomic_store_n(&m->hsm[id], (uint32_t)state, __ATOMIC_RELEASE);
}

bool rv_machine_hsm_transition(struct rv_machine *m, unsigned id, enum rv_hsm_state from,
			       enum rv_hsm_state to)
{
	uint32_t expected = (uint32_t)from;

	if (id >= m->nharts)
		return false;
	return __atomic_compare_exchange_n(&m->hsm[id], &expected, (uint32_t)to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

bool rv_machine_hsm_start(struct rv_machine *m, unsigned id)
{
	struct rv_hart *h = rv_machine_hart(m, id);

	/*
	 * The ticket is UINT64_MAX while STOPPED, so a status read between the
	 * two steps still sees START_PENDING; the compare-and-swap makes two
	 * racing starts of one hart start it once.
	 */
	if (!h || !rv_machine_hsm_transition(m, id, RV_HSM_STOPPED, RV_HSM_START_PENDING))
		return false;
	__atomic_store_n(&m->hsm_ticket[id], rv_hart_request_flush(h), __ATOMIC_RELEASE);
	return true;
}

void rv_machine_hsm_suspend(struct rv_machine *m, unsigned id)
{
	struct rv_hart *h = rv_machine_hart(m, id);

	if (!h)
		return;
	/* The ticket before the state: a reader that sees SUSPENDED sees this ticket. */
	__atomic_store_n(&m->hsm_ticket[id], rv_hart_request_flush(h), __ATOMIC_RELEASE);
	rv_machine_set_hsm_state(m, id, RV_HSM_SUSPENDED);
}

void rv_machine_hsm_stop(struct rv_machine *m, unsigned id)
{
	if (id >= m->nharts)
		return;
	__atomic_store_n(&m->hsm_ticket[id], UINT64_MAX, __ATOMIC_RELEASE);
	rv_machine_set_hsm_state(m, id, RV_HSM_STOPPED);
}

enum rv_hsm_state rv_machine_hsm_status(struct rv_machine *m, unsigned id)
{
	enum rv_hsm_state s = rv_machine_hsm_state(m, id);
	struct rv_hart *h = rv_machine_hart(m, id);

	if ((s == RV_HSM_START_PENDING || s == RV_HSM_SUSPENDED) && h &&
	    rv_hart_flush_done(h, __atomic_load_n(&m->hsm_ticket[id], __ATOMIC_ACQUIRE))) {
		/* It ran again: record it, unless it moved on meanwhile (suspended again...). */
		if (rv_machine_hsm_transition(m, id, s, RV_HSM_STARTED))
			return RV_HSM_STARTED;
		return rv_machine_hsm_state(m, id);
	}
	return s;
}

void rv_machine_reset_hsm(struct rv_machine *m)
{
	for (unsigned i = 0; i < m->nharts; i++) {
		__atomic_store_n(&m->hsm_ticket[i], UINT64_MAX, __ATOMIC_RELEASE);
		rv_machine_set_hsm_state(m, i, i == 0 ? RV_HSM_STARTED : RV_HSM_STOPPED);
	}
}

/*
 * The public face of the machine (axvm/riscv64.h): struct axvm_riscv64_machine
 * is never defined; its pointers are struct rv_machine pointers.
 */
static struct rv_machine *machine_rv(struct axvm_riscv64_machine *m)
{
	return (struct rv_machine *)(void *)m;
}

int axvm_riscv64_machine_create(unsigned nharts, struct axvm_riscv64_machine **out)
{
	struct rv_machine *m;
	int ret;

	if (!out)
		return -AXVM_EINVAL;
	ret = rv_machine_create(nharts, NULL, &m);
	*out = (struct axvm_riscv64_machine *)(void *)m;
	return ret;
}

void axvm_riscv64_machine_destroy(struct axvm_riscv64_machine *m)
{
	rv_machine_destroy(machine_rv(m));
}

void axvm_riscv64_machine_set_console(struct axvm_riscv64_machine *m, struct axvm_console *con)
{
	if (m)
		machine_rv(m)->console = con;
}

void axvm_riscv64_machine_set_probe(struct axvm_riscv64_machine *m,
				    long (*probe)(void *opaque, uint64_t eid), void *opaque)
{
	if (!m)
		return;
	machine_rv(m)->probe = probe;
	machine_rv(m)->probe_opaque = opaque;
}

int axvm_riscv64_machine_attach(struct axvm_riscv64_machine *m, struct axvm *vm)
{
	const struct axvm_config *cfg;
	struct rv_machine *rm = machine_rv(m);

	if (!m || !vm)
		return -AXVM_EINVAL;
	/* Only our harts can be attached, and only those that will reach this machine. */
	cfg = axvm_config(vm);
	if (cfg->vcpu_ops && cfg->vcpu_ops != axvm_riscv64_vcpu_ops())
		return -AXVM_EINVAL;
	for (unsigned i = 0; i < axvm_vcpu_num(vm); i++) {
		struct axvm_vcpu *vcpu = axvm_vcpu(vm, i);
		struct rv_hart *h = vcpu ? axvm_vcpu_backend(vcpu) : NULL;

		if (h && h->machine != rm)
			return -AXVM_EINVAL;
	}
	return rv_machine_attach_vm(rm, vm);
}
