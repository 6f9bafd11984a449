/* SPDX-License-Identifier: MIT */
/*
 * Two harts attached to one riscv64 machine over shared RAM (and the MMIO
 * window of test_hart_util.h), for the tests of SBI calls that reach
 * another hart: hart 1 starts STOPPED, as at boot.
 */
#ifndef AXVM_TEST_MACHINE_UTIL_H
#define AXVM_TEST_MACHINE_UTIL_H

#include <string.h>

#include "arch/riscv64/machine.h"
#include "axvm/console.h"
#include "test_hart_util.h"

struct mfx {
	struct axvm_addrspace *as;
	struct axvm_console *con;
	struct rv_machine *m;
	struct rv_hart *h[2];
	struct axvm_exit exit;
};

/* cfg: the harts' config (its machine field is filled in here). */
static inline int mfx_init_cfg(struct mfx *f, struct axvm_riscv64_config cfg)
{
	struct axvm_console_sink sink = {0};
	int err;

	memset(f, 0, sizeof(*f));
	err = axvm_addrspace_create(axvm_hal_linux(), &f->as);
	if (!err)
		err = axvm_addrspace_map_linear(f->as, RAM_BASE, RAM_SIZE,
						AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC);
	if (!err)
		err = axvm_addrspace_map_mmio(f->as, MMIO_BASE, 0x1000);
	if (!err)
		err = axvm_console_create(&sink, &f->con);
	if (!err)
		err = rv_machine_create(2, f->con, &f->m);
	cfg.machine = f->m;
	for (unsigned i = 0; !err && i < 2; i++) {
		err = rv_hart_create(&cfg, i, axvm_hal_linux(), &f->h[i]);
		if (!err) {
			f->h[i]->as = f->as;
			err = rv_machine_attach_hart(f->m, i, f->h[i]);
		}
	}
	return err;
}

static inline void mfx_fini(struct mfx *f)
{
	for (unsigned i = 0; i < 2; i++)
		rv_hart_destroy(f->h[i]);
	rv_machine_destroy(f->m);
	axvm_console_destroy(f->con);
	axvm_addrspace_destroy(f->as);
}

#endif
