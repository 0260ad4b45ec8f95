/*
 * The device decryptor on the host: every case of the shared vectors in chunks of 1, 7, 16,
 * 512 and 4096 bytes and in random splits, decrypting in place; the device public key; the
 * eFuse purpose check; call order; the esp_https_ota adapter. argv[1]: the vectors folder.
 */
#include "check.h"

#include <cjson/cJSON.h>

#include <openssl/evp.h>

#include "eei_https_ota_adapter.h"
#include "vectors_io.h"

static const char *vdir;

#define SHORT_READS ((size_t)-1) /* a chunk pattern: mostly 4096, sometimes a few bytes */

typedef struct {
    size_t chunk;  /* 0: random */
    uint32_t seed; /* for random */
    bool in_place;
} split;

/* Decrypt img as the device would; on success *sha is the SHA-256 of the plaintext. */
static eei_dec_err run(const eei_dec_config *cfg, const uint8_t *img, size_t len, split how,
                       uint8_t sha[32])
{
    static uint8_t work[8192 + EEI_DEC_OUT_SLACK], out[8192 + EEI_DEC_OUT_SLACK];
    eei_dec dec;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    eei_dec_err rc = eei_dec_start(&dec, cfg);
    uint32_t state = how.seed * 2654435761u | 1u;
    size_t pattern_at = 0;
    for (size_t off = 0; rc == EEI_DEC_OK && off < len;) {
        size_t n = how.chunk;
        if (n == 0) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            n = 1 + state % 8192;
        } else if (n == SHORT_READS) { /* full reads with a short one now and then */
            static const size_t pattern[] = {4096, 4096, 5, 4096, 1, 4091, 4096, 300, 17};
            n = pattern[pattern_at++ % (sizeof(pattern) / sizeof(pattern[0]))];
        }
        n = n < len - off ? n : len - off;
        memcpy(work, img + off, n);
        uint8_t *dst = how.in_place ? work : out;
        size_t produced = 0;
        rc = eei_dec_feed(&dec, work, n, dst, sizeof(work), &produced);
        CHECK(rc != EEI_DEC_OK || produced <= n + EEI_DEC_OUT_SLACK);
        EVP_DigestUpdate(md, dst, produced);
        off += n;
    }
    if (rc == EEI_DEC_OK) {
        rc = eei_dec_finish(&dec);
    }
    eei_dec_abort(&dec);
    EVP_DigestFinal_ex(md, sha, NULL);
    EVP_MD_CTX_free(md);
    return rc;
}

static void test_vectors(void)
{
    size_t jlen;
    char *json = (char *)vio_read(vdir, "vectors.json", &jlen);
    cJSON *root = cJSON_Parse(json);
    cJSON *cases = cJSON_GetObjectItem(root, "cases");
    const split splits[] = {{1, 0, true},   {7, 0, true},    {16, 0, true},         {17, 0, false},
                            {512, 0, true}, {4096, 0, true}, {4096, 0, false},      {0, 1, true},
                            {0, 2, false},  {0, 3, true},    {SHORT_READS, 0, true}};
    int ncases = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
        bool ok = strcmp(cJSON_GetObjectItem(c, "expect")->valuestring, "ok") == 0;
        size_t ilen, klen;
        uint8_t *img = vio_read(vdir, cJSON_GetObjectItem(c, "image")->valuestring, &ilen);
        uint8_t *key = vio_read(vdir, cJSON_GetObjectItem(c, "key")->valuestring, &klen);
        eei_dec_config cfg;
        vio_key_config(key, klen, &cfg);
        for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
            uint8_t sha[32];
            char hex[65];
            eei_dec_err rc = run(&cfg, img, ilen, splits[s], sha);
            vio_hex(sha, 32, hex);
            bool good =
                ok ? rc == EEI_DEC_OK &&
                         strcmp(hex, cJSON_GetObjectItem(c, "plain_sha256")->valuestring) == 0
                   : rc != EEI_DEC_OK;
            CHECK(good);
            if (!good) {
                fprintf(stderr, "  case %s, chunk %zu/%u: %s\n", name, splits[s].chunk,
                        splits[s].seed, eei_dec_strerror(rc));
            }
        }
        free(img);
        free(key);
        ncases++;
    }
    CHECK(ncases >= 39);
    cJSON_Delete(root);
    free(json);
}

