/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the interpreter (interp.c), the decoded-slot engine
 * (exec.c: its MMIO exits and the fallbacks into interp.c) and the A
 * extension (amo.c).
 */
#ifndef AXVM_ARCH_RISCV64_INTERP_H
#define AXVM_ARCH_RISCV64_INTERP_H

#include "arch/riscv64/hart.h"

enum rv_mem {
	RV_MEM_OK,   /* host pointers valid */
	RV_MEM_MMIO, /* the access is emulated: span.gpa */
	RV_MEM_TRAP, /* an exception was delivered to the guest */
	RV_MEM_EXIT, /* the exit is filled (nested page fault) */
};

/* Host bytes of one guest access: p[0] for n0 bytes, then p[1] (page crossing). */
struct rv_span {
	uint8_t *p[2];
	unsigned n0;
	axvm_gpa_t gpa;
};

enum rv_mem rv_interp_mem(struct rv_hart *h, uint64_t va, unsigned len, enum rv_acc acc,
			  struct rv_span *sp, struct axvm_exit *exit);

/*
 * Fill *exit for a load (funct3 f3, into register rd) or a store of `data`
 * at guest-physical gpa: one encoding for interp.c and exec.c. Every field of
 * the exit's member is set; the rest was zeroed when run() began (these are
 * on the path of every MMIO round trip).
 */
static inline void rv_interp_mmio_load_exit(struct axvm_exit *exit, axvm_gpa_t gpa, unsigned f3,
					    unsigned rd)
{
	unsigned width = 1u << (f3 & 3);

	exit->reason = AXVM_EXIT_MMIO_READ;
	exit->mmio_read.addr = gpa;
	exit->mmio_read.width = (uint8_t)width;
	exit->mmio_read.reg = (uint8_t)rd;
	exit->mmio_read.reg_width = 8;
	exit->mmio_read.sign_ext = !(f3 & 4) && width < 8;
}

static inline void rv_interp_mmio_store_exit(struct axvm_exit *exit, axvm_gpa_t gpa, unsigned f3,
					     uint64_t data)
{
	unsigned width = 1u << (f3 & 3);

	exit->reason = AXVM_EXIT_MMIO_WRITE;
	exit->mmio_write.addr = gpa;
	exit->mmio_write.width = (uint8_t)width;
	exit->mmio_write.data = width == 8 ? data : data & ((1ull << (8 * width)) - 1);
}

/*
 * The cache-block operations (cmo.c), the helpers insn_table.h's CBO rows
 * name: execute one (the row's extension is on; MISC-MEM funct3 2), returning
 * RV_STEP_*; and the translator's forms (pc, instret untouched): 0 if done
 * because this mode's TLB maps the block, else 1 with nothing changed.
 */
int rv_cmo_inval(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		 struct axvm_exit *exit);
int rv_cmo_clean(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		 struct axvm_exit *exit);
int rv_cmo_flush(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		 struct axvm_exit *exit);
int rv_cmo_zero(struct rv_hart *h, uint32_t insn, uint32_t raw, unsigned len,
		struct axvm_exit *exit);
int rv_cmo_manage_fast(struct rv_hart *h, uint32_t insn);
int rv_cmo_zero_fast(struct rv_hart *h, uint32_t insn);

/*
 * The A extension (amo.c): the helpers insn_table.h's AMO rows name (the
 * operation on the aligned host word p, src = x[rs2]: rd's new value), and
 * the execution of a row of that width and access (R: LR, W: SC/AMO):
 * rv_amo_run, the interpreter's (faults, the pc; RV_STEP_*), and
 * rv_amo_fast_run, the translator's (pc, instret untouched): 0 if done
 * because the word is aligned and this mode's TLB maps it, else 1 with
 * nothing changed (rv_amo_run must run it).
 */
typedef uint64_t rv_amo_fn(struct rv_hart *h, uint8_t *p, uint64_t src);
#define RV_AMO_DECL(n, s, opc, mask, match, width, acc, fn) rv_amo_fn fn;
RV_INSN_AMO(RV_AMO_DECL)
#undef RV_AMO_DECL
int rv_amo_run(struct rv_hart *h, uint32_t insn, unsigned width, enum rv_acc acc, rv_amo_fn *fn,
	       struct axvm_exit *exit);
int rv_amo_fast_run(struct rv_hart *h, uint32_t insn, unsigned width, enum rv_acc acc,
		    rv_amo_fn *fn);

#endif
