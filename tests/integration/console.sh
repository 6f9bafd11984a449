#!/usr/bin/env bash
# The console's host side end to end (guests/console/console.c through
# axvm run): a reader that does not read never holds up --timeout, SIGTERM
# or SIGINT; an output error ends the run with status 1 and a message, even
# right before a poweroff; a slow reader gets every byte; output is
# buffered, not one write(2) per byte; input is never dropped (100,000
# bytes through a pipe, a file and a terminal, read by the guest through
# the UART, SBI DBCN and SBI legacy getchar). Ends with "N passed, N failed".
set -u
source "$(dirname "$0")/lib/common.sh"
guest=$guests/console.elf

now() { date +%s.%N; }
# A pipe reader that never reads, and leaves once file $1 is written (at most 30 s).
idle_reader() {
	for _ in $(seq 300); do
		[ -s "$1" ] && return
		sleep 0.1
	done
}
less_than() { [ "$(echo "$1 < $2" | bc)" -eq 1 ]; } # seconds

for f in "$axvm" "$guest" "$guests/hello.elf"; do
	if [ ! -e "$f" ]; then
		check console 1 "$f is missing (run make all guests)"
		summary
	fi
done

# ---- a reader that never reads: the guest prints forever into a pipe nobody drains ----
for out in uart legacy dbcn byte; do
	rm -f "$tmp/stuck.rc"
	{
		start=$(now)
		timeout 30 "$axvm" run -k "$guest" -p "out=$out lines=forever" --timeout 2 \
			</dev/null 2>"$tmp/stuck.err"
		echo "$? $(echo "$(now) - $start" | bc)" >"$tmp/stuck.rc"
	} | idle_reader "$tmp/stuck.rc"
	read -r rc secs <"$tmp/stuck.rc"
	check "out=$out into a pipe nobody reads: --timeout 2 still ends the run" \
		$([ "$rc" = 1 ] && less_than "$secs" 4 && grep -q "did not finish within 2 s" "$tmp/stuck.err" &&
			grep -q "bytes of guest console output were not written" "$tmp/stuck.err"
		echo $?) "rc=$rc after ${secs}s, stderr '$(cat "$tmp/stuck.err")'"
done

for sig in TERM INT; do
	rm -f "$tmp/sig.rc"
	{
		timeout 30 "$axvm" run -k "$guest" -p "out=uart lines=forever" </dev/null \
			2>"$tmp/sig.err" &
		pid=$!
		sleep 1
		start=$(now)
		kill -$sig "$(pgrep -P $pid axvm || echo $pid)"
		wait $pid
		echo "$? $(echo "$(now) - $start" | bc)" >"$tmp/sig.rc"
	} | idle_reader "$tmp/sig.rc"
	read -r rc secs <"$tmp/sig.rc"
	want=$([ $sig = TERM ] && echo 143 || echo 130)
	check "SIG$sig ends a run whose output nobody reads" \
		$([ "$rc" = "$want" ] && less_than "$secs" 2; echo $?) \
		"rc=$rc (want $want) after ${secs}s, stderr '$(cat "$tmp/sig.err")'"
done

# ---- output errors are never silent, even when the guest powers off right after ----
bad=0
for i in $(seq 1 20); do
	err=$(timeout 20 "$axvm" run -k "$guests/hello.elf" </dev/null 2>&1 >/dev/full)
	rc=$?
	if [ $rc -ne 1 ] || [[ "$err" != *"console output to stdout: No space left on device"* ]]; then
		bad=$((bad + 1))
		detail="run $i: rc=$rc, '$err'"
	fi
done
check "stdout /dev/full: status 1 and a message, in every one of 20 runs" $([ $bad -eq 0 ]; echo $?) \
	"$bad bad; last: ${detail:-}"

# A full disk for --console file: a file size limit (EFBIG) needs no privileges.
err=$( (
	ulimit -f 8 # 8 KiB (bash counts 1024-byte blocks)
	timeout 20 "$axvm" run -k "$guest" -p "out=dbcn lines=1000" --console "file:$tmp/limited.txt" \
		</dev/null
) 2>&1)
rc=$?
size=$(stat -c %s "$tmp/limited.txt" 2>/dev/null || echo missing)
check "--console file: over the file size limit: status 1, a message, the head kept" \
	$([ $rc -eq 1 ] && [[ "$err" == *"console output to $tmp/limited.txt: File too large"* ]] &&
		[ "$size" = 8192 ] && head -c 64 "$tmp/limited.txt" | grep -q "^line 0000000000 abc"
	echo $?) "rc=$rc, size $size, '$err'"

