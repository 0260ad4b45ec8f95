/*
 * libesp_enc_img through its public header: the Digital Signature peripheral (lib/engine/ds.c): DS
 * data and esp_secure_cert partitions, held to the known answers of esp_secure_cert_mgr's own
 * script; which keys a chip's DS takes. argv[1]: the vectors folder (its keys are read at test
 * time).
 */

#include "lib_fixture.h"

/* SHA-256 of len bytes, as lowercase hex, compared with want. */
static bool sha256_is(const uint8_t *data, size_t len, const char *want)
{
    eei_sha256 *sha = NULL;
    uint8_t digest[EEI_SHA256_SIZE];
    char hex[2 * EEI_SHA256_SIZE + 1];
    if (eei_sha256_new(&sha, NULL) != EEI_OK) {
        return false;
    }
    eei_sha256_update(sha, data, len);
    eei_sha256_final(sha, digest);
    eei_sha256_free(sha);
    for (size_t i = 0; i < sizeof(digest); i++) {
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    return strcmp(hex, want) == 0;
}

/*
 * The DS peripheral's data and the esp_secure_cert partition. The known answers (kat/ RSA key,
 * HMAC key 00 01 ... 1f, IV a0 a1 ... af; the partition for BLOCK_KEY2) are what
 * esp_secure_cert_mgr's configure_esp_secure_cert.py writes for the same inputs.
 */
static void test_ds(const eei_key *rsa_priv, const eei_key *rsa_pub, const eei_key *hmac)
{
    static const struct {
        const char *chip;
        size_t data_size, tlvs;
        const char *data_sha256, *part_sha256;
    } kat[] = {
        {"esp32c3", 1220, 1328, "83302323ad0e4c25c04711e3e78bba7184481e2fdb703a1719d14981d05b1b1c",
         "74b0a118efdda877974d163c3d960c7ac13b4d3ef1f01f04add45810de769cda"},
        {"esp32s3", 1604, 1712, "a0cc36af6e3fefd68c16774d06ee66b9d4cb3bc3fdaf1a5fdfda77ff7d169855",
         "ebeb9246fa226e85b0462775b0a30caa47d99898439a1fc0369e0f6d4c399c79"},
    };
    uint8_t hmac_key[EEI_HMAC_KEY_SIZE], iv[EEI_DS_IV_SIZE], data[EEI_DS_DATA_MAX];
    static uint8_t part[EEI_SC_PARTITION_SIZE], again[EEI_SC_PARTITION_SIZE];
    for (size_t i = 0; i < sizeof(hmac_key); i++) {
        hmac_key[i] = (uint8_t)i;
    }
    for (size_t i = 0; i < sizeof(iv); i++) {
        iv[i] = (uint8_t)(0xa0 + i);
    }
    for (size_t k = 0; k < sizeof(kat) / sizeof(kat[0]); k++) {
        size_t len = 0, used = 0;
        unsigned max_bits = 0;
        CHECK(eei_ds_chip_max_bits(kat[k].chip, &max_bits, NULL) == EEI_OK);
        CHECK(eei_ds_data_make(rsa_priv, kat[k].chip, hmac_key, iv, data, &len, NULL) == EEI_OK);
        CHECK(len == kat[k].data_size && len == EEI_DS_DATA_SIZE(max_bits / 8u));
        CHECK(sha256_is(data, len, kat[k].data_sha256));
        CHECK(eei_ds_secure_cert_make(rsa_priv, kat[k].chip, hmac_key, 2, iv, part, &used, NULL) ==
              EEI_OK);
        CHECK(used == kat[k].tlvs);
        CHECK(sha256_is(part, sizeof(part), kat[k].part_sha256));
        /* its TLVs, as a reader finds them: the DS data, the context, the integrity digest */
        eei_sc_tlv t;
        CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_DATA, 0, &t) == EEI_SC_OK);
        CHECK(t.length == len && memcmp(t.value, data, len) == 0);
        CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_CONTEXT, 0, &t) == EEI_SC_OK);
        uint8_t block = 0;
        uint16_t bits = 0;
        CHECK(t.length == EEI_DS_CONTEXT_SIZE && eei_ds_context_decode(t.value, &block, &bits) &&
              block == 2 && bits == 3072);
        CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_INTEGRITY, 0, &t) == EEI_SC_OK);
        CHECK(t.length == EEI_SHA256_SIZE &&
              t.value + t.length + EEI_SC_TLV_FOOTER_SIZE == part + used);
        uint8_t digest[EEI_SHA256_SIZE];
        eei_sha256 *sha = NULL;
        CHECK(eei_sha256_new(&sha, NULL) == EEI_OK);
        eei_sha256_update(sha, part, (size_t)(t.value - EEI_SC_TLV_HEADER_SIZE - part));
        eei_sha256_final(sha, digest);
        eei_sha256_free(sha);
        CHECK_MEM(digest, t.value, sizeof(digest));
        size_t erased = 0;
        while (used + erased < sizeof(part) && part[used + erased] == EEI_SC_ERASED) {
            erased++;
        }
        CHECK(used + erased == sizeof(part));
        /* a fresh random IV (and so another C) when none is given */
        CHECK(eei_ds_secure_cert_make(rsa_priv, kat[k].chip, hmac_key, 2, NULL, again, &used,
                                      NULL) == EEI_OK);
        CHECK(memcmp(part + 4 + EEI_SC_TLV_HEADER_SIZE, again + 4 + EEI_SC_TLV_HEADER_SIZE,
                     EEI_DS_IV_SIZE) != 0);
        CHECK(memcmp(part, again, sizeof(part)) != 0);
        /* another HMAC key, another C */
        hmac_key[31] ^= 1;
        CHECK(eei_ds_data_make(rsa_priv, kat[k].chip, hmac_key, iv, again, &len, NULL) == EEI_OK);
        CHECK(!sha256_is(again, len, kat[k].data_sha256));
        hmac_key[31] ^= 1;
    }
    /* chips: every one with DS, in both sizes; none without, none unknown */
    const char *with_ds[] = {"esp32s2", "esp32s3", "esp32c3", "esp32c6", "esp32h2"};
    for (size_t i = 0; i < sizeof(with_ds) / sizeof(with_ds[0]); i++) {
        size_t len = 0;
        CHECK(eei_ds_data_make(rsa_priv, with_ds[i], hmac_key, NULL, data, &len, NULL) == EEI_OK);
        CHECK(len == (i < 2 ? 1604u : 1220u));
    }
    eei_error err;
    size_t len = 99, used = 99;
    unsigned max_bits = 0;
    CHECK(eei_ds_chip_max_bits("esp32", &max_bits, &err) == EEI_ERR_USAGE);
    CHECK(strstr(err.msg, "the esp32 has no Digital Signature peripheral") != NULL);
    CHECK(eei_ds_chip_max_bits("esp32x9", &max_bits, &err) == EEI_ERR_USAGE);
    CHECK(strstr(err.msg, "unknown target 'esp32x9'") &&
          strstr(err.msg, "esp32s2, esp32s3, esp32c3, esp32c6, esp32h2"));
    CHECK(eei_ds_data_make(rsa_priv, "esp32c2", hmac_key, iv, data, &len, &err) == EEI_ERR_USAGE);
    CHECK(len == 0);
    CHECK(eei_ds_secure_cert_make(rsa_priv, "esp32c3", hmac_key, 6, iv, part, &used, &err) ==
          EEI_ERR_USAGE);
    CHECK(strstr(err.msg, "BLOCK_KEY0 to BLOCK_KEY5") != NULL && used == 99);
    /* keys: what each is, and what the chip's DS takes */
    CHECK(eei_ds_data_make(rsa_pub, "esp32c3", hmac_key, iv, data, &len, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "a public key") != NULL);
    CHECK(eei_ds_data_make(hmac, "esp32c3", hmac_key, iv, data, &len, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "a 32-byte HMAC key, not an RSA key") != NULL);
    eei_key *ecc = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &ecc, NULL) == EEI_OK);
    CHECK(eei_ds_secure_cert_make(ecc, "esp32s2", hmac_key, 1, iv, part, &used, &err) ==
          EEI_ERR_KEY);
    CHECK(strstr(err.msg, "P-256 key: the Digital Signature peripheral of the esp32s2 takes RSA "
                          "keys of 1024 to 4096 bits") != NULL);
    eei_key_free(ecc);
    CHECK(eei_ds_hmac_key_generate(hmac_key, NULL) == EEI_OK);
    uint8_t other[EEI_HMAC_KEY_SIZE];
    CHECK(eei_ds_hmac_key_generate(other, NULL) == EEI_OK);
    CHECK(memcmp(hmac_key, other, sizeof(other)) != 0);
}

