/* SPDX-License-Identifier: MIT */
/*
 * Turning one instruction into a decoded slot (struct rv_dinsn) for the
 * threaded interpreter: the common RV64IM instructions get their own
 * operation with operands unpacked; everything else (CSR, system, FP, AMO,
 * fences, anything illegal) becomes RV_DOP_GENERIC and runs through interp.c.
 */
#ifndef AXVM_ARCH_RISCV64_PREDECODE_H
#define AXVM_ARCH_RISCV64_PREDECODE_H

#include <stdint.h>

#include "arch/riscv64/dcache.h"

/*
 * Fill d for `insn` (expanded if compressed), whose original bits are raw,
 * `len` bytes long, at byte offset `off` of its page, on a hart with the
 * extensions ext_on (AXVM_RISCV64_EXT_* bits; a disabled one's encodings stay
 * generic, so interp.c raises them).
 */
void rv_predecode(struct rv_dinsn *d, uint32_t insn, uint32_t raw, unsigned len, unsigned off,
		  uint64_t ext_on);

/*
 * Fuse d with the instruction decoded into `next` (which follows it) when
 * the pair is a known idiom; d is left alone otherwise.
 */
void rv_predecode_fuse(struct rv_dinsn *d, const struct rv_dinsn *next);
/* True if d may start a fused pair (worth decoding the next instruction for). */
int rv_predecode_may_fuse(const struct rv_dinsn *d);

/* A slot that fetches and executes through the one-instruction path each time. */
void rv_predecode_step(struct rv_dinsn *d, unsigned step);

#endif
