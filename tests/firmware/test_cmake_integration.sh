#!/usr/bin/env bash
# The esp_enc_img component's CMake module (firmware/components/esp_enc_img/esp_enc_img.cmake):
# encrypt during the build, signed first when signing keys are given, with the tool from PATH or
# built from this repository when there is none; a missing key or tool fails the build at that
# step with a message, after a configure that succeeds (so that menuconfig still opens).
. "$(dirname "$0")/../support/lib.sh"
P=$SRC/tests/firmware/cmake_integration
K=$SRC/keys

# the tool on PATH
mkdir bin && ln -s "$E" bin/esp_enc_img
expect_rc 0 env PATH="$T/bin:/usr/bin:/bin" cmake -S "$P" -B onpath -DEEI_REPO="$SRC"
expect_rc 0 cmake --build onpath
expect_rc 0 "$E" decrypt onpath/app_secure.bin "$K/device_hmac_key.bin" back.bin
expect_same back.bin "$SRC/samples/hello_app.bin"
expect_absent onpath/esp_enc_img_native
# a second build does nothing; a changed input is encrypted again
before=$(stat -c %Y onpath/app_secure.bin)
sleep 1
expect_rc 0 cmake --build onpath
[ "$(stat -c %Y onpath/app_secure.bin)" = "$before" ] && pass || fail "re-encrypted without a change"

# signing keys: the image holds the app signed with them (a relative path is from the project)
expect_rc 0 "$E" keygen ecc384 --out-dir "$T/sign"
expect_rc 0 cmake -S "$P" -B signed -DEEI_REPO="$SRC" -DESP_ENC_IMG_TOOL="$E" \
    "-DEEI_TEST_SIGN_KEYS=$K/rsa_priv_key.pem;$T/sign/ecc384_priv_key.pem"
expect_rc 0 cmake --build signed
expect_rc 0 "$E" decrypt signed/app_secure.bin "$K/device_hmac_key.bin" signed.bin
expect_same <(head -c "$(stat -c %s "$SRC/samples/hello_app.bin")" signed.bin) \
    "$SRC/samples/hello_app.bin"
expect_rc 0 "$E" verify-signature signed.bin --pub "$K/rsa_pub_key.pem" \
    --pub "$T/sign/ecc384_pub_key.pem" --json
expect_json blocks.0.verified true
expect_json blocks.1.verified true

# no tool anywhere: it is built from the repository with the host compiler
expect_rc 0 env PATH=/usr/bin:/bin cmake -S "$P" -B built -DEEI_REPO="$SRC"
expect_rc 0 env PATH=/usr/bin:/bin cmake --build built
expect_present built/esp_enc_img_native/esp_enc_img
expect_rc 0 "$E" decrypt built/app_secure.bin "$K/device_hmac_key.bin" back2.bin
expect_same back2.bin "$SRC/samples/hello_app.bin"

# no tool, and the module outside a checkout (as installed): the build says what to do
mkdir -p installed && cp "$SRC/firmware/components/esp_enc_img/esp_enc_img.cmake" installed/
expect_rc 0 env PATH=/usr/bin:/bin cmake -S "$P" -B notool -DEEI_REPO="$SRC" \
    -DEEI_MODULE="$T/installed/esp_enc_img.cmake"
expect_err "the esp_enc_img tool is not on PATH"
expect_rc 2 env PATH=/usr/bin:/bin cmake --build notool
grep -q "esp_enc_img: the esp_enc_img tool is not on PATH: install it" out.txt && pass ||
    fail "the build does not say the tool is missing: $(tail -3 out.txt)"

# a missing key, or none: configure warns, the build fails naming it, nothing is written
expect_rc 0 cmake -S "$P" -B nokey -DEEI_REPO="$SRC" -DESP_ENC_IMG_TOOL="$E" -DEEI_TEST_KEY="$T/none.pem"
expect_err "$T/none.pem"
expect_rc 2 cmake --build nokey
grep -q "esp_enc_img: the key $T/none.pem does not exist" out.txt && pass ||
    fail "the build does not name the missing key: $(tail -3 out.txt)"
expect_absent nokey/app_secure.bin
expect_rc 0 cmake -S "$P" -B emptykey -DEEI_REPO="$SRC" -DESP_ENC_IMG_TOOL="$E" -DEEI_TEST_KEY=
expect_rc 2 cmake --build emptykey
grep -q "esp_enc_img: no public key to encrypt .* to: set ESP_ENC_IMG_PUBLIC_KEY" out.txt && pass ||
    fail "the build does not say the key is unset: $(tail -3 out.txt)"
finish
