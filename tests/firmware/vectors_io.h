/* Shared by the firmware tests: read the vectors and configure the simulated device. */
#ifndef EEI_TEST_VECTORS_IO_H
#define EEI_TEST_VECTORS_IO_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "eei_decryptor.h"
#include "esp_sim.h"

/* A whole file, with a NUL after it (mbedTLS parses PEM with the NUL); exits if missing. */
static inline uint8_t *vio_read(const char *dir, const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = calloc(1, (size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* The device configuration for a vectors key file: HMAC key into eFuse, or a PEM. */
static inline void vio_key_config(const uint8_t *key, size_t len, eei_dec_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    if (len == 32) {
        sim_efuse_burn_key(2, key, ESP_EFUSE_KEY_PURPOSE_HMAC_UP);
        cfg->kind = EEI_DEC_KEY_HMAC_EFUSE;
        cfg->hmac_key_id = 2;
        return;
    }
    BIO *bio = BIO_new_mem_buf(key, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    cfg->kind = pkey && EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA ? EEI_DEC_KEY_RSA_PEM
                                                                   : EEI_DEC_KEY_P256_PEM;
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    cfg->pem = (const char *)key;
    cfg->pem_len = len + 1;
}

static inline void vio_hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
}

#endif
