/*
 * What both crypto backends share: wiping, the unwrapped key's check, the chip's GCM rule,
 * hashing through a reader, and the byte order of Secure Boot V2 numbers.
 */
#include "eei_dev_crypto.h"

#include <string.h>

#include "mbedtls/platform_util.h"

#ifndef ESP_PLATFORM
#include <stdio.h>
#include <stdlib.h>
#endif

void eei_dev_wipe(void *buf, size_t len)
{
    mbedtls_platform_zeroize(buf, len);
}

int eei_dev_unwrapped_key(bool decrypted, uint8_t *out, size_t out_size, size_t out_len,
                          uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    bool ok = decrypted && out_len == EEI_AES_KEY_SIZE;
    if (ok) {
        memcpy(aes_key, out, EEI_AES_KEY_SIZE);
    }
    eei_dev_wipe(out, out_size);
    return ok ? EEI_CC_OK : EEI_CC_E_UNWRAP;
}

bool eei_dev_gcm_update_allowed(size_t len, bool last, bool *ended)
{
    if (*ended || (!last && len % EEI_GCM_BLOCK_SIZE != 0)) {
#ifndef ESP_PLATFORM
        /* on the chip this update would decrypt to garbage: a host test must not pass it */
        fprintf(stderr, "the device's gcm_update: %s (%zu bytes) breaks the chip's GCM rule\n",
                *ended ? "an update after the last one" : "a non-final partial block", len);
        abort();
#endif
        return false;
    }
    *ended = last;
    return true;
}

void eei_dev_reversed(const uint8_t *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = in[n - 1 - i];
    }
}

int eei_dev_hash_pieces(eei_core_read_fn read, void *ctx, uint64_t len, uint8_t *buf,
                        size_t buf_size, int (*update)(void *hash, const uint8_t *p, size_t n),
                        void *hash)
{
    for (uint64_t off = 0; off < len;) {
        size_t n = len - off < buf_size ? (size_t)(len - off) : buf_size;
        if (read(ctx, off, buf, n) != 0) {
            return EEI_CC_E_READ;
        }
        if (update(hash, buf, n) != 0) {
            return EEI_CC_E_CRYPTO;
        }
        off += n;
    }
    return EEI_CC_OK;
}
