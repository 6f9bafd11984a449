#!/usr/bin/env bash
# Build (or find in the cache) the Debian guest: Debian trixie's stock riscv64
# kernel (linux-image-6.12.*-riscv64; its vmlinux is an EFI-stub Image that
# boots directly), a small initramfs (busybox-static and the modules a
# virtio-blk ext4 root needs) and an ext4 root file system image (busybox
# userland, guests/debian/rootfs, and the programs guests/debian/packages.rootfs
# names -- perf -- with their shared libraries). The packages come from Debian's archive
# through apt with a private configuration under the cache
# (scripts/lib/debian-apt.sh: the host's apt configuration and state are
# neither read nor written), once: the .debs stay in the cache. No root
# privileges are needed. Progress goes to stderr; stdout gets three lines:
# the kernel, the initramfs and the root file system image (the pristine
# copy: boot a copy of it, as scripts/run-debian.sh does).
#
#   scripts/debian-guest.sh            fetch and build if needed, print the paths
#   scripts/debian-guest.sh --check    exit 0 if the host tools are present, 2 if not
#   scripts/debian-guest.sh --cached   print the paths only if already built, else exit 1
#   scripts/debian-guest.sh --update   refresh the package lists first: newer
#                                      packages give a new cache entry
#
# Cache (${AXVM_CACHE:-~/.cache/axvm}):
#   debian-apt/          apt's private configuration (etc/), lists (state/), debs/
#     resolved           the packages in use: name, version, SHA256 of the .deb,
#                        resolved from the lists once (again with --update or
#                        when guests/debian/packages.rootfs names others)
#   debian-<key>/        key = hash of `resolved`, this script's recipe version
#                        and the guest's files (guests/debian: initramfs/,
#                        rootfs/, modules.*)
#     vmlinux initramfs.img rootfs.img manifest qemu.log qemu-ok
#   debian.lock          serialises builds (flock)
# An entry counts only with qemu-ok: a fresh build is booted once under QEMU
# (virt, OpenSBI, virtio-blk root) and must print the scripted session's
# marker before it is cached.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
guest=$root/guests/debian
rootfs_size=128M
marker="axvm-debian: scripted session ok"
# Bump when the way the guest is built changes (not for comments or options
# of this script): it is part of the cache key instead of the script's text.
recipe=3

# depmod, mke2fs and debugfs live in /usr/sbin, not in a normal user's PATH.
export PATH=$PATH:/usr/sbin:/sbin
export LC_ALL=C

die() {
	echo "debian-guest: error: $*" >&2
	exit 1
}
log() { echo "debian-guest: $*" >&2; }
# cache, aptdir, mirror, suite, keyring; apt_setup, apt_update, candidates,
# apt_fetch, deb_path, now, since.
# shellcheck source=scripts/lib/debian-apt.sh
source "$here/lib/debian-apt.sh"

mode=build
case "${1:-}" in
"") ;;
--check | --cached | --update) mode=${1#--} ;;
-h | --help)
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"
	exit 0
	;;
*)
	echo "usage: $0 [--check | --cached | --update | --help]" >&2
	exit 2
	;;
