#!/usr/bin/env bash
# The monitor (axvm run --monitor unix:PATH) driven over its socket by
# monitor_client.py: the gdb guest spins on two vCPUs (-p spin); `info
# vcpus`, `stop` (status Suspended, registers stand still), registers by
# name in text and JSON, `cont` (the guest runs again), `info stats`, errors
# for unknown commands and vCPUs, and `quit` ending the run with status 0;
# then the same monitor on the console's Ctrl-A c.
# Ends with "N passed, N failed, N skipped".
set -u
source "$(dirname "$0")/lib/common.sh"
vmpid=
cleanup_hook() {
	[ -n "$vmpid" ] && kill "$vmpid" 2>/dev/null
}

elf=$guests/gdb.elf
if [ ! -x "$axvm" ] || [ ! -f "$elf" ]; then
	check monitor 1 "no $axvm or $elf (run make and make guests)"
	summary
fi
"$axvm" run -k "$elf" -c 2 -p spin --monitor "unix:$tmp/mon.sock" --timeout 60 >"$tmp/out" 2>&1 &
vmpid=$!
python3 "$here/monitor_client.py" "$tmp/mon.sock" >"$tmp/client.out" 2>&1
wait "$vmpid"
status=$?
vmpid=
while read -r line; do
	case "$line" in
	"ok   "*) check "${line#ok   }" 0 "" ;;
	"FAIL "*) name=${line#FAIL }; check "${name%%:*}" 1 "${name#*: }" ;;
	*) check monitor_client_output 1 "$line" ;;
	esac
done <"$tmp/client.out"
check monitor_quit_ends_run $([ "$status" -eq 0 ]; echo $?) "status $status: $(cat "$tmp/out")"
check monitor_socket_removed $([ ! -e "$tmp/mon.sock" ]; echo $?) "socket left behind"

# Ctrl-A c on the console (no --monitor needed): the typed lines are the
# monitor's until Ctrl-A c again; stop pauses the guest, cont resumes it.
(
	sleep 1
	printf '\001c'
	sleep 0.3
	printf 'stop\n'
	sleep 0.3
	printf '{"execute": "query-status"}\n'
	sleep 0.3
	printf 'cont\ninfo vcpus\n'
	sleep 0.3
	printf '\001c'
	sleep 0.3
	printf '\001x'
) | "$axvm" run -k "$elf" -p spin --timeout 30 >"$tmp/cons.out" 2>"$tmp/cons.err"
status=$?
err=$(tr -d '\r' <"$tmp/cons.err")
check monitor_console_escape \
	$([ "$status" -eq 0 ] && [[ "$err" == *"[axvm monitor:"*"(axvm) stop"*"ok"* ]] &&
		[[ "$err" == *'{"return": {"status": "Suspended"}}'*"(axvm) cont"*"ok"* ]] &&
		[[ "$err" == *"vcpu 0: state "*"[back to the guest]"* ]]
	echo $?) "status $status: $err"
finish
