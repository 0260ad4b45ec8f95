#!/usr/bin/env bash
# Key files: every supported encoding, passphrases, and every wrong kind, size or content.
. "$(dirname "$0")/../support/lib.sh"
command -v openssl >/dev/null || { echo "openssl command missing"; exit 1; }
K=$SRC/keys
printf 'some firmware bytes' >p

roundtrip() { # ENC_KEY DEC_KEY [extra args for both]
    local enc=$1 dec=$2
    shift 2
    rm -f img back
    expect_rc 0 "$E" encrypt p "$enc" img "$@"
    expect_rc 0 "$E" decrypt img "$dec" back "$@"
    expect_same p back
}

# private keys in PKCS#1, SEC1 and PKCS#8; public keys in SubjectPublicKeyInfo, PEM and DER
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec_pkcs8.pem 2>/dev/null
openssl pkey -in ec_pkcs8.pem -traditional -out ec_sec1.pem 2>/dev/null
openssl pkey -in ec_pkcs8.pem -pubout -out ec_pub.pem 2>/dev/null
openssl pkey -in ec_pkcs8.pem -pubout -outform DER -out ec_pub.der 2>/dev/null
openssl pkey -in "$K/rsa_priv_key.pem" -out rsa_pkcs8.pem 2>/dev/null
head -1 ec_sec1.pem | grep -q "EC PRIVATE KEY" && pass || fail "SEC1 fixture"
head -1 rsa_pkcs8.pem | grep -q "BEGIN PRIVATE KEY" && pass || fail "PKCS#8 fixture"
roundtrip ec_pub.pem ec_sec1.pem
roundtrip ec_pub.der ec_pkcs8.pem
roundtrip "$K/rsa_pub_key.pem" rsa_pkcs8.pem
roundtrip "$K/rsa_pub_key.pem" "$K/rsa_priv_key.pem"

# passphrase-protected keys: file, environment, missing, wrong
openssl pkey -in "$K/rsa_priv_key.pem" -aes256 -passout pass:s3cret -out rsa_enc.pem 2>/dev/null
openssl pkey -in ec_pkcs8.pem -traditional -aes256 -passout pass:s3cret -out ec_enc.pem 2>/dev/null
printf 's3cret\n' >pass.txt
printf 'nope\n' >wrong.txt
for key in rsa_enc.pem ec_enc.pem; do
    pub=ec_pub.pem
    [ "$key" = rsa_enc.pem ] && pub=$K/rsa_pub_key.pem
    rm -f img back
    expect_rc 0 "$E" encrypt p "$pub" img
    # not asked for: stdin is not a terminal (a pipeline, CI): the message says how to give it
    expect_rc 3 env -u ESP_ENC_IMG_PASSPHRASE "$E" decrypt img "$key" back </dev/null
    expect_err "$key: the key is passphrase-protected"
    expect_err "--passphrase-file"
    expect_err "ESP_ENC_IMG_PASSPHRASE"
    expect_absent back
    expect_rc 0 "$E" decrypt img "$key" back --passphrase-file pass.txt
    expect_same p back
    rm -f back
    expect_rc 0 env ESP_ENC_IMG_PASSPHRASE=s3cret "$E" decrypt img "$key" back
    expect_same p back
    rm -f back
    # set but empty (VAR= in a script) is unset: the message says how to give the passphrase
    expect_rc 3 env ESP_ENC_IMG_PASSPHRASE= "$E" decrypt img "$key" back </dev/null
    expect_err "$key: the key is passphrase-protected"
    expect_err "ESP_ENC_IMG_PASSPHRASE"
    expect_absent back
    expect_rc 3 "$E" decrypt img "$key" back --passphrase-file wrong.txt
    expect_err "wrong passphrase"
    expect_absent back
    expect_rc 0 "$E" pubkey "$key" -p pass.txt
    expect_rc 3 "$E" decrypt img "$key" back --passphrase-file missing.txt
    expect_err "passphrase file"
done

# a passphrase file gives its first line (LF or CRLF), whatever follows; a NUL in that line or
# more than 1024 bytes is refused, saying so; keygen and the others take the same passphrases
printf 's3cret\r\n' >crlf.txt
expect_rc 0 "$E" pubkey rsa_enc.pem -p crlf.txt
{ printf 's3cret\n'; head -c 3000 /dev/zero | tr '\0' y; } >long_file.txt
expect_rc 0 "$E" pubkey rsa_enc.pem -p long_file.txt
printf 's3\0cret\n' >nulbyte.txt
expect_rc 3 "$E" pubkey rsa_enc.pem -p nulbyte.txt
expect_err "passphrase file: nulbyte.txt: its first line holds a NUL byte (byte 3), where the passphrase would end"
expect_rc 3 "$E" keygen ecc -d nul_keys -p nulbyte.txt
expect_err "passphrase file: nulbyte.txt: its first line holds a NUL byte (byte 3)"
expect_absent nul_keys/ecc_priv_key.pem
x1024=$(printf 'x%.0s' $(seq 1024))
printf '%s\n' "$x1024" >p1024.txt
printf '%sx\nshort\n' "$x1024" >p1025.txt
expect_rc 0 "$E" keygen ecc -d k1024 -p p1024.txt
expect_rc 0 "$E" pubkey k1024/ecc_priv_key.pem -p p1024.txt
expect_rc 0 env ESP_ENC_IMG_PASSPHRASE="$x1024" "$E" pubkey k1024/ecc_priv_key.pem
for cmd in "keygen ecc -d k1025" "pubkey k1024/ecc_priv_key.pem"; do
    expect_rc 3 "$E" $cmd -p p1025.txt
    expect_err "passphrase file: p1025.txt: its first line is 1025 bytes long, more than the 1024 a passphrase may have"