esac
[ $# -le 1 ] || die "one option at most (got: $*)"

missing=()
apt_missing missing
for tool in depmod:kmod mke2fs:e2fsprogs debugfs:e2fsprogs e2fsck:e2fsprogs readelf:binutils \
	cpio:cpio zstd:zstd xz:xz-utils qemu-system-riscv64:qemu-system-misc; do
	command -v "${tool%%:*}" >/dev/null || missing+=("${tool%%:*} (apt install ${tool#*:})")
done
[ -r /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin ] ||
	missing+=("OpenSBI for qemu -bios default (apt install opensbi)")
if [ "$mode" = check ]; then
	if [ ${#missing[@]} -ne 0 ]; then
		echo "missing: ${missing[*]}"
		exit 2
	fi
	exit 0
fi

# The package names of guests/debian/packages.rootfs (first word of each line).
extra_packages() { awk '{ sub(/#.*/, "") } NF { print $1 }' "$guest/packages.rootfs"; }
# PACKAGE PROGRAM pairs of the same file.
extra_programs() { awk '{ sub(/#.*/, ""); for (i = 2; i <= NF; i++) print $1, $i }' "$guest/packages.rootfs"; }

# The cache key: the resolved packages, the recipe and the files that go into
# the guest (contents and executable bits), so an edit to them rebuilds.
cache_key() {
	{
		echo "recipe $recipe suite $suite rootfs $rootfs_size"
		cat "$aptdir/resolved"
		(cd "$guest" && find initramfs rootfs modules.initramfs modules.rootfs packages.rootfs -type f | sort |
			while read -r f; do
				[ -x "$f" ] && echo "x $f"
				sha256sum "$f"
			done)
	} | sha256sum | cut -c1-16
}
entry_ok() { [ -e "$1/qemu-ok" ] && [ -s "$1/vmlinux" ] && [ -s "$1/initramfs.img" ] && [ -s "$1/rootfs.img" ]; }
print_paths() { printf '%s\n' "$1/vmlinux" "$1/initramfs.img" "$1/rootfs.img"; }

[ -d "$guest" ] || die "$guest is missing"
# `resolved` answers for the packages packages.rootfs names now?
resolved_current() { [ -s "$aptdir/resolved" ] && extra_packages | sort | cmp -s - "$aptdir/resolved.want"; }
# The fast path, without the lock: entries appear by rename, complete.
if [ "$mode" != update ] && resolved_current; then
	out=$cache/debian-$(cache_key)
	if entry_ok "$out"; then
		print_paths "$out"
		exit 0
	fi
fi
[ "$mode" = cached ] && exit 1
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}"

mkdir -p "$cache"
exec 9>"$cache/debian.lock"
if ! flock -n 9; then
	log "waiting for another debian-guest.sh (lock $cache/debian.lock)"
	flock 9
fi

# --- apt, privately (scripts/lib/debian-apt.sh) ----------------------------
# Pins the packages to their current versions in the lists: `resolved`.
resolve() {
	local meta kpkg kver names rows row pkg ver kup pup
	local -a extra
	meta=$(candidates linux-image-riscv64) || true
	kpkg=$(awk '{ print $4 }' <<<"$meta")
	if ! [[ "$kpkg" =~ ^linux-image-6\.12\.[0-9]+.*-riscv64$ ]]; then
		# The metapackage moved on (or is gone): the newest 6.12 flavour.
		log "linux-image-riscv64 depends on '$(cut -d' ' -f4- <<<"$meta")'; looking for the newest linux-image-6.12.*-riscv64"
		names=$(apt-cache pkgnames linux-image-6.12. | grep -E '^linux-image-6\.12\.[0-9]+[^-]*-riscv64$') || true
		[ -n "$names" ] || die "no linux-image-6.12.*-riscv64 package in $suite's lists"
		kpkg=
		kver=
		# shellcheck disable=SC2086 # one package name per word
		while read -r pkg ver _; do
			if [ -z "$kpkg" ] || dpkg --compare-versions "$ver" gt "$kver"; then
				kpkg=$pkg
				kver=$ver
			fi
		done < <(candidates $names)
	fi
	mapfile -t extra < <(extra_packages)
	rows=$(candidates "$kpkg" busybox-static "${extra[@]}") || true
	: >"$aptdir/resolved.tmp"
	for pkg in "$kpkg" busybox-static "${extra[@]}"; do
		row=$(awk -v p="$pkg" '$1 == p && NF >= 3 { print $1, $2, $3; exit }' <<<"$rows")
		[ -n "$row" ] || die "package $pkg has no candidate in $suite's riscv64 lists"
		echo "$row" >>"$aptdir/resolved.tmp"
	done
	# perf reads the kernel's perf_event ABI of its own version: the same
	# upstream version as the kernel package (6.12.N).
	if pup=$(awk '$1 == "linux-perf" { print $2 }' "$aptdir/resolved.tmp") && [ -n "$pup" ]; then
		kup=$(awk 'NR == 1 { print $2 }' "$aptdir/resolved.tmp")
		[ "${pup%%-*}" = "${kup%%-*}" ] ||
			die "linux-perf $pup does not match the kernel $kpkg $kup (run $0 --update)"
	fi
	extra_packages | sort >"$aptdir/resolved.want"
	if ! cmp -s "$aptdir/resolved.tmp" "$aptdir/resolved" 2>/dev/null; then
		log "packages: $(cut -d' ' -f1,2 "$aptdir/resolved.tmp" | paste -sd ',' | sed 's/,/, /g')"
	fi
	mv "$aptdir/resolved.tmp" "$aptdir/resolved"
}

# --- kernel modules ---------------------------------------------------------
# From depmod's output for the whole kernel: modules.dep (hard dependencies),
# modules.softdep (pre:/post: soft dependencies such as ext4's crc32c driver,
# which ext4 asks for by name at mount time) through modules.alias, and
# modules.builtin (nothing to load). `visit` appends a module after what it
# needs to mod_order.
declare -A mod_path mod_deps mod_builtin mod_pre mod_post mod_state
mod_order=()
mod_builtin_used=()

# kernel/fs/ext4/ext4.ko.xz -> ext4 in $mod (no subshell: called thousands of times).
mod_name() {
	mod=${1##*/}
	mod=${mod%%.ko*}
	mod=${mod//-/_}
}

mod_load_index() {
	local dir=$1 path deps name kw rest dep mod
	while IFS=: read -r path deps; do
		mod_name "$path"
		mod_path[$mod]=$path
		mod_deps[$mod]=$deps
	done <"$dir/modules.dep"
	while read -r path; do
		mod_name "$path"
		mod_builtin[$mod]=1
	done <"$dir/modules.builtin"
	while read -r kw name rest; do
		[ "$kw" = softdep ] || continue
		name=${name//-/_}
		kw=
		for dep in $rest; do
			case $dep in
			pre: | post:) kw=${dep%:} ;;
			*) if [ "$kw" = pre ]; then mod_pre[$name]+=" $dep"; else mod_post[$name]+=" $dep"; fi ;;
			esac
		done
	done <"$dir/modules.softdep"
}

# A module name or an alias (crypto-crc32c) -> the module providing it.
mod_resolve() {
	local dir=$1 want=${2//-/_} hit
	if [ -n "${mod_path[$want]:-}" ] || [ -n "${mod_builtin[$want]:-}" ]; then
		echo "$want"
		return
	fi
	hit=$(awk -v a="$2" '$1 == "alias" && $2 == a { print $3; exit }' "$dir/modules.alias")
	if [ -z "$hit" ]; then
		hit=$(tr '\0' '\n' <"$dir/modules.builtin.modinfo" |
			awk -F'.alias=' -v a="$2" 'NF == 2 && $2 == a { print $1; exit }')
	fi
	[ -n "$hit" ] || return 1
	echo "${hit//-/_}"
}

mod_visit() {
	local dir=$1 name=$2 from=$3 dep target mod
	if [ "${mod_state[$name]:-}" = visited ]; then
		return
	fi
	if [ -n "${mod_builtin[$name]:-}" ]; then
		mod_state[$name]=visited
		mod_builtin_used+=("$name")
		return
	fi
	[ -n "${mod_path[$name]:-}" ] ||
		die "kernel module $name (wanted by $from) is neither in modules.dep nor built in"
	[ "${mod_state[$name]:-}" != visiting ] || die "kernel module dependency cycle through $name"
	mod_state[$name]=visiting
	for dep in ${mod_pre[$name]:-}; do
		target=$(mod_resolve "$dir" "$dep") || die "softdep $dep of $name: no module or built-in provides it"
		mod_visit "$dir" "$target" "$name (softdep pre)"
	done
	for dep in ${mod_deps[$name]}; do
		mod_name "$dep"
		mod_visit "$dir" "$mod" "$name"
	done
	mod_state[$name]=visited
	mod_order+=("$name")
	for dep in ${mod_post[$name]:-}; do
		target=$(mod_resolve "$dir" "$dep") || die "softdep $dep of $name: no module or built-in provides it"
		mod_visit "$dir" "$target" "$name (softdep post)"
	done
}

# The module names of a guests/debian/modules.* file.
mod_list() { awk '{ sub(/#.*/, ""); for (i = 1; i <= NF; i++) print $i }' "$1"; }

# Copies modules (decompressed: busybox insmod/modprobe then need no xz, and
# the initramfs is compressed as a whole) into DEST/lib/modules/KVER and
# indexes them there with depmod, for busybox modprobe.
mod_install() {
	local src=$1 dest=$2 kver=$3 name p out
	shift 3
	mkdir -p "$dest/lib/modules/$kver"
	for name in "$@"; do
		p=${mod_path[$name]}
		out=$dest/lib/modules/$kver/${p%.*}
		mkdir -p "$(dirname "$out")"
		case $p in
		*.ko.xz) xz -dc "$src/$p" >"$out" ;;
		*.ko.zst) zstd -qdc "$src/$p" >"$out" ;;
		*.ko.gz) gzip -dc "$src/$p" >"$out" ;;
		*.ko) out=$dest/lib/modules/$kver/$p && cp "$src/$p" "$out" ;;
		*) die "unexpected module file name $p" ;;
		esac || die "cannot decompress $src/$p"
	done
	cp "$src"/modules.builtin "$src"/modules.builtin.modinfo "$src"/modules.order \
		"$dest/lib/modules/$kver/"
	depmod -b "$dest" "$kver" || die "depmod -b $dest $kver failed"
}

