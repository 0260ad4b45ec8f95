#!/usr/bin/env bash
# The layers include only downward (docs/ARCHITECTURE.md): every #include "..." of a file is
# checked against what its folder may see. Argument: the source tree.
set -u
cd "${1:-.}" || exit 2
checked=0 bad=0
complain() { echo "FAIL: $*" >&2; bad=$((bad + 1)); }

# check FILE ALLOWED_DIR...: each quoted include must exist under one of the allowed folders
# (or beside FILE)
check() {
    local file=$1 inc dir found
    shift
    while IFS= read -r inc; do
        checked=$((checked + 1))
        found=false
        [ "$inc" = eei_build_info.h ] && continue # generated in the build tree (--version)
        for dir in "$(dirname "$file")" "$@"; do
            [ -f "$dir/$inc" ] && found=true
        done
        $found || complain "$file includes \"$inc\", outside what it may see ($*)"
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
}

# the component that host and device share (components/eei_decryptor): its format/ sees only
# itself, below the API
C=components/eei_decryptor
for f in $C/format/*.[ch] $C/format/include/esp_enc_img/*.h; do
    check "$f" $C/format/include
    grep -q '#include "esp_enc_img/esp_enc_img.h"' "$f" && complain "$f: format is below the API"
done
for f in lib/error/*.[ch] lib/crypto/*.[ch] lib/engine/*.[ch]; do
    check "$f" include $C/format/include lib
done
# only the crypto backend speaks OpenSSL (and libp11, the backend's PKCS#11 tokens)
for f in $(grep -l '#include <\(openssl/\|libp11\)' lib/*/*.[ch] 2>/dev/null); do
    checked=$((checked + 1))
    case $f in
    lib/crypto/crypto_openssl.c | lib/crypto/pkcs11.c | lib/crypto/openssl_key.h) ;;
    *) complain "$f includes OpenSSL or libp11: only the crypto backend may" ;;
    esac
done
# and crypto.h, its interface, names no library's types
grep -q '#include <' lib/crypto/crypto.h && grep '#include <' lib/crypto/crypto.h |
    grep -qv '<std' && complain "lib/crypto/crypto.h includes a library's header"
# a lower layer never reaches up
for f in lib/error/*.[ch] lib/crypto/*.[ch]; do
    checked=$((checked + 1))
    grep -q '#include "engine/' "$f" && complain "$f includes the engine, a layer above it"
done
for f in programs/*/*.[ch]; do
    check "$f" include $C/format/include programs/common programs/serve
done
for f in programs/common/*.[ch] programs/serve/*.[ch]; do
    checked=$((checked + 1))
    grep -q '#include "\(cli\|cmd_\|file_stream\|inspection\|json_out\|progress\)' "$f" &&
        complain "$f (shared by the programs) includes the CLI's own headers"
done
echo "$checked includes and rules checked, $bad broken"
[ "$checked" -gt 0 ] && [ "$bad" -eq 0 ]
