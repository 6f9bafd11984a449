/* SPDX-License-Identifier: MIT */
/*
 * F/D as the hart exposes them (built with rv64gc): sstatus.FS = Off makes
 * every FP instruction and the fcsr CSRs illegal; FP work sets FS = Dirty
 * and SD; FLW NaN-boxes; C.FLD/C.FSD/C.FLDSP/C.FSDSP; fflags/frm; a few
 * conversions at their saturation edges.
 */
#include "isa.h"

GUEST_PROGRAM("isa_fp");

#define FS_OFF 0ul
#define FS_INITIAL (1ul << 13)
#define FS_DIRTY (3ul << 13)
#define SSTATUS_SD (1ul << 63)

static u64 fpmem[8] __attribute__((aligned(16)));

static u32 insn_at(unsigned long pc)
{
	return *(volatile u16 *)pc | (u32) * (volatile u16 *)(pc + 2) << 16;
}

#define EXPECT_ILLEGAL(asm_text, ...)                                                  \
	do {                                                                           \
		u64 pc_;                                                               \
		trap_expect();                                                         \
		__asm__ volatile("lla %0, 1f\n1: " asm_text : "=&r"(pc_)__VA_ARGS__);  \
		CHECK_EQ(last_trap.count, 1);                                          \
		CHECK_EQ(last_trap.cause, EXC_ILLEGAL);                                \
		CHECK_EQ(last_trap.epc, pc_);                                          \
		CHECK_EQ(last_trap.tval, (insn_at(pc_) & 3) == 3 ? insn_at(pc_)        \
								: insn_at(pc_) & 0xffff); \
	} while (0)

static void fs_set(unsigned long fs)
{
	csr_clear(sstatus, SSTATUS_FS);
	csr_set(sstatus, fs);
}

static void test_fs_off_makes_fp_illegal(void)
{
	u64 v;

	fs_set(FS_OFF);
	EXPECT_ILLEGAL("fadd.d f0, f1, f2");
	EXPECT_ILLEGAL("frcsr %1", , "=&r"(v));
	EXPECT_ILLEGAL("csrr %1, fflags", , "=&r"(v));
	EXPECT_ILLEGAL("fld f0, 0(%1)", : "r"(fpmem));
	/* the compressed form (pc_ is re-pointed at the c.fld itself) */
	EXPECT_ILLEGAL("mv a0, %1\n\t"
		       "lla %0, 2f\n"
		       "2: c.fld f8, 0(a0)",
		       : "r"(fpmem)
		       : "a0");
	EXPECT_ILLEGAL("fmv.x.d %1, f0", , "=&r"(v));
	CHECK_EQ(csr_read(sstatus) & SSTATUS_FS, FS_OFF);
}

static void test_fp_work_sets_dirty(void)
{
	fs_set(FS_INITIAL);
	CHECK_EQ(csr_read(sstatus) & (SSTATUS_FS | SSTATUS_SD), FS_INITIAL);
	fpmem[0] = 0x3ff8000000000000ull; /* 1.5 */
	fpmem[1] = 0x4002000000000000ull; /* 2.25 */
	__asm__ volatile("fld f0, 0(%0)\n\tfld f1, 8(%0)\n\tfadd.d f2, f0, f1\n\tfsd f2, 16(%0)" ::"r"(
				 fpmem)
			 : "memory", "f0", "f1", "f2");
	CHECK_EQ(fpmem[2], 0x400e000000000000ull); /* 3.75 */
	CHECK_EQ(csr_read(sstatus) & (SSTATUS_FS | SSTATUS_SD), FS_DIRTY | SSTATUS_SD);
}

static void test_flw_nan_boxes(void)
{
	u64 v;

	fs_set(FS_INITIAL);
	fpmem[3] = 0x123456783f800000ull;
	__asm__ volatile("flw f3, 24(%1)\n\tfmv.x.d %0, f3" : "=r"(v) : "r"(fpmem) : "f3");
	CHECK_EQ(v, 0xffffffff3f800000ull);
	/* fmv.x.w sign-extends */
	__asm__ volatile("fmv.w.x f4, %1\n\tfmv.x.w %0, f4" : "=r"(v) : "r"(0x80000001ul) : "f4");
	CHECK_EQ(v, 0xffffffff80000001ull);
}

