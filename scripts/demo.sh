#!/usr/bin/env bash
# The main job on the defaults: build, then encrypt the bundled sample app for both schemes
# with the demo keys, decrypt, compare and summarise.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
eei_install_deps "${EEI_BUILD_DEPS[@]}"

# the tool alone: no tests, no firmware host build (scripts/test.sh turns them on again)
cmake -S . -B build -DBUILD_TESTING=OFF -DEEI_FIRMWARE_HOST=OFF >/dev/null
cmake --build build -j"$(nproc)" --target esp_enc_img >/dev/null
tool=build/esp_enc_img
sample=samples/hello_app.bin
out=out/demo
rm -rf "$out"
mkdir -p "$out"

printf '%s\n' "$($tool --version): demo with the PUBLIC demo keys in keys/ (never for real devices)"
printf 'sample  %s  %d bytes  sha256 %s\n' "$sample" "$(stat -c %s "$sample")" \
    "$(sha256sum "$sample" | cut -c1-16)"
for scheme in rsa ecies; do
    if [ "$scheme" = rsa ]; then
        pub=keys/rsa_pub_key.pem dev=keys/rsa_priv_key.pem
    else
        pub=keys/device_pub_key.pem dev=keys/device_hmac_key.bin
    fi
    img=$out/hello_app_$scheme.bin
    back=$out/hello_app_$scheme.decrypted.bin
    $tool encrypt "$sample" "$pub" "$img"
    $tool decrypt "$img" "$dev" "$back"
    cmp -s "$sample" "$back" || { echo "demo FAILED: $scheme round trip differs" >&2; exit 1; }
    printf '%-6s  encrypt to %-24s -> %s (%d bytes); decrypt with %-24s: identical\n' \
        "$scheme" "$pub" "$img" "$(stat -c %s "$img")" "$dev"
done
echo "demo OK: both schemes round-trip; images are in $out/"
