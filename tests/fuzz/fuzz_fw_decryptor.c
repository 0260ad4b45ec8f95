/*
 * Fuzz target: the firmware decryptor fed arbitrary bytes in arbitrary chunk splits. Input:
 * byte 0 picks the device key (RSA PEM or eFuse HMAC), bytes 1-4 seed the split, the rest is
 * the image. Decrypts in place, as the firmware does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eei_decryptor.h"
#include "esp_sim.h"

static char *read_key(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/keys/%s", EEI_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 8192);
    if (!f || !buf) {
        abort();
    }
    *len = fread(buf, 1, 8191, f);
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *rsa_pem;
    static size_t rsa_len;
    static eei_dec dec;
    static uint8_t work[1024 + EEI_DEC_OUT_SLACK];
    if (!rsa_pem) {
        size_t hlen;
        char *hmac = read_key("device_hmac_key.bin", &hlen);
        sim_efuse_burn_key(1, (const uint8_t *)hmac, ESP_EFUSE_KEY_PURPOSE_HMAC_UP);
        free(hmac);
        rsa_pem = read_key("rsa_priv_key.pem", &rsa_len);
    }
    if (size < 5) {
        return 0;
    }
    eei_dec_config cfg = {EEI_DEC_KEY_HMAC_EFUSE, NULL, 0, 1};
    if (data[0] & 1) {
        cfg = (eei_dec_config){EEI_DEC_KEY_RSA_PEM, rsa_pem, rsa_len + 1, 0};
    }
    uint32_t state = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
                     (uint32_t)data[4] << 24 | 1u;
    data += 5;
    size -= 5;
    eei_dec_err rc = eei_dec_start(&dec, &cfg);
    for (size_t off = 0; rc == EEI_DEC_OK && off < size;) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        size_t n = 1 + state % 1024;
        n = n < size - off ? n : size - off;
        size_t produced;
        memcpy(work, data + off, n);
        rc = eei_dec_feed(&dec, work, n, work, sizeof(work), &produced);
        if (rc == EEI_DEC_OK && produced > n + EEI_DEC_OUT_SLACK) {
            __builtin_trap();
        }
        off += n;
    }
    if (rc == EEI_DEC_OK) {
        rc = eei_dec_finish(&dec);
    }
    eei_dec_abort(&dec);
    return 0;
}
