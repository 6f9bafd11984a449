#!/usr/bin/env bash
# virtio-net end to end (--net). All traffic stays on this machine: the
# host side listens on 127.0.0.1 only, the guest is on slirp's network.
#
# Without a guest OS (a flat idle guest): option errors name the option; a
# port forward whose host port is taken names it and the cause; a TAP
# without CAP_NET_ADMIN (or without /dev/net/tun) says which is missing;
# where the host allows it, a TAP interface is attached.
#
# With the Debian guest (one boot, tests/integration/net_host.py on the
# host, guests/debian/rootfs/etc/axvm/test-net.sh in the guest). Its NIC
# comes from a VM config file (`axvm run vm.toml`: an emu_devices entry of
# type 0xe2 with the --net options as its sixth item), so the config's
# device entries are what the guest's network runs on:
#  - DHCP gives the guest 10.0.2.15/24 and a default route via 10.0.2.2;
#  - a ping of the gateway 10.0.2.2 is answered;
#  - wget of a file from the host's HTTP server (127.0.0.1, which the guest
#    reaches as 10.0.2.2) arrives intact;
#  - a host request through the port forward (hostfwd=tcp:127.0.0.1:P-:80)
#    reaches busybox httpd in the guest;
#  - 100 MiB each way arrive intact (AXVM_NET_MIB: the size): the guest's
#    wget of a random file from the host pipes straight into its nc back
#    to the host's receiver, and the host compares the md5 and size of what
#    returns with what it served (so both directions are checked while the
#    guest hashes nothing; its CPU would set this test's time);
#  - floods both ways: the guest sends raw 1514-byte frames as fast as its
#    kernel takes them (axvm-netflood, guests/debian/tools/net-flood.c,
#    cross-compiled here and written into the disk copy), the host sends
#    UDP through a forward to a guest port nobody reads; the guest still
#    pings the gateway afterwards, and the VMM's own resident memory (guest RAM not counted) grows by
#    less than 64 MiB over the transfers and floods;
#  - where the host allows it (root, /dev/net/tun, iproute2), a second NIC
#    (--net tap) on a TAP interface this script creates with an address:
#    the guest gives its NIC an address and pings the host's end. The TAP
#    goes at exit. Elsewhere a SKIP line says why.
# Ends with "N passed, N failed, N skipped".
set -u
source "$(dirname "$0")/lib/common.sh"

# Under AddressSanitizer (make test SANITIZE=address,undefined) freed memory
# waits in a quarantine, 256 MiB by default, before it is reused: the RSS
# check below would count its filling as growth, so it is kept small here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"

# Transfer size each way. Through the relay (below) 100 MiB each way took
# 40 s on the 2-core test machine loaded 7-fold (the whole boot 99 s,
# against 39 s with the 8 MiB this test moved before, when the guest hashed
# both directions itself and 100 MiB took about 5 minutes). Under
# ASan+UBSan the relay took 87 s and the script 134 s.
mib=${AXVM_NET_MIB:-100}
host_pid=
vm_pid=
tapif=
cleanup_hook() {
	[ -n "$vm_pid" ] && kill "$vm_pid" 2>/dev/null
	[ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null
	[ -n "$tapif" ] && ip link del "$tapif" 2>/dev/null
}
need_axvm net

# A flat guest that idles forever (wfi; j -4), loaded at 0x80200000.
printf '\x73\x00\x50\x10\x6f\xf0\xdf\xff' >"$tmp/idle.bin"

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --net vde </dev/null 2>&1 >/dev/null)
rc=$?
check "--net with an unknown backend exits 1 naming it" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--net unknown network backend \"vde\" (want user or tap)"* ]]
	echo $?) "rc=$rc, '$err'"

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --net user,hostfwd=tcp:127.0.0.1:99999-:80 \
	</dev/null 2>&1 >/dev/null)
rc=$?
check "--net user with a bad hostfwd exits 1 naming it" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--net hostfwd=tcp:127.0.0.1:99999-:80: expected [tcp|udp]:"* ]]
	echo $?) "rc=$rc, '$err'"

# A host port already taken: the forward cannot listen, and says so.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$tmp/busy.port" &
busy_pid=$!
for _ in $(seq 50); do [ -s "$tmp/busy.port" ] && break; sleep 0.1; done
busy=$(cat "$tmp/busy.port")
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --net "user,hostfwd=tcp:127.0.0.1:$busy-:80" \
	</dev/null 2>&1 >/dev/null)
