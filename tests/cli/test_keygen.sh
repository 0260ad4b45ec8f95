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

# the pair's two names are one file (a link from one to the other, or both to one name): the
# public key would be written over the private one and the new secret lost while keygen says it
# wrote both. Refused before anything is made, even with --force; the old key stays.
if posix_only "symbolic links"; then
    d=$T/alias && mkdir "$d"
    "$E" keygen ecc --out-dir "$d" >/dev/null
    cp "$d/ecc_priv_key.pem" "$T/old_secret"
    rm "$d/ecc_pub_key.pem" && ln -s ecc_priv_key.pem "$d/ecc_pub_key.pem"
    expect_rc 3 "$E" keygen ecc --out-dir "$d" --force
    expect_err "$d/ecc_pub_key.pem and $d/ecc_priv_key.pem are one file"
    expect_same "$d/ecc_priv_key.pem" "$T/old_secret"
    expect_only "$d" ecc_priv_key.pem ecc_pub_key.pem
    rm "$d/ecc_pub_key.pem" && mv "$d/ecc_priv_key.pem" "$d/ecc_pub_key.pem"
    ln -s ./ecc_pub_key.pem "$d/ecc_priv_key.pem"
    expect_rc 3 "$E" keygen ecc --out-dir "$d" --force --json
    expect_json ok false
    expect_json secret null
    expect_same "$d/ecc_pub_key.pem" "$T/old_secret"
    rm "$d"/*
    mkdir "$d/sub" && ln -s sub/key "$d/ecc_priv_key.pem" && ln -s ../alias/sub/key "$d/ecc_pub_key.pem"
    expect_rc 3 "$E" keygen ecc --out-dir "$d" --force
    expect_err "are one file"
    expect_absent "$d/sub/key"
    # two names of one file (a hard link) are two outputs: each gets its own file
    rm "$d"/ecc_p*_key.pem && "$E" keygen ecc --out-dir "$d" >/dev/null
    ln -f "$d/ecc_priv_key.pem" "$d/ecc_pub_key.pem"
    expect_rc 0 "$E" keygen ecc --out-dir "$d" --force
    expect_rc 0 "$E" pubkey "$d/ecc_priv_key.pem"
    expect_same "$T/out.txt" "$d/ecc_pub_key.pem"
fi

# a missing output directory is created, private to the owner
expect_rc 0 "$E" keygen hmac --out-dir "$T/new/secrets"
expect_mode "$T/new/secrets" 700
expect_mode "$T/new/secrets/device_hmac_key.bin" 600
# one that cannot be created is a file error that names it
: >"$T/plainfile"
expect_rc 3 "$E" keygen hmac --out-dir "$T/plainfile/sub"
expect_err "$T/plainfile/sub"

# --passphrase-file: the private key as encrypted PKCS#8, read back by every command with -p
printf 'correct horse\nnot this line\n' >"$T/pass.txt"
printf 'wrong horse\n' >"$T/wrong.txt"
printf 'app bytes' >"$T/app"
for kind in rsa:rsa_priv_key.pem:rsa_pub_key.pem ecc:ecc_priv_key.pem:ecc_pub_key.pem \
    ecc384:ecc384_priv_key.pem:ecc384_pub_key.pem; do
    IFS=: read -r k secret public <<<"$kind"
    d="$T/sealed-$k"
    expect_rc 0 "$E" keygen "$k" --out-dir "$d" --passphrase-file "$T/pass.txt"
    expect_mode "$d/$secret" 600
    expect_mode "$d/$public" 644
    expect_only "$d" "$secret" "$public"
    head -1 "$d/$secret" | grep -qx -- "-----BEGIN ENCRYPTED PRIVATE KEY-----" && pass ||
        fail "$k: not encrypted PKCS#8: $(head -1 "$d/$secret")"
    # PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, readable by OpenSSL with the passphrase
    openssl asn1parse -in "$d/$secret" >"$T/asn1.txt" 2>&1
    for want in PBES2 PBKDF2 hmacWithSHA256 aes-256-cbc; do
        grep -q ":$want" "$T/asn1.txt" && pass || fail "$k: $want not in the key's ASN.1"
    done
    openssl pkey -in "$d/$secret" -passin file:"$T/pass.txt" -pubout -out "$T/ossl_pub.pem" 2>/dev/null &&
        pass || fail "$k: openssl cannot read it with the passphrase"
    expect_same "$T/ossl_pub.pem" "$d/$public"
    # without the passphrase it is refused, with the wrong one too; with it, it is the pair
    expect_rc 3 "$E" pubkey "$d/$secret" </dev/null
    expect_err "passphrase-protected"
    expect_rc 3 "$E" pubkey "$d/$secret" -p "$T/wrong.txt"
    expect_err "wrong passphrase"
    expect_rc 0 "$E" pubkey "$d/$secret" -p "$T/pass.txt"
    expect_same "$T/out.txt" "$d/$public"
    # it signs, and for rsa and ecc it decrypts what was encrypted to its public key
    expect_rc 0 "$E" sign "$T/app" --key "$d/$secret" -p "$T/pass.txt" -o "$T/app.signed"
    expect_rc 0 "$E" verify-signature "$T/app.signed" --pub "$d/$public"
    [ "$k" = ecc384 ] && continue
    rm -f "$T/i" "$T/b"
    expect_rc 0 "$E" encrypt "$T/app" "$d/$secret" "$T/i" -p "$T/pass.txt"
    expect_rc 0 "$E" decrypt "$T/i" "$d/$secret" "$T/b" -p "$T/pass.txt"
    expect_same "$T/app" "$T/b"
done
# an HMAC key is 32 raw bytes for the eFuse: it cannot be encrypted, and nothing is written
expect_rc 2 "$E" keygen hmac --out-dir "$T/sealed-hmac" -p "$T/pass.txt"
expect_err "--passphrase-file does not apply to hmac"
expect_err "drop --passphrase-file"
expect_absent "$T/sealed-hmac"
# an empty passphrase protects nothing: refused, naming the file, and nothing is written, not
# even the new --out-dir folder; an existing folder stays as it was
: >"$T/empty.txt"
expect_rc 3 "$E" keygen ecc --out-dir "$T/sealed-empty/sub" -p "$T/empty.txt"
expect_err "passphrase file $T/empty.txt: its first line is empty"
expect_absent "$T/sealed-empty"
mkdir "$T/sealed-none"
expect_rc 3 "$E" keygen rsa --out-dir "$T/sealed-none" -p "$T/missing.txt"
expect_err "$T/missing.txt"
expect_only "$T/sealed-none"
# $ESP_ENC_IMG_PASSPHRASE never encrypts a new key: only -p does
expect_rc 0 env ESP_ENC_IMG_PASSPHRASE=x "$E" keygen ecc --out-dir "$T/plain-env"
head -1 "$T/plain-env/ecc_priv_key.pem" | grep -q "BEGIN EC PRIVATE KEY" && pass || fail "env encrypted"

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
