#!/usr/bin/env bash
# The virtio devices from the command line (-d, --rng, --virtio-console,
# --device) end to end.
#
# Without a guest OS (a flat idle guest): option and file errors name the
# option and the file, and a writable image is locked, so a second axvm on
# it fails before its guest starts while two read-only users share it.
#
# With the Debian guest (scripts/debian-guest.sh; built here when it is not
# cached: that downloads ~114 MB from Debian's mirror once):
#  - the scripted session (root on virtio-blk, a file written, synced and
#    read back) on 2 vCPUs;
#  - a session typed on the console (stdin, a line after each prompt) on 1
#    vCPU with a read-only second disk, --rng and --virtio-console beside
#    the UART: typed input reaches the shell on ttyS0 (the UART claimed the
#    console's input, not the virtio-console that offered buffers first),
#    /dev/hwrng gives bytes, the read-only disk is read-only in the guest
#    and refuses writes (the image is unchanged), and a file written and
#    synced in the guest is read back on the host from the image (debugfs);
#  - a file written and synced just before axvm is killed with SIGKILL is on
#    the image, twice on one disk, on 4 vCPUs;
#  - console=hvc0 with --virtio-console: a shell there takes typed input.
# Each Debian boot takes ~15-25 s (five boots). Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib/common.sh"
first_pid=
cleanup_hook() {
	[ -n "$first_pid" ] && kill "$first_pid" 2>/dev/null
}

need_axvm devices

# A flat guest that idles forever (wfi; j -4), loaded at 0x80200000.
printf '\x73\x00\x50\x10\x6f\xf0\xdf\xff' >"$tmp/idle.bin"
head -c 1048576 /dev/zero >"$tmp/disk.img"

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" -d "$tmp/none.img" </dev/null 2>&1 >/dev/null)
rc=$?
check "-d with a missing image exits 1 naming the option and the file" \
	$([ $rc -eq 1 ] && [[ "$err" == *"-d $tmp/none.img: No such file or directory"* ]]; echo $?) \
	"rc=$rc, '$err'"

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" -d "$tmp/disk.img,cache=none" </dev/null 2>&1 >/dev/null)
rc=$?
check "-d with an unknown option exits 1 naming it" \
	$([ $rc -eq 1 ] && [[ "$err" == *"-d $tmp/disk.img: unknown option \"cache=none\""* ]]; echo $?) \
	"rc=$rc, '$err'"

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --device virtio-gpu,x </dev/null 2>&1 >/dev/null)
rc=$?
check "--device with an unknown class exits 1 naming it" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--device: unknown device \"virtio-gpu\""* ]]; echo $?) \
	"rc=$rc, '$err'"

args=()
for _ in 1 2 3 4 5 6 7 8 9; do args+=(--rng); done
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" "${args[@]}" </dev/null 2>&1 >/dev/null)
rc=$?
check "a ninth device exits 1 (eight virtio-mmio slots)" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--rng: more than 8 devices"* ]]; echo $?) "rc=$rc, '$err'"

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" -d "$tmp/disk.img" --rng --virtio-console \
	--device virtio-rng --timeout 1 </dev/null 2>&1 >/dev/null)
rc=$?
check "a guest runs with a disk, two rngs and a virtio-console until its timeout" \
	$([ $rc -eq 1 ] && [ "$err" = "axvm: error: the guest did not finish within 1 s" ]; echo $?) \
	"rc=$rc, '$err'"

# One writer at a time: the second axvm fails before its guest starts.
timeout 30 "$axvm" run -k "$tmp/idle.bin" -d "$tmp/disk.img" --timeout 20 </dev/null \
	>/dev/null 2>&1 &
first_pid=$!
sleep 0.5
start=$(date +%s.%N)
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" -d "$tmp/disk.img" --timeout 5 </dev/null 2>&1 >/dev/null)
rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
check "a second axvm cannot open an image in use read-write (fails at once, naming it)" \
	$([ $rc -eq 1 ] && [ "$(echo "$secs < 2" | bc)" -eq 1 ] &&
		[[ "$err" == *"-d $tmp/disk.img: locked by another process (it is open); is another VM using it?"* ]]
	echo $?) "rc=$rc after ${secs}s, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" -d "$tmp/disk.img,ro" --timeout 5 </dev/null 2>&1 >/dev/null)
