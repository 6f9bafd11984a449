# shellcheck shell=bash
# Sourced by scripts/debian-guest.sh and scripts/linux-guest.sh: Debian
# trixie's riscv64 archive through apt with a private configuration under the
# cache (the host's apt configuration and state are neither read nor
# written), and pinned downloads checked against the signed lists. No root
# privileges are needed.
#
# The sourcing script defines die and log, and may set AXVM_CACHE,
# AXVM_DEBIAN_MIRROR before sourcing. Callers hold $cache/debian.lock
# (apt_lock) around apt_update and apt_fetch: the lists and the private
# configuration are shared by every script using this file.
#
#   $aptdir (${AXVM_CACHE:-~/.cache/axvm}/debian-apt):
#     etc/ apt.conf      the private configuration (apt_setup)
#     state/lists/       the signed package lists (apt_update)

cache=${AXVM_CACHE:-$HOME/.cache/axvm}
aptdir=$cache/debian-apt
mirror=${AXVM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }

# The host tools apt_* need, as "missing" words for a --check (appended to
# the caller's array named by $1).
apt_missing() {
	local -n apt_missing_out=$1
	local tool
	for tool in apt-get:apt apt-cache:apt gpgv:gpgv dpkg-deb:dpkg flock:util-linux bc:bc; do
		command -v "${tool%%:*}" >/dev/null || apt_missing_out+=("${tool%%:*} (apt install ${tool#*:})")
	done
	[ -r "$keyring" ] || apt_missing_out+=("$keyring (apt install debian-archive-keyring)")
}

# Serialises every use of the private apt (fd 8: the callers' own locks may
# use 9). Waits, saying so, when another script holds it.
apt_lock() {
	mkdir -p "$cache"
	exec 8>"$cache/debian.lock"
	if ! flock -n 8; then
		log "waiting for another user of the private apt (lock $cache/debian.lock)"
		flock 8
	fi
}

# APT_CONFIG is read first and moves Dir::Etc: apt then reads neither
# /etc/apt/apt.conf.d nor the host's sources, and Dir::State, Dir::Cache and
# Dir::Log keep its lists, status and downloads under the cache. The host's
# Debian archive keyring verifies the trixie Release file (signed-by).
apt_setup() {
	mkdir -p "$aptdir"/etc/{apt.conf.d,preferences.d,sources.list.d,trusted.gpg.d} \
		"$aptdir"/state/lists/partial "$aptdir"/cache/archives/partial "$aptdir"/log \
		"$aptdir"/debs
	[ -e "$aptdir/state/status" ] || : >"$aptdir/state/status"
	echo "deb [arch=riscv64 signed-by=$keyring] $mirror $suite main" \
		>"$aptdir/etc/sources.list"
	{
		echo "Dir::Etc \"$aptdir/etc\";"
		echo "Dir::State \"$aptdir/state\";"
		echo "Dir::State::status \"$aptdir/state/status\";"
		echo "Dir::Cache \"$aptdir/cache\";"
		# apt-cache answers from the lists directly: no 50 MB binary caches.
		echo 'Dir::Cache::pkgcache "";'
		echo 'Dir::Cache::srcpkgcache "";'
		echo "Dir::Log \"$aptdir/log\";"
		echo 'APT::Architecture "riscv64";'
		echo 'APT::Architectures { "riscv64"; };'
		echo 'Acquire::Languages "none";'
		# Keep the lists compressed as downloaded (10 MB instead of 55 MB).
		echo 'Acquire::GzipIndexes "true";'
		# As root apt downloads as the user _apt, which cannot enter a home
		# directory such as /root; it would fall back to root with a warning.
		# The signature checks are the same either way.
		[ "$(id -u)" -ne 0 ] || echo 'APT::Sandbox::User "root";'
	} >"$aptdir/apt.conf.tmp"
	# Renamed into place: a concurrent reader never sees half a file.
	mv "$aptdir/apt.conf.tmp" "$aptdir/apt.conf"
	export APT_CONFIG=$aptdir/apt.conf
}

apt_have_lists() { compgen -G "$aptdir/state/lists/*_Packages*" >/dev/null; }

