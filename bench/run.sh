#!/usr/bin/env bash
# `make bench`: run every benchmark under axvm and under QEMU
# (qemu-system-riscv64 -machine virt -bios default -nographic, the same guest
# binaries) and print one table -- median (min-max) of BENCH_REPS runs and
# the ratio axvm/QEMU -- to stdout and to bench/results.md. docs/bench.md
# explains each figure.
#
#   bench/run.sh BUILD_DIR
#
# Environment:
#   BENCH_REPS=5          runs per figure and VMM
#   BENCH_SCALE=1         multiplies the guests' work (scale=N in bootargs)
#   BENCH_ONLY="linux cpu mmio lifecycle memory config storage shell net"   a subset of the groups
#   BENCH_SHELL_ITERS=300 rounds of the Debian guest's shell loop (x BENCH_SCALE)
#   BENCH_MMIO_ROUNDS=60  rounds of the interleaved counters on/off MMIO runs
#   BENCH_RESULTS=FILE    where the table goes (default bench/results.md)
#   BENCH_LINUX_IMAGE=F   the Linux Image to time (default: the fixture of
#                         scripts/linux-guest.sh, only if already cached)
#   BENCH_TIMEOUT=120     seconds before one VMM run counts as hung
#   BENCH_STORAGE_MIB=128 MiB written then read on the data disk (x BENCH_SCALE)
#   BENCH_STORAGE_READS=4000  4 KiB random reads (x BENCH_SCALE)
#   BENCH_DEBIAN_TIMEOUT=300  seconds one Debian boot + storage run may take
#   BENCH_NET_MIB=16      MiB each way through user-mode networking (x BENCH_SCALE)
#   BENCH_NET_OPTS=       appended to axvm's --net user,... (",offload=off")
#   QEMU=qemu-system-riscv64
# Never asserts on timings: it exits 0 whenever it could write the table.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
axvm=$build/axvm
# The same build with the statistics counters compiled out (make bench builds
# it): the MMIO rows run both, to show what the counters cost.
axvm_nocounters=$build/nocounters/axvm
gdir=$build/guests
lifecycle=$build/bench/lifecycle
reps=${BENCH_REPS:-5}
scale_k=${BENCH_SCALE:-1}
only=" ${BENCH_ONLY:-linux cpu mmio lifecycle memory config storage shell net} "
results=${BENCH_RESULTS:-$root/bench/results.md}
limit=${BENCH_TIMEOUT:-120}
qemu_bin=${QEMU:-qemu-system-riscv64}
qemu=("$qemu_bin" -machine virt -bios default -nographic)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/v"

say() { echo "bench: $*" >&2; }
now() { date +%s.%N; }
want() { [[ "$only" == *" $1 "* ]]; }

