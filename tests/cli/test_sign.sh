#!/usr/bin/env bash
# Secure Boot V2: sign (1 to 3 blocks, --append), verify-signature, digest, keygen ecc384; every
# flipped bit found; and, where ../shared/third_party has esptool, Espressif's espsecure agrees
# both ways (its signatures verify here, ours verify there, the key digests are the same).
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
JG=${EEI_JSON_GET:?}

# signing keys of every kind: RSA-3072 (the demo key), P-256, P-384
expect_rc 0 "$E" keygen ecc --out-dir p256
expect_rc 0 "$E" keygen ecc384 --out-dir p384
expect_mode p384/ecc384_priv_key.pem 600
cp "$K/rsa_priv_key.pem" rsa.pem
cp "$K/rsa_pub_key.pem" rsa.pub
cp p256/ecc_priv_key.pem p256.pem
cp p256/ecc_pub_key.pem p256.pub
cp p384/ecc384_priv_key.pem p384.pem
cp p384/ecc384_pub_key.pem p384.pub
expect_rc 0 "$E" keygen ecc384 --out-dir p384_2
# a P-384 key signs; nothing is encrypted to it
printf 'fw' >small.bin
expect_rc 3 "$E" encrypt small.bin p384.pub x.img
expect_err "P-384 key only signs"

make_input app.bin 10000
for k in rsa p256 p384; do
    expect_rc 0 "$E" sign app.bin --key $k.pem -o app.$k.signed
    expect_size app.$k.signed $((12288 + 4096))
    # the app, its 0xFF padding, then the sector
    cmp -s <(head -c 10000 app.$k.signed) app.bin && pass || fail "$k: the app is not unchanged"
    [ "$(tail -c +10001 app.$k.signed | head -c 2288 | tr -d '\377' | wc -c)" = 0 ] && pass ||
        fail "$k: the padding is not 0xFF"
    expect_rc 0 "$E" verify-signature app.$k.signed --pub $k.pub
    grep -q "block 0: .*: verified with $k.pub" out.txt && pass || fail "$k: $(cat out.txt)"
    # another key of the same kind does not verify it
    expect_rc 1 "$E" verify-signature app.$k.signed --pub p384_2/ecc384_pub_key.pem
    expect_err "no signature block verifies with the keys given"
    # the eFuse digest the block names is the key's
    expect_rc 0 "$E" digest $k.pub
    grep -q "key digest $(cat out.txt)" <("$E" verify-signature app.$k.signed --pub $k.pub) && pass ||
        fail "$k: the block's key digest is not digest's"
done
expect_rc 0 "$E" digest p256.pub -o p256.digest
expect_size p256.digest 32
expect_rc 3 "$E" digest p256.pub -o p256.digest
expect_err "exists; use --force"
expect_rc 0 "$E" digest p256.pem --json
grep -q '"digest":"[0-9a-f]\{64\}"' out.txt && pass || fail "digest --json: $(cat out.txt)"
# digest --json (docs/CLI.md): key, digest in hex, output with -o; a failure keeps key and output
expect_json ok true
expect_json key p256.pem
[ "$(jget output)" = "" ] && pass || fail "digest --json without -o: $(cat out.txt)"
hex=$(jget digest)
expect_rc 0 "$E" digest p256.pub -o json.digest --json
expect_json ok true
expect_json output json.digest
expect_json digest "$hex"
[ "$(od -An -tx1 json.digest | tr -d ' \n')" = "$hex" ] && pass || fail "digest -o: not the digest"
[ "$(wc -l <out.txt)" = 1 ] && pass || fail "digest --json: not one line"
expect_rc 3 "$E" digest p256.pub -o json.digest --json
expect_json ok false
expect_json key p256.pub
expect_json output json.digest
jget digest >/dev/null && fail "digest --json kept a digest it did not write" || pass
expect_err "exists; use --force"