apt_update() {
	local t0 outp inrelease sigs
	log "fetching the package lists of $mirror $suite main (riscv64)"
	t0=$(now)
	outp=$(apt-get -q update 2>&1) || die "apt-get update failed:
$outp"
	# apt refuses unsigned or badly signed lists (exit status 100); any
	# warning (an expired or unknown key, a lists problem) is an error here.
	if grep -E '^(W|E|Err):' <<<"$outp" >&2; then
		die "apt-get update reported the problems above"
	fi
	inrelease=$(echo "$aptdir"/state/lists/*_dists_"$suite"_InRelease)
	[ -s "$inrelease" ] || die "apt-get update left no InRelease file for $suite in $aptdir/state/lists"
	# Checked again here to name the keys in the log.
	sigs=$(gpgv --keyring "$keyring" "$inrelease" 2>&1 | sed -n 's/^gpgv: Good signature from "\(.*\)".*/\1/p') || true
	[ -n "$sigs" ] || die "gpgv finds no good signature from $keyring on $inrelease"
	log "lists fetched in $(since "$t0")s; $suite's Release is signed by: $(echo "$sigs" | paste -sd ';' | sed 's/;/; /g')"
}

# One line per package: name, candidate version, SHA256 of its .deb, Depends.
# (apt-cache parses the whole 55 MB list on every call: few calls.)
candidates() {
	apt-cache show --no-all-versions "$@" 2>/dev/null |
		awk '/^Package: / { p = $2 } /^Version: / { v = $2 } /^SHA256: / { s = $2 }
			/^Depends: / { d = substr($0, 10) }
			/^$/ { if (p != "") print p, v, s, d; p = v = s = d = "" }
			END { if (p != "") print p, v, s, d }'
}

# The cached .deb of PACKAGE VERSION in DIR (apt's file name; ARCH riscv64
# unless given: arch-independent packages end in _all.deb).
deb_path() { echo "$1/${2}_${3//:/%3a}_${4:-riscv64}.deb"; }

# apt_fetch RESOLVED DIR [ARCH]: downloads into DIR the .debs that RESOLVED
# ("name version sha256" lines) pins and DIR does not have yet; apt checks
# them against the signed lists, we check them again against RESOLVED. Other
# .debs in DIR (older versions) are removed.
apt_fetch() {
	local resolved=$1 dir=$2 arch=${3:-riscv64} pkg ver sha deb t0 got dl=()
	local -A keep=()
	mkdir -p "$dir"
	while read -r pkg ver sha; do
		deb=$(deb_path "$dir" "$pkg" "$ver" "$arch")
		[ -e "$deb" ] || dl+=("$pkg=$ver")
	done <"$resolved"
	if [ ${#dl[@]} -ne 0 ]; then
		apt_have_lists || die "no package lists in $aptdir/state/lists (run scripts/debian-guest.sh --update)"
		log "downloading ${dl[*]}"
		t0=$(now)
		rm -rf "$dir/partial"
		mkdir -p "$dir/partial"
		got=$(cd "$dir/partial" && apt-get -q download "${dl[@]}" 2>&1) ||
			die "apt-get download ${dl[*]} failed (if the archive dropped these versions, run scripts/debian-guest.sh --update):
$got"
		log "$(grep '^Fetched' <<<"$got" || echo "downloaded") (${#dl[@]} packages in $(since "$t0")s)"
	fi
	while read -r pkg ver sha; do
		deb=$(deb_path "$dir" "$pkg" "$ver" "$arch")
		if [ ! -e "$deb" ]; then
			set -- "$dir/partial/${pkg}_"*.deb
			if [ $# -ne 1 ] || [ ! -e "$1" ]; then
				die "apt-get download left no single .deb for $pkg in $dir/partial"
			fi
			mv "$1" "$deb"
		fi
		if ! echo "$sha  $deb" | sha256sum -c --quiet - >/dev/null 2>&1; then
			rm -f "$deb"
			die "$deb does not match the SHA256 of the signed lists (removed; run again)"
		fi
		keep[$deb]=1
	done <"$resolved"
	rm -rf "$dir/partial"
	# Older versions (after --update) are not needed any more.
	for deb in "$dir"/*.deb; do
		[ -e "$deb" ] || continue
		if [ -z "${keep[$deb]:-}" ]; then
			log "removing $(basename "$deb") (no longer resolved)"
			rm -f "$deb"
		fi
	done
}
