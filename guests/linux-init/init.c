/* SPDX-License-Identifier: MIT */
/*
 * The init program of the Linux test guest (scripts/linux-guest.sh).
 * tests/integration/linux-boot.sh asserts on the exact lines printed here,
 * so change them together. Built static with riscv64-linux-gnu-gcc: the
 * initramfs holds nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
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
 * The tests pass axvm.reboot=1 (reboot instead of powering off) and
 * axvm.idle=N (sit idle for N seconds first).
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

int main(void)
{
	const char *idle, *reboot_value;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("axvm-init: hello from init (pid %d)\n", (int)getpid());
	init_mount("proc", "/proc", "proc");
	init_mount("sysfs", "/sys", "sysfs");
	init_mount("devtmpfs", "/dev", "devtmpfs");
	printf("axvm-init: harts=%d\n", init_count_harts());
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
