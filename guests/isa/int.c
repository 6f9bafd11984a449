/* SPDX-License-Identifier: MIT */
/*
 * RV64I: integer arithmetic and logic, shifts (by 63/31 and by registers with
 * high bits set), sign extension of the W forms, LUI/AUIPC, every branch,
 * JAL/JALR (low target bit cleared), loads and stores of every width with
 * sign/zero extension, misaligned accesses, x0, ebreak, fence.
 */
#include "isa.h"

GUEST_PROGRAM("isa_int");

static void test_add_sub_wrap(void)
{
	CHECK_EQ(RR("add", 0x7fffffffffffffffull, 1), 0x8000000000000000ull);
	CHECK_EQ(RR("add", -1ull, 1), 0);
	CHECK_EQ(RR("sub", 0, 1), 0xffffffffffffffffull);
	CHECK_EQ(RR("sub", 0x8000000000000000ull, 1), 0x7fffffffffffffffull);
	CHECK_EQ(RI("addi", 5, -6), 0xffffffffffffffffull);
	CHECK_EQ(RI("addi", 0, -2048), 0xfffffffffffff800ull);
	CHECK_EQ(RI("addi", 0, 2047), 2047);
}

static void test_compare(void)
{
	CHECK_EQ(RR("slt", -1ull, 1), 1);
	CHECK_EQ(RR("sltu", -1ull, 1), 0);
	CHECK_EQ(RR("slt", 1, -1ull), 0);
	CHECK_EQ(RR("sltu", 1, -1ull), 1);
	CHECK_EQ(RR("slt", 3, 3), 0);
	CHECK_EQ(RI("slti", -5ull, -4), 1);
	CHECK_EQ(RI("slti", 0, -1), 0);
	/* sltiu sign-extends its immediate, then compares unsigned */
	CHECK_EQ(RI("sltiu", 0xfffffffffffffffeull, -1), 1);
	CHECK_EQ(RI("sltiu", 0, 1), 1);
	CHECK_EQ(RI("sltiu", 1, 1), 0);
}

static void test_logic(void)
{
	CHECK_EQ(RR("and", 0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull), 0x0f000f000f000f00ull);
	CHECK_EQ(RR("or", 0xff00000000000000ull, 0x00000000000000ffull), 0xff000000000000ffull);
	CHECK_EQ(RR("xor", 0xaaaaaaaaaaaaaaaaull, 0xffffffffffffffffull), 0x5555555555555555ull);
	CHECK_EQ(RI("andi", 0x123456789abcdef0ull, -16), 0x123456789abcdef0ull);
	CHECK_EQ(RI("andi", 0x123456789abcdef7ull, 0x7ff), 0x6f7);
	CHECK_EQ(RI("ori", 0, -1), 0xffffffffffffffffull);
	CHECK_EQ(RI("xori", 0x0f, -1), 0xfffffffffffffff0ull);
}

static void test_shift_immediate(void)
{
	CHECK_EQ(RI("slli", 1, 63), 0x8000000000000000ull);
	CHECK_EQ(RI("srli", 0x8000000000000000ull, 63), 1);
	CHECK_EQ(RI("srai", 0x8000000000000000ull, 63), 0xffffffffffffffffull);
	CHECK_EQ(RI("srai", 0x4000000000000000ull, 62), 1);
	CHECK_EQ(RI("srli", 0xffffffffffffffffull, 0), 0xffffffffffffffffull);
}

static void test_shift_register_high_bits(void)
{
	/* RV64 shifts use rs2[5:0]: 0xffffffffffffffc1 shifts by 1 */
	CHECK_EQ(RR("sll", 3, 0xffffffffffffffc1ull), 6);
	CHECK_EQ(RR("srl", 0x8000000000000000ull, 0x7f), 1);
	CHECK_EQ(RR("sra", 0x8000000000000000ull, 0x13f), 0xffffffffffffffffull);
	CHECK_EQ(RR("sll", 1, 64), 1);
	CHECK_EQ(RR("sll", 1, 63), 0x8000000000000000ull);
}

