/* SPDX-License-Identifier: MIT */
/*
 * RV64F and RV64D arithmetic for the software hart (RISC-V unprivileged spec,
 * chapters "F" and "D": single- and double-precision floating point).
 *
 * The hart owns sstatus.FS, the fcsr/frm/fflags CSRs and the FP loads and
 * stores (FLW NaN-boxes); this unit executes everything else. Results are
 * computed by an exact software IEEE 754 core: they never depend on the host's
 * rounding mode or exception flags, and the host's floating-point environment
 * is never touched.
 *
 * Threads: rv_fpu_execute only touches the state passed to it; call it on the
 * vCPU's own thread.
 */
#ifndef AXVM_ARCH_RISCV64_FPU_H
#define AXVM_ARCH_RISCV64_FPU_H

#include <stdint.h>

/* fcsr layout: frm in bits 7:5, fflags in bits 4:0. */
#define RV_FFLAGS_NX 0x01u /* inexact */
#define RV_FFLAGS_UF 0x02u /* underflow */
#define RV_FFLAGS_OF 0x04u /* overflow */
#define RV_FFLAGS_DZ 0x08u /* divide by zero */
#define RV_FFLAGS_NV 0x10u /* invalid operation */
#define RV_FFLAGS_MASK 0x1fu
#define RV_FCSR_FRM_SHIFT 5
#define RV_FCSR_MASK 0xffu

/* Rounding modes (rm field and frm). 5 and 6 are reserved, 7 in rm is "dynamic". */
#define RV_RM_RNE 0
#define RV_RM_RTZ 1
#define RV_RM_RDN 2
#define RV_RM_RUP 3
#define RV_RM_RMM 4
#define RV_RM_DYN 7

/* Major opcodes handled by rv_fpu_execute. */
#define RV_OPC_MADD 0x43
#define RV_OPC_MSUB 0x47
#define RV_OPC_NMSUB 0x4b
#define RV_OPC_NMADD 0x4f
#define RV_OPC_OP_FP 0x53

/* Half-precision support (rv_fpu.half): none, Zfhmin, or Zfh. */
#define RV_FPU_HALF_NONE 0u
#define RV_FPU_HALF_MIN 1u  /* Zfhmin: FLH/FSH, FMV.X.H/FMV.H.X, FCVT between H and S/D */
#define RV_FPU_HALF_FULL 2u /* Zfh: every F instruction in H as well */

struct rv_fpu {
	uint64_t f[32]; /* single values are NaN-boxed: upper 32 bits all ones (half: 48) */
	uint32_t fcsr;	/* frm << 5 | fflags */
	uint8_t half;	/* RV_FPU_HALF_*: configuration, not state (0 = RV64FD only) */
	uint8_t zfa;	/* Zfa's instructions exist (configuration) */
};

/*
 * Execute one instruction with major opcode OP-FP (0x53), MADD (0x43), MSUB
 * (0x47), NMSUB (0x4b) or NMADD (0x4f). x = the integer register file (the
 * caller re-zeroes x[0] afterwards). Returns 0, or -1 for an illegal
 * instruction (reserved rm / dynamic rm with reserved frm, bad fmt, unknown
 * funct, an H instruction beyond fpu->half); on -1 no register and no flag
 * has changed.
 */
int rv_fpu_execute(struct rv_fpu *fpu, uint32_t insn, uint64_t *x);

#endif
