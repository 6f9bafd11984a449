#!/usr/bin/env bash
# The GDB stub (axvm run --gdb) driven by gdb-multiarch in batch mode against
# the bare-metal guest guests/gdb/gdb.c:
#  - one vCPU, --gdb-wait: the guest waits at _start for the debugger;
#    registers (x, pc, f, S-mode CSRs through the target description, the
#    virtual priv), a breakpoint on bump(), backtrace, stepi, a register and
#    a memory write (the guest's own sum shows the latter), a hardware
#    watchpoint on `watched` (old and new values), the guest's own ebreak
#    still handled by the guest, gdb's `monitor` commands (qRcmd), detach
#    (the guest runs to its end); a continue to the poweroff (W packet);
#  - the raw protocol (gdb_raw.py): attach stops the guest, bad packets and
#    bad addresses are answered, guest time (the time CSR) stands still while
#    stopped and runs while running, Ctrl-C (0x03) stops a spinning guest;
#  - the Linux fixture (scripts/linux-guest.sh, built here when not cached,
#    as linux-boot.sh does): stopped with Ctrl-C once its MMU is on, its code
#    read and stepped by kernel virtual address, a hardware breakpoint there;
#    it then runs to its poweroff; with its vmlinux's symbols on two vCPUs:
#    break at start_kernel by name, backtrace, both threads, stepi, and a
#    watchpoint on jiffies_64 that the timer tick hits;
#  - two vCPUs: both are threads (the second spinning in ap_spin), all-stop
#    (the second's counter stands still while stopped), kill ends the run.
# Ends with "N passed, N failed, N skipped".
set -u
source "$(dirname "$0")/lib/common.sh"
vmpid=
cleanup_hook() {
	[ -n "$vmpid" ] && kill "$vmpid" 2>/dev/null
}
has() { grep -qF -- "$2" "$1"; }

elf=$guests/gdb.elf
if ! command -v gdb-multiarch >/dev/null; then
	skip gdb "gdb-multiarch is not installed (scripts/deps.sh)"
	summary
fi
if [ ! -x "$axvm" ] || [ ! -f "$elf" ]; then
	check gdb 1 "no $axvm or $elf (run make and make guests)"
	summary
fi

# A port of our own: several test runs may share the machine.

# gdb-multiarch -batch with the given commands after connecting to $1.
gdb_batch() {
	local p=$1
	shift
	local args=(-batch -nx -ex "set confirm off" -ex "set pagination off"
		-ex "set tcp auto-retry on" -ex "set tcp connect-timeout 10"
		-ex "file $elf" -ex "target remote 127.0.0.1:$p")
	for c in "$@"; do args+=(-ex "$c"); done
	timeout 60 gdb-multiarch "${args[@]}" 2>&1
}

# --- one vCPU, waiting for the debugger ------------------------------------
p=$(free_port)
"$axvm" run -k "$elf" --gdb "tcp:127.0.0.1:$p" --gdb-wait --timeout 60 >"$tmp/vm1.out" 2>&1 &
vmpid=$!
gdb_batch "$p" \
	"p/x \$pc" "info registers sstatus priv" \
	"break bump" "continue" "bt" \
	"p \$pc == bump" "stepi" "p (\$pc - (long)bump) > 0 && (\$pc - (long)bump) <= 4" \
	"set \$t3 = 0x1234abcd" "p/x \$t3" "set \$ft1 = 2.5" "p \$ft1" \
	"set var counter = 1000" "p counter" \
	"delete" "watch watched" "continue" "p watched" \
	"delete" "break done" "continue" "p counter" \
	"monitor info vcpus" "monitor xp 0x80200000 8" "x/8xb 0x80200000" "monitor stop" \
	"delete" "detach" >"$tmp/gdb1.out"
