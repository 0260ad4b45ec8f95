#!/usr/bin/env bash
# Command-line surface: help, version, usage errors and their exit code 2.
. "$(dirname "$0")/../support/lib.sh"

expect_rc 0 "$E" --help
grep -q "Usage: esp_enc_img COMMAND" "$T/out.txt" && pass || fail "--help text"
expect_rc 0 "$E" --version
grep -Eq "^esp_enc_img [0-9]+\.[0-9]+\.[0-9]+$" "$T/out.txt" && pass || fail "--version text"
for cmd in keygen pubkey encrypt decrypt; do
    expect_rc 0 "$E" $cmd --help
    grep -q "Usage: esp_enc_img $cmd" "$T/out.txt" && pass || fail "$cmd --help"
    grep -q "Exit status" "$T/out.txt" && pass || fail "$cmd --help lacks exit status"
done
grep -q "the exit status is the verdict" <("$E" decrypt --help) && pass || fail "decrypt --help verdict"

expect_rc 2 "$E"
expect_rc 2 "$E" frobnicate
expect_err "unknown command 'frobnicate'"
expect_rc 2 "$E" encrypt onlyone
expect_err "expected IN KEY OUT"
expect_rc 2 "$E" decrypt a b c d
expect_rc 2 "$E" encrypt --bogus a b c
expect_err "unknown option '--bogus'"
expect_rc 2 "$E" keygen
expect_rc 2 "$E" keygen dsa
expect_err "unknown key kind 'dsa'"
expect_rc 2 "$E" keygen rsa --out-dir
expect_err "needs a value"
expect_rc 2 "$E" encrypt --force a b c
expect_err "option '--force' does not apply"
# the option is named, not its value
expect_rc 2 "$E" keygen rsa -p pass.txt
expect_err "option '--passphrase-file' does not apply"
expect_rc 2 "$E" info -o x.json image.bin
expect_err "option '--output' does not apply"
expect_rc 2 "$E" --generate_rsa_key extra
finish