static void test_w_ops_sign_extend(void)
{
	CHECK_EQ(RR("addw", 0x7fffffff, 1), 0xffffffff80000000ull);
	CHECK_EQ(RR("addw", 0xffffffff00000005ull, 0x1000000000000003ull), 8);
	CHECK_EQ(RR("subw", 0, 1), 0xffffffffffffffffull);
	CHECK_EQ(RR("subw", 0x80000000ull, 1), 0x7fffffff);
	CHECK_EQ(RI("addiw", 0xffffffffull, 0), 0xffffffffffffffffull);
	CHECK_EQ(RI("addiw", 0x7fffffffull, 1), 0xffffffff80000000ull);
	CHECK_EQ(RI("slliw", 1, 31), 0xffffffff80000000ull);
	CHECK_EQ(RI("slliw", 0x100000001ull, 1), 2);
	CHECK_EQ(RI("srliw", 0xffffffff80000000ull, 31), 1);
	CHECK_EQ(RI("srliw", 0x80000000ull, 0), 0xffffffff80000000ull);
	CHECK_EQ(RI("sraiw", 0x80000000ull, 31), 0xffffffffffffffffull);
	CHECK_EQ(RI("sraiw", 0xffffffff7fffffffull, 30), 1);
	/* W shifts by register use rs2[4:0] */
	CHECK_EQ(RR("sllw", 1, 0xffffffffffffffffull), 0xffffffff80000000ull);
	CHECK_EQ(RR("sllw", 3, 0xe1), 6);
	CHECK_EQ(RR("srlw", 0x80000000ull, 0x3f), 1);
	CHECK_EQ(RR("srlw", 0xffffffff00000010ull, 0x24), 1);
	CHECK_EQ(RR("sraw", 0x80000000ull, 0x1f), 0xffffffffffffffffull);
	CHECK_EQ(RR("sraw", 0x00000000c0000000ull, 0x21), 0xffffffffe0000000ull);
}

static void test_lui_auipc(void)
{
	u64 v, pc, lbl;

	__asm__ volatile("lui %0, 0x80000" : "=r"(v));
	CHECK_EQ(v, 0xffffffff80000000ull);
	__asm__ volatile("lui %0, 0x7ffff" : "=r"(v));
	CHECK_EQ(v, 0x7ffff000);
	__asm__ volatile("lui %0, 0xfffff" : "=r"(v));
	CHECK_EQ(v, 0xfffffffffffff000ull);
	__asm__ volatile("1: auipc %0, 0\n\tlla %1, 1b" : "=r"(pc), "=r"(lbl));
	CHECK_EQ(pc, lbl);
	__asm__ volatile("1: auipc %0, 1\n\tlla %1, 1b" : "=r"(pc), "=r"(lbl));
	CHECK_EQ(pc, lbl + 0x1000);
	__asm__ volatile("1: auipc %0, 0xfffff\n\tlla %1, 1b" : "=r"(pc), "=r"(lbl));
	CHECK_EQ(pc, lbl - 0x1000);
	__asm__ volatile("1: auipc %0, 0x80000\n\tlla %1, 1b" : "=r"(pc), "=r"(lbl));
	CHECK_EQ(pc, lbl - 0x80000000ull);
}

static void test_branches(void)
{
	CHECK_EQ(BR("beq", 5, 5), 1);
	CHECK_EQ(BR("beq", 5, 6), 0);
	CHECK_EQ(BR("bne", 5, 6), 1);
	CHECK_EQ(BR("bne", -1ull, -1ull), 0);
	CHECK_EQ(BR("blt", -1ull, 1), 1);
	CHECK_EQ(BR("blt", 1, -1ull), 0);
	CHECK_EQ(BR("blt", 2, 2), 0);
	CHECK_EQ(BR("bge", 2, 2), 1);
	CHECK_EQ(BR("bge", -1ull, 1), 0);
	CHECK_EQ(BR("bge", 0x8000000000000000ull + 1, 0x8000000000000000ull), 1);
	CHECK_EQ(BR("bltu", 1, -1ull), 1);
	CHECK_EQ(BR("bltu", -1ull, 1), 0);
	CHECK_EQ(BR("bltu", 0, 0), 0);
	CHECK_EQ(BR("bgeu", -1ull, 1), 1);
	CHECK_EQ(BR("bgeu", 1, -1ull), 0);
	CHECK_EQ(BR("bgeu", 7, 7), 1);
}

