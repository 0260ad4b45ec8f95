/* The host's crypto interface (lib/crypto/crypto.h) where the public API does not reach it. */
#include "check.h"

#include "crypto/crypto.h"
#include "eei_core/sb_check.h"

#define OPENSSL_SUPPRESS_DEPRECATED /* RSA_padding_add_PKCS1_PSS_mgf1: a signature without a key   \
                                     */
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

/* A derived device key is valid only when 1 <= d < n, the chip's own test. */
static void test_scalar_range(void)
{
    /* n, the order of P-256 */
    static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                  0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
    uint8_t s[32];
    memset(s, 0, sizeof(s));
    CHECK(!eei_crypto_p256_scalar_valid(s));
    s[31] = 1;
    CHECK(eei_crypto_p256_scalar_valid(s));
    memcpy(s, n, 32);
    CHECK(!eei_crypto_p256_scalar_valid(s));
    s[31] -= 1;
    CHECK(eei_crypto_p256_scalar_valid(s));
    s[31] += 2;
    CHECK(!eei_crypto_p256_scalar_valid(s));
    memset(s, 0xff, sizeof(s));
    CHECK(!eei_crypto_p256_scalar_valid(s));
}

/* The generator G is on the curve; G with a flipped bit, and the point at infinity, are not. */
static void test_point_on_curve(void)
{
    static const uint8_t g[EEI_ECIES_POINT_SIZE] = {
        0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63,
        0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1,
        0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f,
        0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57,
        0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
    uint8_t p[EEI_ECIES_POINT_SIZE];
    CHECK(eei_crypto_p256_point_on_curve(g));
    memcpy(p, g, sizeof(p));
    p[63] ^= 1;
    CHECK(!eei_crypto_p256_point_on_curve(p));
    memset(p, 0, sizeof(p));
    CHECK(!eei_crypto_p256_point_on_curve(p));
    eei_crypto_report_errors(NULL);
}

/*
 * An RSA Secure Boot V2 block whose own key has e = 1 (or any e a device library refuses) is
 * refused as a key by every backend: with e = 1 the "signature" is its PSS encoding, which anyone
 * makes without a private key. OpenSSL alone would verify it.
 */
static void test_sb_rsa_exponent(void)
{
    static const uint32_t exponents[] = {1, 2, 0, 65536};
    uint8_t digest[32], nbe[384], em[384];
    memset(digest, 0x5a, sizeof(digest));
    CHECK(RAND_bytes(nbe, sizeof(nbe)) == 1);
    nbe[0] |= 0x80;
    nbe[383] |= 1;
    for (size_t t = 0; t < sizeof(exponents) / sizeof(exponents[0]); t++) {
        uint32_t ev = exponents[t];
        BIGNUM *n = BN_bin2bn(nbe, sizeof(nbe), NULL), *e = BN_new();
        RSA *rsa = RSA_new();
        CHECK(n && e && rsa && BN_set_word(e, ev == 0 ? 1 : ev) && RSA_set0_key(rsa, n, e, NULL));
        CHECK(RSA_padding_add_PKCS1_PSS_mgf1(rsa, em, digest, EVP_sha256(), EVP_sha256(), 32));
        RSA_free(rsa);
        uint8_t blk[EEI_SB_BLOCK_SIZE];
        memset(blk, 0, sizeof(blk));
        blk[0] = EEI_SB_MAGIC;
        blk[1] = EEI_SB_VERSION_RSA;
        memcpy(blk + EEI_SB_OFF_DIGEST, digest, sizeof(digest));
        uint8_t *k = blk + EEI_SB_RSA_OFF_KEY, *sig = blk + EEI_SB_RSA_OFF_SIG;
        for (size_t i = 0; i < 384; i++) {
            k[i] = nbe[383 - i]; /* little-endian */
            sig[i] = em[383 - i];
        }
        for (int i = 0; i < 4; i++) {
            k[384 + i] = (uint8_t)(ev >> (8 * i));
        }
        eei_sb_block_seal(blk);
        eei_sb_block b;
        eei_sb_err why;
        uint8_t key_digest[32];
        eei_core_block opened =
            eei_core_sb_block_open(&eei_core_crypto_openssl, blk, &b, &why, key_digest);
        CHECK(opened != EEI_CORE_BLOCK_OK ||
              eei_core_sb_block_verify(&eei_core_crypto_openssl, &b, digest) != EEI_CORE_BLOCK_OK);
    }
}

int main(void)
{
    test_sb_rsa_exponent();
    test_scalar_range();
    test_point_on_curve();
    return check_summary();
}
