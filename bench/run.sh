#!/usr/bin/env bash
# Measure esp_enc_img side by side with cp, `openssl speed` and mbedTLS, on this machine, in
# one run, and write bench/results.md (medians of repeated runs, ratios, the machine).
#
#   bench/run.sh                  the full set: 4 MiB, 64 MiB and 1 GiB inputs, 1000-device
#                                 batch, the firmware in the emulator (with ../shared/tools)
#   bench/run.sh --quick          a smoke run under a minute (smaller inputs, fewer runs)
#   bench/run.sh --against REV    also an earlier version (a git revision, built here) side by
#                                 side with this one, command by command, runs interleaved
#
# Tools: hyperfine (repeated timing), /usr/bin/time (peak memory), valgrind's callgrind
# (instructions), all from Debian. Scratch files go to bench/work on the repository's disk.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
eei_install_deps "${EEI_BUILD_DEPS[@]}" hyperfine time valgrind openssl

quick=false against=
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=true ;;
    --against) against=${2:?--against takes a git revision}; shift ;;
    *) echo "usage: bench/run.sh [--quick] [--against REV]" >&2; exit 2 ;;
    esac
    shift
done
if $quick; then
    sizes=(4 64) big=64 runs=3 devices=100 cg_small=1 cg_big=2
    out=bench/work/results-quick.md
else
    sizes=(4 64 1024) big=1024 runs=10 devices=1000 cg_small=1 cg_big=9
    out=bench/results.md
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target esp_enc_img json_get stage_alone >/dev/null
E=$PWD/build/esp_enc_img
# the inputs here are larger than any app a chip boots: the limit moves to the format's own
M="--max-size 4294967295"
JG=$PWD/build/tests/json_get
STAGE=$PWD/build/bench/stage_alone
# the earlier version, built the same way from a worktree of REV
if [ -n "$against" ]; then
    rev=$(git rev-parse --short "$against")
    rm -rf bench/against && git worktree prune
    git worktree add -q --detach bench/against "$rev"
    cmake -S bench/against -B bench/against/build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBUILD_TESTING=OFF -DEEI_FIRMWARE_HOST=OFF >/dev/null
    cmake --build bench/against/build -j"$(nproc)" --target esp_enc_img >/dev/null
    EA=$PWD/bench/against/build/esp_enc_img
fi
# the firmware decryptor against each Mbed TLS that ESP-IDF ships (needs ../shared/third_party)
fw_backends=()
for v in 3.6 4.0; do
    if cmake -S . -B "build-bench-fw$v" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
        -DEEI_FW_MBEDTLS=$v >"bench-fw$v.log" 2>&1 &&
        cmake --build "build-bench-fw$v" -j"$(nproc)" --target fw_decrypt_cost >>"bench-fw$v.log" 2>&1; then
        fw_backends+=("$v")
    else
        echo "bench: no firmware build against Mbed TLS $v (see bench-fw$v.log)" >&2
    fi
    rm -f "bench-fw$v.log"
done
K=$PWD/keys
W=$PWD/bench/work
rm -rf "$W" && mkdir -p "$W"
trap 'rm -rf "$W"/*.bin "$W"/out* "$W"/batch* "$W"/cp*; [ -z "$against" ] || { rm -rf bench/against; git worktree prune; }' EXIT

