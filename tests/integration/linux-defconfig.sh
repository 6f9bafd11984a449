#!/usr/bin/env bash
# Boot a stock riscv `defconfig` Linux (scripts/linux-defconfig.sh: what
# external users run, not our trimmed fixture) with `axvm run`: 1, 2, 4 and 8
# vCPUs, 128 MiB to 1 GiB, console on ttyS0 (ns16550a) with both 8250
# earlycon forms, console=hvc0, an initrd given with -i (gzip cpio), and the
# ELF vmlinux instead of the Image, and QEMU's own DTB through --dtb. Checks
# init's banner, the hart count it finds, the poweroff exit status (0), the
# RTC-set clock, and that the kernel log has no oops, WARNING or stall. A probe init (source below) then checks
# the RTC alarm interrupt, ttyS0 input, U-mode clock_gettime and reboot; if
# Debian's u-boot-qemu is installed, S-mode U-Boot boots the kernel. Then
# times -c 1 against the same kernel under QEMU. Ends with "N passed, N failed,
# N skipped" (each case that could not run is a SKIP line).
#
# The kernel takes 30-40 minutes to build on 2 cores, so this test never
# builds it unless AXVM_BUILD_DEFCONFIG=1: without a cached Image it prints a
# SKIP line and "0 passed, 0 failed, 1 skipped". A cached Image built from an older
# init source is used too (the test needs only the banner, the hart count and
# the poweroff, which every version prints).
#
# Environment: AXVM (the axvm binary; default build/axvm),
# AXVM_LINUX_TIMEOUT (seconds per boot; default 300), AXVM_BUILD_DEFCONFIG=1
# (build the kernel if it is not cached), AXVM_DEFCONFIG_QEMU=0 (skip the
# QEMU timing).
set -u
source "$(dirname "$0")/lib/common.sh"
limit=${AXVM_LINUX_TIMEOUT:-300}
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
script=$root/scripts/linux-defconfig.sh
apid=
# An axvm still running in the background when the script ends early.
cleanup_hook() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null
	return 0
}
# skip_all WHY: the whole test cannot run here.
skip_all() {
	skip linux-defconfig "$1"
	summary
}

if ! why=$(bash "$script" --check); then
	skip_all "$why"
fi
need_axvm linux-defconfig

image=$(bash "$script" --cached 2>/dev/null) || image=
if [ -z "$image" ]; then
	# Newest Image of any recipe/init version that passed its QEMU check.
	for d in $(ls -dt "$cache"/linux-defconfig-*/ 2>/dev/null); do
		if [ -s "$d/Image" ] && [ -e "$d/qemu-ok" ]; then
			image=${d%/}/Image
			echo "note: using $image (built from another init.c or recipe version)"
			break
		fi
	done
fi
if [ -z "$image" ]; then
	if [ "${AXVM_BUILD_DEFCONFIG:-0}" != 1 ]; then
		skip_all "no cached defconfig kernel (build it with scripts/linux-defconfig.sh, 30-40 min, or set AXVM_BUILD_DEFCONFIG=1)"
	fi
	if ! image=$(nice -n 10 bash "$script" 2>"$tmp/fixture.log" | tail -n 1) ||
		[ ! -s "$image" ]; then
		not_ok "linux defconfig fixture" "scripts/linux-defconfig.sh failed:"
		tail -n 20 "$tmp/fixture.log"
		summary
	fi
fi
echo "kernel: $image"

now() { date +%s.%N; }

# Kernel log lines that mean something went wrong even if init ran.
bad_re='Oops|BUG:|WARNING:|Kernel panic|self-detected stall|soft lockup|hung_task|Initramfs unpacking failed|unable to determine|Unable to handle kernel'

