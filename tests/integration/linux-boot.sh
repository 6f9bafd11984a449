#!/usr/bin/env bash
# Boot the Linux test guest (scripts/linux-guest.sh) with `axvm run` on 1, 2
# and 4 vCPUs, with the console on hvc0 (SBI) and on ttyS0 (ns16550a), and
# check what its init prints (banner, the hart count it finds in
# /proc/cpuinfo) and the exit status of the poweroff (0); that a guest reboot
# re-creates the VM; that an idle Linux leaves the host CPU alone. Then time
# -c 1 and -c 2 against the same kernel under QEMU (virt + OpenSBI) and print
# the ratios. Ends with "N passed, N failed, N skipped".
#
# Environment: AXVM (the axvm binary; default build/axvm), AXVM_LINUX_TIMEOUT
# (seconds per boot; default 300), AXVM_LINUX_CASES (e.g. "1:hvc0 2:ttyS0" to
# run a subset), AXVM_LINUX_REBOOT=0 / AXVM_LINUX_IDLE=0 (skip those checks),
# AXVM_LINUX_REPS (timing runs per VMM, default 3; 0 = no timing).
set -u
source "$(dirname "$0")/lib/common.sh"
limit=${AXVM_LINUX_TIMEOUT:-300}
cases=${AXVM_LINUX_CASES:-"1:hvc0 2:hvc0 4:hvc0 1:ttyS0 2:ttyS0 4:ttyS0"}

# Only a missing toolchain is a reason to skip; everything else must pass.
if ! why=$(bash "$root/scripts/linux-guest.sh" --check); then
	skip linux-boot "$why"
	summary
fi
need_axvm linux-boot
if ! image=$(bash "$root/scripts/linux-guest.sh" 2>"$tmp/fixture.log" | tail -n 1) ||
	[ ! -s "$image" ]; then
	not_ok "linux fixture" "scripts/linux-guest.sh failed:"
	tail -n 20 "$tmp/fixture.log"
	summary
fi
echo "kernel: $image"

now() { date +%s.%N; }