# ---- a slow reader gets every byte, in order ----
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "line %010d abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu\n", i;
	print "console guest done" }' >"$tmp/expect.txt"
for out in uart dbcn legacy; do
	timeout 60 "$axvm" run -k "$guest" -p "out=$out lines=20000" </dev/null 2>"$tmp/slow.err" |
		{
			sleep 1
			cat
		} >"$tmp/got.txt"
	rc=${PIPESTATUS[0]}
	check "out=$out to a reader that starts late: every byte arrives in order" \
		$([ "$rc" = 0 ] && cmp -s "$tmp/expect.txt" "$tmp/got.txt"; echo $?) \
		"rc=$rc, $(wc -c <"$tmp/got.txt") of $(wc -c <"$tmp/expect.txt") bytes, stderr '$(cat "$tmp/slow.err")'"
done

# ---- output is written in lines, not a write(2) per byte ----
if command -v strace >/dev/null; then
	# (LeakSanitizer cannot stop the world under ptrace: no leak check in here.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		timeout 60 strace -f -qq -e trace=write -o "$tmp/strace.txt" \
		"$axvm" run -k "$guest" -p "out=uart lines=2000" </dev/null >"$tmp/uart.txt" 2>/dev/null
	rc=$?
	# The output's write(2)s: those to fd 1. The event service's eventfd
	# notifications are not output; counting them too (as this check once
	# did) made it fail under ASan+strace, where the I/O thread, draining
	# faster than the slowed guest prints, is woken once per line.
	writes=$(grep -cE '^[0-9]+ +write\(1,' "$tmp/strace.txt")
	bytes=$(wc -c <"$tmp/uart.txt")
	check "2000 lines through the UART take at most one host write per line" \
		$([ $rc -eq 0 ] && [ "$bytes" = 128019 ] && [ "$writes" -ge 1 ] && [ "$writes" -le 2002 ]
		echo $?) "rc=$rc, $bytes bytes in $writes writes"
else
	check "2000 lines through the UART take at most one host write per line" 1 \
		"strace is not installed (scripts/deps.sh installs it)"
fi

# ---- input: 100,000 bytes, more than the console's 4 KiB queue, none dropped ----
python3 -c "
import random
r = random.Random(7)
s = ''.join(r.choice('abcdefghijklmnopqrstuvwxyz0123456789 \n') for _ in range(100000))
open('$tmp/in.txt', 'w').write(s + '!')
print('input: %d bytes, sum %d' % (len(s), sum(map(ord, s)) % 2**32))
" >"$tmp/in.expect"
want=$(cat "$tmp/in.expect")
for path in uart dbcn legacy; do
	got=$(timeout 60 "$axvm" run -k "$guest" -p "in=$path slow" <"$tmp/in.txt" 2>&1 | head -n 1)
	check "100,000 bytes from a file reach the guest's $path input" \
		$([ "$got" = "$want" ]; echo $?) "got '$got', want '$want'"
	got=$(cat "$tmp/in.txt" | timeout 60 "$axvm" run -k "$guest" -p "in=$path slow" 2>&1 | head -n 1)
	check "100,000 bytes from a pipe reach the guest's $path input" \
		$([ "$got" = "$want" ]; echo $?) "got '$got', want '$want'"
done

# Pasted into a terminal: a pty (script(1)) in raw mode, fed faster than the guest reads.
# The paste starts once axvm has the terminal in raw mode, and script's stdin
# stays open until the guest is done (script stops at its EOF).
if command -v script >/dev/null; then
	: >"$tmp/tty.txt"
	(
		sleep 1
		cat "$tmp/in.txt"
		for _ in $(seq 600); do
			grep -q "console guest done" "$tmp/tty.txt" && break
			sleep 0.1
		done
	) | timeout 60 script -qfec "$axvm run -k $guest -p 'in=uart slow'" /dev/null >"$tmp/tty.txt"
	got=$(tr -d '\r' <"$tmp/tty.txt" | grep '^input:')
	check "100,000 bytes pasted into a terminal reach the guest" \
		$([ "$got" = "$want" ]; echo $?) "got '$got', want '$want'"
fi

finish