rc=$?
check "... nor read-only while a writer has it" \
	$([ $rc -eq 1 ] && [[ "$err" == *"-d $tmp/disk.img: locked by another process"* ]]; echo $?) \
	"rc=$rc, '$err'"
kill "$first_pid" 2>/dev/null
wait "$first_pid" 2>/dev/null
first_pid=

timeout 30 "$axvm" run -k "$tmp/idle.bin" -d "$tmp/disk.img,ro" --timeout 20 </dev/null \
	>/dev/null 2>&1 &
first_pid=$!
sleep 0.5
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" -d "$tmp/disk.img,ro" --timeout 1 </dev/null 2>&1 >/dev/null)
rc=$?
check "two read-only users share an image" \
	$([ $rc -eq 1 ] && [ "$err" = "axvm: error: the guest did not finish within 1 s" ]; echo $?) \
	"rc=$rc, '$err'"
kill "$first_pid" 2>/dev/null
wait "$first_pid" 2>/dev/null
first_pid=

# ---- the Debian guest ----
# Built here when it is not cached yet (scripts/debian-guest.sh: ~1.5 min and
# ~114 MB from Debian's package mirror, once; then cached in ~/.cache/axvm), as
# linux-boot.sh builds its kernel: the storage proofs must not quietly vanish
# from a fresh machine's run. AXVM_DEBIAN=0 skips them on purpose.
if [ "${AXVM_DEBIAN:-1}" = 0 ]; then
	skip "debian" "AXVM_DEBIAN=0"
	summary
fi
if ! "$root/scripts/debian-guest.sh" --cached >/dev/null 2>&1; then
	echo "devices: building the Debian guest (scripts/debian-guest.sh, once)"
	if ! "$root/scripts/debian-guest.sh" >"$tmp/debian-build.log" 2>&1; then
		check "the Debian guest builds (scripts/debian-guest.sh)" 1 \
			"$(tail -5 "$tmp/debian-build.log")"
		summary
	fi
fi
if ! command -v debugfs >/dev/null; then
	skip "debian" "debugfs not found (apt install e2fsprogs)"
	summary
fi

# 1. The scripted session on 2 vCPUs.
start=$(date +%s.%N)
AXVM_DEBIAN_SCRIPT=1 AXVM_DEBIAN_TIMEOUT=180 "$root/scripts/run-debian.sh" "$axvm" -c 2 --stats \
	</dev/null >"$tmp/debian-smp.log" 2>&1
rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
check "Debian boots with root on virtio-blk on 2 vCPUs and completes its scripted session (${secs%.*} s)" \
	$([ $rc -eq 0 ] && tr -d '\r' <"$tmp/debian-smp.log" | grep -q "^axvm-debian: scripted session ok" &&
		grep -q "smp: Brought up 1 node, 2 CPUs" "$tmp/debian-smp.log"
	echo $?) "rc=$rc, log tail: $(tail -5 "$tmp/debian-smp.log")"
# --stats on a real kernel: each vCPU took timer interrupts, vCPU 0 the
# external ones (Linux routes the PLIC to it),
# vCPU 1 was started through SBI HSM, and the disk's registers were used.
stats=$(sed -n '/^axvm: statistics/,$p' "$tmp/debian-smp.log" | tr -d '\r')
check "--stats: both vCPUs of the Debian boot show timer interrupts, HSM start and virtio-mmio accesses" \
	$(echo "$stats" | grep -qE '^vcpu 0: run [0-9.]+ s .* [1-9][0-9]* interrupts injected' &&
		[ "$(echo "$stats" | grep -cE 'interrupt\.sti [1-9]')" = 2 ] &&
		echo "$stats" | grep -qE 'sbi\.HSM\.0 1(,|$)' &&
		echo "$stats" | grep -qE '^  mmio virtio-blk at 0x10008000: [1-9][0-9]* reads, [1-9][0-9]* writes'
	echo $?) "$(echo "$stats" | head -20)"
# Its kernel found the SBI extensions it uses (Debian builds without
# CONFIG_PARAVIRT, so it never probes STA: steal.sh boots a 6.12 kernel
# built with it; FWFT is newer than 6.12).
check "Debian's kernel detects SBI SUSP and the SBI PMU with its counters" \
	$(grep -q "SBI SUSP extension detected" "$tmp/debian-smp.log" &&
		grep -q "riscv-pmu-sbi: SBI PMU extension is available" "$tmp/debian-smp.log" &&
		grep -q "riscv-pmu-sbi: 8 firmware and 10 hardware counters" "$tmp/debian-smp.log"
	echo $?) "$(grep -i 'sbi' "$tmp/debian-smp.log" | head -20)"