static void test_compressed_fp_loads_stores(void)
{
	u64 out;

	fs_set(FS_INITIAL);
	fpmem[4] = 0x4008000000000000ull; /* 3.0 */
	fpmem[5] = 0;
	__asm__ volatile("mv a0, %0\n\t"
			 "c.fld fs0, 32(a0)\n\t"
			 "c.fsd fs0, 40(a0)" ::"r"(fpmem)
			 : "a0", "fs0", "memory");
	CHECK_EQ(fpmem[5], 0x4008000000000000ull);
	__asm__ volatile("addi sp, sp, -32\n\t"
			 "c.fsdsp fs0, 24(sp)\n\t"
			 "c.ldsp %0, 24(sp)\n\t"
			 "c.li a0, 0\n\t"
			 "c.sdsp a0, 8(sp)\n\t"
			 "c.fldsp fs1, 8(sp)\n\t"
			 "fsd fs1, 48(%1)\n\t"
			 "addi sp, sp, 32"
			 : "=&r"(out)
			 : "r"(fpmem)
			 : "a0", "fs0", "fs1", "memory");
	CHECK_EQ(out, 0x4008000000000000ull);
	CHECK_EQ(fpmem[6], 0);
}

static void test_fflags_and_rounding_mode(void)
{
	u64 flags, rm, r;

	fs_set(FS_INITIAL);
	__asm__ volatile("fsflags zero");
	__asm__ volatile("fcvt.d.l f5, %1\n\tfcvt.d.l f6, zero\n\tfdiv.d f7, f5, f6\n\tfrflags %0"
			 : "=r"(flags)
			 : "r"(1l)
			 : "f5", "f6", "f7");
	CHECK_EQ(flags, 0x08); /* DZ */
	__asm__ volatile("fsrmi 1\n\tfrrm %0" : "=r"(rm));
	CHECK_EQ(rm, 1);
	CHECK_EQ(csr_read(fcsr), (1 << 5) | 0x08);
	/* 2.5 -> integer under RTZ (frm = 1, dynamic) is 2; under RNE (static) 2; RUP 3 */
	fpmem[7] = 0x4004000000000000ull;
	__asm__ volatile("fld f8, 56(%1)\n\tfcvt.l.d %0, f8" : "=r"(r) : "r"(fpmem) : "f8");
	CHECK_EQ(r, 2);
	__asm__ volatile("fld f8, 56(%1)\n\tfcvt.l.d %0, f8, rup" : "=r"(r) : "r"(fpmem) : "f8");
	CHECK_EQ(r, 3);
	__asm__ volatile("fsrmi 0\n\tfsflags zero");
}

static void test_conversions_saturate(void)
{
	u64 r;

	fs_set(FS_INITIAL);
	/* canonical NaN -> largest positive; -inf -> most negative; W results sign-extend */
	__asm__ volatile("fmv.d.x f9, %1\n\tfcvt.w.d %0, f9, rtz" : "=r"(r)
			 : "r"(0x7ff8000000000000ull) : "f9");
	CHECK_EQ(r, 0x7fffffff);
	__asm__ volatile("fmv.d.x f9, %1\n\tfcvt.w.d %0, f9, rtz" : "=r"(r)
			 : "r"(0xfff0000000000000ull) : "f9");
	CHECK_EQ(r, 0xffffffff80000000ull);
	__asm__ volatile("fmv.d.x f9, %1\n\tfcvt.lu.d %0, f9, rtz" : "=r"(r)
			 : "r"(0xbff0000000000000ull) : "f9");
	CHECK_EQ(r, 0);
	__asm__ volatile("fmv.d.x f9, %1\n\tfcvt.l.d %0, f9, rtz" : "=r"(r)
			 : "r"(0x43e0000000000000ull) : "f9"); /* 2^63 */
	CHECK_EQ(r, 0x7fffffffffffffffull);
	__asm__ volatile("fsflags zero");
}

int main(unsigned long hartid, unsigned long dtb)
{
	RUN(test_fs_off_makes_fp_illegal);
	RUN(test_fp_work_sets_dirty);
	RUN(test_flw_nan_boxes);
	RUN(test_compressed_fp_loads_stores);
	RUN(test_fflags_and_rounding_mode);
	RUN(test_conversions_saturate);
	fs_set(FS_OFF);
	return test_failures();
}