# ---- figures: ordered rows; values in $tmp/v/ROW.VMM, one per line ----
rows=()
declare -A row_label row_unit row_na
# row ID "label" "unit"
row() {
	rows+=("$1")
	row_label[$1]=$2
	row_unit[$1]=$3
}
add() { echo "$3" >>"$tmp/v/$1.$2"; }
# na ROW VMM REASON: the first reason sticks ('|' would split the table cell)
na() {
	local key="$1.$2" why=${3//|//}
	[ -n "${row_na[$key]:-}" ] || row_na[$key]=$why
}
notes=()
note() { notes+=("$*"); }

row linux.c1 "1. Linux fixture, start to poweroff, -c 1" "s, lower is better"
row linux.c2 "1. Linux fixture, start to poweroff, -c 2" "s, lower is better"
row int.crc32 "2. integer: CRC32 over 64 KiB" "guest MIPS"
row int.sort "2. integer: heapsort of 16K keys" "guest MIPS"
row int.sieve "2. integer: sieve to 2^20" "guest MIPS"
row mem.chase "2. memory: pointer chase over 64 MiB" "guest MIPS"
row fp.matmul "2. floating point: 32x32 double matmul" "guest MIPS"
row trap.ecall "2. traps: U-mode ecall to own S handler, sret" "guest MIPS"
row trap.ecall.ns "2. traps: one ecall/sret round trip" "ns, lower is better"
row mmio.write "3. MMIO write exit round trip (UART SCR)" "ns/exit, lower is better"
row mmio.read "3. MMIO read exit round trip (UART SCR)" "ns/exit, lower is better"
row mmio.write.off "3. the same, write, axvm built without counters (make COUNTERS=0; the interleaved rounds, each run its fastest section)" "ns/exit, lower is better"
row mmio.read.off "3. the same, read, axvm built without counters (make COUNTERS=0; the interleaved rounds, each run its fastest section)" "ns/exit, lower is better"
row mmio.ratio.write "3. counters on / off, write: ratio within each interleaved round" "ratio, 1 = no cost"
row mmio.ratio.read "3. counters on / off, read: ratio within each interleaved round" "ratio, 1 = no cost"
row mmio.noise.write "3. noise: counters off / off (the same build run twice), write, same rounds" "ratio, 1 = no difference"
row mmio.noise.read "3. noise: counters off / off (the same build run twice), read, same rounds" "ratio, 1 = no difference"
row mmio.insns "3. host instructions per MMIO exit, --no-jit (callgrind; counters on)" "instructions, lower is better"
row mmio.insns.off "3. the same, axvm built without counters" "instructions, lower is better"
row lifecycle.board "4. VM create + run tiny guest + destroy (board API, 1 thread)" "VMs/s"
row lifecycle.runtime "4. VM create + run tiny guest + destroy (runtime API)" "VMs/s"
row lifecycle.spawn "4. floor: posix_spawn + wait of /bin/true" "processes/s"
row rss.128M "5. peak RSS, idle guest in wfi, 128 MiB RAM" "MiB, lower is better"
row rss.1G "5. peak RSS, idle guest in wfi, 1 GiB RAM" "MiB, lower is better"
row config.keys "6. config: axvm check, 1M keys in one table" "s, lower is better"
row config.tables "6. config: axvm check, 250K tables of 4 keys" "s, lower is better"
row storage.seqread "7. virtio-blk: sequential read, dd bs=1M iflag=direct" "MB/s"
row storage.seqwrite "7. virtio-blk: sequential write, dd bs=1M oflag=direct" "MB/s"
row storage.randread "7. virtio-blk: 4 KiB random reads, O_DIRECT, queue depth 1" "IOPS"
row storage.boot "7. Debian: start to the guest's first line after rcS (host wall time)" "s, lower is better"
row storage.uptime "7. Debian: guest uptime at that line" "s, lower is better"
row shell.loop "7. Debian: busybox sh loop, fork + exec per round (guest time; translator on)" "s, lower is better"
row shell.nojit "7. Debian: the same loop with axvm --no-jit" "s, lower is better"
row net.download "8. user networking: host -> guest TCP (guest wget from the host's loopback)" "MB/s"
row net.upload "8. user networking: guest -> host TCP (guest nc of /dev/zero)" "MB/s"
row net.rtt "8. user networking: HTTP GET through a port forward to the guest's httpd" "ms, lower is better"
na shell.nojit qemu "the row above has QEMU"
na lifecycle.board qemu "in-process library API, no QEMU equivalent"
na lifecycle.runtime qemu "in-process library API, no QEMU equivalent"
na lifecycle.spawn qemu "host floor, not a VMM"
na config.keys qemu "no VM config file in QEMU"
na mmio.write.off qemu "axvm's counters off; compare with the row with them on"
na mmio.insns qemu "host instruction count of axvm's own exit path"
na mmio.insns.off qemu "host instruction count of axvm's own exit path"
na mmio.read.off qemu "axvm's counters off; compare with the row with them on"
for name in ratio.write ratio.read noise.write noise.read; do
	na mmio.$name qemu "axvm's counters on against off"
done
na config.tables qemu "no VM config file in QEMU"

# Host wall time of whole guest runs (process start to exit), the cross-check.
wall_rows=()
declare -A wall_label
wall_row() {
	wall_rows+=("$1")
	wall_label[$1]=$2
}

# ---- running one VMM ----
# run_vmm VMM ELF MEM CPUS APPEND LOG [extra QEMU args]: sets run_rc, run_secs
run_vmm() {
	local vmm=$1 elf=$2 mem=$3 cpus=$4 append=$5 log=$6 t0
	shift 6
	t0=$(now)
	if [ "$vmm" = axvm ]; then
		timeout -k 5 "$limit" "$axvm" run -k "$elf" -m "$mem" -c "$cpus" \
			${append:+-p "$append"} </dev/null >"$log" 2>&1
	else
		timeout -k 5 "$limit" "${qemu[@]}" -m "$mem" -smp "$cpus" -kernel "$elf" \
			${append:+-append "$append"} "$@" </dev/null >"$log" 2>&1
	fi
	run_rc=$?
	run_secs=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.4f", a - b }')
	sed -i 's/\r$//' "$log"
}

# Why a run failed, from its exit status and last line.
why_failed() {
	local rc=$1 log=$2
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "no poweroff within ${limit}s"
	else
		echo "exit status $rc: $(grep -av '^$' "$log" | tail -n 1 | cut -c1-100)"
	fi
}

axvm_ok=1
if [ ! -x "$axvm" ]; then
	axvm_ok=0
	axvm_why="no axvm binary at $axvm (run make)"
fi
qemu_ok=1
if ! command -v "$qemu_bin" >/dev/null; then
	qemu_ok=0
	qemu_why="$qemu_bin not found (apt install qemu-system-misc)"
fi

# ---- 1. Linux fixture ----
linux_image() {
	local fixture=$root/scripts/linux-guest.sh
	if [ -n "${BENCH_LINUX_IMAGE:-}" ]; then
		echo "$BENCH_LINUX_IMAGE"
		return
	fi
	[ -r "$fixture" ] || return 1
	# Only an Image the fixture already built: bench never builds a kernel.
	bash "$fixture" --cached
}

bench_linux() {
	local image c vmm log r
	if ! image=$(linux_image) || [ ! -s "$image" ]; then
		for c in 1 2; do
			na linux.c$c axvm "fixture not built: run scripts/linux-guest.sh (or make test)"
			na linux.c$c qemu "fixture not built: run scripts/linux-guest.sh (or make test)"
		done
		return
	fi
	note "Linux fixture: $image, -m 128M, console=ttyS0 on both."
	for r in $(seq "$reps"); do
		for c in 1 2; do
			for vmm in qemu axvm; do
				[ $vmm = axvm ] && [ $axvm_ok = 0 ] && continue
				[ $vmm = qemu ] && [ $qemu_ok = 0 ] && continue
				say "linux -c $c on $vmm ($r/$reps)"
				log=$tmp/linux-$vmm-$c.log
				run_vmm $vmm "$image" 128M "$c" "console=ttyS0" "$log"
				if [ "$run_rc" -ne 0 ] || ! grep -q "axvm-init: harts=$c\b" "$log"; then
					na linux.c$c $vmm "$(why_failed "$run_rc" "$log")"
					cp "$log" "$tmp/fail-linux-$vmm-$c.log"
					continue
				fi
				add linux.c$c $vmm "$run_secs"
			done
		done
	done
}

# ---- 2./3. guest kernels ----
# guest NAME BOOTARGS: its BENCH lines become rows NAME.* (see guests/bench/bench.h)
declare -A ref_insns ref_check
insns_same=0
insns_diff=0
# Bootargs with every scale=N multiplied by BENCH_SCALE.
scaled() {
	local w out=""
	for w in $1; do
		case $w in
		scale=*) w="scale=$((${w#scale=} * scale_k))" ;;
		esac
		out="$out${out:+ }$w"
	done
	echo "$out"
}

# parse_bench LOG: "name insns ticks tb work check" per BENCH line
parse_bench() {
	awk '$1 == "BENCH" {
		delete f
		for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		print $2, f["insns"], f["ticks"], f["tb"], f["work"], f["check"]
	}' "$1"
}

