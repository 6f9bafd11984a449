#!/usr/bin/env bash
# The README's promise, checked: on a fresh Debian 12 machine scripts/deps.sh,
# `make run` and `make test` work. This creates a minimal Debian 12 root with
# mmdebstrap (--variant=apt: the Essential packages and apt, no make, no
# compiler, no git, no python), clones this repository's HEAD into it (a git clone: uncommitted and
# ignored files cannot hide a missing piece) and runs there, as root, with no
# terminal and no stdin, and with an empty ~/.cache/axvm (the Linux fixture is
# built from scratch), the README's commands:
#
#   bash scripts/deps.sh   installs every package (apt-get
#                          --no-install-recommends); a fresh Debian has no make
#   make run               builds (-j), builds the Debian guest (downloads) and
#                          boots it (its scripted session: no terminal here)
#   make check             headers compile alone, clang-format
#   make test              everything, the Linux fixture's kernel build included
#   make fuzz (every fuzz target) and fuzz_toml over tests/data/config
#
# and fails if any of them fails, or if make test skipped anything other than
# the cases listed in allowed_skips below (a skip in a fresh root means a
# missing package). Times each step. The root is deleted afterwards.
#
#   scripts/fresh-machine.sh [--keep DIR] [--fixture-out DIR]
#     --keep DIR         build the root in DIR (must not exist) and keep it
#     --fixture-out DIR  copy the Linux fixture built in the root (Image and
#                        its QEMU check) into the cache DIR afterwards (CI
#                        gives ~/.cache/axvm so the host does not build it
#                        again); the root never sees the host's cache
#
# Needs root (mmdebstrap's root mode mounts /proc, /sys and /dev in the root
# for the commands and unmounts them on exit, also on failure), the network
# to the Debian mirror of the host's apt sources (the bookworm suites of
# /etc/apt/sources.list and sources.list.d/, else deb.debian.org), and about
# 5 GB in $TMPDIR (or DIR). Installs mmdebstrap and git on the host if they
# are missing. Takes 10-13 minutes on 2 cores (22 with the cores shared):
# bootstrap 1, packages 1.5-2, make run 0.5, make test 6-10 (most of it the
# Linux fixture's kernel build and QEMU check), deleting the root 1-3.
# shellcheck disable=SC2317 # (make_test and fuzz_toml run through step "$@")
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
self=$here/$(basename "$0")
suite=bookworm
# Skips that are expected in a fresh root (one line of make test's "skipped:"
# list each, as a bash pattern): the defconfig kernel takes 30-40 minutes to
# build, so its test runs only when it is cached; the root's /dev (the
# host's, mounted by mmdebstrap) may have no /dev/net/tun, without which no
# TAP interface can be attached (net.sh still checks the error it gives) and
# no traffic can go through one; steal.sh's "near 0 steal" control needs an
# idle host (on a loaded one the guest's steal is real: it still checks that
# it matches the host's figure).
allowed_skips=(
	"linux-defconfig.sh: linux-defconfig: no cached defconfig kernel*"
	"net.sh: tap-attach: the host does not allow TAP here: *"
	"net.sh: tap-traffic: no /dev/net/tun"
	"steal.sh: control: steal near 0: the host is busy: *"
)

die() {
	echo "fresh-machine: error: $*" >&2
	exit 1
}
log() { echo "fresh-machine: $*" >&2; }
now() { date +%s; }

# ---- inside the fresh root (the clone's own copy of this script) ----

# step NAME COMMAND...: run it, log its time; a failure ends the run.
step() {
	local name=$1 start rc=0
	shift
	log "== $name"
	start=$(now)
	"$@" || rc=$?
	log "== $name: $([ $rc -eq 0 ] && echo ok || echo "FAILED (status $rc)") in $(($(now) - start)) s"
	[ $rc -eq 0 ] || exit $rc
}

