/*
 * libesp_enc_img through its public header: encrypt and decrypt a piece at a time
 * (lib/engine/cipher.c): round trips of both schemes for every key kind, in place, in pieces of any
 * size, every way an image can be wrong, fresh key material. argv[1]: the vectors folder (its keys
 * are read at test time).
 */

#include "lib_fixture.h"

static void test_round_trips(const char *label, const eei_key *enc_key, const eei_key *dec_key,
                             eei_scheme scheme)
{
    static const size_t sizes[] = {0, 1, 15, 16, 17, 4096, (1u << 20) + 3};
    static const size_t chunks[] = {1, 7, 16, 512, 4096, 1u << 21};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t len = sizes[s], img_len, plain_len;
        uint8_t *plain = malloc(len + 1);
        for (size_t i = 0; i < len; i++) {
            plain[i] = (uint8_t)(i * 31 + 7);
        }
        uint8_t *img = encrypt_all(enc_key, plain, len, &img_len);
        eei_header h;
        CHECK(eei_header_decode(img, img_len, &h) == EEI_FMT_OK);
        CHECK(h.payload_len == len);
        CHECK(eei_header_scheme(&h) == scheme);
        CHECK(eei_header_reserved_clear(&h));
        uint8_t *back = malloc(len + 1);
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            if (len > 4096 && chunks[c] < 512) {
                continue; /* byte-by-byte over 1 MiB adds time, not coverage */
            }
            eei_error err;
            eei_status st = decrypt_all(dec_key, img, img_len, chunks[c], back, &plain_len, &err);
            CHECK(st == EEI_OK);
            CHECK(plain_len == len);
            CHECK(len == 0 || memcmp(back, plain, len) == 0);
            if (st != EEI_OK) {
                fprintf(stderr, "%s size %zu chunk %zu: %s\n", label, len, chunks[c], err.msg);
            }
        }
        free(back);
        free(img);
        free(plain);
    }
}

/* In place: the image decrypted over itself in one piece, header and all; plaintext from 0. */
static void test_in_place(const eei_key *pub, const eei_key *priv)
{
    uint8_t plain[3000];
    size_t len;
    for (size_t i = 0; i < sizeof(plain); i++) {
        plain[i] = (uint8_t)(i ^ 0x5a);
    }
    uint8_t *img = encrypt_all(pub, plain, sizeof(plain), &len);
    eei_decrypt_ctx *dec = NULL;
    size_t got = 0;
    CHECK(eei_decrypt_new(priv, &dec, NULL) == EEI_OK);
    CHECK(eei_decrypt_update(dec, img, len, img, &got, NULL) == EEI_OK);
    CHECK(eei_decrypt_final(dec, NULL) == EEI_OK);
    CHECK(got == sizeof(plain) && memcmp(img, plain, sizeof(plain)) == 0);
    eei_decrypt_free(dec);
    free(img);
}

/* The image is rejected; the reason given. */
static const char *expect_reject(const eei_key *key, const uint8_t *img, size_t len,
                                 const char *what)
{
    static eei_error err;
    uint8_t *plain = malloc(len + 1);
    size_t plain_len;
    err = (eei_error){EEI_OK, ""};
    eei_status st = decrypt_all(key, img, len, 100, plain, &plain_len, &err);
    CHECK(st == EEI_ERR_REJECTED);
    CHECK(err.status == EEI_ERR_REJECTED);
    if (st != EEI_ERR_REJECTED) {
        fprintf(stderr, "not rejected: %s (%s)\n", what, err.msg);
    }
    free(plain);
    return err.msg;
}

static void test_rejections(const eei_key *key)
{
    uint8_t plain[1000];
    size_t len;
    memset(plain, 0x42, sizeof(plain));
    uint8_t *img = encrypt_all(key, plain, sizeof(plain), &len);
    uint8_t *bad = malloc(len + 1);

    memcpy(bad, img, len);
    bad[len] = 0;
    expect_reject(key, bad, len + 1, "one trailing byte");
    expect_reject(key, img, len - 1, "one byte short");
    CHECK(strcmp(expect_reject(key, img, 511, "header cut"), "shorter than the 512-byte header") ==
          0);
    expect_reject(key, img, 0, "empty");
    /* bytes that are no image say so at their fourth, as on the device, however few follow */
    memset(bad, 0, 100);
    CHECK(strcmp(expect_reject(key, bad, 100, "no image"), "bad magic: not an encrypted image") ==
          0);

    const size_t offsets[] = {
        0, 5, EEI_OFF_IV, EEI_OFF_PAYLOAD_LEN, EEI_OFF_TAG + 15, EEI_HEADER_SIZE, len - 1};
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        memcpy(bad, img, len);
        bad[offsets[i]] ^= 0x01;
        expect_reject(key, bad, len, "one bit flipped");
    }
    /* reserved bytes are not authenticated: the device ignores them */
    memcpy(bad, img, len);
    bad[EEI_OFF_RESERVED] ^= 0xff;
    uint8_t out[1000];
    size_t out_len;
    CHECK(decrypt_all(key, bad, len, 333, out, &out_len, NULL) == EEI_OK);
    free(bad);
    free(img);
}

static void test_fresh_material(const eei_key *key)
{
    uint8_t plain[32] = {0};
    size_t l1, l2;
    uint8_t *a = encrypt_all(key, plain, sizeof(plain), &l1);
    uint8_t *b = encrypt_all(key, plain, sizeof(plain), &l2);
    CHECK(memcmp(a + EEI_OFF_KEY_BLOCK, b + EEI_OFF_KEY_BLOCK, EEI_ECIES_POINT_SIZE) != 0);
    CHECK(memcmp(a + EEI_OFF_IV, b + EEI_OFF_IV, EEI_IV_SIZE) != 0);
    CHECK(memcmp(a + EEI_HEADER_SIZE, b + EEI_HEADER_SIZE, sizeof(plain)) != 0);
    free(a);
    free(b);
}

static void test_public_key_cannot_decrypt(const eei_key *pub)
{
    eei_decrypt_ctx *dec = NULL;
    eei_error err;
    CHECK(eei_decrypt_new(pub, &dec, &err) == EEI_ERR_KEY);
    CHECK(err.status == EEI_ERR_KEY && dec == NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_cipher VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_key *rsa_priv = load_key("kat/rsa_private.pem");
    eei_key *rsa_pub = load_key("kat/rsa_public.pem");
    eei_key *hmac = load_key("kat/hmac_key.bin");
    eei_key *hmac_pub = load_key("kat/hmac_device_pub.pem");
    eei_key *ecc = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &ecc, NULL) == EEI_OK);

    test_round_trips("rsa", rsa_pub, rsa_priv, EEI_SCHEME_RSA3072);
    test_round_trips("rsa-private-encrypts", rsa_priv, rsa_priv, EEI_SCHEME_RSA3072);
    test_round_trips("hmac", hmac_pub, hmac, EEI_SCHEME_ECIES_P256);
    test_round_trips("ecc", ecc, ecc, EEI_SCHEME_ECIES_P256);
    test_rejections(rsa_priv);
    test_rejections(hmac);
    test_in_place(hmac_pub, hmac);
    test_fresh_material(hmac);
    test_fresh_material(rsa_pub);
    test_public_key_cannot_decrypt(rsa_pub);
    test_public_key_cannot_decrypt(hmac_pub);

    eei_key_free(rsa_priv);
    eei_key_free(rsa_pub);
    eei_key_free(hmac);
    eei_key_free(hmac_pub);
    eei_key_free(ecc);
    return check_summary();
}
