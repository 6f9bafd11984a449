/* SPDX-License-Identifier: MIT */
/*
 * The riscv64 vCPU backend: a software RV64IMAFDC hart in S/U-mode that
 * behaves like a hardware-virtualized (VS-mode) hart. Generic code reaches it
 * only through the ops table below (axvm_vcpu_create(..., ops, &config, ...)).
 *
 * Registers for set_gpr/get_gpr: 0..31 = x0..x31 (writes to x0 are ignored),
 * AXVM_RISCV64_REG_PC (32) = pc, AXVM_RISCV64_REG_CSR_TMP (33) = the hidden
 * register a SysRegRead exit names when it is the read half of a CSR
 * instruction that also writes the CSR (csrrw/csrrs/csrrc needing the old
 * value): the VMM writes it like any other register, and the next run()
 * completes the instruction with a SysRegWrite exit (pc past it).
 *
 * Trapped CSRs are the custom S-mode ranges 0x5c0-0x5ff, 0x9c0-0x9ff and
 * 0xdc0-0xdff (read-only). When the hart knows the VM's sysreg bus
 * (rv_machine_attach_vm tells it), a CSR number no device claims raises an
 * illegal-instruction exception in the guest instead of exiting.
 * Interrupt vectors for inject_interrupt/clear_interrupt: the scause
 * interrupt codes AXVM_RISCV64_IRQ_SSI (1), _STI (5), _SEI (9).
 */
#ifndef AXVM_RISCV64_H
#define AXVM_RISCV64_H

#include "types.h"
#include "vcpu.h"

#define AXVM_RISCV64_REG_PC 32u
#define AXVM_RISCV64_REG_CSR_TMP 33u
#define AXVM_RISCV64_NR_REGS 34u

#define AXVM_RISCV64_IRQ_SSI 1u
#define AXVM_RISCV64_IRQ_STI 5u
#define AXVM_RISCV64_IRQ_SEI 9u

/* Defaults used when a config field is 0. */
#define AXVM_RISCV64_DEFAULT_TIMEBASE_HZ 10000000ull
#define AXVM_RISCV64_DEFAULT_RUN_BUDGET (1ull << 22)

/* The arch_config given to axvm_vcpu_create (NULL = all defaults). */
struct axvm_riscv64_config {
	uint64_t timebase_hz; /* guest time/stimecmp frequency; 0 = 10 MHz */
	bool sstc;	      /* expose the Sstc extension (stimecmp) */
	uint64_t run_budget;  /* instructions per run() before AXVM_EXIT_NOTHING; 0 = default */
	uint64_t epoch_ns;    /* host monotonic ns at which guest time reads 0 */
	void *machine;	      /* opaque per-VM SBI/platform state, passed through to the hart */
};

/* The software hart's vCPU ops table (the only export of src/arch/riscv64). */
const struct axvm_vcpu_ops *axvm_riscv64_vcpu_ops(void);

#endif
