#!/usr/bin/env bash
# Power cuts on the simulated device: at every 4 KiB boundary of a transfer, and between the
# two halves of selecting the new boot slot. The slot that boots is always the previous one,
# byte for byte, until an update completes.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR ESP_ENC_IMG_FWSIM MAKE_APP_IMAGE
SIM=$(readlink -f "$4")
MKAPP=$(readlink -f "$5")
. "$(dirname "$0")/../cli/lib.sh"
K=$SRC/keys
"$MKAPP" v1.bin --size 60000 --version 1.0.0 --seed 1
"$MKAPP" v2.bin --size 90000 --version 2.0.0 --seed 2
"$E" encrypt v1.bin "$K/device_pub_key.pem" v1.img
"$E" encrypt v2.bin "$K/rsa_pub_key.pem" v2.img
sim() { "$SIM" --flash dev.img "$@"; }

expect_rc 0 sim --hmac-key "$K/device_hmac_key.bin" --image v1.img
[ "$(sim --boot-slot)" = ota_0 ] && pass || fail "first update"

size=$(stat -c %s v2.img)
cuts=0
for ((cut = 0; cut < size; cut += 4096)); do
    sim --rsa-key "$K/rsa_priv_key.pem" --image v2.img --power-cut-at $cut 2>/dev/null
    rc=$?
    [ $rc = 137 ] || fail "cut at $cut: the device did not die (exit $rc)"
    [ "$(sim --boot-slot)" = ota_0 ] || fail "cut at $cut: boots $(sim --boot-slot)"
    sim --dump-slot now.bin && cmp -s now.bin v1.bin || fail "cut at $cut: the boot slot changed"
    cuts=$((cuts + 1))
done
[ $cuts -ge 20 ] && pass || fail "only $cuts cuts"
echo "$cuts power cuts, every one left ota_0 booting v1 byte for byte"

# the worst moment of the switch: the inactive otadata sector erased, the new entry not written
sim --rsa-key "$K/rsa_priv_key.pem" --image v2.img --power-cut-in-otadata 2>/dev/null
[ $? = 137 ] && pass || fail "no power cut in otadata"
[ "$(sim --boot-slot)" = ota_0 ] && pass || fail "otadata cut: boots $(sim --boot-slot)"
sim --dump-slot now.bin && expect_same now.bin v1.bin

# and then the update goes through
expect_rc 0 sim --rsa-key "$K/rsa_priv_key.pem" --image v2.img
[ "$(sim --boot-slot)" = ota_1 ] && pass || fail "final update"
sim --dump-slot now.bin && expect_same now.bin v2.bin
# a cut in otadata on the way back to ota_0 keeps ota_1
sim --hmac-key "$K/device_hmac_key.bin" --image v1.img --power-cut-in-otadata 2>/dev/null
[ "$(sim --boot-slot)" = ota_1 ] && pass || fail "second otadata cut: boots $(sim --boot-slot)"
finish
