#!/usr/bin/env bash
# clang-tidy (.clang-tidy) over the project's own C: the library, the programs, the firmware
# and its host port, the example. BUILD_DIR: a configured build (compile_commands.json) with
# the firmware's host build in it.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: tidy.sh BUILD_DIR}" && pwd)
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json" >&2; exit 2; }
files="$src/(lib|programs|components|firmware/host|firmware/components|firmware/main)/"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
run-clang-tidy -p "$build" -quiet "$files" >"$out" 2>&1 || rc=$?
# the findings without the progress noise; none may be left
grep -E "(warning|error):" "$out" | sed 's/\x1b\[[0-9;]*m//g' | sort -u || true
n=$(grep -c "^clang-tidy" "$out" || true)
echo "tidy: $n files checked"
[ "$n" -gt 0 ] && [ "$rc" = 0 ]
