#!/usr/bin/env bash
# The full differential run: generated programs under QEMU (OpenSBI, S-mode)
# and under axvm, outputs compared dump by dump. Needs qemu-system-riscv64 and
# riscv64-unknown-elf-gcc; build axvm first (make).
#   tests/diff/run-against-qemu.sh                 --sweep 100 (the default)
#   tests/diff/run-against-qemu.sh --sweep N [SEED] N programs of every class, then N mixed
#                                                  ones (seeds from SEED, default 100000)
#   tests/diff/run-against-qemu.sh --capture       regenerate tests/diff/regress/ and expected/
#                                                  from regress.list (QEMU outputs)
#   tests/diff/run-against-qemu.sh [difftest.py run options]
#       e.g. --seeds 1-2000 --classes fpu,fma --blocks 8 --len 14 --jobs 2 --out DIR
# Mismatches are reported with the first differing dump, both sides' dumps and
# the disassembly of the block; programs and outputs are kept in --out
# (default /tmp/axvm-diff). Ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v qemu-system-riscv64 >/dev/null; then
	echo "run-against-qemu: qemu-system-riscv64 not found" >&2
	exit 2
fi
case "${1:-}" in
--capture)
	exec python3 "$here/difftest.py" capture
	;;
--sweep | "")
	n=${2:-100}
	classes=$(python3 -c "import sys; sys.path.insert(0, '$here'); import gen; print(' '.join(gen.CLASSES))")
	pass=0
	fail=0
	base=${3:-100000}
	for c in $classes all; do
		echo "== $c"
		out=$(python3 "$here/difftest.py" run --classes "$c" --seeds "$base-$((base + n - 1))" \
			--blocks 6 --len 14 --lines 40 --out "/tmp/axvm-diff/$c")
		echo "$out" | grep -v '^ok '
		line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
		if [ -z "$line" ]; then
			echo "FAIL $c: the run did not finish"
			fail=$((fail + 1))
		else
			pass=$((pass + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
			fail=$((fail + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
		fi
		base=$((base + n))
	done
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	;;
*)
	exec python3 "$here/difftest.py" run "$@"
	;;
esac
