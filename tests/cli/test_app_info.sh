#!/usr/bin/env bash
# What is inside: info on an app binary (plain or signed), verify on an image's app: the app
# descriptor, layout, appended SHA-256 and signature blocks, in text and JSON; broken apps.
# Arguments: the usual three, then make_app_binary.
. "$(dirname "$0")/../support/lib.sh"
MKAPP=${4:?usage: test_app_info.sh ESP_ENC_IMG VECTORS SOURCE MAKE_APP_BINARY}
K=$SRC/keys

"$MKAPP" app.bin --size 100000 --version 2.4.1 --project blinky --secure-version 3 --seed 5
size=$(stat -c %s app.bin)

# a plain app: text and JSON, from a file and from stdin
expect_rc 0 "$E" info app.bin
for line in "kind          app binary (not encrypted)" "project       blinky" \
    "version       2.4.1" "ESP-IDF       v5.5" "secure ver.   3" "chip          esp32c3 (chip id 5)" \
    "layout        ok, $size bytes" "sha256        appended, matches" "signature     none"; do
    grep -qF "$line" out.txt && pass || fail "info lacks '$line': $(cat out.txt)"
done
expect_rc 0 "$E" info --json app.bin
expect_json kind app
expect_json app.project blinky
expect_json app.version 2.4.1
expect_json app.idf_version v5.5
expect_json app.secure_version 3
expect_json app.chip esp32c3
expect_json app.chip_id 5
expect_json app.segments 2
expect_json app.layout_ok true
expect_json app.size "$size"
expect_json app.sha256_appended true
expect_json app.sha256_matches true
expect_json app.signed false
expect_json app.signature_blocks 0
expect_json file_size "$size"
expect_rc 0 bash -c "cat app.bin | '$E' info --json -"
expect_json app.version 2.4.1
expect_json file stdin

# broken apps: exit 1 and one line that says what is wrong
head -c $((size - 1)) app.bin >cut.bin
expect_rc 1 "$E" info cut.bin
expect_err "cut.bin: app binary: truncated"
expect_err_lines 1
cp app.bin hash.bin
flip_byte hash.bin $((size - 1))
expect_rc 1 "$E" info --json hash.bin
expect_err "appended SHA-256 does not match"
expect_json app.sha256_matches false
expect_json ok false
cp app.bin sum.bin
flip_byte sum.bin 50000
expect_rc 1 "$E" info sum.bin
expect_err "checksum mismatch"
head -c 400 /dev/zero | tr '\0' '\351' >e9.bin # 0xE9, then no descriptor
expect_rc 1 "$E" info --json e9.bin
expect_err "neither an encrypted image nor an app binary"
expect_json kind unknown
expect_json app null
# an endless input is read only until it cannot be an app
expect_rc 1 timeout 20 bash -c "(printf '\351'; cat /dev/zero) | '$E' info -"
expect_err "neither an encrypted image nor an app binary"
# the descriptor's text is shown, never obeyed: a newline or bytes that are not UTF-8 are escaped
cp app.bin odd.bin
printf 'v1\nsignature     3 blocks\377' | dd of=odd.bin bs=1 seek=$((32 + 16)) conv=notrunc 2>/dev/null
expect_rc 1 "$E" info odd.bin # (the hash no longer matches)
grep -qF 'version       v1\x0asignature     3 blocks\xff' out.txt && pass || fail "escaping: $(cat out.txt)"
expect_rc 1 "$E" info --json odd.bin
expect_json app.version 'v1\x0asignature     3 blocks\xff'
# any non-zero hash flag means a SHA-256 follows, as ESP-IDF reads it
cp app.bin flag.bin
printf '\002' | dd of=flag.bin bs=1 seek=23 conv=notrunc 2>/dev/null
expect_rc 1 "$E" info --json flag.bin # (the flag is under the hash too)
expect_json app.sha256_appended true
expect_json app.layout_ok true
expect_json app.size "$size"

# a signed app: its blocks, their key digests as 'digest' computes them
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem 2>/dev/null
openssl pkey -in p256.pem -pubout -out p256.pub 2>/dev/null
expect_rc 0 "$E" sign app.bin --key "$K/rsa_priv_key.pem" --key p256.pem -o app.signed
expect_rc 0 "$E" info --json app.signed
expect_json app.signed true
expect_json app.signature_blocks 2
expect_json app.signature_blocks.0.scheme rsa-3072
expect_json app.signature_blocks.1.scheme ecdsa-p256
expect_json app.signature_blocks.1.digest_matches true
expect_json app.sha256_matches true
d1=$(jget app.signature_blocks.1.key_digest)
expect_rc 0 "$E" digest p256.pub --json
[ "$(jget digest)" = "$d1" ] && pass || fail "key digest $d1, digest says $(jget digest)"
expect_rc 0 "$E" info app.signed
grep -qE "^  block 1     ecdsa-p256, key digest $d1, covers this app$" out.txt && pass ||
    fail "info: $(cat out.txt)"
# a signed app, then an endless input: read as far as a signature sector could end
expect_rc 0 timeout 20 bash -c "cat app.signed /dev/zero | '$E' info --json -"
expect_json app.sha256_matches true
expect_json app.signed false

# verify: the app inside the image
expect_rc 0 "$E" encrypt app.signed "$K/device_pub_key.pem" signed.img
expect_rc 0 "$E" verify --json signed.img "$K/device_hmac_key.bin"
expect_json app.project blinky
expect_json app.secure_version 3
expect_json app.signed true
expect_json app.signature_blocks.0.digest_matches true
expect_json warnings 0
expect_rc 0 "$E" verify --json signed.img "$K/device_hmac_key.bin" --pub p256.pub
expect_json app.signature_verified true
expect_json app.signature_blocks.1.verified true
expect_json app.signature_blocks.0.verified false
expect_rc 0 "$E" verify signed.img "$K/device_hmac_key.bin"
grep -qF "signed.img: app: blinky 2.4.1 (ESP-IDF v5.5, esp32c3, secure version 3), appended SHA-256 matches" out.txt &&
    pass || fail "verify: $(cat out.txt)"
# an app that a device refuses: authentic, said in warnings
expect_rc 0 "$E" encrypt hash.bin "$K/rsa_pub_key.pem" hash.img
expect_rc 0 "$E" verify --json hash.img "$K/rsa_priv_key.pem"
expect_json app.sha256_matches false
expect_json warnings.0 "the app inside: its appended SHA-256 does not match (a device refuses it)"
# not an app: null
make_input data.bin 5000
expect_rc 0 "$E" encrypt data.bin "$K/rsa_pub_key.pem" data.img
expect_rc 0 "$E" verify --json data.img "$K/rsa_priv_key.pem"
expect_json app null
expect_rc 0 "$E" info --json data.img
expect_json kind image
finish
