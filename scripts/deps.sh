# Sourced by demo.sh and test.sh: install the Debian packages a fresh Debian 12 lacks.
# Usage: eei_install_deps PACKAGE...
eei_install_deps() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "missing packages: ${missing[*]}; install them as root" >&2
            return 1
        }
        sudo=sudo
    fi
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
}

# What building the tool needs.
EEI_BUILD_DEPS=(build-essential cmake pkg-config libssl-dev libcjson-dev libp11-dev)
# What the test suite needs besides: the openssl command makes key fixtures, clang-format checks
# style, SoftHSM2 and OpenSC's pkcs11-tool hold the keys of the PKCS#11 tests, groff and man
# render and lint the man page, zsh and bash-completion run the shell completions, python3 types
# a passphrase at a prompt on a pseudo-terminal and, with python3-yaml, replays the pipelines of
# docs/CI.md (whose steps run jq), debootstrap makes the bare Debian 12 root the .deb is
# installed into.
EEI_TEST_DEPS=(openssl clang-format valgrind curl softhsm2 opensc groff-base man-db zsh
    bash-completion python3 python3-yaml jq debootstrap)
# What running Espressif's espsecure (the cross-check of Secure Boot V2 signatures) needs.
EEI_ESPSECURE_DEPS=(python3-cryptography python3-ecdsa python3-serial python3-bitstring
    python3-intelhex)
# What the Windows build (scripts/build-windows.sh) needs: MinGW-w64's compiler; and what runs
# its tests here: Wine.
EEI_WINDOWS_DEPS=(gcc-mingw-w64-x86-64 cmake)
EEI_WINE_DEPS=(wine64 wine unzip)
# What the fuzz targets need: clang and its libFuzzer runtime.
EEI_FUZZ_DEPS=(clang libclang-rt-14-dev)
