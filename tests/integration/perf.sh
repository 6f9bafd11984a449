#!/usr/bin/env bash
# The PMU through Linux's perf (issue 15): one boot of the Debian guest
# (axvm.test=perf: guests/debian/rootfs/etc/axvm/test-perf.sh) running
# Debian's perf (linux-perf, same version as the kernel) on axvm-perfloop
# (guests/debian/tools/perf-loop.S, cross-compiled here and written into
# the disk copy), whose user-mode instruction count is known exactly:
# 2 * N in its loop and 4 around it (its exit ecall does not retire).
#  - the guest sees sscofpmf in /proc/cpuinfo and the SBI PMU driver;
#  - `perf stat -e cycles,instructions` counts at least the program's
#    instructions and at most 2% more (its exec and exit in the kernel),
#    and cycles equal instructions within 1% (this hart's cycle is its
#    instret: one instruction per cycle);
#  - `instructions:u` and `cycles:u` are within 1% of 2 * N + 4 (the mode
#    filter: SBI's SET_SINH), `instructions:k` is the kernel's share only;
#  - `perf record -c 1000000` takes a sample at each counter overflow (the
#    LCOFI interrupt): about 2 * N / 1000000 samples.
# Ends with "N passed, N failed, N skipped".
set -u
source "$(dirname "$0")/lib/common.sh"
n=5000000
expect=$((2 * n + 4))
need_axvm perf

if ! command -v riscv64-linux-gnu-gcc >/dev/null; then
	skip "perf in the Debian guest" "no riscv64-linux-gnu-gcc (scripts/deps.sh installs it)"
	summary
fi
if ! "$root/scripts/debian-guest.sh" --check >/dev/null 2>&1; then
	skip "perf in the Debian guest" "$("$root/scripts/debian-guest.sh" --check)"
	summary
fi
if ! "$root/scripts/debian-guest.sh" --cached >/dev/null 2>&1; then
	echo "perf: building the Debian guest (scripts/debian-guest.sh, once)"
	if ! "$root/scripts/debian-guest.sh" >"$tmp/debian-build.log" 2>&1; then
		check "the Debian guest builds (scripts/debian-guest.sh)" 1 \
			"$(tail -5 "$tmp/debian-build.log")"
		summary
	fi
fi
pristine=$("$root/scripts/debian-guest.sh" --cached 2>/dev/null | tail -1)
cp --sparse=always "$pristine" "$tmp/root.img"
if ! riscv64-linux-gnu-gcc -nostdlib -static -DPERF_LOOP_N=$n -o "$tmp/axvm-perfloop" \
	"$root/guests/debian/tools/perf-loop.S" >"$tmp/cc.log" 2>&1; then
	check "axvm-perfloop builds" 1 "$(tail -3 "$tmp/cc.log")"
	summary
fi
if ! debugfs -w -f - "$tmp/root.img" >"$tmp/debugfs.log" 2>&1 <<EOF2; then
cd /usr/bin
write $tmp/axvm-perfloop axvm-perfloop
sif axvm-perfloop mode 0100755
sif axvm-perfloop uid 0
sif axvm-perfloop gid 0
EOF2
	check "axvm-perfloop goes onto the disk copy" 1 "$(tail -3 "$tmp/debugfs.log")"
	summary
fi

start=$(date +%s.%N)
AXVM_DEBIAN_SCRIPT=0 AXVM_DEBIAN_DISK="$tmp/root.img" AXVM_DEBIAN_PARAMS="axvm.test=perf" \
	timeout 300 "$root/scripts/run-debian.sh" "$axvm" --stats </dev/null >"$tmp/guest.log" 2>&1
rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
tr -d '\r' <"$tmp/guest.log" >"$tmp/g.log"
grep -E '^axvm-perf:' "$tmp/g.log"
echo "perf: guest run ${secs}s; hart: $(grep -o 'instret [0-9]*' "$tmp/g.log" | head -1)"
check "the guest's perf test ran to its end" \
	$(grep -q '^axvm-perf: done' "$tmp/g.log"; echo $?) \
	"status $rc; $(grep -E 'axvm-perf: FAILED|Kernel panic' "$tmp/g.log" || tail -5 "$tmp/g.log")"
check "the guest sees sscofpmf (/proc/cpuinfo)" \
	$(grep -q '^axvm-perf: isa .*_sscofpmf' "$tmp/g.log"; echo $?) \
	"$(grep '^axvm-perf: isa' "$tmp/g.log")"
check "Linux's SBI PMU driver finds hardware counters" \
	$(grep -qE '^axvm-perf: dmesg .*riscv-pmu-sbi: [0-9]+ firmware and [0-9]+ hardware counters' \
		"$tmp/g.log"; echo $?) "$(grep '^axvm-perf: dmesg' "$tmp/g.log")"

# perf stat -x, lines: VALUE,UNIT,EVENT,RUN-TIME,PERCENT-RUNNING,...
val() { awk -F, -v set="$1" -v ev="$2" '$0 ~ "^axvm-perf: " set " " { sub("^axvm-perf: " set " ", ""); if ($3 == ev) { print $1; exit } }' "$tmp/g.log"; }
running() { awk -F, -v set="$1" -v ev="$2" '$0 ~ "^axvm-perf: " set " " { sub("^axvm-perf: " set " ", ""); if ($3 == ev) { print $5; exit } }' "$tmp/g.log"; }
# 0 if A is within PCT percent of B (both integers).
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b > 0 && d * 100 <= b * p) }'; }
cyc=$(val all cycles)
ins=$(val all instructions)
uins=$(val mode instructions:u)
kins=$(val mode instructions:k)
ucyc=$(val mode cycles:u)
echo "perf: expected user instructions $expect; cycles $cyc instructions $ins; instructions:u $uins instructions:k $kins cycles:u $ucyc"
check "perf stat counted without multiplexing (100% running)" \
	$([ "$(running all instructions)" = 100.00 ] && [ "$(running mode instructions:u)" = 100.00 ]
	echo $?) "$(grep -E '^axvm-perf: (all|mode)' "$tmp/g.log")"
check "instructions (u+k) cover the program: >= $expect and within 2% of it" \
	$([ -n "$ins" ] && [ "$ins" -ge "$expect" ] && within "$ins" "$expect" 2; echo $?) "got '$ins'"
check "cycles equal instructions within 1% (cycle is instret on this hart)" \
	$(within "$cyc" "$ins" 1; echo $?) "cycles '$cyc', instructions '$ins'"
check "instructions:u within 1% of the $expect the program retires in U-mode" \
	$(within "$uins" "$expect" 1; echo $?) "got '$uins'"
check "cycles:u within 1% of $expect" $(within "$ucyc" "$expect" 1; echo $?) "got '$ucyc'"
check "instructions:k counts the kernel only (0 < k < 2% of the program)" \
	$([ -n "$kins" ] && [ "$kins" -gt 0 ] && [ $((kins * 50)) -lt "$expect" ]; echo $?) "got '$kins'"
samples=$(sed -n 's/^axvm-perf: record .*(\([0-9]*\) samples).*/\1/p' "$tmp/g.log")
check "perf record -c 1000000 samples on overflow interrupts ($((expect / 1000000)) expected, +-1)" \
	$([ -n "$samples" ] && [ "$samples" -ge $((expect / 1000000 - 1)) ] &&
		[ "$samples" -le $((expect / 1000000 + 1)) ]; echo $?) \
	"$(grep -E '^axvm-perf: (record|irq)' "$tmp/g.log" || echo 'no record line')"
summary
