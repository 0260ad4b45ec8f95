#!/usr/bin/env bash
# ds-provision: the esp_secure_cert partition of every chip with DS, each checked by an
# independent reference (tests/support/ds_reference.py: Python's standard library and the openssl
# command decrypt the DS data with the key derived from the HMAC key, check its digest and
# padding as the chip does, compare every operand with the key's own and the TLVs' CRCs); the HMAC
# key made or read, written nowhere else; the commands printed; --json; and every refusal, with
# nothing written.
. "$(dirname "$0")/../support/lib.sh"
REF=$SRC/tests/support/ds_reference.py
if ! command -v python3 >/dev/null || ! command -v openssl >/dev/null; then
    echo "SKIPPED: the reference needs python3 and the openssl command"
    finish
    exit 0
fi
RSA=$SRC/keys/rsa_priv_key.pem
KAT=$V/kat/rsa_private.pem
reference() { # PARTITION KEY HMAC CHIP BLOCK
    python3 "$REF" "$@" >"$T/ref.txt" 2>&1
}
sha256() { sha256sum "$1" | cut -d' ' -f1; }
fingerprint=$(openssl pkey -in "$RSA" -pubout -outform DER | sha256sum | cut -d' ' -f1)
mkdir work && cd work || exit 3

# every chip with DS: a new HMAC key each, every key block, the reference's word on each partition
block=0
for chip in esp32s2 esp32s3 esp32c3 esp32c6 esp32h2; do
    expect_rc 0 "$E" ds-provision "$RSA" --hmac-key "hmac_$chip.bin" --target "$chip" \
        -o "sc_$chip.bin" --key-block $block --json
    expect_size "hmac_$chip.bin" 32
    expect_mode "hmac_$chip.bin" 600
    expect_size "sc_$chip.bin" 8192
    expect_mode "sc_$chip.bin" 644
    max=3072 data=1220 tlvs=1328
    case $chip in esp32s2 | esp32s3) max=4096 data=1604 tlvs=1712 ;; esac
    expect_json target "$chip"
    expect_json max_key_bits $max
    expect_json key_bits 3072
    expect_json key_block "BLOCK_KEY$block"
    expect_json key_purpose HMAC_DOWN_DIGITAL_SIGNATURE
    expect_json hmac_key_created true
    expect_json offset 53248
    expect_json partition_size 8192
    expect_json tlv_size $tlvs
    expect_json ds_data_size $data
    expect_json ciphertext_size $((data - 20))
    expect_json partition_sha256 "$(sha256 "sc_$chip.bin")"
    expect_json key_fingerprint "$fingerprint"
    expect_json key "$RSA"
    expect_json hmac_key "hmac_$chip.bin"
    expect_json output "sc_$chip.bin"
    expect_json commands.0 "espefuse --chip $chip --port PORT burn-key BLOCK_KEY$block hmac_$chip.bin HMAC_DOWN_DIGITAL_SIGNATURE"
    expect_json commands.1 "esptool --chip $chip --port PORT write-flash 0xd000 sc_$chip.bin"
    reference "sc_$chip.bin" "$RSA" "hmac_$chip.bin" "$chip" $block && pass ||
        fail "$chip: the reference refuses the partition: $(grep FAIL "$T/ref.txt")"
    [ "$(grep -c '^ok: ' "$T/ref.txt")" -ge 29 ] && pass || fail "$chip: the reference checked little"
    block=$((block + 1))
done
# the HMAC keys are new and different
cmp -s hmac_esp32c3.bin hmac_esp32c6.bin && fail "two new HMAC keys are the same" || pass

