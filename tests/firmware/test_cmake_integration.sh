#!/usr/bin/env bash
# The esp_enc_img component's CMake module (firmware/components/esp_enc_img/esp_enc_img.cmake):
# encrypt during the build, signed first when signing keys are given, and end with one line that
# says where the image went and its size. The tool: a path that is set (the CMake variable
# ESP_ENC_IMG_TOOL, TOOL as CONFIG_ESP_ENC_IMG_TOOL passes it, the environment; spaces and
# non-ASCII letters in it), in that order; esp_enc_img or esp_enc_img.exe on PATH; built from
# this repository only when ESP_ENC_IMG_BUILD_TOOL asks. A missing key or tool, or a path that
# names nothing, fails the build at that step with a message (how to get the tool on each
# system), after a configure that succeeds (so that menuconfig still opens), and nothing is
# compiled.
. "$(dirname "$0")/../support/lib.sh"
P=$SRC/tests/firmware/cmake_integration
K=$SRC/keys
APP=$SRC/samples/hello_app.bin

# a PATH with cmake and make only: no esp_enc_img there, whatever the machine has installed
mkdir nopath && ln -s "$(command -v cmake)" "$(command -v make)" nopath/
# a tool on PATH that must not be the one that runs
mkdir decoy && printf '#!/bin/sh\necho "the esp_enc_img on PATH ran" >&2\nexit 9\n' >decoy/esp_enc_img
chmod +x decoy/esp_enc_img
# the build's summary line (BUILD's output in out.txt): OUTPUT (SIZE bytes), encrypted for KEY...
expect_summary() { # OUTPUT_SHOWN OUTPUT_FILE KEY_SHOWN [", signed with N keys"]
    local line="esp_enc_img: $1 ($(stat -c %s "$2") bytes), encrypted for $3${4:-}"
    grep -qxF -- "$line" "$T/out.txt" && pass || fail "no '$line' in: $(grep esp_enc_img "$T/out.txt")"
}
# configure's warning (in err.txt) says MESSAGE, however CMake wrapped its lines
expect_warned() {
    tr -s ' \n' '  ' <"$T/err.txt" | grep -qF -- "$1" && pass ||
        fail "configure did not warn '$1': $(head -c 300 "$T/err.txt")"
}
expect_out() {
    grep -qF -- "$1" "$T/out.txt" && pass || fail "the build does not say '$1': $(tail -5 "$T/out.txt")"
}
decrypts_to_app() { # IMAGE
    expect_rc 0 "$E" decrypt "$1" "$K/device_hmac_key.bin" "$T/back.bin"
    expect_same "$T/back.bin" "$APP"
}

# the tool on PATH
mkdir bin && ln -s "$E" bin/esp_enc_img
expect_rc 0 env PATH="$T/bin:/usr/bin:/bin" cmake -S "$P" -B onpath -DEEI_REPO="$SRC"
expect_rc 0 cmake --build onpath
expect_summary "$T/onpath/app_secure.bin" onpath/app_secure.bin "$K/device_pub_key.pem"
decrypts_to_app onpath/app_secure.bin
expect_absent onpath/esp_enc_img_native
# a second build does nothing; a changed input is encrypted again
before=$(stat -c %Y onpath/app_secure.bin)
sleep 1
expect_rc 0 cmake --build onpath
[ "$(stat -c %Y onpath/app_secure.bin)" = "$before" ] && pass || fail "re-encrypted without a change"

# esp_enc_img.exe on PATH, as a Windows install is, is found too
mkdir exe && ln -s "$E" exe/esp_enc_img.exe
expect_rc 0 env PATH="$T/exe:$T/nopath" cmake -S "$P" -B onpath_exe -DEEI_REPO="$SRC"
grep -qF "esp_enc_img: the tool is $T/exe/esp_enc_img.exe (PATH)" out.txt && pass ||
    fail "configure did not find esp_enc_img.exe on PATH: $(grep esp_enc_img out.txt)"
expect_rc 0 cmake --build onpath_exe
decrypts_to_app onpath_exe/app_secure.bin

# signing keys: the image holds the app signed with them (a relative path is from the project)
expect_rc 0 "$E" keygen ecc384 --out-dir "$T/sign"
expect_rc 0 cmake -S "$P" -B signed -DEEI_REPO="$SRC" -DESP_ENC_IMG_TOOL="$E" \
    "-DEEI_TEST_SIGN_KEYS=$K/rsa_priv_key.pem;$T/sign/ecc384_priv_key.pem"
expect_rc 0 cmake --build signed
expect_summary "$T/signed/app_secure.bin" signed/app_secure.bin "$K/device_pub_key.pem" \
    ", signed with 2 keys"