# 6.12 has no SSE or DBTR driver: what it shows is the version they complete.
check "Debian's kernel reads SBI specification v3.0" \
	$(grep -q "SBI specification v3.0 detected" "$tmp/debian-smp.log"; echo $?) \
	"$(grep -i 'SBI specification' "$tmp/debian-smp.log")"

# 2. A session typed on the console, on 1 vCPU, with a read-only second disk,
#    --rng and a virtio-console beside the UART.
head -c 1048576 /dev/urandom >"$tmp/ro.img"
ro_sum=$(sha256sum <"$tmp/ro.img")
token=axvm-host-check-$$
cat >"$tmp/session.txt" <<EOF
echo "typed on: \$(tty)"
echo "hwrng bytes: \$(head -c 64 /dev/hwrng | wc -c)"
echo "vdb ro: \$(cat /sys/block/vdb/ro)"
if dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2>/dev/null; then echo "vdb write: allowed"; else echo "vdb write: refused"; fi
echo $token > /root/host-check && sync && echo "host-check: \$(cat /root/host-check | wc -c) bytes synced"
echo $token > /dev/shm/susp && echo mem > /sys/power/state && echo "resumed from suspend to RAM: \$(cat /dev/shm/susp)"
poweroff
EOF
# Type line N once the guest has shown its Nth prompt, as a person would:
# bytes typed before the shell reads its terminal are lost, as on a real line.
type_session() { # log, fifo, lines
	local n=0 line deadline=$((SECONDS + 180))
	exec 3>"$2"
	while IFS= read -r line; do
		n=$((n + 1))
		until [ "$(tr -d '\r' <"$1" | grep -c 'axvm-debian:~# ')" -ge $n ]; do
			[ $SECONDS -lt $deadline ] || return
			sleep 0.3
		done
		sleep 0.3
		printf '%s\n' "$line" >&3
	done <"$3"
	# Keep stdin open until the guest has powered off (or we are killed).
	while [ $SECONDS -lt $deadline ] && ! grep -q "reboot: Power down" "$1"; do
		sleep 0.3
	done
}
mkfifo "$tmp/stdin"
: >"$tmp/debian-1.log"
type_session "$tmp/debian-1.log" "$tmp/stdin" "$tmp/session.txt" >/dev/null 2>&1 &
typist=$!
start=$(date +%s.%N)
AXVM_DEBIAN_SCRIPT=0 AXVM_DEBIAN_DISK="$tmp/root.img" "$root/scripts/run-debian.sh" "$axvm" \
	-d "$tmp/ro.img,ro" --rng --virtio-console --timeout 180 <"$tmp/stdin" \
	>"$tmp/debian-1.log" 2>&1
rc=$?
kill "$typist" 2>/dev/null
wait "$typist" 2>/dev/null
secs=$(echo "$(date +%s.%N) - $start" | bc)
log=$(tr -d '\r' <"$tmp/debian-1.log")
check "Debian on 1 vCPU runs a session typed on its console and powers off (${secs%.*} s)" \
	$([ $rc -eq 0 ] && grep -q "^host-check: " <<<"$log"; echo $?) \
	"rc=$rc, log tail: $(tail -8 "$tmp/debian-1.log")"
check "typed input reaches the shell on ttyS0 beside a virtio-console (the UART owns the input)" \
	$(grep -q "^typed on: /dev/ttyS0$" <<<"$log"; echo $?) "$(grep "typed on" <<<"$log" | tail -2)"
check "--rng: /dev/hwrng gives bytes in the guest" \
	$(grep -q "^hwrng bytes: 64$" <<<"$log"; echo $?) "$(grep "hwrng" <<<"$log" | tail -2)"
check "-d FILE,ro: the guest sees a read-only disk" \
	$(grep -q "^vdb ro: 1$" <<<"$log"; echo $?) "$(grep "vdb ro" <<<"$log" | tail -2)"
check "-d FILE,ro: writes in the guest are refused and the image is unchanged" \
	$(grep -q "^vdb write: refused$" <<<"$log" && [ "$(sha256sum <"$tmp/ro.img")" = "$ro_sum" ]
	echo $?) "$(grep "vdb write" <<<"$log" | tail -2)"
