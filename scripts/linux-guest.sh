#!/usr/bin/env bash
# Build (or find in the cache) the Linux test guest: a riscv64 Image from Debian's
# linux-source-6.1, tinyconfig + scripts/linux-guest.config, with an initramfs
# holding only guests/linux-init/init.c (static). Prints the Image's path as the
# last line of stdout; progress goes to stderr.
#
#   scripts/linux-guest.sh            build if needed, print the path
#   scripts/linux-guest.sh --check    exit 0 if the toolchain is present, 2 if not
#
# The cache key hashes the config fragment, the init source, this script and
# the kernel source package version, so `make test` rebuilds only when one of
# them changes. The fresh Image is booted once under QEMU (virt, OpenSBI) to
# validate the fixture itself before it is cached.
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
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}"

version=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null ||
	stat -c '%s-%Y' "$tarball")
key=$( (
	echo "$version"
	cat "$fragment" "$init_src" "$0"
) | sha256sum | cut -c1-16)
out=$cache/linux-$key
image=$out/Image

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

kmake tinyconfig
{
	cat "$fragment"
	echo "CONFIG_INITRAMFS_SOURCE=\"$out/initramfs.cpio\""
} >"$out/fragment.config"
# -n: the merged result is applied over allnoconfig, so nothing tinyconfig
# left out comes back through defaults.
(cd "$src" && ARCH=riscv CROSS_COMPILE=$cross \
	scripts/kconfig/merge_config.sh -n -O "$out/build" "$out/build/.config" \
	"$out/fragment.config") >>"$buildlog" 2>&1 ||
	die "merge_config.sh failed (see $buildlog)"

# A symbol whose dependencies are unmet is silently dropped by kconfig: fail
# loudly instead of producing a kernel that cannot boot the test.
config=$out/build/.config
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
done <"$fragment"
grep -qxF "CONFIG_INITRAMFS_SOURCE=\"$out/initramfs.cpio\"" "$config" ||
	bad+=("CONFIG_INITRAMFS_SOURCE")
if [ ${#bad[@]} -ne 0 ]; then
	die "the resulting .config lacks: ${bad[*]} (see $config)"
fi

log "compiling the kernel with -j$jobs (a few minutes)"
start=$(date +%s)
kmake -j"$jobs" Image
log "kernel built in $(($(date +%s) - start))s"
cp "$out/build/arch/riscv/boot/Image" "$image.tmp"

# Validate the fixture on the reference machine before trusting it.
if command -v qemu-system-riscv64 >/dev/null; then
	log "booting the Image under QEMU to validate it"
	qlog=$out/qemu.log
	timeout 180 qemu-system-riscv64 -M virt -bios default -nographic -smp 2 -m 256M \
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
