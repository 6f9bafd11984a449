#!/usr/bin/env bash
# The axvm command line end to end: --help/--version, option errors, exit
# statuses (guest poweroff, finisher code, VMM error, timeout, signals),
# --console file:PATH, the Ctrl-A x escape on stdin, config files (run and
# check). Guests: build/guests/*.elf when built, plus tiny flat binaries made
# here. Ends with "N passed, N failed, N skipped" (a group of checks whose
# tool or guest is missing is one skip, named on a SKIP line).
set -u
. "$(dirname "$0")/lib/common.sh"

need_axvm cli

# Flat guests (loaded at 0x80200000): an idle loop (wfi; j -4) and a busy one (j .).
printf '\x73\x00\x50\x10\x6f\xf0\xdf\xff' >"$tmp/idle.bin"
printf '\x6f\x00\x00\x00' >"$tmp/spin.bin"

out=$("$axvm" --version)
check "--version prints the version" $([[ "$out" =~ ^axvm\ [0-9]+\.[0-9]+\.[0-9]+$ ]]; echo $?) "got '$out'"

out=$("$axvm" --help)
check "--help lists the commands" $([[ "$out" == *"run "* && "$out" == *"check "* ]]; echo $?) "got '$out'"

out=$("$axvm" run --help)
rc=$?
check "run --help lists every option" \
	$([ $rc -eq 0 ] && [[ "$out" == *"--kernel FILE"* && "$out" == *"--cpus N"* && "$out" == *"--console stdio|file:PATH"* && "$out" == *"--no-sstc"* && "$out" == *"--cpu"* ]]; echo $?) \
	"rc=$rc, got '$out'"

err=$("$axvm" frobnicate 2>&1 >/dev/null)
rc=$?
check "unknown command exits 1" $([ $rc -eq 1 ] && [[ "$err" == *"unknown command 'frobnicate'"* ]]; echo $?) "rc=$rc, '$err'"

err=$("$axvm" run --bogus 2>&1 >/dev/null)
rc=$?
check "unknown option exits 1 naming it" $([ $rc -eq 1 ] && [[ "$err" == *"'--bogus'"* ]]; echo $?) "rc=$rc, '$err'"

err=$("$axvm" run 2>&1 >/dev/null)
rc=$?
check "run without a kernel exits 1" $([ $rc -eq 1 ] && [[ "$err" == *"no kernel"* ]]; echo $?) "rc=$rc, '$err'"

err=$("$axvm" run -k "$tmp/idle.bin" -c 0 2>&1 >/dev/null)
rc=$?
check "--cpus 0 is rejected" $([ $rc -eq 1 ] && [[ "$err" == *"--cpus '0'"* ]]; echo $?) "rc=$rc, '$err'"

err=$("$axvm" run -k "$tmp/idle.bin" -m 12X 2>&1 >/dev/null)
rc=$?
check "--mem 12X is rejected" $([ $rc -eq 1 ] && [[ "$err" == *"--mem '12X'"* ]]; echo $?) "rc=$rc, '$err'"

err=$("$axvm" run -k "$tmp/idle.bin" --console tty 2>&1 >/dev/null)
rc=$?
check "--console tty is rejected" $([ $rc -eq 1 ] && [[ "$err" == *"--console 'tty'"* ]]; echo $?) "rc=$rc, '$err'"

err=$("$axvm" run -k "$tmp/missing.bin" </dev/null 2>&1 >/dev/null)
rc=$?
check "a missing kernel file exits 1 naming it" \
	$([ $rc -eq 1 ] && [[ "$err" == *"$tmp/missing.bin"* ]]; echo $?) "rc=$rc, '$err'"

# A FIFO (no writer ever comes) in place of any file: refused at once, never a
# hang in open() or read(). timeout(1) turns a regression into status 124.
mkfifo "$tmp/in.fifo"
for what in "-k" "-i" "--dtb" "run CONFIG" "check CONFIG"; do
	case $what in
	-k) args=(run -k "$tmp/in.fifo") ;;
	-*) args=(run -k "$tmp/idle.bin" "$what" "$tmp/in.fifo") ;;
	*) args=(${what% *} "$tmp/in.fifo") ;;
	esac
	err=$(timeout 10 "$axvm" "${args[@]}" </dev/null 2>&1 >/dev/null)
	rc=$?
	check "a FIFO as $what is refused at once with status 1" \
		$([ $rc -eq 1 ] && [[ "$err" == *"$tmp/in.fifo: is a FIFO, not a regular file"* ]]; echo $?) \
		"rc=$rc, '$err'"