# three keys at once; then a block at a time with --append; a fourth is refused
expect_rc 0 "$E" sign app.bin --key rsa.pem --key p256.pem --key p384.pem -o three.signed
expect_rc 0 "$E" verify-signature three.signed --pub rsa.pub --pub p256.pub --pub p384.pub --json
[ "$("$JG" out.txt verified)" = true ] && pass || fail "three blocks: $(cat out.txt)"
for i in 0 1 2; do
    [ "$("$JG" out.txt blocks.$i.verified)" = true ] && pass || fail "block $i: $(cat out.txt)"
done
expect_rc 2 "$E" sign app.bin --key rsa.pem --key p256.pem --key p384.pem --key rsa.pem -o x
expect_err "at most 3 times"
expect_rc 0 "$E" sign app.bin --key rsa.pem -o one.signed
cp one.signed inplace.signed
expect_rc 0 "$E" sign inplace.signed --append --key p256.pem
expect_rc 0 "$E" sign inplace.signed --append --key p384.pem --json
[ "$("$JG" out.txt blocks.2.scheme)" = ecdsa-p384 ] && pass || fail "append --json: $(cat out.txt)"
# sign --json (docs/CLI.md): the paths, the sizes, where the sector is and by which rule, and
# each block's scheme and key digest, as digest says it
expect_json ok true
expect_json input inplace.signed
windows || expect_json output "$T/inplace.signed" # Windows: its own form of the full path
expect_json signed_size 16384
expect_json app_size 12288
expect_json layout_end null # no app layout: its last sector
expect_json blocks 3
expect_json blocks.0.scheme rsa-3072
d384=$(jget blocks.2.key_digest)
expect_rc 0 "$E" digest p384.pub --json
expect_json digest "$d384"
expect_rc 0 "$E" sign app.bin --key p256.pem -o json.signed --json
[ "$(wc -l <out.txt)" = 1 ] && [ ! -s err.txt ] && pass || fail "sign --json: $(cat out.txt err.txt)"
expect_json output json.signed
expect_json signed_size 16384
expect_json blocks 1
expect_rc 2 "$E" sign app.bin --key p256.pem -o - --json
expect_json ok false
expect_json input null
expect_err "OUT must be a file"
expect_rc 0 "$E" verify-signature inplace.signed --pub p384.pub --pub rsa.pub
expect_rc 1 "$E" sign inplace.signed --append --key rsa.pem -o x
expect_err "holds 1 to 3 blocks"
expect_absent x
# espsecure's and imgtool's spellings: --keyfile K and -k K are --key K, --output F is -o F;
# --version 2 is what is made anyway, and any other version is a usage error
expect_rc 0 "$E" sign --version 2 --keyfile p256.pem --output es1.signed app.bin
expect_rc 0 "$E" verify-signature es1.signed --pub p256.pub
expect_rc 0 "$E" sign app.bin -k rsa.pem --keyfile p384.pem --key p256.pem -o es3.signed
expect_rc 0 "$E" verify-signature es3.signed --pub rsa.pub --pub p256.pub --pub p384.pub --json
[ "$("$JG" out.txt blocks.0.scheme)/$("$JG" out.txt blocks.1.scheme)/$("$JG" out.txt blocks.2.scheme)" = \
    rsa-3072/ecdsa-p384/ecdsa-p256 ] && pass || fail "the spellings' blocks, in order: $(cat out.txt)"
expect_rc 2 "$E" sign app.bin -k rsa.pem --keyfile p256.pem --key p384.pem -k rsa.pem -o x
expect_err "at most 3 times"
for v in 1 3 v2 ""; do
    expect_rc 2 "$E" sign app.bin --key rsa.pem --version "$v" -o x
    expect_err "--version $v: this tool makes Secure Boot V2 signature blocks only"
    expect_err_lines 2 # and the --help hint
