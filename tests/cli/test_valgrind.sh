#!/usr/bin/env bash
# One round trip per scheme, and a rejection, under valgrind: no leak, no invalid access. Then
# batch and ds-provision, succeeding and failing.
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
# ds-provision: a new HMAC key, then the same one read; a key it refuses; a write that fails
expect_rc 0 "${VG[@]}" "$E" ds-provision "$K/rsa_priv_key.pem" --hmac-key ds.bin --target esp32c3 \
    -o sc.bin --json
expect_rc 0 "${VG[@]}" "$E" ds-provision "$K/rsa_priv_key.pem" --hmac-key ds.bin --target esp32s3 \
    -o sc.bin --force
expect_rc 3 "${VG[@]}" "$E" ds-provision "$K/rsa_pub_key.pem" --hmac-key ds.bin --target esp32c3 \
    -o sc2.bin --json
expect_rc 3 "${VG[@]}" "$E" ds-provision "$K/rsa_priv_key.pem" --hmac-key ds2.bin \
    --target esp32c3 -o no/such/dir/sc.bin
expect_absent ds2.bin
finish