done

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --timeout 1 </dev/null 2>&1 >/dev/null)
rc=$?
check "--timeout stops an idle guest with status 1" \
	$([ $rc -eq 1 ] && [[ "$err" == *"did not finish within 1 s"* ]]; echo $?) "rc=$rc, '$err'"

# The board's own devices are classes: "off" leaves one out; the PLIC and other settings are refused by name.
err=$("$axvm" run -k "$tmp/idle.bin" --device plic,off </dev/null 2>&1 >/dev/null)
rc=$?
check "--device plic,off is refused naming the PLIC" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--device: plic: the virt board's plic at 0xc000000 cannot be left out"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$("$axvm" run -k "$tmp/idle.bin" --device goldfish-rtc,fast </dev/null 2>&1 >/dev/null)
rc=$?
check "--device goldfish-rtc,fast is refused naming the request" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--device: goldfish-rtc,fast: "*"can only be left out"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --timeout 1 --device goldfish-rtc,off \
	--device ns16550a,off --device sifive-test,off --device pci-ecam-empty,off </dev/null 2>&1 >/dev/null)
rc=$?
check "--device NAME,off for the board's own devices runs the guest" \
	$([ $rc -eq 1 ] && [[ "$err" == *"did not finish within 1 s"* ]]; echo $?) "rc=$rc, '$err'"

for sig in TERM INT; do
	timeout 20 "$axvm" run -k "$tmp/spin.bin" -c 2 </dev/null >/dev/null 2>"$tmp/sig.err" &
	pid=$!
	sleep 0.5
	kill -$sig $pid
	start=$(date +%s.%N)
	wait $pid
	rc=$?
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	want=$((128 + $(kill -l $sig)))
	check "SIG$sig shuts a busy guest down with status $want" \
		$([ $rc -eq $want ] && [ "$(echo "$secs < 3" | bc)" -eq 1 ] &&
			grep -q "terminating on signal $((want - 128))" "$tmp/sig.err"; echo $?) \
		"rc=$rc after ${secs}s, stderr '$(cat "$tmp/sig.err")'"
done

# With stdin and stdout closed, a signal must still reach the run loop.
timeout 20 "$axvm" run -k "$tmp/idle.bin" <&- >&- 2>/dev/null &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM works with stdin and stdout closed" $([ $rc -eq 143 ]; echo $?) "rc=$rc"

start=$(date +%s.%N)
printf '\001x' | timeout 20 "$axvm" run -k "$tmp/idle.bin" >/dev/null 2>&1
rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
check "Ctrl-A x on stdin quits with status 0" \
	$([ $rc -eq 0 ] && [ "$(echo "$secs < 5" | bc)" -eq 1 ]; echo $?) "rc=$rc after ${secs}s"

