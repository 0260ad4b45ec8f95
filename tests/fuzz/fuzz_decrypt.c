/*
 * Fuzz target: decryption of arbitrary images as decrypt and verify do it, with a fixed
 * RSA-3072 key and a fixed HMAC key (the demo keys).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/image_io.h"
#include "cli/key_file.h"

static eei_key *load(const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/keys/%s", EEI_SOURCE_DIR, name);
    eei_key *key = NULL;
    eei_error err;
    if (key_file_load(path, NULL, &key, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static eei_key *keys[2];
    static uint8_t *buf;
    if (!buf) {
        keys[0] = load("rsa_priv_key.pem");
        keys[1] = load("device_hmac_key.bin");
        buf = malloc(EEI_IO_CHUNK);
    }
    for (int k = 0; k < 2; k++) {
        byte_source src = {.mem = data, .mem_len = size};
        crypto_sha256 *sha = NULL;
        eei_error err;
        uint8_t header[EEI_HEADER_SIZE];
        uint64_t consumed;
        if (crypto_sha256_start(&sha, &err) != 0) {
            abort();
        }
        int rc = image_decrypt(&src, NULL, sha, keys[k], buf, NULL, header, &consumed, &err);
        /* only an image made with the key can pass: a forged tag would be a finding */
        if (rc == 0 && size < EEI_HEADER_SIZE) {
            __builtin_trap();
        }
        uint8_t digest[32];
        crypto_sha256_finish(sha, digest);
        crypto_sha256_free(sha);
        crypto_report_library_errors(false);
    }
    return 0;
}
