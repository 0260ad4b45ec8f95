#!/usr/bin/env bash
# Rollback and anti-rollback on the simulated device, as ESP-IDF's bootloader and app_update do
# them with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (the firmware's default): an updated app boots
# pending, confirms itself once its update source answers, or the next reset returns to the
# previous app; a pending app cannot update; an image below the chip's secure version is
# rejected before anything is written.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR ESP_ENC_IMG_FWSIM MAKE_APP_BINARY
SIM=$(readlink -f "$4")
MKAPP=$(readlink -f "$5")
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
HK=$K/device_hmac_key.bin
sim() { "$SIM" --flash dev.img "$@"; }
says() { # WANT ARGS...: the first line printed
    local got
    got=$(sim "${@:2}" 2>&1 | head -1)
    [ "$got" = "$1" ] && pass || fail "$*: said '$got'"
}
for v in 1 2 3; do
    "$MKAPP" v$v.bin --size $((50000 + v * 1000)) --version $v.0.0 --seed $v --secure-version $v
    "$E" encrypt v$v.bin "$K/device_pub_key.pem" v$v.img
done

# a fresh device runs its factory app; an update makes ota_0 new, its first boot pending
says "factory factory" --boot
expect_rc 0 sim --hmac-key "$HK" --image v1.img
says "ota_0" --boot-slot
says "ota_0 pending" --boot
# it never confirms: the next reset rolls back to factory, and keeps there
run sim --boot
grep -qx "factory factory" out.txt && pass || fail "no rollback: $(cat out.txt)"
grep -qx "rolled back: ota_0 aborted" out.txt && pass || fail "no rollback line: $(cat out.txt)"
says "factory factory" --boot
says "factory" --boot-slot

# again, and this time the app confirms itself at its first boot: it stays
expect_rc 0 sim --hmac-key "$HK" --image v1.img
says "ota_0 valid" --confirm
says "ota_0 valid" --boot
says "ota_0 valid" --boot

# an update run at the first boot of a new app confirms it once its source answers, then updates
expect_rc 0 sim --hmac-key "$HK" --image v2.img
expect_rc 0 sim --hmac-key "$HK" --image v3.img # v2's first boot: confirms, updates to v3
says "ota_0" --boot-slot
says "ota_0" --boot-slot # a query changes nothing
# a new app that fails its self-test cannot update, and the next reset rolls it back
"$MKAPP" v4.bin --size 52000 --version 4.0.0 --seed 4 --secure-version 4
"$E" encrypt v4.bin "$K/device_pub_key.pem" v4.img
expect_rc 3 sim --hmac-key "$HK" --image v4.img --no-confirm # v3's first boot
expect_err "still pending verification"
run sim --boot
grep -qx "ota_1 valid" out.txt && pass || fail "v3 not rolled back to v2: $(cat out.txt)"
grep -qx "rolled back: ota_0 aborted" out.txt && pass || fail "no rollback line: $(cat out.txt)"
sim --dump-slot now.bin && expect_same now.bin v2.bin
# an update from ota_1 overwrites ota_0 (v3, aborted): fine, it is no rollback target
expect_rc 0 sim --hmac-key "$HK" --image v4.img
says "ota_0 valid" --confirm

# anti-rollback: the chip's secure version (eFuse) is the floor, checked before any write
ota1() { dd if=dev.img bs=4096 skip=$((0x210000 / 4096)) count=256 2>/dev/null | sha256sum; }
before=$(ota1)
expect_rc 1 sim --hmac-key "$HK" --image v3.img --efuse-secure-version 4
expect_err "anti-rollback: secure version 3 < 4 in eFuse"
[ "$(ota1)" = "$before" ] && pass || fail "the target slot was written before the check"
says "ota_0 valid" --boot
expect_rc 0 sim --hmac-key "$HK" --image v3.img --efuse-secure-version 3 --skip-version-check
says "ota_1 pending" --boot
finish