# the reference can fail: a byte of C, of a CRC, of the context; another HMAC key; another key
cp sc_esp32c3.bin bad.bin
printf '\x55' | dd of=bad.bin bs=1 seek=600 conv=notrunc 2>/dev/null
reference bad.bin "$RSA" hmac_esp32c3.bin esp32c3 2 && fail "a changed C passes" || pass
grep -q "FAIL: MD = SHA-256" "$T/ref.txt" && pass || fail "a changed C: $(grep FAIL "$T/ref.txt" | head -3)"
cp sc_esp32c3.bin bad.bin
printf '\x00' | dd of=bad.bin bs=1 seek=1244 conv=notrunc 2>/dev/null # the DS data's CRC
reference bad.bin "$RSA" hmac_esp32c3.bin esp32c3 2 && fail "a changed CRC passes" || pass
grep -q "FAIL: TLV 3: CRC-32" "$T/ref.txt" && pass || fail "a changed CRC: $(grep FAIL "$T/ref.txt" | head -3)"
reference sc_esp32c3.bin "$RSA" hmac_esp32s2.bin esp32c3 2 && fail "another HMAC key passes" || pass
reference sc_esp32c3.bin "$RSA" hmac_esp32c3.bin esp32c3 1 && fail "another key block passes" || pass
reference sc_esp32c3.bin "$KAT" hmac_esp32c3.bin esp32c3 2 && fail "another RSA key passes" || pass
grep -q "FAIL: Y = d" "$T/ref.txt" && pass || fail "another RSA key: $(grep FAIL "$T/ref.txt" | head -3)"
reference sc_esp32c3.bin "$RSA" hmac_esp32c3.bin esp32s3 2 && fail "another chip's layout passes" || pass

# an HMAC key that exists is read, never replaced: another partition (a fresh IV) for the same key
cp hmac_esp32c3.bin keep.bin
expect_rc 0 "$E" ds-provision "$KAT" --hmac-key hmac_esp32c3.bin --target esp32c3 -o again.bin --json
expect_json hmac_key_created false
expect_same hmac_esp32c3.bin keep.bin
expect_mode again.bin 644
reference again.bin "$KAT" hmac_esp32c3.bin esp32c3 1 && pass ||
    fail "a partition for a given HMAC key: $(grep FAIL "$T/ref.txt")"
expect_rc 0 "$E" ds-provision "$KAT" --hmac-key hmac_esp32c3.bin --target esp32c3 -o again2.bin -q
expect_differ again.bin again2.bin # each gets its own IV
reference again2.bin "$KAT" hmac_esp32c3.bin esp32c3 1 && pass || fail "again2: $(grep FAIL "$T/ref.txt")"

# an existing OUT: refused without --force, left as it was; replaced with it, the HMAC key never
cp again.bin before.bin
expect_rc 3 "$E" ds-provision "$KAT" --hmac-key hmac_esp32c3.bin --target esp32c3 -o again.bin
expect_err "again.bin: exists; use --force to overwrite it"
expect_same again.bin before.bin
expect_rc 0 "$E" ds-provision "$KAT" --hmac-key hmac_esp32c3.bin --target esp32c3 -o again.bin \
    --force -q
expect_differ again.bin before.bin
expect_same hmac_esp32c3.bin keep.bin
# a new HMAC key and an existing OUT without --force: neither is written
expect_rc 3 "$E" ds-provision "$KAT" --hmac-key fresh.bin --target esp32c3 -o again.bin
expect_absent fresh.bin
# with --force: both, together
expect_rc 0 "$E" ds-provision "$KAT" --hmac-key fresh.bin --target esp32c3 -o again.bin --force -q
expect_size fresh.bin 32
reference again.bin "$KAT" fresh.bin esp32c3 1 && pass || fail "fresh: $(grep FAIL "$T/ref.txt")"

# what it prints: the files written, then the two commands; --quiet: the commands alone
expect_rc 0 "$E" ds-provision "$RSA" --hmac-key "my keys.bin" --target esp32s3 -o "sc 1.bin" \
    --offset 0x10000 --key-block 5
grep -q "^wrote sc 1.bin: the esp_secure_cert partition for the esp32s3" "$T/out.txt" && pass ||
    fail "the wrote line: $(cat "$T/out.txt")"
grep -q "^wrote my keys.bin: a new HMAC key" "$T/out.txt" && pass || fail "the HMAC key's line"
grep -qxF "  espefuse --chip esp32s3 --port PORT burn-key BLOCK_KEY5 'my keys.bin' HMAC_DOWN_DIGITAL_SIGNATURE" \
    "$T/out.txt" && pass || fail "the espefuse command: $(cat "$T/out.txt")"
grep -qxF "  esptool --chip esp32s3 --port PORT write-flash 0x10000 'sc 1.bin'" "$T/out.txt" &&
    pass || fail "the esptool command: $(cat "$T/out.txt")"