rc=$?
kill "$busy_pid" 2>/dev/null
wait "$busy_pid" 2>/dev/null
check "a port forward on a taken host port exits 1 naming the port and the cause" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--net hostfwd=tcp:127.0.0.1:$busy-:80: cannot listen on tcp 127.0.0.1:$busy: Address already in use"* ]]
	echo $?) "rc=$rc, '$err'"

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --net user --net user,mac=52:54:00:00:00:02 \
	--device virtio-net,user --timeout 1 </dev/null 2>&1 >/dev/null)
rc=$?
check "three NICs (--net twice, --device virtio-net) run until the timeout" \
	$([ $rc -eq 1 ] && [ "$err" = "axvm: error: the guest did not finish within 1 s" ]; echo $?) \
	"rc=$rc, '$err'"

# TAP without the capability: as root, drop CAP_NET_ADMIN from the bounding
# set (setpriv, util-linux); as a user it is not there anyway.
if [ ! -e /dev/net/tun ]; then
	err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --net tap,ifname=axvmtest0 </dev/null 2>&1 >/dev/null)
	rc=$?
	check "--net tap without /dev/net/tun exits 1 saying so" \
		$([ $rc -eq 1 ] && [[ "$err" == *"--net tap: no /dev/net/tun on this host"* ]]; echo $?) \
		"rc=$rc, '$err'"
else
	drop=()
	[ "$(id -u)" = 0 ] && drop=(setpriv --bounding-set=-net_admin --inh-caps=-net_admin --)
	err=$(timeout 20 "${drop[@]}" "$axvm" run -k "$tmp/idle.bin" --net tap,ifname=axvmtest0 \
		</dev/null 2>&1 >/dev/null)
	rc=$?
	check "--net tap without CAP_NET_ADMIN exits 1 naming the capability" \
		$([ $rc -eq 1 ] && { [[ "$err" == *"--net tap: cannot attach to TAP interface axvmtest0: Operation not permitted: creating one needs CAP_NET_ADMIN"* ]] ||
			[[ "$err" == *"--net tap: cannot open /dev/net/tun: Permission denied"* ]]; }
		echo $?) "rc=$rc, '$err'"
fi

# Where the host lets us (root with CAP_NET_ADMIN and /dev/net/tun), a
# transient TAP interface is created and attached (it goes with the fd).
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --net "tap,ifname=axvmt$$" --timeout 1 -v \
	</dev/null 2>&1 >/dev/null)
rc=$?
if [[ "$err" == *"--net tap: "* ]]; then
	skip "tap-attach" "the host does not allow TAP here: ${err##*--net tap: }"
else
	check "--net tap attaches to a TAP interface the VM can run on" \
		$([ $rc -eq 1 ] && [[ "$err" == *"virtio-net: TAP interface axvmt$$"* ]] &&
			[[ "$err" == *"the guest did not finish within 1 s"* ]]; echo $?) "rc=$rc, '$err'"
fi

# ---- the Debian guest ----
if [ "${AXVM_DEBIAN:-1}" = 0 ]; then
	skip "net-debian" "AXVM_DEBIAN=0"
	summary
fi
if ! "$root/scripts/debian-guest.sh" --cached >/dev/null 2>&1; then
	echo "net: building the Debian guest (scripts/debian-guest.sh, once)"
	if ! "$root/scripts/debian-guest.sh" >"$tmp/debian-build.log" 2>&1; then
		check "the Debian guest builds (scripts/debian-guest.sh)" 1 \
			"$(tail -5 "$tmp/debian-build.log")"
		summary
	fi
fi

mkdir "$tmp/www"
echo "a small file from the host $$" >"$tmp/www/small.txt"
head -c $((mib * 1048576)) /dev/urandom >"$tmp/www/big.bin"
small_sum=$(sha256sum <"$tmp/www/small.txt" | cut -d' ' -f1)
big_sum=$(md5sum <"$tmp/www/big.bin" | cut -d' ' -f1)
# The guest's flooder on a copy of the root image (debugfs, as bench/run.sh
# puts its helper there).
flood=0
pristine=$("$root/scripts/debian-guest.sh" --cached 2>/dev/null | tail -1)
cp --sparse=always "$pristine" "$tmp/root.img"
if riscv64-linux-gnu-gcc -static -O2 -o "$tmp/axvm-netflood" "$root/guests/debian/tools/net-flood.c" \
	>"$tmp/flood-cc.log" 2>&1 && debugfs -w -f - "$tmp/root.img" >"$tmp/flood-debugfs.log" 2>&1 <<EOF
cd /usr/bin
write $tmp/axvm-netflood axvm-netflood
sif axvm-netflood mode 0100755
sif axvm-netflood uid 0
sif axvm-netflood gid 0
EOF
then
	flood=20000
