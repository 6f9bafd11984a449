#!/bin/sh
# The network test of tests/integration/net.sh (axvm.test=net on the kernel
# command line; rcS runs it and powers off). The host runs an HTTP server
# on its 127.0.0.1:PORT (10.0.2.2:PORT here: slirp's gateway is the host's
# loopback) serving small.txt, big.bin and, once its own request through
# the port forward reached this guest's httpd, go; and a receiver on RPORT
# that hashes what it gets. Lines for the host:
#   axvm-net: address A/N              DHCP (udhcpc, /etc/udhcpc/default.script)
#   axvm-net: ping ok                  ICMP echo of the gateway 10.0.2.2
#   axvm-net: small sha256=H           wget of small.txt
#   axvm-net: httpd ready              busybox httpd on port 80 serves /srv
#   axvm-net: download md5=H bytes=N secs=S   big.bin through wget
#   axvm-net: upload md5=H bytes=N secs=S     MIB MiB of /dev/urandom through nc
#   axvm-net: relay secs=S             with axvm.net.relay=1, instead of the two
#                                      above: big.bin through wget straight into nc
#                                      back to the host, which hashes what returns
#   axvm-net: flood sent=N errors=N secs=S    axvm-netflood's raw frames, if the
#                                             host put it in /usr/bin
#   axvm-net: tap ping ok              with axvm.net.tap=MAC,ADDR/N,PEER: the NIC with
#                                      that MAC gets ADDR/N and pings PEER (the host's
#                                      end of a TAP interface); "tap FAILED: why" if not
#   axvm-net: done
# or `axvm-net: FAILED at: STEP`. md5, not sha256: the hash runs in the
# guest, and md5 costs it about half. Kernel parameters: axvm.net.port=PORT,
# axvm.net.rport=RPORT, axvm.net.mib=MIB (upload size), axvm.net.flood=N
# (frames), axvm.net.hash=0 (make bench: no hashing, /dev/zero uploaded and
# the download discarded, so the guest's CPU goes to the transfer),
# axvm.net.relay=1 (tests/integration/net.sh: both directions at once, the
# guest hashing nothing: the host compares what comes back with what it
# served, which checks both directions without the guest's CPU hashing).
failed() {
	echo "axvm-net: FAILED at: $*"
	exit 1
}
now() { cut -d' ' -f1 /proc/uptime; }

port=8000
rport=8001
mib=1
flood=0
hash=1
relay=0
tap=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	axvm.net.port=*) port=${arg#axvm.net.port=} ;;
	axvm.net.rport=*) rport=${arg#axvm.net.rport=} ;;
	axvm.net.mib=*) mib=${arg#axvm.net.mib=} ;;
	axvm.net.flood=*) flood=${arg#axvm.net.flood=} ;;
	axvm.net.hash=*) hash=${arg#axvm.net.hash=} ;;
	axvm.net.tap=*) tap=${arg#axvm.net.tap=} ;;
	axvm.net.relay=*) relay=${arg#axvm.net.relay=} ;;
	esac
done
host=10.0.2.2

ip link show eth0 >/dev/null 2>&1 || failed "no eth0 (virtio_net not loaded?)"
ip link set eth0 up || failed "ip link set eth0 up"
timeout 60 udhcpc -i eth0 -n -q -t 10 -T 2 >/tmp/udhcpc.log 2>&1 || failed "udhcpc: $(tail -n 3 /tmp/udhcpc.log)"
echo "axvm-net: address $(ip -4 addr show eth0 | awk '/inet /{print $2; exit}')"
ip route | grep -q "^default via $host" || failed "no default route via $host: $(ip route)"
ping -c 2 -W 5 "$host" >/tmp/ping.log 2>&1 || failed "ping $host: $(tail -n 2 /tmp/ping.log)"
echo "axvm-net: ping ok"
wget -q -O /tmp/small "http://$host:$port/small.txt" || failed "wget http://$host:$port/small.txt"
echo "axvm-net: small sha256=$(sha256sum </tmp/small | cut -d' ' -f1)"
mkdir -p /srv
echo "hello from the axvm guest" >/srv/index.html
httpd -p 80 -h /srv || failed "httpd"
echo "axvm-net: httpd ready"
i=0
until wget -q -O /dev/null "http://$host:$port/go" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 120 ] && failed "the host's go (its request through the port forward)"
	sleep 1