# The figure a BENCH line stands for: row and value.
record() {
	local vmm=$1 name=$2 insns=$3 ticks=$4 tb=$5 work=$6
	local secs
	secs=$(awk -v t="$ticks" -v tb="$tb" 'BEGIN { printf "%.9f", t / tb }')
	if awk -v s="$secs" 'BEGIN { exit !(s <= 0) }'; then
		na "$name" $vmm "timed section took 0 ticks"
		return
	fi
	case $name in
	mmio.*)
		add "$name" $vmm "$(awk -v s="$secs" -v n="$work" 'BEGIN { print s * 1e9 / n }')"
		;;
	*)
		add "$name" $vmm "$(awk -v s="$secs" -v i="$insns" 'BEGIN { print i / s / 1e6 }')"
		if [ "$name" = trap.ecall ]; then
			add trap.ecall.ns $vmm \
				"$(awk -v s="$secs" -v n="$work" 'BEGIN { print s * 1e9 / n }')"
		fi
		;;
	esac
}

bench_guest() {
	local g=$1 args elf log r vmm name insns ticks tb work check
	args=$(scaled "$2")
	elf=$gdir/bench_$g.elf
	wall_row "$g" "bench_$g${args:+ ($args)}: whole run"
	if [ ! -s "$elf" ]; then
		say "missing $elf (make bench-guests)"
		note "bench_$g: $elf missing (make bench-guests)"
		return
	fi
	# One QEMU run with -icount shift=0, where instret counts instructions
	# (without it QEMU 7.2 returns host cycles): the instruction count and
	# the checksum of each section, the same on every correct VMM.
	if [ $qemu_ok = 1 ]; then
		say "bench_$g on qemu -icount (instruction count)"
		log=$tmp/icount-$g.log
		run_vmm qemu "$elf" 256M 1 "$args" "$log" -icount shift=0
		while read -r name insns ticks tb work check; do
			ref_insns[$name]=$insns
			ref_check[$name]=$check
		done < <(parse_bench "$log")
		grep -q "^PASS bench_$g$" "$log" ||
			note "bench_$g: the QEMU -icount run did not pass ($(why_failed "$run_rc" "$log"))"
	fi
	for r in $(seq "$reps"); do
		for vmm in qemu axvm; do
			if [ $vmm = axvm ] && [ $axvm_ok = 0 ]; then
				continue
			fi
			[ $vmm = qemu ] && [ $qemu_ok = 0 ] && continue
			say "bench_$g on $vmm ($r/$reps)"
			log=$tmp/$g-$vmm.log
			run_vmm $vmm "$elf" 256M 1 "$args" "$log"
			if [ "$run_rc" -ne 0 ] || ! grep -q "^PASS bench_$g$" "$log"; then
				local why
				why=$(why_failed "$run_rc" "$log")
				na "wall.$g" $vmm "$why"
				while read -r name _; do
					na "$name" $vmm "$why"
				done < <(parse_bench "$log")
				# sections that never printed: name them by prefix
				for name in "${rows[@]}"; do
					[[ $name == $g.* ]] && na "$name" $vmm "$why"
				done
				cp "$log" "$tmp/fail-$g-$vmm.log"
				continue
			fi
			add "wall.$g" $vmm "$run_secs"
			while read -r name insns ticks tb work check; do
				if [ -n "${ref_check[$name]:-}" ] && [ "$check" != "${ref_check[$name]}" ]; then
					na "$name" $vmm "wrong result: check $check, QEMU ${ref_check[$name]}"
					continue
				fi
				if [ $vmm = qemu ]; then
					if [ -z "${ref_insns[$name]:-}" ]; then
						na "$name" qemu "no instruction count (QEMU -icount run failed)"
						continue
					fi
					insns=${ref_insns[$name]}
				elif [ -n "${ref_insns[$name]:-}" ]; then
					if [ "$insns" = "${ref_insns[$name]}" ]; then
						insns_same=$((insns_same + 1))
					else
						insns_diff=$((insns_diff + 1))
						note "$name: axvm instret $insns != QEMU -icount ${ref_insns[$name]}"
					fi
				fi
				record $vmm "$name" "$insns" "$ticks" "$tb" "$work"
			done < <(parse_bench "$log")
		done
	done
}

# What the counters cost in time: BENCH_MMIO_ROUNDS rounds, each running the
# MMIO guest on the counted build ("on"), on the build without counters
# ("off") and on that build again ("off2"), one right after the other, in an
# order that rotates every round (so that neither build is always first
# after a pause). Each run times 16 short sections of each kind (rounds=16,
# about 0.2 ms each) and keeps its fastest, the one least disturbed by other
# processes. A round's on/off ratio compares runs a few tens of milliseconds
# apart, under the same host load; the median over the rounds is the
# figure, and off2/off over the same rounds is what two identical builds
# differ by on this host at the time (the noise the ratio must beat).
mmio_round_run() {
	local bin=$1 args=$2 log=$tmp/mmio-round.log
	axvm=$bin run_vmm axvm "$gdir/bench_mmio.elf" 256M 1 "$args" "$log"
	if [ "$run_rc" -ne 0 ] || ! grep -q "^PASS bench_mmio$" "$log"; then
		why_failed "$run_rc" "$log" >"$tmp/mmio-round.why"
		return 1
	fi
	# "write read": each kind's fastest section, ns per access
	parse_bench "$log" | awk '{ v = $3 / $4 * 1e9 / $5; if (!($1 in m) || v < m[$1]) m[$1] = v }
		END { if ("mmio.write" in m && "mmio.read" in m) print m["mmio.write"], m["mmio.read"] }'
}

