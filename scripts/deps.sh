#!/usr/bin/env bash
# Install the Debian 12 packages that the build, the tests, the benchmarks and
# the scripts use (idempotent). As root it uses apt-get; otherwise it prints
# the exact command and fails.
#
# Every package is named here, with the commands or files it provides: with
# --no-install-recommends (kept, so that nothing else comes in) a package's
# recommendations are not installed: gcc only recommends the C library
# headers (libc6-dev, libc6-dev-riscv64-cross), clang its sanitizer runtimes. scripts/fresh-machine.sh
# checks the list on a minimal Debian 12 root.
set -euo pipefail
PKGS=(
	# The host build (Makefile).
	make
	gcc libc6-dev           # the default CC; gcc only recommends libc6-dev
	binutils                # ar (the Makefile runs it); readelf (the Debian guest: perf's libraries)
	clang                   # CC=clang (CI's -Werror build)
	libclang-rt-14-dev      # clang -fsanitize= runtimes, libFuzzer (tests/fuzz/); clang only recommends it
	libfdt-dev              # <libfdt.h>, -lfdt: the generated device tree
	liburing-dev            # <liburing.h>, -luring: virtio-blk's disk I/O through io_uring
	libslirp-dev            # <slirp/libslirp.h>, -lslirp: virtio-net's user-mode networking (--net user)
	libjson-c-dev           # <json-c/json.h>, -ljson-c: the monitor's JSON requests and replies
	# make check, make format.
	clang-format            # the style check
	git                     # lists the tracked files; scripts/fresh-machine.sh clones
	# Guests and tests.
	gcc-riscv64-unknown-elf # bare-metal guests (guests/), cli.sh's tiny guests
	device-tree-compiler    # dtc: test_fdt decompiles our device tree with it
	pkgconf                 # pkg-config: README example and examples/ through libaxvm.pc
	python3                 # tests/diff/ (gen.py, difftest.py)
	time                    # /usr/bin/time: idle-CPU checks in cli.sh, linux-boot.sh
	bc                      # arithmetic in test scripts and in the kernel build
	mawk                    # awk in test scripts and bench/run.sh
	# The Linux fixtures (scripts/linux-guest.sh, scripts/linux-defconfig.sh).
	linux-source-6.1        # /usr/src/linux-source-6.1.tar.xz (trixie's 6.12 is fetched into the cache)
	gcc-riscv64-linux-gnu   # the kernel and its static init; net.sh and perf.sh guest tools
	libc6-dev-riscv64-cross # the init's C library (gcc-riscv64-linux-gnu only recommends it)
	flex bison              # kconfig and dtc inside the kernel tree
	libssl-dev libelf-dev   # host tools of a defconfig kernel build (certificates, ELF)
	cpio                    # required by scripts/linux-defconfig.sh (initramfs tooling)
	xz-utils                # xz: unpacking the kernel source
	# The reference VMM (tests, benchmarks, fixture validation) and a guest.
	qemu-system-misc        # qemu-system-riscv64
	opensbi                 # QEMU's -bios default firmware for riscv64
	u-boot-qemu             # S-mode U-Boot for virt (uboot.sh, linux-defconfig.sh)
	strace                  # tests/integration/console.sh counts the console's host writes
	valgrind                # make bench: host instructions per MMIO exit (callgrind)
	procps                  # pgrep: net.sh and console.sh find the VMM process behind a wrapper script
	iproute2                # ip: net.sh creates a TAP interface with an address for the guest to ping
	gdb-multiarch           # tests/integration/gdb.sh drives the GDB stub with gdb -batch
	# scripts/debian-guest.sh: Debian's riscv64 packages through a private apt,
	# the initramfs and the ext4 root image built without root.
	apt gpgv debian-archive-keyring # apt-get update/download (dpkg-deb -x below), the trixie keys
	kmod                    # depmod: the kernel's module dependencies
	e2fsprogs               # mke2fs -d, debugfs, e2fsck
	zstd                    # the initramfs compression
	# Essential on every Debian system; named so that the list is complete.
	bash coreutils          # timeout, nproc, mktemp, sha256sum, stty, mkfifo, seq, ...
	util-linux bsdutils     # flock (kernel cache lock), taskset (steal.sh); script (terminal tests in cli.sh)
	diffutils findutils     # cmp, diff; find (the Makefile's dependency files)
	grep sed tar gzip dpkg  # dpkg-query (this script, the fixture's cache key)
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
	echo "deps: axvm needs these Debian packages: ${missing[*]}" >&2
	echo "deps: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || {
	echo "deps: apt-get update failed (see above); cannot install ${missing[*]}" >&2
	exit 1
}
$cmd </dev/null >/dev/null || {
	echo "deps: '$cmd' failed (see above)" >&2
	exit 1
}