wait "$vmpid"
status=$?
vmpid=
cat "$tmp/gdb1.out" >"$tmp/gdb1.log"
check gdb_waits_at_entry $(has "$tmp/gdb1.out" '$1 = 0x80200000'; echo $?) "$(head -20 "$tmp/gdb1.out")"
check gdb_csr_by_name $(grep -qE '^sstatus +0x' "$tmp/gdb1.out"; echo $?) "no sstatus in: $(grep -i sstatus "$tmp/gdb1.out")"
check gdb_priv_register $(grep -qE '^priv +0x1' "$tmp/gdb1.out"; echo $?) "$(grep -i priv "$tmp/gdb1.out")"
check gdb_breakpoint $(has "$tmp/gdb1.out" 'Breakpoint 1, bump (i=i@entry=1)'; echo $?) "$(cat "$tmp/gdb1.out")"
check gdb_backtrace $(grep -qE '^#1 .* in main ' "$tmp/gdb1.out"; echo $?) "$(grep '^#' "$tmp/gdb1.out")"
check gdb_stepi_one_instruction $(has "$tmp/gdb1.out" '$3 = 1'; echo $?) "$(grep '^\$' "$tmp/gdb1.out")"
check gdb_register_write $(has "$tmp/gdb1.out" '$4 = 0x1234abcd'; echo $?) "$(grep '^\$' "$tmp/gdb1.out")"
check gdb_fp_register_write $(has "$tmp/gdb1.out" 'double = 2.5'; echo $?) "$(grep '^\$' "$tmp/gdb1.out")"
check gdb_memory_write_read $(has "$tmp/gdb1.out" '$6 = 1000'; echo $?) "$(grep '^\$' "$tmp/gdb1.out")"
check gdb_watchpoint $(grep -qzE 'Hardware watchpoint 2: watched.*Old value = 0.*New value = 3' "$tmp/gdb1.out"; echo $?) "$(cat "$tmp/gdb1.out")"
# bump(1) ran after counter = 1000 was written: 1000 + 1 + ... + 5.
check gdb_guest_ebreak_left_to_guest $(has "$tmp/gdb1.out" '$8 = 1015'; echo $?) "$(grep -A3 'break done' "$tmp/gdb1.out"; grep '^\$' "$tmp/gdb1.out")"
# gdb's "monitor CMD" (qRcmd) reaches the monitor; the run state stays gdb's.
check gdb_monitor_info_vcpus $(grep -qE '^vcpu 0: .*pc 0x' "$tmp/gdb1.out"; echo $?) "$(grep -A3 'vcpu' "$tmp/gdb1.out")"
xp_mon=$(grep -E '^([0-9a-f]{2} ){7}[0-9a-f]{2}$' "$tmp/gdb1.out" | head -n 1)
xp_gdb=$(grep -E '^0x80200000' "$tmp/gdb1.out" | head -n 1 | sed -E 's/^[^:]*:\s*//; s/0x//g; s/\s+/ /g; s/ $//')
check gdb_monitor_xp_matches_memory $([ -n "$xp_mon" ] && [ "$xp_mon" = "$xp_gdb" ]; echo $?) "monitor '$xp_mon', gdb '$xp_gdb'"
check gdb_monitor_stop_refused $(has "$tmp/gdb1.out" 'error: the debugger runs the guest here'; echo $?) "$(grep -i error "$tmp/gdb1.out")"
check gdb_detach_runs_guest_to_end $([ "$status" -eq 0 ] && has "$tmp/vm1.out" 'counter=1015 ebreak=guest'; echo $?) "status $status: $(cat "$tmp/vm1.out")"

# --- a continue to the guest's poweroff: gdb is told it exited (W) ----------
p=$(free_port)
"$axvm" run -k "$elf" --gdb "tcp:127.0.0.1:$p" --gdb-wait --timeout 60 >"$tmp/vm4.out" 2>&1 &
vmpid=$!
gdb_batch "$p" "continue" >"$tmp/gdb4.out"
wait "$vmpid"
status=$?
vmpid=
check gdb_exit_reported $([ "$status" -eq 0 ] && has "$tmp/gdb4.out" 'exited normally'; echo $?) "status $status: $(tail -5 "$tmp/gdb4.out")"

# --- the raw protocol: Ctrl-C while running, guest time across a stop -------
nm=${GUEST_CROSS:-riscv64-unknown-elf-}nm
hold=$("$nm" "$elf" | awk '$3 == "hold" { print $1 }')
p=$(free_port)
"$axvm" run -k "$elf" --gdb "tcp:127.0.0.1:$p" --gdb-wait --timeout 60 >"$tmp/vm3.out" 2>&1 &
vmpid=$!
python3 "$here/gdb_raw.py" "$p" "${hold:-0}" >"$tmp/raw.out" 2>&1
wait "$vmpid"
status=$?
vmpid=
while read -r line; do
	case "$line" in
	"ok   "*) check "${line#ok   }" 0 "" ;;
	"FAIL "*) name=${line#FAIL }; check "${name%%:*}" 1 "${name#*: }" ;;
	*) check gdb_raw_output 1 "$line" ;;
	esac
done <"$tmp/raw.out"
check gdb_raw_guest_finishes $([ "$status" -eq 0 ] && has "$tmp/vm3.out" 'counter=15 ebreak=guest'; echo $?) "status $status: $(cat "$tmp/vm3.out")"

# --- the Linux fixture -----------------------------------------------------------
if ! why=$(bash "$root/scripts/linux-guest.sh" --check); then
	skip gdb_linux "$why"
elif ! image=$(bash "$root/scripts/linux-guest.sh" 2>"$tmp/fixture.log" | tail -n 1) ||
	[ ! -s "$image" ]; then
	check gdb_linux_fixture 1 "scripts/linux-guest.sh failed: $(tail -n 20 "$tmp/fixture.log")"
