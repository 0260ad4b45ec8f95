/*
 * Engine and crypto-backend tests in memory: round trips of both schemes for every key kind,
 * decryption in chunks of any size, and every way a stream can be wrong.
 * argv[1]: the shared vectors folder (its keys are read at test time).
 */
#include "check.h"

#include <stdlib.h>

#include "crypto/crypto.h"
#include "engine/image.h"

static const char *vectors;

static uint8_t *read_file(const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", vectors, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static eei_key *load_key(const char *rel)
{
    size_t len;
    uint8_t *data = read_file(rel, &len);
    eei_key *key = NULL;
    eei_error err;
    int rc = len == 32 ? crypto_key_from_hmac(data, &key, &err)
                       : crypto_key_parse(data, len, NULL, &key, &err);
    free(data);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", rel, err.msg);
        exit(2);
    }
    return key;
}

/* Encrypt plain into a new buffer (header + ciphertext). */
static uint8_t *encrypt_all(const eei_key *key, const uint8_t *plain, size_t len, size_t *out_len)
{
    eei_encryptor enc;
    eei_error err;
    uint8_t *out = malloc(EEI_HEADER_SIZE + len + 1);
    CHECK(eei_encrypt_start(&enc, key, &err) == 0);
    /* feed in two uneven pieces: streaming must not depend on the split */
    size_t first = len / 3;
    CHECK(eei_encrypt_update(&enc, plain, out + EEI_HEADER_SIZE, first, &err) == 0);
    CHECK(eei_encrypt_update(&enc, plain + first, out + EEI_HEADER_SIZE + first, len - first,
                             &err) == 0);
    CHECK(eei_encrypt_finish(&enc, out, &err) == 0);
    eei_encrypt_end(&enc);
    *out_len = EEI_HEADER_SIZE + len;
    return out;
}

/* Decrypt img in chunks of `chunk` bytes; returns the final status. */
static int decrypt_all(const eei_key *key, const uint8_t *img, size_t len, size_t chunk,
                       uint8_t *plain, size_t *plain_len, eei_error *err)
{
    eei_decryptor dec;
    int rc = eei_decrypt_start(&dec, key, err);
    *plain_len = 0;
    for (size_t off = 0; rc == 0 && off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        size_t got = 0;
        rc = eei_decrypt_update(&dec, img + off, n, plain + *plain_len, &got, err);
        *plain_len += got;
    }
    if (rc == 0) {
        rc = eei_decrypt_finish(&dec, err);
    }
    eei_decrypt_end(&dec);
    return rc;
}

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
            int rc = decrypt_all(dec_key, img, img_len, chunks[c], back, &plain_len, &err);
            CHECK(rc == 0);
            CHECK(plain_len == len);
            CHECK(len == 0 || memcmp(back, plain, len) == 0);
            if (rc != 0) {
                fprintf(stderr, "%s size %zu chunk %zu: %s\n", label, len, chunks[c], err.msg);
            }
        }
        free(back);
        free(img);
        free(plain);
    }
}

