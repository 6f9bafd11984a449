#!/bin/sh
# The storage benchmark of `make bench` (axvm.bench=storage on the kernel
# command line; rcS runs it instead of the session and powers off). It
# measures the data disk -- the virtio-blk disk with serial "axvm-data", else
# the first vd* disk that is not / -- with the guest's own clock and prints
# machine-readable lines for bench/run.sh:
#   axvm-bench: start uptime=S          the first line (boot-to-shell marker)
#   axvm-bench: data=/dev/vdX bytes=N
#   axvm-bench: seqwrite_mbs=R secs=S bytes=N   dd if=/dev/zero bs=1M oflag=direct
#   axvm-bench: seqread_mbs=R secs=S bytes=N    dd of=/dev/null bs=1M iflag=direct
#   axvm-bench: randread_iops=R secs=S reads=N  axvm-blkbench randread (4 KiB, O_DIRECT, QD1)
#   axvm-bench: done
# or `axvm-bench: FAILED at: STEP`. MB = 10^6 bytes. THE DATA DISK IS
# OVERWRITTEN. Kernel parameters: axvm.bench.mib=N (MiB written then read,
# default 128), axvm.bench.reads=N (random reads, default 4000),
# axvm.bench.seed=N (of their offsets, default 1). The timer and the random
# reads come from /usr/bin/axvm-blkbench (bench/blk_guest.c), which
# bench/run.sh writes into its copy of the root file system; without it the
# clock is /proc/uptime (10 ms) and randread is skipped.
echo "axvm-bench: start uptime=$(cut -d' ' -f1 /proc/uptime)"

failed() {
	echo "axvm-bench: FAILED at: $*"
	exit 1
}

mib=128
reads=4000
seed=1
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	axvm.bench.mib=*) mib=${arg#axvm.bench.mib=} ;;
	axvm.bench.reads=*) reads=${arg#axvm.bench.reads=} ;;
	axvm.bench.seed=*) seed=${arg#axvm.bench.seed=} ;;
	esac
done

helper=/usr/bin/axvm-blkbench
[ -x "$helper" ] || helper=
now() {
	if [ -n "$helper" ]; then
		"$helper" now
	else
		cut -d' ' -f1 /proc/uptime
	fi
}
# rate BYTES T0 T1 -> "MB/s secs"
rate() { awk -v b="$1" -v a="$2" -v z="$3" 'BEGIN { s = z - a; printf "%.2f %.6f", (s > 0 ? b / s / 1e6 : 0), s }'; }

rootdev=$(grep '^[^ ]* / ' /proc/mounts | cut -d' ' -f1)
dev=
for d in /sys/block/vd*; do
	[ -e "$d" ] || continue
	if [ "$(cat "$d/serial" 2>/dev/null)" = axvm-data ]; then
		dev=/dev/${d##*/}
		break
	fi
done
if [ -z "$dev" ]; then
	for d in /sys/block/vd*; do
		[ -e "$d" ] && [ "/dev/${d##*/}" != "$rootdev" ] && dev=/dev/${d##*/} && break
	done
fi
if [ -z "$dev" ] || [ ! -b "$dev" ]; then
	failed "no data disk (a second virtio-blk disk, serial axvm-data)"
fi
size=$(blockdev --getsize64 "$dev") || failed "blockdev --getsize64 $dev"
echo "axvm-bench: data=$dev bytes=$size"
[ $((mib * 1048576)) -le "$size" ] || failed "axvm.bench.mib=$mib is larger than $dev ($size bytes)"
bytes=$((mib * 1048576))

t0=$(now)
dd if=/dev/zero of="$dev" bs=1M count="$mib" oflag=direct 2>/tmp/dd.log || failed "seqwrite: $(cat /tmp/dd.log)"
t1=$(now)
r=$(rate "$bytes" "$t0" "$t1")
echo "axvm-bench: seqwrite_mbs=${r% *} secs=${r#* } bytes=$bytes"

t0=$(now)
dd if="$dev" of=/dev/null bs=1M count="$mib" iflag=direct 2>/tmp/dd.log || failed "seqread: $(cat /tmp/dd.log)"
t1=$(now)
r=$(rate "$bytes" "$t0" "$t1")
echo "axvm-bench: seqread_mbs=${r% *} secs=${r#* } bytes=$bytes"

if [ -n "$helper" ]; then
	out=$("$helper" randread "$dev" "$reads" "$seed") || failed "randread: $out"
	iops=$(echo "$out" | sed -n 's/.*iops=\([0-9.]*\).*/\1/p')
	secs=$(echo "$out" | sed -n 's/.*secs=\([0-9.]*\).*/\1/p')
	echo "axvm-bench: randread_iops=$iops secs=$secs reads=$reads"
else
	echo "axvm-bench: randread skipped (no /usr/bin/axvm-blkbench)"
fi
echo "axvm-bench: done"
