#!/usr/bin/env bash
# An external guest we did not write: Debian's S-mode U-Boot for QEMU's virt
# machine (package u-boot-qemu). It probes the device tree, drives the UART
# (output and interrupt-free input), reads the timer, and resets/powers off
# through the test finisher's syscon nodes. Checks its banner, that it sees
# every vCPU, answers commands at its prompt, and exit statuses of `poweroff`
# (0) and `reset` (the VM is re-created: a second banner).
# Ends with "N passed, N failed, N skipped".
set -u
source "$(dirname "$0")/lib/common.sh"
uboot=${AXVM_UBOOT:-/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin}
if [ ! -s "$uboot" ]; then
	skip uboot "$uboot not found (scripts/deps.sh installs u-boot-qemu)"
	summary
fi
apid=
# A U-Boot still running when the script ends early (it would idle at its
# prompt until its 60 s timeout).
cleanup_hook() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null
	return 0
}

# not_ok_log NAME WHY: a failure, with the end of U-Boot's output.
not_ok_log() {
	not_ok "$1" "$2"
	tail -n 12 "$log" | sed 's/^/    | /'
}

# start CPUS: boot U-Boot with a FIFO as its stdin (fd 3 writes to it).
start() {
	log="$tmp/log-$1"
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	timeout -k 5 60 "$axvm" run -k "$uboot" -c "$1" <"$tmp/in" >"$log" 2>&1 &
	apid=$!
	exec 3>"$tmp/in"
}
# wait_for TEXT [COUNT]: until the log holds TEXT (COUNT times) or axvm is gone.
wait_for() {
	for _ in $(seq 1 400); do
		[ "$(grep -ac -- "$1" "$log")" -ge "${2:-1}" ] && return 0
		kill -0 "$apid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# Type a line slowly: U-Boot polls the UART without a FIFO interrupt.
type_line() {
	local s=$1
	for ((i = 0; i < ${#s}; i++)); do
		printf '%s' "${s:i:1}" >&3
		sleep 0.01
	done
	printf '\r' >&3
}
stop_uboot() { # close its stdin, wait for its exit status ($rc)
	exec 3>&-
	wait "$apid"
	rc=$?
	apid=
}

for cpus in 1 4; do
	start "$cpus"
	if wait_for "Hit any key" && printf '\r' >&3 && wait_for "=> "; then
		ok "u-boot -c $cpus reaches its prompt"
	else
		not_ok_log "u-boot -c $cpus reaches its prompt" "no prompt"
	fi
	type_line "cpu list"
	if wait_for "cpu@$((cpus - 1))" && [ "$(grep -ac '^ *[0-9]*: cpu@' "$log")" -eq "$cpus" ]; then
		ok "u-boot -c $cpus lists $cpus cpus"
	else
		not_ok_log "u-boot -c $cpus lists $cpus cpus" "cpu list shows $(grep -ac '^ *[0-9]*: cpu@' "$log")"
	fi
	type_line "echo axvm-\${board}-ok"
	if wait_for "axvm-qemu-riscv-ok"; then
		ok "u-boot -c $cpus runs commands (env, echo)"
	else
		not_ok_log "u-boot -c $cpus runs commands (env, echo)" "no echo output"
	fi
	type_line "poweroff"
	stop_uboot
	if [ "$rc" -eq 0 ]; then
		ok "u-boot -c $cpus poweroff exits 0"
	else
		not_ok_log "u-boot -c $cpus poweroff exits 0" "exit status $rc"
	fi
done

start 1
wait_for "Hit any key" && printf '\r' >&3 && wait_for "=> "
type_line "reset"
if wait_for "Hit any key" 2; then
	ok "u-boot reset re-creates the VM (second banner)"
else
	not_ok_log "u-boot reset re-creates the VM (second banner)" "no second boot"
fi
printf '\r' >&3
wait_for "=> " 2
type_line "poweroff"
stop_uboot
if [ "$rc" -eq 0 ]; then
	ok "u-boot poweroff after reset exits 0"
else
	not_ok_log "u-boot poweroff after reset exits 0" "exit status $rc"
fi
finish