else
	p=$(free_port)
	"$axvm" run -k "$image" -p console=hvc0 --gdb "tcp:127.0.0.1:$p" --gdb-wait --timeout 120 \
		>"$tmp/vm4.out" 2>&1 &
	vmpid=$!
	python3 "$here/gdb_raw.py" "$p" linux >"$tmp/raw4.out" 2>&1
	wait "$vmpid"
	status=$?
	vmpid=
	while read -r line; do
		case "$line" in
		"ok   "*) check "${line#ok   }" 0 "" ;;
		"FAIL "*) name=${line#FAIL }; check "${name%%:*}" 1 "${name#*: }" ;;
		*) check gdb_linux_output 1 "$line" ;;
		esac
	done <"$tmp/raw4.out"
	check gdb_linux_runs_on_to_poweroff $([ "$status" -eq 0 ] && has "$tmp/vm4.out" 'powering off'; echo $?) "status $status: $(tail -5 "$tmp/vm4.out")"

	# With the kernel's symbols, on two vCPUs: break at start_kernel by
	# name, backtrace, step, the threads, and a watchpoint on jiffies_64
	# that the timer tick hits in do_timer.
	if ! vmlinux=$(bash "$root/scripts/linux-guest.sh" --vmlinux); then
		skip gdb_linux_symbols "no vmlinux for the cached fixture (cached before the script kept it; remove ~/.cache/axvm/linux-* to rebuild)"
	else
		p=$(free_port)
		"$axvm" run -k "$image" -c 2 -p console=hvc0 --gdb "tcp:127.0.0.1:$p" --gdb-wait \
			--timeout 120 >"$tmp/vm5.out" 2>&1 &
		vmpid=$!
		elf=$vmlinux gdb_batch "$p" "break start_kernel" "continue" "bt 2" "info threads" \
			"stepi" "x/i \$pc" "delete" "watch *(unsigned long *)&jiffies_64" "continue" \
			"bt 1" "delete" "kill" >"$tmp/gdb5.out"
		wait "$vmpid"
		vmpid=
		check gdb_linux_break_start_kernel_by_name \
			$(grep -qE 'hit Breakpoint 1, 0x[0-9a-f]+ in start_kernel \(\)' "$tmp/gdb5.out"; echo $?) "$(head -20 "$tmp/gdb5.out")"
		check gdb_linux_backtrace_names_the_caller \
			$(grep -qE '^#1 +0x[0-9a-f]+ in _start_kernel \(\)' "$tmp/gdb5.out"; echo $?) "$(cat "$tmp/gdb5.out")"
		check gdb_linux_two_threads \
			$(grep -qE '^\* 1 +Thread 1 .*start_kernel' "$tmp/gdb5.out" && grep -qE '^  2 +Thread 2 ' "$tmp/gdb5.out"; echo $?) "$(cat "$tmp/gdb5.out")"
		check gdb_linux_stepi_moves_one_instruction \
			$(grep -qE '=> 0x[0-9a-f]+ <start_kernel\+[24]>:' "$tmp/gdb5.out"; echo $?) "$(cat "$tmp/gdb5.out")"
		check gdb_linux_watchpoint_on_jiffies_hit_by_the_tick \
			$(grep -q 'Hardware watchpoint 2: \*(unsigned long \*)&jiffies_64' "$tmp/gdb5.out" &&
				grep -qE '^New value = [0-9]+' "$tmp/gdb5.out" &&
				grep -qE '^#0 +0x[0-9a-f]+ in (do_timer|tick_do_update_jiffies64)' "$tmp/gdb5.out"
			echo $?) "$(cat "$tmp/gdb5.out")"
	fi
fi

# --- two vCPUs: threads --------------------------------------------------------
p=$(free_port)
"$axvm" run -k "$elf" -c 2 --gdb "tcp:127.0.0.1:$p" --gdb-wait --timeout 60 >"$tmp/vm2.out" 2>&1 &
vmpid=$!
gdb_batch "$p" "break done" "continue" "info threads" "p ap_ticks > 0" "p/x ap_ticks" \
	"shell sleep 0.3" "p/x ap_ticks" "thread 2" "p \$pc >= (long)ap_spin && \$pc < (long)ap_spin + 64" \
	"kill" >"$tmp/gdb2.out"
wait "$vmpid"
status=$?
vmpid=
check gdb_two_threads $(grep -qE '^\* 1 +Thread 1 .* done ' "$tmp/gdb2.out" && grep -qE '^ +2 +Thread 2 .*ap_spin' "$tmp/gdb2.out"; echo $?) "$(cat "$tmp/gdb2.out")"
t1=$(sed -n 's/^\$2 = //p' "$tmp/gdb2.out")
t2=$(sed -n 's/^\$3 = //p' "$tmp/gdb2.out")
check gdb_all_stop $([ -n "$t1" ] && [ "$t1" = "$t2" ] && has "$tmp/gdb2.out" '$1 = 1'; echo $?) "ap_ticks $t1 then $t2: $(grep '^\$' "$tmp/gdb2.out")"
check gdb_per_thread_registers $(has "$tmp/gdb2.out" '$4 = 1'; echo $?) "$(grep '^\$' "$tmp/gdb2.out")"
check gdb_kill_ends_run $([ "$status" -eq 0 ]; echo $?) "axvm exit status $status: $(cat "$tmp/vm2.out")"
summary
