# Sourced by the integration scripts: paths, a temporary directory removed
# on exit, and the check/skip helpers behind the summary line that
# scripts/run-tests.sh reads ("N passed, N failed, N skipped"; each skip is
# named on a SKIP line).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=$(cd "$here/../.." && pwd)
axvm=${AXVM:-$root/build/axvm}
guests=${GUEST_OUT:-$root/build/guests}
pass=0
fail=0
skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name, condition result (0 = ok), detail
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: $3"
		fail=$((fail + 1))
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
# Stop at once (with the summary) when axvm is not built.
need_axvm() {
	if [ ! -x "$axvm" ]; then
		echo "FAIL $1: no axvm binary at $axvm (run make)"
		echo "$pass passed, $((fail + 1)) failed, $skipped skipped"
		exit 1
	fi
}