# median seconds of a command: hyperfine, warm caches, inputs prepared before each run
median() { # NAME PREPARE CMD
    hyperfine -N --style none --warmup 1 --runs "$runs" --prepare "$2" --export-json "$W/$1.json" \
        "$3" >/dev/null 2>&1
    "$JG" "$W/$1.json" results.0.median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
mark() { awk -v v="$1" -v lim="$2" -v dir="$3" 'BEGIN {
    ok = dir == "le" ? v <= lim : v >= lim; printf "%s", ok ? "yes" : "**no**" }'; }

for s in "${sizes[@]}"; do
    head -c $((s << 20)) /dev/urandom >"$W/in$s.bin"
    "$E" encrypt "$W/in$s.bin" "$K/rsa_pub_key.pem" "$W/rsa$s.bin" $M
    "$E" encrypt "$W/in$s.bin" "$K/device_pub_key.pem" "$W/ecies$s.bin" $M
done
sync

{
    echo "# Benchmarks"
    echo
    echo "Written by \`bench/run.sh$($quick && echo " --quick")\` on $(date -u +%Y-%m-%d). Medians of $runs runs"
    echo "after a warm-up (hyperfine), inputs in the page cache, outputs on the same filesystem, written"
    echo 'back (`sync`) before each run.'
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores |"
    echo "| memory | $(free -g | awk '/^Mem/ { print $2 }') GiB |"
    echo "| kernel | $(uname -r) |"
    echo "| filesystem | $(df -T "$W" | awk 'NR == 2 { print $2 }') |"
    echo "| OpenSSL | $(openssl version | cut -d' ' -f2) |"
    echo "| Mbed TLS (firmware decryptor) | ${fw_backends[*]} (built from the release tarballs) |"
    echo
} >"$out"

# -- throughput against cp and the AES-GCM speed of the same OpenSSL
n=$big
bytes=$((n << 20))
# before each run the previous output goes and dirty pages are written back, so no run pays
# for another's writeback
clean() { echo "bash -c 'rm -f $1; sync'"; }
t_cp=$(median cp "$(clean $W/out.cp)" "cp $W/in$n.bin $W/out.cp")
t_enc=$(median enc "$(clean $W/out.enc)" "$E encrypt $W/in$n.bin $K/rsa_pub_key.pem $W/out.enc $M")
t_dec=$(median dec "$(clean $W/out.dec)" "$E decrypt $W/rsa$n.bin $K/rsa_priv_key.pem $W/out.dec $M")
t_ver=$(median ver "true" "$E verify $W/rsa$n.bin $K/rsa_priv_key.pem $M")
t_vnh=$(median vnh "true" "$E verify --no-hash $W/rsa$n.bin $K/rsa_priv_key.pem $M")
gcm=$(openssl speed -elapsed -seconds 3 -evp aes-256-gcm -bytes 16384 2>/dev/null |
    awk '/^AES-256-GCM/ { v = $NF; sub(/k$/, "", v); print v * 1000 }')
sha=$(openssl speed -elapsed -seconds 3 -evp sha256 -bytes 16384 2>/dev/null |
    awk '/^sha256/ { v = $NF; sub(/k$/, "", v); print v * 1000 }')
mbs() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.0f", b / t / 1048576 }'; }
share() { awk -v b="$bytes" -v t="$1" -v g="$gcm" 'BEGIN { printf "%.0f%%", 100 * b / t / g }'; }
{
    echo "## Throughput, $n MiB"
    echo
    echo "| command | median | MiB/s | ratio | target | met |"
    echo "|---|---:|---:|---:|---|---|"
    echo "| \`cp\` | $(ms "$t_cp") ms | $(mbs "$t_cp") | 1.00 | | |"
    echo "| \`encrypt\` (RSA-3072) | $(ms "$t_enc") ms | $(mbs "$t_enc") | $(ratio "$t_enc" "$t_cp") x cp | <= 1.3 x cp | $(mark "$(ratio "$t_enc" "$t_cp")" 1.3 le) |"
    echo "| \`decrypt\` | $(ms "$t_dec") ms | $(mbs "$t_dec") | $(ratio "$t_dec" "$t_cp") x cp | <= 1.3 x cp | $(mark "$(ratio "$t_dec" "$t_cp")" 1.3 le) |"
    echo "| \`verify IN KEY --no-hash\` | $(ms "$t_vnh") ms | $(mbs "$t_vnh") | $(share "$t_vnh") of AES-GCM | >= 80% | $(mark "$(awk -v b=$bytes -v t=$t_vnh -v g=$gcm 'BEGIN{print b/t/g}')" 0.8 ge) |"
    echo "| \`verify IN KEY\` (with plaintext SHA-256) | $(ms "$t_ver") ms | $(mbs "$t_ver") | $(share "$t_ver") of AES-GCM | >= 80% | $(mark "$(awk -v b=$bytes -v t=$t_ver -v g=$gcm 'BEGIN{print b/t/g}')" 0.8 ge) |"
    echo
    echo "\`openssl speed -evp aes-256-gcm\` at 16 KiB blocks: $(awk -v g="$gcm" 'BEGIN { printf "%.0f", g / 1048576 }') MiB/s;"
    echo "\`openssl speed -evp sha256\` at 16 KiB: $(awk -v g="$sha" 'BEGIN { printf "%.0f", g / 1048576 }') MiB/s. A \`verify\` that reports the"
    echo "plaintext's SHA-256 cannot run faster than SHA-256 itself: with the hash on the second core,"
    echo "\`verify IN KEY\` runs at $(awk -v b="$bytes" -v t="$t_ver" -v h="$sha" 'BEGIN { printf "%.0f%%", 100 * b / t / h }') of SHA-256's speed. \`--no-hash\` checks only the tag."
    echo
} >>"$out"

# -- the same from outside, as a user times it: rounds of cp, encrypt and decrypt in turn, each
# run after a sync, timed by /usr/bin/time; medians, and user and system time of the median run
rounds=$($quick && echo 3 || echo 9)
outside() { # NAME CMD...: one timed run, appended to $W/outside.txt
    local name=$1
    shift
    rm -f "$W/out.o"
    sync
    /usr/bin/time -f "$name %e %U %S" "$@" 2>>"$W/outside.txt" >/dev/null
}
rm -f "$W/outside.txt"
for _ in $(seq "$rounds"); do
    outside cp cp "$W/in$n.bin" "$W/out.o"
    outside encrypt "$E" encrypt "$W/in$n.bin" "$K/rsa_pub_key.pem" "$W/out.o" $M
    outside decrypt "$E" decrypt "$W/rsa$n.bin" "$K/rsa_priv_key.pem" "$W/out.o" $M
    outside sign_encrypt "$E" encrypt "$W/in$n.bin" "$K/rsa_pub_key.pem" "$W/out.o" \
        --sign-key "$K/rsa_priv_key.pem" $M
done
rm -f "$W/out.o"
median_of() { # NAME: "elapsed user sys" of the median run, and the quartiles' elapsed
    grep "^$1 " "$W/outside.txt" | sort -k2,2g | awk '{ e[NR] = $2; u[NR] = $3; s[NR] = $4 }
        END { m = int((NR + 1) / 2); print e[m], u[m], s[m], e[int(NR / 4) + 1], e[int(3 * NR / 4) + 1] }'
}
read -r o_cp o_cpu o_cps o_cp1 o_cp3 <<<"$(median_of cp)"
read -r o_en o_enu o_ens o_en1 o_en3 <<<"$(median_of encrypt)"
read -r o_de o_deu o_des o_de1 o_de3 <<<"$(median_of decrypt)"
read -r o_se o_seu o_ses o_se1 o_se3 <<<"$(median_of sign_encrypt)"
{
    echo "## Throughput from outside, $n MiB"
    echo
    echo "$rounds rounds of \`cp\`, \`encrypt\`, \`decrypt\` and \`encrypt --sign-key\` in turn (RSA-3072), a \`sync\` before each run, timed"
    echo "by \`/usr/bin/time\`: the median run, its user and system time, and the spread of the middle half."
    echo
    echo "| command | median | user | sys | quartiles | ratio |"
    echo "|---|---:|---:|---:|---|---:|"
    echo "| \`cp\` | $o_cp s | $o_cpu s | $o_cps s | $o_cp1 - $o_cp3 s | 1.00 |"
    echo "| \`encrypt\` | $o_en s | $o_enu s | $o_ens s | $o_en1 - $o_en3 s | $(ratio "$o_en" "$o_cp") x cp |"
    echo "| \`decrypt\` | $o_de s | $o_deu s | $o_des s | $o_de1 - $o_de3 s | $(ratio "$o_de" "$o_cp") x cp |"
    echo "| \`encrypt --sign-key\` (RSA-3072 signature, then encryption, one pass) | $o_se s | $o_seu s | $o_ses s | $o_se1 - $o_se3 s | $(ratio "$o_se" "$o_cp") x cp |"
    echo
    echo "Signing hashes the app with SHA-256 on a second core while it is encrypted: the next table"
    echo "holds \`encrypt --sign-key\` to those two stages alone."
    echo
} >>"$out"

# -- sign-then-encrypt against its two stages alone over the same bytes (bench/stage_alone.c:
# the file read in the tool's chunks, hashed or encrypted, nothing written): rounds in turn, a
# sync before each run, medians; the slower stage bounds the whole command
rm -f "$W/stages.txt"
stamp_to() { # NAME CMD...: one run after a sync, its wall time appended to $W/stages.txt
    local name=$1 t0
    shift
    rm -f "$W/out.st"
    sync
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    awk -v n="$name" -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%s %.6f\n", n, b - a }' >>"$W/stages.txt"
}
for _ in $(seq "$($quick && echo 3 || echo 11)"); do
    stamp_to sha "$STAGE" sha256 "$W/in$n.bin"
    stamp_to gcm "$STAGE" aes-256-gcm "$W/in$n.bin"
    stamp_to sign_encrypt "$E" encrypt "$W/in$n.bin" "$K/rsa_pub_key.pem" "$W/out.st" \
        --sign-key "$K/rsa_priv_key.pem" $M
done
rm -f "$W/out.st"
stage_median() { grep "^$1 " "$W/stages.txt" | sort -k2,2g | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }'; }
s_sha=$(stage_median sha) s_gcm=$(stage_median gcm) s_se=$(stage_median sign_encrypt)
s_max=$(printf '%s\n' "$s_sha" "$s_gcm" | sort -g | tail -1)
{
    echo "## Sign-then-encrypt against its stages, $n MiB"
    echo
    echo "\`bench/stage_alone\` runs one stage of \`encrypt --sign-key\` alone over the same file, read in"
    echo "the tool's 256 KiB chunks, writing nothing; the three commands in turn, $(grep -c '^sha ' "$W/stages.txt") rounds, a \`sync\` before each"
    echo "run; medians of the wall time. The whole command (RSA-3072 signature and device key) against"
    echo "the slower stage."
    echo
    echo "| command | median | ratio | target | met |"
    echo "|---|---:|---:|---|---|"
    echo "| SHA-256 alone | $(ms "$s_sha") ms | | | |"
    echo "| AES-256-GCM alone | $(ms "$s_gcm") ms | | | |"
    echo "| \`encrypt --sign-key\` | $(ms "$s_se") ms | $(ratio "$s_se" "$s_max") x the slower | <= 1.15 | $(mark "$(ratio "$s_se" "$s_max")" 1.15 le) |"
    echo
} >>"$out"

# -- peak memory: flat across input sizes
{
    echo "## Peak resident memory"
    echo
    echo "| input | encrypt | decrypt | verify | encrypt --sign-key | target |"
    echo "|---:|---:|---:|---:|---:|---|"
} >>"$out"
peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
for s in "${sizes[@]}"; do
    rm -f "$W/out.m"
    a=$(peak "$E" encrypt "$W/in$s.bin" "$K/rsa_pub_key.pem" "$W/out.m" $M)
    rm -f "$W/out.m"
    b=$(peak "$E" decrypt "$W/rsa$s.bin" "$K/rsa_priv_key.pem" "$W/out.m" $M)
    c=$(peak "$E" verify "$W/rsa$s.bin" "$K/rsa_priv_key.pem" $M)
    rm -f "$W/out.m"
    d=$(peak "$E" encrypt "$W/in$s.bin" "$K/rsa_pub_key.pem" "$W/out.m" --sign-key "$K/rsa_priv_key.pem" $M)
    worst=$(printf '%s\n' "$a" "$b" "$c" "$d" | sort -n | tail -1)
    echo "| $s MiB | $a KiB | $b KiB | $c KiB | $d KiB | <= 8192 KiB: $(mark "$worst" 8192 le) |" >>"$out"
done
echo >>"$out"

# -- a 4 MiB image, start-up and key loading included
{
    echo "## A 4 MiB image, whole command"
    echo
    echo "| command | RSA-3072 | ECIES-P256 (HMAC key) | target | met |"
    echo "|---|---:|---:|---|---|"
} >>"$out"
row() { # LABEL RSA_CMD ECIES_CMD PREPARE
    local r e
    r=$(median "r$1" "$4" "$2")
    e=$(median "e$1" "$4" "$3")
    echo "| \`$1\` | $(ms "$r") ms | $(ms "$e") ms | < 15 ms | $(mark "$(ms "$(printf '%s\n' "$r" "$e" | sort -g | tail -1)")" 15 le) |" >>"$out"
}
row encrypt "$E encrypt $W/in4.bin $K/rsa_pub_key.pem $W/out.s" \
    "$E encrypt $W/in4.bin $K/device_pub_key.pem $W/out.s" "rm -f $W/out.s"
row decrypt "$E decrypt $W/rsa4.bin $K/rsa_priv_key.pem $W/out.s" \
    "$E decrypt $W/ecies4.bin $K/device_hmac_key.bin $W/out.s" "rm -f $W/out.s"
row verify "$E verify $W/rsa4.bin $K/rsa_priv_key.pem" "$E verify $W/ecies4.bin $K/device_hmac_key.bin" true
t_kg=$(median keygen "rm -rf $W/kg" "$E keygen hmac --out-dir $W/kg")
echo "| \`keygen hmac\` | | $(ms "$t_kg") ms | < 20 ms | $(mark "$(ms "$t_kg")" 20 le) |" >>"$out"
echo >>"$out"

# -- one build for a fleet, against writing the same files with cp
head -c 1048576 /dev/urandom >"$W/app.bin"
mkdir -p "$W/fleet"
for i in 1 2 3 4; do
    "$E" keygen hmac --out-dir "$W/fleet/h$i" >/dev/null
done
"$E" keygen ecc --out-dir "$W/fleet/e" >/dev/null
cp "$K/rsa_pub_key.pem" "$W/fleet/r.pem"
keys=(h1/device_pub_key.pem h2/device_pub_key.pem h3/device_pub_key.pem h4/device_pub_key.pem
    e/ecc_pub_key.pem r.pem)
{
    printf '{"input": "../app.bin", "devices": ['
    for i in $(seq "$devices"); do
        [ "$i" = 1 ] || printf ','
        printf '{"id": "dev-%04d", "public_key": "%s"}' "$i" "${keys[$((i % 6))]}"
    done
    printf ']}\n'
} >"$W/fleet/fleet.json"
t_batch=$(median batch "rm -rf $W/batch" "$E batch $W/fleet/fleet.json --out-dir $W/batch --quiet")
cp "$K/rsa_priv_key.pem" "$W/fleet/sign.pem"
sed 's/^{"input": "..\/app.bin", /{"input": "..\/app.bin", "sign_key": "sign.pem", /' \
    "$W/fleet/fleet.json" >"$W/fleet/signed.json"
t_sbatch=$(median sbatch "rm -rf $W/batch" "$E batch $W/fleet/signed.json --out-dir $W/batch --quiet")
t_cps=$(median cps "bash -c 'rm -rf $W/cp && mkdir $W/cp'" \
    "bash -c 'for i in \$(seq $devices); do cp $W/app.bin $W/cp/dev-\$i.bin; done'")
{
    echo "## batch: $devices devices, a 1 MiB image"
    echo
    echo "| command | median | ratio | target | met |"
    echo "|---|---:|---:|---|---|"
    echo "| \`cp\` of the image, $devices times | $(ms "$t_cps") ms | 1.00 | | |"
    echo "| \`batch\` ($(nproc) jobs; keys: HMAC-derived, P-256, RSA-3072 mixed) | $(ms "$t_batch") ms | $(ratio "$t_batch" "$t_cps") x cp | <= 2 x cp | $(mark "$(ratio "$t_batch" "$t_cps")" 2 le) |"
    echo "| \`batch\` with a \`sign_key\` (signed once, then encrypted per device) | $(ms "$t_sbatch") ms | $(ratio "$t_sbatch" "$t_cps") x cp | <= 2 x cp | $(mark "$(ratio "$t_sbatch" "$t_cps")" 2 le) |"
    echo
} >>"$out"

# -- the firmware decryptor: instructions per payload byte, callgrind, start-up cancelled out
small=$((cg_small << 20)) large=$((cg_big << 20))
head -c $small /dev/urandom >"$W/cg_s.bin"
head -c $large /dev/urandom >"$W/cg_l.bin"
"$E" encrypt "$W/cg_s.bin" "$K/rsa_pub_key.pem" "$W/cg_s.enc"
"$E" encrypt "$W/cg_l.bin" "$K/rsa_pub_key.pem" "$W/cg_l.enc"
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
    sed -n 's/.*refs: *\([0-9,]*\).*/\1/p' | tr -d ,; }
