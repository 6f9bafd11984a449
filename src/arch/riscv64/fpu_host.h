/* SPDX-License-Identifier: MIT */
/*
 * A host fast path for RV64F/RV64D arithmetic: the same bits, fflags and
 * NaNs as fpu.c's exact software core, from the host's own IEEE 754 unit
 * where the two provably agree, and a refusal everywhere else.
 *
 * On x86-64 the SSE2 scalar instructions (and FMA3 for the fused forms, when
 * the host has it) run under an MXCSR built for the instruction: RNE, RTZ,
 * RDN and RUP map to MXCSR.RC, every exception masked, DAZ and FTZ off; the
 * caller's MXCSR is restored afterwards. MXCSR's IE, ZE, OE, UE and PE become
 * NV, DZ, OF, UF and NX (DE has no RISC-V counterpart). Refused, for fpu.c
 * to do: RMM (no SSE equivalent), reserved rounding modes (fpu.c raises),
 * Zfh, Zfa, narrow operands that are not NaN-boxed, every NaN result (x86
 * propagates payloads and uses a negative default NaN; RISC-V always gives
 * the canonical NaN, and FMA's (inf, 0, qNaN) is invalid only in RISC-V),
 * an inexact result of magnitude exactly the smallest normal (the one value
 * where tininess before and after rounding can disagree), conversions to
 * unsigned integers and any conversion x86 flags invalid (RISC-V saturates),
 * and min/max/compares with a NaN operand or (min/max) two zeros.
 *
 * Elsewhere (not x86-64) every call is refused.
 *
 * Threads: touches only the state passed in, plus the calling thread's MXCSR
 * (restored before returning).
 */
#ifndef AXVM_ARCH_RISCV64_FPU_HOST_H
#define AXVM_ARCH_RISCV64_FPU_HOST_H

#include "arch/riscv64/fpu.h"

#include <stdbool.h>

/*
 * Execute one OP-FP/MADD/MSUB/NMSUB/NMADD instruction as rv_fpu_execute
 * would: 0 = done (registers and fcsr updated exactly as rv_fpu_execute
 * would have), 1 = refused: nothing changed, call rv_fpu_execute.
 */
int rv_fpu_host_execute(struct rv_fpu *fpu, uint32_t insn, uint64_t *x);

/* The host path, else fpu.c: rv_fpu_execute's contract (0, or -1 for an illegal instruction). */
static inline int rv_fpu_execute_fast(struct rv_fpu *fpu, uint32_t insn, uint64_t *x)
{
	return rv_fpu_host_execute(fpu, insn, x) == 0 ? 0 : rv_fpu_execute(fpu, insn, x);
}

/* True if this host has a fast path at all (x86-64) / uses FMA3 for the fused forms. */
bool rv_fpu_host_supported(void);
bool rv_fpu_host_has_fma(void);

/*
 * For tests: force the fused forms off (false) or back to what the host
 * has (true), to exercise both the FMA3 path and its refusal.
 */
void rv_fpu_host_set_fma(bool on);

/*
 * Around translated code (jit.c's inline path relies on it): make the
 * thread's MXCSR round to nearest with every exception masked and DAZ/FTZ
 * off; returns the caller's MXCSR, which rv_fpu_host_env_leave puts back
 * (control and flag bits) if it changed. Two stmxcsr in the usual case;
 * nothing off x86-64.
 */
uint32_t rv_fpu_host_env_enter(void);
void rv_fpu_host_env_leave(uint32_t saved);

/* MXCSR exception flags (bits 5..0: PE UE OE ZE DE IE) as RISC-V fflags. */
uint32_t rv_fpu_host_mxcsr_fflags(uint32_t mxcsr);

#endif
