#!/usr/bin/env bash
# ESP-IDF's own configure and a compile of the project's sources with IDF's flags for esp32c3
# (../shared/tools/idf-check), on ESP-IDF v5.5 (Mbed TLS 3.6) and v6.0 (TF-PSA-Crypto):
#   - the firmware as shipped (ECIES with the eFuse HMAC key), without a server certificate, its
#     _secure.bin step building the tool from this checkout as the GitHub workflow asks
#     (-DESP_ENC_IMG_BUILD_TOOL=ON);
#   - the firmware with RSA-3072, the esp_https_ota adapter and the signature check
#     (idf/rsa_https_ota.defaults), and a trusted key digest that is not one;
#   - the firmware with the RSA key in the Digital Signature peripheral (idf/rsa_ds.defaults:
#     CONFIG_EEI_RSA_USE_DS, partitions_ds.csv);
#   - every download buffer size Kconfig offers, and both ways to trust the server (one CA
#     certificate, ESP-IDF's certificate bundle);
#   - the 8 MB partition table, and the partition table moved to 0x10000 (Secure Boot, flash
#     encryption), with anti-rollback;
#   - esp32c2's defaults (no HMAC peripheral, no RSA accelerator: RSA-3072, the task watchdog
#     set to panic);
#   - the decryptor component in another project (idf/standalone): where it is in the repository,
#     and a copy of its folder alone, outside any checkout.
# Usage: tests/firmware/idf_check.sh [IDF_CHECK]   (default: ../shared/tools/idf-check)
# Prints one line per check; exits 1 if any fails, 0 with "skipped" if idf-check is not there.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tool=${1:-$repo/../shared/tools/idf-check}
if [ ! -x "$tool" ]; then
    echo "idf-check: skipped, not found at $tool"
    exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/eei-idf-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the project, and the component's folder copied beside it: nothing else of the repository
mkdir -p "$work/copy"
cp -r "$repo/tests/firmware/idf/standalone" "$work/copy/standalone"
cp -r "$repo/components/eei_decryptor" "$work/copy/eei_decryptor"

failed=0
check() { # NAME ARGS...
    local name=$1 log="$work/$1.log"
    shift
    if "$tool" "$@" >"$log" 2>&1; then
        echo "ok     $name ($(sed -n 's/^idf-check: PASS (\(.*\))$/\1/p' "$log"))"
    else
        echo "FAILED $name"
        sed 's/^/       /' "$log" | tail -30
        failed=1
    fi
}
for v in 5.5 6.0; do
    check "v$v firmware (ECIES, HMAC key)" --idf $v --project "$repo/firmware" \
        --cmake-arg -DESP_ENC_IMG_BUILD_TOOL=ON
    check "v$v firmware (RSA-3072, esp_https_ota adapter, signature check)" --idf $v --project "$repo/firmware" \
        --defaults "$repo/tests/firmware/idf/rsa_https_ota.defaults"
    check "v$v firmware (RSA-3072 in the DS peripheral, partitions_ds.csv)" --idf $v \
        --project "$repo/firmware" --defaults "$repo/tests/firmware/idf/rsa_ds.defaults" \
        --cmake-arg -DESP_ENC_IMG_TOOL=/bin/true
    check "v$v decryptor component in another project" --idf $v \
        --project "$repo/tests/firmware/idf/standalone"
    check "v$v decryptor component, a copy of its folder alone" --idf $v \
        --project "$work/copy/standalone" --copy-root "$work/copy" \
        --cmake-arg "-DEEI_DECRYPTOR_DIR=$work/copy/eei_decryptor"
    # the buffer sizes besides the default 4 KiB, each with one of the two trust options
    for size in 1 2 8 16; do
        case $size in
        1 | 16) trust=CRT_BUNDLE ;;
        *) trust=CA_PEM ;;
        esac
        printf 'CONFIG_EEI_OTA_BUFFER_%sK=y\nCONFIG_EEI_TRUST_%s=y\n' $size $trust \
            >"$work/buffer$size.defaults"
        check "v$v firmware, $size KiB download buffer, trust $trust" --idf $v \
            --project "$repo/firmware" --defaults "$work/buffer$size.defaults" \
            --cmake-arg -DESP_ENC_IMG_TOOL=/bin/true
    done
    printf 'CONFIG_PARTITION_TABLE_OFFSET=0x10000\n' >"$work/moved_table.defaults"
    check "v$v firmware, 8 MB table moved to 0x10000, anti-rollback" --idf $v \
        --project "$repo/firmware" --defaults "$repo/firmware/sdkconfig.flash_8mb" \
        --defaults "$repo/firmware/sdkconfig.anti_rollback" --defaults "$work/moved_table.defaults" \
        --cmake-arg -DESP_ENC_IMG_TOOL=/bin/true
    check "v$v firmware for esp32c2 (RSA-3072, task watchdog panics)" --idf $v --target esp32c2 \
        --project "$repo/firmware" --cmake-arg -DESP_ENC_IMG_TOOL=/bin/true
done
# a configuration that cannot work stops at configure, with a message that says what to fix
configure_error() { # NAME MESSAGE IDF_CHECK_ARGS...
    local name=$1 message=$2 log="$work/configure_error.log"
    shift 2
    if "$tool" "$@" >"$log" 2>&1; then
        echo "FAILED $name: configured"
        failed=1
    elif grep -q "$message" "$log"; then
        echo "ok     $name: a configure error that says so"
    else
        echo "FAILED $name: $(grep -m1 -i error "$log")"
        failed=1
    fi
}
cp "$repo/tests/firmware/idf/rsa_https_ota.defaults" "$work/bad_digest.defaults"
echo 'CONFIG_EEI_TRUSTED_KEY_DIGEST1="50c75fbb"' >>"$work/bad_digest.defaults"
configure_error "v6.0 a trusted key digest of 8 hex digits" \
    "CONFIG_EEI_TRUSTED_KEY_DIGEST1 is not 64 hex digits" \
    --idf 6.0 --project "$repo/firmware" --defaults "$work/bad_digest.defaults"
# the repository's demo keys in a release build (CONFIG_EEI_DEMO_KEYS_ARE_ERRORS): a stop
cp "$repo/tests/firmware/idf/rsa_https_ota.defaults" "$work/release.defaults"
echo 'CONFIG_EEI_DEMO_KEYS_ARE_ERRORS=y' >>"$work/release.defaults"
configure_error "v6.0 a release build with the demo keys" \
    "the RSA private key built into the firmware" \
    --idf 6.0 --project "$repo/firmware" --defaults "$work/release.defaults"
exit $failed