# boot NAME CPUS PARAMS [axvm options...]: run, check init and the log.
boot() {
	local name=$1 cpus=$2 params=$3 log rc t start bad
	shift 3
	log="$tmp/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_').log"
	start=$(now)
	timeout -k 5 "$limit" "$axvm" run -k "$image" -c "$cpus" -p "$params" "$@" \
		</dev/null >"$log" 2>&1
	rc=$?
	t=$(echo "$(now) - $start" | bc)
	last_log=$log
	last_secs=$t
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		not_ok "$name" "no poweroff within ${limit}s; last output:"
		tail -n 15 "$log" | sed 's/^/    | /'
		return 1
	fi
	if ! grep -qa "axvm-init: hello from init" "$log"; then
		not_ok "$name" "init's banner never appeared (exit status $rc); last output:"
		tail -n 15 "$log" | sed 's/^/    | /'
		return 1
	fi
	if ! grep -qa "init: harts=$cpus\b" "$log"; then
		not_ok "$name" "expected 'harts=$cpus', got '$(grep -a 'init: harts' "$log")'"
		return 1
	fi
	if [ $rc -ne 0 ]; then
		not_ok "$name" "exit status $rc after poweroff, expected 0; last output:"
		tail -n 5 "$log" | sed 's/^/    | /'
		return 1
	fi
	bad=$(grep -aE "$bad_re" "$log" | head -n 5)
	if [ -n "$bad" ]; then
		not_ok "$name" "init ran, but the kernel log has:"
		echo "$bad" | sed 's/^/    | /'
		return 1
	fi
	ok "$name ($(printf '%.2f' "$t") s)"
}

boot "defconfig -c 1 console=ttyS0 -m 512M" 1 "console=ttyS0" -m 512M
secs1=
[ "$fail" -eq 0 ] && secs1=$last_secs && log1=$last_log
# The goldfish RTC set the guest's clock from the host's (RTC_HCTOSYS).
if [ -n "$secs1" ]; then
	year=$(date -u +%Y)
	if grep -qa "goldfish_rtc 101000.rtc: setting system clock to $year-" "$last_log"; then
		ok "defconfig: goldfish RTC sets the system clock to the host's year ($year)"
	else
		not_ok "defconfig RTC" "expected 'setting system clock to $year-...', got: $(grep -a 'rtc' "$last_log" | head -n 3)"
	fi
fi
# Default memory (128 MiB) and plain `earlycon`: the 8250 early console found
# through /chosen/stdout-path.
if boot "defconfig -c 2 console=ttyS0 earlycon (128 MiB)" 2 "console=ttyS0 earlycon"; then
	grep -qa "earlycon: ns16550a0 at MMIO 0x0000000010000000" "$last_log" ||
		{ pass=$((pass - 1)); not_ok "defconfig earlycon" "no 'earlycon: ns16550a0 at MMIO' line"; }
fi
boot "defconfig -c 4 console=ttyS0 earlycon=uart8250,mmio,0x10000000" 4 \
	"console=ttyS0 earlycon=uart8250,mmio,0x10000000" -m 512M
boot "defconfig -c 8 console=ttyS0" 8 "console=ttyS0" -m 1G

# 6.1's defconfig leaves RISCV_SBI_V01 off, so the kernel has neither hvc0 nor
# earlycon=sbi (it predates the DBCN console): with console=hvc0 it prints
# nothing, under QEMU too. It must still boot to init and power off (status 0).
name="defconfig -c 2 console=hvc0 (no SBI console in this kernel) powers off"
log="$tmp/hvc0.log"
timeout -k 5 "$limit" "$axvm" run -k "$image" -c 2 -p "console=hvc0" </dev/null >"$log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	ok "$name"
else
	not_ok "$name" "exit status $rc, expected 0; output: $(tail -n 3 "$log")"
fi

# The ELF vmlinux: its p_paddr are RAM offsets, loaded at RAM base as QEMU does.
vmlinux=$(dirname "$image")/vmlinux
if [ -s "$vmlinux" ]; then
	image_saved=$image
	image=$vmlinux
	boot "defconfig vmlinux (ELF) -c 2 console=ttyS0" 2 "console=ttyS0"
	image=$image_saved
else
	skip "defconfig ELF vmlinux" "no vmlinux beside $image"
fi

# QEMU's own device tree (--dtb): it also lists a PCIe host, flash, fw-cfg
# and a PMU node. The board's empty ECAM window and virtio-mmio slots must
# let the kernel probe them and boot (no oops) as with our tree.
if command -v qemu-system-riscv64 >/dev/null &&
	qemu-system-riscv64 -machine virt,dumpdtb="$tmp/qemu-virt.dtb" -smp 2 -m 256M \
		-nographic </dev/null >/dev/null 2>&1 && [ -s "$tmp/qemu-virt.dtb" ]; then
	if boot "defconfig -c 2 --dtb QEMU's virt DTB" 2 "console=ttyS0" -m 256M \
		--dtb "$tmp/qemu-virt.dtb"; then
		if ! grep -qa "PCI host bridge to bus 0000:00" "$last_log"; then
			pass=$((pass - 1))
			not_ok "defconfig --dtb QEMU's" "the kernel never probed QEMU's PCIe host"
		fi
	fi
