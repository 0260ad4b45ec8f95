#!/usr/bin/env bash
# Rollback and anti-rollback on the simulated device, as ESP-IDF's bootloader and app_update do
# them with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (the firmware's default): an updated app boots
# pending and runs its self-test (by default: its update source answers); it confirms itself when
# the test passes, and is marked invalid and restarted into the previous app at once when the
# test fails or times out; an app that never settles is rolled back at the next reset; a pending
# app cannot update. Versions: an older one is refused unless downgrades are allowed, and an
# image below the chip's secure version is rejected before anything is written, always.
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
printed() { # LINE: the last run printed it (a whole line)
    grep -qxF -- "$1" out.txt && pass || fail "no line '$1' in: $(cat out.txt)"
}
for v in 1 2 3 4; do
    "$MKAPP" v$v.bin --size $((50000 + v * 1000)) --version $v.0.0 --seed $v --secure-version $v
    "$E" encrypt v$v.bin "$K/device_pub_key.pem" v$v.img
done

# a fresh device runs the app flashed into ota_0 (no factory app): the bootloader records it valid
says "ota_0 valid" --boot
expect_rc 0 sim --hmac-key "$HK" --image v1.img
says "ota_1" --boot-slot
says "ota_1 pending" --boot
# it never settles: the next reset rolls back to ota_0, and keeps there
run sim --boot
grep -qx "ota_0 valid" out.txt && pass || fail "no rollback: $(cat out.txt)"
grep -qx "rolled back: ota_1 aborted" out.txt && pass || fail "no rollback line: $(cat out.txt)"
says "ota_0 valid" --boot
says "ota_0" --boot-slot

# again, and this time the app confirms itself at its first boot: it stays
expect_rc 0 sim --hmac-key "$HK" --image v1.img
says "ota_1 valid" --confirm
says "ota_1 valid" --boot
says "ota_1 valid" --boot

# an update run at the first boot of a new app: its self-test passes (its source answers), it
# confirms itself, then it updates
expect_rc 0 sim --hmac-key "$HK" --image v2.img
expect_rc 0 sim --hmac-key "$HK" --image v3.img # v2's first boot
printed "EEI_SELFTEST pass: the update server answers"
printed "EEI_CONFIRMED ota_0"
says "ota_1" --boot-slot
says "ota_1" --boot-slot # a query changes nothing

# a new app whose self-test fails is marked invalid and restarted into the previous app at
# once (exit 4), without waiting for a reset; it never gets to update
expect_rc 4 sim --hmac-key "$HK" --image v4.img --self-test fail # v3's first boot
printed "EEI_SELFTEST fail: the application's own test failed"
printed "EEI_ROLLBACK ota_1: marked invalid, restarting into the previous app"
grep -q "^EEI_UPDATE" out.txt && fail "it updated after its self-test failed" || pass
says "ota_0" --boot-slot
run sim --boot
grep -qx "ota_0 valid" out.txt && pass || fail "v3 not rolled back to v2: $(cat out.txt)"
grep -q "rolled back" out.txt && fail "an invalid app was left for the bootloader" || pass
sim --dump-slot now.bin && expect_same now.bin v2.bin

# a self-test that never returns times out, with the same result
expect_rc 0 sim --hmac-key "$HK" --image v3.img
expect_rc 4 sim --hmac-key "$HK" --image v4.img --self-test hang --self-test-timeout-ms 300
printed "EEI_SELFTEST timeout: no result within 300 ms"
says "ota_0 valid" --boot

# the default self-test: a new app that cannot reach its update source is rolled back too
expect_rc 0 sim --hmac-key "$HK" --image v3.img
expect_rc 4 sim --hmac-key "$HK" --image missing.img
grep -q "^EEI_SELFTEST fail: .*missing.img" out.txt && pass || fail "self-test: $(cat out.txt)"
says "ota_0 valid" --boot

# an app left pending (--no-confirm) cannot update, and the next reset rolls it back
expect_rc 0 sim --hmac-key "$HK" --image v3.img
expect_rc 3 sim --hmac-key "$HK" --image v4.img --no-confirm # v3's first boot
expect_err "still pending verification"
run sim --boot
grep -qx "ota_0 valid" out.txt && pass || fail "v3 not rolled back to v2: $(cat out.txt)"
grep -qx "rolled back: ota_1 aborted" out.txt && pass || fail "no rollback line: $(cat out.txt)"
sim --dump-slot now.bin && expect_same now.bin v2.bin

# an older version is refused before anything is written, unless downgrades are allowed
ota1() { dd if=dev.img bs=4096 skip=$((0x210000 / 4096)) count=256 2>/dev/null | sha256sum; }
before=$(ota1)
expect_rc 1 sim --hmac-key "$HK" --image v1.img
expect_err "rejected-version: a downgrade is refused: version 1.0.0 < 2.0.0"
printed "EEI_UPDATE rejected-version attempt=1: a downgrade is refused: version 1.0.0 < 2.0.0"
[ "$(ota1)" = "$before" ] && pass || fail "the target slot was written before the check"
expect_rc 0 sim --hmac-key "$HK" --image v1.img --allow-downgrade
says "ota_1 pending" --boot
says "ota_0 valid" --boot # rolled back: 2.0.0 runs again
# the version that runs is not installed again: nothing to do, and said so
expect_rc 1 sim --hmac-key "$HK" --image v2.img
printed "EEI_UPDATE current attempt=1: version 2.0.0 is already running"

# anti-rollback: the chip's secure version (eFuse) is the floor, downgrades allowed or not
before=$(ota1)
expect_rc 1 sim --hmac-key "$HK" --image v1.img --efuse-secure-version 2 --allow-downgrade
expect_err "rejected-version: anti-rollback: secure version 1 < 2 in eFuse"
[ "$(ota1)" = "$before" ] && pass || fail "the target slot was written before the check"
says "ota_0 valid" --boot
expect_rc 0 sim --hmac-key "$HK" --image v3.img --efuse-secure-version 3
says "ota_1 pending" --boot
finish
