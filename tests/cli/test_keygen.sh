#!/usr/bin/env bash
# keygen: files, modes, refusal to overwrite, --force, the Python tool's spellings.
. "$(dirname "$0")/../support/lib.sh"

for kind in rsa:rsa_priv_key.pem:rsa_pub_key.pem hmac:device_hmac_key.bin:device_pub_key.pem \
    ecc:ecc_priv_key.pem:ecc_pub_key.pem; do
    IFS=: read -r k secret public <<<"$kind"
    d="$T/$k"
    mkdir "$d"
    expect_rc 0 "$E" keygen "$k" --out-dir "$d"
    expect_mode "$d/$secret" 600
    expect_mode "$d/$public" 644
    expect_only "$d" "$secret" "$public"
    # the public file is the public half of the secret one
    expect_rc 0 "$E" pubkey "$d/$secret"
    expect_same "$T/out.txt" "$d/$public"
    # a key made here encrypts and decrypts
    printf 'firmware' >"$T/p"
    expect_rc 0 "$E" encrypt "$T/p" "$d/$public" "$T/i"
    expect_rc 0 "$E" decrypt "$T/i" "$d/$secret" "$T/b"
    expect_same "$T/p" "$T/b"

    # never overwritten without --force: both files stay as they were
    cp -p "$d/$secret" "$T/secret.before"
    cp -p "$d/$public" "$T/public.before"
    expect_rc 3 "$E" keygen "$k" --out-dir "$d"
    expect_err "exists; use --force"
    expect_same "$d/$secret" "$T/secret.before"
    expect_same "$d/$public" "$T/public.before"
    # only the public file exists: still refused, and no secret file is created
    rm "$d/$secret"
    expect_rc 3 "$E" keygen "$k" --out-dir "$d"
    expect_absent "$d/$secret"
    expect_only "$d" "$public"
    expect_rc 0 "$E" keygen "$k" --out-dir "$d" --force
    expect_differ "$d/$public" "$T/public.before"
    expect_mode "$d/$secret" 600
    expect_only "$d" "$secret" "$public"
done
expect_size "$T/hmac/device_hmac_key.bin" 32
head -1 "$T/rsa/rsa_priv_key.pem" | grep -q "BEGIN RSA PRIVATE KEY" && pass || fail "RSA key not PKCS#1"
head -1 "$T/ecc/ecc_priv_key.pem" | grep -q "BEGIN EC PRIVATE KEY" && pass || fail "EC key not SEC1"
openssl pkey -pubin -in "$T/rsa/rsa_pub_key.pem" -text -noout | grep -q "3072 bit" && pass || fail "not RSA-3072"
openssl pkey -pubin -in "$T/ecc/ecc_pub_key.pem" -text -noout | grep -q "prime256v1" && pass || fail "not P-256"

# --force replaces a pair together or not at all: when the public file cannot be written (here
# a folder stands in its place), the old private key is still there, byte for byte
d=$T/pair && mkdir "$d"
"$E" keygen rsa --out-dir "$d" >/dev/null
cp "$d/rsa_priv_key.pem" "$T/old_secret"
rm "$d/rsa_pub_key.pem" && mkdir "$d/rsa_pub_key.pem"
expect_rc 3 "$E" keygen rsa --out-dir "$d" --force
expect_err "rsa_pub_key.pem"
expect_same "$d/rsa_priv_key.pem" "$T/old_secret"
expect_only "$d" rsa_priv_key.pem rsa_pub_key.pem
# and when both can be written, both change
rmdir "$d/rsa_pub_key.pem" && "$E" pubkey "$d/rsa_priv_key.pem" -o "$d/rsa_pub_key.pem"
cp "$d/rsa_pub_key.pem" "$T/old_public"
expect_rc 0 "$E" keygen rsa --out-dir "$d" --force
expect_differ "$d/rsa_priv_key.pem" "$T/old_secret"
expect_differ "$d/rsa_pub_key.pem" "$T/old_public"
expect_rc 0 "$E" pubkey "$d/rsa_priv_key.pem"
expect_same "$T/out.txt" "$d/rsa_pub_key.pem"
expect_only "$d" rsa_priv_key.pem rsa_pub_key.pem

# a missing output directory is created, private to the owner
expect_rc 0 "$E" keygen hmac --out-dir "$T/new/secrets"
expect_mode "$T/new/secrets" 700
expect_mode "$T/new/secrets/device_hmac_key.bin" 600
# one that cannot be created is a file error that names it
: >"$T/plainfile"
expect_rc 3 "$E" keygen hmac --out-dir "$T/plainfile/sub"
expect_err "$T/plainfile/sub"

# esp_enc_img_gen.py spellings: current directory, same file names
mkdir "$T/compat" && cd "$T/compat"
expect_rc 0 "$E" --generate_rsa_key
expect_rc 0 "$E" --generate_ecc_key
expect_only . rsa_priv_key.pem rsa_pub_key.pem device_hmac_key.bin device_pub_key.pem
expect_mode rsa_priv_key.pem 600
expect_mode device_hmac_key.bin 600
expect_rc 3 "$E" --generate_ecc_key
expect_rc 0 "$E" --generate_ecc_key --force
# positional encrypt/decrypt as the Python tool spells them
printf 'abc' >p
expect_rc 0 "$E" encrypt p device_pub_key.pem img
expect_rc 0 "$E" decrypt img device_hmac_key.bin back
expect_same p back
finish
