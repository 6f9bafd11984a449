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
#   axvm-net: download sha256=H bytes=N secs=S   big.bin through wget
#   axvm-net: upload sha256=H bytes=N secs=S     MIB MiB of /dev/urandom through nc
#   axvm-net: done
# or `axvm-net: FAILED at: STEP`. Kernel parameters: axvm.net.port=PORT,
# axvm.net.rport=RPORT, axvm.net.mib=MIB (upload size).
failed() {
	echo "axvm-net: FAILED at: $*"
	exit 1
}
now() { cut -d' ' -f1 /proc/uptime; }

port=8000
rport=8001
mib=1
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	axvm.net.port=*) port=${arg#axvm.net.port=} ;;
	axvm.net.rport=*) rport=${arg#axvm.net.rport=} ;;
	axvm.net.mib=*) mib=${arg#axvm.net.mib=} ;;
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
t0=$(now)
wc -c </tmp/dl >/tmp/dl.bytes &
wget -q -O - "http://$host:$port/big.bin" | tee /tmp/dl | sha256sum >/tmp/dl.sum
wait
t1=$(now)
echo "axvm-net: download sha256=$(cut -d' ' -f1 /tmp/dl.sum) bytes=$(cat /tmp/dl.bytes) secs=$(echo "$t1 $t0" | awk '{print $1 - $2}')"

t0=$(now)
sha256sum </tmp/up >/tmp/up.sum &
dd if=/dev/urandom bs=64k count=$((mib * 16)) 2>/dev/null | tee /tmp/up | nc "$host" "$rport" ||
	failed "nc $host $rport"
wait
t1=$(now)
echo "axvm-net: upload sha256=$(cut -d' ' -f1 /tmp/up.sum) bytes=$((mib * 1048576)) secs=$(echo "$t1 $t0" | awk '{print $1 - $2}')"
echo "axvm-net: done"