else
	skip "the guest's frame flood" "cannot build or install axvm-netflood: $(tail -2 "$tmp/flood-cc.log" "$tmp/flood-debugfs.log")"
fi
python3 "$here/net_host.py" "$tmp/www" >"$tmp/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 50); do [ -s "$tmp/host.log" ] && break; sleep 0.1; done
read -r port rport <"$tmp/host.log"
fwd=$(free_port)
ufwd=$(free_port)

# The guest's NIC as a config file's device entry (the -k/-i/-d/-m/-p of
# run-debian.sh override the rest): the top slot, so that it is eth0.
cat >"$tmp/vm.toml" <<EOF
[base]
id = 1
name = "net-test"
cpu_num = 1

[kernel]
entry_point = 0x8020_0000
kernel_path = "$("$root/scripts/debian-guest.sh" --cached | head -1)"
kernel_load_addr = 0x8020_0000
memory_regions = [[0x8000_0000, 0x1000_0000, 0x7, 0]]

[devices]
emu_devices = [
    ["eth0", 0x1000_8000, 0x1000, 8, 0xe2, "user,hostfwd=tcp:127.0.0.1:$fwd-:80,hostfwd=udp:127.0.0.1:$ufwd-:9"],
]
EOF
out=$("$axvm" check "$tmp/vm.toml" 2>&1)
check "axvm check takes a config with a virtio-net device entry" $? "$out"
sed 's/0x1000_8000, 0x1000, 8, 0xe2/0x1000_8000, 0x1000, 5, 0xe2/' "$tmp/vm.toml" >"$tmp/bad.toml"
out=$("$axvm" check "$tmp/bad.toml" 2>&1)
check "a NIC entry with the wrong IRQ is refused naming the field" \
	$([[ "$out" == *"devices.emu_devices[0][3] (\"eth0\"): irq_id 5, the slot at 0x10008000 has IRQ 8"* ]]; echo $?) "$out"
sed 's/"user,hostfwd/"user,mtu=huge,hostfwd/' "$tmp/vm.toml" >"$tmp/bad.toml"
out=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" "$tmp/bad.toml" </dev/null 2>&1 >/dev/null)
check "a NIC entry with a bad option is refused naming the entry and the option" \
	$([[ "$out" == *"devices.emu_devices[0]: mtu=huge: expected 68 to "* ]]; echo $?) "$out"

# TAP traffic where the host allows it: a persistent TAP with the host's
# address (198.18.77.1/24, a benchmarking range no real network uses), the
# guest's second NIC on it.
tapargs=()
tapparam=
tapwhy=
if [ "$(id -u)" != 0 ]; then
	tapwhy="not root (creating a TAP interface needs CAP_NET_ADMIN)"
elif [ ! -e /dev/net/tun ]; then
	tapwhy="no /dev/net/tun"
elif ! command -v ip >/dev/null; then
	tapwhy="no ip (iproute2)"
elif ip -4 route show | grep -q '^198\.1[89]\.'; then
	tapwhy="198.18.0.0/15 is routed on this host already"
elif ! out=$(ip tuntap add dev "axvmp$$" mode tap 2>&1); then
	tapwhy="ip tuntap add: $out"
else
	tapif=axvmp$$
	if out=$(ip addr add 198.18.77.1/24 dev "$tapif" 2>&1 && ip link set "$tapif" up 2>&1); then
		tapargs=(--net "tap,ifname=$tapif,mac=52:54:00:ee:77:02")
		tapparam="axvm.net.tap=52:54:00:ee:77:02,198.18.77.2/24,198.18.77.1"
	else
		tapwhy="ip addr add 198.18.77.1/24 dev $tapif: $out"
	fi
fi

start=$(date +%s.%N)
AXVM_DEBIAN_SCRIPT=0 AXVM_DEBIAN_DISK="$tmp/root.img" \
	AXVM_DEBIAN_PARAMS="axvm.test=net axvm.net.port=$port axvm.net.rport=$rport axvm.net.mib=$mib axvm.net.relay=1 axvm.net.flood=$flood $tapparam" \
	timeout $((240 + mib * 8)) "$root/scripts/run-debian.sh" "$axvm" \
	"$tmp/vm.toml" "${tapargs[@]}" </dev/null >"$tmp/guest.log" 2>&1 &
vm_pid=$!