declare -A secs
for c in $cases; do
	cpus=${c%%:*}
	con=${c#*:}
	name="linux -c $cpus console=$con"
	log="$tmp/axvm-$cpus-$con.log"
	start=$(now)
	timeout -k 5 "$limit" "$axvm" run -k "$image" -c "$cpus" -p "console=$con" \
		</dev/null >"$log" 2>&1
	rc=$?
	t=$(echo "$(now) - $start" | bc)
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		not_ok "$name" "no poweroff within ${limit}s; last output:"
		tail -n 15 "$log" | sed 's/^/    | /'
		continue
	fi
	if ! grep -q "axvm-init: hello from init" "$log"; then
		not_ok "$name" "init's banner never appeared (exit status $rc); last output:"
		tail -n 15 "$log" | sed 's/^/    | /'
		continue
	fi
	if ! grep -q "axvm-init: harts=$cpus\b" "$log"; then
		not_ok "$name" "expected 'axvm-init: harts=$cpus', got '$(grep -a 'axvm-init: harts' "$log")'"
		continue
	fi
	if [ $rc -ne 0 ]; then
		not_ok "$name" "exit status $rc after poweroff, expected 0; last output:"
		tail -n 5 "$log" | sed 's/^/    | /'
		continue
	fi
	secs[$cpus:$con]=$t
	ok "$name ($(printf '%.2f' "$t") s)"
done

# Sstc is on by default: Linux programs stimecmp itself (checked on one default
# boot); --no-sstc: it falls back to SBI set_timer and still boots.
name="linux -c 2 uses the Sstc timer by default"
log="$tmp/axvm-sstc.log"
timeout -k 5 "$limit" "$axvm" run -k "$image" -c 2 -p "console=ttyS0" </dev/null >"$log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "axvm-init: harts=2" "$log" &&
	grep -q "available via sstc extension" "$log"; then
	ok "$name"
else
	not_ok "$name" "exit status $rc; last output:"
	tail -n 10 "$log" | sed 's/^/    | /'
fi
name="linux -c 2 --no-sstc boots with the SBI timer"
log="$tmp/axvm-nosstc.log"
timeout -k 5 "$limit" "$axvm" run -k "$image" -c 2 -p "console=ttyS0" --no-sstc </dev/null >"$log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "axvm-init: harts=2" "$log" &&
	! grep -q "available via sstc extension" "$log"; then
	ok "$name"
else
	not_ok "$name" "exit status $rc (or the Sstc timer line appeared); last output:"
	tail -n 10 "$log" | sed 's/^/    | /'
fi

# A guest reboot (init calls reboot(RB_AUTOBOOT) -> SBI SRST cold reboot) re-creates
# the VM, which boots Linux again; init reboots every time, so --timeout ends it.
if [ "${AXVM_LINUX_REBOOT:-1}" = 1 ]; then
	name="linux reboot re-creates the VM and boots again"
	log="$tmp/axvm-reboot.log"
	timeout -k 5 "$limit" "$axvm" run -k "$image" -c 2 -p "console=hvc0 axvm.reboot=1" \
		--timeout 10 </dev/null >"$log" 2>&1
	n=$(grep -c "axvm-init: rebooting" "$log")
	if [ "$n" -ge 2 ]; then
		ok "$name ($n boots in 10 s)"
	else
		not_ok "$name" "$n reboot(s) seen, expected at least 2; last output:"
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
else
	skip "linux reboot" "AXVM_LINUX_REBOOT=0"
fi

# An idle Linux costs the host next to nothing: init sleeps 3 s with 2 vCPUs
# halted in wfi (timer ticks only). Busy waiting would cost 2 CPUs x 3 s.
if [ "${AXVM_LINUX_IDLE:-1}" = 1 ] && [ -x /usr/bin/time ]; then
	name="idle linux (2 vCPUs, 3 s) uses little host CPU"
	log="$tmp/axvm-idle.log"
	/usr/bin/time -f "cpu %U %S wall %e" -o "$tmp/idle.time" timeout -k 5 "$limit" \
		"$axvm" run -k "$image" -c 2 -p "console=hvc0 axvm.idle=3" </dev/null >"$log" 2>&1
	rc=$?
	read -r _ user sys _ wall <"$tmp/idle.time"
	cpu=$(echo "$user + $sys" | bc)
	if [ $rc -ne 0 ] || ! grep -q "axvm-init: idle for 3 s" "$log"; then
		not_ok "$name" "the idle run failed (status $rc); last output:"
		tail -n 10 "$log" | sed 's/^/    | /'
	elif [ "$(echo "$cpu < $wall - 2.5" | bc)" -eq 1 ]; then
		ok "$name (${cpu} s CPU in ${wall} s)"
	else
		not_ok "$name" "${cpu} s of CPU in ${wall} s: the idle harts are not sleeping"
	fi
elif [ "${AXVM_LINUX_IDLE:-1}" = 1 ]; then
	skip "idle linux" "/usr/bin/time not installed (scripts/deps.sh installs time)"
else
	skip "idle linux" "AXVM_LINUX_IDLE=0"
fi

# Timing: start to poweroff, axvm and the same kernel under QEMU, alternating
# in the same run; medians of AXVM_LINUX_REPS (default 3) runs each.
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
reps=${AXVM_LINUX_REPS:-3}
if command -v qemu-system-riscv64 >/dev/null && [ "$reps" -gt 0 ]; then
	for cpus in 1 2; do
		[ -n "${secs[$cpus:ttyS0]:-}" ] || continue
		: >"$tmp/a"
		: >"$tmp/q"
		for _ in $(seq "$reps"); do
			start=$(now)
			timeout -k 5 "$limit" "$axvm" run -k "$image" -c "$cpus" -p "console=ttyS0" \
				</dev/null >"$tmp/t.log" 2>&1 && grep -q "axvm-init: harts=$cpus" "$tmp/t.log" &&
				echo "$(now) - $start" | bc >>"$tmp/a"
			start=$(now)
			timeout -k 5 "$limit" qemu-system-riscv64 -machine virt -bios default \
				-nographic -smp "$cpus" -m 128M -kernel "$image" -append "console=ttyS0" \
				</dev/null >"$tmp/t.log" 2>&1 && grep -q "axvm-init: harts=$cpus" "$tmp/t.log" &&
				echo "$(now) - $start" | bc >>"$tmp/q"
		done
		a=$(median <"$tmp/a")
		q=$(median <"$tmp/q")
		if [ -z "$a" ] || [ -z "$q" ]; then
			echo "note: -c $cpus: no complete timing (axvm '$a', qemu '$q')"
			continue
		fi
		printf 'timing: -c %s console=ttyS0, median of %s: axvm %.2f s, qemu %.2f s, ratio axvm/qemu %.2f\n' \
			"$cpus" "$reps" "$a" "$q" "$(echo "$a / $q" | bc -l)"
	done
fi

finish
