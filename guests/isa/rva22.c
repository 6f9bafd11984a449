/* SPDX-License-Identifier: MIT */
/*
 * The RVA22-era extensions on top of RV64GC, known answers from their
 * specifications: Zba, Zbb, Zbc, Zbs, Zicond, Zicboz/Zicbom (cbo.zero clears
 * the 64-byte block, the others are allowed in S-mode), the hints
 * (Zihintpause pause, Zihintntl ntl.all, Zicbop prefetch.r, Zawrs wrs.nto)
 * and Svinval. Encoded with .insn: the guest toolchain (binutils 2.40)
 * predates Zicond and the assembler must not pick these for C code.
 * axvm only: QEMU 7.2 has Zb* but not Zicond, Zicbo* or Zawrs.
 */
#include "isa.h"

GUEST_PROGRAM("isa_rva22");

/* R-type: funct7, funct3 on OP (0x33) or OP-32 (0x3b). */
#define XR(opc, f3, f7, a, b)                                                                      \
	({                                                                                         \
		u64 r_;                                                                            \
		__asm__ volatile(".insn r " #opc ", " #f3 ", " #f7 ", %0, %1, %2"                  \
				 : "=r"(r_)                                                        \
				 : "r"((u64)(a)), "r"((u64)(b)));                                  \
		r_;                                                                                \
	})
/* I-type with a fixed immediate (unary forms and shifts by a constant). */
#define XI(opc, f3, imm, a)                                                                        \
	({                                                                                         \
		u64 r_;                                                                            \
		__asm__ volatile(".insn i " #opc ", " #f3 ", %0, %1, " #imm                        \
				 : "=r"(r_)                                                        \
				 : "r"((u64)(a)));                                                 \
		r_;                                                                                \
	})

static void test_zba(void)
{
	CHECK_EQ(XR(0x33, 2, 0x10, 3, 10), 16);				   /* sh1add */
	CHECK_EQ(XR(0x33, 6, 0x10, 3, 10), 34);				   /* sh3add */
	CHECK_EQ(XR(0x3b, 0, 0x04, 0xffffffff80000000ull, 1), 0x80000001ull); /* add.uw */
	CHECK_EQ(XR(0x3b, 4, 0x10, 0x100000001ull, 0), 4);		   /* sh2add.uw */
	CHECK_EQ(XI(0x1b, 1, 0x084, 0xffffffff80000001ull), 0x800000010ull); /* slli.uw 4 */
}

static void test_zbb(void)
{
	CHECK_EQ(XR(0x33, 7, 0x20, 0xff, 0x0f), 0xf0);				 /* andn */
	CHECK_EQ(XR(0x33, 6, 0x20, 0, 0), ~0ull);				 /* orn */
	CHECK_EQ(XR(0x33, 4, 0x20, 5, 5), ~0ull);				 /* xnor */
	CHECK_EQ(XR(0x33, 6, 0x05, -5ull, 3), 3);				 /* max */
	CHECK_EQ(XR(0x33, 7, 0x05, -5ull, 3), -5ull);				 /* maxu */
	CHECK_EQ(XR(0x33, 4, 0x05, -5ull, 3), -5ull);				 /* min */
	CHECK_EQ(XR(0x33, 1, 0x30, 0x8000000000000001ull, 65), 3);		 /* rol */
	CHECK_EQ(XR(0x3b, 5, 0x30, 1, 1), 0xffffffff80000000ull);		 /* rorw */
	CHECK_EQ(XI(0x13, 1, 0x600, 1), 63);					 /* clz */
	CHECK_EQ(XI(0x13, 1, 0x601, 0), 64);					 /* ctz */
	CHECK_EQ(XI(0x13, 1, 0x602, 0xf0f0ull), 8);				 /* cpop */
	CHECK_EQ(XI(0x1b, 1, 0x600, 0x100000000ull), 32);			 /* clzw */
	CHECK_EQ(XI(0x1b, 1, 0x601, 0x100000000ull), 32);			 /* ctzw */
	CHECK_EQ(XI(0x13, 1, 0x604, 0x80), 0xffffffffffffff80ull);		 /* sext.b */
	CHECK_EQ(XI(0x3b, 4, 0x080, 0x12345678), 0x5678);			 /* zext.h */
	CHECK_EQ(XI(0x13, 5, 0x6b8, 0x0102030405060708ull), 0x0807060504030201ull); /* rev8 */
	CHECK_EQ(XI(0x13, 5, 0x287, 0x0001000000100000ull), 0x00ff000000ff0000ull); /* orc.b */
	CHECK_EQ(XI(0x13, 5, 0x604, 0x10), 1);					 /* rori 4 */
}

