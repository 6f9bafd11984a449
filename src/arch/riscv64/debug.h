/* SPDX-License-Identifier: MIT */
/*
 * The hart's debugger support (debug.c): the backend's debug ops and the
 * checked run path the hart takes while a trigger or a step is set.
 */
#ifndef AXVM_ARCH_RISCV64_DEBUG_H
#define AXVM_ARCH_RISCV64_DEBUG_H

#include "axvm/vcpu.h"

#include "arch/riscv64/hart.h"

const char *rv_debug_target_xml(void);
int rv_debug_get_reg(struct rv_hart *h, unsigned regno, uint64_t *value);
int rv_debug_set_reg(struct rv_hart *h, unsigned regno, uint64_t value);
int rv_debug_read_mem(struct rv_hart *h, uint64_t va, void *buf, uint64_t len);
int rv_debug_write_mem(struct rv_hart *h, uint64_t va, const void *buf, uint64_t len);
int rv_debug_set_point(struct rv_hart *h, enum axvm_debug_point type, uint64_t addr, uint64_t len,
		       bool insert);
int rv_debug_set_step(struct rv_hart *h, bool on);
/*
 * Recompute whether run() takes the checked path, after the trigger table
 * changed (the debugger's points, or the guest's through SBI DBTR).
 */
void rv_debug_refresh(struct rv_hart *h);
/*
 * Up to n instructions one at a time, each after checking the triggers and
 * the step (h->dbg): a hit or a finished step returns RV_STEP_EXIT with an
 * AXVM_EXIT_DEBUG exit before the instruction runs. As rv_exec_batch.
 */
int rv_debug_batch(struct rv_hart *h, uint64_t n, uint64_t *done, struct axvm_exit *exit);

#endif