static void test_rejection_reasons(void)
{
    static const struct {
        const char *image, *key;
        eei_dec_err want;
    } cases[] = {
        {"negative/rsa-bad-magic.bin", "kat/rsa_private.pem", EEI_DEC_ERR_MAGIC},
        {"negative/rsa-tag.bin", "kat/rsa_private.pem", EEI_DEC_ERR_AUTH},
        {"negative/rsa-truncated.bin", "kat/rsa_private.pem", EEI_DEC_ERR_TRUNCATED},
        {"negative/rsa-trailing.bin", "kat/rsa_private.pem", EEI_DEC_ERR_TRAILING},
        {"negative/rsa-header-only.bin", "kat/rsa_private.pem", EEI_DEC_ERR_TRUNCATED},
        {"negative/rsa-wrong-rsa-key.bin", "upstream/rsa_private.pem", EEI_DEC_ERR_UNWRAP},
        {"negative/ecies-point-off-curve.bin", "kat/hmac_key.bin", EEI_DEC_ERR_POINT},
        {"negative/rsa-wrong-key-ecies.bin", "kat/hmac_key.bin", EEI_DEC_ERR_SCHEME},
        {"negative/ecies-wrong-key-rsa.bin", "kat/rsa_private.pem", EEI_DEC_ERR_SCHEME},
        {"negative/ecies-salt.bin", "kat/hmac_key.bin", EEI_DEC_ERR_AUTH},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t ilen, klen;
        uint8_t *img = vio_read(vdir, cases[i].image, &ilen);
        uint8_t *key = vio_read(vdir, cases[i].key, &klen);
        eei_dec_config cfg;
        uint8_t sha[32];
        vio_key_config(key, klen, &cfg);
        eei_dec_err rc = run(&cfg, img, ilen, (split){512, 0, true}, sha);
        CHECK(rc == cases[i].want);
        if (rc != cases[i].want) {
            fprintf(stderr, "  %s: %s\n", cases[i].image, eei_dec_strerror(rc));
        }
        free(img);
        free(key);
    }
}

/*
 * The device's verdict: it takes the key block's first 96 bytes as point and salt and ignores
 * the 288 after them, so an ECIES image with bytes there still decrypts; the header's look
 * only explains a failure (the other scheme).
 */
static void test_ignored_ecies_area(void)
{
    size_t ilen, klen, plen;
    uint8_t *img = vio_read(vdir, "kat/ecies_4099.bin", &ilen);
    uint8_t *key = vio_read(vdir, "kat/hmac_key.bin", &klen);
    uint8_t *plain = vio_read(vdir, "kat/plain_4099.bin", &plen);
    eei_dec_config cfg;
    vio_key_config(key, klen, &cfg);
    img[EEI_OFF_KEY_BLOCK + EEI_ECIES_POINT_SIZE + EEI_ECIES_SALT_SIZE + 10] = 0x5a;
    img[EEI_OFF_KEY_BLOCK + EEI_KEY_BLOCK_SIZE - 1] = 0xa5;
    eei_header h;
    eei_header_decode(img, ilen, &h);
    CHECK(eei_header_scheme(&h) == EEI_SCHEME_RSA3072); /* what the header looks like */
    uint8_t sha[32], want[32];
    CHECK(run(&cfg, img, ilen, (split){512, 0, true}, sha) == EEI_DEC_OK);
    EVP_Digest(plain, plen, want, NULL, EVP_sha256(), NULL);
    CHECK(memcmp(sha, want, sizeof(sha)) == 0);
    free(img);
    free(key);
    free(plain);
}

static void test_device_key(void)
{
    size_t klen, dlen;
    uint8_t *key = vio_read(vdir, "kat/hmac_key.bin", &klen);
    uint8_t *want = vio_read(vdir, "kat/hmac_device_pub.der", &dlen);
    eei_dec_config cfg;
    vio_key_config(key, klen, &cfg);
    uint8_t der[EEI_DEC_PUBKEY_DER_SIZE];
    CHECK(eei_dec_export_pubkey_der(&cfg, der) == EEI_DEC_OK);
    CHECK(dlen == sizeof(der) && memcmp(der, want, dlen) == 0);

    /* a key block burnt for another purpose is refused before the peripheral is used */
    sim_efuse_burn_key(3, key, ESP_EFUSE_KEY_PURPOSE_USER);
    eei_dec_config wrong = {EEI_DEC_KEY_HMAC_EFUSE, NULL, 0, 3};
    eei_dec dec;
    CHECK(eei_dec_start(&dec, &wrong) == EEI_DEC_ERR_EFUSE);
    CHECK(eei_dec_export_pubkey_der(&wrong, der) == EEI_DEC_ERR_EFUSE);
    wrong.hmac_key_id = 9;
    CHECK(eei_dec_start(&dec, &wrong) == EEI_DEC_ERR_ARG);
    /* an RSA configuration has no ECIES public key, and a P-256 PEM is not an RSA key */
    size_t plen;
    uint8_t *p256 = vio_read(vdir, "upstream/ecc_device_private.pem", &plen);
    eei_dec_config as_rsa = {EEI_DEC_KEY_RSA_PEM, (const char *)p256, plen + 1, 0};
    CHECK(eei_dec_export_pubkey_der(&as_rsa, der) == EEI_DEC_ERR_ARG);
    CHECK(eei_dec_start(&dec, &as_rsa) == EEI_DEC_ERR_KEY);
    free(p256);
    free(key);
    free(want);
}

