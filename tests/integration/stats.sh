#!/usr/bin/env bash
# axvm run --stats against a guest with known exits: the gdb guest on two
# vCPUs starts hart 1 once (CpuUp 1 on vCPU 0), hart 1 stops once (CpuDown 1
# on vCPU 1) and the guest ends through the test finisher (one MmioWrite on
# vCPU 0); both count instructions. Without --stats nothing is printed.
# Ends with "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
axvm=${AXVM:-$root/build/axvm}
guests=${GUEST_OUT:-$root/build/guests}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name, condition result (0 = ok), detail
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: $3"
		fail=$((fail + 1))
	fi
}

elf=$guests/gdb.elf
if [ ! -x "$axvm" ] || [ ! -f "$elf" ]; then
	check stats 1 "no $axvm or $elf (run make and make guests)"
	echo "$pass passed, $fail failed, 0 skipped"
	exit 1
fi
"$axvm" run -k "$elf" -c 2 --stats --timeout 30 >"$tmp/out" 2>"$tmp/err"
status=$?
check stats_run $([ "$status" -eq 0 ] && grep -q 'PASS gdb' "$tmp/out"; echo $?) "status $status: $(cat "$tmp/out" "$tmp/err")"
# A spent run budget (Nothing) may come on a busy host: only the known exits are exact.
v0=$(grep '^stats: vcpu 0: instructions [0-9]*; exits: ' "$tmp/err")
v1=$(grep '^stats: vcpu 1: instructions [0-9]*; exits: ' "$tmp/err")
check stats_vcpu0_exits $(echo "$v0" | grep -qE '[ ,]MmioWrite 1(,|$)' && echo "$v0" | grep -qE '[ ,]CpuUp 1(,|$)' &&
	! echo "$v0" | grep -qE 'CpuDown|Halt'; echo $?) "$(cat "$tmp/err")"
check stats_vcpu1_exits $(echo "$v1" | grep -qE '[ ,]CpuDown 1(,|$)' && ! echo "$v1" | grep -qE 'CpuUp|MmioWrite'; echo $?) "$(cat "$tmp/err")"
n=$(sed -n 's/^stats: vcpu 0: instructions \([0-9]*\);.*/\1/p' "$tmp/err")
check stats_instructions $([ "${n:-0}" -gt 1000 ]; echo $?) "vcpu 0 retired ${n:-nothing}"
check stats_after_guest_output $(! grep -q stats "$tmp/out"; echo $?) "stats on stdout"
"$axvm" run -k "$elf" --timeout 30 >"$tmp/out" 2>"$tmp/err"
check stats_off_by_default $(! grep -q '^stats:' "$tmp/err"; echo $?) "$(cat "$tmp/err")"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
