#!/usr/bin/env bash
# A chip's device public key from its HMAC key: ESP_ENC_IMG VECTORS_DIR SOURCE_DIR HMAC_KEY PEM
. "$(dirname "$0")/../support/lib.sh"
expect_rc 0 "$E" pubkey "$V/$4"
expect_same "$T/out.txt" "$V/$5"
expect_rc 0 "$E" pubkey "$V/$4" -o "$T/pub.pem"
expect_same "$T/pub.pem" "$V/$5"
expect_mode "$T/pub.pem" 644
finish
