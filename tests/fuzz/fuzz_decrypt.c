/*
 * Fuzz target: decryption of arbitrary images (eei_decrypt_stream, as decrypt and verify use
 * it), with a fixed RSA-3072 key and a fixed HMAC key (the demo keys).
 */
#include <stdio.h>
#include <stdlib.h>

#include "esp_enc_img/esp_enc_img.h"

static eei_key *load(const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/keys/%s", EEI_SOURCE_DIR, name);
    eei_key *key = NULL;
    eei_error err;
    if (eei_key_load_file(path, NULL, &key, &err) != EEI_OK) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    return key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static eei_key *keys[2];
    if (!keys[0]) {
        keys[0] = load("rsa_priv_key.pem");
        keys[1] = load("device_hmac_key.bin");
    }
    const eei_decrypt_options opts = {.flags = EEI_HASH_PLAINTEXT};
    for (int k = 0; k < 2; k++) {
        eei_io io = {.data = data, .size = size};
        eei_decrypt_result res;
        eei_status st = eei_decrypt_stream(keys[k], &io, &opts, &res, NULL);
        /* only an image made with the key can pass: a forged tag would be a finding */
        if (st == EEI_OK && (size < EEI_HEADER_SIZE || !res.hashed)) {
            __builtin_trap();
        }
        eei_report_crypto_errors(NULL);
    }
    return 0;
}
