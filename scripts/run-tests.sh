#!/usr/bin/env bash
# Run test binaries and scripts and sum their results.
#   scripts/run-tests.sh TEST...
# The contract for each test: its output ends with the summary line
# "N passed, N failed, N skipped" (", N skipped" may be left out, meaning 0),
# and every skip is named on its own line "SKIP NAME: why". A skip is not a
# pass: it is counted apart, and the end of the run lists each one with its
# reason. A test counts as (one more) failure when it is missing, dies
# without printing its summary, exits non-zero without counting a failure,
# runs nothing at all (0 passed, 0 failed, 0 skipped), or counts skips it
# does not name.
# Ends with the same summary line for the whole run; exit status 1 if
# anything failed.
set -euo pipefail
total_pass=0
total_fail=0
total_skip=0
failed_names=()
skip_lines=()
summary_re='^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?'
for t in "$@"; do
	name=$(basename "$t")
	if [ ! -e "$t" ]; then
		printf '%-32s not found (not built?)\n' "$name"
		total_fail=$((total_fail + 1))
		failed_names+=("$name")
		continue
	fi
	log=$(mktemp)
	start=${EPOCHREALTIME/./}
	rc=0
	if [[ "$t" == *.sh ]]; then
		bash "$t" >"$log" 2>&1 </dev/null || rc=$?
	else
		"$t" >"$log" 2>&1 </dev/null || rc=$?
	fi
	tenths=$(((${EPOCHREALTIME/./} - start) / 100000))
	line=$(grep -aE "$summary_re" "$log" | tail -n 1 || true)
	why=
	if [[ "$line" =~ $summary_re ]]; then
		p=${BASH_REMATCH[2]}
		f=${BASH_REMATCH[3]}
		s=${BASH_REMATCH[5]:-0}
	else
		p=0 f=1 s=0
		why="no summary line (died?)"
	fi
	named=$(grep -acE '^SKIP [^:]+: ' "$log" || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		why="exit status $rc with no failure counted"
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		f=1
		why="ran no test"
	elif [ "$named" -ne "$s" ]; then
		f=$((f + 1))
		why="counts $s skipped but names $named (one 'SKIP NAME: why' line each)"
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	printf '%-32s %4d passed, %3d failed, %3d skipped  (%d.%ds)\n' \
		"$name" "$p" "$f" "$s" $((tenths / 10)) $((tenths % 10))
	while IFS= read -r l; do
		skip_lines+=("$name: ${l#SKIP }")
	done < <(grep -aE '^SKIP [^:]+: ' "$log" || true)
	if [ "$f" -ne 0 ]; then
		failed_names+=("$name")
		[ -n "$why" ] && echo "    | ($why)"
		sed -e 's/^/    | /' "$log" | { grep -av '^    | ok ' || true; } | tail -n 60
		[ "$rc" -gt 128 ] && echo "    | (killed by signal $((rc - 128)))"
	fi
	rm -f "$log"
done
if [ ${#failed_names[@]} -ne 0 ]; then
	echo "failing: ${failed_names[*]}"
fi
if [ ${#skip_lines[@]} -ne 0 ]; then
	echo "skipped:"
	printf '  %s\n' "${skip_lines[@]}"
fi
echo "${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
[ "$total_fail" -eq 0 ]
