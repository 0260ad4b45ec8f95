#!/usr/bin/env bash
# Signing keys that never leave a PKCS#11 token: SoftHSM2 holds an RSA-3072 and a P-256 key made
# inside it (OpenSC's pkcs11-tool); sign, encrypt --sign-key, batch "sign_key", pubkey and digest
# use them by RFC 7512 URI, and their signatures verify like those of key files (with Espressif's
# espsecure too, where ../shared has it). The PIN never goes on the command line.
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
unset ESP_ENC_IMG_PKCS11_PIN ESP_ENC_IMG_PKCS11_MODULE
printf 'x' >probe.bin
if "$E" sign probe.bin --key "pkcs11:object=x" -o probe.out 2>&1 | grep -q "no PKCS#11 support"; then
    echo "SKIPPED: this build has no PKCS#11 support (libp11-dev was missing when it was built)"
    exit 0
fi

# a URI is read whole before any module is loaded (no token needed): %00 in a text would cut
# it short, an attribute given twice would leave a guess, and its bytes reach messages escaped
for attr in object token serial manufacturer model type; do
    expect_rc 3 "$E" pubkey "pkcs11:$attr=fw%00rsa;id=%01"
    expect_err "the value of $attr holds %00 (a NUL byte): a text ends there"
done
expect_rc 3 "$E" pubkey "pkcs11:object=k?module-path=$T/x%00.so"
expect_err "the value of module-path holds %00"
expect_rc 3 "$E" pubkey "pkcs11:id=%00%01" # an id is bytes: 00 is one of them
expect_err "which module?"
expect_rc 3 "$E" pubkey "pkcs11:object=a;object=b"
expect_err "PKCS#11 URI: object is given twice (RFC 7512: each attribute at most once)"
expect_rc 3 "$E" pubkey "pkcs11:token=t;id=%01;object=k;id=%02"
expect_err "id is given twice"
expect_rc 3 "$E" pubkey "pkcs11:object=a?module-path=$T/a.so&module-path=$T/b.so"
expect_err "module-path is given twice"
expect_rc 3 "$E" pubkey "pkcs11:object=a?x-vendor=1&x-vendor=2" # others may repeat
expect_err "which module?"
esc=$'\e[2J\a\e[31m'
shown='\x1b[2J\x07\x1b[31m'
for uri in "pkcs11:object=k;x${esc}=1" "pkcs11:object=k;x${esc}" "pkcs11:object=k;type=x%1b[2J%07%1b[31m"; do
    expect_rc 3 "$E" pubkey "$uri"
    expect_err "$shown"
    grep -q $'[\e\a]' "$T/err.txt" && fail "control bytes reached the message: $uri" || pass
done
expect_err "type=x$shown, where a signing key is type=private"

module=/usr/lib/softhsm/libsofthsm2.so
if [ ! -f "$module" ] || ! command -v softhsm2-util >/dev/null || ! command -v pkcs11-tool >/dev/null; then
    echo "SKIP: the token checks need SoftHSM2 and OpenSC's pkcs11-tool (Debian: softhsm2 opensc)"
    finish
    exit
fi

# a token of its own, and two key pairs generated inside it
mkdir tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" \
    >softhsm2.conf
export SOFTHSM2_CONF=$T/softhsm2.conf
softhsm2-util --init-token --free --label "release keys" --pin 2468 --so-pin 13579 >/dev/null ||
    fail "setup: softhsm2-util"
p11() { pkcs11-tool --module "$module" --token-label "release keys" --login --pin 2468 "$@"; }
p11 --keypairgen --key-type rsa:3072 --id 01 --label fw-rsa >/dev/null 2>&1 || fail "setup: RSA key"
p11 --keypairgen --key-type EC:prime256v1 --id 02 --label fw-p256 >/dev/null 2>&1 ||
    fail "setup: P-256 key"
printf '2468\n' >pin.txt
rsa="pkcs11:token=release%20keys;object=fw-rsa?module-path=$module"
p256="pkcs11:token=release%20keys;id=%02"
export ESP_ENC_IMG_PKCS11_MODULE=$module

make_input app.bin 70000
# RSA-3072: the PIN from a file; the public half read out of the token
expect_rc 0 "$E" sign app.bin --key "$rsa" --pin-file pin.txt -o rsa.signed
expect_rc 0 "$E" pubkey "$rsa" --pin-file pin.txt -o rsa.pub
expect_rc 0 "$E" verify-signature rsa.signed --pub rsa.pub
expect_rc 0 "$E" digest "$rsa" --pin-file pin.txt --json
rsa_digest=$(jget digest)
expect_rc 0 "$E" digest rsa.pub --json
expect_json digest "$rsa_digest"
# P-256, picked by id: the PIN from the environment
export ESP_ENC_IMG_PKCS11_PIN=2468
expect_rc 0 "$E" sign app.bin --key "$p256" -o p256.signed
expect_rc 0 "$E" pubkey "$p256" -o p256.pub
expect_rc 0 "$E" verify-signature p256.signed --pub p256.pub
# both in one sector, beside a key file: each block verifies with its own key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out file.pem 2>/dev/null
expect_rc 0 "$E" sign app.bin --key "$rsa" --key file.pem --key "$p256" -o three.signed
expect_rc 0 "$E" verify-signature --json three.signed --pub rsa.pub --pub p256.pub
expect_json blocks.0.verified true
expect_json blocks.2.verified true
# sign-then-encrypt, and a fleet
expect_rc 0 "$E" encrypt app.bin "$K/device_pub_key.pem" app.img --sign-key "$p256"
expect_rc 0 "$E" verify app.img "$K/device_hmac_key.bin" --pub p256.pub
mkdir fleet
cp "$K/rsa_pub_key.pem" fleet/d1.pem
printf '{"input": "../app.bin", "sign_key": "%s", "devices": [{"id": "d1", "public_key": "d1.pem"}]}' \
    "$rsa" >fleet/m.json
