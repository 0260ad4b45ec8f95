#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each for SECONDS (default 60), seeded from the
# test vectors (tests/vectors). Crashes land in build-fuzz/crashes/<target>/: copy each into
# tests/fuzz/regressions/<target>/ so every build replays it.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(header inspect decrypt fw_decryptor fw_signature http signature app
    secure_cert)
vectors=${EEI_VECTORS_DIR:-$PWD/tests/vectors}
B=build-fuzz

CC=clang cmake -S . -B $B -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEEI_FUZZ=ON \
    -DEEI_VECTORS_DIR="$vectors" >/dev/null
cmake --build $B -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for t in "${targets[@]}"; do
    corpus=$B/corpus/$t
    mkdir -p "$corpus" "$B/crashes/$t"
    for f in "$vectors"/kat/*.bin "$vectors"/negative/*.bin "$vectors"/upstream/image_*.bin; do
        if [ "$t" = http ] || [ "$t" = signature ] || [ "$t" = app ] || [ "$t" = secure_cert ]; then
            # heads, apps, partitions
            cp tests/fuzz/seeds/$t/* "$corpus/"
            break
        elif [ "$t" = fw_signature ]; then # signed apps, as the host's signature target
            cp tests/fuzz/seeds/signature/* "$corpus/"
            break
        elif [ "$t" = fw_decryptor ]; then # key choice and split seed come first
            { printf '\x01\x11\x22\x33\x44'; cat "$f"; } >"$corpus/rsa-$(basename "$f")"
            { printf '\x00\x55\x66\x77\x88'; cat "$f"; } >"$corpus/hmac-$(basename "$f")"
        else
            cp "$f" "$corpus/"
        fi
    done
    log=$B/fuzz_$t.log
    if "$B/tests/fuzz/fuzz_$t" "$corpus" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$B/crashes/$t/" -max_len=8192 >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    printf '%-14s %s: %s runs in %ss, coverage %s edges\n' "$t" "$result" "$runs" "$seconds" "$cov"
    [ $result = ok ] || tail -40 "$log"
done
exit $status