else
	skip "defconfig --dtb QEMU's" "no QEMU to dump its virt DTB (scripts/deps.sh installs qemu-system-misc)"
fi

# An external initrd (-i), gzip-compressed as distributions ship them: its
# /init is a copy of the built-in one, renamed by the kernel's unpacker over
# it; "Freeing initrd memory" proves the kernel found and consumed it.
cpio=$(dirname "$image")/initramfs.cpio
if [ -s "$cpio" ] && command -v gzip >/dev/null; then
	gzip -c "$cpio" >"$tmp/initrd.cpio.gz"
	if boot "defconfig -c 2 -i initrd.cpio.gz console=ttyS0" 2 "console=ttyS0" -m 256M \
		-i "$tmp/initrd.cpio.gz"; then
		if ! grep -qa "Freeing initrd memory" "$last_log"; then
			pass=$((pass - 1))
			not_ok "defconfig -i initrd" "the kernel never freed the initrd (not found in /chosen?)"
		fi
	fi
else
	skip "defconfig -i initrd" "no initramfs.cpio beside $image, or no gzip"
fi

# A probe init (built here, given with -i so it replaces /init) exercises
# what the banner test does not: the goldfish RTC alarm interrupt through
# Linux's rtc-goldfish driver and the PLIC, ttyS0 input (host stdin -> UART
# -> PLIC -> 8250 driver -> tty), U-mode clock_gettime() through the vDSO
# (rdtime), and a reboot through the kernel's restart handlers.
probe_src=$tmp/probe.c
cat >"$probe_src" <<'EOF'
#include <fcntl.h>
#include <linux/rtc.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Raw syscalls: the vDSO path is tested on its own, in a child. */
static long probe_now(clockid_t id, long *ms)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, id, &ts);
	*ms = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return ts.tv_sec;
}

static void probe_rtc(void)
{
	struct rtc_wkalrm a;
	struct pollfd p;
	struct tm g;
	unsigned long data = 0;
	long t0, t1;
	time_t when;
	int fd = open("/dev/rtc0", O_RDONLY);

	if (fd < 0) {
		printf("probe: no /dev/rtc0\n");
		return;
	}
	when = probe_now(CLOCK_REALTIME, &t0) + 2;
	gmtime_r(&when, &g);
	memset(&a, 0, sizeof(a));
	a.enabled = 1;
	a.time.tm_sec = g.tm_sec, a.time.tm_min = g.tm_min, a.time.tm_hour = g.tm_hour;
	a.time.tm_mday = g.tm_mday, a.time.tm_mon = g.tm_mon, a.time.tm_year = g.tm_year;
	if (ioctl(fd, RTC_WKALM_SET, &a) < 0) {
		printf("probe: RTC_WKALM_SET failed\n");
		return;
	}
	probe_now(CLOCK_MONOTONIC, &t0);
	p.fd = fd, p.events = POLLIN;
	if (poll(&p, 1, 10000) == 1 && read(fd, &data, sizeof(data)) == sizeof(data)) {
		probe_now(CLOCK_MONOTONIC, &t1);
		printf("probe: rtc alarm fired after %ld ms (data 0x%lx)\n", t1 - t0, data);
	} else {
		printf("probe: rtc alarm did not fire within 10 s\n");
	}
	close(fd);
}

static void probe_vdso(void)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec ts;

		_exit(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		printf("probe: vdso clock_gettime killed by signal %d\n", WTERMSIG(st));
	else
		printf("probe: vdso clock_gettime ok\n");
}

