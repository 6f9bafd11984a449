/* SPDX-License-Identifier: MIT */
/*
 * The init program of the Linux test guest (scripts/linux-guest.sh).
 * tests/integration/linux-boot.sh asserts on the exact lines printed here,
 * so change them together. Built static with riscv64-linux-gnu-gcc: the
 * initramfs holds nothing else.
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void init_mount(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) != 0 && errno != EBUSY)
		printf("axvm-init: mount %s on %s failed: %s\n", type, dir, strerror(errno));
}

/* Counts "processor" lines: one per hart the kernel brought online. */
static int init_count_harts(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "processor", 9) == 0)
			n++;
	fclose(f);
	return n;
}

/*
 * The value of `key` (e.g. "axvm.idle=") on the kernel command line, or NULL.
 * The tests pass axvm.reboot=1 (reboot instead of powering off),
 * axvm.idle=N (sit idle for N seconds first) and axvm.busy=N (keep every
 * hart busy for N seconds first).
 */
static const char *init_cmdline_value(const char *key)
{
	static char buf[1024];
	const char *p;
	size_t n;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strstr(buf, key);
	return p ? p + strlen(key) : NULL;
}

/* The "cpu" lines of /proc/stat (user nice system idle iowait irq softirq steal ...), tagged. */
static void init_print_stat(const char *tag)
{
	char line[256];
	FILE *f = fopen("/proc/stat", "r");

	if (!f) {
		printf("axvm-init: /proc/stat: %s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "cpu", 3) == 0)
			printf("axvm-init: %s %s", tag, line);
	fclose(f);
}

static long init_ms_since(const struct timespec *t0, const struct timespec *t)
{
	return (long)(t->tv_sec - t0->tv_sec) * 1000 + (t->tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * One spinning process pinned to each of the `harts` harts for `secs`
 * seconds, with /proc/stat's cpu lines before and after: on an overcommitted
 * host the steal column grows (tests/integration/steal.sh).
 */
static void init_busy(int harts, int secs)
{
	struct timespec t0, t;
	cpu_set_t set;
	int i;

	printf("axvm-init: busy on %d harts for %d s\n", harts, secs);
	init_print_stat("stat-before");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < harts; i++) {
		if (fork() != 0)
			continue;
		CPU_ZERO(&set);
		CPU_SET(i, &set);
		sched_setaffinity(0, sizeof(set), &set);
		do
			clock_gettime(CLOCK_MONOTONIC, &t);
		while (init_ms_since(&t0, &t) < secs * 1000l);
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t);
	init_print_stat("stat-after");
	printf("axvm-init: busy done after %ld ms\n", init_ms_since(&t0, &t));
}

int main(void)
{
	const char *idle, *busy, *reboot_value;
	int harts;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("axvm-init: hello from init (pid %d)\n", (int)getpid());
	init_mount("proc", "/proc", "proc");
	init_mount("sysfs", "/sys", "sysfs");
	init_mount("devtmpfs", "/dev", "devtmpfs");
	harts = init_count_harts();
	printf("axvm-init: harts=%d\n", harts);
	busy = init_cmdline_value("axvm.busy=");
	if (busy && atoi(busy) > 0 && harts > 0)
		init_busy(harts, atoi(busy));
	idle = init_cmdline_value("axvm.idle=");
	if (idle && atoi(idle) > 0) {
		printf("axvm-init: idle for %d s\n", atoi(idle));
		sleep((unsigned)atoi(idle));
	}
	sync();
	reboot_value = init_cmdline_value("axvm.reboot=");
	if (reboot_value && reboot_value[0] == '1') {
		printf("axvm-init: rebooting\n");
		reboot(RB_AUTOBOOT);
	} else {
		printf("axvm-init: powering off\n");
		reboot(RB_POWER_OFF);
	}
	printf("axvm-init: reboot() failed: %s\n", strerror(errno));
	return 1;
}