static void test_call_order(void)
{
    size_t ilen, klen;
    uint8_t *img = vio_read(vdir, "kat/rsa_17.bin", &ilen);
    uint8_t *key = vio_read(vdir, "kat/rsa_private.pem", &klen);
    eei_dec_config cfg;
    vio_key_config(key, klen, &cfg);
    eei_dec dec;
    uint8_t out[1024];
    size_t n;
    CHECK(eei_dec_start(&dec, &cfg) == EEI_DEC_OK);
    CHECK(eei_dec_header(&dec) == NULL);
    CHECK(eei_dec_feed(&dec, img, ilen, out, 10, &n) == EEI_DEC_ERR_ARG);          /* no room */
    CHECK(eei_dec_feed(&dec, img, ilen, out, sizeof(out), &n) == EEI_DEC_ERR_ARG); /* failed */
    eei_dec_abort(&dec);
    CHECK(eei_dec_start(&dec, &cfg) == EEI_DEC_OK);
    CHECK(eei_dec_feed(&dec, img, ilen, out, sizeof(out), &n) == EEI_DEC_OK && n == 17);
    CHECK(eei_dec_header(&dec) != NULL && eei_dec_header(&dec)->payload_len == 17);
    CHECK(eei_dec_consumed(&dec) == ilen);
    CHECK(eei_dec_finish(&dec) == EEI_DEC_OK);
    CHECK(eei_dec_feed(&dec, img, 1, out, sizeof(out), &n) == EEI_DEC_ERR_ARG);
    eei_dec_abort(&dec);
    eei_dec_abort(&dec); /* twice is harmless */
    for (int e = EEI_DEC_OK; e <= EEI_DEC_ERR_CRYPTO; e++) {
        CHECK(strcmp(eei_dec_strerror((eei_dec_err)e), "unknown error") != 0);
    }
    free(img);
    free(key);
}

/* esp_https_ota's side of the adapter: hand chunks to the callback, write what comes back. */
static void test_https_ota_adapter(const char *image, const char *keyfile, size_t chunk,
                                   bool expect_ok)
{
    size_t ilen, klen, plen;
    uint8_t *img = vio_read(vdir, image, &ilen);
    uint8_t *key = vio_read(vdir, keyfile, &klen);
    uint8_t *plain = vio_read(vdir, "kat/plain_4099.bin", &plen);
    eei_dec_config cfg;
    vio_key_config(key, klen, &cfg);
    eei_https_ota_ctx ctx;
    CHECK(eei_https_ota_begin(&ctx, &cfg) == ESP_OK);
    uint8_t *got = calloc(1, ilen);
    size_t got_len = 0;
    esp_err_t err = ESP_OK;
    for (size_t off = 0; off < ilen && err == ESP_OK; off += chunk) {
        decrypt_cb_arg_t args = {(const char *)img + off, chunk < ilen - off ? chunk : ilen - off,
                                 NULL, 0};
        err = eei_https_ota_decrypt_cb(&args, &ctx);
        if (err == ESP_OK && args.data_out_len) {
            memcpy(got + got_len, args.data_out, args.data_out_len);
            got_len += args.data_out_len;
        }
        free(args.data_out); /* as esp_https_ota does */
    }
    if (err == ESP_OK) {
        err = eei_https_ota_end(&ctx);
    } else {
        eei_https_ota_abort(&ctx);
    }
    CHECK((err == ESP_OK) == expect_ok);
    if (expect_ok) {
        CHECK(got_len == plen && memcmp(got, plain, plen) == 0);
    }
    free(got);
    free(img);
    free(key);
    free(plain);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_decryptor VECTORS_DIR\n");
        return 2;
    }
    vdir = argv[1];
    test_vectors();
    test_rejection_reasons();
    test_ignored_ecies_area();
    test_device_key();
    test_call_order();
    test_https_ota_adapter("kat/rsa_4099.bin", "kat/rsa_private.pem", 1024, true);
    test_https_ota_adapter("kat/ecies_4099.bin", "kat/hmac_key.bin", 7, true);
    test_https_ota_adapter("negative/ecies-body-last.bin", "kat/hmac_key.bin", 1024, false);
    test_https_ota_adapter("negative/rsa-trailing.bin", "kat/rsa_private.pem", 100, false);
    return check_summary();
}