per_byte() { awk -v a="$1" -v b="$2" -v d=$((large - small)) 'BEGIN { printf "%.2f", (b - a) / d }'; }
{
    echo "## Firmware decryptor (host)"
    echo
    echo "Instructions per payload byte by callgrind, the difference of a $cg_big MiB and a $cg_small MiB image, so"
    echo "start-up and key establishment cancel out; RSA-3072 images decrypted in place in chunks of the"
    echo "size given. Reference: the library's own one-shot GCM decryption of one buffer"
    echo "(\`mbedtls_gcm_auth_decrypt\` for the mbedTLS 3.x backend, \`psa_aead_decrypt\` for PSA)."
    echo "Heap allocations after the key is established: 0 (\`tests/firmware/test_decryptor_heap.c\`)."
    echo
    echo "| backend | chunk | instructions / byte | ratio | target | met |"
    echo "|---|---:|---:|---:|---|---|"
} >>"$out"
for v in "${fw_backends[@]}"; do
    COST=$PWD/build-bench-fw$v/bench/fw_decrypt_cost
    name="Mbed TLS $v ($([ $v = 4.0 ] && echo PSA || echo mbedTLS 3.x API))"
    ref=$(per_byte "$(ir "$COST" reference $small)" "$(ir "$COST" reference $large)")
    echo "| $name | reference | $ref | 1.00 | | |" >>"$out"
    for c in 16 512 4096; do
        v_=$(per_byte "$(ir "$COST" decryptor $c "$W/cg_s.enc" "$K/rsa_priv_key.pem")" \
            "$(ir "$COST" decryptor $c "$W/cg_l.enc" "$K/rsa_priv_key.pem")")
        if [ $c = 16 ]; then
            echo "| $name | $c | $v_ | $(ratio "$v_" "$ref") | (a call per block) | |" >>"$out"
        else
            echo "| $name | $c | $v_ | $(ratio "$v_" "$ref") | <= 1.03 | $(mark "$(ratio "$v_" "$ref")" 1.03 le) |" >>"$out"
        fi
    done
