/* SPDX-License-Identifier: MIT */
/* Boot, console, reporting, trap dispatch and the test framework. */
#include "guest.h"

unsigned long guest_boot_hartid;
unsigned long guest_dtb;

/* ---- console: DBCN when the SBI has it (one call per line), else legacy ---- */
static int console_dbcn;
static volatile int console_lock;
static char console_buf[256];
static unsigned console_len;

static void console_flush(void)
{
	if (!console_len)
		return;
	if (console_dbcn) {
		unsigned done = 0;

		while (done < console_len) {
			struct sbiret r = sbi_dbcn_write(console_buf + done, console_len - done);

			if (r.error || r.value <= 0)
				break;
			done += (unsigned)r.value;
		}
	} else {
		for (unsigned i = 0; i < console_len; i++)
			sbi_legacy_putchar(console_buf[i]);
	}
	console_len = 0;
}

static void console_put_locked(int ch)
{
	console_buf[console_len++] = (char)ch;
	if (ch == '\n' || console_len == sizeof(console_buf))
		console_flush();
}

void putc(int ch)
{
	spin_lock(&console_lock);
	console_put_locked(ch);
	spin_unlock(&console_lock);
}

void puts(const char *s)
{
	spin_lock(&console_lock);
	while (*s)
		console_put_locked(*s++);
	spin_unlock(&console_lock);
}

static void fmt_num(u64 v, unsigned base, int neg, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		console_put_locked(pad);
	while (n)
		console_put_locked(tmp[--n]);
}