done
expect_rc 2 "$E" sign app.bin --key rsa.pem --version 1 -o x --json
expect_json ok false
expect_absent x
expect_rc 2 "$E" verify-signature one.signed --pub rsa.pub --version 2
expect_err "does not apply"
expect_rc 2 "$E" digest p256.pub -k p256.pem
expect_err "does not apply"
# appending needs a signed app, signed over what it follows
expect_rc 1 "$E" sign app.bin --append --key rsa.pem -o x
expect_err "sign it without --append"
head -c 12288 /dev/zero | tr '\0' '\377' >padded.bin
expect_rc 1 "$E" sign padded.bin --append --key rsa.pem -o x
expect_err "not a signed app"
cp one.signed changed.signed
flip_byte changed.signed 7
expect_rc 1 "$E" sign changed.signed --append --key p256.pem -o x
expect_err "signs another app"
expect_absent x
# no key, a public key, and a stream where --append needs a file
expect_rc 2 "$E" sign app.bin -o x
expect_rc 3 "$E" sign app.bin --key rsa.pub -o x
expect_err "public key"
cat one.signed | "$E" sign - --append --key rsa.pem -o x 2>err.txt
[ $? = 2 ] && grep -q "must be a file" err.txt && pass || fail "--append from a pipe: $(cat err.txt)"
cat app.bin | "$E" sign - --key p256.pem -o - >stream.signed && pass || fail "sign a stream"
cat stream.signed | "$E" verify-signature - --pub p256.pub >/dev/null && pass ||
    fail "verify-signature of a stream"

# any flipped bit in the app, the padding or the block (digest, key, signature, CRC) gives exit 1
# and one line
size=$(stat -c %s three.signed)
sector=$((size - 4096))
for at in 0 5000 10000 12287 $((sector + 4)) $((sector + 40)) $((sector + 900)) \
    $((sector + 1199)); do
    cp one.signed flip.signed
    [ "$at" -lt "$(stat -c %s flip.signed)" ] || continue
    flip_byte flip.signed "$at" 4
    expect_rc 1 "$E" verify-signature flip.signed --pub rsa.pub
    expect_err_lines 1
done
expect_rc 1 "$E" verify-signature app.bin --pub rsa.pub
expect_err "multiple of 4096"

# file names are shown, never obeyed: a terminal escape or a newline in IN or P is escaped
# (Windows takes no control byte in a file name)
if posix_only "file names with control bytes"; then
    odd=$'odd\e]0;t\a\n'
    shown='odd\x1b]0;t\x07\x0a'
    raw() { grep -q $'\e' out.txt err.txt && fail "an escape reached the terminal: $*" || pass; }
    cp one.signed "$odd.signed"
    cp rsa.pub "$odd.pub"
    expect_rc 0 "$E" verify-signature "$odd.signed" --pub "$odd.pub"
    grep -qF "verified with $shown.pub" out.txt && pass || fail "verify-signature: $(cat out.txt)"
    raw verify-signature
    expect_rc 0 "$E" verify-signature "$odd.signed" --pub "$odd.pub" --json
    expect_json file "$shown.signed"
    expect_json blocks.0.key "$shown.pub"
    expect_rc 1 "$E" verify-signature "$odd.signed" --pub p256.pub
    expect_err "esp_enc_img: $shown.signed: no signature block verifies"
    expect_err_lines 1
    raw verify-signature, not verified
    expect_rc 1 "$E" verify-signature "$odd.pub" --pub p256.pub
    expect_err_lines 1
    raw verify-signature, not signed
    expect_rc 3 "$E" verify-signature "$odd.missing" --pub p256.pub
    expect_err "esp_enc_img: $shown.missing: No such file"
    raw verify-signature, a missing file
    expect_rc 3 "$E" verify-signature one.signed --pub "$odd.missing"
    expect_err "esp_enc_img: $shown.missing"
    expect_err_lines 1
    raw verify-signature, a missing key
    expect_rc 3 "$E" verify-signature one.signed --pub "$odd.missing" --json
    expect_json error "$shown.missing: No such file or directory"