done
expect_absent k1025/ecc_priv_key.pem
expect_rc 3 env ESP_ENC_IMG_PASSPHRASE="${x1024}x" "$E" pubkey k1024/ecc_priv_key.pem </dev/null
expect_err "k1024/ecc_priv_key.pem: the passphrase is 1025 bytes long, more than the 1024"
printf '\ns3cret\n' >first_empty.txt
expect_rc 3 "$E" pubkey rsa_enc.pem -p first_empty.txt
expect_err "passphrase file: first_empty.txt: its first line is empty"

# no passphrase given, stdin a terminal: asked there, naming the key, without echo
pty() { python3 "$SRC/tests/support/on_pty.py" "$@"; }
rm -f img back
"$E" encrypt p "$K/rsa_pub_key.pem" img 2>/dev/null
expect_rc 0 pty --answer "Passphrase for rsa_enc.pem: " s3cret -- \
    env -u ESP_ENC_IMG_PASSPHRASE "$E" decrypt img rsa_enc.pem back
expect_err "echo-was-off"
grep -q "s3cret" "$T/out.txt" && fail "the passphrase was echoed: $(cat "$T/out.txt")" || pass
expect_same p back
rm -f back
expect_rc 3 pty --answer "Passphrase for rsa_enc.pem: " nope -- \
    env -u ESP_ENC_IMG_PASSPHRASE "$E" decrypt img rsa_enc.pem back
grep -q "rsa_enc.pem: wrong passphrase" "$T/out.txt" && pass || fail "wrong typed: $(cat "$T/out.txt")"
expect_absent back
expect_rc 3 pty --answer "Passphrase for rsa_enc.pem: " "" -- \
    env -u ESP_ENC_IMG_PASSPHRASE "$E" decrypt img rsa_enc.pem back
grep -q "rsa_enc.pem: no passphrase typed" "$T/out.txt" && pass || fail "none typed: $(cat "$T/out.txt")"
# longer than a key file's passphrase may be: said so, not "no passphrase read"
if not_under_wine "a line of 1500 characters typed at a console (its line is shorter)"; then
    expect_rc 3 pty --answer "Passphrase for rsa_enc.pem: " "$(printf 'x%.0s' $(seq 1500))" -- \
        env -u ESP_ENC_IMG_PASSPHRASE "$E" decrypt img rsa_enc.pem back
    grep -q "rsa_enc.pem: the passphrase typed is 1500 bytes long, more than the 1024" \
        "$T/out.txt" && pass || fail "too long typed: $(tail -c 300 "$T/out.txt")"
fi
expect_absent back
# an empty ESP_ENC_IMG_PASSPHRASE is unset: asked on the terminal
expect_rc 0 pty --answer "Passphrase for rsa_enc.pem: " s3cret -- \
    env ESP_ENC_IMG_PASSPHRASE= "$E" decrypt img rsa_enc.pem back
expect_same p back
rm -f back
# a key that needs none, or a passphrase given otherwise: nobody is asked
for how in "-p pass.txt" ""; do
    rm -f back
    key=rsa_enc.pem
    [ -z "$how" ] && key=$K/rsa_priv_key.pem
    expect_rc 0 pty -- env -u ESP_ENC_IMG_PASSPHRASE "$E" decrypt img "$key" back $how
    grep -q "Passphrase" "$T/out.txt" && fail "asked with '$how'" || pass
done
expect_rc 0 pty -- env ESP_ENC_IMG_PASSPHRASE=s3cret "$E" pubkey rsa_enc.pem
grep -q "Passphrase" "$T/out.txt" && fail "asked with ESP_ENC_IMG_PASSPHRASE" || pass

# wrong sizes and kinds, with exit code and message
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed25519.pem 2>/dev/null
openssl pkey -in rsa2048.pem -pubout -out rsa2048_pub.pem 2>/dev/null
for key in rsa2048.pem rsa2048_pub.pem; do
    expect_rc 3 "$E" encrypt p "$key" img2
    expect_err "RSA-2048 key"
    expect_err "384-byte slot"
    expect_absent img2
done
expect_rc 3 "$E" decrypt "$V/kat/rsa_4099.bin" rsa2048.pem back2
expect_err "384-byte slot"
expect_absent back2
# P-384 keys sign (Secure Boot V2) but no image is encrypted to one; other curves are refused
expect_rc 3 "$E" encrypt p p384.pem img2
expect_err "P-384 key only signs"
expect_rc 3 "$E" decrypt "$V/kat/ecies_17.bin" p384.pem back2
expect_err "P-384 key only signs"
expect_rc 3 "$E" encrypt p p521.pem img2
expect_err "secp521r1"
expect_err "only P-256"
expect_rc 3 "$E" encrypt p ed25519.pem img2
expect_err "ED25519 key: only RSA-3072 and P-256"
expect_absent img2