static void expect_reject(const eei_key *key, const uint8_t *img, size_t len, const char *what)
{
    uint8_t *plain = malloc(len + 1);
    size_t plain_len;
    eei_error err = {EEI_OK, ""};
    int rc = decrypt_all(key, img, len, 100, plain, &plain_len, &err);
    CHECK(rc != 0);
    CHECK(err.status == EEI_ERR_REJECTED);
    if (rc == 0 || err.status != EEI_ERR_REJECTED) {
        fprintf(stderr, "not rejected: %s (%s)\n", what, err.msg);
    }
    free(plain);
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
    expect_reject(key, img, 511, "header cut");
    expect_reject(key, img, 0, "empty");

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
    eei_error err;
    CHECK(decrypt_all(key, bad, len, 333, out, &out_len, &err) == 0);
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

/* The 32-bit length field: a stream past 4 GiB - 1 bytes is refused, not wrapped around. */
static void test_length_limit(const eei_key *key)
{
    eei_encryptor enc;
    eei_error err;
    uint8_t buf[2] = {0};
    CHECK(eei_encrypt_start(&enc, key, &err) == 0);
    enc.payload_len = EEI_MAX_PAYLOAD - 1; /* as if 4 GiB - 2 bytes had gone through */
    CHECK(eei_encrypt_update(&enc, buf, buf, 1, &err) == 0);
    CHECK(eei_encrypt_update(&enc, buf, buf, 1, &err) != 0);
    CHECK(err.status == EEI_ERR_FILE);
    CHECK(strstr(err.msg, "4294967295") != NULL);
    eei_encrypt_end(&enc);
}

static void test_public_key_cannot_decrypt(const eei_key *pub)
{
    eei_decryptor dec;
    eei_error err;
    CHECK(eei_decrypt_start(&dec, pub, &err) != 0);
    CHECK(err.status == EEI_ERR_KEY);
}

static void test_scalar_range(void)
{
    /* n, the order of P-256 */
    static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                  0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
    uint8_t s[32];
    memset(s, 0, sizeof(s));
    CHECK(!crypto_p256_scalar_valid(s));
    s[31] = 1;
    CHECK(crypto_p256_scalar_valid(s));
    memcpy(s, n, 32);
    CHECK(!crypto_p256_scalar_valid(s));
    s[31] -= 1;
    CHECK(crypto_p256_scalar_valid(s));
    s[31] += 2;
    CHECK(!crypto_p256_scalar_valid(s));
    memset(s, 0xff, sizeof(s));
    CHECK(!crypto_p256_scalar_valid(s));
}

static void test_hmac_public_der(void)
{
    eei_key *key = load_key("kat/hmac_key.bin");
    size_t want_len;
    uint8_t *want = read_file("kat/hmac_device_pub.der", &want_len);
    uint8_t *der = NULL;
    size_t der_len = 0;
    eei_error err;
    CHECK(crypto_key_public_der(key, &der, &der_len, &err) == 0);
    CHECK(der_len == 91 && der_len == want_len);
    CHECK(der && memcmp(der, want, want_len) == 0);
    CHECK(crypto_key_type(key) == EEI_KEY_P256);
    CHECK(crypto_key_has_private(key));
    free(der);
    free(want);
    crypto_key_free(key);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_image VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_error err;
    eei_key *rsa_priv = load_key("kat/rsa_private.pem");
    eei_key *rsa_pub = load_key("kat/rsa_public.pem");
    eei_key *hmac = load_key("kat/hmac_key.bin");
    eei_key *hmac_pub = load_key("kat/hmac_device_pub.pem");
    eei_key *ecc = NULL;
    CHECK(crypto_key_generate(EEI_KEY_P256, &ecc, &err) == 0);

    test_round_trips("rsa", rsa_pub, rsa_priv, EEI_SCHEME_RSA3072);
    test_round_trips("rsa-private-encrypts", rsa_priv, rsa_priv, EEI_SCHEME_RSA3072);
    test_round_trips("hmac", hmac_pub, hmac, EEI_SCHEME_ECIES_P256);
    test_round_trips("ecc", ecc, ecc, EEI_SCHEME_ECIES_P256);
    test_rejections(rsa_priv);
    test_rejections(hmac);
    test_fresh_material(hmac);
    test_fresh_material(rsa_pub);
    test_length_limit(hmac_pub);
    test_public_key_cannot_decrypt(rsa_pub);
    test_public_key_cannot_decrypt(hmac_pub);
    test_scalar_range();
    test_hmac_public_der();

    crypto_key_free(rsa_priv);
    crypto_key_free(rsa_pub);
    crypto_key_free(hmac);
    crypto_key_free(hmac_pub);
    crypto_key_free(ecc);
    return check_summary();
}