fi

# what a device would not read the way a check does: a signed app signed again, stacked sectors
expect_rc 1 "$E" sign one.signed --key p256.pem -o x
expect_err "signed already"
expect_absent x
expect_rc 1 "$E" encrypt one.signed "$K/rsa_pub_key.pem" x.img --sign-key p256.pem
expect_err "signed already"
expect_absent x.img
cat one.signed <(tail -c 4096 app.p256.signed) >twice.signed
expect_rc 1 "$E" verify-signature twice.signed --pub p256.pub
expect_err "signed twice"
# signing in place keeps the file where a symlink leads, and its mode; stdout gets nothing on failure
cp app.bin target.bin
chmod 640 target.bin
if posix_only "symbolic links made by ln -s"; then
    ln -s target.bin link.bin
    expect_rc 0 "$E" sign link.bin --key p256.pem
    [ -L link.bin ] && pass || fail "the symlink was replaced"
    expect_mode target.bin 640
    expect_rc 0 "$E" verify-signature target.bin --pub p256.pub
fi
cp one.signed changed2.signed
flip_byte changed2.signed 9
"$E" sign changed2.signed --append --key p256.pem -o - >stdout.bin 2>/dev/null
[ $? = 1 ] && [ ! -s stdout.bin ] && pass || fail "a failed sign wrote to stdout"
# a key of a kind Secure Boot V2 does not sign with: the signing reason, not the image format's
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem 2>/dev/null
openssl pkey -in rsa2048.pem -pubout -out rsa2048.pub 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed25519.pem 2>/dev/null
why="Secure Boot V2 signs with RSA-3072, ECDSA P-256 or ECDSA P-384 keys only"
for cmd in "sign app.bin --key rsa2048.pem -o x" "sign app.bin --key rsa.pem --key rsa2048.pem -o x" \
    "verify-signature one.signed --pub rsa2048.pub" "digest rsa2048.pub"; do
    expect_rc 3 "$E" $cmd
    expect_err "rsa2048.$(echo "$cmd" | sed -n 's/.*rsa2048\.\(pem\|pub\).*/\1/p'): RSA-2048 key: $why"
    expect_err_lines 1
    grep -q "wrapped key\|384-byte" err.txt && fail "$cmd: the image format's reason" || pass
done
expect_absent x
expect_rc 3 "$E" sign app.bin --key p521.pem -o x
expect_err "p521.pem: EC key on curve secp521r1: $why"
expect_rc 3 "$E" sign app.bin --key ed25519.pem -o x
expect_err "ed25519.pem: ED25519 key: $why"
expect_absent x
# encrypting keeps its own reason
expect_rc 3 "$E" encrypt app.bin rsa2048.pub x.img
expect_err "384-byte slot"
# an HMAC key (32 raw bytes) does not sign, whatever its name
head -c 32 /dev/urandom >thirtytwo.key
expect_rc 3 "$E" sign app.bin --key thirtytwo.key -o x
expect_err "eFuse HMAC key"
# a key stored with a compressed point signs the same
openssl ec -in p256.pem -conv_form compressed -out p256c.pem 2>/dev/null
expect_rc 0 "$E" sign app.bin --key p256c.pem -o c.signed
expect_rc 0 "$E" verify-signature c.signed --pub p256.pub
expect_rc 0 "$E" digest p256c.pem
cp out.txt dc.txt
expect_rc 0 "$E" digest p256.pub
expect_same out.txt dc.txt

# sign-then-encrypt in one pass: the image holds the signed app
expect_rc 0 "$E" encrypt app.bin "$K/device_pub_key.pem" se.img --sign-key rsa.pem --sign-key p384.pem --json
[ "$("$JG" out.txt signed_size)" = 16384 ] && [ "$("$JG" out.txt output_size)" = 16896 ] && pass ||
    fail "encrypt --sign-key --json: $(cat out.txt)"