expect_rc 0 "$E" decrypt signed/app_secure.bin "$K/device_hmac_key.bin" signed.bin
expect_same <(head -c "$(stat -c %s "$APP")" signed.bin) "$APP"
expect_rc 0 "$E" verify-signature signed.bin --pub "$K/rsa_pub_key.pem" \
    --pub "$T/sign/ecc384_pub_key.pem" --json
expect_json blocks.0.verified true
expect_json blocks.1.verified true

# a configured tool whose path has spaces and non-ASCII letters, in a project folder that has
# them too (paths inside it are shown relative to it, as idf.py shows build/); it is run rather
# than the esp_enc_img on PATH, and each way of naming it comes before the next
project="$T/my project é"
spaced="$T/my tools/esp enc img"
accents="$T/outils/chiffrement ünï"
mkdir -p "$project/keys" "$spaced" "$accents"
cp "$K/device_pub_key.pem" "$project/keys/"
cp "$E" "$spaced/esp_enc_img"
cp "$E" "$accents/esp_enc_img"
tool_build() { # NAME ARGS...: configure NAME (in the project) with ARGS, decoy on PATH, and build
    local name=$1 dir=$project/$1
    shift
    expect_rc 0 env PATH="$T/decoy:$T/nopath" cmake -S "$P" -B "$dir" -DEEI_REPO="$SRC" \
        -DEEI_TEST_BASE_DIR="$project" -DEEI_TEST_KEY=keys/device_pub_key.pem "$@"
    cp out.txt configure.txt
    expect_rc 0 env PATH="$T/decoy:$T/nopath" cmake --build "$dir"
    grep -q "the esp_enc_img on PATH ran" out.txt err.txt && fail "the esp_enc_img on PATH ran" || pass
    expect_summary "$name/app_secure.bin" "$dir/app_secure.bin" keys/device_pub_key.pem
    decrypts_to_app "$dir/app_secure.bin"
}
said_tool() { # PATH SETTING: configure said which tool, and why
    grep -qF "esp_enc_img: the tool is $1 ($2)" configure.txt && pass ||
        fail "configure did not take $1 ($2): $(grep esp_enc_img configure.txt)"
}
tool_build cmake_var -DESP_ENC_IMG_TOOL="$spaced/esp_enc_img" -DEEI_TEST_TOOL="$T/none"
said_tool "$spaced/esp_enc_img" "the CMake variable ESP_ENC_IMG_TOOL"
# TOOL (CONFIG_ESP_ENC_IMG_TOOL) relative to the project, before the environment
ESP_ENC_IMG_TOOL=$T/none tool_build kconfig -DEEI_TEST_TOOL="../outils/chiffrement ünï/esp_enc_img"
said_tool "$accents/esp_enc_img" "CONFIG_ESP_ENC_IMG_TOOL"
ESP_ENC_IMG_TOOL=$accents/esp_enc_img tool_build environment
said_tool "$accents/esp_enc_img" "the environment variable ESP_ENC_IMG_TOOL"

# a configured path that names no file: configure warns, the build fails naming it and its setting
missing() { # DIR MESSAGE ARGS...
    local dir=$1 message=$2
    shift 2
    expect_rc 0 env PATH="$T/bin:$T/nopath" cmake -S "$P" -B "$dir" -DEEI_REPO="$SRC" "$@"
    expect_warned "$message"
    expect_rc 2 env PATH="$T/bin:$T/nopath" cmake --build "$dir"
    expect_out "esp_enc_img: $message"
    expect_absent "$dir/app_secure.bin"
}
missing nosuch_var "the esp_enc_img tool $T/no such dir/esp_enc_img does not exist: correct or unset the CMake variable ESP_ENC_IMG_TOOL" \
    -DESP_ENC_IMG_TOOL="$T/no such dir/esp_enc_img"
missing nosuch_kconfig "the esp_enc_img tool $T/my tools/esp_enc_img does not exist: correct or unset CONFIG_ESP_ENC_IMG_TOOL" \
    -DEEI_TEST_TOOL="$T/my tools/esp_enc_img"
ESP_ENC_IMG_TOOL="$T/gone/esp_enc_img.exe" missing nosuch_env \
    "the esp_enc_img tool $T/gone/esp_enc_img.exe does not exist: correct or unset the environment variable ESP_ENC_IMG_TOOL"
missing folder "the esp_enc_img tool $spaced is a folder: the CMake variable ESP_ENC_IMG_TOOL must name the tool itself (esp_enc_img, or esp_enc_img.exe on Windows)" \
    -DESP_ENC_IMG_TOOL="$spaced"

