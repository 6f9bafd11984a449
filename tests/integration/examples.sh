#!/usr/bin/env bash
# The programs in examples/ build as an embedder builds them (make install +
# pkg-config, -Werror) and do what docs/embedding.md says they do: each run
# is checked on its output and exit status. Ends with "N passed, N failed,
# N skipped".
set -u
source "$(dirname "$0")/lib/common.sh"
cd "$root" || exit 1
BUILD=${BUILD:-build}
GUEST_DIR=${GUEST_OUT:-$BUILD/guests}

# run name expected_status command...: output in $tmp/name.out (stdout) and .err.
run() {
	local name=$1 want=$2 got
	shift 2
	timeout 60 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "${name}_exits_$want"
	else
		not_ok "${name}_exits_$want" "exit status $got"
		sed 's/^/    out| /' "$tmp/$name.out" | tail -15
		sed 's/^/    err| /' "$tmp/$name.err" | tail -15
	fi
}
# expect name file line: the file holds this exact line.
expect() {
	if grep -qxF -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1" "no line '$3' in $(basename "$2")"
		sed 's/^/    | /' "$2" | tail -15
	fi
}

check_cmd make_install make --no-print-directory install PREFIX="$tmp/prefix" BUILD="$BUILD" \
	SANITIZE="${SANITIZE:-}"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
