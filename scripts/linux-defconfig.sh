#!/usr/bin/env bash
# Build (or find in the cache) a "real world" Linux guest: a riscv64 Image from
# Debian's linux-source-6.1 with the stock `make defconfig`, changed only to
# embed an initramfs holding guests/linux-init/init.c (static). External users
# boot kernels like this one, not our trimmed tinyconfig fixture
# (scripts/linux-guest.sh). Prints the Image's path as the last line of stdout;
# progress goes to stderr. Next to the Image the cache keeps vmlinux and
# System.map (for addr2line on a guest crash), the .config, and initramfs.cpio
# (the same init as a separate cpio, to boot through `axvm -i`).
#
#   scripts/linux-defconfig.sh            build if needed, print the path
#   scripts/linux-defconfig.sh --check    exit 0 if the toolchain is present, 2 if not
#   scripts/linux-defconfig.sh --cached   print the path if the Image is cached, else exit 3
#
# A defconfig build takes 30-40 minutes on 2 cores: run it under nice, and
# not next to another kernel build. The cache key hashes the init source, the
# recipe version below and the kernel source package version.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tarball=/usr/src/linux-source-6.1.tar.xz
init_src=$root/guests/linux-init/init.c
cross=riscv64-linux-gnu-
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
jobs=${AXVM_LINUX_JOBS:-2}

die() {
	echo "linux-defconfig: error: $*" >&2
	exit 1
}
log() { echo "linux-defconfig: $*" >&2; }

missing=()
[ -r "$tarball" ] || missing+=("$tarball (apt install linux-source-6.1)")
command -v ${cross}gcc >/dev/null || missing+=("${cross}gcc (apt install gcc-riscv64-linux-gnu)")
for tool in make gcc flex bison bc xz cpio; do
	command -v $tool >/dev/null || missing+=("$tool")
done
if [ "${1:-}" = "--check" ]; then
	if [ ${#missing[@]} -ne 0 ]; then
		echo "missing: ${missing[*]}"
		exit 2
	fi
	exit 0
fi

version=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null ||
	stat -c '%s-%Y' "$tarball" 2>/dev/null || echo none)
# Bump when the build recipe below changes (config edits, initramfs layout):
# hashing this whole script would throw away a 40-minute build for a comment.
recipe=defconfig-initramfs-1
key=$( (
	echo "$version $recipe"
	cat "$init_src"
) | sha256sum | cut -c1-16)
out=$cache/linux-defconfig-$key
image=$out/Image

if [ "${1:-}" = "--cached" ]; then
	if [ -s "$image" ] && [ -e "$out/qemu-ok" ]; then
		echo "$image"
		exit 0
	fi
	exit 3
fi
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}"

mkdir -p "$cache"
# Our own lock, not linux-guest.sh's: that script takes its lock even to
# find a cached Image, and `make test` must not wait 40 minutes behind us.
exec 9>"$cache/linux-defconfig.lock"
flock 9

if [ -s "$image" ] && [ -e "$out/qemu-ok" ]; then
	echo "$image"
	exit 0
fi

src=$cache/linux-src-$version/linux-source-6.1
if [ ! -e "$src/.axvm-extracted" ]; then
	log "extracting $tarball to $(dirname "$src")"
	rm -rf "$(dirname "$src")"
	mkdir -p "$(dirname "$src")"
	tar -xJf "$tarball" -C "$(dirname "$src")"
	touch "$src/.axvm-extracted"
fi

rm -rf "$out"
mkdir -p "$out/build" "$out/initramfs"
buildlog=$out/build.log
log "building in $out (log: $buildlog)"

# init and the initramfs: gen_init_cpio (from the kernel tree) makes the
# /dev/console node without root; the kernel opens it for init's stdio.
${cross}gcc -static -O2 -Wall -o "$out/initramfs/init" "$init_src"
gcc -O2 -o "$out/gen_init_cpio" "$src/usr/gen_init_cpio.c"
cat >"$out/initramfs.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $out/initramfs/init 0755 0 0
EOF
"$out/gen_init_cpio" "$out/initramfs.list" >"$out/initramfs.cpio"

kmake() {
	make -C "$src" O="$out/build" ARCH=riscv CROSS_COMPILE=$cross "$@" >>"$buildlog" 2>&1 ||
		die "make $* failed; tail of $buildlog:
$(tail -n 30 "$buildlog")"
}

kmake defconfig
# The only change to defconfig: the built-in initramfs.
"$src/scripts/config" --file "$out/build/.config" \
	--set-str INITRAMFS_SOURCE "$out/initramfs.cpio"
kmake olddefconfig
grep -qxF "CONFIG_INITRAMFS_SOURCE=\"$out/initramfs.cpio\"" "$out/build/.config" ||
	die "the resulting .config lacks CONFIG_INITRAMFS_SOURCE (see $out/build/.config)"

log "compiling the kernel with -j$jobs (30-40 minutes on 2 cores)"
start=$(date +%s)
kmake -j"$jobs" Image
log "kernel built in $(($(date +%s) - start))s"
cp "$out/build/arch/riscv/boot/Image" "$image.tmp"
cp "$out/build/vmlinux" "$out/build/System.map" "$out/build/.config" "$out/"

# Validate the fixture on the reference machine before trusting it.
if command -v qemu-system-riscv64 >/dev/null; then
	log "booting the Image under QEMU to validate it"
	qlog=$out/qemu.log
	timeout 300 qemu-system-riscv64 -M virt -bios default -nographic -smp 2 -m 512M \
		-kernel "$image.tmp" -append "console=ttyS0" </dev/null >"$qlog" 2>&1 || true
	grep -q "axvm-init: harts=2" "$qlog" && grep -q "axvm-init: powering off" "$qlog" ||
		die "the Image did not reach init under QEMU; see $qlog"
	touch "$out/qemu-ok"
else
	log "warning: qemu-system-riscv64 not found, the Image is not validated"
	touch "$out/qemu-ok"
fi
rm -rf "$out/build"
mv "$image.tmp" "$image"
echo "$image"
