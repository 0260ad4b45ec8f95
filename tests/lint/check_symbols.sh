#!/usr/bin/env bash
# The ABI is a decision: what the shared library exports (nm -D), what the installed headers
# declare EEI_API, the checked-in listing lib/esp_enc_img.abi (every exported function's
# prototype, sorted) and the functions docs/API.md describes must all agree. Every global symbol
# defined in the static library starts with eei_.
# Arguments: libesp_enc_img.a libesp_enc_img.so SOURCE_DIR [--update: rewrite the listing]
set -u
a=$1 so=$2 src=$3 update=${4:-}
listing=$src/lib/esp_enc_img.abi
bad=0
stray=$(nm --defined-only -g "$a" | awk 'NF == 3 { print $3 }' | grep -v '^eei_' | sort -u)
if [ -n "$stray" ]; then
    echo "FAIL: global symbols without the eei_ prefix in $a:" $stray >&2
    bad=1
fi
# The prototypes the installed headers declare, one a line, spaces collapsed, EEI_API and the
# compiler's attributes left out.
headers=("$src"/include/esp_enc_img/*.h "$src"/components/eei_decryptor/format/include/esp_enc_img/*.h)
prototypes=$(cat "${headers[@]}" | grep -v '^#' | sed 's|/\*.*\*/||' | tr '\n' ' ' | grep -o 'EEI_API [^;{]*' |
    sed -e 's/^EEI_API //' -e 's/ EEI_PRINTF_FORMAT([^)]*)//' -e 's/  */ /g' -e 's/( /(/g' \
        -e 's/ *$//' -e 's/$/;/' | LC_ALL=C sort)
name_of() { grep -o 'eei_[a-z0-9_]*(' | tr -d '(' | LC_ALL=C sort -u; }
if [ "$update" = --update ]; then
    { echo "# The functions libesp_enc_img exports, as the installed headers declare them; sorted."
      echo "# tests/lint/check_symbols.sh holds the build to it. A change here is an ABI change."
      echo "$prototypes"; } >"$listing"
    echo "wrote $listing"
fi
listed=$(grep -v '^#' "$listing")
if [ "$prototypes" != "$listed" ]; then
    echo "FAIL: the headers' EEI_API declarations differ from $listing (< headers, > listing):" >&2
    diff <(echo "$prototypes") <(echo "$listed") | grep '^[<>]' >&2
    bad=1
fi
exported=$(nm -D --defined-only "$so" | awk 'NF == 3 { print $3 }' | LC_ALL=C sort -u)
declared=$(echo "$listed" | name_of)
if [ "$exported" != "$declared" ]; then
    echo "FAIL: exported and listed differ (< exported only, > listed only):" >&2
    diff <(echo "$exported") <(echo "$declared") | grep '^[<>]' >&2
    bad=1
fi
documented=$(grep -o '^### `eei_[a-z0-9_]*' "$src/docs/API.md" | tr -d '`#' | tr -d ' ' |
    LC_ALL=C sort -u)
if [ "$documented" != "$declared" ]; then
    echo "FAIL: docs/API.md and the listing differ (< documented only, > listed only):" >&2
    diff <(echo "$documented") <(echo "$declared") | grep '^[<>]' >&2
    bad=1
fi
[ -n "$exported" ] || { echo "FAIL: nothing exported" >&2; bad=1; }
if [ $bad != 0 ]; then
    echo "An intended change to the API: run" >&2
    echo "  bash tests/lint/check_symbols.sh $a $so $src --update" >&2
    echo "commit lib/esp_enc_img.abi with it, and describe the function in docs/API.md." >&2
    exit 1
fi
echo "$(echo "$exported" | wc -l) functions exported, as listed, declared and documented"
