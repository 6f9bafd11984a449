#!/usr/bin/env bash
# `axvm run --stats` and `--trace` (axvm/stats.h): the counters and trace
# lines match what a guest is known to do. The console guest prints N bytes
# one access at a time: through the UART (one THR write and one LSR read per
# byte), SBI DBCN console_write_byte, or the legacy putchar, so every count
# below must equal the bytes that reached stdout.
set -u
source "$(dirname "$0")/lib/common.sh"
need_axvm observe

if [ ! -f "$guests/console.elf" ]; then
	skip "stats and trace" "$guests/console.elf not built (make guests)"
	finish
	exit
fi

# stat FILE NAME: the value after "NAME " in the --stats output, or "none".
stat() {
	tr ',' '\n' <"$1" | sed -n "s/^ *$2 \([0-9][0-9]*\)$/\1/p" | head -1 | grep . || echo none
}

for out in uart byte legacy; do
	"$axvm" run -k "$guests/console.elf" -p "out=$out lines=3" --stats </dev/null \
		>"$tmp/$out.out" 2>"$tmp/$out.err"
	rc=$?
	bytes=$(wc -c <"$tmp/$out.out")
	case $out in
	uart)
		dev=$(grep "mmio uart0 at 0x10000000:" "$tmp/$out.err")
		exits=$(grep -o "MmioWrite [0-9]*" "$tmp/$out.err")
		check "--stats: out=uart: the UART's writes, reads and MmioWrite exits equal the bytes printed ($bytes)" \
			$([ $rc -eq 0 ] && [ "$bytes" -gt 100 ] &&
				[ "$dev" = "  mmio uart0 at 0x10000000: $bytes reads, $bytes writes" ] &&
				[ "$exits" = "MmioWrite $bytes" ]
			echo $?) "rc=$rc, device line '$dev', exits '$exits'"
		;;
	byte)
		n=$(stat "$tmp/$out.err" sbi.DBCN.2)
		check "--stats: out=byte: SBI DBCN function 2 calls equal the bytes printed ($bytes)" \
			$([ $rc -eq 0 ] && [ "$n" = "$bytes" ]; echo $?) "rc=$rc, sbi.DBCN.2 $n"
		;;
	legacy)
		n=$(stat "$tmp/$out.err" sbi.legacy.1)
		check "--stats: out=legacy: legacy putchar (EID 1) calls equal the bytes printed ($bytes)" \
			$([ $rc -eq 0 ] && [ "$n" = "$bytes" ]; echo $?) "rc=$rc, sbi.legacy.1 $n"
		;;
	esac
done
n=$(stat "$tmp/uart.err" instret)
check "--stats: instructions retired are counted" $([ "$n" != none ] && [ "$n" -gt 1000 ]; echo $?) \
	"instret $n"
check "--stats: a guest without device accesses lists none" \
	$(! grep -q "^  mmio " "$tmp/byte.err"; echo $?) "$(cat "$tmp/byte.err")"

# --trace: one line per event, with a timestamp and the vCPU.
"$axvm" run -k "$guests/console.elf" -p "out=uart lines=2" --trace mmio,exits,file="$tmp/t,1.log" \
	</dev/null >"$tmp/t.out" 2>"$tmp/t.err"
rc=$?
bytes=$(wc -c <"$tmp/t.out")
n=$(grep -cE '^[0-9]+\.[0-9]{9} vcpu0 mmio write 0x10000000/1 <- 0x[0-9a-f]+ uart0$' "$tmp/t,1.log")
check "--trace mmio,file=PATH: one line per UART write ($bytes), with time, vCPU, address, value, device" \
	$([ $rc -eq 0 ] && [ "$n" = "$bytes" ] && [ ! -s "$tmp/t.err" ]; echo $?) \
	"rc=$rc, $n lines; stderr: $(head -3 "$tmp/t.err"); trace: $(head -3 "$tmp/t,1.log")"
check "--trace exits: the guest's poweroff is traced" \
	$(grep -qE '^[0-9.]+ vcpu0 exit SystemDown type=poweroff' "$tmp/t,1.log"; echo $?) \
	"$(tail -3 "$tmp/t,1.log")"
check "--trace without sbi traces no SBI call" $(! grep -q " sbi " "$tmp/t,1.log"; echo $?) ""

"$axvm" run -k "$guests/console.elf" -p "out=byte lines=1" --trace sbi </dev/null \
	>"$tmp/s.out" 2>"$tmp/s.err"
bytes=$(wc -c <"$tmp/s.out")
n=$(grep -cE '^[0-9.]+ vcpu0 sbi DBCN eid 0x4442434e fid 2 args 0x[0-9a-f]+ 0x0 0x0 -> 0 0x0$' "$tmp/s.err")
check "--trace sbi (stderr): one line per console_write_byte ($bytes) with its answer" \
	$([ "$n" = "$bytes" ]; echo $?) "$n lines: $(head -3 "$tmp/s.err")"

out=$("$axvm" run -k "$guests/console.elf" --trace exits,bogus </dev/null 2>&1)
rc=$?
check "--trace with an unknown kind exits 1 naming it" \
	$([ $rc -eq 1 ] && [[ "$out" == *'unknown event kind "bogus"'* ]]; echo $?) "rc=$rc, '$out'"
out=$("$axvm" run -k "$guests/console.elf" --trace exits,file="$tmp/no/such/dir/t.log" </dev/null 2>&1)
rc=$?
check "--trace to a file that cannot be created exits 1 naming it" \
	$([ $rc -eq 1 ] && [[ "$out" == *"$tmp/no/such/dir/t.log"* ]]; echo $?) "rc=$rc, '$out'"

finish
