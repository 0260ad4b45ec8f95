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

/* 1 when x is 0, else 0, without a branch. */
static uint32_t ct_is_zero(uint32_t x)
{
    return ((x | (0u - x)) >> 31) ^ 1u;
}

int eei_dev_pkcs1_v15_key(const uint8_t em[EEI_RSA_WRAPPED_SIZE], uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    /* a 32-byte key leaves room for 00 02, PS and 00 only if the separator is here */
    const uint32_t key_at = EEI_RSA_WRAPPED_SIZE - EEI_AES_KEY_SIZE;
    uint32_t bad = (uint32_t)em[0] | (uint32_t)(em[1] ^ 2u);
    uint32_t zero_seen = 0, zero_at = 0;
    for (uint32_t i = 2; i < EEI_RSA_WRAPPED_SIZE; i++) {
        uint32_t first = ct_is_zero(em[i]) & (zero_seen ^ 1u);
        zero_at |= (0u - first) & i;
        zero_seen |= first;
    }
    bad |= ct_is_zero(zero_seen) | (ct_is_zero(zero_at ^ (key_at - 1u)) ^ 1u);
    uint8_t keep = (uint8_t)(ct_is_zero(bad) * 0xffu);
    for (size_t i = 0; i < EEI_AES_KEY_SIZE; i++) {
        aes_key[i] = em[key_at + i] & keep;
    }
    return keep ? EEI_CC_OK : EEI_CC_E_UNWRAP;
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
