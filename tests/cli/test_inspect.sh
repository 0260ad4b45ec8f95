#!/usr/bin/env bash
# info, verify, encrypt --json, pubkey formats, and the progress line: text, JSON, exit codes.
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys

make_input app.bin 100003
"$E" encrypt app.bin "$K/device_pub_key.pem" ecies.img
"$E" encrypt app.bin "$K/rsa_pub_key.pem" rsa.img
app_sha=$(sha256sum app.bin | cut -d' ' -f1)

# info: text and JSON for both schemes
expect_rc 0 "$E" info ecies.img
grep -q "^scheme        ecies-p256 (inferred: a point on P-256, a salt, then zeros)$" out.txt &&
    pass || fail "info text scheme"
grep -q "^payload size  100003$" out.txt && pass || fail "info text payload"
grep -q "(on the curve)" out.txt && pass || fail "info text point"
expect_rc 0 "$E" info --json ecies.img
expect_json ok true
expect_json scheme ecies-p256
expect_json payload_size 100003
expect_json file_size 100515
expect_json size_matches true
expect_json server_key_on_curve true
expect_json reserved_zero true
expect_json warnings 0
[ "$(jget iv)" = "$(od -An -tx1 -j388 -N16 ecies.img | tr -d ' \n')" ] && pass || fail "iv"
[ "$(jget auth_tag)" = "$(od -An -tx1 -j408 -N16 ecies.img | tr -d ' \n')" ] && pass || fail "tag"
[ "$(jget server_public_key)" = "04$(od -An -tx1 -j4 -N64 ecies.img | tr -d ' \n')" ] && pass ||
    fail "server_public_key"
[ "$(jget kdf_salt)" = "$(od -An -tx1 -j68 -N32 ecies.img | tr -d ' \n')" ] && pass || fail "salt"
expect_rc 0 "$E" info --json - <rsa.img
expect_json scheme rsa-3072
expect_json file stdin
expect_json file_size 100515
jget server_public_key >/dev/null && fail "RSA has no server key" || pass

# info on broken files: exit 1 with the reason, in text and JSON
head -c 300 rsa.img >short.img
expect_rc 1 "$E" info short.img
expect_err "shorter than the 512-byte header"
expect_rc 1 "$E" info --json short.img
expect_json ok false
expect_json error "short.img: shorter than the 512-byte header"
head -c 1000 /dev/zero >zeros.img
expect_rc 1 "$E" info zeros.img
expect_err "bad magic"
cat rsa.img app.bin >long.img
expect_rc 1 "$E" info --json long.img
expect_json size_matches false
expect_err "trailing data"
# an endless input: a bad magic is final, and so is one byte past the declared length
expect_rc 1 timeout 20 "$E" info /dev/zero
expect_err "bad magic"
expect_rc 1 timeout 20 "$E" verify /dev/zero
expect_err "bad magic"
expect_rc 1 timeout 20 bash -c "cat rsa.img /dev/zero | '$E' info -"
expect_err "trailing data"
expect_rc 1 timeout 20 bash -c "cat rsa.img /dev/zero | '$E' verify -"
expect_err "trailing data"
# the device ignores the 288 bytes after the ECIES salt: an image with bytes there decrypts with
# the device's key, as on the device; info says the scheme is inferred and not sure
cp "$V/kat/ecies_4099.bin" odd.img
printf '\x5a' | dd of=odd.img bs=1 seek=$((4 + 64 + 32 + 10)) conv=notrunc 2>/dev/null
expect_rc 0 "$E" decrypt odd.img "$V/kat/hmac_key.bin" odd.bin
expect_same odd.bin "$V/kat/plain_4099.bin"
expect_rc 0 "$E" verify odd.img "$V/kat/hmac_key.bin"
expect_rc 0 "$E" info --json odd.img
expect_json scheme ecies-p256
expect_json scheme_sure false
[ "$(jget warnings)" = 1 ] && pass || fail "no warning for the odd key block"
# with the other scheme's key it is refused, and the message says what the image looks like
expect_rc 1 "$E" decrypt "$V/kat/ecies_4099.bin" "$V/kat/rsa_private.pem" x.bin
expect_err "wrong key for this image: it looks like an ecies-p256 image and the key is for rsa-3072"
expect_rc 1 "$E" decrypt "$V/kat/rsa_4099.bin" "$V/kat/hmac_key.bin" x.bin
expect_err "wrong key for this image: it looks like an rsa-3072 image"
expect_absent x.bin
cp ecies.img unknown.img # zero the point: 288 zero bytes and no point fit neither scheme
dd if=/dev/zero of=unknown.img bs=1 seek=4 count=64 conv=notrunc 2>/dev/null
expect_rc 1 "$E" info --json unknown.img
expect_json scheme unknown
expect_err "fits neither scheme"

expect_rc 3 "$E" info missing.img
expect_rc 2 "$E" info
expect_rc 2 "$E" info a b

# verify: structure without a key, authenticity with one; nothing written anywhere
mkdir quiet && cd quiet
expect_rc 0 "$E" verify ../ecies.img
grep -q "valid structure: ecies-p256, 100003 payload bytes" ../out.txt && pass || fail "verify text"
expect_rc 0 "$E" verify ../ecies.img "$K/device_hmac_key.bin"
grep -q "authentic: ecies-p256, 100003 payload bytes, plaintext sha256 $app_sha" ../out.txt &&
    pass || fail "verify KEY text"
