#!/bin/sh
# The scripted session (axvm.script=1: no terminal on the host side). It
# prints what it does and ends with one of the marker lines the host checks:
#   axvm-debian: scripted session ok (uptime S.SS s)
#   axvm-debian: scripted session FAILED at: STEP
# rcS powers off afterwards either way.

failed() {
	echo "axvm-debian: scripted session FAILED at: $*"
	exit 1
}
run() {
	echo "axvm-debian: \$ $*"
	sh -c "$*" || failed "$*"
}

run 'uname -a'
run "mount | grep ' / '"
run "mount | grep -q '^/dev/vda on / type ext4 (rw'"
# 1 MiB of random data on the disk, its checksum, then read back from the
# device itself (the page cache dropped), not from memory.
run 'dd if=/dev/urandom of=/root/axvm-test bs=64k count=16 2>/dev/null'
run 'sha256sum /root/axvm-test > /root/axvm-test.sha256'
run 'sync'
run 'echo 3 > /proc/sys/vm/drop_caches'
run 'sha256sum -c /root/axvm-test.sha256'
run 'rm /root/axvm-test /root/axvm-test.sha256 && sync'
echo "axvm-debian: scripted session ok (uptime $(cut -d' ' -f1 /proc/uptime) s)"