/* A key loaded for a chip's DS: anything but an RSA-3072 private key is refused, saying why. */
static void test_ds_key_loading(void)
{
    char dir[512], path[600];
    if (!check_scratch("ds", dir, sizeof(dir))) {
        CHECK(!"a scratch folder");
        return;
    }
    eei_key_options opts = {.ds_chip = "esp32c3"};
    eei_key *key = NULL;
    eei_error err;
    snprintf(path, sizeof(path), "%s/kat/rsa_private.pem", vectors);
    CHECK(eei_key_load_file(path, &opts, &key, &err) == EEI_OK && key);
    eei_key_free(key);
    snprintf(path, sizeof(path), "%s/kat/rsa_public.pem", vectors);
    CHECK(eei_key_load_file(path, &opts, &key, &err) == EEI_ERR_KEY && key == NULL);
    CHECK(strstr(err.msg, "rsa_public.pem: a public key") != NULL);
    snprintf(path, sizeof(path), "%s/kat/hmac_key.bin", vectors);
    CHECK(eei_key_load_file(path, &opts, &key, &err) == EEI_ERR_KEY && key == NULL);
    CHECK(strstr(err.msg, "hmac_key.bin: a 32-byte HMAC key, not an RSA key") != NULL);
    /* an RSA key of another size: its size, and what the chip's DS takes */
    static const char rsa1024[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAKi1s22MMQf3tIhq\n"
        "XM76gLj3lcCfeaL3a0fR0edByFGx34+XDb7AU1bOT7HNi4c7DDOBwdQ7PpkWaU70\n"
        "C6mNzYNmbp5tfPI/JwT3GK8PCcsPp3+Oi7YSgs3/kjd2Pcpxc7UqzgZxNFxQhBpF\n"
        "otvY/Q0BIObf0U8NNzeDwoLOSgkhAgMBAAECgYAFqIJqDCeg0sf1Q0v1jSVADt2w\n"
        "5ihYNOAeOoVFskkbpFGRKUnGugCRir3VgsVJNcvE9ncfvRTuYXgKs9ioSR85WQc3\n"
        "zYsLEqNerFIZCiYZw/4j6lcYKtxy41BeixbH98RzyIVPnHGFagtRgjLKfIioBw/G\n"
        "CfUtYGngwQHYp9kbWQJBANIvTTmomoXJAz8nrii+DqU6eXVd2DopxS4hzc6aWZLJ\n"
        "kJt0EDM6eVvivw1N6venmDT8IkJaJoFNbYK8BwPORQcCQQDNfAR6FBiifNW6pZsT\n"
        "lg2zWMTRyD78Ya6yxxUpOzGt7nI/jw5/ETJwPFAYYl8jlp0g9OMpUfc2C6mFuwzy\n"
        "k56XAkAUvl5cxmsZsREE9qGVm8xOOksqbiyc8Opo9yUcstcMSaBf90ByDd9UVjiM\n"
        "05fRAVVgRVIMQmFyeXXJZU077uuZAkBqTKDIQoMn86phPvCFZle6Es7ms0+aIjJM\n"
        "u95/kOa3UqX5qVjXdR8BnsHUi3cqIu0wMl8dbhCT/d55lvUwvBsLAkAsLev/nOWO\n"
        "VjZvDsvgNloVJq8NSXQJ91XSf6TIFx23cwoYvzlwQY61M2YtkvdR/TqKNQbYX/b5\n"
        "5Nz13iQcIdcO\n"
        "-----END PRIVATE KEY-----\n";
    snprintf(path, sizeof(path), "%s/rsa1024.pem", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(rsa1024, 1, sizeof(rsa1024) - 1, f) == sizeof(rsa1024) - 1);
    if (f) {
        fclose(f);
    }
    opts.ds_chip = "esp32s3";
    CHECK(eei_key_load_file(path, &opts, &key, &err) == EEI_ERR_KEY && key == NULL);
    CHECK(strstr(err.msg, "rsa1024.pem: RSA-1024 key: the Digital Signature peripheral of the "
                          "esp32s3 takes RSA keys of 1024 to 4096 bits, and DS data is made here "
                          "of RSA-3072 private keys only") != NULL);
    /* without ds_chip the same key gets the image format's reason */
    CHECK(eei_key_load_file(path, NULL, &key, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "384-byte slot") != NULL);
    /* a key in a token never leaves it */
    CHECK(eei_key_load_file("pkcs11:token=t;object=k", &opts, &key, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "never leaves it") != NULL);
    remove_scratch(dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_ds VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_key *rsa_priv = load_key("kat/rsa_private.pem");
    eei_key *rsa_pub = load_key("kat/rsa_public.pem");
    eei_key *hmac = load_key("kat/hmac_key.bin");

    test_ds(rsa_priv, rsa_pub, hmac);
    test_ds_key_loading();

    eei_key_free(rsa_priv);
    eei_key_free(rsa_pub);
    eei_key_free(hmac);
    return check_summary();
}