# no tool anywhere, no opt-in: configure warns, the build fails at once saying how to get the tool
# on each system, and nothing is compiled
expect_rc 0 env PATH="$T/nopath" cmake -S "$P" -B notool -DEEI_REPO="$SRC"
expect_warned "the esp_enc_img tool is not on PATH, and no path to it is set"
expect_rc 2 env PATH="$T/nopath" cmake --build notool
for said in "esp_enc_img: the esp_enc_img tool is not on PATH, and no path to it is set. Get it:" \
    "esp_enc_img:   Linux: apt-get install ./esp-enc-img_*.deb" "esp_enc_img:   macOS: cmake --install" \
    "esp_enc_img:   Windows: esp_enc_img.exe from the Windows ZIP, in a folder on PATH" \
    "idf.py -DESP_ENC_IMG_TOOL=PATH build, CONFIG_ESP_ENC_IMG_TOOL" \
    "the environment variable ESP_ENC_IMG_TOOL" "-DESP_ENC_IMG_BUILD_TOOL=ON"; do
    expect_out "$said"
done
expect_absent notool/esp_enc_img_native
grep -qi "configure step\|Building C\|Linking C" out.txt && fail "the tool was being built" || pass
expect_absent notool/app_secure.bin

# asked for (ESP_ENC_IMG_BUILD_TOOL), the tool is built from the repository with the host
# compiler, and is the one that runs even with another on PATH
expect_rc 0 env PATH="$T/decoy:/usr/bin:/bin" cmake -S "$P" -B built -DEEI_REPO="$SRC" \
    -DESP_ENC_IMG_BUILD_TOOL=ON
expect_rc 0 env PATH="$T/decoy:/usr/bin:/bin" cmake --build built
expect_summary "$T/built/app_secure.bin" built/app_secure.bin "$K/device_pub_key.pem"
expect_present built/esp_enc_img_native/esp_enc_img
decrypts_to_app built/app_secure.bin

# the component outside a checkout (as installed): no tool says what to do; the opt-in names
# what it lacks
mkdir -p installed && cp -r "$SRC/firmware/components/esp_enc_img" installed/
expect_rc 0 env PATH="$T/nopath" cmake -S "$P" -B notool_installed -DEEI_REPO="$SRC" \
    -DEEI_MODULE="$T/installed/esp_enc_img/esp_enc_img.cmake"
expect_rc 2 env PATH="$T/nopath" cmake --build notool_installed
expect_out "esp_enc_img: the esp_enc_img tool is not on PATH, and no path to it is set. Get it:"
expect_rc 0 env PATH="$T/nopath" cmake -S "$P" -B optin_installed -DEEI_REPO="$SRC" \
    -DEEI_MODULE="$T/installed/esp_enc_img/esp_enc_img.cmake" -DESP_ENC_IMG_BUILD_TOOL=ON
expect_rc 2 env PATH="$T/nopath" cmake --build optin_installed
expect_out "esp_enc_img: ESP_ENC_IMG_BUILD_TOOL is on, to build the tool from an esp_enc_img source checkout, but this component, $T/installed/esp_enc_img, is not in one and ESP_ENC_IMG_DIR names none"
expect_rc 0 env PATH="$T/nopath" cmake -S "$P" -B optin_dir -DEEI_REPO="$SRC" \
    -DEEI_MODULE="$T/installed/esp_enc_img/esp_enc_img.cmake" -DESP_ENC_IMG_BUILD_TOOL=ON \
    -DESP_ENC_IMG_DIR="$T/installed"
expect_rc 2 env PATH="$T/nopath" cmake --build optin_dir
expect_out "esp_enc_img: ESP_ENC_IMG_BUILD_TOOL is on, to build the tool from an esp_enc_img source checkout, but ESP_ENC_IMG_DIR, $T/installed, names none"
# ... and the installed component runs an installed tool
expect_rc 0 env PATH="$T/bin:$T/nopath" cmake -S "$P" -B installed_tool -DEEI_REPO="$SRC" \
    -DEEI_MODULE="$T/installed/esp_enc_img/esp_enc_img.cmake"
expect_rc 0 cmake --build installed_tool
expect_summary "$T/installed_tool/app_secure.bin" installed_tool/app_secure.bin "$K/device_pub_key.pem"
decrypts_to_app installed_tool/app_secure.bin

# a missing key, or none: configure warns, the build fails naming it, nothing is written
expect_rc 0 cmake -S "$P" -B nokey -DEEI_REPO="$SRC" -DESP_ENC_IMG_TOOL="$E" -DEEI_TEST_KEY="$T/none.pem"
expect_err "$T/none.pem"
expect_rc 2 cmake --build nokey
expect_out "esp_enc_img: the key $T/none.pem does not exist"
expect_absent nokey/app_secure.bin
expect_rc 0 cmake -S "$P" -B emptykey -DEEI_REPO="$SRC" -DESP_ENC_IMG_TOOL="$E" -DEEI_TEST_KEY=
expect_rc 2 cmake --build emptykey
grep -q "esp_enc_img: no public key to encrypt .* to: set ESP_ENC_IMG_PUBLIC_KEY" out.txt && pass ||
    fail "the build does not say the key is unset: $(tail -3 out.txt)"
finish