# stdin reaches the guest: a guest polling SBI console_getchar exits with the
# byte it read as its finisher code. Ctrl-A Ctrl-A sends one Ctrl-A.
if command -v riscv64-unknown-elf-as >/dev/null; then
	cat >"$tmp/getc.S" <<-'EOF2'
	.globl _start
	_start:
	1:	li a7, 2
		ecall
		bltz a0, 1b
		slli t1, a0, 16
		li t2, 0x3333
		or t1, t1, t2
		li t0, 0x100000
		sw t1, 0(t0)
	2:	j 2b
	EOF2
	riscv64-unknown-elf-as -march=rv64imac -o "$tmp/getc.o" "$tmp/getc.S" &&
		riscv64-unknown-elf-objcopy -O binary "$tmp/getc.o" "$tmp/getc.bin"
	printf 'A' | timeout 20 "$axvm" run -k "$tmp/getc.bin" >/dev/null 2>"$tmp/getc.err"
	rc=$?
	check "stdin bytes reach the guest's SBI console" $([ $rc -eq 65 ]; echo $?) \
		"rc=$rc (expected 65, 'A'), stderr '$(cat "$tmp/getc.err")'"
	printf '\001\001' | timeout 20 "$axvm" run -k "$tmp/getc.bin" >/dev/null 2>"$tmp/getc.err"
	rc=$?
	check "Ctrl-A Ctrl-A sends one Ctrl-A to the guest" \
		$([ $rc -eq 1 ] && [ ! -s "$tmp/getc.err" ]; echo $?) \
		"rc=$rc (expected 1), stderr '$(cat "$tmp/getc.err")'"

	# Sstc is offered by default (as QEMU's virt): reading stimecmp works; with
	# --no-sstc it is an illegal instruction, which this guest's trap handler
	# turns into finisher code 2.
	cat >"$tmp/sstc.S" <<-'EOF2'
	.globl _start
	_start:
		la t0, 2f
		csrw stvec, t0
		csrr t1, 0x14d
		li t1, 0x5555
		li t0, 0x100000
		sw t1, 0(t0)
	1:	j 1b
	.balign 4
	2:	li t1, 0x23333
		li t0, 0x100000
		sw t1, 0(t0)
	3:	j 3b
	EOF2
	# Linked (la needs its relocation), no RVC (stvec must be 4-byte aligned).
	riscv64-unknown-elf-as -march=rv64ima_zicsr -o "$tmp/sstc.o" "$tmp/sstc.S" &&
		riscv64-unknown-elf-ld -Ttext=0x80200000 -o "$tmp/sstc.elf" "$tmp/sstc.o" &&
		riscv64-unknown-elf-objcopy -O binary "$tmp/sstc.elf" "$tmp/sstc.bin"
	timeout 20 "$axvm" run -k "$tmp/sstc.bin" </dev/null >/dev/null 2>&1
	rc=$?
	check "Sstc is offered by default (stimecmp readable)" $([ $rc -eq 0 ]; echo $?) \
		"rc=$rc (2: stimecmp was an illegal instruction)"
	timeout 20 "$axvm" run -k "$tmp/sstc.bin" --no-sstc </dev/null >/dev/null 2>&1
	rc=$?
	check "--no-sstc hides Sstc (stimecmp illegal)" $([ $rc -eq 2 ]; echo $?) "rc=$rc"
	timeout 20 "$axvm" run -k "$tmp/sstc.bin" --no-sstc --sstc </dev/null >/dev/null 2>&1
	rc=$?
	check "the last of --no-sstc/--sstc wins" $([ $rc -eq 0 ]; echo $?) "rc=$rc"

	# --cpu: the same guest shape runs andn (Zbb): finisher code 2 when it traps.
	sed 's/csrr t1, 0x14d/.insn r 0x33, 7, 0x20, t1, t1, t1/' "$tmp/sstc.S" >"$tmp/zbb.S"
	riscv64-unknown-elf-as -march=rv64ima_zicsr -o "$tmp/zbb.o" "$tmp/zbb.S" &&
		riscv64-unknown-elf-ld -Ttext=0x80200000 -o "$tmp/zbb.elf" "$tmp/zbb.o" &&
		riscv64-unknown-elf-objcopy -O binary "$tmp/zbb.elf" "$tmp/zbb.bin"
	timeout 20 "$axvm" run -k "$tmp/zbb.bin" </dev/null >/dev/null 2>&1
	rc=$?
	check "Zbb is on by default (andn runs)" $([ $rc -eq 0 ]; echo $?) "rc=$rc"
	timeout 20 "$axvm" run -k "$tmp/zbb.bin" --cpu rv64,zba=off,zbb=off </dev/null >/dev/null 2>&1
	rc=$?
	check "--cpu rv64,zbb=off makes andn illegal" $([ $rc -eq 2 ]; echo $?) "rc=$rc"
	timeout 20 "$axvm" run -k "$tmp/zbb.bin" --cpu rv64,zbb=off,zbb=on </dev/null >/dev/null 2>&1
	rc=$?
	check "--cpu: the last setting of an extension wins" $([ $rc -eq 0 ]; echo $?) "rc=$rc"
	err=$("$axvm" run -k "$tmp/zbb.bin" --cpu rv64,zzz=off 2>&1 >/dev/null)
	rc=$?
	check "--cpu with an unknown extension exits 1 naming it" \
		$([ $rc -eq 1 ] && [[ "$err" == *"unknown extension 'zzz'"* ]]; echo $?) "rc=$rc, '$err'"
