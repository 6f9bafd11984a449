#!/usr/bin/env bash
# Host directories shared with the guest (--share DIR,tag=NAME[,ro], the
# virtio-9p device) end to end.
#
# Without a guest OS (a flat idle guest): option errors name the option and
# the directory.
#
# With the Debian guest (one boot; built here when it is not cached, as
# devices.sh does), two shares: a read-write one and a read-only one that
# also carries the guest's test script (tests/data/share-guest.sh).
# The guest mounts both with `mount -t 9p -o trans=virtio,version=9p2000.L`
# and creates, reads, writes, appends, truncates, renames, unlinks, makes
# directories, symlinks and hard links, stats, chmods, copies a 32 MiB file
# from the read-only share to the read-write one (read and write paths); the host checks each result in the directory itself
# (contents, modes, links, checksums). Escape attempts from the guest (a
# symlink to "..", an absolute symlink to a host file outside the share,
# "../" paths) must not show the host file's token, and every change on the
# read-only share is refused (EROFS) with the directory unchanged.
# Ends with "N passed, N failed, N skipped".
set -u
KEEP_TMP=${KEEP_TMP:-${SHARE_KEEP:-}}
source "$(dirname "$0")/lib/common.sh"
typist=
cleanup_hook() {
	[ -n "$typist" ] && kill "$typist" 2>/dev/null
}
need_axvm share

# A flat guest that idles forever (wfi; j -4), loaded at 0x80200000.
printf '\x73\x00\x50\x10\x6f\xf0\xdf\xff' >"$tmp/idle.bin"
mkdir -p "$tmp/rw" "$tmp/ro"

