#!/bin/sh
# The PMU test of tests/integration/perf.sh (axvm.test=perf on the kernel
# command line; rcS runs it and powers off): Debian's perf counts a
# workload whose user-mode instruction count is known exactly
# (/usr/bin/axvm-perfloop, guests/debian/tools/perf-loop.S, written into the
# disk copy by the host). Lines for the host:
#   axvm-perf: isa LINE                 /proc/cpuinfo's isa line
#   axvm-perf: dmesg LINE               the kernel's PMU driver lines
#   axvm-perf: all VALUE,UNIT,EVENT,... perf stat -x, -e cycles,instructions
#   axvm-perf: mode VALUE,UNIT,EVENT,...  perf stat -x, of :u and :k events
#   axvm-perf: record LINE              perf record's summary (samples taken
#                                       on counter overflow: Sscofpmf's LCOFI)
#   axvm-perf: irq LINE                 /proc/interrupts' PMU line afterwards
#   axvm-perf: done
# or `axvm-perf: FAILED at: STEP`.
failed() {
	echo "axvm-perf: FAILED at: $*"
	exit 1
}

echo "axvm-perf: isa $(grep -m1 '^isa' /proc/cpuinfo)"
dmesg | grep -iE 'pmu|sscofpmf' | sed 's/^/axvm-perf: dmesg /'
[ -x /usr/bin/axvm-perfloop ] || failed "no /usr/bin/axvm-perfloop"
perf stat -x, -e cycles,instructions /usr/bin/axvm-perfloop 2>/tmp/perf-all ||
	failed "perf stat -e cycles,instructions ($(tail -n 3 /tmp/perf-all))"
sed 's/^/axvm-perf: all /' /tmp/perf-all
perf stat -x, -e instructions:u,instructions:k,cycles:u /usr/bin/axvm-perfloop 2>/tmp/perf-mode ||
	failed "perf stat -e instructions:u,instructions:k,cycles:u ($(tail -n 3 /tmp/perf-mode))"
sed 's/^/axvm-perf: mode /' /tmp/perf-mode
# A sample every 1000000 user instructions: overflow interrupts at work.
perf record -e instructions:u -c 1000000 -o /tmp/perf.data /usr/bin/axvm-perfloop \
	>/tmp/perf-record 2>&1 || failed "perf record ($(tail -n 3 /tmp/perf-record))"
grep 'perf record:' /tmp/perf-record | sed 's/^/axvm-perf: record /'
grep -i 'pmu' /proc/interrupts | sed 's/^/axvm-perf: irq /'
echo "axvm-perf: done"