else
	skip "stdin and Sstc guests" "riscv64-unknown-elf-as not installed (scripts/deps.sh installs gcc-riscv64-unknown-elf)"
fi

# On a terminal (a pty from script(1)): raw mode while running, restored after.
if command -v script >/dev/null; then
	# Lines are tagged: the run's own stderr messages share the pty.
	out=$( (sleep 1; printf '\001x') | timeout 20 script -qec \
		"echo before=\$(stty -g); $axvm run -k $tmp/idle.bin; echo rc=\$?; echo after=\$(stty -g)" \
		/dev/null | tr -d '\r')
	before=$(echo "$out" | sed -n 's/^before=//p')
	after=$(echo "$out" | sed -n 's/^after=//p')
	rc=$(echo "$out" | sed -n 's/^rc=//p')
	check "on a terminal Ctrl-A x quits and the terminal is restored" \
		$([ "$rc" = 0 ] && [ -n "$before" ] && [ "$before" = "$after" ]; echo $?) \
		"got '$out'"
	out=$(timeout 20 script -qec "echo before=\$(stty -g); $axvm run -k $tmp/idle.bin </dev/tty & \
		pid=\$!; sleep 1; echo during=\$(stty -g </dev/tty); kill -TERM \$pid; wait \$pid; \
		echo rc=\$?; echo after=\$(stty -g)" /dev/null </dev/null | tr -d '\r')
	before=$(echo "$out" | sed -n 's/^before=//p')
	during=$(echo "$out" | sed -n 's/^during=//p')
	after=$(echo "$out" | sed -n 's/^after=//p')
	rc=$(echo "$out" | sed -n 's/^rc=//p')
	check "SIGTERM on a terminal in raw mode restores it" \
		$([ "$rc" = 143 ] && [ -n "$during" ] && [ "$before" != "$during" ] && [ "$before" = "$after" ]; echo $?) \
		"got '$out'"
	# (Under a sanitizer its report follows and the status differs: only "died" matters.)
	out=$(timeout 20 script -qec "echo before=\$(stty -g); $axvm run -k $tmp/idle.bin </dev/tty \
		& pid=\$!; sleep 1; kill -SEGV \$pid; wait \$pid; echo rc=\$?; echo after=\$(stty -g)" \
		/dev/null </dev/null 2>/dev/null | tr -d '\r')
	before=$(echo "$out" | sed -n 's/^before=//p')
	after=$(echo "$out" | sed -n 's/^after=//p')
	rc=$(echo "$out" | sed -n 's/^rc=//p')
	check "a crash on a raw terminal still restores it" \
		$([ -n "$rc" ] && [ "$rc" -ne 0 ] && [ -n "$before" ] && [ "$before" = "$after" ]; echo $?) \
		"rc=$rc before=$before after=$after"
else
	skip "terminal checks" "script(1) not installed (package bsdutils)"
fi

