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
# the key loaded, IN did not: the key's fingerprint is known, and reported
fp=$("$E" pubkey "$K/rsa_priv_key.pem" --format der | sha256sum | cut -d' ' -f1)
expect_json key_fingerprint "$fp"
fails 3 verify app.img missing.pem --json # the key is read before IN
jget key_fingerprint >/dev/null && fail "a fingerprint of no key: $(cat "$T/out.txt")" || pass
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

# ds-provision: key, hmac_key, output
fails 3 ds-provision missing.pem --hmac-key h.bin --target esp32c3 -o sc.bin --json
expect_json key missing.pem
expect_json hmac_key h.bin
expect_json output sc.bin
fails 3 ds-provision "$K/rsa_pub_key.pem" --hmac-key h.bin --target esp32c3 -o sc.bin --json
expect_json key "$K/rsa_pub_key.pem"
fails 2 ds-provision "$K/rsa_priv_key.pem" --hmac-key h.bin --target esp32 -o sc.bin --json
expect_json key null
expect_json hmac_key null
expect_json output null
fails 2 ds-provision --json
expect_json key null
expect_absent h.bin

# batch: input, input_size, input_sha256, manifest_sha256, devices, succeeded, failed; as far as
# the run got before it failed
batch_unknown() { # the keys not reached, as null and []
    for key in "$@"; do expect_json "$key" null; done
    expect_json devices 0
    expect_json succeeded null
    expect_json failed null
}
fails 3 batch missing.json --out-dir o --json
batch_unknown input input_size input_sha256 manifest_sha256
echo '{"input": "app.bin", "devices": [' >syntax.json
fails 3 batch syntax.json --out-dir o --json
batch_unknown input input_size input_sha256 manifest_sha256
printf '{"input": "nothere.bin", "devices": []}' >noinput.json
fails 3 batch noinput.json --out-dir o --json
expect_json input nothere.bin
expect_json manifest_sha256 "$(sha256sum noinput.json | cut -d' ' -f1)"
batch_unknown input_size input_sha256
printf '{"input": "app.bin", "sign_key": "missing.pem", "devices": []}' >nosign.json
fails 3 batch nosign.json --out-dir o --json
expect_json input app.bin
expect_json input_size 1036
expect_json input_sha256 "$(sha256sum app.bin | cut -d' ' -f1)"
batch_unknown
for usage in "--json" "m.json --json" "m.json --out-dir o --shard 0/2 --json" \
    "m.json --out-dir o -o x --json" "--merge --json" "--merge a.json --json" \
    "--merge a.json -o - --json" "--merge a.json -o x --shard 1/2 --json"; do
    fails 2 batch $usage
    batch_unknown input input_size input_sha256 manifest_sha256
done
fails 3 batch --merge missing.json -o merged.json --json
batch_unknown input input_size input_sha256 manifest_sha256
expect_absent o merged.json

# without --json a usage error prints no JSON
expect_rc 2 "$E" info a b
[ -s "$T/out.txt" ] && fail "JSON without --json: $(cat "$T/out.txt")" || pass
finish