bench_mmio_rounds() {
	local args rounds=${BENCH_MMIO_ROUNDS:-60} r k tag name why ok bin
	local on_w on_r off_w off_r off2_w off2_r
	local -A ns
	args="$(scaled "scale=1") rounds=16"
	if [ ! -x "$axvm_nocounters" ]; then
		for name in write.off read.off ratio.write ratio.read noise.write noise.read; do
			na mmio.$name axvm "no $axvm_nocounters (make bench builds it)"
		done
		return
	fi
	say "bench_mmio: $rounds interleaved rounds of counters on, off, off again"
	for r in $(seq "$rounds"); do
		ns=()
		ok=1
		for k in 0 1 2; do
			case $(((r + k) % 3)) in
			0) tag=on bin=$axvm ;;
			1) tag=off bin=$axvm_nocounters ;;
			2) tag=off2 bin=$axvm_nocounters ;;
			esac
			if ! ns[$tag]=$(mmio_round_run "$bin" "$args") || [ -z "${ns[$tag]// /}" ]; then
				ok=0
				break
			fi
		done
		if [ $ok = 0 ]; then
			why=$(cat "$tmp/mmio-round.why" 2>/dev/null)
			for name in write.off read.off ratio.write ratio.read noise.write noise.read; do
				na mmio.$name axvm "round $r ($tag): ${why:-no BENCH lines}"
			done
			return
		fi
		# "write read" ns/access of each run
		read -r on_w on_r <<<"${ns[on]}"
		read -r off_w off_r <<<"${ns[off]}"
		read -r off2_w off2_r <<<"${ns[off2]}"
		add mmio.write.off axvm "$off_w"
		add mmio.read.off axvm "$off_r"
		add mmio.ratio.write axvm "$(awk -v a="$on_w" -v b="$off_w" 'BEGIN { printf "%.4f", a / b }')"
		add mmio.ratio.read axvm "$(awk -v a="$on_r" -v b="$off_r" 'BEGIN { printf "%.4f", a / b }')"
		add mmio.noise.write axvm "$(awk -v a="$off2_w" -v b="$off_w" 'BEGIN { printf "%.4f", a / b }')"
		add mmio.noise.read axvm "$(awk -v a="$off2_r" -v b="$off_r" 'BEGIN { printf "%.4f", a / b }')"
		echo "$on_w" >>"$tmp/mmio-on.write"
		echo "$on_r" >>"$tmp/mmio-on.read"
	done
	note "mmio: $rounds interleaved rounds (bench_mmio $args, each run's fastest section; each round" \
		"the counted build, the build without counters and that build again, in rotating order); the" \
		"ratio rows are median (min-max) of the rounds' ratios, the noise rows the same for two runs of one build."
}

# Host instructions per MMIO exit, counted by callgrind: immune to the host's
# load, unlike the ns rows. Two runs of the MMIO guest differing only in the
# number of exits; the difference in instructions over the difference in
# exits leaves out boot and setup. The interpreter, since the translated
# code's MMIO path is generated code valgrind would have to re-translate.
bench_mmio_insns() {
	local vmm=$1 bin=$2 row=$3 s ir exits ir0 exits0
	if ! command -v valgrind >/dev/null; then
		na "$row" $vmm "no valgrind (scripts/deps.sh installs it)"
		return
	fi
	if [ ! -x "$bin" ]; then
		na "$row" $vmm "no $bin"
		return
	fi
	say "host instructions per MMIO exit: $bin"
	for s in 2 4; do
		timeout -k 5 "$limit" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			"$bin" run -k "$gdir/bench_mmio.elf" -m 256M --no-jit -p "scale=$s" \
			</dev/null >"$tmp/insns.log" 2>&1
		ir=$(awk '/Collected :/ { print $NF }' "$tmp/insns.log")
		exits=$(parse_bench "$tmp/insns.log" | awk '{ n += $5 } END { print n + 0 }')
		if [ -z "$ir" ] || [ "$exits" = 0 ]; then
			na "$row" $vmm "the callgrind run failed ($(tail -n 1 "$tmp/insns.log" | cut -c1-80))"
			return
		fi
		if [ $s = 2 ]; then
			ir0=$ir exits0=$exits
		fi
	done
	add "$row" $vmm "$(awk -v a="$ir" -v b="$ir0" -v x="$exits" -v y="$exits0" \
		'BEGIN { printf "%.1f", (a - b) / (x - y) }')"
}

# ---- 4. lifecycle ----
bench_lifecycle() {
	local name v
	if [ ! -x "$lifecycle" ]; then
		for name in lifecycle.board lifecycle.runtime lifecycle.spawn; do
			na $name axvm "no $lifecycle (make bench-guests)"
		done
		return
	fi
	say "lifecycle ($reps x ${BENCH_LIFECYCLE_ITERS:-300} VMs per figure)"
	"$lifecycle" "$gdir/bench_tiny.elf" "$reps" "${BENCH_LIFECYCLE_ITERS:-300}" \
		>"$tmp/lifecycle.log" 2>&1
	while read -r name v; do
		case $name in
		lifecycle.*) [[ $v =~ ^[0-9.]+$ ]] && add "$name" axvm "$v" ;;
		esac
	done <"$tmp/lifecycle.log"
	for name in lifecycle.board lifecycle.runtime lifecycle.spawn; do
		[ -s "$tmp/v/$name.axvm" ] ||
			na $name axvm "$(grep -a failed "$tmp/lifecycle.log" | head -n 1 | cut -c1-100)"
	done
}

# ---- 5. memory ----
# idle_rss VMM MEM: peak RSS (VmHWM) in MiB of a VMM whose guest waits in wfi
idle_rss() {
	local vmm=$1 mem=$2 log=$tmp/idle-$1-$2.log pid hwm i
	if [ "$vmm" = axvm ]; then
		"$axvm" run -k "$gdir/bench_idle.elf" -m "$mem" </dev/null >"$log" 2>&1 &
	else
		"${qemu[@]}" -m "$mem" -kernel "$gdir/bench_idle.elf" </dev/null >"$log" 2>&1 &
	fi
	pid=$!
	for i in $(seq 300); do
		grep -q "bench_idle: waiting in wfi" "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "bench_idle: waiting in wfi" "$log"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "the idle guest never reached wfi: $(tail -n 1 "$log" | cut -c1-80)"
		return 1
	fi
	sleep 0.5 # let it settle in wfi
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -z "$hwm" ]; then
		echo "no VmHWM in /proc/$pid/status"
		return 1
	fi
	awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }'
}

bench_memory() {
	local r vmm mem v
	for r in $(seq "$reps"); do
		for mem in 128M 1G; do
			for vmm in qemu axvm; do
				[ $vmm = axvm ] && [ $axvm_ok = 0 ] && continue
				[ $vmm = qemu ] && [ $qemu_ok = 0 ] && continue
				say "idle RSS, $mem, $vmm ($r/$reps)"
				if v=$(idle_rss $vmm $mem); then
					add rss.$mem $vmm "$v"
				else
					na rss.$mem $vmm "$v"
				fi
			done
		done
	done
}

