/*
 * One stage of `encrypt --sign-key` alone over a file, for bench/run.sh to hold the whole
 * command against: SHA-256 (what signing hashes) or AES-256-GCM (what encryption does), with
 * the file read in the tool's chunks and nothing written.
 *
 *   stage_alone sha256 FILE
 *   stage_alone aes-256-gcm FILE
 *
 * Prints the digest, or the tag, so that the work cannot be optimised away.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "esp_enc_img/esp_enc_img.h"

static int usage(void)
{
    fprintf(stderr, "usage: stage_alone sha256|aes-256-gcm FILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        return usage();
    }
    bool hash = strcmp(argv[1], "sha256") == 0;
    if (!hash && strcmp(argv[1], "aes-256-gcm") != 0) {
        return usage();
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    setvbuf(f, NULL, _IONBF, 0); /* read straight into buf, as the tool does */
    uint8_t *buf = malloc(EEI_IO_CHUNK), *out = malloc(EEI_IO_CHUNK);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_CIPHER_CTX *gcm = EVP_CIPHER_CTX_new();
    /* a key and IV of zeros: the speed of the cipher does not depend on them */
    static const uint8_t key[32], iv[12];
    int ok = buf && out && md && gcm &&
             (hash ? EVP_DigestInit_ex(md, EVP_sha256(), NULL)
                   : EVP_EncryptInit_ex(gcm, EVP_aes_256_gcm(), NULL, key, iv));
    size_t n;
    while (ok && (n = fread(buf, 1, EEI_IO_CHUNK, f)) > 0) {
        int len = 0;
        ok = hash ? EVP_DigestUpdate(md, buf, n) : EVP_EncryptUpdate(gcm, out, &len, buf, (int)n);
    }
    uint8_t result[32];
    unsigned rlen = 0;
    int len = 0;
    if (ok && !ferror(f)) {
        if (hash) {
            ok = EVP_DigestFinal_ex(md, result, &rlen);
        } else {
            rlen = 16;
            ok = EVP_EncryptFinal_ex(gcm, out, &len) &&
                 EVP_CIPHER_CTX_ctrl(gcm, EVP_CTRL_GCM_GET_TAG, 16, result);
        }
    } else {
        ok = 0;
    }
    for (unsigned i = 0; ok && i < rlen; i++) {
        printf("%02x", result[i]);
    }
    if (ok) {
        printf("\n");
    } else {
        fprintf(stderr, "stage_alone: %s failed on %s\n", argv[1], argv[2]);
    }
    EVP_MD_CTX_free(md);
    EVP_CIPHER_CTX_free(gcm);
    free(buf);
    free(out);
    fclose(f);
    return ok ? 0 : 1;
}
