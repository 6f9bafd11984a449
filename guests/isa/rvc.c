/* SPDX-License-Identifier: MIT */
/*
 * RV64C: every integer RV64C encoding (the FP loads/stores C.FLD/C.FSD/
 * C.FLDSP/C.FSDSP belong to the FP suite), results and sign extension,
 * c.jalr's link (pc + 2), reserved encodings raising illegal instruction with
 * stval = the 16-bit instruction, and code across page boundaries.
 */
#include "isa.h"

GUEST_PROGRAM("isa_rvc");

/* a0 = in0, a1 = in1; run insn; return a0 (a0/a1 are the compressible registers). */
#define C2(insn, in0, in1)                                                             \
	({                                                                             \
		u64 r_;                                                                \
		__asm__ volatile("mv a0, %1\n\tmv a1, %2\n\t" insn "\n\tmv %0, a0"     \
				 : "=r"(r_)                                            \
				 : "r"((u64)(in0)), "r"((u64)(in1))                    \
				 : "a0", "a1", "t0", "memory");                        \
		r_;                                                                    \
	})
#define C1(insn, in0) C2(insn, in0, 0)

static void test_c_li_lui(void)
{
	CHECK_EQ(C1("c.li a0, -32", 7), 0xffffffffffffffe0ull);
	CHECK_EQ(C1("c.li a0, 31", 7), 31);
	CHECK_EQ(C1("c.lui a0, 0x1f", 7), 0x1f000);
	CHECK_EQ(C1("c.lui a0, 0xfffe0", 7), 0xfffffffffffe0000ull);
}

static void test_c_addi_family(void)
{
	u64 sp0, sp1, spn;

	CHECK_EQ(C1("c.addi a0, -1", 0), 0xffffffffffffffffull);
	CHECK_EQ(C1("c.addi a0, 31", 1), 32);
	CHECK_EQ(C1("c.addiw a0, 1", 0x7fffffff), 0xffffffff80000000ull);
	CHECK_EQ(C1("c.addiw a0, 0", 0x1ffffffffull), 0xffffffffffffffffull);
	__asm__ volatile("mv %0, sp\n\t"
			 "c.addi16sp sp, -512\n\t"
			 "mv %1, sp\n\t"
			 "c.addi4spn a0, sp, 1020\n\t"
			 "mv %2, a0\n\t"
			 "c.addi16sp sp, 496\n\t"
			 "c.addi16sp sp, 16"
			 : "=r"(sp0), "=r"(sp1), "=r"(spn)
			 :
			 : "a0", "memory");
	CHECK_EQ(sp1, sp0 - 512);
	CHECK_EQ(spn, sp1 + 1020);
	__asm__ volatile("c.nop");
}

static void test_c_shifts_andi(void)
{
	CHECK_EQ(C1("c.slli a0, 63", 1), 0x8000000000000000ull);
	CHECK_EQ(C1("c.srai a0, 63", 0x8000000000000000ull), 0xffffffffffffffffull);
	CHECK_EQ(C1("c.srli a0, 63", 0xffffffffffffffffull), 1);
	CHECK_EQ(C1("c.srli a0, 32", 0x8000000000000000ull), 0x80000000);
	CHECK_EQ(C1("c.srai a0, 1", 0x8000000000000000ull), 0xc000000000000000ull);
	CHECK_EQ(C1("c.andi a0, -32", 0x123456789abcdefull), 0x123456789abcde0ull);
	CHECK_EQ(C1("c.andi a0, 15", 0x123456789abcde0ull), 0);
}

static void test_c_register_ops(void)
{
	CHECK_EQ(C2("li t0, 0x55\n\tc.mv a0, t0", 0, 0), 0x55);
	CHECK_EQ(C2("li t0, 0x55\n\tc.add a0, t0", 5, 0), 0x5a);
	CHECK_EQ(C2("c.sub a0, a1", 5, 6), 0xffffffffffffffffull);
	CHECK_EQ(C2("c.xor a0, a1", 0xf0f0, 0xff00), 0x0ff0);
	CHECK_EQ(C2("c.or a0, a1", 0x0ff0, 0xff00), 0xfff0);
	CHECK_EQ(C2("c.and a0, a1", 0xfff0, 0x0f0f), 0x0f00);
	CHECK_EQ(C2("c.addw a0, a1", 0x7fffffff, 1), 0xffffffff80000000ull);
	CHECK_EQ(C2("c.subw a0, a1", 0x100000000ull, 1), 0xffffffffffffffffull);
}

static u64 buf[32] __attribute__((aligned(16)));

static void test_c_loads_stores(void)
{
	volatile u64 *m = buf;

	m[0] = 0x1111111180000000ull;
	m[15] = 0x123456789abcdef0ull;
	CHECK_EQ(C2("c.lw a0, 0(a1)", 0, buf), 0xffffffff80000000ull);
	CHECK_EQ(C2("c.lw a0, 124(a1)", 0, buf), 0x12345678);
	CHECK_EQ(C2("c.ld a0, 120(a1)", 0, buf), 0x123456789abcdef0ull);
	(void)C2("c.sw a0, 4(a1)", 0xaabbccddeeff0011ull, buf);
	CHECK_EQ(m[0], 0xeeff001180000000ull);
	(void)C2("c.sd a0, 248(a1)", 0xaabbccddeeff0011ull, buf);
	CHECK_EQ(m[31], 0xaabbccddeeff0011ull);
}

