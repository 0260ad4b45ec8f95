#!/usr/bin/env bash
# encrypt then decrypt, both schemes, every key kind, awkward sizes, files and pipes.
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
"$E" keygen ecc --out-dir "$T" >/dev/null || fail "keygen ecc"

# encrypt-key:decrypt-key:scheme
pairs="$K/rsa_pub_key.pem:$K/rsa_priv_key.pem:rsa
$K/rsa_priv_key.pem:$K/rsa_priv_key.pem:rsa
$K/device_pub_key.pem:$K/device_hmac_key.bin:ecies
$T/ecc_pub_key.pem:$T/ecc_priv_key.pem:ecies
$T/ecc_priv_key.pem:$T/ecc_priv_key.pem:ecies"

for size in 1 15 16 17 4096 1048579; do
    make_input "$T/plain" "$size"
    while IFS=: read -r enc dec scheme; do
        rm -f "$T/img" "$T/back"
        expect_rc 0 "$E" encrypt "$T/plain" "$enc" "$T/img"
        expect_size "$T/img" $((size + 512))
        # the scheme is visible in the header: ECIES leaves 288 zero bytes after the salt
        zeros=$(tail -c +101 "$T/img" | head -c 288 | tr -d '\0' | wc -c)
        if [ "$scheme" = ecies ] && [ "$zeros" = 0 ]; then pass
        elif [ "$scheme" = rsa ] && [ "$zeros" != 0 ]; then pass
        else fail "$enc: header does not look $scheme"; fi
        expect_rc 0 "$E" decrypt "$T/img" "$dec" "$T/back"
        expect_same "$T/plain" "$T/back"
    done <<<"$pairs"
done

# pipes: stdin to stdout both ways
make_input "$T/plain" 300001
"$E" encrypt - "$K/device_pub_key.pem" - <"$T/plain" >"$T/img.pipe" && pass || fail "encrypt - -"
expect_size "$T/img.pipe" $((300001 + 512))
"$E" decrypt - "$K/device_hmac_key.bin" - <"$T/img.pipe" >"$T/back.pipe" && pass || fail "decrypt - -"
expect_same "$T/plain" "$T/back.pipe"
cat "$T/plain" | "$E" encrypt - "$K/rsa_pub_key.pem" "$T/img.rsa" && pass || fail "encrypt from a pipe"
cat "$T/img.rsa" | "$E" decrypt - "$K/rsa_priv_key.pem" - | cmp -s - "$T/plain" && pass || fail "decrypt to a pipe"

# fresh key material per image: two encryptions of the same input differ everywhere
"$E" encrypt "$T/plain" "$K/device_pub_key.pem" "$T/a" && "$E" encrypt "$T/plain" "$K/device_pub_key.pem" "$T/b"
expect_differ "$T/a" "$T/b"
[ "$(head -c 100 "$T/a" | tail -c 96 | od -An -tx1)" != "$(head -c 100 "$T/b" | tail -c 96 | od -An -tx1)" ] && pass || fail "same point and salt twice"

# success is silent (for an app binary a device accepts; a random input gets a warning,
# test_warnings.sh)
make_min_app "$T/app"
expect_rc 0 "$E" encrypt "$T/app" "$K/rsa_pub_key.pem" "$T/quiet"
expect_err_lines 0
finish