int main(void)
{
	char line[256], cmdline[512] = {0};
	FILE *f;

	setvbuf(stdout, NULL, _IONBF, 0);
	mkdir("/proc", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fread(cmdline, 1, sizeof(cmdline) - 1, f))
			cmdline[0] = 0;
		fclose(f);
	}
	printf("probe: ready\n");
	if (strstr(cmdline, "probe.reboot")) {
		printf("probe: rebooting\n");
		sync();
		reboot(RB_AUTOBOOT);
	}
	probe_rtc();
	probe_vdso();
	printf("probe: type lines, quit ends\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		printf("probe: got '%s'\n", line);
		if (!strcmp(line, "quit"))
			break;
	}
	printf("probe: powering off\n");
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
EOF
probe_ok=
# gen_init_cpio makes /dev/console without root: the build left one beside
# the Image; else build it from the extracted kernel source.
gen=$(dirname "$image")/gen_init_cpio
if [ ! -x "$gen" ]; then
	gen=$tmp/gen_init_cpio
	gen_src=$(ls "$cache"/linux-src-*/linux-source-6.1/usr/gen_init_cpio.c 2>/dev/null | head -n 1)
	gcc -O2 -o "$gen" "${gen_src:-/nonexistent/gen_init_cpio.c}" 2>"$tmp/probe-cc.log"
fi
if riscv64-linux-gnu-gcc -static -O2 -o "$tmp/probe" "$probe_src" 2>>"$tmp/probe-cc.log" &&
	[ -x "$gen" ]; then
	printf 'dir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\nfile /init %s 0755 0 0\n' \
		"$tmp/probe" >"$tmp/probe.list"
	"$gen" "$tmp/probe.list" >"$tmp/probe.cpio" && probe_ok=1
fi
if [ -z "$probe_ok" ]; then
	not_ok "defconfig probe init" "could not build it: $(tail -n 3 "$tmp/probe-cc.log")"
else
	# stdin through a fifo, written once the probe asks for input.
	log="$tmp/probe.log"
	mkfifo "$tmp/in"
	timeout -k 5 "$limit" "$axvm" run -k "$image" -c 2 -i "$tmp/probe.cpio" \
		-p "console=ttyS0" <"$tmp/in" >"$log" 2>&1 &
	apid=$!
	exec 3>"$tmp/in"
	for _ in $(seq 1 $((limit * 10))); do
		grep -qa "probe: type lines" "$log" && break
		kill -0 $apid 2>/dev/null || break
		sleep 0.1
	done
	printf 'hello axvm\nquit\n' >&3
	exec 3>&-
	wait $apid
	rc=$?
	apid=
	ms=$(sed -n 's/.*probe: rtc alarm fired after \([0-9]*\) ms.*/\1/p' "$log")
	# The alarm is 2 s ahead of the guest's system clock, which hctosys set
	# from the RTC truncated to the second: it fires 1-2 s later (slack: 3.5).
	if [ -n "$ms" ] && [ "$ms" -le 3500 ]; then
		ok "defconfig: RTC alarm interrupt reaches /dev/rtc0 (after $ms ms)"
	else
		not_ok "defconfig RTC alarm" "expected 'rtc alarm fired after' <= 3500 ms, got: $(grep -a 'probe: rtc' "$log")"
	fi
	if grep -qa "probe: got 'hello axvm'" "$log" && grep -qa "probe: got 'quit'" "$log" &&
		[ $rc -eq 0 ]; then
		ok "defconfig: ttyS0 input reaches a user process; poweroff status 0"
	else
		not_ok "defconfig ttyS0 input" "exit status $rc; probe lines: $(grep -a 'probe:' "$log" | tail -n 4 | tr '\n' '|')"
	fi
	# rdtime from U-mode needs scounteren.TM, which firmware (here: the hart's
	# reset state) sets; Linux 6.1 never does.
	if grep -qa "probe: vdso clock_gettime ok" "$log"; then
		ok "defconfig: U-mode clock_gettime through the vDSO (rdtime)"
	else
		not_ok "defconfig vDSO clock_gettime" "$(grep -a 'probe: vdso' "$log") (scounteren.TM clear at S-mode entry?)"
	fi

	# A guest reboot through the kernel's restart path re-creates the VM.
	log="$tmp/probe-reboot.log"
	timeout -k 5 "$limit" "$axvm" run -k "$image" -c 2 -i "$tmp/probe.cpio" \
		-p "console=ttyS0 probe.reboot" --timeout 15 </dev/null >"$log" 2>&1
	n=$(grep -ac "probe: rebooting" "$log")
	if [ "$n" -ge 2 ]; then
		ok "defconfig: reboot re-creates the VM and Linux boots again ($n boots in 15 s)"
	else
		not_ok "defconfig reboot" "$n reboot(s) seen, expected at least 2; last output: $(tail -n 3 "$log" | tr '\n' '|')"
	fi
