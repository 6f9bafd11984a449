/* SPDX-License-Identifier: MIT */
/*
 * The SiFive PLIC model (see plic.c for the register map). Register it with
 * axvm_plic_ops, the PLIC as opaque, 32-bit accesses only, over
 * AXVM_PLIC_MMIO_SIZE.
 *
 * Contexts follow QEMU's virt machine: two per hart, M-mode (2N) then
 * S-mode (2N + 1). The PLIC calls ctx_output(opaque, context, level) when a
 * context's interrupt line changes; the board wires it to the harts.
 *
 * Threads: the ops and axvm_plic_set_irq are safe from any thread (the PLIC
 * has its own mutex; ctx_output is called with it held, so it must not call
 * back into the PLIC).
 */
#ifndef AXVM_DEVICES_PLIC_H
#define AXVM_DEVICES_PLIC_H

#include <axvm/device.h>

#define AXVM_PLIC_MMIO_SIZE 0x600000
#define AXVM_PLIC_MAX_SOURCES 1023 /* source ids 1..1023; 0 means "none" */
#define AXVM_PLIC_MAX_CONTEXTS 15872
#define AXVM_PLIC_MAX_PRIORITY 7

struct axvm_plic_params {
	unsigned ndev;	   /* sources 1..ndev (riscv,ndev) */
	unsigned contexts; /* 2 per hart */
	void (*ctx_output)(void *opaque, unsigned context, bool level);
	void *opaque;
};

struct axvm_plic;

int axvm_plic_create(const struct axvm_plic_params *params, struct axvm_plic **out);
void axvm_plic_destroy(struct axvm_plic *plic);

/* Drive a level-triggered source (irq 1..ndev; others are ignored). */
void axvm_plic_set_irq(struct axvm_plic *plic, unsigned irq, bool level);
/* Adapter for struct axvm_irq_line: opaque is the PLIC. */
void axvm_plic_irq_line_set(void *opaque, unsigned irq, bool level);

extern const struct axvm_device_ops axvm_plic_ops;

#endif
