/* SPDX-License-Identifier: MIT */
/* SBI calls (SBI spec v2.0: base, legacy console, TIME, IPI, HSM, SRST, DBCN). */
#include "guest.h"

struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2, long a3)
{
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a3 __asm__("a3") = a3;
	register long r_a6 __asm__("a6") = fid;
	register long r_a7 __asm__("a7") = ext;
	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a3), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){r_a0, r_a1};
}

long sbi_probe(long ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 3, ext, 0, 0, 0);

	return r.error ? 0 : r.value;
}

int sbi_is_opensbi(void)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 1, 0, 0, 0, 0);

	return !r.error && r.value == 1;
}

void sbi_legacy_putchar(int ch)
{
	register long r_a0 __asm__("a0") = ch;
	register long r_a7 __asm__("a7") = 1;
	__asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a7) : "memory", "a1");
}

struct sbiret sbi_dbcn_write(const void *buf, unsigned long len)
{
	return sbi_call(SBI_EXT_DBCN, 0, (long)len, (long)(uintptr_t)buf, 0, 0);
}

struct sbiret sbi_set_timer(u64 stime)
{
	return sbi_call(SBI_EXT_TIME, 0, (long)stime, 0, 0, 0);
}

struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	return sbi_call(SBI_EXT_IPI, 0, (long)hart_mask, (long)hart_mask_base, 0, 0);
}

struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, (long)hartid, (long)start, (long)opaque, 0);
}

struct sbiret sbi_hart_stop(void)
{
	return sbi_call(SBI_EXT_HSM, 1, 0, 0, 0, 0);
}

struct sbiret sbi_hart_status(unsigned long hartid)
{
	return sbi_call(SBI_EXT_HSM, 2, (long)hartid, 0, 0, 0);
}

struct sbiret sbi_system_reset(unsigned long type, unsigned long reason)
{
	return sbi_call(SBI_EXT_SRST, 0, (long)type, (long)reason, 0, 0);
}
