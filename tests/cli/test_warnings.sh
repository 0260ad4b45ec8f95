#!/usr/bin/env bash
# encrypt's warnings about its input (an ELF file, an encrypted image, not an app binary): on
# stderr unless --quiet, in --json's "warnings", and never a change of the exit status.
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
PUB=$K/rsa_pub_key.pem
W="esp_enc_img: warning:"

# an app binary a device's walk accepts (magic 0xE9, the descriptor, the checksum byte)
make_min_app app.bin
expect_rc 0 "$E" encrypt app.bin "$PUB" app.img
expect_err_lines 0
expect_rc 0 "$E" encrypt app.bin "$PUB" app2.img --json
expect_json warnings 0
expect_json ok true

# an ELF file: the .elf of the build instead of its .bin
{ printf '\177ELF\002\001\001'; head -c 2000 /dev/urandom; } >app.elf
expect_rc 0 "$E" encrypt app.elf "$PUB" elf.img
expect_err "$W app.elf is an ELF file; encrypt the .bin that idf.py build writes (build/<project>.bin), not the .elf"
expect_err_lines 1
expect_present elf.img
# an image encrypted already, named as the format module reads its header
expect_rc 0 "$E" encrypt app.img "$PUB" twice.img
expect_err "$W app.img is an encrypted image already (rsa-3072, 304 payload bytes): a device would decrypt it to that image"
expect_rc 0 "$E" encrypt "$V/kat/ecies_17.bin" "$PUB" twice2.img
expect_err "is an encrypted image already (ecies-p256, 17 payload bytes)"
# not an app binary: no 0xE9, 0xE9 without a descriptor, nothing at all
head -c 3000 /dev/urandom | tr '\351' '\000' >data.bin
expect_rc 0 "$E" encrypt data.bin "$PUB" data.img
expect_err "$W data.bin is not an ESP app binary (no 0xE9 magic byte): a device's update expects one; encrypt the .bin that idf.py build writes"
{ printf '\351'; head -c 500 /dev/zero; } >nodesc.bin
expect_rc 0 "$E" encrypt nodesc.bin "$PUB" nodesc.img
expect_err "nodesc.bin is not an ESP app binary (0xE9, but no app descriptor)"
: >empty.bin # nothing to encrypt: refused, not a warning
expect_rc 3 "$E" encrypt empty.bin "$PUB" empty.img
expect_err "empty.bin is empty: there is no firmware to encrypt"
expect_err_lines 1 # the error alone, no warning of the same
expect_absent empty.img
expect_rc 3 "$E" encrypt - "$PUB" empty.img </dev/null
expect_err "stdin is empty: there is no firmware to encrypt"
expect_absent empty.img
# an app a device refuses: its checksum, its appended SHA-256, or cut short
cp app.bin badsum.bin && flip_byte badsum.bin 303
expect_rc 0 "$E" encrypt badsum.bin "$PUB" badsum.img
expect_err "$W badsum.bin: the app is broken, a device refuses it: checksum"
head -c 295 app.bin >short.bin
expect_rc 0 "$E" encrypt short.bin "$PUB" short.img
expect_err "$W short.bin: the app is broken, a device refuses it: truncated"
{ head -c 23 app.bin; printf '\001'; tail -c +25 app.bin; head -c 32 /dev/zero; } >badhash.bin
expect_rc 0 "$E" encrypt badhash.bin "$PUB" badhash.img
expect_err "$W badhash.bin: the app is broken, a device refuses it: its appended SHA-256 does not match"
# a stream is judged by its first bytes as they pass
expect_rc 0 "$E" encrypt - "$PUB" stream.img <app.elf
expect_err "$W stdin is an ELF file"
expect_rc 0 "$E" encrypt - "$PUB" stream2.img <app.bin
expect_err_lines 0

# --quiet: nothing on stderr, the same image
expect_rc 0 "$E" encrypt app.elf "$PUB" quiet.img --quiet
expect_err_lines 0
expect_size quiet.img "$(stat -c %s elf.img)"
# --json carries them, as they are on stderr without the program's prefix; the exit status is 0
expect_rc 0 "$E" encrypt app.elf "$PUB" j.img --json
expect_json warnings 1
expect_json warnings.0 "app.elf is an ELF file; encrypt the .bin that idf.py build writes (build/<project>.bin), not the .elf"
expect_json ok true
expect_err "$W app.elf is an ELF file"
expect_rc 0 "$E" encrypt app.elf "$PUB" jq.img --json -q
expect_json warnings 1
expect_err_lines 0
# with --sign-key the input is the app to sign: the same warnings
"$E" keygen ecc --out-dir sk >/dev/null
expect_rc 0 "$E" encrypt app.elf "$PUB" signed.img --sign-key sk/ecc_priv_key.pem
expect_err "$W app.elf is an ELF file"
# --strict: a warning is an error (exit 4), and nothing is written
expect_rc 4 "$E" encrypt app.elf "$PUB" strict.img --strict
expect_err "esp_enc_img: app.elf is an ELF file"
expect_err "(--strict: a warning is an error)"
grep -q "warning:" "$T/err.txt" && fail "--strict printed the warning twice" || pass
expect_absent strict.img
expect_rc 4 "$E" encrypt app.elf "$PUB" strict.img --strict --json
expect_json ok false
expect_json warnings 1
expect_absent strict.img
expect_rc 0 "$E" encrypt app.bin "$PUB" strict.img --strict # nothing to warn of
expect_present strict.img
# verify with a key warns when the authentic payload is no app a device takes (exit 0, or 4
# with --strict)
expect_rc 0 "$E" verify elf.img "$K/rsa_priv_key.pem"
expect_err "$W the decrypted payload is not an ESP app binary"
expect_rc 4 "$E" verify elf.img "$K/rsa_priv_key.pem" --strict
expect_err "the decrypted payload is not an ESP app binary"
expect_rc 0 "$E" verify elf.img "$K/rsa_priv_key.pem" --json
expect_json warnings.0 "the decrypted payload is not an ESP app binary (no 0xE9 magic byte and app descriptor, e.g. an ELF file or other data): a device's update refuses it"
expect_rc 0 "$E" verify "$V/kat/rsa_0.bin" "$V/kat/rsa_private.pem"
expect_err "$W the image holds nothing (0 payload bytes)"
expect_rc 0 "$E" verify app.img "$K/rsa_priv_key.pem"
expect_err_lines 0

# a failure before the input is read warns of nothing
expect_rc 3 "$E" encrypt app.elf missing.pem none.img
expect_err_lines 1
grep -q warning "$T/err.txt" && fail "a warning without reading the input" || pass
finish