expect_only .
cd ..
expect_rc 0 "$E" verify --json rsa.img "$K/rsa_priv_key.pem"
expect_json authenticated true
expect_json plaintext_sha256 "$app_sha"
expect_json payload_size 100003
fp=$(openssl pkey -pubin -in "$K/rsa_pub_key.pem" -outform DER | sha256sum | cut -d' ' -f1)
expect_json key_fingerprint "$fp"
# --no-hash: the tag is still checked, the plaintext hash is not computed
expect_rc 0 "$E" verify --json --no-hash rsa.img "$K/rsa_priv_key.pem"
expect_json authenticated true
jget plaintext_sha256 >/dev/null && fail "--no-hash still hashed" || pass
expect_rc 1 "$E" verify --no-hash "$V/negative/rsa-body-last.bin" "$V/kat/rsa_private.pem"
expect_err "authentication failed"
expect_rc 2 "$E" verify --no-hash rsa.img
expect_rc 1 "$E" verify rsa.img "$V/kat/rsa_private.pem"
expect_err "cannot unwrap the AES key"
expect_rc 1 "$E" verify --json ecies.img "$K/rsa_priv_key.pem"
expect_json authenticated false
expect_rc 3 "$E" verify ecies.img "$K/device_pub_key.pem"
expect_err "a public key cannot decrypt"
expect_rc 1 "$E" verify - "$K/device_hmac_key.bin" <long.img
expect_err "stdin: trailing data"
expect_rc 2 "$E" verify
expect_rc 2 "$E" verify a b c

# encrypt --json: the summary of what was written
expect_rc 0 "$E" encrypt app.bin "$K/device_pub_key.pem" sum.img --json
expect_json ok true
expect_json scheme ecies-p256
expect_json input_size 100003
expect_json output_size 100515
expect_json input_sha256 "$app_sha"
expect_json output_sha256 "$(sha256sum sum.img | cut -d' ' -f1)"
fp=$(openssl pkey -pubin -in "$K/device_pub_key.pem" -outform DER | sha256sum | cut -d' ' -f1)
expect_json key_fingerprint "$fp"
expect_rc 3 "$E" encrypt app.bin junk.pem x.img --json
expect_json ok false
expect_rc 2 "$E" encrypt app.bin "$K/rsa_pub_key.pem" - --json

# pubkey formats: DER as the device exports it, C for embedding
expect_rc 0 "$E" pubkey --format der "$V/kat/hmac_key.bin" -o kat.der
expect_same kat.der "$V/kat/hmac_device_pub.der"
expect_rc 0 "$E" pubkey --format der "$K/rsa_priv_key.pem" -o rsa.der
openssl pkey -pubin -inform DER -in rsa.der -out rsa_from_der.pem 2>/dev/null
expect_same rsa_from_der.pem "$K/rsa_pub_key.pem"
expect_rc 0 "$E" pubkey --format c --name kat_pub "$V/kat/hmac_key.bin" -o kat_pub.c
cat >main.c <<'C'
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
extern const uint8_t kat_pub[];
extern const size_t kat_pub_len;
int main(void) { return fwrite(kat_pub, 1, kat_pub_len, stdout) == kat_pub_len ? 0 : 1; }
C
if cc -Wall -Werror -o embed main.c kat_pub.c; then pass; else fail "the C output does not compile"; fi
./embed >embedded.der && expect_same embedded.der "$V/kat/hmac_device_pub.der"
# --format device: what esp_encrypted_img_export_public_key() returns: PKCS#1 for RSA
expect_rc 0 "$E" pubkey --format device "$K/rsa_priv_key.pem" -o rsa.device
expect_size rsa.device 398
openssl rsa -RSAPublicKey_in -inform DER -in rsa.device -pubout -out rsa_from_device.pem 2>/dev/null
expect_same rsa_from_device.pem "$K/rsa_pub_key.pem"
expect_rc 0 "$E" pubkey --format device "$V/kat/hmac_key.bin" -o kat.device
expect_same kat.device "$V/kat/hmac_device_pub.der"
expect_rc 2 "$E" pubkey --format xml "$K/rsa_pub_key.pem"
expect_rc 2 "$E" pubkey --format c --name 9bad "$K/rsa_pub_key.pem"
expect_rc 2 "$E" pubkey --name ok_name "$K/rsa_pub_key.pem"
expect_rc 3 "$E" pubkey --format der "$K/rsa_pub_key.pem" -o kat.der
expect_err "exists; use --force"

# the progress line: on a terminal for inputs over 64 MiB, never with --quiet or off a terminal
truncate -s 70M big.bin
on_terminal tty.txt "'$E' encrypt --max-size 80M big.bin '$K/rsa_pub_key.pem' big.img"
grep -q "encrypt: .* MiB" tty.txt && pass || fail "no progress line on a terminal"
on_terminal tty.txt "'$E' encrypt --max-size 80M --quiet big.bin '$K/rsa_pub_key.pem' big2.img"
grep -q "MiB" tty.txt && fail "progress despite --quiet" || pass
expect_rc 0 "$E" encrypt --max-size 80M big.bin "$K/rsa_pub_key.pem" big3.img
grep -q "MiB" "$T/err.txt" && fail "progress off a terminal" || pass
on_terminal tty.txt "'$E' encrypt app.bin '$K/rsa_pub_key.pem' small.img"
grep -q "MiB" tty.txt && fail "progress for a small input" || pass
on_terminal tty.txt "'$E' verify --max-size 80M big.img '$K/rsa_priv_key.pem'"
grep -q "verify: .* MiB" tty.txt && pass || fail "no verify progress"
rm -f big*.bin big*.img
finish
