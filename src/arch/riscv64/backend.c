/* SPDX-License-Identifier: MIT */
/*
 * The riscv64 vCPU backend: the generic vCPU ops table mapped onto the
 * software hart. The table is how generic code reaches the hart; the rest
 * of src/arch/riscv64's public API is the per-VM machine (machine.c,
 * axvm_riscv64_machine_*), which the board wires up. The riscv64 boot
 * protocol and hypercall (SBI) register convention live here and in
 * rv_hart_boot, nowhere above.
 */
#include "axvm/riscv64.h"

#include "arch/riscv64/debug.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/jit.h"

static int backend_create(const struct axvm_vcpu_create_info *info, void **backend)
{
	struct rv_hart *h;
	int ret;

	ret = rv_hart_create(info->arch_config, info->id, info->hal, &h);
	if (ret)
		return ret;
	*backend = h;
	return 0;
}

static void backend_destroy(void *backend)
{
	rv_hart_destroy(backend);
}

static int backend_setup(void *backend, const struct axvm_vcpu_setup_info *info)
{
	struct rv_hart *h = backend;

	if (!info->addrspace)
		return -AXVM_EINVAL;
	h->as = info->addrspace;
	h->as_generation = axvm_addrspace_generation(h->as);
	h->sysreg_claimed = info->sysreg_claimed;
	h->sysreg_opaque = info->sysreg_opaque;
	h->tracer = info->tracer;
	h->guest_clock_ns = info->guest_clock_ns;
	h->clock_opaque = info->clock_opaque;
	h->mmio_access = info->mmio_access;
	h->mmio_opaque = info->mmio_opaque;
	rv_hart_reset(h, info->entry);
	return 0;
}

static int backend_set_entry(void *backend, uint64_t entry)
{
	rv_hart_reset(backend, entry);
	return 0;
}

static int backend_run(void *backend, struct axvm_exit *exit)
{
	return rv_hart_run(backend, exit);
}

static int backend_set_gpr(void *backend, unsigned reg, uint64_t value)
{
	struct rv_hart *h = backend;

	if (reg == AXVM_RISCV64_REG_PC)
		h->pc = value & ~1ull;
	else if (reg == AXVM_RISCV64_REG_CSR_TMP)
		h->csr_tmp = value;
	else if (reg < 32)
		h->x[reg] = reg ? value : 0;
	else
		return -AXVM_EINVAL;
	return 0;
}

static int backend_get_gpr(void *backend, unsigned reg, uint64_t *value)
{
	struct rv_hart *h = backend;

	if (reg == AXVM_RISCV64_REG_PC)
		*value = h->pc;
	else if (reg == AXVM_RISCV64_REG_CSR_TMP)
		*value = h->csr_tmp;
	else if (reg < 32)
		*value = h->x[reg];
	else
		return -AXVM_EINVAL;
	return 0;
}

static int backend_set_return_value(void *backend, uint64_t value)
{
	struct rv_hart *h = backend;

	h->x[AXVM_RISCV64_REG_A(0)] = value;
	return 0;
}

static int backend_set_boot_args(void *backend, uint64_t entry, uint64_t arg)
{
	rv_hart_boot(backend, entry, arg);
	return 0;
}

/* SBI's return convention: a0 = error, a1 = value. */
static int backend_set_hypercall_result(void *backend, uint64_t status, uint64_t value)
{
	struct rv_hart *h = backend;

	h->x[AXVM_RISCV64_REG_A(0)] = status;
	h->x[AXVM_RISCV64_REG_A(1)] = value;
	return 0;
}

static bool backend_valid_irq(uint64_t vector)
{
	return vector == RV_IRQ_SSI || vector == RV_IRQ_STI || vector == RV_IRQ_SEI;
}

static int backend_inject_interrupt(void *backend, uint64_t vector)
{
	if (!backend_valid_irq(vector))
		return -AXVM_EINVAL;
	rv_hart_post_interrupt(backend, (unsigned)vector);
	return 0;
}

static int backend_clear_interrupt(void *backend, uint64_t vector)
{
	if (!backend_valid_irq(vector))
		return -AXVM_EINVAL;
	rv_hart_clear_interrupt(backend, (unsigned)vector);
	return 0;
}

static void backend_kick(void *backend)
{
	rv_hart_kick(backend);
}

static int backend_wait_for_interrupt(void *backend, uint64_t timeout_ns)
{
	return rv_hart_wait_for_interrupt(backend, timeout_ns);
}

static void backend_read_counters(void *backend,
				  void (*fn)(void *opaque, const char *name, uint64_t v),
				  void *opaque)
{
	rv_hart_read_counters(backend, fn, opaque);
}

static const char *backend_debug_target_xml(void *backend)
{
	return rv_debug_target_xml();
}

static int backend_debug_get_reg(void *backend, unsigned regno, uint64_t *value)
{
	return rv_debug_get_reg(backend, regno, value);
}

static int backend_debug_set_reg(void *backend, unsigned regno, uint64_t value)
{
	return rv_debug_set_reg(backend, regno, value);
}

static int backend_debug_read_mem(void *backend, uint64_t addr, void *buf, uint64_t len)
{
	return rv_debug_read_mem(backend, addr, buf, len);
}

static int backend_debug_write_mem(void *backend, uint64_t addr, const void *buf, uint64_t len)
{
	return rv_debug_write_mem(backend, addr, buf, len);
}

static int backend_debug_set_point(void *backend, enum axvm_debug_point type, uint64_t addr,
				   uint64_t len, bool insert)
{
	return rv_debug_set_point(backend, type, addr, len, insert);
}

static int backend_debug_set_step(void *backend, bool on)
{
	return rv_debug_set_step(backend, on);
}

static const struct axvm_vcpu_ops backend_ops = {
    .name = "riscv64",
    .create = backend_create,
    .destroy = backend_destroy,
    .setup = backend_setup,
    .set_entry = backend_set_entry,
    .run = backend_run,
    .set_gpr = backend_set_gpr,
    .get_gpr = backend_get_gpr,
    .set_return_value = backend_set_return_value,
    .inject_interrupt = backend_inject_interrupt,
    .clear_interrupt = backend_clear_interrupt,
    .kick = backend_kick,
    .wait_for_interrupt = backend_wait_for_interrupt,
    .set_boot_args = backend_set_boot_args,
    .set_hypercall_result = backend_set_hypercall_result,
    .read_counters = backend_read_counters,
    .debug_target_xml = backend_debug_target_xml,
    .debug_get_reg = backend_debug_get_reg,
    .debug_set_reg = backend_debug_set_reg,
    .debug_read_mem = backend_debug_read_mem,
    .debug_write_mem = backend_debug_write_mem,
    .debug_set_point = backend_debug_set_point,
    .debug_set_step = backend_debug_set_step,
};

bool axvm_riscv64_jit_available(void)
{
	return rv_jit_supported();
}

const struct axvm_vcpu_ops *axvm_riscv64_vcpu_ops(void)
{
	return &backend_ops;
}