# ---- 6. config files ----
# `axvm check` of two generated files near the 16 MiB limit: 1M keys in one
# table (10.4 MiB) and 250K tables of 4 keys (8.3 MiB). Both parse whole and
# then fail on their unknown table, so the time is reading plus parsing.
bench_config() {
	local r name t0 rc secs
	if [ $axvm_ok = 0 ]; then
		return
	fi
	awk 'BEGIN { print "[t]"; for (i = 0; i < 1000000; i++) printf "k%x = 1\n", i }' \
		>"$tmp/keys.toml"
	awk 'BEGIN { for (i = 0; i < 250000; i++) printf "[t%x]\na = 1\nb = 2\nc = 3\nd = 4\n", i }' \
		>"$tmp/tables.toml"
	for r in $(seq "$reps"); do
		for name in keys tables; do
			say "config: axvm check, $name ($r/$reps)"
			t0=$(now)
			timeout -k 5 "$limit" "$axvm" check "$tmp/$name.toml" >"$tmp/config.log" 2>&1
			rc=$?
			secs=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.4f", a - b }')
			if [ $rc -eq 1 ] && grep -q "unknown table" "$tmp/config.log"; then
				add config.$name axvm "$secs"
			else
				na config.$name axvm "status $rc: $(head -n 1 "$tmp/config.log" | cut -c1-80)"
			fi
		done
	done
}

# ---- 7. shell: the Debian guest running a shell loop ----
# bench/shell_guest.sh written into a copy of the root image as
# /etc/axvm/bench-shell.sh, booted with axvm.bench=shell: a busybox sh loop
# that forks and execs every round, timed with the guest's clock. New code
# keeps arriving (every exec maps pages, Linux runs fence.i), so this is
# where translation and invalidation cost shows. axvm runs it with the
# translator (the default) and with --no-jit.
shell_run() {
	local vmm=$1 log=$2
	shift 2
	local params="console=ttyS0 root=/dev/vda rw axvm.script=1 axvm.bench=shell"
	params="$params axvm.bench.iters=$sh_iters"
	cp --sparse=always "$sh_pristine" "$tmp/sh-root.img"
	debugfs -w -f - "$tmp/sh-root.img" >"$tmp/sh-debugfs.log" 2>&1 <<-EOF
		cd /etc/axvm
		write $here/shell_guest.sh bench-shell.sh
		sif bench-shell.sh mode 0100755
		sif bench-shell.sh uid 0
		sif bench-shell.sh gid 0
	EOF
	if [ "$vmm" = axvm ]; then
		timeout -k 5 "$sh_limit" "$axvm" run -k "$sh_kernel" -i "$sh_initrd" -m 256M -c 1 \
			-d "$tmp/sh-root.img" -p "$params" "$@" </dev/null >"$log" 2>&1
	else
		# shellcheck disable=SC2054 # commas inside QEMU option values
		timeout -k 5 "$sh_limit" "${qemu[@]}" -m 256M -smp 1 -kernel "$sh_kernel" \
			-initrd "$sh_initrd" -append "$params" \
			-drive "if=none,format=raw,id=hd0,file=$tmp/sh-root.img" \
			-device virtio-blk-device,drive=hd0 </dev/null >"$log" 2>&1
	fi
	run_rc=$?
	sed -i 's/\r$//' "$log"
}

bench_shell() {
	local paths r vmm log v row
	if ! paths=$(bash "$root/scripts/debian-guest.sh" --cached 2>/dev/null) ||
		[ "$(echo "$paths" | wc -l)" -ne 3 ]; then
		for row in loop nojit; do
			na shell.$row axvm "Debian guest not built: run scripts/debian-guest.sh (or make run)"
		done
		na shell.loop qemu "Debian guest not built: run scripts/debian-guest.sh (or make run)"
		return
	fi
	if ! command -v debugfs >/dev/null; then
		for row in loop nojit; do
			na shell.$row axvm "no debugfs (apt install e2fsprogs)"
		done
		na shell.loop qemu "no debugfs (apt install e2fsprogs)"
		return
	fi
	{ read -r sh_kernel; read -r sh_initrd; read -r sh_pristine; } <<<"$paths"
	sh_iters=$((${BENCH_SHELL_ITERS:-300} * scale_k))
	sh_limit=${BENCH_DEBIAN_TIMEOUT:-300}
	note "shell: Debian guest, -m 256M, one vCPU; $sh_iters rounds of" \
		"'sum=\$((sum + \$(echo \"\$i\" | wc -c)))' in busybox sh (bench/shell_guest.sh)."
	for r in $(seq "$reps"); do
		for vmm in qemu axvm nojit; do
			case $vmm in
			qemu) [ $qemu_ok = 0 ] && continue ;;
			*) [ $axvm_ok = 0 ] && continue ;;
			esac
			say "shell loop (Debian) on $vmm ($r/$reps)"
			log=$tmp/shell-$vmm.log
			row=shell.loop
			case $vmm in
			nojit)
				row=shell.nojit
				shell_run axvm "$log" --no-jit
				;;
			*) shell_run $vmm "$log" ;;
			esac
			v=$(sed -n 's/^.*axvm-bench: shell_secs=\([0-9.][0-9.]*\).*$/\1/p' "$log" | head -n 1)
			if [ -n "$v" ] && grep -aq "^axvm-bench: done" "$log"; then
				add $row "${vmm/nojit/axvm}" "$v"
			else
				na $row "${vmm/nojit/axvm}" "$(why_failed "$run_rc" "$log")"
				cp "$log" "$tmp/fail-shell-$vmm.log"
			fi
		done
	done
}

# ---- 7. storage: the Debian guest, virtio-blk ----
# The Debian guest of scripts/debian-guest.sh (only if already built, as for
# the Linux fixture) on fresh copies of its root image plus a fresh sparse
# data disk, with axvm.bench=storage: rcS runs /etc/axvm/bench-storage.sh
# instead of the session, which prints "axvm-bench: KEY=VALUE" lines timed
# with the guest's clock and powers off. The random-read loop is
# bench/blk_guest.c, cross-compiled here and written into the image copy.
storage_fail() {
	local vmm=$1 why=$2 name
	for name in seqread seqwrite randread boot uptime; do
		na storage.$name "$vmm" "$why"
	done
}

