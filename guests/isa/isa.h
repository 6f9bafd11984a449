/* SPDX-License-Identifier: MIT */
/* Inline-assembly helpers shared by the ISA self-tests. */
#ifndef GUEST_ISA_H
#define GUEST_ISA_H

#include "guest.h"

/* rd = insn rs1, rs2 */
#define RR(insn, a, b)                                                                    \
	({                                                                                \
		u64 r_;                                                                   \
		__asm__ volatile(insn " %0, %1, %2" : "=r"(r_) : "r"((u64)(a)), "r"((u64)(b))); \
		r_;                                                                       \
	})
/* rd = insn rs1, imm */
#define RI(insn, a, imm)                                                                  \
	({                                                                                \
		u64 r_;                                                                   \
		__asm__ volatile(insn " %0, %1, %2" : "=r"(r_) : "r"((u64)(a)), "i"(imm)); \
		r_;                                                                       \
	})
/* 1 if the branch `insn a, b` is taken */
#define BR(insn, a, b)                                                                    \
	({                                                                                \
		u64 r_;                                                                   \
		__asm__ volatile("li %0, 1\n\t" insn " %1, %2, 1f\n\tli %0, 0\n1:"        \
				 : "=&r"(r_)                                              \
				 : "r"((u64)(a)), "r"((u64)(b)));                         \
		r_;                                                                       \
	})

#endif
