/*
 * The PKCS#1 v1.5 unpadding of an RSA-3072 key block done outside the crypto library (the DS
 * peripheral's result): exactly 00 02, a padding string of non-zero bytes, 00 and a 32-byte key
 * gives the key; every other block gives E_UNWRAP and a zero key.
 */
#include "check.h"

#include "eei_dev_crypto.h"

#define N EEI_RSA_WRAPPED_SIZE
#define K EEI_AES_KEY_SIZE

/* 00 02 PS 00 KEY, PS of non-zero bytes, the key 0x10, 0x11, ... */
static void good_block(uint8_t em[N])
{
    em[0] = 0x00;
    em[1] = 0x02;
    for (size_t i = 2; i < N - K - 1; i++) {
        em[i] = (uint8_t)(1u + i % 255u);
    }
    em[N - K - 1] = 0x00;
    for (size_t i = 0; i < K; i++) {
        em[N - K + i] = (uint8_t)(0x10u + i);
    }
}

/* E_UNWRAP, and nothing of the block's tail in the key. */
static void refused(const uint8_t em[N], const char *what)
{
    uint8_t key[K], zero[K] = {0};
    memset(key, 0xaa, sizeof(key));
    int rc = eei_dev_pkcs1_v15_key(em, key);
    CHECK(rc == EEI_CC_E_UNWRAP);
    CHECK_MEM(key, zero, K);
    if (rc != EEI_CC_E_UNWRAP) {
        fprintf(stderr, "accepted: %s\n", what);
    }
}

int main(void)
{
    uint8_t em[N], key[K];

    good_block(em);
    CHECK(eei_dev_pkcs1_v15_key(em, key) == EEI_CC_OK);
    CHECK_MEM(key, em + N - K, K);
    /* the key may hold zero bytes: only the first zero after 00 02 separates */
    good_block(em);
    em[N - 1] = 0x00;
    em[N - K] = 0x00;
    CHECK(eei_dev_pkcs1_v15_key(em, key) == EEI_CC_OK);
    CHECK_MEM(key, em + N - K, K);

    good_block(em);
    em[0] = 0x01;
    refused(em, "first byte not 00");
    good_block(em);
    em[1] = 0x01;
    refused(em, "block type 01");
    good_block(em);
    em[1] = 0x00;
    refused(em, "block type 00");
    /* a separator early: a longer message than a key */
    good_block(em);
    em[20] = 0x00;
    refused(em, "a 363-byte message");
    good_block(em);
    em[2] = 0x00;
    refused(em, "an empty padding string");
    /* a separator late: a shorter message */
    good_block(em);
    em[N - K - 1] = 0x05;
    em[N - K + 3] = 0x00;
    refused(em, "a 28-byte message");
    /* no separator at all */
    good_block(em);
    em[N - K - 1] = 0x05;
    for (size_t i = 0; i < K; i++) {
        em[N - K + i] |= 1u;
    }
    refused(em, "no separator");
    return check_summary();
}
