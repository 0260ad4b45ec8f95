/*
 * Fuzz target: a signed app's signature sector read and checked (eei_sb_check, as
 * verify-signature does), against the demo RSA-3072 key and a fixed P-256 key.
 */
#include <stdio.h>
#include <stdlib.h>

#include "esp_enc_img/esp_enc_img.h"

static eei_key *load(const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", EEI_SOURCE_DIR, name);
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
        keys[0] = load("keys/rsa_pub_key.pem");
        keys[1] = load("keys/device_pub_key.pem");
    }
    eei_io io = {.data = data, .size = size};
    eei_sb_report rep;
    if (eei_sb_check_stream(&io, (const eei_key *const *)keys, 2, &rep, NULL) == EEI_OK) {
        /* a block verifies only over this app, and only when it is readable */
        for (unsigned i = 0; i < rep.count; i++) {
            const eei_sb_block_info *b = &rep.blocks[i];
            if (b->verified_by >= 0 && (!b->digest_matches || b->state != EEI_SB_OK)) {
                __builtin_trap();
            }
        }
    }
    eei_report_crypto_errors(NULL);
    return 0;
}