expect_rc 0 "$E" batch fleet/m.json --out-dir out --quiet
expect_rc 0 "$E" verify out/d1.bin "$K/rsa_priv_key.pem" --pub rsa.pub

# what goes wrong says what to do, and the key stays where it is
unset ESP_ENC_IMG_PKCS11_PIN
expect_rc 3 "$E" sign app.bin --key "$rsa" -o x.signed
expect_err "needs its user PIN: give --pin-file FILE or set \$ESP_ENC_IMG_PKCS11_PIN"
printf '1111\n' >wrong.txt
expect_rc 3 "$E" sign app.bin --key "$rsa" --pin-file wrong.txt -o x.signed
expect_err "refused the PIN"
expect_rc 2 "$E" sign app.bin --key "$rsa&pin-value=2468" -o x.signed
expect_err "a PIN in the URI would be in the command line"
export ESP_ENC_IMG_PKCS11_PIN=2468
expect_rc 3 "$E" sign app.bin --key "pkcs11:token=release%20keys;object=nope" -o x.signed
expect_err "no private key in token 'release keys' has that label"
expect_rc 3 "$E" sign app.bin --key "pkcs11:token=other;object=fw-rsa" -o x.signed
expect_err "no token other in "
expect_rc 3 "$E" sign app.bin --key "pkcs11:token=ot%1b[2Jher;object=fw-rsa" -o x.signed
expect_err "no token ot\x1b[2Jher in "
expect_rc 3 "$E" sign app.bin --key "pkcs11:token=release%20keys;object=fw-rsa;type=public" -o x.signed
expect_err "type=public, where a signing key is type=private"
expect_rc 3 "$E" sign app.bin --key "pkcs11:token=release%20keys;slot-id=3;object=fw-rsa" -o x.signed
expect_err "'slot-id' is not supported"
expect_rc 2 "$E" sign app.bin --key "$rsa&PIN-Source=file:pin.txt" -o x.signed
expect_err "a PIN in the URI"
expect_rc 3 "$E" sign app.bin --key "pkcs11:object=$(printf 'k%.0s' $(seq 300))" -o x.signed
expect_err "the value of object is too long"
expect_rc 3 "$E" sign app.bin --key "pkcs11:object=fw%zzrsa" -o x.signed
expect_err "the value of object is not well percent-encoded"
: >empty.txt
expect_rc 3 "$E" sign app.bin --key "$rsa" --pin-file empty.txt -o x.signed
expect_err "the PKCS#11 PIN is empty: check empty.txt"
# a key of a kind Secure Boot V2 does not sign with: the signing reason
p11 --keypairgen --key-type rsa:2048 --id 03 --label fw-rsa2048 >/dev/null 2>&1 ||
    fail "setup: RSA-2048 key"
expect_rc 3 "$E" sign app.bin --key "pkcs11:token=release%20keys;object=fw-rsa2048" -o x.signed
expect_err "RSA-2048 key: Secure Boot V2 signs with RSA-3072, ECDSA P-256 or ECDSA P-384 keys only"
# the scheme in any case; one module under two names is one module (one session for both keys)
ln -s "$module" alias.so
expect_rc 0 env ESP_ENC_IMG_PKCS11_MODULE="$T/alias.so" "$E" sign app.bin \
    --key "PKCS11:token=release%20keys;object=fw-rsa?module-path=$module" --key "$p256" -o two.signed
expect_rc 0 "$E" verify-signature --json two.signed --pub rsa.pub --pub p256.pub
expect_json blocks.1.verified true
# a URI that names no one token: refused before any PIN is tried
softhsm2-util --init-token --free --label "other keys" --pin 1357 --so-pin 13579 >/dev/null ||
    fail "setup: second token"
expect_rc 3 "$E" sign app.bin --key "pkcs11:object=fw-rsa" -o x.signed
expect_err "2 tokens in"
expect_err "match: name one with token= or serial="
expect_rc 3 env ESP_ENC_IMG_PKCS11_MODULE= "$E" sign app.bin --key "$p256" -o x.signed
expect_err "which module?"
expect_rc 3 "$E" decrypt app.img "$p256" x.bin
expect_err "a key in a PKCS#11 token only signs here"
expect_absent x.signed
expect_absent x.bin

# Espressif's espsecure accepts what the token signed
esptool=$SRC/../shared/third_party/esptool-4.8.1.tar.gz
espsecure() { (cd esptool-4.8.1 && /usr/bin/python3 -m espsecure "$@") >es.out 2>&1; }
if [ -f "$esptool" ] && tar xzf "$esptool" && espsecure --help; then
    for k in rsa p256; do
        espsecure verify_signature --version 2 --keyfile "$T/$k.pub" "$T/$k.signed" && pass ||
            fail "espsecure rejects the token's $k signature: $(tail -3 es.out)"
    done
else
    echo "SKIP: espsecure cross-check (needs ../shared/third_party/esptool-4.8.1.tar.gz)"
fi
finish
