#!/usr/bin/env bash
# The firmware built with CONFIG_EEI_RSA_USE_DS on the simulated device: the RSA key unwrapped by
# the DS peripheral's model (firmware/host/port/ds_sim.c) from the esp_secure_cert partition that
# `esp_enc_img ds-provision` writes, with the eFuse HMAC key of purpose
# HMAC_DOWN_DIGITAL_SIGNATURE; and every way a device can be provisioned wrong refused before the
# download, naming what is wrong, with the app that runs kept.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR ESP_ENC_IMG_FWSIM MAKE_APP_BINARY
SIM=$(readlink -f "$4")
MKAPP=$(readlink -f "$5")
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys

. "$SRC/tests/support/fwsim.sh"
# fix_crc PART OFFSET: rewrite the CRC of the TLV at OFFSET (zlib's CRC-32 from 0xFFFFFFFF, as
# docs/FORMAT.md says), as one who alters it on purpose would
fix_crc() {
    python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
path, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(path, "rb").read())
length = struct.unpack_from("<H", b, off + 10)[0]
covered = 12 + (length + 15) // 16 * 16
struct.pack_into("<I", b, off + covered, zlib.crc32(bytes(b[off:off + covered]), 0xffffffff))
open(path, "wb").write(b)
PY
}

"$MKAPP" v2.bin --size 200000 --version 2.0.0 --seed 2
"$MKAPP" v3.bin --size 150001 --version 3.0.0 --seed 3
"$E" encrypt v2.bin "$K/rsa_pub_key.pem" v2.rsa
"$E" encrypt v3.bin "$K/rsa_pub_key.pem" v3.rsa
"$E" encrypt v3.bin "$K/device_pub_key.pem" v3.ecies
"$E" keygen rsa --out-dir other >/dev/null
"$E" encrypt v3.bin other/rsa_pub_key.pem v3.other

# the factory: an HMAC key for this device, its esp_secure_cert partition
expect_rc 0 "$E" ds-provision "$K/rsa_priv_key.pem" --hmac-key hmac.bin --target esp32c3 -o sc.bin
head -c 32 /dev/urandom >wrong_hmac.bin
DS=(--ds --hmac-key hmac.bin --hmac-key-id 1 --secure-cert sc.bin) # ds-provision: BLOCK_KEY1

# updates through the DS peripheral, in chunks of any size
expect_rc 0 "$SIM" --flash dev.img "${DS[@]}" --image v2.rsa --chunk 7
grep -qx "EEI_UPDATE ok attempt=1: ota_1 selected for the next boot" out.txt && pass ||
    fail "no EEI_UPDATE ok: $(cat out.txt) $(cat err.txt)"
expect_boot dev.img ota_1
snapshot dev.img now.bin
expect_same now.bin v2.bin

# every refusal: an EEI_UPDATE line that says why, the boot slot and its bytes unchanged; an
# image refused exits 1, a device that cannot decrypt 3
reject() { # STATUS WHY ARGS...
    local status=$1 why=$2 want=1
    [ "$status" = error ] && want=3
    shift 2
    expect_rc $want "$SIM" --flash dev.img "$@"
    grep -q "^EEI_UPDATE $status[a-z]* attempt=1: .*$why" out.txt && pass ||
        fail "$why: not '$status': $(cat out.txt) $(cat err.txt)"
    expect_boot dev.img ota_1
    snapshot dev.img after.bin
    expect_same after.bin v2.bin
}
# images the key does not open: the unwrap's padding check, and the other scheme
reject rejected-key "not made for this device's key" "${DS[@]}" --image v3.other
reject rejected-header "the image is for the other scheme" "${DS[@]}" --image v3.ecies
# the wrong HMAC key in eFuse: the peripheral's digest check refuses the DS data
reject error "the DS peripheral refuses the key" --ds --hmac-key wrong_hmac.bin --hmac-key-id 1 \
    --secure-cert sc.bin --image v3.rsa
# the right key with another purpose: never handed to the DS peripheral
reject error "purpose is not the one the key needs" "${DS[@]}" --efuse-purpose hmac_up \
    --image v3.rsa
reject error "purpose is not the one the key needs" "${DS[@]}" --efuse-purpose user --image v3.rsa
# the key in another block than the partition names
reject error "purpose is not the one the key needs" "${DS[@]}" --hmac-key-id 2 --image v3.rsa
# the partition: erased, a TLV altered (its CRC), the DS data altered with its CRC made to match
# (the peripheral's digest), the context naming another key size
head -c 8192 /dev/zero | tr '\0' '\377' >erased.bin
reject error "DS context or data is missing or corrupt" --ds --hmac-key hmac.bin --hmac-key-id 1 \
    --secure-cert erased.bin --image v3.rsa
cp sc.bin crc.bin
flip_byte crc.bin 600
reject error "DS context or data is missing or corrupt" --ds --hmac-key hmac.bin --hmac-key-id 1 \
    --secure-cert crc.bin --image v3.rsa
cp sc.bin c.bin
flip_byte c.bin 600
fix_crc c.bin 0
reject error "the DS peripheral refuses the key" --ds --hmac-key hmac.bin --hmac-key-id 1 \
    --secure-cert c.bin --image v3.rsa
ctx=$((12 + 1220 + 12 + 4)) # the DS context TLV follows the DS data TLV (1236 bytes)
cp sc.bin bits.bin
flip_byte bits.bin $((ctx + 12 + 6))
fix_crc bits.bin $ctx
reject error "DS context or data is missing or corrupt" --ds --hmac-key hmac.bin --hmac-key-id 1 \
    --secure-cert bits.bin --image v3.rsa
# no esp_secure_cert partition at all: a DS firmware on partitions.csv
expect_rc 3 "$SIM" --flash plain.img --ds --hmac-key hmac.bin --hmac-key-id 1 --image v3.rsa
grep -q "^EEI_UPDATE error attempt=1: .*no readable esp_secure_cert partition" out.txt && pass ||
    fail "missing partition: $(cat out.txt)"
expect_boot plain.img ota_0

# the device, put right, updates again
expect_rc 0 "$SIM" --flash dev.img "${DS[@]}" --image v3.rsa --random-chunks 5
expect_boot dev.img ota_0
snapshot dev.img now.bin
expect_same now.bin v3.bin

finish
