#!/usr/bin/env bash
# Run guest images under QEMU (the reference for correct behaviour).
#   scripts/qemu-guest.sh GUEST.elf [SMP] [TIMEOUT_SECONDS]
#   scripts/qemu-guest.sh --all GUEST_DIR
# OpenSBI (-bios default) starts the image in S-mode at 0x80200000 with
# a0 = hart id, a1 = device tree. One image: prints the guest's console
# output, then "qemu-guest: NAME: PASS" or "... FAIL (reason)"; exit status 0
# on pass, else the finisher's code (124 on timeout). --all runs every guest
# in GUEST_DIR the way the host tests do (smp on 1, 2 and 4 harts; the
# `fail` guest must fail with code 7) and ends with "N passed, N failed".
set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 GUEST.elf [SMP] [TIMEOUT_SECONDS] | --all GUEST_DIR" >&2
	exit 2
fi

if [ "$1" = "--all" ]; then
	dir=${2:?usage: $0 --all GUEST_DIR}
	pass=0
	fail=0
	# only the programs of guests/ (other build products may share the directory)
	for elf in "$dir"/hello.elf "$dir"/fail.elf "$dir"/smp.elf "$dir"/sbi.elf "$dir"/isa_*.elf; do
		[ -f "$elf" ] || continue
		name=$(basename "$elf" .elf)
		case $name in
		smp) runs="1 2 4" ;;
		*) runs=1 ;;
		esac
		for smp in $runs; do
			"$0" "$elf" "$smp" >/dev/null 2>&1
			rc=$?
			want=0
			[ "$name" = fail ] && want=7
			if [ $rc -eq $want ]; then
				pass=$((pass + 1))
				echo "ok   $name (smp $smp)"
			else
				fail=$((fail + 1))
				echo "FAIL $name (smp $smp): exit status $rc, expected $want"
			fi
		done
	done
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit
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
