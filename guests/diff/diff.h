/* SPDX-License-Identifier: MIT */
/*
 * Layout shared by the differential-test runtime (rt.S, main.c) and the
 * program generator (tests/diff/gen.py, which hard-codes the same numbers).
 *
 * A generated program owns a 4 KiB area `diff_area`; tp points at its middle
 * and is never written by generated code, so every table below is reachable
 * with a 12-bit offset from tp. gp is the log pointer (also never written by
 * generated code): each tested instruction appends its result, the trap
 * handler appends trap records, and each dump prints and resets the log.
 *
 *   tp-2048  x init values, 32 dwords (x0, x3, x4 ignored)
 *   tp-1792  f init values, 32 dwords
 *   tp-512   scratch buffer, 1024 bytes (the only memory generated code writes)
 *   tp+512   FP special-value table, 64 dwords (read only)
 *   tp+1024  dump save area: x regs (32 dwords), f regs (32 dwords)
 *   tp+1536  fcsr, trap handler temporaries, the C stack pointer, return pc
 */
#ifndef GUEST_DIFF_H
#define GUEST_DIFF_H

#define D_XINIT (-2048)
#define D_FINIT (-1792)
#define D_BUF (-512)
#define D_BUF_SIZE 1024
#define D_FTAB 512
#define D_SAVEX 1024
#define D_SAVEF 1280
#define D_FCSR 1536
#define D_T0 1544
#define D_T1 1552
#define D_CSP 1560
#define D_RET 1568
#define D_T2 1576

/*
 * The generated code (.diffprog), its area (.diffdata), the log (.difflog)
 * and the page tables (.diffpt) are linked at fixed addresses, away from the
 * guest library, so that no printed value depends on the library's size:
 *   -Wl,--section-start=.diffprog=0x80300000,--section-start=.diffdata=0x80340000
 *   -Wl,--section-start=.difflog=0x80350000,--section-start=.diffpt=0x80380000
 */
#define D_LOG_WORDS 16384
/* First word of a trap record in the log: mark, scause, stval, sepc. */
#define D_TRAP_MARK 0x7eaf7eaf5452ab00

#endif
