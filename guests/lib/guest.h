/* SPDX-License-Identifier: MIT */
/*
 * The axvm guest library: boot, SBI calls, console output, traps, paging
 * helpers and a tiny test framework for bare-metal S-mode test programs.
 * Runs unchanged under QEMU (-M virt -bios default) and under axvm.
 *
 * A program defines GUEST_PROGRAM("name") and int main(unsigned long hartid,
 * unsigned long dtb). main's return value is reported: 0 prints "PASS name"
 * and writes 0x5555 to the sifive,test0 finisher; n != 0 prints
 * "FAIL name n" and writes (n << 16) | 0x3333.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "asm.h"

typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint16_t u16;
typedef uint8_t u8;

#define GUEST_PROGRAM(n) const char guest_name[] = n
extern const char guest_name[];

int main(unsigned long hartid, unsigned long dtb);

/* Boot information. */
extern unsigned long guest_boot_hartid;
extern unsigned long guest_dtb;

/* ---- CSRs ---- */
#define csr_read(csr)                                                  \
	({                                                             \
		unsigned long v_;                                      \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory"); \
		v_;                                                    \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val) : "memory")
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" ::"rK"(val) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"(val) : "memory")

#define SSTATUS_SIE (1ul << 1)
#define SSTATUS_SPIE (1ul << 5)
#define SSTATUS_SPP (1ul << 8)
#define SSTATUS_FS (3ul << 13)
#define SSTATUS_SUM (1ul << 18)
#define SSTATUS_MXR (1ul << 19)

#define IRQ_SSI 1
#define IRQ_STI 5
#define IRQ_SEI 9
#define SIE_SSIE (1ul << IRQ_SSI)
#define SIE_STIE (1ul << IRQ_STI)
#define SIE_SEIE (1ul << IRQ_SEI)
#define SCAUSE_INTR (1ul << 63)

enum {
	EXC_INSN_MISALIGNED = 0,
	EXC_INSN_ACCESS = 1,
	EXC_ILLEGAL = 2,
	EXC_BREAKPOINT = 3,
	EXC_LOAD_MISALIGNED = 4,
	EXC_LOAD_ACCESS = 5,
	EXC_STORE_MISALIGNED = 6,
	EXC_STORE_ACCESS = 7,
	EXC_ECALL_U = 8,
	EXC_ECALL_S = 9,
	EXC_INSN_PAGE = 12,
	EXC_LOAD_PAGE = 13,
	EXC_STORE_PAGE = 15,
};

static inline void fence_i(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}

static inline void sfence_vma(void)
{
	__asm__ volatile("sfence.vma" ::: "memory");
}

/* ---- SBI ---- */
struct sbiret {
	long error;
	long value;
};

#define SBI_SUCCESS 0
#define SBI_ERR_FAILED -1
#define SBI_ERR_NOT_SUPPORTED -2
#define SBI_ERR_INVALID_PARAM -3
#define SBI_ERR_ALREADY_AVAILABLE -6

#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_HSM 0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E

struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2, long a3);
long sbi_probe(long ext);
/* True under OpenSBI (SBI implementation id 1), i.e. on QEMU, our reference. */
int sbi_is_opensbi(void);
void sbi_legacy_putchar(int ch);
struct sbiret sbi_dbcn_write(const void *buf, unsigned long len);
struct sbiret sbi_set_timer(u64 stime);
struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start, unsigned long opaque);
struct sbiret sbi_hart_stop(void);
struct sbiret sbi_hart_status(unsigned long hartid);
/* type 0 = shutdown, 1 = cold reboot; reason 0 = none, 1 = system failure */
struct sbiret sbi_system_reset(unsigned long type, unsigned long reason);

/* ---- console ---- */
void putc(int ch);
void puts(const char *s); /* no newline added */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

/* ---- reporting ---- */
void finisher_pass(void);
void finisher_fail(unsigned code);
/* Print PASS/FAIL for guest_name, signal the finisher, then power off. */
void guest_exit(int code) __attribute__((noreturn));
void halt_forever(void) __attribute__((noreturn));

/* ---- traps ---- */
struct trap_frame {
	long vec; /* vectored slot, -1 for the direct entry */
	unsigned long x[31]; /* x[n - 1] = register xn */
	unsigned long sepc, sstatus, scause, stval;
};
#define TF_REG(tf, n) ((tf)->x[(n) - 1])

/* Return nonzero if the trap was handled (the frame is restored and sret'd). */
typedef int (*trap_hook_fn)(struct trap_frame *tf);

extern char trap_entry[], trap_vectors[];
void trap_set_hook(trap_hook_fn fn);

/*
 * The recorder: trap_expect() installs a hook that counts and records every
 * trap, then resumes: exceptions skip the faulting instruction, except
 * instruction-fetch faults (cause 0, 1, 12) which return to ra (so a test
 * jumps to the bad address with jalr ra); interrupts clear their source
 * (SSIP, or the SBI timer); a trap from U-mode ends the U-mode run
 * (user_enter returns -1, or a0 for ecall with a7 = 93).
 */
struct trap_record {
	volatile unsigned long count;
	volatile unsigned long cause, tval, epc, vec, sstatus;
};
extern struct trap_record last_trap;
void trap_expect(void);
/* The recorder itself, for hooks that handle some traps and chain the rest. */
int trap_recorder(struct trap_frame *tf);
void trap_expect_none(void); /* back to "every trap is a failure" */

long user_enter(void (*fn)(long), unsigned long user_sp, long arg);

/* ---- test framework ---- */
void test_check(int ok, const char *file, int line, const char *what, u64 actual, u64 expected);
/* Evaluates each argument exactly once. */
#define CHECK_EQ(actual, expected)                                                   \
	do {                                                                         \
		u64 a_ = (u64)(actual), e_ = (u64)(expected);                        \
		test_check(a_ == e_, __FILE__, __LINE__, #actual, a_, e_);           \
	} while (0)
#define CHECK(cond) test_check(!!(cond), __FILE__, __LINE__, #cond, 0, 1)
/* Run one case; prints "ok name" or "FAIL-CASE name". */
void test_case(const char *name, void (*fn)(void));
#define RUN(fn) test_case(#fn, fn)
/* Number of failed cases so far (main returns it). */
int test_failures(void);

/* ---- secondary harts ---- */
struct hart_work {
	void (*fn)(unsigned long hartid, void *arg);
	void *arg;
	volatile int done; /* set after fn returns, before the hart stops */
};
/* Start hartid at fn(hartid, arg) through SBI HSM; returns the SBI error. */
long hart_start(unsigned long hartid, struct hart_work *work);

/* ---- misc ---- */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

static inline u64 rdtime(void)
{
	u64 v;
	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

static inline u64 rdcycle(void)
{
	u64 v;
	__asm__ volatile("rdcycle %0" : "=r"(v));
	return v;
}

static inline u64 rdinstret(void)
{
	u64 v;
	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

/* Device-tree timebase-frequency of /cpus (10 MHz if not found). */
u64 dt_timebase(void);

/* A simple spinlock on an AMO swap. */
static inline void spin_lock(volatile int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		;
}
static inline void spin_unlock(volatile int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

#endif