check "Linux suspends to RAM through SBI SUSP (deep) and resumes with its memory intact" \
	$(grep -q "PM: suspend entry (deep)" <<<"$log" && grep -q "^resumed from suspend to RAM: $token$" <<<"$log"
	echo $?) "$(grep -E "PM: |resumed" <<<"$log" | tail -4)"
got=$(debugfs -R 'cat /root/host-check' "$tmp/root.img" 2>/dev/null)
check "a file written and synced in the guest is on the image (debugfs)" \
	$([ "$got" = "$token" ]; echo $?) "debugfs gave '$got', want '$token'"

# 4. kill -9 right after a guest's sync loses nothing, twice in a row on the
#    same disk (the second boot replays the journal the first left), on 4
#    vCPUs: FLUSH is an fdatasync of the image.
k9_ok=0
k9_detail=
for i in 1 2; do
	k9_token=axvm-k9-$$-$i
	printf '%s\n' "echo $k9_token > /root/k9 && sync && echo \"synced: \$(cat /root/k9)\"" \
		>"$tmp/session-k9.txt"
	rm -f "$tmp/stdin"
	mkfifo "$tmp/stdin"
	: >"$tmp/debian-k9.log"
	type_session "$tmp/debian-k9.log" "$tmp/stdin" "$tmp/session-k9.txt" >/dev/null 2>&1 &
	typist=$!
	AXVM_DEBIAN_SCRIPT=0 AXVM_DEBIAN_DISK="$tmp/root-k9.img" "$root/scripts/run-debian.sh" \
		"$axvm" -c 4 --timeout 180 <"$tmp/stdin" >"$tmp/debian-k9.log" 2>&1 &
	runner=$!
	deadline=$((SECONDS + 180))
	until tr -d '\r' <"$tmp/debian-k9.log" | grep -q "^synced: $k9_token$"; do
		[ $SECONDS -lt $deadline ] && kill -0 $runner 2>/dev/null || break
		sleep 0.2
	done
	# The image path is on axvm's command line only (run-debian.sh gets it from the environment).
	pkill -9 -f -- "$tmp/root-k9.img"
	wait $runner 2>/dev/null
	kill "$typist" 2>/dev/null
	wait "$typist" 2>/dev/null
	got=$(debugfs -R 'cat /root/k9' "$tmp/root-k9.img" 2>/dev/null)
	if [ "$got" = "$k9_token" ] && grep -q "smp: Brought up 1 node, 4 CPUs" "$tmp/debian-k9.log"; then
		k9_ok=$((k9_ok + 1))
	else
		k9_detail="boot $i: debugfs gave '$got', want '$k9_token'; log tail: $(tail -5 "$tmp/debian-k9.log")"
	fi
done
check "kill -9 right after a guest sync keeps the file, twice, on 4 vCPUs (debugfs)" \
	$([ $k9_ok -eq 2 ]; echo $?) "$k9_detail"

# 3. The console on the virtio-console (hvc0): output and typed input go through it.
printf '%s\n' 'echo "typed on: $(tty)"' poweroff >"$tmp/session-hvc.txt"
rm -f "$tmp/stdin"
mkfifo "$tmp/stdin"
: >"$tmp/debian-hvc.log"
type_session "$tmp/debian-hvc.log" "$tmp/stdin" "$tmp/session-hvc.txt" >/dev/null 2>&1 &
typist=$!
start=$(date +%s.%N)
AXVM_DEBIAN_SCRIPT=0 AXVM_DEBIAN_CONSOLE=hvc0 "$root/scripts/run-debian.sh" "$axvm" \
	--virtio-console --timeout 180 <"$tmp/stdin" >"$tmp/debian-hvc.log" 2>&1
rc=$?
kill "$typist" 2>/dev/null
wait "$typist" 2>/dev/null
secs=$(echo "$(date +%s.%N) - $start" | bc)
check "--virtio-console: a shell on hvc0 takes typed input and powers off (${secs%.*} s)" \
	$([ $rc -eq 0 ] && tr -d '\r' <"$tmp/debian-hvc.log" | grep -q "^typed on: /dev/hvc0$"
	echo $?) "rc=$rc, log tail: $(tail -8 "$tmp/debian-hvc.log")"

summary
