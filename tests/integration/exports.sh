#!/usr/bin/env bash
# libaxvm.so's ABI: it exports exactly the functions declared AXVM_API in
# include/axvm/*.h (every public declaration carries it, nothing internal
# leaks: no fpu_*, toml_*, rt_*, axvm_loader_*), carries the SONAME
# libaxvm.so.<major>, and make install lays down the real file and its links.
set -u
source "$(dirname "$0")/lib/common.sh"
cd "$root" || exit 1
BUILD=${BUILD:-build}
so=$BUILD/libaxvm.so
version=$(sed -n 's/.*AXVM_VERSION "\(.*\)"/\1/p' include/axvm/axvm.h)
soname=libaxvm.so.${version%%.*}

# same name file_expected file_actual: the two sorted lists are equal.
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1" "lists differ (< expected, > actual)"
		diff "$2" "$3" | grep '^[<>]' | sed 's/^/    /' | head -40
	fi
}

# What the headers declare: the name before '(' on each AXVM_API line.
sed -nE 's/^AXVM_API [^(]*[ *]([A-Za-z_][A-Za-z0-9_]*)\(.*/\1/p' include/axvm/*.h |
	sort >"$tmp/declared"
# Top-level function declarations (a line starting with a type, holding a
# '(') that lack AXVM_API: they would be missing from the library.
grep -nE '^[a-z_].*\(' include/axvm/*.h | grep -vE ':(AXVM_API |typedef |static )' \
	>"$tmp/unmarked"
if [ -s "$tmp/unmarked" ]; then
	not_ok every_public_declaration_is_marked "declarations without AXVM_API:"
	sed 's/^/    /' "$tmp/unmarked"
else
	ok every_public_declaration_is_marked
fi
if [ "$(wc -l <"$tmp/declared")" -gt 100 ]; then
	ok headers_declare_the_api
else
	not_ok headers_declare_the_api "only $(wc -l <"$tmp/declared") AXVM_API declarations found"
fi

# What the library exports. Names starting with '_' belong to the toolchain
# (sanitizer builds add some); every other defined dynamic symbol is ours.
nm -D --defined-only "$so" | awk '{print $NF}' | sed 's/@.*//' | grep -v '^_' |
	sort -u >"$tmp/exported"
same exports_are_exactly_the_declared_api "$tmp/declared" "$tmp/exported"
if grep -vq '^axvm_' "$tmp/exported"; then
	not_ok exports_all_have_the_axvm_prefix "$(grep -v '^axvm_' "$tmp/exported" | head -5 | xargs)"
else
	ok exports_all_have_the_axvm_prefix
fi

got=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$got" = "$soname" ]; then
	ok soname_is_$soname
else
	not_ok soname_is_$soname "SONAME is '$got'"
fi
if [ "$(readlink "$so")" = "$soname" ] &&
	[ "$(readlink "$BUILD/$soname")" = "libaxvm.so.$version" ] &&
	[ -f "$BUILD/libaxvm.so.$version" ] && [ ! -L "$BUILD/libaxvm.so.$version" ]; then
	ok build_links_so_to_soname_to_real_name
else
	not_ok build_links_so_to_soname_to_real_name \
		"libaxvm.so -> $(readlink "$so"), $soname -> $(readlink "$BUILD/$soname")"
fi

if make --no-print-directory install PREFIX="$tmp/prefix" BUILD="$BUILD" \
	SANITIZE="${SANITIZE:-}" >"$tmp/log" 2>&1; then
	ok make_install
else
	not_ok make_install "failed"
	sed 's/^/    /' "$tmp/log" | tail -20
fi
lib=$tmp/prefix/lib
if [ "$(readlink "$lib/libaxvm.so")" = "$soname" ] &&
	[ "$(readlink "$lib/$soname")" = "libaxvm.so.$version" ] &&
	[ -f "$lib/libaxvm.so.$version" ] && [ ! -L "$lib/libaxvm.so.$version" ]; then
	ok install_lays_down_real_name_and_links
else
	not_ok install_lays_down_real_name_and_links "$(ls -l "$lib" 2>&1 | tail -n +2 | xargs)"
fi

finish
