#!/usr/bin/env bash
# Boot a stock riscv `defconfig` Linux (scripts/linux-defconfig.sh: what
# external users run, not our trimmed fixture) with `axvm run`: 1, 2, 4 and 8
# vCPUs, 128 MiB to 1 GiB, console on ttyS0 (ns16550a) with both 8250
# earlycon forms, console=hvc0, an initrd given with -i (gzip cpio), and the
# ELF vmlinux instead of the Image. Checks init's banner, the hart count it
# finds, the poweroff exit status (0), the RTC-set clock, and that the kernel
# log has no oops, WARNING or stall. Then times -c 1 against the same kernel
# under QEMU. Ends with "N passed, N failed".
#
# The kernel takes 30-40 minutes to build on 2 cores, so this test never
# builds it unless AXVM_BUILD_DEFCONFIG=1: without a cached Image it prints a
# SKIP line and "0 passed, 0 failed". A cached Image built from an older
# init source is used too (the test needs only the banner, the hart count and
# the poweroff, which every version prints).
#
# Environment: AXVM (the axvm binary; default build/axvm),
# AXVM_LINUX_TIMEOUT (seconds per boot; default 300), AXVM_BUILD_DEFCONFIG=1
# (build the kernel if it is not cached), AXVM_DEFCONFIG_QEMU=0 (skip the
# QEMU timing).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
axvm=${AXVM:-$root/build/axvm}
limit=${AXVM_LINUX_TIMEOUT:-300}
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
script=$root/scripts/linux-defconfig.sh
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {
	echo "ok   $1"
	pass=$((pass + 1))
}
not_ok() {
	echo "FAIL $1: $2"
	fail=$((fail + 1))
}
skip() {
	echo "SKIP linux-defconfig: $1"
	echo "0 passed, 0 failed"
	exit 0
}

if ! why=$(bash "$script" --check); then
	skip "$why"
fi
if [ ! -x "$axvm" ]; then
	not_ok "linux-defconfig" "no axvm binary at $axvm (run make)"
	echo "$pass passed, $fail failed"
	exit 1
fi

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
		skip "no cached defconfig kernel (build it with scripts/linux-defconfig.sh, 30-40 min, or set AXVM_BUILD_DEFCONFIG=1)"
	fi
	if ! image=$(nice -n 10 bash "$script" 2>"$tmp/fixture.log" | tail -n 1) ||
		[ ! -s "$image" ]; then
		not_ok "linux defconfig fixture" "scripts/linux-defconfig.sh failed:"
		tail -n 20 "$tmp/fixture.log"
		echo "$pass passed, $fail failed"
		exit 1
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
[ "$fail" -eq 0 ] && secs1=$last_secs
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
	echo "note: no vmlinux beside $image; ELF case not run"
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
	echo "note: no initramfs.cpio beside $image; -i case not run"
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
	else
		echo "note: QEMU -smp 1 did not reach init; no ratio"
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
