#!/usr/bin/env bash
# Build (or find in the cache) the Linux test guest: a riscv64 Image from
# Debian's linux-source-6.1 (or, with --kernel 6.12, trixie's
# linux-source-6.12), tinyconfig + scripts/linux-guest.config (+
# scripts/linux-guest-6.12.config), with an initramfs holding only
# guests/linux-init/init.c (static). Prints the Image's path as the last line
# of stdout; progress goes to stderr.
#
#   scripts/linux-guest.sh            build if needed, print the path
#   scripts/linux-guest.sh --check    exit 0 if the toolchain is present, 2 if not
#   scripts/linux-guest.sh --cached   print the path only if already built, else exit 1
#   scripts/linux-guest.sh --vmlinux  print the cached Image's vmlinux (its symbols, for
#                                     gdb), else exit 1
#   scripts/linux-guest.sh --kernel 6.12 [--check | --cached | --vmlinux]
#                                     the same for the 6.12 fixture: a kernel
#                                     with RISC-V SBI steal-time accounting
#                                     (CONFIG_PARAVIRT), for tests/integration/steal.sh
#
# The 6.1 source is the host's linux-source-6.1 package (scripts/deps.sh).
# The 6.12 source is not installed on the host: the .deb (arch all, ~150 MB)
# comes from Debian trixie's archive through the Debian guest's private apt
# (scripts/lib/debian-apt.sh), pinned once to the lists' candidate version
# in debian-apt/resolved.linux-source-6.12 (remove that file to move on).
#
# Cache (${AXVM_CACHE:-~/.cache/axvm}):
#   linux-<key>/Image        key = hash of the kernel source version, the config
#                            fragment(s), the build recipe version and the init source
#   linux-<key>/vmlinux      the ELF the Image was made from (symbols, no debug info)
#   linux-build-<ckey>/      the kernel build tree, ckey = the same without the
#                            init source: a change to init only relinks (seconds)
#   linux-src-<version>/     the unpacked source
#   linux-source-debs/       the 6.12 source .deb
# so `make test` rebuilds only when an input changes. A fresh Image is booted
# once under QEMU (virt, OpenSBI) to validate the fixture before it is cached.
# The 6.12 fixture costs a ~150 MB download, 1.7 GB unpacked and ~9 CPU
# minutes of compiling (measured: 670 s wall, 9.2 min user+sys, with -j2 on
# 2 cores shared with other builds: about 5 min on 2 idle cores).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
init_src=$root/guests/linux-init/init.c
cross=riscv64-linux-gnu-
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
jobs=${AXVM_LINUX_JOBS:-2}

die() {
	echo "linux-guest: error: $*" >&2
	exit 1
}
log() { echo "linux-guest: $*" >&2; }

kernel=6.1
if [ "${1:-}" = "--kernel" ]; then
	kernel=${2:-}
	shift 2 || shift
fi
fragments=("$here/linux-guest.config")
case $kernel in
6.1) tarball=/usr/src/linux-source-6.1.tar.xz ;;
6.12)
	fragments+=("$here/linux-guest-6.12.config")
	# shellcheck source=scripts/lib/debian-apt.sh
	source "$here/lib/debian-apt.sh"
	srcdebs=$cache/linux-source-debs
	pin=$aptdir/resolved.linux-source-6.12
	;;
*) die "--kernel: 6.1 or 6.12 (got '$kernel')" ;;
esac

missing=()
if [ "$kernel" = 6.1 ]; then
	[ -r "$tarball" ] || missing+=("$tarball (apt install linux-source-6.1)")
else
	apt_missing missing
fi
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

# 6.12: the pinned source version ("linux-source-6.12 VERSION SHA256"),
# resolved from the private apt's lists the first time (under its lock).
pin_source() {
	local row
	[ -s "$pin" ] && return
	apt_lock
	apt_setup
	if [ ! -s "$pin" ]; then
		apt_have_lists || apt_update
		row=$(candidates linux-source-6.12 | awk '$1 == "linux-source-6.12" && NF >= 3 { print $1, $2, $3; exit }')
		[ -n "$row" ] || die "linux-source-6.12 has no candidate in the lists of $aptdir"
		log "pinned $row"
		echo "$row" >"$pin.tmp"
		mv "$pin.tmp" "$pin"
	fi
	exec 8>&-
}

if [ "$kernel" = 6.1 ]; then
	version=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null ||
		stat -c '%s-%Y' "$tarball")
else
	if [ "${1:-}" = "--cached" ] || [ "${1:-}" = "--vmlinux" ]; then
		[ -s "$pin" ] || exit 1
	fi
	pin_source
	read -r _ version _ <"$pin"
fi
# Bump when the way the kernel is built changes (not for comments or options
# of this script): it is part of the cache key instead of the script's text.
recipe=2
ckey=$( (
	echo "$version recipe $recipe"
	cat "${fragments[@]}"
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

src=$cache/linux-src-$version/linux-source-$kernel
if [ ! -e "$src/.axvm-extracted" ]; then
	rm -rf "$(dirname "$src")"
	mkdir -p "$(dirname "$src")"
	if [ "$kernel" = 6.1 ]; then
		log "extracting $tarball to $(dirname "$src")"
		tar -xJf "$tarball" -C "$(dirname "$src")"
	else
		apt_lock
		apt_setup
		apt_fetch "$pin" "$srcdebs" all
		exec 8>&-
		deb=$(deb_path "$srcdebs" linux-source-6.12 "$version" all)
		log "extracting the source of $deb to $(dirname "$src")"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.12.tar.xz |
			tar -xJ -C "$(dirname "$src")" ||
			die "cannot unpack usr/src/linux-source-6.12.tar.xz of $deb"
	fi
	[ -d "$src" ] || die "the source did not unpack to $src"
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
		cat "${fragments[@]}"
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
