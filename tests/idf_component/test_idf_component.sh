#!/usr/bin/env bash
# The esp_enc_img ESP-IDF component, as cmake --install puts it, in a project of its own
# (sample/): ESP-IDF v5.5's and v6.0's own configure accepts it (../shared/tools/idf-check, which
# compiles but does not link), and the build step it adds, run on a stand-in app binary, writes
# build/sample_app_secure.bin with the installed esp_enc_img found on PATH, and says so in one
# line with its size: it decrypts to the stand-in, and with signing keys set in Kconfig to the
# stand-in signed with them. The tool named by CONFIG_ESP_ENC_IMG_TOOL, in a folder whose path has
# spaces and non-ASCII letters, runs the same. Without a key, without the tool, or with a tool
# path that names nothing, the configure still succeeds (menuconfig must open) and the step fails
# saying what to do, compiling nothing; asked to (ESP_ENC_IMG_BUILD_TOOL), the step builds the
# tool from this checkout and runs it.
# Then, where ../shared/tools/idf-build is (ESP-IDF v6.0.2's whole build, linked for esp32c3), the
# sample is built as idf.py build does, signing keys set and the tool named by -DESP_ENC_IMG_TOOL
# with spaces in its path: its build/sample_app_secure.bin opens to the app ESP-IDF linked, signed
# with both keys, and the build's output has the step's line. About 80 s more.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR BUILD_DIR; EEI_IDF_CHECK and EEI_IDF_BUILD override
# the tools.
. "$(dirname "$0")/../support/lib.sh"
B=$(readlink -f "$4")
IDF_CHECK=${EEI_IDF_CHECK:-$SRC/../shared/tools/idf-check}
if [ ! -x "$IDF_CHECK" ]; then
    echo "SKIPPED: no idf-check at $IDF_CHECK (../shared/tools)"
    exit 0
fi
SAMPLE=$SRC/tests/idf_component/sample
APP=$SRC/samples/hello_app.bin # the stand-in for what ESP-IDF would have linked
P=$T/prefix
expect_rc 0 cmake --install "$B" --prefix "$P" --component tool
C=$P/share/esp_enc_img/idf_component
for f in idf_component.yml project_include.cmake Kconfig CMakeLists.txt esp_enc_img.cmake \
    esp_enc_img_summary.cmake; do
    expect_present "$C/esp_enc_img/$f"
done
TOOL=$P/bin/esp_enc_img
# the same tool where a Windows user might put it, and a PATH without any esp_enc_img
SPACED="$T/my tools/esp enc img ü/esp_enc_img"
mkdir -p "$(dirname "$SPACED")" && cp "$TOOL" "$SPACED"
BARE_PATH=$(IFS=:
    for d in $PATH; do [ -e "$d/esp_enc_img" ] || [ -e "$d/esp_enc_img.exe" ] || printf '%s:' "$d"; done)
BARE_PATH=${BARE_PATH%:}
expect_rc 0 "$TOOL" keygen hmac --out-dir "$T/device"
expect_rc 0 "$TOOL" keygen rsa --out-dir "$T/sign1"
expect_rc 0 "$TOOL" keygen ecc384 --out-dir "$T/sign2"

