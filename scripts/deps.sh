#!/usr/bin/env bash
# Install the Debian packages axvm needs (idempotent). As root it uses
# apt-get; otherwise it prints the exact command and fails.
set -eu
PKGS=(
	make gcc clang bc
	libfdt-dev device-tree-compiler       # device trees
	gcc-riscv64-unknown-elf               # bare-metal guests
	gcc-riscv64-linux-gnu                 # the Linux guest fixture and its init
	libc6-dev-riscv64-cross               # ... whose headers gcc only recommends
	linux-source-6.1 flex bison libssl-dev libelf-dev cpio xz-utils
	qemu-system-misc opensbi              # the peer VMM for benchmarks and cross-checks
	u-boot-qemu                           # an external guest: S-mode U-Boot for virt
	strace                                # tests count the console's host writes
	# scripts/debian-guest.sh: Debian's riscv64 packages through a private apt,
	# the initramfs and the ext4 root image built without root
	apt dpkg gpgv debian-archive-keyring  # apt-get update/download, dpkg-deb -x, the trixie keys
	kmod                                  # depmod: the kernel's module dependencies
	e2fsprogs                             # mke2fs -d, debugfs, e2fsck
	zstd                                  # the initramfs compression (cpio, xz-utils above)
)
missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "axvm needs these Debian packages: ${missing[*]}" >&2
	echo "run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
$cmd >/dev/null
