#!/usr/bin/env bash
# One prefix, and only the API exported: every global symbol defined in the static library
# starts with eei_, and the shared library exports exactly what the public headers declare (the
# API's, and the format module's in the shared component).
# Arguments: libesp_enc_img.a libesp_enc_img.so SOURCE_DIR
set -u
a=$1 so=$2 src=$3
bad=0
stray=$(nm --defined-only -g "$a" | awk 'NF == 3 { print $3 }' | grep -v '^eei_' | sort -u)
if [ -n "$stray" ]; then
    echo "FAIL: global symbols without the eei_ prefix in $a:" $stray >&2
    bad=1
fi
exported=$(nm -D --defined-only "$so" | awk 'NF == 3 { print $3 }' | sort -u)
headers=("$src"/include/esp_enc_img/*.h "$src"/components/eei_decryptor/format/include/esp_enc_img/*.h)
declared=$(cat "${headers[@]}" | tr '\n' ' ' | grep -o 'EEI_API [^;{]*' |
    grep -o 'eei_[a-z0-9_]*[[(]' | tr -d '[(' | sort -u)
if [ "$exported" != "$declared" ]; then
    echo "FAIL: exported and declared differ (< exported only, > declared only):" >&2
    diff <(echo "$exported") <(echo "$declared") | grep '^[<>]' >&2
    bad=1
fi
[ -n "$exported" ] || { echo "FAIL: nothing exported" >&2; bad=1; }
echo "$(echo "$exported" | wc -l) symbols exported, all declared; static library: one prefix"
exit $bad