static void test_backward_branch(void)
{
	u64 n = 0, i = 10;

	__asm__ volatile("1: addi %0, %0, 3\n\taddi %1, %1, -1\n\tbnez %1, 1b"
			 : "+r"(n), "+r"(i));
	CHECK_EQ(n, 30);
}

static void test_jal_link(void)
{
	u64 link, after;

	__asm__ volatile("jal %0, 1f\n2:\n1: lla %1, 2b" : "=r"(link), "=r"(after));
	CHECK_EQ(link, after);
}

static void test_jalr_clears_low_bit(void)
{
	u64 link, target, after, hit = 0;

	/* Jump to target + 1: the hart clears bit 0 and lands on target. */
	__asm__ volatile("lla %1, 3f\n\t"
			 "addi %1, %1, 1\n\t"
			 "jalr %0, 0(%1)\n"
			 "2: j 4f\n"
			 "3: li %3, 1\n\t"
			 "lla %2, 2b\n"
			 "4:"
			 : "=&r"(link), "=&r"(target), "=&r"(after), "+r"(hit));
	CHECK_EQ(hit, 1);
	CHECK_EQ(link, after);
}

static void test_jalr_offset_and_same_reg(void)
{
	u64 r, hit = 0;

	/* rd == rs1: the target uses the old rs1 value. */
	__asm__ volatile("lla %0, 3f\n\t"
			 "addi %0, %0, -4\n\t"
			 "jalr %0, 4(%0)\n\t"
			 "j 4f\n"
			 "3: li %1, 1\n"
			 "4:"
			 : "=&r"(r), "+r"(hit));
	CHECK_EQ(hit, 1);
}

static u64 mem[4] __attribute__((aligned(16)));

