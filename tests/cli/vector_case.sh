#!/usr/bin/env bash
# One case of the shared vectors: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR IMAGE KEY EXPECT [SHA256]
. "$(dirname "$0")/../support/lib.sh"
image=$4 key=$5 expect=$6 sha=${7:-}
mkdir "$T/out"
run "$E" decrypt "$V/$image" "$V/$key" "$T/out/plain.bin"
if [ "$expect" = ok ]; then
    if [ "$rc" = 0 ]; then pass; else fail "exit $rc: $(cat "$T/err.txt")"; fi
    got=$(sha256sum "$T/out/plain.bin" 2>/dev/null | cut -d' ' -f1)
    if [ "$got" = "$sha" ]; then pass; else fail "plaintext sha256 $got, wanted $sha"; fi
    expect_err_lines 0
else
    if [ "$rc" = 1 ]; then pass; else fail "exit $rc, wanted 1: $(cat "$T/err.txt")"; fi
    expect_err "esp_enc_img: "
    expect_err_lines 1
    expect_only "$T/out" # no plaintext, no temporary file
    # the same through stdin: the verdict is the exit status
    run "$E" decrypt - "$V/$key" "$T/out/plain.bin" <"$V/$image"
    if [ "$rc" = 1 ]; then pass; else fail "stdin: exit $rc, wanted 1"; fi
    expect_only "$T/out"
fi

# info and verify agree with the expectation; JSON parsed back field by field
JG=${EEI_JSON_GET:?}
run "$E" verify "$V/$image" "$V/$key" --json
"$JG" "$T/out.txt" ok >"$T/v.ok" || fail "verify --json printed no ok"
if [ "$expect" = ok ]; then
    [ "$rc" = 0 ] && [ "$(cat "$T/v.ok")" = true ] && pass || fail "verify KEY: exit $rc"
    [ "$("$JG" "$T/out.txt" authenticated)" = true ] && pass || fail "verify: not authenticated"
    [ "$("$JG" "$T/out.txt" plaintext_sha256)" = "$sha" ] && pass || fail "verify: plaintext sha256"
    expect_rc 0 "$E" info "$V/$image"
    expect_rc 0 "$E" verify "$V/$image"
    expect_rc 0 "$E" info --json "$V/$image"
    warnings=$("$JG" "$T/out.txt" warnings)
    case "$image" in
    *reserved*) [ "$warnings" = 1 ] && pass || fail "no warning for reserved bytes" ;;
    *) [ "$warnings" = 0 ] && pass || fail "unexpected warnings: $warnings" ;;
    esac
    [ "$("$JG" "$T/out.txt" payload_size)" = "$(($(stat -c %s "$V/$image") - 512))" ] && pass ||
        fail "info: payload_size"
else
    [ "$rc" = 1 ] && [ "$(cat "$T/v.ok")" = false ] && pass || fail "verify KEY: exit $rc"
    [ "$("$JG" "$T/out.txt" authenticated)" = false ] && pass || fail "verify: authenticated"
    "$JG" "$T/out.txt" error >/dev/null && pass || fail "verify: no error field"
    # damage that the header and size show is caught without a key, the rest only with one
    case "$image" in
    *bad-magic* | *size-field* | *truncated* | *trailing* | *header-only* | *off-curve* | *ecies-keyblock*)
        expect_rc 1 "$E" info "$V/$image"
        expect_rc 1 "$E" verify "$V/$image"
        expect_rc 1 "$E" info --json "$V/$image"
        [ "$("$JG" "$T/out.txt" ok)" = false ] && pass || fail "info --json: ok"
        ;;
    *)
        expect_rc 0 "$E" info "$V/$image"
        expect_rc 0 "$E" verify "$V/$image"
        ;;
    esac
fi
finish