reference "sc 1.bin" "$RSA" "my keys.bin" esp32s3 5 && pass || fail "paths with spaces"
expect_rc 0 "$E" ds-provision "$RSA" --hmac-key "my keys.bin" --target esp32s3 -o "sc 1.bin" \
    --offset 65536 --key-block 5 --force --quiet
[ "$(wc -l <"$T/out.txt")" = 2 ] && pass || fail "--quiet: $(cat "$T/out.txt")"
grep -qF "write-flash 0x10000 'sc 1.bin'" "$T/out.txt" && pass || fail "--offset in decimal"
expect_err_lines 0

# a passphrase-protected key
mkdir enc && echo secret >enc/pass.txt
"$E" keygen rsa -d enc -p enc/pass.txt -q
expect_rc 0 "$E" ds-provision enc/rsa_priv_key.pem -p enc/pass.txt --hmac-key enc.bin \
    --target esp32h2 -o enc.img -q
openssl pkey -in enc/rsa_priv_key.pem -passin pass:secret -out enc/plain.pem
reference enc.img enc/plain.pem enc.bin esp32h2 1 && pass || fail "a protected key: $(grep FAIL "$T/ref.txt")"

# nothing of the HMAC keys anywhere but their own files: every file here is one this test named
expect_only . again.bin again2.bin bad.bin before.bin enc enc.bin enc.img fresh.bin \
    hmac_esp32c3.bin hmac_esp32c6.bin hmac_esp32h2.bin hmac_esp32s2.bin hmac_esp32s3.bin keep.bin \
    "my keys.bin" "sc 1.bin" sc_esp32c3.bin sc_esp32c6.bin sc_esp32h2.bin sc_esp32s2.bin \
    sc_esp32s3.bin
