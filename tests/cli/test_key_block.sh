#!/usr/bin/env bash
# What of an ECIES key block is authenticated, as docs/FORMAT.md says: the point's X (the shared
# secret) and the salt are; Y only has to put the point on the curve, so Y and p - Y (the point
# and its negative, whose shared secrets have the same X) both decrypt to the same plaintext; the
# 288 bytes after the salt are read by nothing that decrypts. The tool and, when the firmware's
# host build is there, the device (esp_enc_img_fwsim) agree. And the two rules that tell a
# header's scheme without a key: the cheap one (eei_header_scheme) that words a failed
# decryption, and info's, which asks the crypto layer whether the point is on the curve.
# Arguments: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR [ESP_ENC_IMG_FWSIM MAKE_APP_BINARY]
. "$(dirname "$0")/../support/lib.sh"
K=$SRC/keys
SIM=${4:+$(readlink -f "$4")}
MKAPP=${5:+$(readlink -f "$5")}

# edit IMAGE HOW...: rewrite an ECIES image's key block (bytes 4..388: X, Y, salt, 288 bytes)
edit() {
    python3 - "$@" <<'PY'
import sys
P = 2**256 - 2**224 + 2**192 + 2**96 - 1  # the P-256 field prime
path = sys.argv[1]
with open(path, "rb") as f:
    b = bytearray(f.read())
for how in sys.argv[2:]:
    y = int.from_bytes(b[36:68], "big")
    if how == "negate-y":  # (X, Y) -> (X, p - Y): the point's negative
        b[36:68] = (P - y).to_bytes(32, "big")
    elif how == "y-plus-1":  # no longer on the curve, still below p
        b[36:68] = ((y + 1) % P).to_bytes(32, "big")
    elif how == "fill-tail":  # the 288 bytes after the salt, none of them zero
        b[100:388] = bytes(i % 255 + 1 for i in range(288))
    elif how == "x-ff":  # X >= p: not even a coordinate
        b[4:36] = b"\xff" * 32
    else:
        sys.exit("no edit " + how)
with open(path, "wb") as f:
    f.write(b)
PY
}
ycoord() { od -An -tx1 -j36 -N32 "$1" | tr -d ' \n'; }

cp "$SRC/samples/hello_app.bin" app.bin
"$E" encrypt app.bin "$K/device_pub_key.pem" img.ecies -q
"$E" encrypt app.bin "$K/device_pub_key.pem" other.ecies -q
hmac=$K/device_hmac_key.bin

# Y -> p - Y: another image, the same firmware
cp img.ecies neg.ecies
edit neg.ecies negate-y
[ "$(ycoord neg.ecies)" != "$(ycoord img.ecies)" ] && pass || fail "Y did not change"
cmp -s -n 36 neg.ecies img.ecies && cmp -s -i 68 neg.ecies img.ecies && pass ||
    fail "more than Y changed"
expect_rc 0 "$E" decrypt neg.ecies "$hmac" neg.bin
expect_same neg.bin app.bin
expect_rc 0 "$E" verify --json neg.ecies "$hmac"
expect_json authenticated true
expect_json plaintext_sha256 "$(sha256sum app.bin | cut -d' ' -f1)"
expect_rc 0 "$E" info --json neg.ecies
expect_json scheme ecies-p256
expect_json scheme_sure true
expect_json server_key_on_curve true
# twice: the point itself again
edit neg.ecies negate-y
expect_same neg.ecies img.ecies

# the 288 bytes after the salt, all of them non-zero: read by nothing that decrypts
cp img.ecies tail.ecies
edit tail.ecies fill-tail
expect_rc 0 "$E" decrypt tail.ecies "$hmac" tail.bin
expect_same tail.bin app.bin
expect_rc 0 "$E" info --json tail.ecies
expect_json scheme ecies-p256
expect_json scheme_sure false
# both at once
cp img.ecies both.ecies
edit both.ecies negate-y fill-tail
expect_rc 0 "$E" verify both.ecies "$hmac"

# what is bound: any other Y leaves the curve; another point on the curve (X and Y of another
# image) is another shared secret, another AES key
cp img.ecies offcurve.ecies
edit offcurve.ecies y-plus-1
expect_rc 1 "$E" decrypt offcurve.ecies "$hmac" x.bin
expect_err "not a point on P-256"
cp img.ecies swapped.ecies
dd if=other.ecies of=swapped.ecies bs=1 skip=4 seek=4 count=64 conv=notrunc 2>/dev/null
expect_rc 1 "$E" decrypt swapped.ecies "$hmac" x.bin
expect_err "authentication failed"
expect_absent x.bin

# the scheme without a key. info: a point on the curve and zeros: ECIES, sure; on the curve but
# bytes after the salt: ECIES, not sure (above); zeros and no point on the curve: neither
expect_rc 0 "$E" info --json img.ecies
expect_json scheme_sure true
expect_rc 1 "$E" info --json offcurve.ecies
expect_json scheme unknown
expect_err "fits neither scheme"
"$E" encrypt app.bin "$K/rsa_pub_key.pem" img.rsa -q
expect_rc 0 "$E" info --json img.rsa
expect_json scheme rsa-3072
expect_json scheme_sure true
# a failed decryption is worded by the cheaper rule, without the curve: bytes after the salt look
# RSA; zeros after it and coordinates below p look ECIES, even off the curve; other zeros, neither
rsakey=$K/rsa_priv_key.pem
expect_rc 1 "$E" decrypt offcurve.ecies "$rsakey" x.bin
expect_err "wrong key for this image: it looks like an ecies-p256 image and the key is for rsa-3072"
expect_rc 1 "$E" decrypt tail.ecies "$rsakey" x.bin
expect_err "cannot unwrap the AES key"
grep -q "looks like" err.txt && fail "bytes after the salt look RSA, as the key is" || pass
cp img.ecies xff.ecies
edit xff.ecies x-ff
expect_rc 1 "$E" decrypt xff.ecies "$rsakey" x.bin
expect_err "cannot unwrap the AES key"
grep -q "looks like" err.txt && fail "a point with X >= p looks like neither scheme" || pass
expect_rc 1 "$E" decrypt img.rsa "$hmac" x.bin
expect_err "wrong key for this image: it looks like an rsa-3072 image and the key is for ecies-p256"
expect_absent x.bin

# the device: an app sent with Y -> p - Y and the 288 bytes filled is installed byte for byte
if [ -n "$SIM" ]; then
    "$MKAPP" dev_app.bin --size 200000 --version 2.0.0 --seed 7
    "$E" encrypt dev_app.bin "$K/device_pub_key.pem" dev.ecies -q
    cp dev.ecies dev_odd.ecies
    edit dev_odd.ecies negate-y fill-tail
    expect_rc 0 "$SIM" --flash flash.img --hmac-key "$hmac" --image dev_odd.ecies --chunk 100
    "$SIM" --flash flash.img --dump-slot slot.bin
    expect_same slot.bin dev_app.bin
    cp dev.ecies dev_off.ecies
    edit dev_off.ecies y-plus-1
    expect_rc 1 "$SIM" --flash flash.img --hmac-key "$hmac" --image dev_off.ecies
    expect_err "not a point on P-256"
    "$SIM" --flash flash.img --dump-slot slot.bin
    expect_same slot.bin dev_app.bin
else
    echo "SKIP: no firmware host build: the device's side is not checked"
fi
finish
