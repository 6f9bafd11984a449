#!/bin/sh
# The shell-loop benchmark of `make bench` (group "shell"): bench/run.sh
# writes this file into its copy of the Debian guest's root image as
# /etc/axvm/bench-shell.sh and boots with axvm.bench=shell, so rcS runs it
# instead of the session and powers off. A busybox sh loop that forks and
# execs on every round (a command substitution piping into wc): the kind of
# work where new code keeps arriving, so translation and decoded-code
# invalidation show, not just steady-state speed. Timed with the guest's
# clock (/proc/uptime, 10 ms). Prints for bench/run.sh:
#   axvm-bench: start uptime=S
#   axvm-bench: shell_secs=S iters=N sum=N
#   axvm-bench: done
# Kernel parameter: axvm.bench.iters=N (rounds, default 300).
echo "axvm-bench: start uptime=$(cut -d' ' -f1 /proc/uptime)"
n=300
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	axvm.bench.iters=*) n=${arg#axvm.bench.iters=} ;;
	esac
done
t0=$(cut -d' ' -f1 /proc/uptime)
i=0
sum=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	# shellcheck disable=SC2000 # the fork and exec are the point
	sum=$((sum + $(echo "$i" | wc -c)))
done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "axvm-bench: shell_secs=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }') iters=$n sum=$sum"
echo "axvm-bench: done"