fi

# Debian's S-mode U-Boot for QEMU virt (package u-boot-qemu, optional) as the
# guest: it probes our DT's devices, then boots this kernel, handed over as
# the -i "initrd" at QEMU's initrd address, with `booti` and its own copy of
# the device tree: firmware-style chain loading.
uboot=${AXVM_UBOOT:-/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin}
if [ -s "$uboot" ]; then
	name="defconfig booted by S-mode U-Boot (booti)"
	log="$tmp/uboot.log"
	rm -f "$tmp/uin"
	mkfifo "$tmp/uin"
	ulimit_s=60 # a failed booti leaves U-Boot at its prompt: do not wait $limit for it
	timeout -k 5 "$ulimit_s" "$axvm" run -k "$uboot" -m 512M -i "$image" <"$tmp/uin" >"$log" 2>&1 &
	apid=$!
	exec 3>"$tmp/uin"
	# wait_for TEXT: until the log holds TEXT or axvm is gone.
	wait_for() {
		for _ in $(seq 1 $((ulimit_s * 10))); do
			grep -qa "$1" "$log" && return 0
			kill -0 $apid 2>/dev/null || return 1
			sleep 0.1
		done
		return 1
	}
	if wait_for "Hit any key"; then
		printf '\r' >&3
		wait_for "=> "
		# 512 MiB: the initrd sits at 0x80200000 + 128 MiB.
		printf '%s\r' 'fdt addr ${fdtcontroladdr}; fdt rm /chosen linux,initrd-start; fdt rm /chosen linux,initrd-end; setenv bootargs console=ttyS0; booti 0x88200000 - ${fdtcontroladdr}' >&3
	fi
	wait_for "axvm-init: powering off"
	exec 3>&-
	wait $apid
	rc=$?
	apid=
	if grep -qa "Starting kernel" "$log" && grep -qa "axvm-init: harts=1" "$log" && [ $rc -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "exit status $rc; last output:"
		tail -n 8 "$log" | sed 's/^/    | /'
	fi
else
	skip "defconfig booted by S-mode U-Boot" "$uboot not found (scripts/deps.sh installs u-boot-qemu)"
fi

# The same kernel under QEMU for the timing ratio (informational).
if [ -n "$secs1" ] && [ "${AXVM_DEFCONFIG_QEMU:-1}" = 1 ] &&
	command -v qemu-system-riscv64 >/dev/null; then
	log="$tmp/qemu-1.log"
	start=$(now)
	timeout -k 5 "$limit" qemu-system-riscv64 -machine virt -bios default -nographic \
		-smp 1 -m 512M -kernel "$image" -append "console=ttyS0" </dev/null >"$log" 2>&1
	q=$(echo "$(now) - $start" | bc)
	if grep -q "axvm-init: harts=1" "$log"; then
		printf 'timing: defconfig -c 1: axvm %.2f s, qemu %.2f s, ratio axvm/qemu %.2f\n' \
			"$secs1" "$q" "$(echo "$secs1 / $q" | bc -l)"
		# What each boot log says that the other's does not (order-free; lines that
		# differ only in addresses, sizes or times are dropped). Informational: the
		# expected ones are QEMU's PCI host, SBI PMU, H extension, UXL=32 and ASIDs.
		kmsg() {
			sed -n '/Linux version/,$p' "$1" | sed -E 's/^\[ *[0-9.]+\] //' |
				grep -avE 'Memory:|audit:|system clock|hrtimer: interrupt took|^ +(fixmap|pci io|vmemmap|vmalloc|lowmem|modules|kernel) +:|Linux version|reboot:|Run /init|^axvm-init|^\s*$' |
				sort -u
		}
		kmsg "$log" >"$tmp/kq"
		kmsg "$log1" >"$tmp/ka"
		comm -23 "$tmp/kq" "$tmp/ka" | sed 's/^/qemu-only: /'
		comm -13 "$tmp/kq" "$tmp/ka" | sed 's/^/axvm-only: /'
	else
		echo "note: QEMU -smp 1 did not reach init; no ratio"
	fi
fi

finish
