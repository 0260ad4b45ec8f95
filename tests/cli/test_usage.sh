#!/usr/bin/env bash
# Command-line surface: help, version, usage errors and their exit code 2.
. "$(dirname "$0")/../support/lib.sh"

expect_rc 0 "$E" --help
grep -q "Usage: esp_enc_img COMMAND" "$T/out.txt" && pass || fail "--help text"
expect_rc 0 "$E" --version
grep -Eq "^esp_enc_img [0-9]+\.[0-9]+\.[0-9]+$" "$T/out.txt" && pass || fail "--version text"
# the commit of the source it was built from, and the libraries it runs with
want=$(git -C "$SRC" rev-parse --short=12 HEAD 2>/dev/null || echo "unknown")
grep -Eq "^commit ($want|unknown)" "$T/out.txt" && pass || fail "--version commit: $(cat "$T/out.txt")"
grep -Eq "^OpenSSL 3\.[0-9]+\.[0-9]+" "$T/out.txt" && pass || fail "--version OpenSSL"
grep -Eq "^cJSON [0-9]+\.[0-9]+\.[0-9]+$" "$T/out.txt" && pass || fail "--version cJSON"
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
expect_rc 2 "$E" info -p pass.txt image.bin
expect_err "option '--passphrase-file' does not apply"
expect_rc 2 "$E" info -o x.json image.bin
expect_err "option '--output' does not apply"
expect_rc 2 "$E" --generate_rsa_key extra
# typos: the nearest command or option, when one is near; none for a word near nothing
expect_rc 2 "$E" encrpyt a b c
expect_err "unknown command 'encrpyt': did you mean 'encrypt'?"
expect_rc 2 "$E" verfy-signature x
expect_err "did you mean 'verify-signature'?"
expect_rc 2 "$E" info --jsno x.img
expect_err "unknown option '--jsno' (did you mean '--json'?)"
expect_rc 2 "$E" sign app.bin --kye k.pem
expect_err "(did you mean '--key'?)"
expect_rc 2 "$E" encrypt --bogus a b c
grep -q "did you mean" "$T/err.txt" && fail "a suggestion for --bogus" || pass
grep -q "did you mean" <("$E" frobnicate 2>&1) && fail "a suggestion for frobnicate" || pass
# an option by its beginning: the options the command takes decide; several are named, not
# called unknown; --json by its beginning asks for the JSON of a usage error too
expect_rc 2 "$E" pubkey --fo der k.pem
expect_err "option '--fo' is ambiguous: '--force' or '--format'"
expect_rc 3 "$E" info --ma 1 "$SRC/samples/hello_app.bin" # --max-size: info has no --max-clients
expect_err "larger than an image of the largest app --max-size allows"
expect_rc 2 "$E" verify --ver --js x.img y z
grep -q '"ok":false' "$T/out.txt" && pass || fail "no JSON for --js: $(cat "$T/out.txt")"
expect_rc 2 "$E" sign app.bin --ver 2
expect_err "option '--ver' is ambiguous: '--verbose' or '--version'"
# binary data is never written to a terminal; text (a PEM public key) is
on_tty() {
    script -qec "$*" /dev/null >"$T/tty.raw" 2>&1
    local rc=$?
    tty_text "$T/tty.raw" >"$T/tty.txt"
    return $rc
}
printf 'firmware' >fw.bin
"$E" encrypt fw.bin "$SRC/keys/rsa_pub_key.pem" fw.img >/dev/null 2>&1
on_tty "'$E' decrypt fw.img '$SRC/keys/rsa_priv_key.pem' -"
[ $? = 2 ] && grep -q "stdout is a terminal: refusing to write binary data" "$T/tty.txt" && pass ||
    fail "decrypt to a terminal: $(cat "$T/tty.txt")"