# --- busybox ------------------------------------------------------------------
# busybox-static is a riscv64 binary, so `busybox --list` cannot run here. Its
# applet names are one sorted, NUL-separated table starting "[", "[[": read it
# from the binary and check that it looks right.
busybox_applets() {
	local bb=$1 off list a
	off=$(grep -obUaP '\[\x00\[\[\x00[a-z]' "$bb" | head -n 1 | cut -d: -f1) ||
		true
	[ -n "$off" ] || die "cannot find the applet table in $bb (busybox-static's layout changed: update busybox_applets)"
	list=$(tail -c +$((off + 1)) "$bb" | tr '\0' '\n' | head -n 2000 |
		awk 'NR > 1 && ($0 !~ /^[][a-z0-9._-]+$/ || $0 <= prev) { exit } { print; prev = $0 }')
	for a in sh mount umount switch_root insmod modprobe poweroff sync dd sha256sum cttyhack init \
		mkdir sleep cat grep cut tr hostname setsid; do
		grep -qxF "$a" <<<"$list" || die "busybox applet table read from $bb lacks '$a' (parsed $(wc -l <<<"$list") names)"
	done
	echo "$list"
}

# --- programs from packages.rootfs -----------------------------------------
# Copies PKGS/PKG/PROG to ROOT/PROG with its dynamic loader and the closure of
# its DT_NEEDED libraries, each looked up in the extracted packages' library
# directories and copied (symlinks resolved) to ROOT/usr/lib/riscv64-linux-gnu
# under its soname, where the loader's built-in multiarch path finds it.
declare -A elf_done
elf_install() {
	local pkgs=$1 pkg=$2 prog=$3 dest=$4 interp f so hit
	local -a queue
	[ -f "$pkgs/$pkg/$prog" ] || die "package $pkg has no $prog (guests/debian/packages.rootfs)"
	mkdir -p "$dest/$(dirname "$prog")" "$dest/usr/lib/riscv64-linux-gnu"
	cp "$pkgs/$pkg/$prog" "$dest/$prog"
	interp=$(readelf -lW "$pkgs/$pkg/$prog" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	queue=("$pkgs/$pkg/$prog")
	if [ -n "$interp" ] && [ -z "${elf_done[$interp]:-}" ]; then
		hit=$(find "$pkgs"/*/usr/lib/riscv64-linux-gnu -maxdepth 1 -name "$(basename "$interp")" -print -quit 2>/dev/null)
		[ -n "$hit" ] || die "$prog's loader $interp is in none of the packages of guests/debian/packages.rootfs"
		# /lib leads to /usr/lib on the root file system.
		mkdir -p "$dest/usr/$(dirname "${interp#/usr}")"
		cp -L "$hit" "$dest/usr/${interp#/usr}"
		elf_done[$interp]=1
		elf_done[$(basename "$interp")]=1
	fi
	while [ ${#queue[@]} -ne 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		for so in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -z "${elf_done[$so]:-}" ] || continue
			hit=$(find "$pkgs"/*/usr/lib/riscv64-linux-gnu "$pkgs"/*/lib/riscv64-linux-gnu \
				-maxdepth 1 -name "$so" -print -quit 2>/dev/null)
			[ -n "$hit" ] || die "$so (needed by ${f#"$pkgs"/}) is in none of the packages of guests/debian/packages.rootfs"
			cp -L "$hit" "$dest/usr/lib/riscv64-linux-gnu/$so"
			elf_done[$so]=1
			queue+=("$hit")
		done
	done
}

# --- cpio -------------------------------------------------------------------
# One newc entry with no data (a directory or a device node): cpio -o cannot
# archive a device node that does not exist, and creating /dev/console would
# need root. MODE in octal with its type bits.
cpio_entry() {
	local name=$1 mode=$2 rmaj=$3 rmin=$4 ino=$5 namesize
	namesize=$((${#name} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$ino" "$((8#$mode))" 0 0 1 0 0 0 0 "$rmaj" "$rmin" "$namesize" 0
	printf '%s\0' "$name"
	head -c $(((4 - (110 + namesize) % 4) % 4)) /dev/zero
}

# --- the build ---------------------------------------------------------------
apt_setup
if [ "$mode" = update ] || [ ! -s "$aptdir/resolved" ]; then
	apt_update
	resolve
elif ! resolved_current; then
	apt_have_lists || apt_update
	resolve
fi
key=$(cache_key)
out=$cache/debian-$key
if entry_ok "$out"; then
	print_paths "$out"
	exit 0
fi

apt_fetch "$aptdir/resolved" "$aptdir/debs"
t_start=$(now)
read -r kpkg _ <"$aptdir/resolved"
bbver=$(awk '$1 == "busybox-static" { print $2 }' "$aptdir/resolved")

work=$cache/debian-$key.tmp
rm -rf "$work"
mkdir -p "$work/pkgs"
log "building in $work"
while read -r pkg ver _; do
	dpkg-deb -x "$(deb_path "$aptdir/debs" "$pkg" "$ver")" "$work/pkgs/$pkg" ||
		die "dpkg-deb -x $(deb_path "$aptdir/debs" "$pkg" "$ver") failed"
done <"$aptdir/resolved"

# The kernel: merged /usr puts the modules in usr/lib/modules.
set -- "$work/pkgs/$kpkg"/usr/lib/modules/* "$work/pkgs/$kpkg"/lib/modules/*
moddirs=()
for d in "$@"; do [ -d "$d" ] && moddirs+=("$d"); done
[ ${#moddirs[@]} -eq 1 ] || die "$kpkg: expected one modules directory, found ${#moddirs[@]}"
kver=$(basename "${moddirs[0]}")
vmlinux=$work/pkgs/$kpkg/boot/vmlinux-$kver
[ -s "$vmlinux" ] || die "$kpkg has no /boot/vmlinux-$kver"
printf 'RSC\005' | cmp -s -n 4 -i 56:0 "$vmlinux" - ||
	die "$vmlinux has no riscv Image header (magic RSC\\x05 at 0x38)"
kmod=$work/kmod
mkdir -p "$kmod/lib/modules"
mv "${moddirs[0]}" "$kmod/lib/modules/$kver"
moddir=$kmod/lib/modules/$kver
log "kernel $kver: indexing its $(find "$moddir" -name '*.ko*' | wc -l) modules (depmod)"
depmod -b "$kmod" "$kver" || die "depmod -b $kmod $kver failed"
mod_load_index "$moddir"

mapfile -t want_init < <(mod_list "$guest/modules.initramfs")
mapfile -t want_root < <(mod_list "$guest/modules.rootfs")
for m in "${want_init[@]}"; do
	mod_visit "$moddir" "${m//-/_}" "guests/debian/modules.initramfs"
done
init_mods=("${mod_order[@]}")
init_builtin=("${mod_builtin_used[@]}")
for m in "${want_root[@]}"; do
	mod_visit "$moddir" "${m//-/_}" "guests/debian/modules.rootfs"
done
root_mods=("${mod_order[@]}")
log "initramfs modules (load order): ${init_mods[*]}; built in: ${init_builtin[*]:-none}"
log "root file system adds: ${root_mods[*]:${#init_mods[@]}}"

bb=$work/pkgs/busybox-static/usr/bin/busybox
[ -x "$bb" ] || bb=$work/pkgs/busybox-static/bin/busybox
[ -x "$bb" ] || die "busybox-static has no usr/bin/busybox"
applets=$(busybox_applets "$bb")

# The initramfs: /init, busybox with its applets in /bin, the modules.
ird=$work/initramfs
mkdir -p "$ird"/{bin,dev,proc,sys,newroot,etc/axvm,run,tmp}
ln -s bin "$ird/sbin"
cp "$bb" "$ird/bin/busybox"
while read -r a; do [ "$a" = busybox ] || ln -s busybox "$ird/bin/$a"; done <<<"$applets"
cp "$guest/initramfs/init" "$ird/init"
chmod 0755 "$ird/init"
mod_install "$moddir" "$ird" "$kver" "${init_mods[@]}"
for m in "${init_mods[@]}"; do
	p=${mod_path[$m]}
	case $p in *.ko) ;; *) p=${p%.*} ;; esac
	echo "$kver/$p"
done >"$ird/etc/axvm/modules"
(cd "$ird" && find . -mindepth 1 -printf '%P\n' | sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) >"$work/initramfs.cpio" ||
	die "cpio of $ird failed"
{
	cpio_entry dev 040755 0 0 1
	cpio_entry dev/console 020600 5 1 2
	cpio_entry TRAILER!!! 0 0 0 0
} >>"$work/initramfs.cpio"
zstd -q -9 "$work/initramfs.cpio" -o "$work/initramfs.img" || die "zstd of the initramfs failed"

# The root file system: merged /usr with everything in /usr/bin, busybox,
# guests/debian/rootfs, the modules, and what the build knows (os-release,
# the package list).
rfs=$work/rootfs
mkdir -p "$rfs"/{usr/bin,usr/lib,dev,proc,sys,run,tmp,root,mnt,home,var/tmp,etc/axvm}
ln -s usr/bin "$rfs/bin"
ln -s usr/bin "$rfs/sbin"
ln -s bin "$rfs/usr/sbin"
ln -s usr/lib "$rfs/lib"
ln -s ../proc/self/mounts "$rfs/etc/mtab"
chmod 1777 "$rfs/tmp" "$rfs/var/tmp"
chmod 0700 "$rfs/root"
cp "$bb" "$rfs/usr/bin/busybox"
while read -r a; do [ "$a" = busybox ] || ln -s busybox "$rfs/usr/bin/$a"; done <<<"$applets"
cp -R --preserve=mode "$guest/rootfs/." "$rfs/"
mod_install "$moddir" "$rfs/usr" "$kver" "${root_mods[@]}"
while read -r pkg prog; do
	elf_install "$work/pkgs" "$pkg" "$prog" "$rfs"
done < <(extra_programs)
{
	echo 'NAME="axvm Debian guest"'
	echo "PRETTY_NAME=\"Debian $suite kernel $kver with busybox $bbver (axvm guest)\""
	echo 'ID=axvm-debian'
	echo 'ID_LIKE=debian'
	echo "VERSION_CODENAME=$suite"
} >"$rfs/etc/os-release"
cut -d' ' -f1,2 "$aptdir/resolved" >"$rfs/etc/axvm/packages"
truncate -s "$rootfs_size" "$work/rootfs.img"
mke2fs -q -F -t ext4 -b 4096 -L axvm-root -m 0 -E root_owner=0:0 -d "$rfs" "$work/rootfs.img" ||
	die "mke2fs -d $rfs $work/rootfs.img failed"
# mke2fs -d copies the builder's uid/gid: give every file to root.
if [ -n "$(find "$rfs" -mindepth 1 \( ! -uid 0 -o ! -gid 0 \) -print -quit)" ]; then
	find "$rfs" -mindepth 1 -printf 'sif "/%P" uid 0\nsif "/%P" gid 0\n' >"$work/owners.debugfs"
	debugfs -w -f "$work/owners.debugfs" "$work/rootfs.img" >/dev/null 2>"$work/debugfs.log" ||
		die "debugfs could not give the files to root (see $work/debugfs.log)"
	! grep -v '^debugfs' "$work/debugfs.log" | grep -q . ||
		die "debugfs reported errors while giving the files to root (see $work/debugfs.log)"
fi
e2fsck -fn "$work/rootfs.img" >"$work/e2fsck.log" 2>&1 ||
	die "the new root file system does not pass e2fsck -fn (see $work/e2fsck.log)"
cp "$vmlinux" "$work/vmlinux"
t_build=$(since "$t_start")
log "built in ${t_build}s: vmlinux $(du -h --apparent-size "$work/vmlinux" | cut -f1), initramfs $(du -h "$work/initramfs.img" | cut -f1), rootfs $rootfs_size ($(du -h "$work/rootfs.img" | cut -f1) allocated)"

# Validate on the reference machine before trusting the build: the scripted
# session must print its marker and power off.
log "booting it under QEMU to validate it (scripted session)"
qlog=$work/qemu.log
cp --sparse=always "$work/rootfs.img" "$work/disk.img"
t0=$(now)
timeout 600 qemu-system-riscv64 -M virt -bios default -nographic -monitor none -smp 1 -m 256M \
	-kernel "$work/vmlinux" -initrd "$work/initramfs.img" \
	-append "console=ttyS0 root=/dev/vda rw axvm.script=1" \
	-drive if=none,format=raw,id=hd0,file="$work/disk.img" -device virtio-blk-device,drive=hd0 \
	-device virtio-rng-device </dev/null >"$qlog" 2>&1 &
qpid=$!
t_marker=
while kill -0 "$qpid" 2>/dev/null; do
	if [ -z "$t_marker" ] && grep -q "$marker" "$qlog"; then
		t_marker=$(since "$t0")
	fi
	sleep 0.1
done
qrc=0
wait "$qpid" || qrc=$?
t_qemu=$(since "$t0")
[ -n "$t_marker" ] || ! grep -q "$marker" "$qlog" || t_marker=$t_qemu
sed -i 's/\r$//' "$qlog"
rm -f "$work/disk.img"
if [ -z "$t_marker" ] || [ $qrc -ne 0 ]; then
	grep 'axvm-' "$qlog" >&2 || tail -n 20 "$qlog" >&2
	die "the guest did not complete its scripted session under QEMU (status $qrc; see $qlog)"
fi
guest_uptime=$(sed -n "s/.*$marker (uptime \([0-9.]*\) s).*/\1/p" "$qlog")
log "QEMU: marker after ${t_marker}s (guest uptime ${guest_uptime}s), powered off after ${t_qemu}s"

{
	echo "# axvm Debian guest, scripts/debian-guest.sh recipe $recipe, key $key"
	echo "suite $suite ($mirror)"
	cut -d' ' -f1,2 "$aptdir/resolved" | sed 's/^/package /'
	echo "kernel $kver"
	echo "initramfs-modules ${init_mods[*]}"
	echo "initramfs-builtin ${init_builtin[*]:-}"
	echo "rootfs-modules ${root_mods[*]}"
	echo "busybox-applets $(wc -l <<<"$applets")"
	echo "rootfs-size $rootfs_size"
	echo "build-seconds $t_build"
	echo "qemu-marker-seconds $t_marker"
	echo "qemu-guest-uptime-at-marker $guest_uptime"
	echo "qemu-total-seconds $t_qemu"
} >"$work/manifest"

mkdir "$work/entry"
mv "$work"/{vmlinux,initramfs.img,rootfs.img,manifest,qemu.log} "$work/entry/"
touch "$work/entry/qemu-ok"
rm -rf "$out"
mv "$work/entry" "$out"
rm -rf "$work"
log "cached in $out ($(du -sh "$out" | cut -f1))"
print_paths "$out"
