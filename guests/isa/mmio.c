/* SPDX-License-Identifier: MIT */
/*
 * Loads and stores to device registers on the virt board (the hart decodes
 * them into MMIO exits; width, target register and sign extension must come
 * out right): the ns16550a scratch register (8-bit, offset 7) and a PLIC
 * S-context enable word (32-bit). Needs the board's devices, so it runs on
 * the virt board and under QEMU, not in the raw one-vCPU runner.
 */
#include "isa.h"

GUEST_PROGRAM("isa_mmio");

#define UART_BASE 0x10000000ul
#define UART_SCR (UART_BASE + 7)
#define PLIC_BASE 0x0c000000ul
/* context 1 = hart 0's S-mode context (QEMU virt: M then S per hart) */
#define PLIC_ENABLE_S0 (PLIC_BASE + 0x2000 + 0x80)

static void test_uart_scratch_byte_sign_extension(void)
{
	u64 v;

	__asm__ volatile("sb %0, 0(%1)" ::"r"(0x1234567880ul), "r"(UART_SCR) : "memory");
	__asm__ volatile("lb %0, 0(%1)" : "=r"(v) : "r"(UART_SCR) : "memory");
	CHECK_EQ(v, 0xffffffffffffff80ull);
	__asm__ volatile("lbu %0, 0(%1)" : "=r"(v) : "r"(UART_SCR) : "memory");
	CHECK_EQ(v, 0x80);
	__asm__ volatile("sb %0, 0(%1)" ::"r"(0x7ful), "r"(UART_SCR) : "memory");
	__asm__ volatile("lb %0, 0(%1)" : "=r"(v) : "r"(UART_SCR) : "memory");
	CHECK_EQ(v, 0x7f);
	/* a load into x0 still happens and writes nothing */
	__asm__ volatile("lb x0, 0(%1)\n\tmv %0, x0" : "=r"(v) : "r"(UART_SCR) : "memory");
	CHECK_EQ(v, 0);
}

static void test_plic_enable_word_widths(void)
{
	u64 v;

	__asm__ volatile("sw %0, 0(%1)" ::"r"(0xfffffffffffffffeul), "r"(PLIC_ENABLE_S0)
			 : "memory");
	__asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(PLIC_ENABLE_S0) : "memory");
	CHECK_EQ(v, 0xfffffffffffffffeull);
	__asm__ volatile("lwu %0, 0(%1)" : "=r"(v) : "r"(PLIC_ENABLE_S0) : "memory");
	CHECK_EQ(v, 0xfffffffe);
	/* compressed load and store (registers x8..x15) */
	__asm__ volatile("mv a1, %1\n\t"
			 "li a0, 0x6\n\t"
			 "c.sw a0, 0(a1)\n\t"
			 "li a0, -1\n\t"
			 "c.lw a0, 0(a1)\n\t"
			 "mv %0, a0"
			 : "=r"(v)
			 : "r"(PLIC_ENABLE_S0)
			 : "a0", "a1", "memory");
	CHECK_EQ(v, 6);
	__asm__ volatile("sw zero, 0(%0)" ::"r"(PLIC_ENABLE_S0) : "memory");
}

static void test_mmio_through_sv39_mapping(void)
{
	static u64 root[512] __attribute__((aligned(4096)));
	u64 v;

	/* 1 GiB identity pages: devices RW at 0, RAM RWX at 2 GiB, plus the
	 * devices aliased at 3 GiB (0xc0000000) */
	root[0] = (0ul >> 12) << 10 | 0xc7;
	root[2] = (0x80000000ul >> 12) << 10 | 0xcf;
	root[3] = (0ul >> 12) << 10 | 0xc7;
	csr_write(satp, (8ul << 60) | ((uintptr_t)root >> 12));
	sfence_vma();
	__asm__ volatile("sb %0, 0(%1)" ::"r"(0xa5ul), "r"(0xc0000000ul + UART_SCR) : "memory");
	__asm__ volatile("lbu %0, 0(%1)" : "=r"(v) : "r"(UART_SCR) : "memory");
	csr_write(satp, 0);
	sfence_vma();
	CHECK_EQ(v, 0xa5);
}

/*
 * Device regions are not executable (their PMA; the hart's contract says
 * instruction access fault). QEMU 7.2 fetches device registers as code, so
 * this is only checked away from OpenSBI.
 */
static void test_fetch_from_device_is_access_fault(void)
{
	if (sbi_is_opensbi()) {
		printf("  OpenSBI/QEMU: fetch from a device region not checked\n");
		return;
	}
	trap_expect();
	((void (*)(void))UART_BASE)();
	CHECK_EQ(last_trap.count, 1);
	CHECK_EQ(last_trap.cause, EXC_INSN_ACCESS);
	CHECK_EQ(last_trap.tval, UART_BASE);
}

int main(unsigned long hartid, unsigned long dtb)
{
	RUN(test_uart_scratch_byte_sign_extension);
	RUN(test_plic_enable_word_widths);
	RUN(test_mmio_through_sv39_mapping);
	RUN(test_fetch_from_device_is_access_fault);
	return test_failures();
}
