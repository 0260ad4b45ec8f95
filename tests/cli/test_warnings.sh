#!/usr/bin/env bash
# encrypt's warnings about its input (an ELF file, an encrypted image, not an app binary): on
# stderr unless --quiet, in --json's "warnings", and never a change of the exit status.
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
PUB=$K/rsa_pub_key.pem
W="esp_enc_img: warning:"

# the start of an app binary as idf.py builds it: magic 0xE9, then the app descriptor's magic
# word (0xABCD5432, little-endian) at offset 32; the rest does not matter here
{ printf '\351'; head -c 31 /dev/zero; printf '\062\124\315\253'; head -c 1000 /dev/zero; } >app.bin
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
expect_err "$W app.img is an encrypted image already (rsa-3072, 1036 payload bytes): a device would decrypt it to that image"
expect_rc 0 "$E" encrypt "$V/kat/ecies_17.bin" "$PUB" twice2.img
expect_err "is an encrypted image already (ecies-p256, 17 payload bytes)"
# not an app binary: no 0xE9, 0xE9 without a descriptor, nothing at all
head -c 3000 /dev/urandom | tr '\351' '\000' >data.bin
expect_rc 0 "$E" encrypt data.bin "$PUB" data.img
expect_err "$W data.bin is not an ESP app binary (no 0xE9 magic byte): a device's update expects one; encrypt the .bin that idf.py build writes"
{ printf '\351'; head -c 500 /dev/zero; } >nodesc.bin
expect_rc 0 "$E" encrypt nodesc.bin "$PUB" nodesc.img
expect_err "nodesc.bin is not an ESP app binary (0xE9, but no app descriptor)"
: >empty.bin
expect_rc 0 "$E" encrypt empty.bin "$PUB" empty.img
expect_err "empty.bin is not an ESP app binary (it is empty)"
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
# a failure before the input is read warns of nothing
expect_rc 3 "$E" encrypt app.elf missing.pem none.img
expect_err_lines 1
grep -q warning "$T/err.txt" && fail "a warning without reading the input" || pass
finish
