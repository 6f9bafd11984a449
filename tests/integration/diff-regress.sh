#!/usr/bin/env bash
# Differential regression: the committed generated programs
# (tests/diff/regress/NAME.S) run on axvm only, and their output between
# DIFF-BEGIN and DIFF-END must equal what QEMU printed for them
# (tests/diff/expected/NAME.txt, captured by tests/diff/run-against-qemu.sh
# --capture). No QEMU is needed here.
#
# Programs that mismatch because of an open hart bug are listed in
# tests/diff/KNOWN_FAILURES ("NAME  bug reference"): they still run, and are
# reported as "SKIP NAME: known failure (reference)" with their first
# difference (counted as skipped, neither passed nor failed); one that passes
# again is reported as "FIXED". Ends with "N passed, N failed, N skipped".
set -u
source "$(dirname "$0")/lib/common.sh"
diffdir=$root/tests/diff
need_axvm diff-regress

known_ref() { # name -> bug reference, empty if not a known failure
	[ -f "$diffdir/KNOWN_FAILURES" ] || return 0
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' "$diffdir/KNOWN_FAILURES"
}

for src in "$diffdir"/regress/*.S; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .S)
	exp=$diffdir/expected/$name.txt
	elf=$guests/diff/$name.elf
	if [ ! -f "$elf" ] || [ "$src" -nt "$elf" ]; then
		# not built by `make guests` (e.g. run by hand): build it here
		elf=$tmp/$name.elf
		if ! python3 "$diffdir/difftest.py" build "$src" -o "$elf" --objdir "$tmp/obj" \
			>"$tmp/build.log" 2>&1; then
			check "$name" 1 "cannot build"
			sed 's/^/    /' "$tmp/build.log" | head -20
			continue
		fi
	fi
	if [ ! -f "$exp" ]; then
		check "$name" 1 "no expected output $exp"
		continue
	fi
	timeout 60 "$axvm" run -k "$elf" --timeout 50 </dev/null 2>"$tmp/err" |
		tr -d '\r' | sed -n '/^DIFF-BEGIN/,/^DIFF-END$/p' >"$tmp/out"
	ref=$(known_ref "$name")
	if cmp -s "$exp" "$tmp/out"; then
		if [ -n "$ref" ]; then
			# a pass all the same, on a line of its own that asks for the list's update
			echo "FIXED $name: matches QEMU now; drop it from tests/diff/KNOWN_FAILURES ($ref)"
			pass=$((pass + 1))
		else
			check "$name" 0 ""
		fi
		continue
	fi
	first=$(cmp "$exp" "$tmp/out" 2>&1 | head -1)
	if [ -n "$ref" ]; then
		skip "$name" "known failure ($ref)"
	else
		check "$name" 1 "output differs from QEMU's ($first)"
	fi
	# the first differing lines, QEMU (<) then axvm (>)
	diff "$exp" "$tmp/out" | head -8 | sed 's/^/    /'
	[ -s "$tmp/err" ] && sed 's/^/    stderr: /' "$tmp/err" | head -5
done
[ "$skipped" -ne 0 ] && echo "($skipped known failures, see tests/diff/KNOWN_FAILURES)"
finish