# the 32-byte HMAC key is the chip's eFuse secret: encrypt refuses it as KEY, says so and says
# what to give instead; its public key (what pubkey derives from it) works
cp "$K/device_hmac_key.bin" secret.key # the name does not matter: 32 raw bytes are that secret
for key in "$K/device_hmac_key.bin" secret.key; do
    expect_rc 3 "$E" encrypt p "$key" img2
    expect_err "$key: KEY is a secret: the 32-byte HMAC key 'keygen hmac' writes"
    expect_err "give the device's public key instead (device_pub_key.pem, or 'esp_enc_img pubkey $key' prints it)"
    expect_err_lines 1
    expect_absent img2
done
"$E" pubkey secret.key >secret_pub.pem
expect_rc 0 "$E" encrypt p secret_pub.pem img2
expect_rc 0 "$E" decrypt img2 secret.key back2
expect_same p back2
rm -f img2 back2

# an HMAC key file of the wrong size, empty, garbage, a directory, missing, unreadable
head -c 31 /dev/urandom >short.bin
head -c 33 /dev/urandom >long.bin
: >empty.pem
head -c 500 /dev/urandom >garbage.pem
expect_rc 3 "$E" encrypt p short.bin img2
expect_err "exactly 32 bytes; this file has 31"
expect_rc 3 "$E" encrypt p long.bin img2
expect_err "this file has 33"
expect_rc 3 "$E" encrypt p empty.pem img2
expect_err "empty.pem: the key file is empty"
expect_rc 3 "$E" encrypt p garbage.pem img2
expect_err "garbage.pem: not a key"
expect_rc 3 "$E" encrypt p . img2
expect_err "is a directory"
expect_rc 3 "$E" encrypt p nonexistent.pem img2
expect_err "nonexistent.pem: No such file or directory"
expect_absent img2
# a certificate is not a key: said so, with how to take its public key out (which then works)
openssl req -x509 -new -key ec_pkcs8.pem -subj /CN=dev -days 1 -out cert.pem 2>/dev/null
openssl x509 -in cert.pem -outform DER -out cert.der 2>/dev/null
expect_rc 3 "$E" encrypt p cert.pem img2
expect_err "cert.pem: not a key but an X.509 certificate: its public key is what 'openssl x509 -in cert.pem -pubkey -noout > pub.pem' writes"
expect_err_lines 1
expect_rc 3 "$E" pubkey cert.der
expect_err "cert.der: not a key but an X.509 certificate: its public key is what 'openssl x509 -inform DER -in cert.der -pubkey -noout > pub.pem' writes"
expect_absent img2
openssl x509 -in cert.pem -pubkey -noout >cert_pub.pem
expect_rc 0 "$E" encrypt p cert_pub.pem img2
rm -f img2
# the HMAC key written as 64 hex digits (one line or xxd -p's two, LF or CRLF, any case, any
# name): said so, with how to write the 32 bytes (which then work)
hex=$(od -An -tx1 -v "$K/device_hmac_key.bin" | tr -d ' \n')
"$E" encrypt p "$K/device_pub_key.pem" img 2>/dev/null
printf '%s' "$hex" >hmac.hex
printf '%s\n' "$hex" >hmac.txt
printf '%s\r\n' "$hex" | tr a-f A-F >hmac_key.bin
xxd -p "$K/device_hmac_key.bin" >hmac2.hex
rm -f back
for key in hmac.hex:hmac.bin hmac.txt:hmac.bin hmac_key.bin:hmac_key_raw.bin hmac2.hex:hmac2.bin; do
    expect_rc 3 "$E" decrypt img "${key%%:*}" back
    expect_err "${key%%:*}: looks like the 32-byte HMAC key written as 64 hex digits; a key file holds the 32 bytes themselves: 'xxd -r -p ${key%%:*} ${key#*:}' writes them"
    expect_absent back
done
printf '%s0\n' "$hex" >hex65.txt # one digit too many: just not a key
expect_rc 3 "$E" decrypt img hex65.txt back
expect_err "hex65.txt: not a key: expected"
xxd -r -p hmac2.hex hmac2.bin
expect_rc 0 "$E" decrypt img hmac2.bin back
expect_same p back
rm -f back

# a public key cannot decrypt
"$E" encrypt p "$K/device_pub_key.pem" img
expect_rc 3 "$E" decrypt img "$K/device_pub_key.pem" back3
expect_err "a public key cannot decrypt"
expect_absent back3
# the wrong scheme for the image is a rejected image, exit 1
expect_rc 1 "$E" decrypt img "$K/rsa_priv_key.pem" back3
expect_err "wrong key for this image"
expect_absent back3
# --verbose adds the library's error queue, without it one line only
expect_rc 3 "$E" encrypt p garbage.pem img2
expect_err_lines 1
finish
