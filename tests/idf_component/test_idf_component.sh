#!/usr/bin/env bash
# The esp_enc_img ESP-IDF component, as cmake --install puts it, in a project of its own
# (sample/): ESP-IDF v5.5's and v6.0's own configure accepts it (../shared/tools/idf-check, which
# compiles but does not link), and the build step it adds, run on a stand-in app binary, writes
# build/sample_app_secure.bin with the installed esp_enc_img: it decrypts to the stand-in, and
# with signing keys set in Kconfig to the stand-in signed with them. Without a key the configure
# still succeeds (menuconfig must open) and the step fails saying what to set.
# Then, where ../shared/tools/idf-build is (ESP-IDF v6.0.2's whole build, linked for esp32c3), the
# sample is built as idf.py build does, signing keys set: its build/sample_app_secure.bin opens to
# the app ESP-IDF linked, signed with both keys. About 80 s more.
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
expect_rc 0 "$TOOL" keygen hmac --out-dir "$T/device"
expect_rc 0 "$TOOL" keygen rsa --out-dir "$T/sign1"
expect_rc 0 "$TOOL" keygen ecc384 --out-dir "$T/sign2"

# configure SAMPLE with ESP-IDF VERSION and the defaults file NAME.defaults; sets $build (kept)
configure() { # VERSION NAME
    local log=$T/$2-$1.log
    PATH="$P/bin:$PATH" "$IDF_CHECK" --idf "$1" --project "$SAMPLE" --copy-root "$SAMPLE" --keep \
        --defaults "$T/$2.defaults" --cmake-arg "-DESP_ENC_IMG_COMPONENTS=$C" >"$log" 2>&1
    rc=$?
    build=$(sed -n 's/^idf-check: kept //p' "$log")/build
    if [ $rc = 0 ]; then pass; else fail "idf-check v$1 $2: $(grep -v '^ok ' "$log" | tail -20)"; fi
    grep -qx "CONFIG_ESP_ENC_IMG_SECURE_BIN=y" "$build/sdkconfig" && pass ||
        fail "v$1 $2: the component's Kconfig is not in the sdkconfig"
}
# run the command the build step has for OUTPUT, with the stand-in where ESP-IDF writes the app
run_step() { # VERSION NAME
    local cmd
    cmd=$(ninja -C "$build" -t commands -s sample_app_secure.bin)
    case $cmd in
    *" $TOOL encrypt "*) pass ;;
    *) fail "v$1 $2: the step does not run the installed tool: $cmd" ;;
    esac
    cp "$APP" "$build/sample_app.bin"
    bash -c "$cmd" >"$T/$2-$1.step.log" 2>&1 && pass ||
        fail "v$1 $2: the step failed: $(cat "$T/$2-$1.step.log")"
}
done_with() { rm -rf "$(dirname "$build")"; }

printf 'CONFIG_ESP_ENC_IMG_PUBLIC_KEY="%s"\n' "$T/device/device_pub_key.pem" >"$T/plain.defaults"
cat "$T/plain.defaults" - >"$T/signed.defaults" <<EOF
CONFIG_ESP_ENC_IMG_SIGN_KEY="$T/sign1/rsa_priv_key.pem"
CONFIG_ESP_ENC_IMG_SIGN_KEY_2="$T/sign2/ecc384_priv_key.pem"
EOF
: >"$T/nokey.defaults"
for v in 5.5 6.0; do
    configure $v plain
    run_step $v plain
    expect_rc 0 "$E" decrypt "$build/sample_app_secure.bin" "$T/device/device_hmac_key.bin" plain.bin
    expect_same plain.bin "$APP"
    done_with

    configure $v signed
    run_step $v signed
    expect_rc 0 "$E" decrypt "$build/sample_app_secure.bin" "$T/device/device_hmac_key.bin" signed.bin
    expect_same <(head -c "$(stat -c %s "$APP")" signed.bin) "$APP"
    expect_rc 0 "$E" verify-signature signed.bin --pub "$T/sign1/rsa_pub_key.pem" \
        --pub "$T/sign2/ecc384_pub_key.pem" --json
    expect_json blocks 2
    expect_json blocks.0.verified true
    expect_json blocks.1.verified true
    done_with
done

# the sample's own key (keys/device_pub_key.pem) is not there: configure warns, the step fails
configure 5.5 nokey
grep -q "esp_enc_img: the key" "$(dirname "$build")/configure.log" && pass ||
    fail "configure did not warn about the missing key"
expect_rc 1 ninja -C "$build" secure_bin
grep -q "esp_enc_img: the key .*keys/device_pub_key.pem does not exist" "$T/out.txt" && pass ||
    fail "the failing step does not say which key is missing: $(tail -5 "$T/out.txt")"
expect_absent "$build/sample_app_secure.bin"
done_with

# the whole build, linked: what ESP-IDF writes as the app is what _secure.bin holds, signed
IDF_BUILD=${EEI_IDF_BUILD:-$SRC/../shared/tools/idf-build}
if [ -x "$IDF_BUILD" ]; then
    log=$T/link.log
    PATH="$P/bin:$PATH" "$IDF_BUILD" --project "$SAMPLE" --copy-root "$SAMPLE" --keep \
        --out "$T/link" --defaults "$T/signed.defaults" \
        --cmake-arg "-DESP_ENC_IMG_COMPONENTS=$C" >"$log" 2>&1 && pass ||
        fail "idf-build: $(grep -v '^ok ' "$log" | tail -20)"
    build=$(sed -n 's/^idf-build: kept //p' "$log")/build
    expect_present "$build/sample_app_secure.bin"
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
