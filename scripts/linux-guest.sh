#!/usr/bin/env bash
# Build (or find in the cache) the Linux test guest: a riscv64 Image from Debian's
# linux-source-6.1, tinyconfig + scripts/linux-guest.config, with an initramfs
# holding only guests/linux-init/init.c (static). Prints the Image's path as the
# last line of stdout; progress goes to stderr.
#
#   scripts/linux-guest.sh            build if needed, print the path
#   scripts/linux-guest.sh --check    exit 0 if the toolchain is present, 2 if not
#   scripts/linux-guest.sh --cached   print the path only if already built, else exit 1
#   scripts/linux-guest.sh --vmlinux  print the cached Image's vmlinux (its symbols, for
#                                     gdb), else exit 1
#
# Cache (${AXVM_CACHE:-~/.cache/axvm}):
#   linux-<key>/Image        key = hash of the kernel source version, the config
#                            fragment, the build recipe version and the init source
#   linux-<key>/vmlinux      the ELF the Image was made from (symbols, no debug info)
#   linux-build-<ckey>/      the kernel build tree, ckey = the same without the
#                            init source: a change to init only relinks (seconds)
# so `make test` rebuilds only when an input changes. A fresh Image is booted
# once under QEMU (virt, OpenSBI) to validate the fixture before it is cached.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tarball=/usr/src/linux-source-6.1.tar.xz
fragment=$here/linux-guest.config
init_src=$root/guests/linux-init/init.c
cross=riscv64-linux-gnu-
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
jobs=${AXVM_LINUX_JOBS:-2}

die() {
	echo "linux-guest: error: $*" >&2
	exit 1
}
log() { echo "linux-guest: $*" >&2; }

missing=()
[ -r "$tarball" ] || missing+=("$tarball (apt install linux-source-6.1)")
command -v ${cross}gcc >/dev/null || missing+=("${cross}gcc (apt install gcc-riscv64-linux-gnu)")
for tool in make gcc flex bison bc xz; do
	command -v $tool >/dev/null || missing+=("$tool")
done
if [ "${1:-}" = "--check" ]; then
	if [ ${#missing[@]} -ne 0 ]; then
		echo "missing: ${missing[*]}"
		exit 2
	fi
	exit 0
fi
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}"

version=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null ||
	stat -c '%s-%Y' "$tarball")
# Bump when the way the kernel is built changes (not for comments or options
# of this script): it is part of the cache key instead of the script's text.
recipe=2
ckey=$( (
	echo "$version recipe $recipe"
	cat "$fragment"
) | sha256sum | cut -c1-16)
key=$( (
	echo "$ckey"
	cat "$init_src"
) | sha256sum | cut -c1-16)
out=$cache/linux-$key
image=$out/Image
build=$cache/linux-build-$ckey

if [ "${1:-}" = "--cached" ]; then
	[ -s "$image" ] && [ -e "$out/qemu-ok" ] || exit 1
	echo "$image"
	exit 0
fi
if [ "${1:-}" = "--vmlinux" ]; then
	[ -s "$image" ] && [ -e "$out/qemu-ok" ] || exit 1
	# A fixture cached before its vmlinux was kept: the build tree's, if the
	# Image is exactly its binary (the build tree may have moved on since).
	if [ ! -s "$out/vmlinux" ] && [ -s "$build/obj/vmlinux" ] &&
		${cross}objcopy -O binary "$build/obj/vmlinux" "$out/vmlinux.bin.tmp" 2>/dev/null &&
		cmp -s "$out/vmlinux.bin.tmp" "$image"; then
		cp "$build/obj/vmlinux" "$out/vmlinux.tmp" && mv "$out/vmlinux.tmp" "$out/vmlinux"
	fi
	rm -f "$out/vmlinux.bin.tmp"
	[ -s "$out/vmlinux" ] || exit 1
	echo "$out/vmlinux"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/linux.lock"
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

buildlog=$build/build.log
kmake() {
	make -C "$src" O="$build/obj" ARCH=riscv CROSS_COMPILE=$cross "$@" >>"$buildlog" 2>&1 ||
		die "make $* failed; tail of $buildlog:
$(tail -n 30 "$buildlog")"
}

# The configured build tree (kept across init changes). INITRAMFS_SOURCE names
# a fixed path in it; the cpio there is regenerated below for every build.
if [ ! -e "$build/.config-ok" ]; then
	rm -rf "$build"
	mkdir -p "$build/obj"
	log "configuring $build (log: $buildlog)"
	kmake tinyconfig
	{
		cat "$fragment"
		echo "CONFIG_INITRAMFS_SOURCE=\"$build/initramfs.cpio\""
	} >"$build/fragment.config"
	# -n: the merged result is applied over allnoconfig, so nothing tinyconfig
	# left out comes back through defaults.
	(cd "$src" && ARCH=riscv CROSS_COMPILE=$cross \
		scripts/kconfig/merge_config.sh -n -O "$build/obj" "$build/obj/.config" \
		"$build/fragment.config") >>"$buildlog" 2>&1 ||
		die "merge_config.sh failed (see $buildlog)"

	# A symbol whose dependencies are unmet is silently dropped by kconfig:
	# fail loudly instead of producing a kernel that cannot boot the test.
	config=$build/obj/.config
	bad=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$config" || bad+=("$line")
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -q "^$sym=" "$config"; then bad+=("$line"); fi
			;;
		esac
	done <"$build/fragment.config"
	if [ ${#bad[@]} -ne 0 ]; then
		die "the resulting .config lacks: ${bad[*]} (see $config)"
	fi
	gcc -O2 -o "$build/gen_init_cpio" "$src/usr/gen_init_cpio.c"
	touch "$build/.config-ok"
fi

# init and the initramfs: gen_init_cpio (from the kernel tree) makes the
# /dev/console node without root; the kernel opens it for init's stdio.
mkdir -p "$build/initramfs"
${cross}gcc -static -O2 -Wall -o "$build/initramfs/init" "$init_src"
cat >"$build/initramfs.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $build/initramfs/init 0755 0 0
EOF
"$build/gen_init_cpio" "$build/initramfs.list" >"$build/initramfs.cpio.tmp"
if ! cmp -s "$build/initramfs.cpio.tmp" "$build/initramfs.cpio"; then
	mv "$build/initramfs.cpio.tmp" "$build/initramfs.cpio"
else
	rm -f "$build/initramfs.cpio.tmp"
fi

log "compiling the kernel with -j$jobs in $build (a few minutes the first time)"
start=$(date +%s)
kmake -j"$jobs" Image
log "kernel built in $(($(date +%s) - start))s"
rm -rf "$out"
mkdir -p "$out"
cp "$build/obj/arch/riscv/boot/Image" "$out/Image.tmp"
cp "$build/obj/vmlinux" "$out/vmlinux"

# Validate the fixture on the reference machine before trusting it.
if command -v qemu-system-riscv64 >/dev/null; then
	log "booting the Image under QEMU to validate it"
	qlog=$out/qemu.log
	timeout 180 qemu-system-riscv64 -M virt -bios default -nographic -smp 2 -m 256M \
		-kernel "$out/Image.tmp" -append "console=ttyS0" </dev/null >"$qlog" 2>&1 || true
	grep -q "axvm-init: harts=2" "$qlog" && grep -q "axvm-init: powering off" "$qlog" ||
		die "the Image did not reach init under QEMU; see $qlog"
else
	log "warning: qemu-system-riscv64 not found, the Image is not validated"
fi
touch "$out/qemu-ok"
mv "$out/Image.tmp" "$image"
echo "$image"