# vmm_rss PID: the VMM's own resident memory (KiB): every mapping's Rss but
# guest RAM's (the config's 256 MiB, one mapping of exactly that size).
# Guest RAM the guest touches, in 2 MiB huge pages where the host has them,
# is the guest's memory, not the VMM's; what this test bounds is the
# VMM's: queued frames, slirp's buffers, the heap.
vmm_rss() {
	awk -v ram=262144 '/^Size:/ { size = $2 } /^Rss:/ { all += $2; if (size == ram) guest += $2 }
		END { if (all) print all - guest }' "/proc/$1/smaps" 2>/dev/null
}

# The host's part: once the guest's httpd runs, fetch its page through the
# forward, then let the guest go on (it polls for "go").
page=
rss0=
for _ in $(seq 240); do
	pid=$(pgrep -n -f "^$axvm run .*$tmp/vm.toml" || true)
	[ -n "$pid" ] && [ -z "$rss0" ] && grep -q "axvm-net: address" "$tmp/guest.log" &&
		rss0=$(vmm_rss "$pid")
	if grep -q "axvm-net: httpd ready" "$tmp/guest.log"; then
		page=$(python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:" + sys.argv[1] + "/", timeout=30).read().decode().strip())' "$fwd" 2>&1)
		# A flood towards the guest: 20000 datagrams of 1400 bytes to a
		# port nobody reads there, as fast as the host sends them.
		python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b = bytes(1400)
for _ in range(20000): s.sendto(b, ("127.0.0.1", int(sys.argv[1])))' "$ufwd"
		touch "$tmp/www/go"
		break
	fi
	grep -q "axvm-net: FAILED" "$tmp/guest.log" && break
	kill -0 "$vm_pid" 2>/dev/null || break
	sleep 0.5
done
rss1=
while kill -0 "$vm_pid" 2>/dev/null; do
	pid=$(pgrep -n -f "^$axvm run .*$tmp/vm.toml" || true)
	[ -n "$pid" ] && r=$(vmm_rss "$pid") &&
		[ -n "$r" ] && { [ -z "$rss1" ] || [ "$r" -gt "$rss1" ]; } && rss1=$r
	sleep 0.5
done
wait "$vm_pid"
vm_pid=
secs=$(echo "$(date +%s.%N) - $start" | bc)
log() { grep -a "axvm-net: $1" "$tmp/guest.log" | head -1; }
detail="$(grep -a 'axvm-net' "$tmp/guest.log" | tail -3)"

check "DHCP gives the guest 10.0.2.15/24 and a default route" \
	$([[ "$(log address)" == *"axvm-net: address 10.0.2.15/24"* ]]; echo $?) "$detail"
check "the guest's ping of the gateway 10.0.2.2 is answered" \
	$([ -n "$(log 'ping ok')" ]; echo $?) "$detail"
check "the guest's wget of a file on the host's 127.0.0.1 arrives intact" \
	$([[ "$(log small)" == *"sha256=$small_sum"* ]]; echo $?) "$(log small) $detail"
check "a host request through hostfwd reaches busybox httpd in the guest" \
	$([ "$page" = "hello from the axvm guest" ]; echo $?) "got '$page'"
relay=$(log relay)
up_host=$(grep -a '^upload ' "$tmp/host.log" | tail -1)
check "$mib MiB host -> guest -> host (wget | nc in the guest) arrive intact" \
	$([ -n "$relay" ] && [ "$up_host" = "upload md5=$big_sum bytes=$((mib * 1048576))" ]
	echo $?) "guest '$relay', host '$up_host', sent md5=$big_sum; $detail"
if [ "$flood" -gt 0 ]; then
	check "the guest's flood of $flood raw frames ends and its link still works" \
		$([[ "$(log flood)" == *"sent="* ]] && [ -n "$(log done)" ]; echo $?) "$detail"
fi
if [ -n "$tapparam" ]; then
	check "the guest's NIC on a host TAP interface pings the host's end (198.18.77.1)" \
		$([ -n "$(log 'tap ping ok')" ]; echo $?) "$(log tap) $detail"
else
	skip "tap-traffic" "$tapwhy"
fi
check "the guest finished its network test" $([ -n "$(log done)" ]; echo $?) "$detail"
if [ -n "$rss0" ] && [ -n "$rss1" ]; then
	check "the VMM's resident memory (guest RAM not counted) grows less than 64 MiB over the transfers and floods" \
		$([ $((rss1 - rss0)) -lt 65536 ]; echo $?) "from ${rss0} KiB to ${rss1} KiB"
else
	check "the VMM's resident memory was measured" 1 "rss0='$rss0' rss1='$rss1'"
fi
echo "net: $mib MiB each way; ${relay#axvm-net: }; $(log flood | cut -c11-); RSS ${rss0:-?} -> ${rss1:-?} KiB; whole boot ${secs}s"
summary
