#!/usr/bin/env bash
# The firmware update path on the simulated device, end to end with images made by the CLI.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR ESP_ENC_IMG_FWSIM MAKE_APP_BINARY
SIM=$(readlink -f "$4")
MKAPP=$(readlink -f "$5")
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys

. "$SRC/tests/support/fwsim.sh"

# a fresh device boots the app it was flashed with, in ota_0 (partitions.csv has no factory app)
expect_rc 0 "$SIM" --flash dev.img --boot-slot
expect_boot dev.img ota_0
expect_size dev.img 4194304

# valid app binaries for the simulated chip, in both schemes
"$MKAPP" v2.bin --size 300000 --version 2.0.0 --seed 2
"$MKAPP" v3.bin --size 200001 --version 3.0.0 --seed 3
"$MKAPP" v4.bin --size 250000 --version 4.0.0 --seed 4
"$MKAPP" s3.bin --size 100000 --version 9.0.0 --chip esp32s3
"$E" encrypt v2.bin "$K/device_pub_key.pem" v2.ecies
"$E" encrypt v3.bin "$K/rsa_pub_key.pem" v3.rsa
"$E" encrypt v4.bin "$K/device_pub_key.pem" v4.ecies
"$E" encrypt s3.bin "$K/device_pub_key.pem" s3.ecies

expect_rc 0 "$SIM" --flash dev.img --hmac-key "$K/device_hmac_key.bin" --image v2.ecies --chunk 7
expect_boot dev.img ota_1
snapshot dev.img now.bin
expect_same now.bin v2.bin
grep -qx "EEI_UPDATE ok attempt=1: ota_1 selected for the next boot" out.txt && pass ||
    fail "no EEI_UPDATE line: $(cat out.txt)"
expect_rc 0 "$SIM" --flash dev.img --rsa-key "$K/rsa_priv_key.pem" --image v3.rsa --random-chunks 11
expect_boot dev.img ota_0
snapshot dev.img now.bin
expect_same now.bin v3.bin

# every rejection leaves the boot selection and the booting slot's bytes as they were, and says
# what it was in one word (docs/FIRMWARE.md) on the device's EEI_UPDATE line
reject() { # STATUS WHY ARGS...
    local status=$1 why=$2
    shift 2
    expect_rc 1 "$SIM" --flash dev.img "$@"
    expect_err "$why"
    grep -q "^EEI_UPDATE $status[a-z]* attempt=1: " out.txt && pass ||
        fail "$why: not '$status': $(cat out.txt)"
    expect_boot dev.img ota_0
    snapshot dev.img after.bin
    expect_same after.bin v3.bin
}
cp v4.ecies tampered.ecies
flip_byte tampered.ecies 100000
reject rejected-tag "authentication failed" --hmac-key "$K/device_hmac_key.bin" \
    --image tampered.ecies --chunk 512
reject link-cut "the connection dropped" --hmac-key "$K/device_hmac_key.bin" --image v4.ecies \
    --cut-at 131072
reject link-cut "the connection dropped" --hmac-key "$K/device_hmac_key.bin" --image v4.ecies \
    --cut-at 100
head -c 100000 v4.ecies >short.ecies
reject rejected-header "the image is truncated" --hmac-key "$K/device_hmac_key.bin" --image short.ecies
reject rejected-header "the other scheme" --rsa-key "$K/rsa_priv_key.pem" --image v4.ecies
# another device's key: nothing decrypts (ECIES), or the key block does not unwrap (RSA)
reject rejected-key "this image was not made for this device's key" \
    --hmac-key "$V/kat/hmac_key.bin" --image v4.ecies
reject rejected-key "this image was not made for this device's key" \
    --rsa-key "$V/kat/rsa_private.pem" --image v3.rsa --skip-version-check
reject current "version 3.0.0 is already running" --rsa-key "$K/rsa_priv_key.pem" --image v3.rsa
reject rejected-app "built for another chip" --hmac-key "$K/device_hmac_key.bin" --image s3.ecies
"$MKAPP" huge.bin --size 2100000 --version 8.0.0 --seed 8 # the slots are 1984 KiB
"$E" encrypt huge.bin "$K/device_pub_key.pem" huge.ecies
reject rejected-app "larger than the OTA slot" --hmac-key "$K/device_hmac_key.bin" --image huge.ecies
head -c 5000 /dev/urandom >noise.bin
"$E" encrypt noise.bin "$K/device_pub_key.pem" noise.ecies
reject rejected-app "authentic but holds no ESP app binary" --hmac-key "$K/device_hmac_key.bin" \
    --image noise.ecies
cp v4.bin badsum.bin
printf '\x00' | dd of=badsum.bin bs=1 seek=60000 conv=notrunc 2>/dev/null
"$E" encrypt badsum.bin "$K/device_pub_key.pem" badsum.ecies
reject rejected-app "esp_ota_end" --hmac-key "$K/device_hmac_key.bin" --image badsum.ecies
for v in "$V"/negative/ecies-*.bin; do
    case "$v" in *reserved*) continue ;; esac
    reject rejected- "" --hmac-key "$V/kat/hmac_key.bin" --image "$v"
done
# the version check can be skipped on purpose
expect_rc 0 "$SIM" --flash dev.img --rsa-key "$K/rsa_priv_key.pem" --image v3.rsa --skip-version-check
expect_boot dev.img ota_1

# the app for that chip is accepted by that chip
expect_rc 0 "$SIM" --flash s3dev.img --target esp32s3 --hmac-key "$K/device_hmac_key.bin" --image s3.ecies
[ "$("$SIM" --flash s3dev.img --target esp32s3 --boot-slot)" = ota_1 ] && pass || fail "s3 boot slot"
# the same flash in another chip has nothing its bootloader would start
expect_rc 3 "$SIM" --flash s3dev.img --boot-slot
expect_err "no bootable app"

# device configuration errors are exit 3; usage errors exit 2
expect_rc 3 "$SIM" --flash dev.img --hmac-key "$K/device_hmac_key.bin" --image v4.ecies --efuse-purpose user
expect_err "HMAC_UP"
expect_rc 3 "$SIM" --flash dev.img --hmac-key "$K/rsa_pub_key.pem" --image v4.ecies
expect_rc 3 "$SIM" --flash dev.img --rsa-key "$K/device_pub_key.pem" --image v3.rsa
expect_rc 2 "$SIM" --flash dev.img --image v4.ecies
expect_rc 2 "$SIM" --flash dev.img --hmac-key a --rsa-key b --image v4.ecies
expect_rc 2 "$SIM" --flash dev.img --chunk x --hmac-key a --image b
expect_rc 3 "$SIM" --flash dev.img --hmac-key "$K/device_hmac_key.bin" --image missing.bin
: >short.img
expect_rc 3 "$SIM" --flash short.img --boot-slot

# the device public key is what `esp_enc_img pubkey` says, and the KAT's
expect_rc 0 "$SIM" --hmac-key "$V/kat/hmac_key.bin" --export-pubkey kat.der
expect_same kat.der "$V/kat/hmac_device_pub.der"
expect_rc 0 "$SIM" --hmac-key "$K/device_hmac_key.bin" --hmac-key-id 4 --export-pubkey demo.der
openssl pkey -pubin -inform DER -in demo.der -out demo.pem 2>/dev/null
expect_same demo.pem "$K/device_pub_key.pem"
finish