static void test_zbc_zbs(void)
{
	CHECK_EQ(XR(0x33, 1, 0x05, 3, 3), 5);				  /* clmul */
	CHECK_EQ(XR(0x33, 3, 0x05, 0x8000000000000000ull, 4), 2);	  /* clmulh */
	CHECK_EQ(XR(0x33, 2, 0x05, 0x8000000000000000ull, 1), 1);	  /* clmulr */
	CHECK_EQ(XR(0x33, 1, 0x24, ~0ull, 64 + 63), 0x7fffffffffffffffull); /* bclr */
	CHECK_EQ(XR(0x33, 1, 0x14, 0, 5), 32);				  /* bset */
	CHECK_EQ(XR(0x33, 1, 0x34, 32, 5), 0);				  /* binv */
	CHECK_EQ(XR(0x33, 5, 0x24, 32, 5), 1);				  /* bext */
	CHECK_EQ(XI(0x13, 5, 0x4bf, 0x8000000000000000ull), 1);		  /* bexti 63 */
}

static void test_zicond(void)
{
	CHECK_EQ(XR(0x33, 5, 0x07, 42, 0), 0);	/* czero.eqz */
	CHECK_EQ(XR(0x33, 5, 0x07, 42, 7), 42);
	CHECK_EQ(XR(0x33, 7, 0x07, 42, 0), 42); /* czero.nez */
	CHECK_EQ(XR(0x33, 7, 0x07, 42, 7), 0);
}

static u64 block[24] __attribute__((aligned(64)));

static void test_cbo(void)
{
	u64 *b = &block[8]; /* the second 64-byte block */

	for (int i = 0; i < 24; i++)
		block[i] = 0x1111 + (u64)i;
	/* cbo.zero on an address inside the block; clean/flush/inval are allowed in S-mode */
	__asm__ volatile(".insn i 0x0f, 2, zero, %0, 4\n\t"
			 ".insn i 0x0f, 2, zero, %0, 1\n\t"
			 ".insn i 0x0f, 2, zero, %0, 2\n\t"
			 ".insn i 0x0f, 2, zero, %0, 0" ::"r"((u64)b + 40)
			 : "memory");
	CHECK_EQ(block[7], 0x1111 + 7);
	for (int i = 8; i < 16; i++)
		CHECK_EQ(block[i], 0);
	CHECK_EQ(block[16], 0x1111 + 16);
}

static void test_hints_and_svinval(void)
{
	u64 v = 7;

	trap_expect();
	__asm__ volatile(".insn i 0x0f, 0, zero, zero, 0x010\n\t" /* pause */
			 "add zero, zero, x5\n\t"		  /* ntl.all */
			 ".insn i 0x13, 6, zero, %0, 1\n\t"	  /* prefetch.r 0(v) */
			 ".insn i 0x73, 0, zero, zero, 0x00d\n\t" /* wrs.nto */
			 ".insn r 0x73, 0, 0x0b, zero, zero, zero\n\t" /* sinval.vma */
			 ".insn i 0x73, 0, zero, zero, 0x180\n\t"	/* sfence.w.inval */
			 ".insn i 0x73, 0, zero, zero, 0x181\n\t"	/* sfence.inval.ir */
			 "addi %0, %0, 1"
			 : "+r"(v));
	CHECK_EQ(last_trap.count, 0);
	CHECK_EQ(v, 8);
	trap_expect_none();
}

int main(unsigned long hartid, unsigned long dtb)
{
	RUN(test_zba);
	RUN(test_zbb);
	RUN(test_zbc_zbs);
	RUN(test_zicond);
	RUN(test_cbo);
	RUN(test_hints_and_svinval);
	return test_failures();
}
