#!/usr/bin/env bash
# firmware/cmake/esp_enc_img.cmake: encrypt during the build, with the tool from PATH or
# built from this repository when there is none.
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

# no tool anywhere: it is built from the repository with the host compiler
expect_rc 0 env PATH=/usr/bin:/bin cmake -S "$P" -B built -DEEI_REPO="$SRC"
expect_rc 0 env PATH=/usr/bin:/bin cmake --build built
expect_present built/esp_enc_img_native/esp_enc_img
expect_rc 0 "$E" decrypt built/app_secure.bin "$K/device_hmac_key.bin" back2.bin
expect_same back2.bin "$SRC/samples/hello_app.bin"

# a missing key is a configure error that names it
expect_rc 1 cmake -S "$P" -B nokey -DEEI_REPO="$SRC" -DESP_ENC_IMG_TOOL="$E" -DEEI_TEST_KEY="$T/none.pem"
expect_err "$T/none.pem does not exist"
finish
