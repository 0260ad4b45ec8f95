#!/usr/bin/env bash
# Mistakes a new user makes, each with the message it now gets: one row per mistake, the exit
# status and a part of what stderr says. The rows are the cases that got no clear answer before
# (an empty input encrypted, "bad magic" for an app, "not a key" for a certificate, ...).
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys

make_min_app app.bin
"$E" encrypt app.bin "$K/device_pub_key.pem" app.img
"$E" keygen ecc --out-dir sk >/dev/null
: >empty.bin
{ printf '\177ELF\002\001\001'; head -c 2000 /dev/urandom; } >app.elf
"$E" encrypt app.elf "$K/rsa_pub_key.pem" elf.img 2>/dev/null
{ printf '\075\270\363\226'; head -c 2000 /dev/zero; } >mcuboot.bin
# random bytes, but for the first: one in 256 random files starts with an app's 0xE9
{ printf '\132'; head -c 4095 /dev/urandom; } >flash_encrypted.bin
openssl req -x509 -newkey rsa:3072 -nodes -keyout cert_key.pem -subj /CN=dev -out cert.pem 2>/dev/null
od -An -tx1 -v "$K/device_hmac_key.bin" | tr -d ' \n' >hmac.hex && echo >>hmac.hex
head -c 295 app.bin >app.bin.cut
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem 2>/dev/null

# exit | what stderr says | the command line (words split on spaces)
while IFS='|' read -r want says line; do
    [ -n "$line" ] || continue
    # shellcheck disable=SC2086 # the words of the row's command line
    run "$E" $line
    [ "$rc" = "$want" ] && pass || fail "'$line': exit $rc, wanted $want ($(head -c 300 "$T/err.txt"))"
    expect_err "$says"
done <<EOF
3|empty.bin is empty: there is no firmware to encrypt|encrypt empty.bin $K/rsa_pub_key.pem out.img
4|app.elf is an ELF file|encrypt app.elf $K/rsa_pub_key.pem out.img --strict
2|KEY and OUT are positional, not --key and -o: 'esp_enc_img encrypt app.bin $K/rsa_pub_key.pem out.img'|encrypt --key $K/rsa_pub_key.pem -o out.img app.bin
1|it is a plain app binary (0xE9), not an encrypted image: there is nothing to decrypt|decrypt app.bin $K/device_hmac_key.bin out.bin
1|it is an MCUboot image|decrypt mcuboot.bin $K/device_hmac_key.bin out.bin
1|the bytes look random: if it is a flash encryption image|decrypt flash_encrypted.bin $K/device_hmac_key.bin out.bin
1|it is a plain app binary (0xE9)|verify app.bin
4|the decrypted payload is not an ESP app binary|verify elf.img $K/rsa_priv_key.pem --strict
3|not a key but an X.509 certificate|encrypt app.bin cert.pem out.img
3|openssl x509|encrypt app.bin cert.pem out.img
3|xxd -r -p|decrypt app.img hmac.hex out.bin
3|Secure Boot V2 signs with RSA-3072, ECDSA P-256 or ECDSA P-384 keys only|sign app.bin --key rsa2048.pem -o signed.bin
3|Secure Boot V2 signs with RSA-3072, ECDSA P-256 or ECDSA P-384 keys only|encrypt app.bin $K/rsa_pub_key.pem out.img --sign-key rsa2048.pem
2|Secure Boot V2|sign app.bin --keyfile sk/ecc_priv_key.pem --version 1 --output signed.bin
4|the app is broken, a device refuses it: truncated|encrypt app.bin.cut $K/rsa_pub_key.pem out.img --strict
EOF

# espsecure's and imgtool's spellings of sign are taken where they mean the same
for line in "sign app.bin --keyfile sk/ecc_priv_key.pem --version 2 --output s1.bin" \
    "sign app.bin -k sk/ecc_priv_key.pem -o s2.bin"; do
    # shellcheck disable=SC2086
    expect_rc 0 "$E" $line
done
expect_rc 0 "$E" verify-signature s2.bin --pub sk/ecc_pub_key.pem

# the commands that produce something answer in JSON too
for line in "keygen ecc --out-dir k1 --json" "pubkey $K/rsa_priv_key.pem -o pub.pem --json" \
    "decrypt app.img $K/device_hmac_key.bin plain.bin --json"; do
    # shellcheck disable=SC2086
    run "$E" $line
    [ "$rc" = 0 ] && pass || fail "'$line': exit $rc"
    expect_json ok true
done
# help COMMAND is that command's help, not the tool's
expect_rc 0 "$E" help encrypt
grep -q "^Usage: esp_enc_img encrypt" "$T/out.txt" && pass || fail "help encrypt: $(head -2 "$T/out.txt")"
finish
