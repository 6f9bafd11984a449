#!/usr/bin/env bash
# docs/architecture.md's rule, checked on the built objects: a layer calls
# only down. What each layer's objects may not call (their undefined
# symbols), and the few source-level rules nm cannot see.
set -u
source "$(dirname "$0")/lib/common.sh"
cd "$root" || exit 1
BUILD=${BUILD:-build}

# forbid name dir regex [allowed]: no object in $BUILD/src/dir references a
# symbol matching regex, except the one hit `allowed` ("x.o: symbol") names.
forbid() {
	local name=$1 dir=$2 re=$3 allowed=${4:-} hits
	if ! ls "$BUILD/src/$dir"/*.o >/dev/null 2>&1; then
		not_ok "$name" "no objects in $BUILD/src/$dir (build first)"
		return
	fi
	# "path/x.o:                 U symbol" per undefined symbol.
	hits=$(nm -u -A "$BUILD/src/$dir"/*.o | awk -v re="$re" '$NF ~ re {
		n = split($1, p, "/"); sub(/:$/, "", p[n]); print p[n] ": " $NF }' | sort -u |
		grep -vxF -e "${allowed:-(none)}")
	if [ -z "$hits" ]; then
		ok "$name"
	else
		not_ok "$name" "calls up:"
		echo "$hits" | sed 's/^/    /' | head -20
	fi
}

arch='^(axvm_riscv64_|rv_)'
above_vm='^(axvm_board_|axvm_runtime_|rt_|axvm_loader_|axvm_fdt_|toml_)'
forbid core_names_no_architecture core "$arch"
forbid core_calls_nothing_above_it core "$above_vm"
forbid hal_calls_no_vm_layer hal '^(axvm_(vm|vcpu|bus|addrspace|board|runtime|riscv64|config)|rv_|rt_)'
# The hart reaches the VM's buses only through the lookup the VM hands it at setup.
forbid arch_reaches_into_no_bus arch/riscv64 '^(axvm_bus_|axvm_bus$|axvm_register_device)'
forbid arch_calls_nothing_above_the_vm arch/riscv64 "$above_vm|^axvm_config_"
forbid devices_call_no_board_or_runtime devices "^(axvm_board_|axvm_runtime_|rt_)|$arch"
forbid config_calls_no_board_or_runtime config '^(axvm_board_|axvm_runtime_|rt_|rv_)'
forbid board_calls_no_runtime board '^(axvm_runtime_|rt_|rv_)'

# Only src/runtime (and the CLI) start threads, handle signals or use stdio;
# the one exception is virtio-9p's worker (docs/architecture.md: its host
# calls block and have no form the event loop could wait on).
io='^(pthread_create|signal|sigaction|printf|puts|fputs|fprintf|vfprintf|perror|fwrite|putchar|fputc|putc|getchar|fgets|isatty|tcsetattr)$'
for d in core hal arch/riscv64 devices board config; do
	allowed=
	[ "$d" = devices ] && allowed="virtio_9p.o: pthread_create"
	forbid "${d//\//_}_has_no_threads_signals_or_stdio" "$d" "$io" "$allowed"
done

# Register numbers are the backend's: above it, vCPU registers are set through
# arch-neutral ops (set_boot_args, set_hypercall_result) or from an exit's
# own register field, never by number.
lit=$(grep -nE 'axvm_vcpu_(set|get)_gpr\([^,]+, *[0-9]+|#define [A-Z_]*REG_A[0-9]' src/core/*.c \
	src/board/*.c src/runtime/*.c src/config/*.c src/devices/*.c)
if [ -z "$lit" ]; then
	ok no_register_numbers_above_the_backend
else
	not_ok no_register_numbers_above_the_backend "literal register numbers:"
	echo "$lit" | sed 's/^/    /'
fi

finish