err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --share "$tmp/none,tag=x" </dev/null 2>&1 >/dev/null)
rc=$?
check "--share with a missing directory exits 1 naming the option and the directory" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--share $tmp/none: No such file or directory"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --share "$tmp/rw" </dev/null 2>&1 >/dev/null)
rc=$?
check "--share without a tag exits 1 saying so" \
	$([ $rc -eq 1 ] && [[ "$err" == *"--share $tmp/rw: no mount tag given (tag=NAME)"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --share "$tmp/rw,tag=a b" </dev/null 2>&1 >/dev/null)
rc=$?
check "--share with a tag that has a space exits 1 naming it" \
	$([ $rc -eq 1 ] && [[ "$err" == *"tag=a b: want 1..64 printable characters"* ]]; echo $?) \
	"rc=$rc, '$err'"
err=$(timeout 20 "$axvm" run -k "$tmp/idle.bin" --share "$tmp/rw,tag=w" \
	--device "virtio-9p,$tmp/ro,tag=r,ro" --timeout 1 </dev/null 2>&1 >/dev/null)
rc=$?
check "a guest runs with --share and --device virtio-9p until its timeout" \
	$([ $rc -eq 1 ] && [ "$err" = "axvm: error: the guest did not finish within 1 s" ]; echo $?) \
	"rc=$rc, '$err'"

# ---- the Debian guest ----
if [ "${AXVM_DEBIAN:-1}" = 0 ]; then
	skip "share-debian" "AXVM_DEBIAN=0"
	summary
fi
if ! "$root/scripts/debian-guest.sh" --cached >/dev/null 2>&1; then
	echo "share: building the Debian guest (scripts/debian-guest.sh, once)"
	if ! "$root/scripts/debian-guest.sh" >"$tmp/debian-build.log" 2>&1; then
		check "the Debian guest builds (scripts/debian-guest.sh)" 1 \
			"$(tail -5 "$tmp/debian-build.log")"
		summary
	fi
fi

# The host's side before the boot.
rw=$tmp/rw
ro=$tmp/ro
secret=axvm-secret-$$-$RANDOM
echo "$secret" >"$tmp/secret"
host_token=axvm-host-$$-$RANDOM
echo "$host_token" >"$rw/host.txt"
echo "delete me" >"$rw/host-delete-me"
ln -s .. "$rw/up"
ln -s / "$rw/abs"
ln -s "$tmp/secret" "$rw/secretlink"
head -c 33554432 /dev/urandom >"$ro/big"
big_sum=$(sha256sum <"$ro/big" | cut -d' ' -f1)
echo "read-only data" >"$ro/data.txt"
cp "$root/tests/data/share-guest.sh" "$ro/guest.sh"
echo "$tmp" >"$ro/hostpath"
chmod -R a-w "$ro" # the host's own protection too: the test also proves the device refuses first
ro_list=$(cd "$ro" && ls -la --time-style=+ . | sort)

printf '%s\n' "modprobe 9pnet_virtio; modprobe 9p; mkdir -p /mnt/ro && mount -t 9p -o trans=virtio,version=9p2000.L axro /mnt/ro && sh /mnt/ro/guest.sh; poweroff" \
	>"$tmp/session.txt"
type_session() { # log, fifo, lines (as devices.sh: line N after the Nth prompt)
	local n=0 line deadline=$((SECONDS + 480))
	exec 3>"$2"
	while IFS= read -r line; do
		n=$((n + 1))
		until [ "$(tr -d '\r' <"$1" | grep -c 'axvm-debian:~# ')" -ge $n ]; do
			[ $SECONDS -lt $deadline ] || return
			sleep 0.3
		done
		sleep 0.3
		printf '%s\n' "$line" >&3
	done <"$3"
	while [ $SECONDS -lt $deadline ] && ! grep -q "reboot: Power down" "$1"; do
		sleep 0.3
	done
}
mkfifo "$tmp/stdin"
: >"$tmp/debian.log"
type_session "$tmp/debian.log" "$tmp/stdin" "$tmp/session.txt" >/dev/null 2>&1 &
typist=$!
start=$(date +%s.%N)
AXVM_DEBIAN_SCRIPT=0 "$root/scripts/run-debian.sh" "$axvm" --share "$rw,tag=axrw" \
	--share "$ro,tag=axro,ro" --timeout 480 <"$tmp/stdin" >"$tmp/debian.log" 2>&1
rc=$?
kill "$typist" 2>/dev/null
wait "$typist" 2>/dev/null
typist=
secs=$(echo "$(date +%s.%N) - $start" | bc)
log=$(tr -d '\r' <"$tmp/debian.log")
g() { grep "^p9: $1" <<<"$log" | head -1; } # the guest's report line for a step

check "Debian mounts both shares, runs the script from the read-only one and powers off (${secs%.*} s)" \
	$([ $rc -eq 0 ] && grep -q "^p9: done " <<<"$log"; echo $?) \
	"rc=$rc, log tail: $(tail -8 "$tmp/debian.log")"
check "the guest reads a file the host wrote" \
	$([ "$(g read)" = "p9: read $host_token" ]; echo $?) "$(g read)"
check "a file created, written and appended in the guest is on the host" \
	$([ "$(cat "$rw/created.txt" 2>/dev/null)" = "$(printf 'hello-from-guest\nappended')" ]
	echo $?) "'$(cat "$rw/created.txt" 2>&1)'"
check "chmod in the guest changes the host file's mode" \
	$([ "$(stat -c %a "$rw/created.txt" 2>/dev/null)" = 640 ]; echo $?) \
	"$(stat -c %a "$rw/created.txt" 2>&1)"
check "stat in the guest sees the size and mode" \
	$([ "$(g stat)" = "p9: stat 26 640 regular file" ]; echo $?) "$(g stat)"
check "truncate in the guest shortens the host file" \
	$([ "$(stat -c %s "$rw/trunc.txt" 2>/dev/null)" = 4 ] && [ "$(cat "$rw/trunc.txt")" = 0123 ]
	echo $?) "$(stat -c %s "$rw/trunc.txt" 2>&1)"
check "mkdir, a rename into a subdirectory and a directory's rename are seen on the host" \
	$([ -d "$rw/dir2/sub" ] && [ ! -e "$rw/dir" ] && [ ! -e "$rw/dir2/tomove" ] &&
		[ "$(cat "$rw/dir2/sub/moved" 2>/dev/null)" = moved ]
	echo $?) "$(ls -R "$rw" 2>&1 | tr '\n' ' ')"
check "the guest reads through a directory it renamed" \
	$([ "$(g renamed-dir)" = "p9: renamed-dir moved" ]; echo $?) "$(g renamed-dir)"
check "a symlink made in the guest is a symlink on the host, read back in the guest" \
	$([ "$(readlink "$rw/link" 2>/dev/null)" = created.txt ] && [ "$(g readlink)" = "p9: readlink created.txt" ]
	echo $?) "$(readlink "$rw/link" 2>&1); $(g readlink)"
check "a hard link made in the guest shares the host inode" \
	$([ -f "$rw/hard" ] && [ "$(stat -c %i "$rw/hard")" = "$(stat -c %i "$rw/created.txt" 2>/dev/null)" ]
	echo $?) "$(ls -li "$rw" 2>&1 | tr '\n' ' ')"
check "a file the host made is unlinked by the guest" \
	$([ ! -e "$rw/host-delete-me" ] && [ ! -e "$rw/gone" ]; echo $?) "$(ls "$rw" | tr '\n' ' ')"
check "readdir in the guest lists the host's entries" \
	$([ "$(g ls)" = "p9: ls abs created.txt dir2 hard host.txt link secretlink trunc.txt up" ]; echo $?) \
	"$(g ls)"
check "statfs in the guest works (df)" \
	$(grep -q "^p9: df ok" <<<"$log"; echo $?) "$(g df)"
got=$(sha256sum <"$rw/big" 2>/dev/null | cut -d' ' -f1)
check "a 32 MiB file copied through the share (read then written by the guest) is intact on the host ($(g cp-secs))" \
	$([ "$got" = "$big_sum" ]; echo $?) "host sha256 $got, want $big_sum"
guest_rand=$(g rand | cut -d' ' -f3)
check "1 MiB of random data written and fsynced by the guest has the guest's checksum on the host" \
	$([ -n "$guest_rand" ] && [ "$(sha256sum <"$rw/rand" 2>/dev/null | cut -d' ' -f1)" = "$guest_rand" ]
	echo $?) "guest $(g rand)"
check "escape attempts from the guest never show the host file outside the share" \
	$(! grep -q "$secret" <<<"$log" && [ "$(grep -c "^p9: escape .* refused$" <<<"$log")" -eq 5 ]
	echo $?) "$(grep "^p9: escape" <<<"$log" | tr '\n' ';')"
check "the read-only share refuses every change (EROFS) and is unchanged on the host" \
	$([ "$(grep -c "^p9: ro .* Read-only file system$" <<<"$log")" -eq 8 ] &&
		[ "$(cd "$ro" && ls -la --time-style=+ . | sort)" = "$ro_list" ] &&
		[ "$(g ro-read)" = "p9: ro-read read-only data" ]
	echo $?) "$(grep "^p9: ro" <<<"$log" | tr '\n' ';')"

summary