# storage_run VMM LOG: one boot; sets run_rc, run_secs, run_marker (host
# seconds from start to the "axvm-bench: start" line, empty if none)
storage_run() {
	local vmm=$1 log=$2 t0 pid
	local params="console=ttyS0 root=/dev/vda rw axvm.script=1 axvm.bench=storage"
	params="$params axvm.bench.mib=$st_mib axvm.bench.reads=$st_reads"
	cp --sparse=always "$st_pristine" "$tmp/st-root.img"
	if [ -n "$st_helper" ]; then
		debugfs -w -f - "$tmp/st-root.img" >"$tmp/st-debugfs.log" 2>&1 <<-EOF
			cd /usr/bin
			write $st_helper axvm-blkbench
			sif axvm-blkbench mode 0100755
			sif axvm-blkbench uid 0
			sif axvm-blkbench gid 0
		EOF
	fi
	rm -f "$tmp/st-data.img"
	truncate -s "$st_disk_mib"M "$tmp/st-data.img"
	: >"$log"
	t0=$(now)
	if [ "$vmm" = axvm ]; then
		timeout -k 5 "$st_limit" "$axvm" run -k "$st_kernel" -i "$st_initrd" -m 256M -c 1 \
			-d "$tmp/st-root.img" -d "$tmp/st-data.img,serial=axvm-data" \
			-p "$params" </dev/null >"$log" 2>&1 &
	else
		# shellcheck disable=SC2054 # commas inside QEMU option values
		timeout -k 5 "$st_limit" "${qemu[@]}" -m 256M -smp 1 -kernel "$st_kernel" \
			-initrd "$st_initrd" -append "$params" \
			-drive "if=none,format=raw,id=hd0,file=$tmp/st-root.img" \
			-device virtio-blk-device,drive=hd0 \
			-drive "if=none,format=raw,id=d1,file=$tmp/st-data.img" \
			-device virtio-blk-device,drive=d1,serial=axvm-data </dev/null >"$log" 2>&1 &
	fi
	pid=$!
	run_marker=
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$run_marker" ] && grep -aq "axvm-bench: start" "$log"; then
			run_marker=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
		fi
		sleep 0.05
	done
	wait "$pid"
	run_rc=$?
	run_secs=$(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.4f", a - b }')
	sed -i 's/\r$//' "$log"
}

# storage_value LOG KEY: VALUE of the first "axvm-bench: ... KEY=VALUE"
storage_value() {
	sed -n "s/^.*axvm-bench: .*\b$2=\([0-9.][0-9.]*\).*$/\1/p" "$1" | head -n 1
}

bench_storage() {
	local paths r vmm log v name key
	if ! paths=$(bash "$root/scripts/debian-guest.sh" --cached 2>/dev/null) ||
		[ "$(echo "$paths" | wc -l)" -ne 3 ]; then
		storage_fail axvm "Debian guest not built: run scripts/debian-guest.sh (or make run)"
		storage_fail qemu "Debian guest not built: run scripts/debian-guest.sh (or make run)"
		return
	fi
	{ read -r st_kernel; read -r st_initrd; read -r st_pristine; } <<<"$paths"
	st_mib=$((${BENCH_STORAGE_MIB:-128} * scale_k))
	st_reads=$((${BENCH_STORAGE_READS:-4000} * scale_k))
	st_disk_mib=$((st_mib > 256 ? st_mib : 256))
	st_limit=${BENCH_DEBIAN_TIMEOUT:-300}
	st_helper=$tmp/axvm-blkbench
	if ! riscv64-linux-gnu-gcc -static -O2 -o "$st_helper" "$here/blk_guest.c" \
		>"$tmp/st-cc.log" 2>&1; then
		st_helper=
		na storage.randread axvm "no riscv64-linux-gnu-gcc -static (apt install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)"
		na storage.randread qemu "no riscv64-linux-gnu-gcc -static (apt install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)"
	fi
	if ! command -v debugfs >/dev/null; then
		st_helper=
		na storage.randread axvm "no debugfs (apt install e2fsprogs)"
		na storage.randread qemu "no debugfs (apt install e2fsprogs)"
	fi
	note "storage: Debian guest $(dirname "$st_kernel"), -m 256M, one vCPU; a fresh copy of its" \
		"root image and a fresh sparse ${st_disk_mib} MiB raw data disk per run (axvm -d," \
		"QEMU -drive format=raw,if=none + virtio-blk-device, QEMU's default cache=writeback);" \
		"${st_mib} MiB written then read, ${st_reads} random reads; MB = 10^6 bytes."
	for r in $(seq "$reps"); do
		for vmm in qemu axvm; do
			[ $vmm = axvm ] && [ $axvm_ok = 0 ] && continue
			[ $vmm = qemu ] && [ $qemu_ok = 0 ] && continue
			say "storage (Debian, virtio-blk) on $vmm ($r/$reps)"
			log=$tmp/storage-$vmm.log
			storage_run $vmm "$log"
			if ! grep -aq "^axvm-bench: done" "$log"; then
				v=$(grep -a "axvm-bench: FAILED" "$log" | head -n 1 | cut -c1-100)
				[ -n "$v" ] || v=$(why_failed "$run_rc" "$log")
				storage_fail $vmm "$v"
				cp "$log" "$tmp/fail-storage-$vmm.log"
				continue
			fi
			add storage.boot $vmm "$run_marker"
			for name in seqread seqwrite randread uptime; do
				case $name in
				seqread | seqwrite) key=${name}_mbs ;;
				randread) key=randread_iops ;;
				uptime) key=uptime ;;
				esac
				v=$(storage_value "$log" $key)
				if [ -n "$v" ]; then
					add storage.$name $vmm "$v"
				else
					na storage.$name $vmm "no $key in the guest's output"
				fi
			done
		done
	done
}

# ---- 8. networking: the Debian guest, virtio-net, user-mode networking ----
# The network test's guest script (guests/debian/rootfs/etc/axvm/test-net.sh,
# axvm.test=net) with tests/integration/net_host.py on the host's loopback:
# the guest's wget of BENCH_NET_MIB MiB from the host, its nc of as much
# /dev/zero to the host, both timed with the guest's clock, and the host's
# HTTP GETs through hostfwd to the guest's busybox httpd (median of 20,
# host wall time). axvm --net user,hostfwd=... against QEMU -netdev
# user,hostfwd=... with virtio-net-device, the same kernel and image.
net_fail() {
	local vmm=$1 why=$2 name
	for name in download upload rtt; do
		na net.$name "$vmm" "$why"
	done
}

