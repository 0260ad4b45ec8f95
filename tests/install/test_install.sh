#!/usr/bin/env bash
# cmake --install into an empty prefix, then the example program (examples/) built against
# what was installed, with pkg-config and with find_package (shared and static); the CLI
# decrypts what it made. Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR BUILD_DIR
. "$(dirname "$0")/../support/lib.sh"
B=$(readlink -f "$4")
K=$SRC/keys
P=$T/prefix

expect_rc 0 cmake --install "$B" --prefix "$P"
lib=$(dirname "$(find "$P" -name libesp_enc_img.a | head -1)")
expect_present "$P/include/esp_enc_img/esp_enc_img.h"
expect_present "$P/include/esp_enc_img/format.h"
expect_present "$lib/libesp_enc_img.a"
expect_present "$lib/pkgconfig/esp_enc_img.pc"
expect_present "$lib/cmake/esp_enc_img/esp_enc_img-config.cmake"
major_minor=$(sed -n 's/^project(esp_enc_img VERSION \([0-9]*\.[0-9]*\).*/\1/p' "$SRC/CMakeLists.txt")
soname=$(readelf -d "$lib"/libesp_enc_img.so | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libesp_enc_img.so.$major_minor" ] && pass || fail "SONAME is '$soname'"
expect_rc 0 "$P/bin/esp_enc_img" --version

make_input fw.bin 300000
export PKG_CONFIG_PATH=$lib/pkgconfig
# pkg-config, the shared library
expect_rc 0 pkg-config --exists esp_enc_img
expect_rc 0 cc -std=c11 -Wall -Wextra -Werror "$SRC/examples/encrypt_buffer.c" \
    $(pkg-config --cflags --libs esp_enc_img) -o ex_pc
LD_LIBRARY_PATH=$lib ldd ./ex_pc | grep -q "libesp_enc_img.so.$major_minor => $lib/" && pass ||
    fail "ex_pc does not use the installed shared library"
LD_LIBRARY_PATH=$lib expect_rc 0 ./ex_pc fw.bin "$K/rsa_pub_key.pem" pc.img
expect_rc 0 "$E" decrypt pc.img "$K/rsa_priv_key.pem" pc.bin
expect_same pc.bin fw.bin

# the installed headers declare the API only: the format module's encoders and decoders are
# the library's own (behind EEI_FORMAT_INTERNALS, which the package does not set)
cat >api_only.c <<'EOF2'
#include <esp_enc_img/esp_enc_img.h>
int main(void) { return eei_scheme_name(EEI_SCHEME_RSA3072)[0] == 'r' && EEI_HEADER_SIZE == 512u ? 0 : 1; }
EOF2
expect_rc 0 cc -std=c11 -Wall -Wextra -Werror api_only.c $(pkg-config --cflags --libs esp_enc_img) \
    -o api_only
LD_LIBRARY_PATH=$lib expect_rc 0 ./api_only
for internal in "eei_crc32(0, 0, 0)" "eei_header_decode(0, 0, 0)" "eei_sc_strerror(0)" \
    "eei_app_walk_init(0)"; do
    printf '#include <esp_enc_img/esp_enc_img.h>\nint main(void) { (void)%s; return 0; }\n' \
        "$internal" >internal.c
    cc -std=c11 -Wall -Werror -c internal.c $(pkg-config --cflags esp_enc_img) -o internal.o \
        2>internal.err && fail "$internal is declared by the installed headers" ||
        { grep -q "implicit declaration" internal.err && pass || fail "$(cat internal.err)"; }
    cc -std=c11 -Wall -Werror -DEEI_FORMAT_INTERNALS -c internal.c $(pkg-config --cflags \
        esp_enc_img) -o internal.o && pass || fail "$internal: not declared with the opt-in"
done

# find_package: the shared and the static library
expect_rc 0 cmake -S "$SRC/examples" -B exb -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_FLAGS="-Werror"
expect_rc 0 cmake --build exb
expect_rc 0 ./exb/encrypt_buffer fw.bin "$K/device_pub_key.pem" cm.img
expect_rc 0 "$E" decrypt cm.img "$K/device_hmac_key.bin" cm.bin
expect_same cm.bin fw.bin
expect_rc 0 ./exb/encrypt_buffer_static fw.bin "$K/rsa_pub_key.pem" st.img
! ldd ./exb/encrypt_buffer_static | grep -q libesp_enc_img && pass || fail "static links the .so"
expect_rc 0 "$E" decrypt st.img "$K/rsa_priv_key.pem" st.bin
expect_same st.bin fw.bin
# the package takes only its own minor version (before 1.0 a minor one may break the API)
mkdir -p want
for want in "$major_minor 0" "0.1 1" "0.99 1"; do
    read -r v rc_want <<<"$want"
    printf 'cmake_minimum_required(VERSION 3.20)\nproject(want C)\nfind_package(esp_enc_img %s REQUIRED)\n' \
        "$v" >want/CMakeLists.txt
    expect_rc "$rc_want" cmake -S want -B "want-$v" -DCMAKE_PREFIX_PATH="$P"
done
# relocatable: no path of this machine's build in the CMake package, and the tree, moved, still
# builds the example against the static library
grep -rlE "$B|$SRC|/usr/lib|/usr/include" "$lib/cmake/esp_enc_img" >paths.txt
[ ! -s paths.txt ] && pass || fail "build paths in the package: $(grep -rhoE "$B|$SRC|/usr/[a-z0-9_/.-]*" "$lib/cmake/esp_enc_img" | sort -u | tr '\n' ' ')"
mv "$P" "$T/moved"
expect_rc 0 cmake -S "$SRC/examples" -B exm -DCMAKE_PREFIX_PATH="$T/moved" -DCMAKE_C_FLAGS="-Werror"
expect_rc 0 cmake --build exm --target encrypt_buffer_static
expect_rc 0 ./exm/encrypt_buffer_static fw.bin "$K/rsa_pub_key.pem" mv.img
expect_rc 0 "$E" decrypt mv.img "$K/rsa_priv_key.pem" mv.bin
expect_same mv.bin fw.bin
mv "$T/moved" "$P"
# a key the example cannot use: its message comes from the library
expect_rc 1 ./exb/encrypt_buffer fw.bin fw.bin x.img
expect_err "fw.bin"
finish