san=""
[ -n "${SANITIZE:-}" ] && san="-fsanitize=$SANITIZE"
static_libs=$(pkg-config --static --libs libaxvm | sed 's/-laxvm/-l:libaxvm.a/')
cflags=$(pkg-config --cflags libaxvm)
shared_libs=$(pkg-config --libs libaxvm)
# Word splitting of the flag lists below is intended.
for src in examples/*.c; do
	name=$(basename "$src" .c)
	# shellcheck disable=SC2086
	check_cmd "${name}_compiles_with_pkgconfig" cc -std=c11 -Wall -Wextra -Wshadow -Werror $san \
		$cflags "$src" -o "$tmp/$name" $static_libs
done
# shellcheck disable=SC2086
check_cmd minimal_links_shared cc -std=c11 $san $cflags examples/minimal.c -o "$tmp/minimal-so" \
	$shared_libs -Wl,-rpath,"$tmp/prefix/lib"

# minimal: every exit printed, the MMIO read answered by the loop (42 -> 43).
run minimal 0 "$tmp/minimal"
o=$tmp/minimal.out
expect minimal_prints_first_store "$o" "exit: MmioWrite addr=0x10000000 width=1 data=0x68"
expect minimal_prints_second_store "$o" "  guest wrote 'i'"
expect minimal_prints_read "$o" "exit: MmioRead addr=0x10000004 width=4 reg=x12 reg_width=8 sign_ext=1"
expect minimal_guest_used_read_value "$o" "exit: MmioWrite addr=0x10000008 width=4 data=0x2b"
expect minimal_ends_in_system_down "$o" "exit: SystemDown type=poweroff code=0"
expect minimal_counts_exits "$o" "exits: 3 MmioWrite, 1 MmioRead, 1 SystemDown"
expect minimal_vm_stopped "$o" "status: Stopped"
run minimal_shared 0 "$tmp/minimal-so"
expect minimal_shared_same_output "$tmp/minimal_shared.out" "status: Stopped"

# custom_device: the bus adapts widths, the doorbell interrupt reaches the guest.
run custom_device 0 "$tmp/custom_device"
o=$tmp/custom_device.out
if [ "$(grep -cxF '  cntr: read  offset 0x0c width 4 -> 0x52544e43' "$o")" -eq 2 ]; then
	ok custom_device_byte_load_widened_to_4
else
	not_ok custom_device_byte_load_widened_to_4 "expected two 4-byte ID reads (lw, lbu)"
fi
if grep -A1 -xF '  cntr: read  offset 0x04 width 4 -> 0x0' "$o" |
	grep -qxF '  cntr: write offset 0x04 width 4 <- 0x7'; then
	ok custom_device_halfword_store_is_read_modify_write
else
	not_ok custom_device_halfword_store_is_read_modify_write "no read at 4 then write 0x7 at 4"
fi
if grep -A1 -xF '  cntr: read  offset 0x00 width 4 -> 0xc' "$o" |
	grep -qxF '  cntr: read  offset 0x04 width 4 -> 0x0'; then
	ok custom_device_doubleword_load_split_in_two
else
	not_ok custom_device_doubleword_load_split_in_two "no 4-byte reads at 0 then 4"
fi
expect custom_device_guest_results "$o" \
	"guest: interrupts taken 2, id 0x52544e43, id byte 1 0x4e, ld 0xc"
expect custom_device_counts "$o" \
	"device: 9 accesses, counter 12; MmioRead exits 3, MmioWrite exits 4"
expect custom_device_only_system_down_returns "$o" "exit: SystemDown type=poweroff code=0"
expect custom_device_released_by_destroy "$o" "device released: yes"

# run_elf: the default guest through a console sink and through the runtime.
if [ ! -f "$GUEST_DIR/hello.elf" ]; then
	make --no-print-directory guests BUILD="$BUILD" >"$tmp/guests.log" 2>&1
fi
check_cmd guests_built test -f "$GUEST_DIR/hello.elf" -a -f "$GUEST_DIR/fail.elf"
run run_elf_hello 0 "$tmp/run_elf" "$GUEST_DIR/hello.elf"
expect run_elf_sink_gets_console "$tmp/run_elf_hello.out" "self-check: 3 of 3 checks passed"
expect run_elf_sink_counts_bytes "$tmp/run_elf_hello.err" \
	"run_elf: $(wc -c <"$tmp/run_elf_hello.out" | tr -d ' ') bytes of console output, guest status 0"
run run_elf_fail 7 "$tmp/run_elf" "$GUEST_DIR/fail.elf"
expect run_elf_fail_reports_code "$tmp/run_elf_fail.out" "FAIL fail 7"
run run_elf_runtime_hello 0 "$tmp/run_elf" --runtime "$GUEST_DIR/hello.elf"
expect run_elf_runtime_console_on_stdout "$tmp/run_elf_runtime_hello.out" "powering off"
expect run_elf_runtime_end "$tmp/run_elf_runtime_hello.err" \
	"run_elf: guest powered off, guest status 0"
expect run_elf_runtime_sink_counts_bytes "$tmp/run_elf_runtime_hello.err" \
	"run_elf: $(wc -c <"$tmp/run_elf_runtime_hello.out" | tr -d ' ') bytes of console output"
run run_elf_runtime_fail 7 "$tmp/run_elf" --runtime "$GUEST_DIR/fail.elf"
run run_elf_missing_file 1 "$tmp/run_elf" "$tmp/no-such.elf"
if grep -q "no-such.elf" "$tmp/run_elf_missing_file.err"; then
	ok run_elf_error_names_the_file
else
	not_ok run_elf_error_names_the_file "stderr: $(cat "$tmp/run_elf_missing_file.err")"
fi

# from_config: prints the struct; errors as file:line:col.
run from_config_builtin 0 "$tmp/from_config"
o=$tmp/from_config_builtin.out
expect from_config_builtin_region "$o" "    memory_regions[1]: [0x90000000, 0x94000000) rw--- lazy"
expect from_config_builtin_built_lazy "$o" "    [0x90000000, 0x94000000) rw--- lazy"
expect from_config_builtin_built_mmio "$o" "    [0x10000000, 0x10001000) rw--d mmio"
run from_config_linux 0 "$tmp/from_config" --init tests/data/config/linux-riscv64.toml
o=$tmp/from_config_linux.out
expect from_config_linux_cpu_set "$o" "    vcpu 1: phys cpu 1, cpu set 0x6"
expect from_config_linux_device "$o" \
	"  emu_devices[2]: \"virtio-blk\" [0x10001000, +0x1000) irq 1 type 0xe1, 1 cfg value(s)"
expect from_config_linux_built "$o" "  built: 2 vCPU(s), status Loaded, address space:"
run from_config_typo 1 "$tmp/from_config" tests/data/config/bad-typo.toml
expect from_config_typo_message "$tmp/from_config_typo.err" \
	"tests/data/config/bad-typo.toml:5:1: base.cpu_nums: unknown key"
run from_config_overlap 1 "$tmp/from_config" tests/data/config/bad-overlap.toml
expect from_config_overlap_message "$tmp/from_config_overlap.err" \
	"tests/data/config/bad-overlap.toml: kernel.memory_regions[1]: overlaps memory_regions[0] at 0x81000000"

# custom_hal: the HAL sees every allocation and pin; a failed one is reported.
run custom_hal 0 "$tmp/custom_hal"
o=$tmp/custom_hal.out
expect custom_hal_lazy_faults "$o" \
	"exit SystemDown; nested page faults handled inside axvm_run_vcpu: 3"
expect custom_hal_lazy_pages "$o" "lazy pages populated: 0 1, 1 1, 2 0, 256 1"
expect custom_hal_counts "$o" "normal run: mem_alloc 2 (17408 KiB), mem_free 2, pin_thread 2"
expect custom_hal_failure_message "$o" \
	"axvm_init failed: out of memory (kernel.memory_regions[1]: mapping [0x90000000, +0x1000000) failed: out of memory)"
expect custom_hal_failure_cleanup "$o" \
	"2nd allocation failing: mem_alloc 2 (1024 KiB), mem_free 1, pin_thread 0"

finish