if [ -f "$guests/hello.elf" ]; then
	out=$(timeout 20 "$axvm" run -k "$guests/hello.elf" </dev/null 2>&1)
	rc=$?
	check "hello guest powers off with status 0" \
		$([ $rc -eq 0 ] && [[ "$out" == *"hello from hart 0"* ]]; echo $?) "rc=$rc, '$out'"

	out=$(timeout 20 "$axvm" run -k "$guests/hello.elf" --console "file:$tmp/con.txt" </dev/null)
	rc=$?
	check "--console file:PATH gets the output, stdout nothing" \
		$([ $rc -eq 0 ] && [ -z "$out" ] && grep -q "hello from hart 0" "$tmp/con.txt"; echo $?) \
		"rc=$rc, stdout '$out', file '$(cat "$tmp/con.txt" 2>/dev/null)'"

	cat >"$tmp/hello.toml" <<-EOF2
	[base]
	id = 1
	name = "hello"
	vm_type = 1
	cpu_num = 2
	[kernel]
	entry_point = 0x8020_0000
	image_location = "fs"
	kernel_path = "$guests/hello.elf"
	kernel_load_addr = 0x8020_0000
	memory_regions = [
	    [0x8000_0000, 0x400_0000, 0x7, 0],
	]
	[devices]
	EOF2
	out=$("$axvm" check "$tmp/hello.toml")
	rc=$?
	check "check accepts a valid config" $([ $rc -eq 0 ] && [[ "$out" == *": ok" ]]; echo $?) "rc=$rc, '$out'"
	out=$(timeout 20 "$axvm" run "$tmp/hello.toml" </dev/null 2>&1)
	rc=$?
	check "run CONFIG.toml boots the config's kernel" \
		$([ $rc -eq 0 ] && [[ "$out" == *"hello from hart 0"* ]]; echo $?) "rc=$rc, '$out'"
	out=$(timeout 20 "$axvm" run "$tmp/hello.toml" -k "$tmp/idle.bin" --timeout 1 </dev/null 2>&1)
	rc=$?
	check "-k overrides the config's kernel" \
		$([ $rc -eq 1 ] && [[ "$out" != *"hello from hart 0"* ]]; echo $?) "rc=$rc, '$out'"
else
	skip "guest-based CLI checks" "$guests/hello.elf not built (make guests)"
fi

# CI has no terminal and often no stdin: a closed stdin, /dev/null and a pipe
# that closes early (at once, or after a few bytes) only end the guest's input.
# The guest runs to its end; the idle one costs no CPU (a poll loop spinning on
# the pipe's hangup would cost a whole CPU for the --timeout second).
if [ -f "$guests/hello.elf" ]; then
	for mode in closed devnull emptypipe shortpipe; do
		case $mode in
		closed) out=$(timeout 20 "$axvm" run -k "$guests/hello.elf" <&- 2>&1) ;;
		devnull) out=$(timeout 20 "$axvm" run -k "$guests/hello.elf" </dev/null 2>&1) ;;
		emptypipe) out=$(: | timeout 20 "$axvm" run -k "$guests/hello.elf" 2>&1) ;;
		shortpipe) out=$(printf 'ab' | timeout 20 "$axvm" run -k "$guests/hello.elf" 2>&1) ;;
		esac
		rc=$?
		check "stdin $mode: the guest runs to its poweroff" \
			$([ $rc -eq 0 ] && [[ "$out" == *"hello from hart 0"* ]]; echo $?) "rc=$rc, '$out'"
	done
fi
if [ -x /usr/bin/time ]; then
	for mode in closed devnull emptypipe; do
		case $mode in
		closed) /usr/bin/time -f "%U %S" -o "$tmp/stdin.time" timeout 20 \
			"$axvm" run -k "$tmp/idle.bin" --timeout 1 <&- >/dev/null 2>"$tmp/stdin.err" ;;
		devnull) /usr/bin/time -f "%U %S" -o "$tmp/stdin.time" timeout 20 \
			"$axvm" run -k "$tmp/idle.bin" --timeout 1 </dev/null >/dev/null 2>"$tmp/stdin.err" ;;
		emptypipe) : | /usr/bin/time -f "%U %S" -o "$tmp/stdin.time" timeout 20 \
			"$axvm" run -k "$tmp/idle.bin" --timeout 1 >/dev/null 2>"$tmp/stdin.err" ;;
		esac
		rc=$?
		# (time(1) puts "Command exited with non-zero status" first.)
		read -r user sys < <(tail -n 1 "$tmp/stdin.time")
		cpu=$(echo "$user + $sys" | bc)
		check "stdin $mode: an idle guest waits without spinning" \
			$([ $rc -eq 1 ] && grep -q "did not finish within 1 s" "$tmp/stdin.err" &&
				[ "$(echo "$cpu < 0.5" | bc)" -eq 1 ]; echo $?) \
			"rc=$rc, ${cpu} s CPU, stderr '$(cat "$tmp/stdin.err")'"
	done
else
	skip "idle guest CPU checks" "/usr/bin/time not installed (scripts/deps.sh installs time)"