# configure SAMPLE with ESP-IDF VERSION, the defaults file NAME.defaults and CMAKE_ARGs, the
# installed tool on PATH (or PATH=$CONFIGURE_PATH when set); sets $build (kept)
configure() { # VERSION NAME [CMAKE_ARG...]
    local log=$T/$2-$1.log v=$1 name=$2 args=()
    shift 2
    for a in "$@"; do args+=(--cmake-arg "$a"); done
    PATH=${CONFIGURE_PATH:-$P/bin:$PATH} "$IDF_CHECK" --idf "$v" --project "$SAMPLE" \
        --copy-root "$SAMPLE" --keep --defaults "$T/$name.defaults" \
        --cmake-arg "-DESP_ENC_IMG_COMPONENTS=$C" ${args[@]+"${args[@]}"} >"$log" 2>&1
    rc=$?
    build=$(sed -n 's/^idf-check: kept //p' "$log")/build
    if [ $rc = 0 ]; then pass; else fail "idf-check v$v $name: $(grep -v '^ok ' "$log" | tail -20)"; fi
    grep -qx "CONFIG_ESP_ENC_IMG_SECURE_BIN=y" "$build/sdkconfig" && pass ||
        fail "v$v $name: the component's Kconfig is not in the sdkconfig"
}
# run the command the build step has for OUTPUT, with the stand-in where ESP-IDF writes the app;
# it runs TOOL (default: the installed one) and ends with the line that says where the image went
run_step() { # VERSION NAME [TOOL [", signed with N keys"]]
    local cmd tool=${3:-$TOOL} log=$T/$2-$1.step.log line
    cmd=$(ninja -C "$build" -t commands -s sample_app_secure.bin)
    case $cmd in
    *" $tool encrypt "* | *" \"$tool\" encrypt "*) pass ;;
    *) fail "v$1 $2: the step does not run $tool: $cmd" ;;
    esac
    cp "$APP" "$build/sample_app.bin"
    bash -c "$cmd" >"$log" 2>&1 && pass || fail "v$1 $2: the step failed: $(cat "$log")"
    line="esp_enc_img: $build/sample_app_secure.bin ($(stat -c %s "$build/sample_app_secure.bin") bytes),"
    line+=" encrypted for $T/device/device_pub_key.pem${4:-}"
    [ "$(tail -1 "$log")" = "$line" ] && pass ||
        fail "v$1 $2: the step does not end with '$line': $(tail -3 "$log")"
}
# the step fails at once, compiling nothing, and says MESSAGE (a regex; configure warned it too)
step_fails() { # NAME MESSAGE
    tr -s ' \n' '  ' <"$(dirname "$build")/configure.log" | grep -q "esp_enc_img: $2" && pass ||
        fail "$1: configure did not warn '$2'" # however CMake wrapped the warning's lines
    expect_rc 1 ninja -C "$build" secure_bin
    grep -q "esp_enc_img: $2" "$T/out.txt" && pass ||
        fail "$1: the failing step does not say '$2': $(tail -5 "$T/out.txt")"
    expect_absent "$build/sample_app_secure.bin"
    expect_absent "$build/esp_enc_img_native"
    [ "$(grep -c '^\[' "$T/out.txt")" = 1 ] && pass || fail "$1: more than the step ran: $(head -5 "$T/out.txt")"
}
done_with() { rm -rf "$(dirname "$build")"; }

printf 'CONFIG_ESP_ENC_IMG_PUBLIC_KEY="%s"\n' "$T/device/device_pub_key.pem" >"$T/plain.defaults"
cat "$T/plain.defaults" - >"$T/signed.defaults" <<EOF
CONFIG_ESP_ENC_IMG_SIGN_KEY="$T/sign1/rsa_priv_key.pem"
CONFIG_ESP_ENC_IMG_SIGN_KEY_2="$T/sign2/ecc384_priv_key.pem"
EOF
: >"$T/nokey.defaults"
printf 'CONFIG_ESP_ENC_IMG_TOOL="%s"\n' "$SPACED" | cat "$T/plain.defaults" - >"$T/spaced.defaults"
printf 'CONFIG_ESP_ENC_IMG_TOOL="%s"\n' "$T/nowhere/esp_enc_img" |
    cat "$T/plain.defaults" - >"$T/nosuch.defaults"
for v in 5.5 6.0; do
    configure $v plain
    run_step $v plain
    expect_rc 0 "$E" decrypt "$build/sample_app_secure.bin" "$T/device/device_hmac_key.bin" plain.bin
    expect_same plain.bin "$APP"
    done_with

    configure $v signed
    run_step $v signed "$TOOL" ", signed with 2 keys"
    expect_rc 0 "$E" decrypt "$build/sample_app_secure.bin" "$T/device/device_hmac_key.bin" signed.bin
    expect_same <(head -c "$(stat -c %s "$APP")" signed.bin) "$APP"
    expect_rc 0 "$E" verify-signature signed.bin --pub "$T/sign1/rsa_pub_key.pem" \
        --pub "$T/sign2/ecc384_pub_key.pem" --json
    expect_json blocks 2
    expect_json blocks.0.verified true
    expect_json blocks.1.verified true
    done_with
