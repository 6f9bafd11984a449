# Sourced by the integration scripts: paths, a temporary directory removed
# on exit, and the check/skip helpers behind the summary line that
# scripts/run-tests.sh reads ("N passed, N failed, N skipped"; each skip is
# named on a SKIP line). A script that starts processes of its own defines
# cleanup_hook (called first on exit) to stop them.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=$(cd "$here/../.." && pwd)
axvm=${AXVM:-$root/build/axvm}
guests=${GUEST_OUT:-$root/build/guests}
pass=0
fail=0
skipped=0
tmp=$(mktemp -d)
_common_exit() {
	if declare -F cleanup_hook >/dev/null; then
		cleanup_hook
	fi
	[ -n "${KEEP_TMP:-}" ] && echo "kept: $tmp" >&2 && return
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap _common_exit EXIT

check() { # name, condition result (0 = ok), detail
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: $3"
		fail=$((fail + 1))
	fi
}
# check's two outcomes as statements, for an if/else whose failure branch
# has more to print after the FAIL line.
ok() { # name
	check "$1" 0 ""
}
not_ok() { # name, why
	check "$1" 1 "$2"
}
# check_cmd NAME COMMAND...: a check that COMMAND succeeds; on failure the
# last lines of its output.
check_cmd() {
	local name=$1 rc=0
	shift
	"$@" >"$tmp/check_cmd.log" 2>&1 || rc=$?
	check "$name" "$rc" "command failed: $*"
	if [ "$rc" -ne 0 ]; then
		sed 's/^/    /' "$tmp/check_cmd.log" | tail -n 20
	fi
}
skip() { # name, why
	echo "SKIP $1: $2"
	skipped=$((skipped + 1))
}
# The summary line, and the script's status.
finish() {
	echo "$pass passed, $fail failed, $skipped skipped"
	[ "$fail" -eq 0 ]
}
# The summary line, then exit with the script's status.
summary() {
	finish
	exit
}
# Stop at once (with the summary) when axvm is not built.
need_axvm() {
	if [ ! -x "$axvm" ]; then
		echo "FAIL $1: no axvm binary at $axvm (run make)"
		echo "$pass passed, $((fail + 1)) failed, $skipped skipped"
		exit 1
	fi
}
# A free TCP port on the loopback.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
