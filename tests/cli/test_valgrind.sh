#!/usr/bin/env bash
# One round trip per scheme, and a rejection, under valgrind: no leak, no invalid access.
. "$(dirname "$0")/../support/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }
K=$SRC/keys
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=99)
make_input p.bin 300000
for pair in rsa_pub_key.pem:rsa_priv_key.pem device_pub_key.pem:device_hmac_key.bin; do
    expect_rc 0 "${VG[@]}" "$E" encrypt p.bin "$K/${pair%%:*}" img
    expect_rc 0 "${VG[@]}" "$E" decrypt img "$K/${pair##*:}" back
    expect_same p.bin back
    expect_rc 0 "${VG[@]}" "$E" verify --json img "$K/${pair##*:}"
    rm -f img back
done
expect_rc 1 "${VG[@]}" "$E" decrypt "$V/negative/ecies-tag.bin" "$V/kat/hmac_key.bin" back
expect_rc 3 "${VG[@]}" "$E" encrypt p.bin "$K/README.md" img
# batch in two shards (a device failing in one), merged; a merge refused
printf '{"input": "%s", "devices": [%s, %s, %s]}\n' p.bin \
    "{\"id\": \"a\", \"public_key\": \"$K/rsa_pub_key.pem\"}" \
    "{\"id\": \"b\", \"public_key\": \"$K/device_pub_key.pem\"}" \
    "{\"id\": \"c\", \"public_key\": \"$K/device_hmac_key.bin\"}" >fleet.json
for k in 1 2; do
    run "${VG[@]}" "$E" batch fleet.json --out-dir s$k --shard $k/2 --quiet
    [ "$rc" = 0 ] || [ "$rc" = 1 ] && pass || fail "shard $k/2: exit $rc"
done
expect_rc 1 "${VG[@]}" "$E" batch --merge s1/manifest.json s2/manifest.json -o m.json --json
expect_rc 3 "${VG[@]}" "$E" batch --merge s1/manifest.json s1/manifest.json -o m.json
finish
