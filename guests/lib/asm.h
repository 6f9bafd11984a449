/* SPDX-License-Identifier: MIT */
/* Constants shared by the guest library's assembly and C. */
#ifndef GUEST_ASM_H
#define GUEST_ASM_H

#define GUEST_MAX_HARTS 8
#define FINISHER_BASE 0x100000

/* struct trap_frame layout (trap.S / guest.h) */
#define TF_VEC 0
#define TF_X(n) ((n) * 8)
#define TF_SEPC 256
#define TF_SSTATUS 264
#define TF_SCAUSE 272
#define TF_STVAL 280
#define TF_SIZE 288

#endif