# make test, its output also in $1; then every skip must be an allowed one.
# (Called from step's `||`, where set -e does not apply: statuses by hand.)
make_test() {
	local out=$1 line pat ok bad=() rc=0
	make test 2>&1 | tee "$out" || rc=$?
	[ "$rc" -eq 0 ] || return "$rc"
	while IFS= read -r line; do
		ok=
		for pat in "${allowed_skips[@]}"; do
			# shellcheck disable=SC2053 # the pattern is meant to match
			[[ "$line" == $pat ]] && ok=1
		done
		[ -n "$ok" ] || bad+=("$line")
	done < <(sed -n '/^skipped:$/,/^[0-9]* passed, /{s/^  //p}' "$out")
	if [ ${#bad[@]} -ne 0 ]; then
		log "make test skipped what a fresh Debian 12 root with scripts/deps.sh must run"
		log "(a package missing from scripts/deps.sh?):"
		printf '  %s\n' "${bad[@]}" >&2
		return 1
	fi
}

# Every fuzz target builds (make fuzz: clang's sanitizer runtimes and
# libFuzzer), and fuzz_toml runs over the example configs. New inputs go to a
# scratch corpus (libFuzzer writes into its first directory), not the tree.
fuzz_toml() {
	make --no-print-directory fuzz &&
		mkdir -p build/fuzz/corpus-toml &&
		build/fuzz/fuzz_toml -runs=1000 -max_len=4096 build/fuzz/corpus-toml tests/data/config
}

inside() {
	local start
	start=$(now)
	cd /root/axvm
	log "in the fresh root: $(git log -1 --format='%h %s' 2>/dev/null ||
		echo "commit $(cat .git/HEAD)"), $(nproc) CPUs"
	step "bash scripts/deps.sh (installs make and every other package)" bash scripts/deps.sh
	step "make run (builds, boots the Debian guest)" make run
	step "make check" make check
	step "make test" make_test /root/make-test.log
	step "the fuzz targets build and fuzz_toml runs (clang's sanitizer runtimes)" fuzz_toml
	log "all steps passed in $(($(now) - start)) s"
}

# ---- on the host, as an mmdebstrap customize hook: ROOT SHA FIXTURE_OUT ----

hook() {
	local root=$1 sha=$2 fixture_out=$3 start common d
	start=$(now)
	common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir)
	log "cloning $common at $sha into the root"
	git clone -q --no-checkout "$common" "$root/root/axvm"
	git -C "$root/root/axvm" checkout -q --detach "$sha"
	# A clean environment: nothing from the host's (PATH, compilers' variables).
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash /root/axvm/scripts/fresh-machine.sh --inside </dev/null
	if [ -n "$fixture_out" ]; then
		mkdir -p "$fixture_out"
		exec 9>"$fixture_out/linux.lock"
		flock 9
		for d in "$root"/root/.cache/axvm/linux-*/; do
			d=${d%/}
			case $(basename "$d") in linux-build-* | linux-src-*) continue ;; esac
			if [ ! -s "$d/Image" ] || [ ! -e "$d/qemu-ok" ] ||
				[ -e "$fixture_out/$(basename "$d")/qemu-ok" ]; then
				continue
			fi
			log "copying the fixture $(basename "$d") to $fixture_out"
			rm -rf "$fixture_out/$(basename "$d").tmp"
			cp -a "$d" "$fixture_out/$(basename "$d").tmp"
			rm -rf "${fixture_out:?}/$(basename "$d")"
			mv "$fixture_out/$(basename "$d").tmp" "$fixture_out/$(basename "$d")"
		done
		exec 9>&-
	fi
	log "inside the root: $(($(now) - start)) s"
}

# ---- on the host ----

# The host's Debian mirrors for the bookworm suites, as one-line sources.
host_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk -v s="$suite" '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) {
				while (i < NF && $i !~ /\]$/) i++
				i++
			}
			if ($(i + 1) ~ "^" s "(-updates|-security)?$") print "deb", $i, $(i + 1), "main"
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v s="$suite" '
		function flush(   i, j, nu, ns, u, x) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				nu = split(uris, u, " ")
				ns = split(suites, x, " ")
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						if (x[j] ~ "^" s "(-updates|-security)?$")
							print "deb", u[i], x[j], "main"
			}
			types = uris = suites = enabled = ""
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		tolower($1) == "types:" { $1 = ""; types = $0 }
		tolower($1) == "uris:" { $1 = ""; uris = $0 }
		tolower($1) == "suites:" { $1 = ""; suites = $0 }
		tolower($1) == "enabled:" { enabled = tolower($2) }
		END { flush() }' "$f"
	done
}
on_host() {
	local keep='' fixture_out='' need=() sha sources format target hook_cmd start
	while [ $# -gt 0 ]; do
		case $1 in
		--keep)
			keep=${2:?--keep needs a directory}
			shift 2
			;;
		--fixture-out)
			fixture_out=${2:?--fixture-out needs a directory}
			shift 2
			;;
		*) die "unknown argument '$1' (usage: $0 [--keep DIR] [--fixture-out DIR])" ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap --mode=root, chroot)"
	if [ -n "$keep" ] && [ -e "$keep" ]; then
		die "--keep $keep: already exists"
	fi
	case $fixture_out in /* | "") ;; *) fixture_out=$PWD/$fixture_out ;; esac

	command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
	command -v git >/dev/null || need+=(git)
	if [ ${#need[@]} -ne 0 ]; then
		log "installing ${need[*]} on the host"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >/dev/null || die "apt-get update failed; cannot install ${need[*]}"
		apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null >/dev/null ||
			die "apt-get install ${need[*]} failed"
	fi

	sha=$(git -C "$repo" rev-parse HEAD) || die "$repo is not a git checkout"
	if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
		log "note: $repo has uncommitted changes; they are not part of this run (HEAD $sha is)"
	fi

	mapfile -t sources < <(host_sources | awk '!seen[$0]++')
	if [ ${#sources[@]} -eq 0 ]; then
		sources=("deb http://deb.debian.org/debian $suite main"
			"deb http://deb.debian.org/debian $suite-updates main"
			"deb http://deb.debian.org/debian-security $suite-security main")
	fi
	log "mirrors: $(printf '%s; ' "${sources[@]}")"

	if [ -n "$keep" ]; then
		format=directory target=$keep
	else
		format=null target=/dev/null
	fi
	hook_cmd="$(printf '%q ' bash "$self" --hook)\"\$1\" $(printf '%q ' "$sha" "$fixture_out")"
	start=$(now)
	log "creating a minimal Debian 12 root (mmdebstrap --variant=apt) and running the steps in it"
	mmdebstrap --mode=root --variant=apt --quiet \
		--customize-hook="$hook_cmd" \
		--format="$format" "$suite" "$target" "${sources[@]}" </dev/null ||
		die "failed after $(($(now) - start)) s (see above)"
	log "ok: every step passed in a fresh Debian 12 root ($(($(now) - start)) s)"
}

# Everything is in functions, and "main; exit" is one line, which bash reads
# whole before running it: an edit of this file during a run (bash reads a
# script as it goes) cannot change or break the running one.
main() {
	case ${1:-} in
	--inside) inside ;;
	--hook)
		shift
		hook "$@"
		;;
	*) on_host "$@" ;;
	esac
}
main "$@"; exit
