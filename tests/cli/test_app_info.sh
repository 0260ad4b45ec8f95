#!/usr/bin/env bash
# What is inside: info on an app binary (plain or signed), verify on an image's app: the app
# descriptor, layout, appended SHA-256 and signature blocks, in text and JSON; broken apps.
# Where a device reads an app's signature sector (after its layout, rounded up to 4096), for
# info, verify-signature, verify --pub and sign alike.
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

# a file name is shown, never obeyed: a terminal escape or a newline in it is escaped
odd=$'odd\e]0;t\a\n'
shown='odd\x1b]0;t\x07\x0a'
raw() { grep -q $'\e' out.txt err.txt && fail "an escape reached the terminal: $*" || pass; }
cp app.bin "$odd.bin"
expect_rc 0 "$E" info "$odd.bin"
grep -qxF "file          $shown.bin" out.txt && pass || fail "info: $(cat out.txt)"
raw info of an app
cp cut.bin "$odd.cut"
expect_rc 1 "$E" info "$odd.cut"
expect_err "esp_enc_img: $shown.cut: app binary: truncated"
expect_err_lines 1
raw info of a broken app
cp signed.img "$odd.img"
expect_rc 0 "$E" info "$odd.img"
grep -qxF "file          $shown.img" out.txt && pass || fail "info of an image: $(cat out.txt)"
raw info of an image
expect_rc 0 "$E" info --json "$odd.img"
expect_json file "$shown.img"
expect_rc 3 "$E" info "$odd.missing"
expect_err "esp_enc_img: $shown.missing: No such file"
expect_err_lines 1
raw info of a missing file
expect_rc 3 "$E" info --json "$odd.missing"
expect_json file "$shown.missing"
expect_json error "$shown.missing: No such file or directory"
cp data.bin "$odd.data"
expect_rc 1 "$E" info "$odd.data"
raw info of a file that is neither

# where a device reads the signature sector: right after the app's layout (segments, checksum
# block, appended SHA-256) rounded up to 4096, as ESP-IDF's bootloader does; not at the end
"$MKAPP" lay.bin --size 20000 --seed 9
L=$(stat -c %s lay.bin)
at=$(((L + 4095) / 4096 * 4096))
whole() { python3 "$SRC/tests/support/sb_sign_whole.py" "$@"; } # a signer blind to layouts
# the app, then 10000 bytes (an app padded with 0xFF), signed as a whole: no device reads it
{ cat lay.bin; head -c 10000 /dev/zero | tr '\0' '\377'; } >junk.bin
whole junk.bin p256.pem junk.signed
F=$(($(stat -c %s junk.signed) - 4096))
expect_rc 1 "$E" verify-signature junk.signed --pub p256.pub
expect_err "junk.signed: the signature sector is at byte $F, but a device reads it at byte $at"
expect_err_lines 1
grep -qF "signature sector at byte $F, NOT where a device reads it: at byte $at, after the app's layout (which ends at byte $L)" out.txt &&
    pass || fail "verify-signature of a misplaced sector: $(cat out.txt)"
grep -q "verified with" out.txt && fail "a misplaced block verified: $(cat out.txt)" || pass
expect_rc 1 "$E" verify-signature junk.signed --pub p256.pub --json
expect_json verified false
expect_json sector_offset "$F"
expect_json device_offset "$at"
expect_json layout_end "$L"
expect_json blocks.0.verified false
expect_json blocks.0.scheme ecdsa-p256
expect_rc 1 "$E" info junk.signed
expect_err "its signature sector is at byte $F, but a device reads it at byte $at"
grep -qF "signature     1 block at byte $F, NOT where a device reads them (at byte $at" out.txt &&
    pass || fail "info of a misplaced sector: $(cat out.txt)"
grep -qE "^  block 0     ecdsa-p256, key digest $d1, does not cover this app" out.txt && pass ||
    fail "info: a misplaced block covers the app: $(cat out.txt)"
expect_rc 1 "$E" info --json junk.signed
expect_json app.signed false
expect_json app.sector_offset "$F"
expect_json app.device_offset "$at"
expect_json app.signature_blocks.0.digest_matches false
# inside an image: authentic, but not signed where a device reads
expect_rc 0 "$E" encrypt junk.signed "$K/device_pub_key.pem" junk.img
expect_rc 1 "$E" verify junk.img "$K/device_hmac_key.bin" --pub p256.pub
expect_err "but a device reads it at byte $at"
expect_rc 0 "$E" verify --json junk.img "$K/device_hmac_key.bin"
expect_json app.signed false
expect_json app.sector_offset "$F"
expect_json warnings.0 "the app inside: its signature sector is not where a device reads it, after the app's layout (a device with Secure Boot refuses it)"
# the same signer over the app alone: the sector is where a device reads it
whole lay.bin p256.pem lay.signed
expect_rc 0 "$E" verify-signature lay.signed --pub p256.pub
grep -qF "signature sector at byte $at, where a device reads it: after the app's layout (which ends at byte $L)" out.txt &&
    pass || fail "verify-signature: $(cat out.txt)"
expect_rc 0 "$E" verify-signature lay.signed --pub p256.pub --json
expect_json sector_offset "$at"
expect_json device_offset "$at"
expect_json layout_end "$L"
expect_rc 0 "$E" info --json lay.signed
expect_json app.signed true
expect_json app.sector_offset "$at"
expect_json app.device_offset "$at"
# bytes after the layout within its last sector: a device hashes them too, so they are signed
{ cat lay.bin; printf 'tail'; } >short.bin
whole short.bin p256.pem short.signed
expect_rc 0 "$E" verify-signature short.signed --pub p256.pub
expect_rc 0 "$E" sign short.bin --key p256.pem -o short.ours
expect_rc 0 "$E" verify-signature short.ours --pub p256.pub
# the sector where a device reads it, then more bytes: not what a signed app is
{ cat lay.signed; head -c 5000 /dev/zero; } >after.signed
expect_rc 1 "$E" verify-signature after.signed --pub p256.pub
expect_err "5000 bytes follow the signature sector at byte $at"
expect_rc 0 "$E" info --json after.signed
expect_json app.signed false
# sign refuses what a device could not boot, naming the layout's end and the input's size
expect_rc 1 "$E" sign junk.bin --key p256.pem -o x
expect_err "junk.bin: the app's layout ends at byte $L, but the input has $((L + 10000)) bytes"
expect_err "Sign the app alone, its first $L bytes"
expect_absent x
expect_rc 1 "$E" encrypt junk.bin "$K/device_pub_key.pem" x.img --sign-key p256.pem
expect_err "the app's layout ends at byte $L"
expect_absent x.img
expect_rc 0 "$E" sign lay.bin --key p256.pem -o lay.ours --json
expect_size lay.ours $((at + 4096))
expect_json layout_end "$L"
expect_json app_size "$at"
expect_rc 0 "$E" verify-signature lay.ours --pub p256.pub
# no app layout (not an app binary): its last 4096 bytes are read, and it says so
make_input blob.bin 30000
whole blob.bin p256.pem blob.signed
expect_rc 0 "$E" verify-signature blob.signed --pub p256.pub
grep -qF "signature sector at byte 32768, the last 4096 bytes: IN has no app layout" out.txt &&
    pass || fail "verify-signature, not an app: $(cat out.txt)"
expect_rc 0 "$E" verify-signature blob.signed --pub p256.pub --json
expect_json layout_end null
expect_json device_offset 32768
finish
