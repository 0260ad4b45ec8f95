#!/usr/bin/env bash
# The layers include only downward (docs/ARCHITECTURE.md): every #include "..." of a file is
# checked against what its folder may see. Argument: the source tree.
set -u
cd "${1:-.}" || exit 2
checked=0 bad=0
complain() { echo "FAIL: $*" >&2; bad=$((bad + 1)); }

# check FILE ALLOWED_DIR...: each quoted include must exist under one of the allowed folders
# (or beside FILE); with OWN=1, each of the project's own (eei_*, esp_enc_img/*)
check() {
    local file=$1 inc dir found
    shift
    while IFS= read -r inc; do
        if [ "${OWN:-0}" = 1 ]; then
            case $inc in eei_* | esp_enc_img/*) ;; *) continue ;; esac
        fi
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
# core/: the decoder and the signature check over their crypto interface, for host and device:
# format and itself, the C library, no crypto library (its backends are below, in crypto/ and
# lib/crypto/), no heap
for f in $C/core/*.[ch] $C/core/include/eei_core/*.h; do
    check "$f" $C/core/include $C/format/include
    checked=$((checked + 1))
    grep -q '#include <\(mbedtls\|psa\|openssl\)/' "$f" && complain "$f includes a crypto library"
    grep -qE '\b(malloc|calloc|realloc|free)\(' "$f" && complain "$f allocates: the core does not"
done
# crypto/: the device's backends of that interface, the only files of the component that speak
# Mbed TLS; and the device's API around the core. The platform's headers (ESP-IDF's, Mbed TLS's)
# are theirs to include: only this project's own are checked.
check_own() { OWN=1 check "$@"; }
for f in $C/crypto/*.[ch]; do
    check_own "$f" $C/core/include $C/format/include
done
for f in $C/*.[ch] $C/include/*.h; do
    check_own "$f" $C/include $C/core/include $C/format/include $C/crypto
    checked=$((checked + 1))
    grep -q '#include "\(mbedtls\|psa\)/' "$f" && complain "$f speaks Mbed TLS: only crypto/ may"
done
for f in lib/error/*.[ch]; do
    check "$f" include $C/format/include lib
done
# the library's crypto fills the core's table (eei_core/crypto.h), and its engine runs the core
for f in lib/crypto/*.[ch] lib/engine/*.[ch]; do
    check "$f" include $C/format/include $C/core/include lib
done
for f in lib/crypto/*.[ch]; do
    checked=$((checked + 1))
    grep -q '#include "eei_core/\(decoder\|sb_check\)' "$f" &&
        complain "$f runs the core: the crypto layer is below it"
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
# programs/: common/ is below everything else, serve/ and batch/ are rooms of their own that
# see only common/, and the CLI (esp_enc_img/) sees them all; nothing includes the CLI's headers
for f in programs/common/*.[ch]; do
    check "$f" include $C/format/include
done
for f in programs/serve/*.[ch] programs/batch/*.[ch]; do
    check "$f" include $C/format/include programs/common
done
for f in programs/esp_enc_img/*.[ch]; do
    check "$f" include $C/format/include programs/common programs/serve programs/batch
done
for f in programs/common/*.[ch] programs/serve/*.[ch] programs/batch/*.[ch]; do
    checked=$((checked + 1))
    grep -q '#include "\(cli\|cmd_\|inspection\|json_out\|passphrase_prompt\)' "$f" &&
        complain "$f (below the CLI) includes the CLI's own headers"
done
# and within the CLI, no two files include each other's headers
for f in programs/esp_enc_img/*.c; do
    for inc in $(sed -n 's/^#include "\([a-z_]*\)\.h".*/\1/p' "$f"); do
        [ -f "programs/esp_enc_img/$inc.c" ] || continue
        [ "programs/esp_enc_img/$inc.c" = "$f" ] && continue
        checked=$((checked + 1))
        grep -q "^#include \"$(basename "$f" .c).h\"" "programs/esp_enc_img/$inc.c" &&
            complain "$f and programs/esp_enc_img/$inc.c include each other's headers (a circle)"
    done
done
# firmware/host/: the firmware's code on this machine. It sees what the firmware sees (the
# component's headers, firmware/main) with its stand-ins of ESP-IDF's headers in place of
# ESP-IDF's; the simulator's own options through programs/common/options.h, and the library's
# public API only (a key's Secure Boot digest, as burning eFuses would give it): never lib/
for f in firmware/host/*.[ch] firmware/host/port/*.[ch] firmware/host/include/*.h; do
    check "$f" firmware/host firmware/host/include firmware/host/port $C/include $C/core/include \
        $C/format/include firmware/main include programs/common
    checked=$((checked + 1))
    grep -q '#include "\(engine\|crypto\|error\)/' "$f" && complain "$f reaches into lib/"
    for h in programs/common/*.h; do
        grep -q "#include \"$(basename "$h")\"" "$f" || continue
        [ "$f:$h" = firmware/host/fwsim_main.c:programs/common/options.h ] ||
            complain "$f includes $h: of programs/common, only the simulator's main takes options.h"
    done
done
echo "$checked includes and rules checked, $bad broken"
[ "$checked" -gt 0 ] && [ "$bad" -eq 0 ]