done

# the tool that menuconfig names, in a folder with spaces and non-ASCII letters, none on PATH
CONFIGURE_PATH=$BARE_PATH configure 6.0 spaced
run_step 6.0 spaced "$SPACED"
expect_rc 0 "$E" decrypt "$build/sample_app_secure.bin" "$T/device/device_hmac_key.bin" spaced.bin
expect_same spaced.bin "$APP"
done_with

# the sample's own key (keys/device_pub_key.pem) is not there: configure warns, the step fails
configure 5.5 nokey
step_fails nokey "the key .*keys/device_pub_key.pem does not exist"
done_with
# no tool on PATH and none named: the step says how to get one, on each system
CONFIGURE_PATH=$BARE_PATH configure 5.5 plain
step_fails notool "the esp_enc_img tool is not on PATH, and no path to it is set"
for os in Linux macOS Windows; do
    grep -q "^esp_enc_img:   $os: " "$T/out.txt" && pass || fail "notool: nothing said for $os"
done
done_with
# a tool path that names nothing
configure 6.0 nosuch
step_fails nosuch "the esp_enc_img tool $T/nowhere/esp_enc_img does not exist: correct or unset CONFIG_ESP_ENC_IMG_TOOL"
done_with
# asked to, the step builds the tool from this checkout with the host compiler, and runs it
CONFIGURE_PATH=$BARE_PATH configure 5.5 plain -DESP_ENC_IMG_BUILD_TOOL=ON -DESP_ENC_IMG_DIR="$SRC"
expect_rc 0 ninja -C "$build" esp_enc_img_native
run_step 5.5 built "$build/esp_enc_img_native/esp_enc_img"
expect_rc 0 "$E" decrypt "$build/sample_app_secure.bin" "$T/device/device_hmac_key.bin" built.bin
expect_same built.bin "$APP"
done_with

# the whole build, linked: what ESP-IDF writes as the app is what _secure.bin holds, signed
IDF_BUILD=${EEI_IDF_BUILD:-$SRC/../shared/tools/idf-build}
if [ -x "$IDF_BUILD" ]; then
    log=$T/link.log
    PATH=$BARE_PATH "$IDF_BUILD" --project "$SAMPLE" --copy-root "$SAMPLE" --keep \
        --out "$T/link" --defaults "$T/signed.defaults" --cmake-arg "-DESP_ENC_IMG_TOOL=$SPACED" \
        --cmake-arg "-DESP_ENC_IMG_COMPONENTS=$C" >"$log" 2>&1 && pass ||
        fail "idf-build: $(grep -v '^ok ' "$log" | tail -20)"
    build=$(sed -n 's/^idf-build: kept //p' "$log")/build
    expect_present "$build/sample_app_secure.bin"
    line="esp_enc_img: $build/sample_app_secure.bin ($(stat -c %s "$build/sample_app_secure.bin") bytes),"
    line+=" encrypted for $T/device/device_pub_key.pem, signed with 2 keys"
    grep -qxF "$line" "$(dirname "$build")/build.log" && pass ||
        fail "the linked build does not say '$line': $(grep esp_enc_img "$(dirname "$build")/build.log")"
    expect_rc 0 "$E" info "$T/link/sample_app.bin" --json
    expect_json kind app
    expect_json app.project sample_app
    expect_rc 0 "$E" decrypt "$build/sample_app_secure.bin" "$T/device/device_hmac_key.bin" linked.bin
    expect_same <(head -c "$(stat -c %s "$T/link/sample_app.bin")" linked.bin) "$T/link/sample_app.bin"
    expect_rc 0 "$E" verify-signature linked.bin --pub "$T/sign1/rsa_pub_key.pem" \
        --pub "$T/sign2/ecc384_pub_key.pem" --json
    expect_json blocks 2
    expect_json blocks.0.verified true
    expect_json blocks.1.verified true
    done_with
else
    echo "note: no idf-build at $IDF_BUILD: the linked build was not tried"
fi
finish
