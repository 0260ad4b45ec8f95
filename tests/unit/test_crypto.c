/* The host's crypto interface (lib/crypto/crypto.h) where the public API does not reach it. */
#include "check.h"

#include "crypto/crypto.h"

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

int main(void)
{
    test_scalar_range();
    test_point_on_curve();
    return check_summary();
}