for f in hmac_*.bin fresh.bin enc.bin "my keys.bin"; do
    hex=$(od -An -tx1 -v "$f" | tr -d ' \n')
    for g in *.bin *.img enc/*; do
        cmp -s "$f" "$g" && continue # itself, or keep.bin, its copy
        od -An -tx1 -v "$g" | tr -d ' \n' | grep -q "$hex" && fail "$f is inside $g"
    done
done
pass

# refusals: exit status, a message that says what and why, and nothing written
mkdir refused && cd refused || exit 3
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem 2>/dev/null
"$E" keygen ecc -d . -q
head -c 31 /dev/urandom >short.bin
head -c 33 /dev/urandom >long.bin
mkdir folder
refused() { # RC MESSAGE ARGS...: refused as said, and no h.bin nor p.bin
    local want=$1 msg=$2
    shift 2
    expect_rc "$want" "$E" ds-provision "$@"
    expect_err "$msg"
    expect_absent h.bin
    expect_absent p.bin
}
refused 3 "rsa2048.pem: RSA-2048 key: the Digital Signature peripheral of the esp32c3 takes RSA keys of 1024 to 3072 bits, and DS data is made here of RSA-3072 private keys only" \
    rsa2048.pem --hmac-key h.bin --target esp32c3 -o p.bin
refused 3 "ecc_priv_key.pem: P-256 key: the Digital Signature peripheral of the esp32s2 takes RSA keys of 1024 to 4096 bits" \
    ecc_priv_key.pem --hmac-key h.bin --target esp32s2 -o p.bin
refused 3 "device_hmac_key.bin: a 32-byte HMAC key, not an RSA key" \
    "$SRC/keys/device_hmac_key.bin" --hmac-key h.bin --target esp32c3 -o p.bin
refused 3 "rsa_pub_key.pem: a public key: the DS data holds the private exponent" \
    "$SRC/keys/rsa_pub_key.pem" --hmac-key h.bin --target esp32c3 -o p.bin
refused 3 "short.bin: 31 bytes: an HMAC key is exactly 32 raw bytes" \
    "$RSA" --hmac-key short.bin --target esp32c3 -o p.bin
refused 3 "long.bin: 33 bytes: an HMAC key is exactly 32 raw bytes" \
    "$RSA" --hmac-key long.bin --target esp32c3 -o p.bin
refused 3 "folder: is a directory" "$RSA" --hmac-key folder --target esp32c3 -o p.bin
refused 3 "missing.pem" missing.pem --hmac-key h.bin --target esp32c3 -o p.bin
refused 2 "unknown target 'esp32p4': the Digital Signature peripheral is known on esp32s2, esp32s3, esp32c3, esp32c6, esp32h2" \
    "$RSA" --hmac-key h.bin --target esp32p4 -o p.bin
refused 2 "the esp32 has no Digital Signature peripheral" "$RSA" --hmac-key h.bin --target esp32 -o p.bin
refused 2 "the esp32c2 has no Digital Signature peripheral" "$RSA" --hmac-key h.bin --target esp32c2 -o p.bin
refused 2 "--target CHIP is needed" "$RSA" --hmac-key h.bin -o p.bin
refused 2 "--hmac-key HMAC.bin is needed" "$RSA" --target esp32c3 -o p.bin
refused 2 "-o OUT is needed" "$RSA" --hmac-key h.bin --target esp32c3
refused 2 "expected one RSA_KEY file" --hmac-key h.bin --target esp32c3 -o p.bin
refused 2 "expected one RSA_KEY file" "$RSA" "$RSA" --hmac-key h.bin --target esp32c3 -o p.bin
refused 2 "the partition (-o) must be a file" "$RSA" --hmac-key h.bin --target esp32c3 -o -
refused 2 "the HMAC key (--hmac-key) must be a file" "$RSA" --hmac-key - --target esp32c3 -o p.bin
refused 2 "--offset takes a multiple of 0x1000 from 0x9000" "$RSA" --hmac-key h.bin --target esp32c3 -o p.bin --offset 0xd001
refused 2 "--offset takes a multiple of 0x1000 from 0x9000" "$RSA" --hmac-key h.bin --target esp32c3 -o p.bin --offset 0x8000
refused 2 "--offset takes a multiple of 0x1000 from 0x9000" "$RSA" --hmac-key h.bin --target esp32c3 -o p.bin --offset d000
refused 2 "--offset takes a multiple of 0x1000 from 0x9000" "$RSA" --hmac-key h.bin --target esp32c3 -o p.bin --offset 0xfffff000
refused 2 "option '--key-block' takes a number from 0 to 5" "$RSA" --hmac-key h.bin --target esp32c3 -o p.bin --key-block 6
refused 2 "the new HMAC key and the partition would be the same file" "$RSA" --hmac-key p.bin --target esp32c3 -o ./p.bin
# an output that is an input: the RSA key, the HMAC key, the passphrase file, by any path
cp "$RSA" key.pem
head -c 32 /dev/urandom >h32.bin
ln -s key.pem link.pem
refused 3 "is the input" key.pem --hmac-key h.bin --target esp32c3 -o link.pem --force
expect_same key.pem "$RSA"
expect_rc 3 "$E" ds-provision key.pem --hmac-key h32.bin --target esp32c3 -o ./h32.bin --force
expect_err "is the input"
expect_size h32.bin 32
echo secret >pass.txt
expect_rc 3 "$E" ds-provision key.pem --hmac-key h32.bin --target esp32c3 -o pass.txt -p pass.txt --force
expect_err "is the input"
# an option of another command, and ds-provision's options elsewhere
expect_rc 2 "$E" ds-provision key.pem --hmac-key h32.bin --target esp32c3 -o p.bin --jobs 2
expect_err "option '--jobs' does not apply"
expect_rc 2 "$E" encrypt a b c --target esp32c3
expect_err "option '--target' does not apply"
expect_absent p.bin

# --json when it fails: one line, ok false, the paths it was given (null: a usage error)
expect_rc 3 "$E" ds-provision rsa2048.pem --hmac-key h.bin --target esp32c3 -o p.bin --json
expect_json ok false
expect_json key rsa2048.pem
expect_json hmac_key h.bin
expect_json output p.bin
jget error | grep -q "RSA-2048 key" && pass || fail "the JSON error: $(cat "$T/out.txt")"
jget partition_sha256 >/dev/null 2>&1 && fail "a partition's SHA-256 for none" || pass
expect_rc 2 "$E" ds-provision --target esp32x --json "$RSA" --hmac-key h.bin -o p.bin
expect_json key null
expect_json output null
expect_absent h.bin
finish
