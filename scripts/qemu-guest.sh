#!/usr/bin/env bash
# Run one guest image under QEMU (the reference for correct behaviour):
#   scripts/qemu-guest.sh GUEST.elf [SMP] [TIMEOUT_SECONDS]
# OpenSBI (-bios default) starts the image in S-mode at 0x80200000 with
# a0 = hart id, a1 = device tree. Prints the guest's console output, then
# "qemu-guest: NAME: PASS" or "... FAIL (reason)". Exit status 0 on pass,
# else the finisher's code (or 124 on timeout).
set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 GUEST.elf [SMP] [TIMEOUT_SECONDS]" >&2
	exit 2
fi
elf=$1
smp=${2:-1}
secs=${3:-20}
name=$(basename "$elf" .elf)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout "$secs" qemu-system-riscv64 -M virt -m 256M -smp "$smp" -bios default -nographic \
	-monitor none -serial stdio -kernel "$elf" </dev/null >"$out" 2>&1
rc=$?
sed -i "s/\r$//" "$out"
# OpenSBI's banner is noise here: print from the guest's first line on.
sed -n '/^Boot HART MEDELEG/,$p' "$out" | sed 1d
if [ $rc -eq 124 ]; then
	echo "qemu-guest: $name: FAIL (timeout after ${secs}s)"
	exit 124
fi
if grep -q "^PASS $name\$" "$out" && [ $rc -eq 0 ]; then
	echo "qemu-guest: $name: PASS"
	exit 0
fi
if [ $rc -eq 0 ] && [ "$name" = hello ] && grep -q "powering off" "$out"; then
	echo "qemu-guest: $name: PASS (clean poweroff)"
	exit 0
fi
echo "qemu-guest: $name: FAIL (qemu exit status $rc)"
[ $rc -eq 0 ] && rc=1
exit $rc
