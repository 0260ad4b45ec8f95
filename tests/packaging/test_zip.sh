#!/usr/bin/env bash
# The Windows ZIP that cpack makes from the Windows build: its name, its files (the program, the
# manual as text, the docs, the licenses of what is linked in, the ESP-IDF component), a program
# that imports no DLL beyond Windows' own, unpacked and run: --version, a round trip.
#   test_zip.sh ESP_ENC_IMG VECTORS SOURCE BUILD_WIN_DIR   (ESP_ENC_IMG: how to run an .exe)
. "$(dirname "$0")/../support/lib.sh"
build=$(readlink -f "$4")
command -v cpack >/dev/null || {
    echo "SKIPPED: no cpack"
    exit 0
}
version=$(sed -n 's/^project(esp_enc_img VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
name=esp_enc_img-$version-windows-x86_64
(cd "$build" && cpack >"$T/cpack.log" 2>&1) && pass || fail "cpack: $(tail -5 "$T/cpack.log")"
zip=$build/$name.zip
expect_present "$zip"
unzip -q "$zip" -d unpacked && pass || fail "unzip $zip"
for f in esp_enc_img.exe esp_enc_img-manual.txt README.md doc/CLI.md doc/SECURITY.md \
    licenses/esp_enc_img-LICENSE licenses/openssl-LICENSE.txt licenses/cjson-LICENSE \
    idf_component/esp_enc_img/esp_enc_img.cmake idf_component/esp_enc_img/idf_component.yml; do
    expect_present "unpacked/$name/$f"
done
grep -q "esp_enc_img keygen" "unpacked/$name/esp_enc_img-manual.txt" && pass || fail "the manual"
grep -q $'\b' "unpacked/$name/esp_enc_img-manual.txt" && fail "the manual has overstrikes" || pass
# the DLLs it imports: Windows' own only (no libcrypto, libssl, libcjson, libwinpthread, libgcc)
objdump=$(command -v x86_64-w64-mingw32-objdump || command -v objdump)
"$objdump" -p "unpacked/$name/esp_enc_img.exe" | sed -n 's/.*DLL Name: //p' | tr 'A-Z' 'a-z' |
    sort >dlls.txt
own='^(advapi32|bcrypt|crypt32|kernel32|msvcrt|ntdll|shell32|user32|ws2_32)\.dll$'
[ -s dlls.txt ] && ! grep -Ev "$own" dlls.txt && pass || fail "imports beyond Windows: $(tr '\n' ' ' <dlls.txt)"
# the program from the ZIP runs: the same wrapper as the tests', pointed at the unpacked one
run_zip() { "$(dirname "$E")/run-exe" "unpacked/$name/esp_enc_img.exe" "$@"; }
run_zip --version >ver.txt && grep -q "^esp_enc_img $version" ver.txt && pass ||
    fail "--version: $(cat ver.txt)"
make_min_app app.bin
run_zip encrypt app.bin "$SRC/keys/rsa_pub_key.pem" app.img 2>/dev/null && pass || fail "encrypt"
run_zip decrypt app.img "$SRC/keys/rsa_priv_key.pem" back.bin && pass || fail "decrypt"
expect_same back.bin app.bin
finish
