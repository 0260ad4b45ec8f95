#!/usr/bin/env bash
# One case of the shared vectors: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR IMAGE KEY EXPECT [SHA256]
. "$(dirname "$0")/lib.sh"
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
finish