on_tty "'$E' encrypt fw.bin '$SRC/keys/rsa_pub_key.pem' -"
[ $? = 2 ] && pass || fail "encrypt to a terminal: $(cat "$T/tty.txt")"
on_tty "'$E' pubkey '$SRC/keys/rsa_priv_key.pem' --format der"
[ $? = 2 ] && pass || fail "DER to a terminal: $(cat "$T/tty.txt")"
on_tty "'$E' pubkey '$SRC/keys/rsa_priv_key.pem'"
[ $? = 0 ] && grep -q "BEGIN PUBLIC KEY" "$T/tty.txt" && pass || fail "PEM to a terminal"
expect_rc 0 "$E" decrypt fw.img "$SRC/keys/rsa_priv_key.pem" - # a pipe or file is fine
# arguments in the wrong order: named, with the order, before anything is written
expect_rc 2 "$E" encrypt "$SRC/keys/rsa_pub_key.pem" fw.bin out.img
expect_err "argument 2 'fw.bin' is not a key, but argument 1 '$SRC/keys/rsa_pub_key.pem' is: the order is 'encrypt IN KEY OUT'"
expect_absent out.img
expect_rc 2 "$E" verify "$SRC/keys/rsa_priv_key.pem" fw.img
expect_err "the order is 'verify IN KEY'"
cp fw.img keep.img
head -c 2000 /dev/zero >app.bin
expect_rc 2 "$E" decrypt app.bin "$SRC/keys/rsa_priv_key.pem" keep.img
expect_err "app.bin is not an encrypted image, but OUT keep.img is: the order is 'decrypt IN KEY OUT'"
expect_same keep.img fw.img
expect_rc 3 "$E" encrypt fw.bin missing.pem out.img # no key anywhere: the file's own error
expect_err "missing.pem"
mkfifo in.fifo # the search for the key never reads a FIFO (it would block, and eat the input)
expect_rc 3 timeout 10 "$E" encrypt in.fifo missing.pem out.img
expect_err "missing.pem"
head -c 32 /dev/urandom >raw32.bin # any 32 bytes read as an HMAC key: no proof of a misplaced key
expect_rc 3 "$E" encrypt raw32.bin missing.pem out.img
expect_err "missing.pem"
mkfifo out.fifo # an OUT that is a FIFO is never opened to look for an image
expect_rc 1 timeout 10 "$E" decrypt fw.bin "$SRC/keys/rsa_priv_key.pem" out.fifo
: >empty.out # nor is an empty OUT taken for one
expect_rc 1 "$E" decrypt fw.bin "$SRC/keys/rsa_priv_key.pem" empty.out
grep -q "the order is" "$T/err.txt" && fail "an empty OUT taken for an image" || pass
# --quiet and --verbose: every command takes both, with one meaning, and its --help says so
for cmd in keygen pubkey encrypt decrypt info verify batch serve sign verify-signature digest \
    --generate_rsa_key --generate_ecc_key; do
    "$E" "$cmd" --help >help.txt
    grep -q -- "-q, --quiet" help.txt && pass || fail "$cmd --help lacks -q, --quiet"
    grep -q -- "-v, --verbose" help.txt && pass || fail "$cmd --help lacks -v, --verbose"
    run "$E" "$cmd" --quiet --verbose
    grep -q "does not apply" "$T/err.txt" && fail "$cmd: $(cat "$T/err.txt")" || pass
    run "$E" "$cmd" -q -v
    grep -q "does not apply" "$T/err.txt" && fail "$cmd: $(cat "$T/err.txt")" || pass
done
# quiet: a command that works prints nothing on stderr, nor its summary; its answer stays
K=$SRC/keys
{ printf '\351'; head -c 31 /dev/zero; printf '\062\124\315\253'; head -c 1000 /dev/zero; } >qapp.bin
quiet_ok() { # CMD ARGS...: runs with -q -v, exit 0, nothing on stderr
    expect_rc 0 "$E" "$@" -q -v
    expect_err_lines 0
}
quiet_ok keygen ecc --out-dir qk
[ -s "$T/out.txt" ] && fail "keygen --quiet said: $(cat "$T/out.txt")" || pass
expect_present qk/ecc_priv_key.pem
(mkdir qc && cd qc && "$E" --generate_rsa_key -q >../qc.out 2>&1) && [ ! -s qc.out ] && pass ||
    fail "--generate_rsa_key --quiet: $(cat qc.out)"
quiet_ok pubkey qk/ecc_priv_key.pem
expect_same "$T/out.txt" qk/ecc_pub_key.pem
quiet_ok encrypt qapp.bin "$K/rsa_pub_key.pem" q.img
quiet_ok decrypt q.img "$K/rsa_priv_key.pem" q.back
expect_same qapp.bin q.back
quiet_ok info q.img
grep -q "rsa-3072" "$T/out.txt" && pass || fail "info --quiet lost its answer"
quiet_ok verify q.img "$K/rsa_priv_key.pem"
grep -q "authentic" "$T/out.txt" && pass || fail "verify --quiet lost its answer"
printf '{"input": "qapp.bin", "devices": [{"id": "d1", "public_key": "%s"}]}' "$K/rsa_pub_key.pem" >q.json
quiet_ok batch q.json --out-dir qb
[ -s "$T/out.txt" ] && fail "batch --quiet said: $(cat "$T/out.txt")" || pass
quiet_ok sign qapp.bin --key qk/ecc_priv_key.pem -o q.signed
[ -s "$T/out.txt" ] && fail "sign --quiet said: $(cat "$T/out.txt")" || pass
expect_rc 0 "$E" sign qapp.bin --key qk/ecc_priv_key.pem -o q2.signed # without: it says
grep -q "q2.signed: signed app" "$T/out.txt" && pass || fail "sign said nothing"
quiet_ok verify-signature q.signed --pub qk/ecc_pub_key.pem
grep -q "verified" "$T/out.txt" && pass || fail "verify-signature --quiet lost its answer"
quiet_ok digest qk/ecc_pub_key.pem
grep -Eq "^[0-9a-f]{64}$" "$T/out.txt" && pass || fail "digest --quiet lost its answer"
# verbose: a failure brings the crypto library's own errors; without it, the one line
head -c 500 /dev/urandom >junk.pem
expect_rc 3 "$E" pubkey junk.pem
expect_err_lines 1
expect_rc 3 "$E" pubkey junk.pem --verbose
[ "$(wc -l <"$T/err.txt")" -gt 1 ] && pass || fail "--verbose added nothing"

mkdir clés && cp "$SRC/keys/rsa_pub_key.pem" clés/
on_tty "'$E' pubkey --format c clés/rsa_pub_key.pem"
[ $? = 0 ] && grep -q "clés" "$T/tty.txt" && pass || fail "C text with a UTF-8 path to a terminal"
finish