fi

# stdout a pipe whose reader is gone (closed before the run, or after a few
# bytes): no SIGPIPE death, no hang, no silent spinning: a clean error naming
# the console output and status 1. The guest prints forever through the SBI
# console.
printf '\x13\x05\x10\x04\x93\x08\x10\x00\x73\x00\x00\x00\x6f\xf0\x5f\xff' >"$tmp/spam.bin"
start=$(date +%s.%N)
{ sleep 0.3; timeout 20 "$axvm" run -k "$tmp/spam.bin" </dev/null 2>"$tmp/pipe.err"; echo $? >"$tmp/pipe.rc"; } | true
rc=$(cat "$tmp/pipe.rc")
secs=$(echo "$(date +%s.%N) - $start" | bc)
check "stdout a pipe closed before the run: clean error, status 1" \
	$([ "$rc" = 1 ] && grep -q "console output" "$tmp/pipe.err" &&
		[ "$(echo "$secs < 5" | bc)" -eq 1 ]; echo $?) \
	"rc=$rc after ${secs}s, stderr '$(cat "$tmp/pipe.err")'"
start=$(date +%s.%N)
{ timeout 20 "$axvm" run -k "$tmp/spam.bin" -c 2 </dev/null 2>"$tmp/pipe.err"; echo $? >"$tmp/pipe.rc"; } |
	head -c 1000 >/dev/null
rc=$(cat "$tmp/pipe.rc")
secs=$(echo "$(date +%s.%N) - $start" | bc)
check "stdout a pipe closed while running: clean error, status 1" \
	$([ "$rc" = 1 ] && grep -q "console output" "$tmp/pipe.err" &&
		[ "$(echo "$secs < 5" | bc)" -eq 1 ]; echo $?) \
	"rc=$rc after ${secs}s, stderr '$(cat "$tmp/pipe.err")'"

if [ -w /dev/full ]; then
	err=$(timeout 20 "$axvm" run -k "$tmp/spam.bin" --console file:/dev/full </dev/null 2>&1)
	rc=$?
	check "--console file: on a full disk: clean error, status 1" \
		$([ $rc -eq 1 ] && [[ "$err" == *"console output to /dev/full"* ]]; echo $?) "rc=$rc, '$err'"
else
	skip "--console file: on a full disk" "/dev/full is not writable here"
fi

if [ -f "$guests/fail.elf" ]; then
	timeout 20 "$axvm" run -k "$guests/fail.elf" </dev/null >/dev/null 2>&1
	rc=$?
	check "a failing guest's finisher code is the exit status" $([ $rc -eq 7 ]; echo $?) "rc=$rc"
	# The status is 8 bits: a code whose low byte is 0 must not read as a pass.
	for code in 0 256 300; do
		want=$((code % 256 ? code % 256 : 1))
		timeout 20 "$axvm" run -k "$guests/fail.elf" -p "code=$code" </dev/null >/dev/null 2>&1
		rc=$?
		check "a guest failing with finisher code $code exits $want" $([ $rc -eq $want ]; echo $?) \
			"rc=$rc"
	done
else
	skip "failing guest's exit status" "$guests/fail.elf not built (make guests)"
fi

# A valid AxVisor config whose emulated devices the virt board does not build:
# `axvm check` says so as `axvm run` would, naming the entry.
sed 's/^\[devices\]$/[devices]\nemu_devices = [["virtio-blk", 0x1000_1000, 0x1000, 1, 0xe1, [0]]]/' \
	tests/data/config/arceos-riscv64.toml | grep -v '^emu_devices = \[\]' >"$tmp/emu.toml"
err=$("$axvm" check "$tmp/emu.toml" 2>&1)
rc=$?
check "check refuses emu_devices the virt board does not build" \
	$([ $rc -eq 1 ] && [[ "$err" == "$tmp/emu.toml: devices.emu_devices[0] (\"virtio-blk\""* ]]; echo $?) \
	"rc=$rc, '$err'"
out=$("$axvm" check tests/data/config/arceos-riscv64.toml 2>&1)
rc=$?
check "check accepts a config without such devices" $([ $rc -eq 0 ]; echo $?) "rc=$rc, '$out'"

