#!/usr/bin/env bash
# The Windows x86_64 build of esp_enc_img, cross-compiled here: OUTDIR/esp_enc_img.exe, one
# program that needs no DLL beyond Windows' own (OpenSSL, cJSON, libgcc and winpthreads are linked
# in). Installs Debian's MinGW-w64 compiler when it is missing; OpenSSL and cJSON for Windows come
# from ../shared/third_party/mingw-w64-deps.tar.xz (or $EEI_MINGW_DEPS_TAR). The CMake toolchain
# file cmake/mingw-w64.cmake does the work; EEI_WIN_BUILD names the build folder (build-win).
#   scripts/build-windows.sh OUTDIR
set -euo pipefail
out=${1:?usage: scripts/build-windows.sh OUTDIR}
cd "$(dirname "$0")/.."
. scripts/deps.sh
eei_install_deps "${EEI_WINDOWS_DEPS[@]}"
tar=${EEI_MINGW_DEPS_TAR:-../shared/third_party/mingw-w64-deps.tar.xz}
[ -f "$tar" ] || {
    echo "build-windows: no $tar: OpenSSL and cJSON built for x86_64-w64-mingw32 are needed" >&2
    exit 3
}
build=${EEI_WIN_BUILD:-build-win}
mkdir -p "$build"
if [ ! -f "$build/mingw-w64-deps/lib/libcrypto.a" ] || [ "$tar" -nt "$build/mingw-w64-deps" ]; then
    rm -rf "$build/mingw-w64-deps"
    tar -xJf "$tar" -C "$build"
fi
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
    -DEEI_MINGW_DEPS="$PWD/$build/mingw-w64-deps" -DCMAKE_BUILD_TYPE=Release ${EEI_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)" --target esp_enc_img
mkdir -p "$out"
cp "$build/esp_enc_img.exe" "$out/"
echo "wrote $out/esp_enc_img.exe"