# net_run VMM LOG: one boot; sets run_rc and net_rtt (ms, empty if none)
net_run() {
	local vmm=$1 log=$2 pid fwd
	local params="console=ttyS0 root=/dev/vda rw axvm.test=net axvm.net.port=$nt_port"
	params="$params axvm.net.rport=$nt_rport axvm.net.mib=$nt_mib axvm.net.hash=0"
	fwd=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cp --sparse=always "$nt_pristine" "$tmp/nt-root.img"
	rm -f "$tmp/www/go"
	: >"$log"
	if [ "$vmm" = axvm ]; then
		timeout -k 5 "$nt_limit" "$axvm" run -k "$nt_kernel" -i "$nt_initrd" -m 256M -c 1 \
			-d "$tmp/nt-root.img" --net "user,hostfwd=tcp:127.0.0.1:$fwd-:80${BENCH_NET_OPTS:-}" \
			-p "$params" </dev/null >"$log" 2>&1 &
	else
		# shellcheck disable=SC2054 # commas inside QEMU option values
		timeout -k 5 "$nt_limit" "${qemu[@]}" -m 256M -smp 1 -kernel "$nt_kernel" \
			-initrd "$nt_initrd" -append "$params" \
			-drive "if=none,format=raw,id=hd0,file=$tmp/nt-root.img" \
			-device virtio-blk-device,drive=hd0 \
			-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$fwd-:80" \
			-device virtio-net-device,netdev=n0 </dev/null >"$log" 2>&1 &
	fi
	pid=$!
	net_rtt=
	while kill -0 "$pid" 2>/dev/null; do
		if [ ! -e "$tmp/www/go" ] && grep -aq "axvm-net: httpd ready" "$log"; then
			net_rtt=$(python3 -c 'import sys, time, urllib.request
u = "http://127.0.0.1:" + sys.argv[1] + "/"
t = []
for _ in range(20):
    t0 = time.monotonic(); urllib.request.urlopen(u, timeout=30).read(); t.append(time.monotonic() - t0)
t.sort(); print("%.3f" % (1000 * t[len(t) // 2]))' "$fwd" 2>/dev/null)
			touch "$tmp/www/go"
		fi
		sleep 0.05
	done
	wait "$pid"
	run_rc=$?
	sed -i 's/\r$//' "$log"
}

# net_mbs LOG WHAT: MB/s of the "axvm-net: WHAT ... bytes=N secs=S" line
net_mbs() {
	sed -n "s/^.*axvm-net: $2 .*bytes=\([0-9]*\) secs=\([0-9.]*\).*$/\1 \2/p" "$1" | head -n 1 |
		awk '$2 > 0 { printf "%.3f", $1 / $2 / 1e6 }'
}

bench_net() {
	local paths r vmm log v name
	if ! paths=$(bash "$root/scripts/debian-guest.sh" --cached 2>/dev/null) ||
		[ "$(echo "$paths" | wc -l)" -ne 3 ]; then
		net_fail axvm "Debian guest not built: run scripts/debian-guest.sh (or make run)"
		net_fail qemu "Debian guest not built: run scripts/debian-guest.sh (or make run)"
		return
	fi
	{ read -r nt_kernel; read -r nt_initrd; read -r nt_pristine; } <<<"$paths"
	nt_mib=$((${BENCH_NET_MIB:-16} * scale_k))
	nt_limit=${BENCH_DEBIAN_TIMEOUT:-300}
	mkdir -p "$tmp/www"
	head -c $((nt_mib * 1048576)) /dev/urandom >"$tmp/www/big.bin"
	echo "small" >"$tmp/www/small.txt"
	python3 "$root/tests/integration/net_host.py" "$tmp/www" >"$tmp/net-host.log" 2>&1 &
	nt_host=$!
	for _ in $(seq 50); do [ -s "$tmp/net-host.log" ] && break; sleep 0.1; done
	read -r nt_port nt_rport _ <"$tmp/net-host.log"
	note "net: Debian guest, -m 256M, one vCPU; axvm --net user,hostfwd=... against QEMU" \
		"-netdev user,hostfwd=... + virtio-net-device (both libslirp); ${nt_mib} MiB each way," \
		"timed with the guest's clock; MB = 10^6 bytes; RTT: median of 20 sequential GETs."
	for r in $(seq "$reps"); do
		for vmm in qemu axvm; do
			[ $vmm = axvm ] && [ $axvm_ok = 0 ] && continue
			[ $vmm = qemu ] && [ $qemu_ok = 0 ] && continue
			say "net (Debian, virtio-net, user networking) on $vmm ($r/$reps)"
			log=$tmp/net-$vmm.log
			net_run $vmm "$log"
			if ! grep -aq "axvm-net: done" "$log"; then
				v=$(grep -a "axvm-net: FAILED" "$log" | head -n 1 | cut -c1-100)
				[ -n "$v" ] || v=$(why_failed "$run_rc" "$log")
				net_fail $vmm "$v"
				cp "$log" "$tmp/fail-net-$vmm.log"
				continue
			fi
			for name in download upload; do
				v=$(net_mbs "$log" $name)
				if [ -n "$v" ]; then
					add net.$name $vmm "$v"
				else
					na net.$name $vmm "no $name line in the guest's output"
				fi
			done
			if [ -n "$net_rtt" ]; then
				add net.rtt $vmm "$net_rtt"
			else
				na net.rtt $vmm "no answer through the port forward"
			fi
		done
	done
	kill "$nt_host" 2>/dev/null
	wait "$nt_host" 2>/dev/null
}

# ---- run ----
start_all=$(now)
want linux && bench_linux
if want cpu; then
	bench_guest int "scale=8"
	bench_guest mem "scale=4 mib=64"
	bench_guest fp "scale=16"
	bench_guest trap "scale=16"
fi
if want mmio; then
	bench_guest mmio "scale=16"
	[ $axvm_ok = 1 ] && bench_mmio_rounds
	bench_mmio_insns axvm "$axvm" mmio.insns
	bench_mmio_insns axvm "$axvm_nocounters" mmio.insns.off
fi
if want lifecycle; then
	bench_lifecycle
	bench_guest tiny ""
fi
want memory && bench_memory
want config && bench_config
want storage && bench_storage
want shell && bench_shell
want net && bench_net

insns_all=$((insns_same + insns_diff))
if [ $insns_all -ne 0 ]; then
	note "axvm's instret equalled QEMU -icount's instruction count in $insns_same of" \
		"$insns_all timed section runs; every checksum was compared with QEMU's."
fi

for name in write read; do
	if [ -s "$tmp/mmio-on.$name" ] && [ -s "$tmp/v/mmio.$name.off.axvm" ]; then
		note "mmio.$name: the best round with counters / the best without =" \
			"$(awk -v a="$(sort -g "$tmp/mmio-on.$name" | head -n 1)" \
				-v b="$(sort -g "$tmp/v/mmio.$name.off.axvm" | head -n 1)" \
				'BEGIN { printf "%.3f", a / b }') (fastest runs, the least disturbed by the host)"
	fi
done

if [ -s "$tmp/v/mmio.insns.axvm" ] && [ -s "$tmp/v/mmio.insns.off.axvm" ]; then
	note "mmio.insns: the counters cost $(awk -v a="$(head -n 1 "$tmp/v/mmio.insns.axvm")" \
		-v b="$(head -n 1 "$tmp/v/mmio.insns.off.axvm")" \
		'BEGIN { printf "%.1f host instructions per exit (%.1f%%)", a - b, (a - b) * 100 / b }')"
fi

# ---- the table ----
# stats FILE: "median min max n"
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR], NR
	}'
}
fmt() {
	awk -v v="$1" 'BEGIN {
		a = v < 0 ? -v : v
		if (a >= 1000) printf "%.0f", v
		else if (a >= 100) printf "%.1f", v
		else if (a >= 10) printf "%.2f", v
		else printf "%.3f", v
	}'
}
# cell ROW VMM: "median (min-max)" or "n/a (reason)"
cell() {
	local f=$tmp/v/$1.$2 s m lo hi
	if [ -s "$f" ] && s=$(stats "$f"); then
		read -r m lo hi _ <<<"$s"
		echo "$(fmt "$m") ($(fmt "$lo")-$(fmt "$hi"))"
		return
	fi
	local why=${row_na[$1.$2]:-}
	if [ -z "$why" ]; then
		case $2 in
		axvm) why=${axvm_why:-not measured} ;;
		qemu) why=${qemu_why:-not measured} ;;
		esac
		want_group_of "$1" || why="not run (BENCH_ONLY)"
	fi
	echo "n/a ($why)"
}
want_group_of() {
	case $1 in
	linux.*) want linux ;;
	mmio.* | wall.mmio) want mmio ;;
	lifecycle.* | wall.tiny) want lifecycle ;;
	rss.*) want memory ;;
	config.*) want config ;;
	storage.*) want storage ;;
	shell.*) want shell ;;
	net.*) want net ;;
	*) want cpu ;;
	esac
}
ratio() {
	[ -n "$1" ] && [ -n "$2" ] || {
		echo "-"
		return
	}
	awk -v a="$1" -v q="$2" 'BEGIN { if (q > 0) printf "%.3f", a / q; else print "-" }'
}

