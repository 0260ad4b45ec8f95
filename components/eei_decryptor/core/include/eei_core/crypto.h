/*
 * The crypto under the core (decoder.h, sb_check.h): the few primitives that reading an image
 * needs, as a table of functions that a backend fills. Three backends:
 *   eei_core_crypto_openssl  lib/crypto/core_openssl.c (OpenSSL 3: the host library)
 *   eei_device_crypto        crypto/eei_dev_crypto_mbedtls3.c (Mbed TLS 3.x: ESP-IDF 5.x) or
 *                            crypto/eei_dev_crypto_psa.c (PSA Crypto, TF-PSA-Crypto: ESP-IDF 6)
 * A table, not functions of one name: the host library and the firmware's host build share a
 * program (the simulator), each over its own backend, with the same core code.
 *
 * No type of a crypto library appears here. Keys and cipher contexts are the backend's own:
 * a backend allocates a cipher context when a key is established, never per chunk; the core
 * allocates nothing.
 */
#ifndef EEI_CORE_CRYPTO_H
#define EEI_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EEI_CC_OK 0
#define EEI_CC_E_CRYPTO (-1)    /* the library failed */
#define EEI_CC_E_KEY (-2)       /* a key is unusable (wrong type, size, or range) */
#define EEI_CC_E_POINT (-3)     /* the peer point is not on P-256 */
#define EEI_CC_E_UNWRAP (-4)    /* RSA unwrap failed: wrong key or altered key block */
#define EEI_CC_E_AUTH (-5)      /* GCM tag mismatch */
#define EEI_CC_E_SIGNATURE (-6) /* a Secure Boot V2 signature does not verify */
#define EEI_CC_E_READ (-7)      /* a reader failed */

/* len bytes at offset into buf: 0, or < 0 when they cannot be read. */
typedef int (*eei_core_read_fn)(void *ctx, uint64_t offset, uint8_t *buf, size_t len);

typedef struct {
    const char *name;
    /*
     * Every GCM update but the last must be a whole number of 16-byte blocks: ESP32 hardware GCM
     * (behind mbedtls_gcm_update and the PSA driver alike) restarts its counter offset at every
     * call. The decoder then holds back an incomplete block until the next chunk.
     */
    bool gcm_whole_blocks;
    /* RSA-3072 PKCS#1 v1.5 decryption of the key block; anything but 32 bytes is E_UNWRAP. */
    int (*rsa_unwrap)(const void *key, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                      uint8_t aes_key[EEI_AES_KEY_SIZE]);
    /* AES key = HKDF-SHA256(x(key * point), salt, EEI_HKDF_INFO); E_POINT off the curve. */
    int (*ecies_derive)(const void *key, const uint8_t point[EEI_ECIES_POINT_SIZE],
                        const uint8_t salt[EEI_ECIES_SALT_SIZE], uint8_t aes_key[EEI_AES_KEY_SIZE]);
    /*
     * AES-256-GCM decryption, 16-byte IV, no AAD. An update writes exactly len bytes to out,
     * which is in (in place) or a buffer that does not overlap it; last says it is the final
     * one. finish compares the tag in constant time: E_AUTH when it does not match. free takes
     * NULL and wipes the key schedule.
     */
    int (*gcm_start)(void **gcm, const uint8_t key[EEI_AES_KEY_SIZE],
                     const uint8_t iv[EEI_IV_SIZE]);
    int (*gcm_update)(void *gcm, const uint8_t *in, size_t len, uint8_t *out, bool last);
    int (*gcm_finish)(void *gcm, const uint8_t tag[EEI_TAG_SIZE]);
    void (*gcm_free)(void *gcm);
    /*
     * SHA-256 (digest_len 32) or SHA-384 (48) of len bytes read through buf, buf_size at a
     * time: E_READ when read fails.
     */
    int (*hash_read)(size_t digest_len, eei_core_read_fn read, void *ctx, uint64_t len,
                     uint8_t *buf, size_t buf_size, uint8_t *digest);
    /*
     * A Secure Boot V2 block's signature over digest (block->digest_len bytes) with the block's
     * own key: RSA-3072 PSS (MGF1-SHA256, 32-byte salt), ECDSA P-256/SHA-256 or P-384/SHA-384.
     * E_SIGNATURE when it does not verify; E_KEY for a key the library refuses. The core has
     * checked before that an RSA block's n is 3072 bits and its signature below n, so that every
     * backend takes the same blocks.
     */
    int (*sb_verify)(const eei_sb_block *block, const uint8_t *digest);
} eei_core_crypto;

#ifdef __cplusplus
}
#endif

#endif
