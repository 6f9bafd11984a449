/* SPDX-License-Identifier: MIT */
/*
 * The guest the GDB stub's tests debug (tests/integration/gdb.sh): a loop
 * calling bump() whose effects gdb checks (breakpoints, steps, a
 * watchpoint on `watched`, memory writes to `counter`), then an ebreak of
 * the guest's own, which must reach the guest's trap handler even with a
 * debugger attached. With a second hart, it spins in ap_spin() counting
 * ap_ticks until main is done (gdb's all-stop: the count stands still while
 * the debugger holds the guest). With `-p spin` both harts spin forever
 * (the monitor's test: tests/integration/monitor.sh).
 */
#include "bootargs.h"
#include "guest.h"

GUEST_PROGRAM("gdb");

volatile u64 counter;
volatile u64 watched;
volatile u64 spare;
volatile u64 ap_ticks;
/* A debugger sets it to keep main spinning (the Ctrl-C test); in .data: _start clears .bss. */
volatile int hold __attribute__((section(".data")));
volatile int ap_stop;

__attribute__((noinline)) void ap_spin(unsigned long hartid, void *arg)
{
	while (!ap_stop)
		ap_ticks++;
}

static struct hart_work ap = {ap_spin, 0, 0};

static int strstr_simple(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; s && *s; s++)
		if (!memcmp(s, w, n))
			return 1;
	return 0;
}

__attribute__((noinline)) void bump(u64 i)
{
	counter += i;
	watched = i * 3;
}

__attribute__((noinline)) void done(void)
{
	spare = counter;
}

int main(unsigned long hartid, unsigned long dtb)
{
	int own, ap_started = hart_start(1, &ap) == SBI_SUCCESS;

	while (ap_started && ap_ticks < 1000) /* the second hart is under way */
		;
	while (hold)
		;
	if (strstr_simple(guest_bootargs(), "spin"))
		for (;;)
			spare++;
	for (u64 i = 1; i <= 5; i++)
		bump(i);
	trap_expect();
	__asm__ volatile("ebreak");
	own = last_trap.count == 1 && last_trap.cause == EXC_BREAKPOINT;
	trap_expect_none();
	done();
	ap_stop = 1;
	while (ap_started && !ap.done)
		;
	printf("gdb guest: counter=%lu ebreak=%s\n", (unsigned long)counter,
	       own ? "guest" : "lost");
	return 0;
}