expect_rc 0 "$E" decrypt se.img "$K/device_hmac_key.bin" se.bin
expect_size se.bin 16384
cmp -s <(head -c 10000 se.bin) app.bin && pass || fail "sign-then-encrypt: the app changed"
expect_rc 0 "$E" verify-signature se.bin --pub rsa.pub --pub p384.pub
# verify decrypts in memory and checks the tag and the signature, writing nothing
expect_rc 0 "$E" verify se.img "$K/device_hmac_key.bin" --pub p384.pub
grep -q "signed: block 1 (ecdsa-p384) verified with key 1" out.txt && pass || fail "verify --pub: $(cat out.txt)"
expect_rc 0 "$E" verify se.img "$K/device_hmac_key.bin" --pub rsa.pub --json
[ "$("$JG" out.txt signature_verified)" = true ] && [ "$("$JG" out.txt authenticated)" = true ] &&
    pass || fail "verify --pub --json: $(cat out.txt)"
expect_rc 1 "$E" verify se.img "$K/device_hmac_key.bin" --pub p256.pub
expect_err "no signature block of the app verifies"
expect_rc 1 "$E" verify se.img "$K/device_hmac_key.bin" --pub p256.pub --json
[ "$("$JG" out.txt authenticated)" = true ] && [ "$("$JG" out.txt signature_verified)" = false ] &&
    pass || fail "verify --json, authentic but not signed by P: $(cat out.txt)"
expect_rc 0 "$E" encrypt app.bin "$K/device_pub_key.pem" plain.img
expect_rc 1 "$E" verify plain.img "$K/device_hmac_key.bin" --pub rsa.pub
expect_err "not a signed app"
expect_rc 2 "$E" verify se.img --pub rsa.pub
cat app.bin | "$E" encrypt - "$K/rsa_pub_key.pem" - --sign-key p256.pem >pipe.img && pass ||
    fail "encrypt --sign-key from a pipe"
expect_rc 0 "$E" verify pipe.img "$K/rsa_priv_key.pem" --pub p256.pub
expect_rc 3 "$E" encrypt app.bin "$K/device_pub_key.pem" x.img --sign-key rsa.pub
expect_absent x.img
# the app is hashed on one thread while it is encrypted on another, read in pieces of 256 KiB
# (the first 512 bytes shorter: the header's room): a byte, a byte either side of those bounds,
# inputs that end on one. The image holds what 'sign' makes: the same app, padding, digest and
# key, only the signature's random bytes differ (a P-256 block: digest and key in its first 101)
for n in 1 4096 261631 261632 261633 523776 1047040 1310721; do
    make_input pass.bin $n
    expect_rc 0 "$E" encrypt pass.bin "$K/rsa_pub_key.pem" pass.img --sign-key p256.pem
    expect_rc 0 "$E" decrypt pass.img "$K/rsa_priv_key.pem" pass.signed
    expect_rc 0 "$E" sign pass.bin --key p256.pem -o sequential.signed
    expect_size pass.signed "$(stat -c %s sequential.signed)"
    at=$((($n + 4095) / 4096 * 4096 + 101))
    cmp -s <(head -c $at pass.signed) <(head -c $at sequential.signed) && pass ||
        fail "encrypt --sign-key, $n bytes: not the app 'sign' signs"
    expect_rc 0 "$E" verify-signature pass.signed --pub p256.pub
