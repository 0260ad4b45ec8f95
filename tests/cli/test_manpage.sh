#!/usr/bin/env bash
# The man page covers every command, and every option that a command's --help lists.
. "$(dirname "$0")/../support/lib.sh"
MAN=$SRC/docs/esp_enc_img.1
# roff writes '-' as '\-'; read it back as plain text
sed 's/\\-/-/g; s/\\f[BIRP]//g' "$MAN" >man.txt
for cmd in keygen pubkey encrypt decrypt info verify batch serve sign verify-signature digest; do
    grep -q "^\.SS $cmd " man.txt && pass || fail "no section for $cmd"
    "$E" "$cmd" --help >help.txt
    for opt in $(grep -o -- '--[a-z][a-z-]*' help.txt | sort -u); do
        grep -q -- "$opt" man.txt && pass || fail "$cmd --help has $opt, the man page does not"
    done
    # and the exit codes the command can end with
    for code in $(grep -o '[0-3] [a-z]' help.txt | cut -c1 | sort -u); do
        grep -q "^\.B $code$" man.txt && pass || fail "exit code $code of $cmd not in the man page"
    done
done
"$E" --help >help.txt
for opt in --generate_rsa_key --generate_ecc_key --version; do
    grep -q -- "$opt" man.txt && pass || fail "$opt missing from the man page"
done
# it installs with the binary
cmake --install "$(dirname "$E")" --prefix "$T/prefix" >/dev/null && pass || fail "cmake --install"
expect_present "$T/prefix/bin/esp_enc_img"
expect_present "$T/prefix/share/man/man1/esp_enc_img.1"
finish
