#!/usr/bin/env bash
# axvm run --trace against the gdb guest on two vCPUs, whose exits are known:
# one CpuUp (vCPU 0 starts hart 1), one CpuDown (hart 1 stops), one MmioWrite
# (the test finisher). "exits" traces them all, "mmio" only the MMIO one, a
# bad kind is refused. Ends with "N passed, N failed, N skipped".
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
count() { grep -cE "$2" "$1"; }

elf=$guests/gdb.elf
if [ ! -x "$axvm" ] || [ ! -f "$elf" ]; then
	check trace 1 "no $axvm or $elf (run make and make guests)"
	echo "$pass passed, $fail failed, 0 skipped"
	exit 1
fi
"$axvm" run -k "$elf" -c 2 --trace "exits,file=$tmp/all" --timeout 30 >"$tmp/out" 2>&1
status=$?
check trace_run $([ "$status" -eq 0 ]; echo $?) "status $status: $(cat "$tmp/out")"
check trace_line_shape $(! grep -qvE '^[0-9]+\.[0-9]{9} vcpu [01] [A-Za-z]+' "$tmp/all"; echo $?) "$(head -5 "$tmp/all")"
check trace_cpu_up $([ "$(count "$tmp/all" '^[0-9.]+ vcpu 0 CpuUp target=1 ')" = 1 ]; echo $?) "$(cat "$tmp/all")"
check trace_cpu_down $([ "$(count "$tmp/all" '^[0-9.]+ vcpu 1 CpuDown')" = 1 ]; echo $?) "$(cat "$tmp/all")"
check trace_finisher $([ "$(count "$tmp/all" '^[0-9.]+ vcpu 0 MmioWrite addr=0x100000 width=4 data=0x5555$')" = 1 ]; echo $?) "$(cat "$tmp/all")"
"$axvm" run -k "$elf" -c 2 --trace "mmio,file=$tmp/mmio" --timeout 30 >"$tmp/out" 2>&1
check trace_mmio_only $([ "$(wc -l <"$tmp/mmio")" = 1 ] && grep -q MmioWrite "$tmp/mmio"; echo $?) "$(cat "$tmp/mmio")"
"$axvm" run -k "$elf" --trace "exits,bogus" --timeout 30 >"$tmp/out" 2>&1
status=$?
check trace_bad_kind_refused $([ "$status" -eq 1 ] && grep -q "'bogus' is not" "$tmp/out"; echo $?) "status $status: $(cat "$tmp/out")"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
