#!/usr/bin/env bash
# `make check` fails when it should: run on temporary copies (never on
# tracked files), a clang-formatted file passes and a misformatted one fails
# naming it, also when it sits between good files (clang-format's status once
# got lost in a pipe into head); a header that compiles alone passes and one
# that does not fails naming it. Ends with "N passed, N failed, N skipped".
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$root"

# not_ok_out NAME WHY: a failure, with the end of the last output in $tmp/out.
not_ok_out() {
	not_ok "$1" "$2"
	sed 's/^/    | /' "$tmp/out" | tail -n 12
}
# check_make WANT NAME [make variables...]: `make check` with these file lists
# exits 0 (WANT=pass) or non-zero (WANT=fail); its output in $tmp/out.
check_make() {
	local want=$1 name=$2 rc=0
	shift 2
	make --no-print-directory check BUILD="$tmp/build" "$@" >"$tmp/out" 2>&1 || rc=$?
	if { [ "$want" = pass ] && [ "$rc" -eq 0 ]; } || { [ "$want" = fail ] && [ "$rc" -ne 0 ]; }; then
		ok "$name"
	else
		not_ok_out "$name" "make check exited $rc, expected to $want"
	fi
}

status_before=$(git status --porcelain 2>/dev/null || true)

# A formatted file: a copy of a tracked one. The misformatted one: the same
# with one line broken.
mkdir -p "$tmp/src"
cp src/core/error.c "$tmp/src/good.c"
cp src/core/log.c "$tmp/src/good2.c"
{
	cat src/core/error.c
	printf 'static  int check_misformatted( void ){return 1;}\n'
} >"$tmp/src/bad.c"
good="$tmp/src/good.c $tmp/src/good2.c"

check_make pass "a formatted file passes" CHECK_HEADERS= CHECK_FORMAT="$good"
check_make fail "a misformatted file fails" CHECK_HEADERS= CHECK_FORMAT="$tmp/src/bad.c"
if grep -q "make format fixes them):.*$tmp/src/bad.c" "$tmp/out" &&
	! grep -q "fixes them):.*good" "$tmp/out"; then
	ok "the failure names the misformatted file only"
else
	not_ok_out "the failure names the misformatted file only" "no 'fixes them): $tmp/src/bad.c' line"
fi
check_make fail "a misformatted file between formatted ones fails" \
	CHECK_HEADERS= CHECK_FORMAT="$tmp/src/good.c $tmp/src/bad.c $tmp/src/good2.c"

# Headers: one that includes what it uses, one that does not.
printf '#include <stdint.h>\nstruct check_ok {\n\tuint32_t a;\n};\n' >"$tmp/src/alone.h"
printf 'struct check_bad {\n\tuint32_t a;\n};\n' >"$tmp/src/needs.h"
check_make pass "a header that compiles alone passes" CHECK_HEADERS="$tmp/src/alone.h" \
	CHECK_FORMAT="$good"
check_make fail "a header that does not compile alone fails" \
	CHECK_HEADERS="include/axvm/types.h $tmp/src/needs.h" CHECK_FORMAT="$good"
if grep -q "check: $tmp/src/needs.h does not compile alone" "$tmp/out"; then
	ok "the failure names the header"
else
	not_ok_out "the failure names the header" "no 'check: $tmp/src/needs.h does not compile alone'"
fi

status_after=$(git status --porcelain 2>/dev/null || true)
if [ "$status_before" = "$status_after" ]; then
	ok "no tracked or untracked file changed"
else
	printf '%s\n' "$status_after" >"$tmp/out"
	not_ok_out "no tracked or untracked file changed" "git status differs after the checks"
fi

finish