done
echo >>"$out"

# -- the firmware in the emulated ESP32-C3 (ESP-IDF v6.0.2's build, QEMU), full runs only
if ! $quick && [ -x ../shared/tools/idf-build ] && [ -x ../shared/tools/qemu-esp32c3 ]; then
    cmake --build build -j"$(nproc)" --target make_app_binary tcp_relay >/dev/null
    tests/firmware/test_emulator.sh build >"$W/emulator.txt" 2>&1 || {
        echo "bench: the emulator test failed (see $W/emulator.txt)" >&2
        exit 1
    }
    r() { # FIELD [SCHEME]: a figure of the emulator test's results
        if [ -n "${2:-}" ]; then
            sed -n "s/^$2 .*$1=\([0-9]*\).*/\1/p" "$W/emulator.txt" | head -1
        else
            sed -n "s/^$1=\([0-9]*\).*/\1/p" "$W/emulator.txt" | head -1
        fi
    }
    {
        echo "## The firmware in an emulated ESP32-C3"
        echo
        echo "\`tests/firmware/test_emulator.sh\`: ESP-IDF v6.0.2 builds the firmware for esp32c3 (PSA crypto,"
        echo "the HMAC peripheral for ECIES), QEMU runs it, \`esp_enc_img serve\` serves the images over"
        echo "the emulated Ethernet. Times are the device's own clock from the request to the next slot"
        echo "being selected; the emulator is not cycle-accurate, so they say more about the code path"
        echo "than about a real chip's speed."
        echo
        echo "| what | figure |"
        echo "|---|---:|"
        echo "| update with a 1 MiB app, signed ($(sed -n 's/^update_1mib_ms=[0-9]* image_bytes=\([0-9]*\)/\1/p' "$W/emulator.txt")-byte image, ECIES) | $(r update_1mib_ms) ms |"
        echo "| update with the 2.0.0 app, signed ($(sed -n 's/^update_2_0_0_ms=[0-9]* image_bytes=\([0-9]*\)/\1/p' "$W/emulator.txt")-byte image, ECIES) | $(r update_2_0_0_ms) ms |"
        echo "| update task stack, peak of 8192 bytes (ECIES / RSA-3072) | $(r stack_peak ecies) / $(r stack_peak rsa) B |"
        echo "| free heap at boot | $(r heap_free_at_boot) B |"
        echo "| lowest free heap during the update (ECIES / RSA-3072) | $(r heap_min_free ecies) / $(r heap_min_free rsa) B |"
        echo
    } >>"$out"