total=$(awk -v a="$(now)" -v b="$start_all" 'BEGIN { printf "%.0f", a - b }')
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
qver=$("$qemu_bin" --version 2>/dev/null | head -n 1)
{
	echo "# axvm benchmarks"
	echo
	echo "\`make bench\` at commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs"
	echo "(${cpu:-unknown CPU}); QEMU: ${qver:-none} (\`-machine virt -bios default\`)."
	echo "Each figure: median (min-max) of $reps runs (BENCH_REPS), guest work x$scale_k"
	echo "(BENCH_SCALE); the whole run took ${total} s. Ratio = axvm median / QEMU median."
	echo "Guest MIPS = retired instructions of the timed section / its guest time"
	echo "(rdtime at the device tree's timebase); docs/bench.md explains every row."
	echo
	echo "| figure | unit | axvm | QEMU | axvm/QEMU |"
	echo "| --- | --- | --- | --- | --- |"
	for r in "${rows[@]}"; do
		a=$(cell "$r" axvm)
		q=$(cell "$r" qemu)
		am=$([ -s "$tmp/v/$r.axvm" ] && stats "$tmp/v/$r.axvm" | cut -d' ' -f1)
		qm=$([ -s "$tmp/v/$r.qemu" ] && stats "$tmp/v/$r.qemu" | cut -d' ' -f1)
		echo "| ${row_label[$r]} | ${row_unit[$r]} | $a | $q | $(ratio "$am" "$qm") |"
	done
	if [ ${#wall_rows[@]} -ne 0 ]; then
		echo
		echo "Cross-check, host wall time of each whole guest run (process start to exit,"
		echo "boot and setup included), seconds:"
		echo
		echo "| guest run | axvm | QEMU | axvm/QEMU |"
		echo "| --- | --- | --- | --- |"
		for r in "${wall_rows[@]}"; do
			a=$(cell "wall.$r" axvm)
			q=$(cell "wall.$r" qemu)
			am=$([ -s "$tmp/v/wall.$r.axvm" ] && stats "$tmp/v/wall.$r.axvm" | cut -d' ' -f1)
			qm=$([ -s "$tmp/v/wall.$r.qemu" ] && stats "$tmp/v/wall.$r.qemu" | cut -d' ' -f1)
			echo "| ${wall_label[$r]} | $a | $q | $(ratio "$am" "$qm") |"
		done
	fi
	if [ ${#notes[@]} -ne 0 ]; then
		echo
		echo "Notes:"
		for n in "${notes[@]}"; do
			echo "- $n"
		done
	fi
} >"$tmp/table.md"
cat "$tmp/table.md"
mkdir -p "$(dirname "$results")"
cp "$tmp/table.md" "$results"
for f in "$tmp"/fail-*.log; do
	[ -e "$f" ] || continue
	say "failed run $(basename "$f" .log), last lines:"
	tail -n 5 "$f" | sed 's/^/    | /' >&2
done
say "table written to $results"
