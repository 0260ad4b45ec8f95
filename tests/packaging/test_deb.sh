#!/usr/bin/env bash
# The .deb (cpack in the build directory, cmake/package.cmake): named and versioned from the
# project, its Depends cover every shared library the binary needs (by the Debian package that
# holds it here), it holds the tool, its man page, its completions and its ESP-IDF component and
# nothing of the library's development files, apt accepts it (a simulation, nothing installed),
# and, unpacked into a scratch root (dpkg -x, no root needed), the binary runs, the man page
# renders and bash completes from there.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR BUILD_DIR
. "$(dirname "$0")/../support/lib.sh"
B=$(readlink -f "$4")
K=$SRC/keys
for tool in cpack dpkg-deb dpkg; do
    if ! command -v $tool >/dev/null; then
        echo "SKIPPED: no $tool: not a Debian machine"
        exit 0
    fi
done
version=$("$E" --version | sed -n '1s/^esp_enc_img //p')
[ -n "$version" ] && pass || fail "no version in esp_enc_img --version"
arch=$(dpkg --print-architecture)

expect_rc 0 cpack --config "$B/CPackConfig.cmake" -B "$T/out"
DEB=$T/out/esp-enc-img_${version}-1_${arch}.deb
expect_present "$DEB"
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = esp-enc-img ] && pass || fail "Package: $(field Package)"
[ "$(field Version)" = "$version-1" ] && pass || fail "Version: $(field Version), wanted $version-1"
[ "$(field Architecture)" = "$arch" ] && pass || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] && [ -n "$(field Description)" ] && pass ||
    fail "no Maintainer or Description"
dpkg-deb -I "$DEB" >info.txt && pass || fail "dpkg-deb -I"

# Depends: the package of every shared library the binary loads (libc6, libssl3, libcjson1,
# libp11-3 when built with PKCS#11), each with a version
field Depends | tr ',' '\n' | sed 's/^ *//' >depends.txt
for lib in $(ldd "$E" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
    pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
    [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)
    if [ -z "$pkg" ]; then
        fail "$lib belongs to no Debian package"
        continue
    fi
    grep -qE "^$pkg \(>= [^)]+\)$" depends.txt && pass ||
        fail "Depends lacks $pkg (for $lib): $(field Depends)"
done
for pkg in libc6 libssl3 libcjson1; do
    grep -q "^$pkg " depends.txt && pass || fail "Depends lacks $pkg: $(field Depends)"
done

# the files: the tool's, under /usr, and nothing of the library's development files
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >files.txt
for f in /usr/bin/esp_enc_img /usr/share/man/man1/esp_enc_img.1.gz \
    /usr/share/bash-completion/completions/esp_enc_img /usr/share/zsh/vendor-completions/_esp_enc_img \
    /usr/share/doc/esp-enc-img/copyright; do
    grep -qx "$f" files.txt && pass || fail "the package lacks $f"
done
for f in idf_component.yml project_include.cmake Kconfig CMakeLists.txt esp_enc_img.cmake \
    esp_enc_img_summary.cmake; do
    grep -qx "/usr/share/esp_enc_img/idf_component/esp_enc_img/$f" files.txt && pass ||
        fail "the package lacks the ESP-IDF component's $f"
done
grep -E '/include/|\.so|\.a$|\.pc$|/cmake/esp_enc_img/' files.txt >dev.txt
[ ! -s dev.txt ] && pass || fail "development files in the package: $(tr '\n' ' ' <dev.txt)"

# apt resolves its dependencies (a simulation: nothing is installed)
if command -v apt-get >/dev/null; then
    apt-get install -s -q "$DEB" >apt.txt 2>&1 && grep -q "^Inst esp-enc-img " apt.txt && pass ||
        fail "apt-get install -s: $(tail -5 apt.txt)"
fi

# unpacked into a scratch root: it runs, stripped, on the system's libraries
expect_rc 0 dpkg -x "$DEB" root
R=$T/root
expect_rc 0 "$R/usr/bin/esp_enc_img" --version
grep -q "^esp_enc_img $version$" out.txt && pass || fail "--version: $(head -1 out.txt)"
readelf -S "$R/usr/bin/esp_enc_img" | grep -q '\.debug_info' && fail "the binary is not stripped" || pass
make_input fw.bin 200000
expect_rc 0 "$R/usr/bin/esp_enc_img" encrypt fw.bin "$K/device_pub_key.pem" fw.img
expect_rc 0 "$R/usr/bin/esp_enc_img" decrypt fw.img "$K/device_hmac_key.bin" back.bin
expect_same back.bin fw.bin
# man renders its page (and groff has nothing to say about it)
MANWIDTH=80 man -l "$R/usr/share/man/man1/esp_enc_img.1.gz" >man.txt 2>man.err && pass ||
    fail "man -l: $(head -3 man.err)"
grep -q "pre-encrypted firmware images" man.txt && [ ! -s man.err ] && pass ||
    fail "the man page did not render cleanly: $(head -3 man.err)"
# bash-completion finds the completion in the unpacked tree and completes 'enc' to encrypt
if [ -r /usr/share/bash-completion/bash_completion ]; then
    XDG_DATA_DIRS=$R/usr/share bash --norc --noprofile -c '. /usr/share/bash-completion/bash_completion
        __load_completion esp_enc_img || exit 1
        COMP_WORDS=(esp_enc_img enc); COMP_CWORD=1; _esp_enc_img esp_enc_img enc esp_enc_img
        echo "${COMPREPLY[*]}"' >compl.txt 2>&1
    [ "$(cat compl.txt)" = encrypt ] && pass || fail "bash completion of 'enc': $(cat compl.txt)"
fi
finish
