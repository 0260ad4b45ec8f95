/*
 * The firmware decryptor's cost per payload byte, for callgrind (bench/run.sh): decrypt an
 * image in chunks of CHUNK bytes, in place, as the firmware does; or, as the reference, the
 * crypto library's own one-shot GCM decryption of one buffer of the same payload size
 * (psa_aead_decrypt with the PSA backend, mbedtls_gcm_auth_decrypt with mbedTLS 3.x).
 *
 *   fw_decrypt_cost decryptor CHUNK IMAGE RSA_KEY_PEM
 *   fw_decrypt_cost reference PAYLOAD_SIZE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eei_decryptor.h"
#include "psa/crypto.h"
#if !defined(TF_PSA_CRYPTO_VERSION_MAJOR)
#include "mbedtls/gcm.h"
#endif

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = calloc(1, *len + EEI_DEC_OUT_SLACK + 1);
    if (fread(buf, 1, *len, f) != *len) {
        exit(2);
    }
    fclose(f);
    return buf;
}

static int decryptor(size_t chunk, const char *image, const char *key_path)
{
    size_t len, key_len;
    uint8_t *img = slurp(image, &len);
    char *pem = (char *)slurp(key_path, &key_len);
    static eei_dec dec;
    eei_dec_config cfg = {EEI_DEC_KEY_RSA_PEM, pem, key_len + 1, 0};
    eei_dec_err rc = eei_dec_start(&dec, &cfg);
    /* every chunk decrypted in place where it lies, as the firmware does in its buffer */
    size_t whole = len - len % chunk, out = 0;
    for (size_t off = 0; rc == EEI_DEC_OK && off < whole; off += chunk) {
        rc = eei_dec_feed(&dec, img + off, chunk, img + off, chunk + EEI_DEC_OUT_SLACK, &out);
    }
    if (rc == EEI_DEC_OK && whole < len) {
        rc = eei_dec_feed(&dec, img + whole, len - whole, img + whole,
                          len - whole + EEI_DEC_OUT_SLACK, &out);
    }
    if (rc == EEI_DEC_OK) {
        rc = eei_dec_finish(&dec);
    }
    eei_dec_abort(&dec);
    printf("%s\n", eei_dec_strerror(rc));
    return rc == EEI_DEC_OK ? 0 : 1;
}

/* Decrypt size bytes in one call: the status (a wrong tag is expected and fine). */
static int reference(size_t size)
{
    static const uint8_t key[32] = {1}, iv[16] = {2};
    uint8_t *in = calloc(1, size + 16), *out = malloc(size + 1);
    int rc;
#if defined(TF_PSA_CRYPTO_VERSION_MAJOR)
    psa_crypto_init();
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attr, PSA_KEY_TYPE_AES);
    psa_set_key_bits(&attr, 256);
    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_DECRYPT);
    psa_set_key_algorithm(&attr, PSA_ALG_GCM);
    psa_key_id_t id = PSA_KEY_ID_NULL;
    size_t olen = 0;
    psa_import_key(&attr, key, sizeof(key), &id);
    rc = psa_aead_decrypt(id, PSA_ALG_GCM, iv, sizeof(iv), NULL, 0, in, size + 16, out, size + 1,
                          &olen);
    psa_destroy_key(id);
#else
    uint8_t tag[16] = {0};
    mbedtls_gcm_context gcm;
    mbedtls_gcm_init(&gcm);
    mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256);
    rc = mbedtls_gcm_auth_decrypt(&gcm, size, iv, sizeof(iv), NULL, 0, tag, sizeof(tag), in, out);
    mbedtls_gcm_free(&gcm);
#endif
    printf("%d %u\n", rc, out[0] & 1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "decryptor") == 0) {
        size_t chunk = strtoul(argv[2], NULL, 10);
        if (chunk == 0 || chunk % 16 != 0) {
            /* in place in one image buffer, output that runs ahead would overwrite input */
            fprintf(stderr, "fw_decrypt_cost: CHUNK must be a multiple of 16\n");
            return 2;
        }
        return decryptor(chunk, argv[3], argv[4]);
    }
    if (argc == 3 && strcmp(argv[1], "reference") == 0) {
        return reference(strtoul(argv[2], NULL, 10));
    }
    fprintf(stderr, "usage: fw_decrypt_cost decryptor CHUNK IMAGE KEY | reference SIZE\n");
    return 2;
}
