#!/usr/bin/env bash
# The README's C example compiles as written against an installed axvm
# (make install + pkg-config), and runs to its Halt exit.
# Ends with "N passed, N failed, N skipped".
set -u
source "$(dirname "$0")/lib/common.sh"
cd "$root" || exit 1
BUILD=${BUILD:-build}

awk '/^```c$/{on=1; next} /^```$/{on=0} on' README.md >"$tmp/example.c"
check_cmd readme_has_c_example test -s "$tmp/example.c"
check_cmd make_install make --no-print-directory install PREFIX="$tmp/prefix" BUILD="$BUILD" \
	SANITIZE="${SANITIZE:-}"
check_cmd installed_headers test -f "$tmp/prefix/include/axvm/axvm.h"
check_cmd installed_pkgconfig test -f "$tmp/prefix/lib/pkgconfig/libaxvm.pc"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
san=""
[ -n "${SANITIZE:-}" ] && san="-fsanitize=$SANITIZE"
check_cmd example_compiles_with_pkgconfig sh -c "cc -std=c11 -Wall -Wextra -Werror $san \
	\$(pkg-config --cflags libaxvm) '$tmp/example.c' -o '$tmp/example' \
	\$(pkg-config --static --libs libaxvm | sed 's/-laxvm/-l:libaxvm.a/')"
check_cmd example_runs_to_halt "$tmp/example"
check_cmd example_links_shared sh -c "cc -std=c11 $san \$(pkg-config --cflags libaxvm) \
	'$tmp/example.c' -o '$tmp/example-so' \$(pkg-config --libs libaxvm) \
	-Wl,-rpath,'$tmp/prefix/lib' && '$tmp/example-so'"
finish
