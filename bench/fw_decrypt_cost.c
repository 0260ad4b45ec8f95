/*
 * The firmware decryptor's cost per payload byte, for callgrind (bench/run.sh): decrypt an
 * image in chunks of CHUNK bytes, in place, as the firmware does; or, as the reference,
 * mbedtls_gcm_crypt_and_tag on one buffer of the same payload size.
 *
 *   fw_decrypt_cost decryptor CHUNK IMAGE RSA_KEY_PEM
 *   fw_decrypt_cost reference PAYLOAD_SIZE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eei_decryptor.h"
#include "mbedtls/gcm.h"

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
    uint8_t last[EEI_DEC_OUT_SLACK];
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
        rc = eei_dec_finish(&dec, last, sizeof(last), &out);
    }
    eei_dec_abort(&dec);
    printf("%s\n", eei_dec_strerror(rc));
    return rc == EEI_DEC_OK ? 0 : 1;
}

static int reference(size_t size)
{
    static const uint8_t key[32] = {1}, iv[16] = {2};
    uint8_t *in = calloc(1, size + 1), *out = malloc(size + 1), tag[16];
    mbedtls_gcm_context gcm;
    mbedtls_gcm_init(&gcm);
    mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256);
    int rc = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_DECRYPT, size, iv, sizeof(iv), NULL, 0, in,
                                       out, sizeof(tag), tag);
    mbedtls_gcm_free(&gcm);
    printf("%d %u\n", rc, out[0] & 1);
    return rc;
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