static void test_c_sp_loads_stores(void)
{
	u64 d, w;

	__asm__ volatile("addi sp, sp, -256\n\t"
			 "li t0, 0xfedcba9880000001\n\t"
			 "c.sdsp t0, 248(sp)\n\t"
			 "c.ldsp %0, 248(sp)\n\t"
			 "c.swsp t0, 4(sp)\n\t"
			 "c.lwsp %1, 4(sp)\n\t"
			 "addi sp, sp, 256"
			 : "=&r"(d), "=&r"(w)
			 :
			 : "t0", "memory");
	CHECK_EQ(d, 0xfedcba9880000001ull);
	CHECK_EQ(w, 0xffffffff80000001ull);
}

static void test_c_jumps_branches(void)
{
	u64 r = 0;

	__asm__ volatile("c.j 1f\n\tli %0, 1\n1:" : "+r"(r));
	CHECK_EQ(r, 0);
	CHECK_EQ(C2("li a1, 1\n\tc.beqz a0, 1f\n\tli a1, 0\n1: mv a0, a1", 0, 0), 1);
	CHECK_EQ(C2("li a1, 1\n\tc.beqz a0, 1f\n\tli a1, 0\n1: mv a0, a1", 3, 0), 0);
	CHECK_EQ(C2("li a1, 1\n\tc.bnez a0, 1f\n\tli a1, 0\n1: mv a0, a1", 3, 0), 1);
	CHECK_EQ(C2("li a1, 1\n\tc.bnez a0, 1f\n\tli a1, 0\n1: mv a0, a1", 0, 0), 0);
	/* backward c.bnez loop: 5 iterations adding 2 */
	CHECK_EQ(C2("1: c.addi a1, 2\n\tc.addi a0, -1\n\tc.bnez a0, 1b\n\tmv a0, a1", 5, 0), 10);
}

static void test_c_jalr_links_pc_plus_2(void)
{
	u64 link, site;

	__asm__ volatile("lla t1, 2f\n"
			 "1: c.jalr t1\n\t"
			 "j 3f\n"
			 "2: mv %0, ra\n\t"
			 "c.jr ra\n"
			 "3: lla %1, 1b"
			 : "=&r"(link), "=&r"(site)
			 :
			 : "t1", "ra");
	CHECK_EQ(link, site + 2);
}

static void test_c_ebreak(void)
{
	u64 pc;

	trap_expect();
	__asm__ volatile("lla %0, 1f\n1: c.ebreak" : "=r"(pc));
	CHECK_EQ(last_trap.count, 1);
	CHECK_EQ(last_trap.cause, EXC_BREAKPOINT);
	CHECK_EQ(last_trap.epc, pc);
}

#define ILLEGAL16(bits)                                                                \
	do {                                                                           \
		u64 pc_;                                                               \
		trap_expect();                                                         \
		__asm__ volatile("lla %0, 1f\n1: .hword " #bits : "=r"(pc_));          \
		CHECK_EQ(last_trap.count, 1);                                          \
		CHECK_EQ(last_trap.cause, EXC_ILLEGAL);                                \
		CHECK_EQ(last_trap.tval, bits);                                        \
		CHECK_EQ(last_trap.epc, pc_);                                          \
	} while (0)

static void test_c_reserved_encodings_illegal(void)
{
	ILLEGAL16(0x0000); /* all zeros */
	ILLEGAL16(0x0004); /* c.addi4spn with nzuimm = 0 */
	ILLEGAL16(0x6501); /* c.lui a0, 0 */
	ILLEGAL16(0x6101); /* c.addi16sp sp, 0 */
	ILLEGAL16(0x2001); /* c.addiw x0 */
	ILLEGAL16(0x4002); /* c.lwsp x0 */
	ILLEGAL16(0x6002); /* c.ldsp x0 */
	ILLEGAL16(0x8002); /* c.jr x0 */
}

extern u64 rvc_page_tail(void);
extern u64 rvc_straddle(void);

static void test_code_across_page_boundary(void)
{
	CHECK_EQ(((uintptr_t)rvc_page_tail + 4) & 0xfff, 0);
	CHECK_EQ(rvc_page_tail(), 6);
	CHECK_EQ(((uintptr_t)rvc_straddle + 2) & 0xfff, 0);
	CHECK_EQ(rvc_straddle(), 7);
}

int main(unsigned long hartid, unsigned long dtb)
{
	RUN(test_c_li_lui);
	RUN(test_c_addi_family);
	RUN(test_c_shifts_andi);
	RUN(test_c_register_ops);
	RUN(test_c_loads_stores);
	RUN(test_c_sp_loads_stores);
	RUN(test_c_jumps_branches);
	RUN(test_c_jalr_links_pc_plus_2);
	RUN(test_c_ebreak);
	RUN(test_c_reserved_encodings_illegal);
	RUN(test_code_across_page_boundary);
	return test_failures();
}