done

mkfifo /tmp/dl /tmp/up || failed mkfifo
if [ "$relay" = 1 ]; then
	t0=$(now)
	(
		set -o pipefail
		wget -q -O - "http://$host:$port/big.bin" | nc "$host" "$rport"
	) || failed "wget http://$host:$port/big.bin | nc $host $rport"
	t1=$(now)
	echo "axvm-net: relay secs=$(echo "$t1 $t0" | awk '{print $1 - $2}')"
elif [ "$hash" = 1 ]; then
	t0=$(now)
	wc -c </tmp/dl >/tmp/dl.bytes &
	wget -q -O - "http://$host:$port/big.bin" | tee /tmp/dl | md5sum >/tmp/dl.sum
	wait
	t1=$(now)
	dl="md5=$(cut -d' ' -f1 /tmp/dl.sum) bytes=$(cat /tmp/dl.bytes)"
else
	t0=$(now)
	dl="bytes=$(wget -q -O - "http://$host:$port/big.bin" | wc -c)"
	t1=$(now)
fi
if [ "$relay" != 1 ]; then
	echo "axvm-net: download $dl secs=$(echo "$t1 $t0" | awk '{print $1 - $2}')"
fi

if [ "$relay" = 1 ]; then
	:
elif [ "$hash" = 1 ]; then
	t0=$(now)
	md5sum </tmp/up >/tmp/up.sum &
	dd if=/dev/urandom bs=64k count=$((mib * 16)) 2>/dev/null | tee /tmp/up | nc "$host" "$rport" ||
		failed "nc $host $rport"
	wait
	t1=$(now)
	ul="md5=$(cut -d' ' -f1 /tmp/up.sum)"
else
	t0=$(now)
	dd if=/dev/zero bs=64k count=$((mib * 16)) 2>/dev/null | nc "$host" "$rport" ||
		failed "nc $host $rport"
	t1=$(now)
	ul="zeros"
fi
if [ "$relay" != 1 ]; then
	echo "axvm-net: upload $ul bytes=$((mib * 1048576)) secs=$(echo "$t1 $t0" | awk '{print $1 - $2}')"
fi

if [ "$flood" -gt 0 ] && [ -x /usr/bin/axvm-netflood ]; then
	t0=$(now)
	r=$(axvm-netflood eth0 "$flood") || failed "axvm-netflood eth0 $flood"
	t1=$(now)
	echo "axvm-net: flood $r secs=$(echo "$t1 $t0" | awk '{print $1 - $2}')"
	ping -c 1 -W 5 "$host" >/dev/null 2>&1 || failed "ping $host after the flood"
fi
if [ -n "$tap" ]; then
	# A second NIC on a host TAP interface, found by its MAC (probe order
	# names it): a static address, and the host's end answers ping.
	tmac=${tap%%,*}
	rest=${tap#*,}
	taddr=${rest%%,*}
	tpeer=${rest#*,}
	tif=
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address" 2>/dev/null)" = "$tmac" ] && tif=${d##*/}
	done
	if [ -z "$tif" ]; then
		echo "axvm-net: tap FAILED: no interface with MAC $tmac"
	elif ! ip addr add "$taddr" dev "$tif" || ! ip link set "$tif" up; then
		echo "axvm-net: tap FAILED: ip addr add $taddr dev $tif"
	elif ping -c 2 -W 5 "$tpeer" >/tmp/tping.log 2>&1; then
		echo "axvm-net: tap ping ok ($tif $taddr -> $tpeer)"
	else
		echo "axvm-net: tap FAILED: ping $tpeer on $tif: $(tail -n 2 /tmp/tping.log | tr '\n' ' ')"
	fi
fi
echo "axvm-net: done"
