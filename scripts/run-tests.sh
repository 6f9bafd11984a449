#!/usr/bin/env bash
# Run test binaries and scripts; each ends with "N passed, N failed".
# Sums them and ends with the same line. A test that dies without printing
# its summary counts as one failure.
set -u
total_pass=0
total_fail=0
failed_names=()
for t in "$@"; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	log=$(mktemp)
	start=$(date +%s.%N)
	if [[ "$t" == *.sh ]]; then
		bash "$t" >"$log" 2>&1 </dev/null
	else
		"$t" >"$log" 2>&1 </dev/null
	fi
	rc=$?
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
		f=$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
	else
		p=0
		f=1
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	printf '%-32s %4d passed, %3d failed  (%.1fs)\n' "$name" "$p" "$f" "$secs"
	if [ "$f" -ne 0 ]; then
		failed_names+=("$name")
		sed -e 's/^/    | /' "$log" | grep -v '^    | ok ' | tail -n 60
		[ "$rc" -gt 128 ] && echo "    | (killed by signal $((rc - 128)))"
	fi
	rm -f "$log"
done
if [ ${#failed_names[@]} -ne 0 ]; then
	echo "failing: ${failed_names[*]}"
fi
echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