fi

# -- against an earlier version: the same commands, runs interleaved
if [ -n "$against" ]; then
    ab_rounds=$($quick && echo 3 || echo 11)
    stamp() { # CMD...: seconds it took; a run that fails stops the benchmark, saying which
        local t0=$EPOCHREALTIME
        "$@" >/dev/null 2>"$W/ab.err" || {
            echo "bench: failed: $*" >&2
            cat "$W/ab.err" >&2
            return 1
        }
        awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f\n", b - a }'
    }
    ab() { # LABEL SYNC(true/false) ARGS...: median of each binary, runs interleaved
        local label=$1 sync=$2 old new
        shift 2
        rm -f "$W/ab_old" "$W/ab_new"
        for _ in $(seq "$ab_rounds"); do
            for bin in "$EA" "$E"; do
                rm -rf "$W/out.ab"
                $sync && sync
                # (--max-size: to each version that has it; one without it takes any size)
                if [ "$bin" = "$E" ]; then stamp "$bin" "$@" $ab_max >>"$W/ab_new"; else stamp "$bin" "$@" $ab_max_old >>"$W/ab_old"; fi
            done
        done
        old=$(sort -g "$W/ab_old" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
        new=$(sort -g "$W/ab_new" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
        echo "| $label | $(ms "$old") ms | $(ms "$new") ms | $(ratio "$new" "$old") |" >>"$out"
    }
    {
        echo "## This version against $rev"
        echo
        echo "The same commands with \`$rev\` (built here the same way) and with this version, runs"
        echo "interleaved, $ab_rounds of each; medians of the wall time."
        echo
        echo "| command | $rev | this version | ratio |"
        echo "|---|---:|---:|---:|"
    } >>"$out"
    ab_max=$M ab_max_old=
    if "$EA" help encrypt 2>&1 | grep -q -- --max-size; then ab_max_old=$M; fi
    ab "encrypt $n MiB" true encrypt "$W/in$n.bin" "$K/rsa_pub_key.pem" "$W/out.ab"
    ab "decrypt $n MiB" true decrypt "$W/rsa$n.bin" "$K/rsa_priv_key.pem" "$W/out.ab"
    ab "verify $n MiB" false verify "$W/rsa$n.bin" "$K/rsa_priv_key.pem"
    ab "verify --no-hash $n MiB" false verify --no-hash "$W/rsa$n.bin" "$K/rsa_priv_key.pem"
    ab_max="" ab_max_old=""
    ab_rounds=$((ab_rounds * 3))
    ab "encrypt 4 MiB (RSA-3072)" false encrypt "$W/in4.bin" "$K/rsa_pub_key.pem" "$W/out.ab"
    ab "decrypt 4 MiB (ECIES, HMAC key)" false decrypt "$W/ecies4.bin" "$K/device_hmac_key.bin" "$W/out.ab"
    ab "verify 4 MiB (RSA-3072)" false verify "$W/rsa4.bin" "$K/rsa_priv_key.pem"
    ab "batch, $devices devices" false batch "$W/fleet/fleet.json" --out-dir "$W/out.ab" --quiet
    echo >>"$out"
fi
cat "$out"
