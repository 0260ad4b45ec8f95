#!/usr/bin/env bash
# One error convention inside the library (docs/ARCHITECTURE.md, "Errors"): every function of
# lib/ that can fail returns an eei_status, the one its eei_error records; none answers with
# -1 or -2, nor joins such a code to a status. A -1 that is not a status (a descriptor, an index,
# eei_fail's public int) says so on its line: "not a status". Argument: the source tree.
set -u
cd "${1:-.}" || exit 2
files=$(find lib -name '*.[ch]' | LC_ALL=C sort)
[ -n "$files" ] || { echo "FAIL: no C files under lib/" >&2; exit 1; }
# shellcheck disable=SC2086 # one word a file
found=$(grep -nE 'return -[0-9]|[?:] -[0-9]+;|eei_status_of\(' $files | grep -v 'not a status')
if [ -n "$found" ]; then
    echo "FAIL: an int error code in lib/, where functions return an eei_status:" >&2
    echo "$found" >&2
    exit 1
fi
echo "$(echo "$files" | wc -l) files of lib/ checked: eei_status everywhere"