int vprintf(const char *fmt, va_list ap)
{
	spin_lock(&console_lock);
	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			console_put_locked(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			s64 v = lng ? va_arg(ap, long) : va_arg(ap, int);

			fmt_num(v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
			fmt_num(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, 0, width,
				pad);
			break;
		case 'x':
			fmt_num(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, 0, width,
				pad);
			break;
		case 'p':
			console_put_locked('0');
			console_put_locked('x');
			fmt_num((uintptr_t)va_arg(ap, void *), 16, 0, width, pad);
			break;
		case 'c':
			console_put_locked(va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (s && *s)
				console_put_locked(*s++);
			break;
		}
		case '%':
			console_put_locked('%');
			break;
		default:
			console_put_locked('?');
			if (!*fmt)
				fmt--;
			break;
		}
	}
	spin_unlock(&console_lock);
	return 0;
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- reporting ---- */
void finisher_pass(void)
{
	*(volatile u32 *)FINISHER_BASE = 0x5555;
}

void finisher_fail(unsigned code)
{
	*(volatile u32 *)FINISHER_BASE = (code << 16) | 0x3333;
}

void halt_forever(void)
{
	for (;;)
		__asm__ volatile("wfi");
}

void guest_exit(int code)
{
	if (code == 0) {
		printf("PASS %s\n", guest_name);
		finisher_pass();
	} else {
		printf("FAIL %s %d\n", guest_name, code);
		finisher_fail((unsigned)code & 0xffff);
	}
	/* Only reached if no finisher stopped the machine. */
	sbi_system_reset(0, code ? 1 : 0);
	halt_forever();
}

/* ---- boot ---- */
void guest_boot(unsigned long hartid, unsigned long dtb);
void guest_boot(unsigned long hartid, unsigned long dtb)
{
	guest_boot_hartid = hartid;
	guest_dtb = dtb;
	console_dbcn = sbi_probe(SBI_EXT_DBCN) != 0;
	csr_write(stvec, (unsigned long)trap_entry);
	guest_exit(main(hartid, dtb));
}

/* ---- traps ---- */
static trap_hook_fn trap_hook;
struct trap_record last_trap;

void trap_set_hook(trap_hook_fn fn)
{
	__atomic_store_n(&trap_hook, fn, __ATOMIC_SEQ_CST);
}

extern char user_resume[];

static unsigned insn_len_at(unsigned long pc)
{
	u16 lo;

	/* The instruction may sit on a U page or an execute-only page. */
	csr_set(sstatus, SSTATUS_SUM | SSTATUS_MXR);
	lo = *(volatile u16 *)pc;
	csr_clear(sstatus, SSTATUS_SUM | SSTATUS_MXR);
	return (lo & 3) == 3 ? 4 : 2;
}

int trap_recorder(struct trap_frame *tf)
{
	unsigned long cause = tf->scause;

	last_trap.cause = cause;
	last_trap.tval = tf->stval;
	last_trap.epc = tf->sepc;
	last_trap.vec = (unsigned long)tf->vec;
	last_trap.sstatus = tf->sstatus;
	last_trap.count++;
	if (cause & SCAUSE_INTR) {
		unsigned long code = cause & ~SCAUSE_INTR;

		if (code == IRQ_SSI)
			csr_clear(sip, 1ul << IRQ_SSI);
		else if (code == IRQ_STI)
			sbi_set_timer(~0ull);
		else
			csr_clear(sie, 1ul << code);
		return 1;
	}
	if (!(tf->sstatus & SSTATUS_SPP)) {
		/* From U-mode: end the U-mode run, back in S-mode. */
		TF_REG(tf, 10) = (cause == EXC_ECALL_U && TF_REG(tf, 17) == 93) ? TF_REG(tf, 10)
										 : (unsigned long)-1;
		tf->sepc = (unsigned long)user_resume;
		tf->sstatus |= SSTATUS_SPP;
		return 1;
	}
	if (cause == EXC_INSN_MISALIGNED || cause == EXC_INSN_ACCESS || cause == EXC_INSN_PAGE)
		tf->sepc = TF_REG(tf, 1);
	else
		tf->sepc += insn_len_at(tf->sepc);
	return 1;
}

void trap_expect(void)
{
	last_trap.count = 0;
	last_trap.cause = last_trap.tval = last_trap.epc = 0;
	last_trap.vec = 0;
	trap_set_hook(trap_recorder);
}

void trap_expect_none(void)
{
	trap_set_hook(0);
}

void trap_dispatch(struct trap_frame *tf);
void trap_dispatch(struct trap_frame *tf)
{
	trap_hook_fn hook = __atomic_load_n(&trap_hook, __ATOMIC_SEQ_CST);

	if (hook && hook(tf))
		return;
	printf("unexpected trap: scause 0x%lx sepc 0x%lx stval 0x%lx sstatus 0x%lx\n",
	       tf->scause, tf->sepc, tf->stval, tf->sstatus);
	guest_exit(0xdead & 0xfff);
}

/* ---- tests ---- */
static int test_failed_cases;
static int test_cur_failed;

void test_check(int ok, const char *file, int line, const char *what, u64 actual, u64 expected)
{
	if (ok)
		return;
	test_cur_failed = 1;
	printf("  check failed %s:%d: %s = 0x%lx, expected 0x%lx\n", file, line, what, actual,
	       expected);
}

void test_case(const char *name, void (*fn)(void))
{
	test_cur_failed = 0;
	fn();
	if (test_cur_failed) {
		test_failed_cases++;
		printf("FAIL-CASE %s\n", name);
	} else {
		printf("ok %s\n", name);
	}
	trap_expect_none();
}

int test_failures(void)
{
	return test_failed_cases;
}

/* ---- libc bits the compiler may call ---- */
void *memset(void *s, int c, size_t n)
{
	u8 *p = s;

	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *pa = a, *pb = b;

	for (; n; n--, pa++, pb++)
		if (*pa != *pb)
			return *pa - *pb;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* ---- device tree: just enough to find /cpus/timebase-frequency ---- */
static u32 be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

u64 dt_timebase(void)
{
	const u8 *fdt = (const u8 *)guest_dtb;
	const u8 *st, *strs;
	u32 size, off = 0;

	if (!fdt || be32(fdt) != 0xd00dfeed)
		return 10000000;
	st = fdt + be32(fdt + 8);
	strs = fdt + be32(fdt + 12);
	size = be32(fdt + 36);
	while (off + 4 <= size) {
		u32 tok = be32(st + off);

		off += 4;
		if (tok == 1) { /* BEGIN_NODE: name, padded */
			off += (u32)strlen((const char *)st + off) + 1;
			off = (off + 3) & ~3u;
		} else if (tok == 3) { /* PROP: len, nameoff, value */
			u32 len = be32(st + off), nameoff = be32(st + off + 4);
			const char *name = (const char *)strs + nameoff;

			if (len == 4 && !memcmp(name, "timebase-frequency", 19))
				return be32(st + off + 8);
			off += 8 + ((len + 3) & ~3u);
		} else if (tok == 9) { /* END */
			break;
		}
	}
	return 10000000;
}

/* ---- secondary harts ---- */
extern char _ap_start[];

long hart_start(unsigned long hartid, struct hart_work *work)
{
	return sbi_hart_start(hartid, (unsigned long)_ap_start, (unsigned long)work).error;
}

void guest_ap_boot(unsigned long hartid, unsigned long opaque);
void guest_ap_boot(unsigned long hartid, unsigned long opaque)
{
	struct hart_work *work = (struct hart_work *)opaque;

	csr_write(stvec, (unsigned long)trap_entry);
	work->fn(hartid, work->arg);
	__atomic_store_n(&work->done, 1, __ATOMIC_RELEASE);
	sbi_hart_stop();
	halt_forever();
}