static void test_loads_sign_zero_extend(void)
{
	volatile u64 *m = mem;
	u64 v;

	m[0] = 0x8081828384858687ull;
	m[1] = 0x7f7e7d7c7b7a7978ull;
	__asm__ volatile("lb %0, 0(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0xffffffffffffff87ull);
	__asm__ volatile("lbu %0, 0(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0x87);
	__asm__ volatile("lh %0, 6(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0xffffffffffff8081ull);
	__asm__ volatile("lhu %0, 6(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0x8081);
	__asm__ volatile("lw %0, 4(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0xffffffff80818283ull);
	__asm__ volatile("lwu %0, 4(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0x80818283ull);
	__asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0x8081828384858687ull);
	__asm__ volatile("lb %0, 8(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0x78);
	__asm__ volatile("lw %0, 12(%1)" : "=r"(v) : "r"(m));
	CHECK_EQ(v, 0x7f7e7d7c);
	/* negative offsets */
	__asm__ volatile("lbu %0, -1(%1)" : "=r"(v) : "r"((u8 *)m + 8));
	CHECK_EQ(v, 0x80);
}

static void test_stores_every_width(void)
{
	volatile u64 *m = mem;

	m[0] = 0;
	m[1] = 0;
	__asm__ volatile("sb %0, 1(%1)" ::"r"(0x11223344556677aaull), "r"(m) : "memory");
	CHECK_EQ(m[0], 0xaa00);
	__asm__ volatile("sh %0, 2(%1)" ::"r"(0x112233445566bbccull), "r"(m) : "memory");
	CHECK_EQ(m[0], 0xbbccaa00);
	__asm__ volatile("sw %0, 4(%1)" ::"r"(0x1122334455667788ull), "r"(m) : "memory");
	CHECK_EQ(m[0], 0x55667788bbccaa00ull);
	__asm__ volatile("sd %0, 8(%1)" ::"r"(0x0102030405060708ull), "r"(m) : "memory");
	CHECK_EQ(m[1], 0x0102030405060708ull);
	CHECK_EQ(m[0], 0x55667788bbccaa00ull);
	__asm__ volatile("sb %0, -1(%1)" ::"r"(0xee), "r"((u8 *)m + 16) : "memory");
	CHECK_EQ(m[1], 0xee02030405060708ull);
}

/*
 * Misaligned loads and stores to RAM: the execution environment either
 * performs them (QEMU's OpenSBI emulates them in M-mode) or raises the
 * misaligned exception with stval = the address. Either way the data is
 * never wrong and no other cause appears.
 */
static void test_misaligned(void)
{
	volatile u8 *b = (volatile u8 *)mem;
	u64 v = 0;
	int emulated = 0, trapped = 0;

	mem[0] = 0x8877665544332211ull;
	mem[1] = 0xffeeddccbbaa9988ull;
	trap_expect();
	__asm__ volatile("ld %0, 1(%1)" : "+r"(v) : "r"(b));
	if (last_trap.count == 0) {
		CHECK_EQ(v, 0x8877665544332211ull >> 8 | 0x88ull << 56);
		emulated++;
	} else {
		CHECK_EQ(last_trap.cause, EXC_LOAD_MISALIGNED);
		CHECK_EQ(last_trap.tval, (u64)(uintptr_t)(b + 1));
		trapped++;
	}
	trap_expect();
	v = 0;
	__asm__ volatile("lw %0, 6(%1)" : "+r"(v) : "r"(b));
	if (last_trap.count == 0) {
		CHECK_EQ(v, 0xffffffff99888877ull);
		emulated++;
	} else {
		CHECK_EQ(last_trap.cause, EXC_LOAD_MISALIGNED);
		CHECK_EQ(last_trap.tval, (u64)(uintptr_t)(b + 6));
		trapped++;
	}
	trap_expect();
	__asm__ volatile("sh %0, 7(%1)" ::"r"(0xabcd), "r"(b) : "memory");
	if (last_trap.count == 0) {
		CHECK_EQ(mem[0], 0xcd77665544332211ull);
		CHECK_EQ(mem[1], 0xffeeddccbbaa99abull);
		emulated++;
	} else {
		CHECK_EQ(last_trap.cause, EXC_STORE_MISALIGNED);
		CHECK_EQ(last_trap.tval, (u64)(uintptr_t)(b + 7));
		CHECK_EQ(mem[0], 0x8877665544332211ull);
		trapped++;
	}
	trap_expect_none();
	printf("  misaligned: %d performed, %d trapped\n", emulated, trapped);
	CHECK_EQ(emulated + trapped, 3);
}

static void test_x0_hardwired(void)
{
	u64 v = 7;

	__asm__ volatile("addi x0, x0, 5\n\tlui x0, 0x12345\n\tmv %0, x0" : "=r"(v));
	CHECK_EQ(v, 0);
	__asm__ volatile("ld x0, 0(%1)\n\tadd %0, x0, x0" : "=r"(v) : "r"(mem));
	CHECK_EQ(v, 0);
}

static void test_ebreak_traps(void)
{
	u64 pc;

	trap_expect();
	__asm__ volatile("lla %0, 1f\n1: ebreak" : "=r"(pc));
	CHECK_EQ(last_trap.count, 1);
	CHECK_EQ(last_trap.cause, EXC_BREAKPOINT);
	CHECK_EQ(last_trap.epc, pc);
}

static void test_fence(void)
{
	volatile u64 *m = mem;

	m[2] = 1;
	__asm__ volatile("fence rw, rw\n\tfence iorw, iorw\n\tfence.tso\n\tfence r, r" ::: "memory");
	CHECK_EQ(m[2], 1);
}

int main(unsigned long hartid, unsigned long dtb)
{
	RUN(test_add_sub_wrap);
	RUN(test_compare);
	RUN(test_logic);
	RUN(test_shift_immediate);
	RUN(test_shift_register_high_bits);
	RUN(test_w_ops_sign_extend);
	RUN(test_lui_auipc);
	RUN(test_branches);
	RUN(test_backward_branch);
	RUN(test_jal_link);
	RUN(test_jalr_clears_low_bit);
	RUN(test_jalr_offset_and_same_reg);
	RUN(test_loads_sign_zero_extend);
	RUN(test_stores_every_width);
	RUN(test_misaligned);
	RUN(test_x0_hardwired);
	RUN(test_ebreak_traps);
	RUN(test_fence);
	return test_failures();
}
