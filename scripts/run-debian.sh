#!/usr/bin/env bash
# Boot the Debian guest (Debian's riscv64 kernel, root file system on
# virtio-blk; scripts/debian-guest.sh fetches, builds and caches it, which
# takes a few minutes the first time) on a fresh copy of its root file system
# image, so runs never change the cached one.
#
#   scripts/run-debian.sh AXVM [AXVM-RUN-OPTIONS...]   under axvm (AXVM: build/axvm)
#   scripts/run-debian.sh --qemu [QEMU-OPTIONS...]     under qemu-system-riscv64
#
# When stdin is a terminal the run is interactive: the guest's shell is on the
# console and `poweroff` in it ends the run (Ctrl-A x quits the VMM). When it
# is not (CI, a pipe) the kernel command line gets axvm.script=1: the guest
# runs its scripted session (uname, mount, a file written to the disk, synced
# and read back), prints "axvm-debian: scripted session ok" and powers off;
# the exit status is then 0 only if the marker appeared and the VMM exited
# with 0.
#
# Environment:
#   AXVM_DEBIAN_SCRIPT=0|1   force the interactive (0) or scripted (1) mode
#   AXVM_DEBIAN_CONSOLE=DEV  the guest's console: ttyS0 (default, the UART) or
#                            hvc0 (virtio-console: give axvm --virtio-console)
#   AXVM_DEBIAN_PARAMS=...   appended to the kernel command line
#   AXVM_DEBIAN_DISK=PATH    boot this disk image instead of a temporary copy;
#                            created from the pristine image if it does not
#                            exist, kept afterwards (a persistent disk)
#   AXVM_DEBIAN_TIMEOUT=N    seconds a scripted run may take (default 600)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
marker="axvm-debian: scripted session ok"

die() {
	echo "run-debian: error: $*" >&2
	exit 1
}

if [ $# -lt 1 ]; then
	echo "usage: $0 AXVM [AXVM-RUN-OPTIONS...] | --qemu [QEMU-OPTIONS...]" >&2
	exit 2
fi
vmm=$1
shift
if [ "$vmm" = --qemu ]; then
	command -v qemu-system-riscv64 >/dev/null || die "qemu-system-riscv64 not found (apt install qemu-system-misc)"
else
	[ -x "$vmm" ] || die "$vmm is not built (run make first)"
	# The root file system is on a virtio-blk disk: no disk option, no boot.
	if ! "$vmm" run --help 2>&1 | grep -qE '(^|[[:space:],])(-d|--disk)([[:space:],=]|$)'; then
		die "$vmm run has no -d/--disk option yet (virtio-blk), so the guest cannot reach its root file system; boot it under QEMU meanwhile: $0 --qemu"
	fi
fi

if [ -n "${AXVM_DEBIAN_SCRIPT:-}" ]; then
	script=$AXVM_DEBIAN_SCRIPT
elif [ -t 0 ]; then
	script=0
else
	script=1
fi
case $script in 0 | 1) ;; *) die "AXVM_DEBIAN_SCRIPT must be 0 or 1, not '$script'" ;; esac

mapfile -t paths < <("$here/debian-guest.sh") || true
[ ${#paths[@]} -eq 3 ] || die "scripts/debian-guest.sh did not give the guest's three paths (see above)"
kernel=${paths[0]}
initrd=${paths[1]}
pristine=${paths[2]}

case ${AXVM_DEBIAN_DISK:-}${TMPDIR:-} in
*,*) die "the disk image's path has a comma, which would end axvm's -d FILE[,OPTIONS] (AXVM_DEBIAN_DISK or TMPDIR)" ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/axvm-debian.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -n "${AXVM_DEBIAN_DISK:-}" ]; then
	disk=$AXVM_DEBIAN_DISK
	if [ ! -e "$disk" ]; then
		cp --sparse=always "$pristine" "$disk" || die "cannot create $disk from $pristine"
	fi
else
	disk=$tmp/rootfs.img
	cp --sparse=always "$pristine" "$disk" || die "cannot copy $pristine to $disk"
fi

params="console=${AXVM_DEBIAN_CONSOLE:-ttyS0} root=/dev/vda rw"
[ "$script" = 1 ] && params="$params axvm.script=1"
[ -n "${AXVM_DEBIAN_PARAMS:-}" ] && params="$params $AXVM_DEBIAN_PARAMS"
timeout=${AXVM_DEBIAN_TIMEOUT:-600}

if [ "$vmm" = --qemu ]; then
	# shellcheck disable=SC2054 # commas inside QEMU option values
	cmd=(qemu-system-riscv64 -M virt -bios default -nographic -smp 1 -m 256M
		-kernel "$kernel" -initrd "$initrd" -append "$params"
		-drive "if=none,format=raw,id=hd0,file=$disk" -device virtio-blk-device,drive=hd0
		-device virtio-rng-device "$@")
	[ "$script" = 1 ] && cmd=(timeout "$timeout" "${cmd[@]}")
else
	cmd=("$vmm" run -k "$kernel" -i "$initrd" -d "$disk" -m 256M -p "$params")
	[ "$script" = 1 ] && cmd+=(--timeout "$timeout")
	cmd+=("$@")
fi

if [ "$script" = 0 ]; then
	rc=0
	"${cmd[@]}" || rc=$?
	exit "$rc"
fi
"${cmd[@]}" | tee "$tmp/console.log"
rc=${PIPESTATUS[0]}
if ! tr -d '\r' <"$tmp/console.log" | grep -q "^$marker"; then
	echo "run-debian: the guest did not complete its scripted session (VMM exit status $rc)" >&2
	[ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
