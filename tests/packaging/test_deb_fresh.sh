#!/usr/bin/env bash
# The .deb on a Debian 12 that has nothing else: a minimal root made by debootstrap from the
# Debian archive, where apt-get install ./esp-enc-img_*.deb must pull every library the tool needs
# by the package's Depends alone. There, as a user would: the tool runs and round-trips an image,
# bash completes 'esp_enc_img enc' once bash-completion is installed, and 'man esp_enc_img' finds
# the page by name. Needs root (chroot), debootstrap, cpack and curl; the archive is
# $EEI_DEBIAN_MIRROR or deb.debian.org. A machine that cannot reach the archive (its Release file
# within 20 s) skips the test, saying why. Minutes, most of them downloading: label package.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR BUILD_DIR
. "$(dirname "$0")/../support/lib.sh"
B=$(readlink -f "$4")
missing=
[ "$(id -u)" = 0 ] || missing="$missing root"
for tool in debootstrap cpack curl; do
    command -v $tool >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    echo "SKIPPED: needs root, debootstrap, cpack and curl; missing:$missing"
    exit 0
fi
mirror=${EEI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if ! curl -fsS --connect-timeout 10 --max-time 20 -o Release "$mirror/dists/bookworm/Release" \
    2>curl.txt; then
    echo "SKIPPED: the Debian archive $mirror cannot be reached: $(head -c 200 curl.txt)"
    exit 0
fi
version=$("$E" --version | sed -n '1s/^esp_enc_img //p')
arch=$(dpkg --print-architecture)
expect_rc 0 cpack --config "$B/CPackConfig.cmake" -B "$T/out"
DEB=$T/out/esp-enc-img_${version}-1_${arch}.deb
expect_present "$DEB"

R=$T/root
debootstrap --variant=minbase bookworm "$R" "$mirror" >debootstrap.txt 2>&1 && pass ||
    fail "debootstrap bookworm from $mirror: $(tail -3 debootstrap.txt)"
[ -x "$R/usr/bin/apt-get" ] || { finish; exit 1; }
cp /etc/resolv.conf "$R/etc/resolv.conf"
cp "$DEB" "$R/root/"
# A command in the root, with its own /proc (bash's <(...) needs /dev/fd) mounted in a mount
# namespace of its own: the mount ends with the command, so nothing of the machine is ever
# mounted under $T when it is removed.
in_root() {
    unshare --mount --propagation private sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive bash -c "$2"' in_root "$R" "$1"
}
in_root "command -v esp_enc_img" && fail "the fresh root already has esp_enc_img" || pass
in_root "dpkg -s libcjson1" >/dev/null 2>&1 && fail "the fresh root already has libcjson1" || pass

# apt installs it, and the libraries it names, from the archive
in_root "apt-get update -q && apt-get install -y -q /root/$(basename "$DEB")" >apt.txt 2>&1 &&
    pass || fail "apt-get install ./$(basename "$DEB"): $(tail -5 apt.txt)"
for pkg in libssl3 libcjson1; do
    grep -q "Setting up $pkg" apt.txt && pass || fail "apt did not install $pkg for the package"
done

# it runs, and what it encrypts there it decrypts
in_root "esp_enc_img --version" >version.txt 2>&1 && grep -q "^esp_enc_img $version$" version.txt &&
    pass || fail "esp_enc_img --version in the fresh root: $(head -3 version.txt)"
in_root "cd /tmp && esp_enc_img keygen ecc --out-dir k -q &&
    head -c 100000 /dev/urandom >fw.bin && esp_enc_img encrypt fw.bin k/ecc_pub_key.pem fw.img -q &&
    esp_enc_img decrypt fw.img k/ecc_priv_key.pem back.bin -q && cmp fw.bin back.bin" >rt.txt 2>&1 &&
    pass || fail "encrypt and decrypt in the fresh root: $(tail -3 rt.txt)"

# what a user adds for a shell and manuals (Debian's standard installs have both)
in_root "apt-get install -y -q bash-completion man-db" >apt2.txt 2>&1 && pass ||
    fail "apt-get install bash-completion man-db: $(tail -3 apt2.txt)"
in_root '. /usr/share/bash-completion/bash_completion
    __load_completion esp_enc_img || exit 1
    COMP_WORDS=(esp_enc_img enc); COMP_CWORD=1; _esp_enc_img esp_enc_img enc esp_enc_img
    echo "${COMPREPLY[*]}"' >compl.txt 2>&1
[ "$(cat compl.txt)" = encrypt ] && pass || fail "bash completion of 'enc': $(cat compl.txt)"
in_root "MANPAGER=cat MANWIDTH=80 man esp_enc_img" >man.txt 2>man.err && pass ||
    fail "man esp_enc_img: $(head -3 man.err)"
grep -q "pre-encrypted firmware images" man.txt && pass || fail "man esp_enc_img: $(head -3 man.txt)"
finish
