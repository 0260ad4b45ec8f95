#!/usr/bin/env bash
# --json when a command fails: one object on one line of stdout, "ok": false, the stderr line as
# "error", and the keys docs/CLI.md says the command always has, whatever stopped it (a missing
# file, a bad key, a rejected image, a usage error).
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys

# fails RC CMD...: exit RC, one JSON line, ok false, error = the stderr line without the program
fails() {
    local want=$1 error
    shift
    expect_rc "$want" "$E" "$@"
    [ "$(wc -l <"$T/out.txt")" = 1 ] && pass || fail "$*: not one line on stdout: $(cat "$T/out.txt")"
    expect_json ok false
    error=$(jget error)
    [ -n "$error" ] && [ "$(head -1 "$T/err.txt")" = "esp_enc_img: $error" ] && pass ||
        fail "$*: error '$error', stderr '$(head -1 "$T/err.txt")'"
}

{ printf '\351'; head -c 31 /dev/zero; printf '\062\124\315\253'; head -c 1000 /dev/zero; } >app.bin
"$E" encrypt app.bin "$K/rsa_pub_key.pem" app.img
head -c 3000 /dev/urandom >data.bin

# info: file, file_size, warnings
fails 3 info missing.img --json
expect_json file missing.img
expect_json file_size null
expect_json warnings 0
fails 1 info data.bin --json # neither an image nor an app
expect_json file data.bin
expect_json file_size 3000
expect_json warnings 0
fails 1 info - --json </dev/null
expect_json file stdin
expect_json file_size 0
for usage in "--json" "a b --json" "--bogus app.img --json" "--json -o x app.img"; do
    fails 2 info $usage
    expect_json file null
    expect_json file_size null
    expect_json warnings 0
done

# verify: the same keys, whether IN, the key or the image failed
fails 3 verify missing.img "$K/rsa_priv_key.pem" --json
expect_json file missing.img
expect_json file_size null
expect_json warnings 0
fails 3 verify app.img missing.pem --json # the key is read before IN
expect_json file app.img
expect_json file_size null
expect_json warnings 0
expect_json authenticated false
fails 1 verify app.img "$V/kat/rsa_private.pem" --json # another device's key
expect_json file app.img
expect_json file_size 1548
expect_json warnings 0
fails 1 verify data.bin --json
expect_json file_size 3000
fails 2 verify app.img --no-hash --json
expect_json file null
expect_json file_size null
expect_json warnings 0

# encrypt: input, output, warnings
fails 3 encrypt missing.bin "$K/rsa_pub_key.pem" out.img --json
expect_json input missing.bin
expect_json output out.img
expect_json warnings 0
fails 3 encrypt app.bin "$K/device_hmac_key.bin" out.img --json
expect_json input app.bin
expect_json warnings 0
grep -q "is a secret" "$T/out.txt" && pass || fail "the secret's message in error"
fails 3 encrypt data.bin "$K/rsa_pub_key.pem" no/such/dir/out.img --json # IN is never read
expect_json warnings 0
for usage in "a b --json" "app.bin $K/rsa_pub_key.pem - --json" "--bogus app.bin k o --json"; do
    fails 2 encrypt $usage
    expect_json input null
    expect_json output null
    expect_json warnings 0
done
expect_absent out.img

# sign: input, output
fails 3 sign missing.bin --key "$K/rsa_priv_key.pem" -o s.bin --json
expect_json input missing.bin
expect_json output s.bin
fails 2 sign app.bin --json
expect_json input null
expect_json output null

# verify-signature: file, verified
fails 3 verify-signature missing.bin --pub "$K/rsa_pub_key.pem" --json
expect_json file missing.bin
expect_json verified false
fails 1 verify-signature app.bin --pub "$K/rsa_pub_key.pem" --json # not signed
expect_json file app.bin
expect_json verified false
fails 2 verify-signature app.bin --json
expect_json file null
expect_json verified false

# digest: key
fails 3 digest missing.pem --json
expect_json key missing.pem
fails 2 digest --json
expect_json key null

# without --json a usage error prints no JSON
expect_rc 2 "$E" info a b
[ -s "$T/out.txt" ] && fail "JSON without --json: $(cat "$T/out.txt")" || pass
finish
