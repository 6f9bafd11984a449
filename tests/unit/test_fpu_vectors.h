/* SPDX-License-Identifier: MIT */
/*
 * The 68,031 FP cases recorded from QEMU (test_fpu_qemu_vectors.inc, made by
 * guests/fp/vecgen/gen.py) and the shape of one case, for the tests that run
 * them through fpu.c (test_fpu_qemu.c) and the host path (test_fpu_hostpath.c).
 */
#ifndef AXVM_TESTS_UNIT_TEST_FPU_VECTORS_H
#define AXVM_TESTS_UNIT_TEST_FPU_VECTORS_H

#include <stdint.h>

#define FPV_XD 1      /* the result is x12, not f4 */
#define FPV_ILLEGAL 2 /* QEMU raised an illegal-instruction exception */

struct fpv_case {
	uint16_t group;
	uint32_t insn;
	uint8_t frm;
	uint16_t a, b, c;
	uint64_t result;
	uint8_t flags;
	uint8_t kind;
};

#include "test_fpu_qemu_vectors.inc"

#define FPV_NCASES (sizeof(fpv_cases) / sizeof(fpv_cases[0]))

#endif