printf '[base]\nid = = 1\n' >"$tmp/bad.toml"
err=$("$axvm" check "$tmp/bad.toml" 2>&1)
rc=$?
check "check reports file:line:col and exits 1" \
	$([ $rc -eq 1 ] && [[ "$err" == "$tmp/bad.toml:2:"* ]]; echo $?) "rc=$rc, '$err'"

# Memory sizing. A flat guest that powers off at once (finisher PASS), padded
# to a 20 MiB "kernel" image; an 8 MiB initrd.
printf '\xb7\x02\x10\x00\x37\x53\x00\x00\x13\x03\x53\x55\x23\xa0\x62\x00\x6f\x00\x00\x00' >"$tmp/off.bin"
cp "$tmp/off.bin" "$tmp/big.bin" && truncate -s 20M "$tmp/big.bin"
truncate -s 8M "$tmp/initrd8"
err=$(timeout 20 "$axvm" run -k "$tmp/big.bin" -m 32M </dev/null 2>&1 >/dev/null)
rc=$?
check "RAM under twice the kernel image warns with the sizes before the guest runs" \
	$([ $rc -eq 0 ] && [[ "$err" == *"warning: memory size: 32 MiB leaves $tmp/big.bin too little room: its image takes 20 MiB"*"give -m 40M or more"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/big.bin" -i "$tmp/initrd8" -m 40M </dev/null 2>&1 >/dev/null)
rc=$?
check "the initrd counts too" \
	$([ $rc -eq 0 ] && [[ "$err" == *"40 MiB leaves"*"the initrd 8 MiB"*"give -m 48M or more"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/big.bin" -i "$tmp/initrd8" -m 48M </dev/null 2>&1 >/dev/null)
rc=$?
check "enough RAM for kernel and initrd: no warning" $([ $rc -eq 0 ] && [ -z "$err" ]; echo $?) \
	"rc=$rc, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/big.bin" -m 16M </dev/null 2>&1 >/dev/null)
rc=$?
check "a kernel that does not fit in RAM is refused" \
	$([ $rc -eq 1 ] && [[ "$err" == *"$tmp/big.bin"* && "$err" != *warning* ]]; echo $?) "rc=$rc, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/big.bin" -i "$tmp/initrd8" -m 28M </dev/null 2>&1 >/dev/null)
rc=$?
check "an initrd that does not fit beside the kernel is refused" \
	$([ $rc -eq 1 ] && [[ "$err" == *"$tmp/initrd8"* ]]; echo $?) "rc=$rc, '$err'"
err=$(AXVM_HOST_RAM=1G timeout 20 "$axvm" run -k "$tmp/off.bin" -m 1536M </dev/null 2>&1 >/dev/null)
rc=$?
check "RAM above the host's memory warns" \
	$([ $rc -eq 0 ] && [[ "$err" == *"warning: memory size: 1.5 GiB is more than the host's 1 GiB"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$(AXVM_HOST_RAM=1G timeout 20 "$axvm" run -k "$tmp/off.bin" -m 3G </dev/null 2>&1 >/dev/null)
rc=$?
check "RAM above twice the host's memory is refused, naming the override" \
	$([ $rc -eq 1 ] && [[ "$err" == *"error: memory size: 3 GiB is more than the limit of 2 GiB"*"--allow-overcommit"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$(AXVM_HOST_RAM=1G timeout 20 "$axvm" run -k "$tmp/off.bin" -m 3G --allow-overcommit </dev/null 2>&1 >/dev/null)
rc=$?
check "--allow-overcommit accepts it (with the warning)" \
	$([ $rc -eq 0 ] && [[ "$err" == *"warning: memory size: 3 GiB"* && "$err" != *error* ]]; echo $?) "rc=$rc, '$err'"
host_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
err=$(timeout 20 "$axvm" run -k "$tmp/off.bin" -m "$((host_kb * 3 / 1024))M" </dev/null 2>&1 >/dev/null)
rc=$?
check "the real host's memory sets the limit" \
	$([ $rc -eq 1 ] && [[ "$err" == *"more than the limit of"* ]]; echo $?) "rc=$rc, '$err'"

finish
