#!/usr/bin/env bash
# One format on every system: keys and images made by the Windows build open with the Linux
# build, and the other way round, for both schemes and for signed apps, in folders whose names
# hold spaces and non-ASCII letters.
#   test_cross_os.sh WINDOWS_ESP_ENC_IMG VECTORS SOURCE LINUX_ESP_ENC_IMG
. "$(dirname "$0")/../support/lib.sh"
L=$(readlink -f "${4:?usage: test_cross_os.sh WINDOWS_TOOL VECTORS SOURCE LINUX_TOOL}")
W=$E
make_min_app app.bin
for maker in W L; do
    other=$([ $maker = W ] && echo L || echo W)
    mk=${!maker} op=${!other}
    dir="made on $maker ü"
    # device keys of both schemes, and a signing key, made by one; images by the other
    "$mk" keygen rsa --out-dir "$dir" >/dev/null && pass || fail "$maker: keygen rsa"
    "$mk" keygen hmac --out-dir "$dir" >/dev/null && pass || fail "$maker: keygen hmac"
    "$mk" keygen ecc384 --out-dir "$dir" >/dev/null && pass || fail "$maker: keygen ecc384"
    "$op" pubkey "$dir/device_hmac_key.bin" | cmp -s - "$dir/device_pub_key.pem" && pass ||
        fail "$other derives another device key from $maker's HMAC key"
    for pair in "rsa_pub_key.pem rsa_priv_key.pem" "device_pub_key.pem device_hmac_key.bin"; do
        set -- $pair
        # encrypted by the other, decrypted by the maker; then the other way round
        "$op" encrypt app.bin "$dir/$1" "$dir/by $other.img" 2>/dev/null && pass || fail "$other encrypt to $1"
        "$mk" decrypt "$dir/by $other.img" "$dir/$2" "$dir/back.bin" && pass || fail "$maker decrypt ($2)"
        expect_same "$dir/back.bin" app.bin
        "$mk" encrypt app.bin "$dir/$1" "$dir/by $maker.img" 2>/dev/null && pass || fail "$maker encrypt to $1"
        "$op" decrypt "$dir/by $maker.img" "$dir/$2" "$dir/back.bin" && pass || fail "$other decrypt ($2)"
        expect_same "$dir/back.bin" app.bin
    done
    # a signed app: signed by one, encrypted with signing by the other, checked by both
    "$mk" sign app.bin --key "$dir/ecc384_priv_key.pem" -o "$dir/signed.bin" >/dev/null && pass ||
        fail "$maker sign"
    "$op" verify-signature "$dir/signed.bin" --pub "$dir/ecc384_pub_key.pem" >/dev/null && pass ||
        fail "$other verify-signature of $maker's"
    "$op" encrypt app.bin "$dir/rsa_pub_key.pem" "$dir/signed.img" \
        --sign-key "$dir/ecc384_priv_key.pem" 2>/dev/null && pass || fail "$other encrypt --sign-key"
    "$mk" verify "$dir/signed.img" "$dir/rsa_priv_key.pem" --pub "$dir/ecc384_pub_key.pem" \
        >/dev/null && pass || fail "$maker verify --pub of $other's signed image"
    "$mk" digest "$dir/ecc384_pub_key.pem" >d1.txt && "$op" digest "$dir/ecc384_priv_key.pem" >d2.txt &&
        cmp -s d1.txt d2.txt && pass || fail "the key digests differ"
done
finish
