#!/usr/bin/env bash
# Power cuts on the simulated device: at every 4 KiB boundary of a transfer, and between erasing
# and writing each otadata sector of an update, of a boot and of a confirmation. The device
# always has a bootable app: the previous one, byte for byte, until an update completes.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR ESP_ENC_IMG_FWSIM MAKE_APP_BINARY
SIM=$(readlink -f "$4")
MKAPP=$(readlink -f "$5")
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
"$MKAPP" v1.bin --size 60000 --version 1.0.0 --seed 1
"$MKAPP" v2.bin --size 90000 --version 2.0.0 --seed 2
"$E" encrypt v1.bin "$K/device_pub_key.pem" v1.img
"$E" encrypt v2.bin "$K/rsa_pub_key.pem" v2.img
sim() { "$SIM" --flash dev.img "$@"; }
boots() { # SLOT APP: the next reset runs SLOT, holding APP byte for byte
    local got
    got=$(sim --boot-slot)
    [ "$got" = "$1" ] || { fail "${3:-}boots $got, wanted $1"; return; }
    sim --dump-slot now.bin && cmp -s now.bin "$2" && pass || fail "${3:-}$1 does not hold $2"
}

# a fresh device (no factory app): the bootloader records ota_0 as valid at the first power-on;
# cut in the middle of that write, the app in ota_0 still boots, and is recorded the next time
sim --boot --power-cut-in-otadata 1 >/dev/null 2>&1
[ $? = 137 ] && pass || fail "no power cut in the first power-on's otadata write"
[ "$(sim --boot)" = "ota_0 valid" ] && pass || fail "the first app does not boot after the cut"

expect_rc 0 sim --hmac-key "$K/device_hmac_key.bin" --image v1.img
boots ota_1 v1.bin
expect_rc 0 sim --confirm

size=$(stat -c %s v2.img)
cuts=0
for ((cut = 0; cut < size; cut += 4096)); do
    sim --rsa-key "$K/rsa_priv_key.pem" --image v2.img --power-cut-at $cut 2>/dev/null
    rc=$?
    [ $rc = 137 ] || fail "cut at $cut: the device did not die (exit $rc)"
    boots ota_1 v1.bin "cut at $cut: "
    cuts=$((cuts + 1))
done
[ $cuts -ge 20 ] && pass || fail "only $cuts cuts"
echo "$cuts power cuts in the transfer, every one left ota_1 booting v1 byte for byte"

# the otadata write of an update (the new selection): the device boots v1, byte for byte
sim --rsa-key "$K/rsa_priv_key.pem" --image v2.img --power-cut-in-otadata 1 2>/dev/null
[ $? = 137 ] && pass || fail "no power cut in the otadata write of an update"
boots ota_1 v1.bin "update, otadata cut: "

# the update goes through; then its first boot, its confirmation and a rollback, each cut in the
# middle of an otadata write: there is always an app to boot, the old one or the new one
expect_rc 0 sim --rsa-key "$K/rsa_priv_key.pem" --image v2.img
boots ota_0 v2.bin
cp dev.img updated.img
sim --boot --power-cut-in-otadata 1 >/dev/null 2>&1 # new -> pending
[ $? = 137 ] && pass || fail "no power cut in the first boot"
boots ota_1 v1.bin "first boot cut: " # the new entry is lost: the previous app runs
cp updated.img dev.img
sim --confirm --power-cut-in-otadata 2 >/dev/null 2>&1 # new -> pending, then -> valid
[ $? = 137 ] && pass || fail "no power cut in the confirmation"
boots ota_1 v1.bin "confirm cut: " # ESP-IDF rewrites the entry in place
cp updated.img dev.img
[ "$(sim --boot)" = "ota_0 pending" ] && pass || fail "first boot of v2 is not pending"
sim --boot --power-cut-in-otadata 1 >/dev/null 2>&1 # the reset that rolls back
[ $? = 137 ] && pass || fail "no power cut in the rollback"
boots ota_1 v1.bin "rollback cut: "
cp updated.img dev.img
[ "$(sim --confirm)" = "ota_0 valid" ] && pass || fail "v2 did not confirm"
boots ota_0 v2.bin
# the way back to ota_1 (a downgrade, allowed) writes otadata twice: the old ota_1 entry is
# given up as a rollback target when the update begins, then the new selection; a cut at either
# keeps ota_0
for n in 1 2; do
    cp dev.img before.img
    sim --hmac-key "$K/device_hmac_key.bin" --image v1.img --allow-downgrade \
        --power-cut-in-otadata $n 2>/dev/null
    [ $? = 137 ] && pass || fail "no power cut at otadata write $n of the second update"
    boots ota_0 v2.bin "second update, otadata cut $n: "
    cp before.img dev.img
done
finish