done
rm -f pass.*
# batch signs once, and every device's image holds the signed app
mkdir fleet
cp "$K/device_pub_key.pem" fleet/d1.pem
cp "$K/rsa_pub_key.pem" fleet/d2.pem
cp rsa.pem fleet/sign.pem
printf '{"input": "../app.bin", "sign_key": "sign.pem", "devices": [{"id": "d1", "public_key": "d1.pem"}, {"id": "d2", "public_key": "d2.pem"}]}' >fleet/m.json
expect_rc 0 "$E" batch fleet/m.json --out-dir bout --json
[ "$("$JG" out.txt signed_size)" = 16384 ] && pass || fail "batch signed_size: $(cat out.txt)"
expect_rc 0 "$E" verify bout/d1.bin "$K/device_hmac_key.bin" --pub rsa.pub
expect_rc 0 "$E" verify bout/d2.bin "$K/rsa_priv_key.pem" --pub rsa.pub
printf '{"input": "../app.bin", "sign_key": ["sign.pem", 3], "devices": []}' >fleet/bad.json
expect_rc 3 "$E" batch fleet/bad.json --out-dir bout2
expect_err "sign_key"

# Espressif's espsecure, both ways, when ../shared has it
esptool=$SRC/../shared/third_party/esptool-4.8.1.tar.gz
espsecure() { (cd esptool-4.8.1 && /usr/bin/python3 -m espsecure "$@") >es.out 2>&1; }
if [ -f "$esptool" ] && tar xzf "$esptool" && espsecure --help; then
    for k in rsa p256 p384; do
        # ours verify there, and give the same key digest
        espsecure verify_signature --version 2 --keyfile "$T/$k.pub" "$T/app.$k.signed" &&
            pass || fail "espsecure rejects our $k signature: $(tail -3 es.out)"
        espsecure digest_sbv2_public_key --keyfile "$T/$k.pub" --output "$T/$k.es.digest" &&
            pass || fail "espsecure digest $k: $(tail -3 es.out)"
        "$E" digest $k.pub -o $k.our.digest
        expect_same $k.es.digest $k.our.digest
        # theirs verify here
        espsecure sign_data --version 2 --keyfile "$T/$k.pem" --output "$T/es.$k.signed" \
            "$T/app.bin" && pass || fail "espsecure sign $k: $(tail -3 es.out)"
        expect_rc 0 "$E" verify-signature es.$k.signed --pub $k.pub
    done
    # three blocks made there verify here, block by block; our three blocks verify there
    espsecure sign_data --version 2 --keyfile "$T/rsa.pem" "$T/p256.pem" "$T/p384.pem" \
        --output "$T/es.three.signed" "$T/app.bin" && pass || fail "espsecure 3 keys: $(tail -3 es.out)"
    expect_rc 0 "$E" verify-signature es.three.signed --pub rsa.pub --pub p256.pub --pub p384.pub --json
    [ "$("$JG" out.txt blocks.2.verified)" = true ] && pass || fail "espsecure's third block"
    # (espsecure checks an RSA key against every block, and fails on a P-384 one: two here)
    expect_rc 0 "$E" sign app.bin --key rsa.pem --key p256.pem -o two.signed
    espsecure verify_signature --version 2 --keyfile "$T/rsa.pub" "$T/two.signed" && pass ||
        fail "espsecure rejects our two blocks: $(tail -3 es.out)"
    # a block appended there after ours, and ours after theirs
    espsecure sign_data --version 2 --append_signatures --keyfile "$T/p256.pem" \
        --output "$T/mixed.signed" "$T/one.signed" && pass || fail "espsecure append: $(tail -3 es.out)"
    expect_rc 0 "$E" sign mixed.signed --append --key p384.pem
    expect_rc 0 "$E" verify-signature mixed.signed --pub rsa.pub --pub p256.pub --pub p384.pub --json
    [ "$("$JG" out.txt blocks.1.verified)" = true ] && [ "$("$JG" out.txt blocks.2.verified)" = true ] &&
        pass || fail "mixed blocks: $(cat out.txt)"
else
    echo "SKIP: espsecure cross-checks (need ../shared/third_party/esptool-4.8.1.tar.gz and Debian's ${EEI_ESPSECURE_DEPS:-python3-cryptography python3-ecdsa python3-serial python3-bitstring python3-intelhex})"
fi
finish
