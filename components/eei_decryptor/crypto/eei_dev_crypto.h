/*
 * The device's crypto: the core's interface (eei_core/crypto.h) over the crypto library the
 * build has, as eei_device_crypto, and the device's own key handling beside it. Two backends,
 * chosen at compile time from the library the build has (eei_dev_crypto_backend.h):
 *   eei_dev_crypto_mbedtls3.c  mbedTLS 3.x API (ESP-IDF 5.x)
 *   eei_dev_crypto_psa.c       PSA Crypto of TF-PSA-Crypto (mbedTLS 4, ESP-IDF 6)
 * Private to the component: nothing here reaches its public headers. Keys and cipher contexts
 * are opaque and allocated by the backend when a key is loaded or established, never per chunk.
 */
#ifndef EEI_DEV_CRYPTO_H
#define EEI_DEV_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eei_core/crypto.h"

typedef struct eei_dev_rsa eei_dev_rsa;

/*
 * The core's crypto on the device. Its keys: an eei_dev_rsa for RSA-3072, the P-256 private
 * scalar (EEI_P256_SCALAR_SIZE bytes, big-endian) for ECIES-P256.
 *
 * Its GCM keeps the chip's rule (gcm_whole_blocks): ESP32 hardware GCM (esp_aes_gcm_update,
 * behind mbedtls_gcm_update and the PSA driver alike) restarts its counter offset at every call
 * and pads each call's last partial block into GHASH, so every update but the last must be a
 * whole number of 16-byte blocks. Both backends refuse any other update; on the host that
 * refusal aborts the process, so every host test runs under the chip's rule.
 */
extern const eei_core_crypto eei_device_crypto;

/* Once before any other call (PSA needs psa_crypto_init); cheap to repeat. EEI_CC_* codes. */
int eei_dev_init(void);
void eei_dev_wipe(void *buf, size_t len);

/* pem includes its terminating NUL, as the library's parser wants; only RSA-3072 is accepted. */
int eei_dev_rsa_load(eei_dev_rsa **rsa, const char *pem, size_t pem_len);
void eei_dev_rsa_free(eei_dev_rsa *rsa); /* NULL is fine */

/* The private scalar of a P-256 key PEM (SEC1 or PKCS#8), big-endian. */
int eei_dev_p256_scalar_from_pem(const char *pem, size_t pem_len,
                                 uint8_t scalar[EEI_P256_SCALAR_SIZE]);
/* 1 <= scalar < n. */
bool eei_dev_p256_scalar_valid(const uint8_t scalar[EEI_P256_SCALAR_SIZE]);
/* X||Y of scalar * G. */
int eei_dev_p256_public(const uint8_t scalar[EEI_P256_SCALAR_SIZE],
                        uint8_t point[EEI_ECIES_POINT_SIZE]);

/*
 * Shared by the backends: what an RSA decryption into out (out_size bytes, out_len of them
 * filled) gave. The AES key when it decrypted to exactly 32 bytes, else E_UNWRAP; out is wiped.
 */
int eei_dev_unwrapped_key(bool decrypted, uint8_t *out, size_t out_size, size_t out_len,
                          uint8_t aes_key[EEI_AES_KEY_SIZE]);
/*
 * The AES key in em, an RSA-3072 PKCS#1 v1.5 encryption block (big-endian, as the private
 * operation gives it): 00 02, at least 8 non-zero bytes, 00, then exactly 32 bytes. Constant
 * time: the same work and memory accesses whatever em holds; only the result says whether it
 * held a key. E_UNWRAP otherwise, with aes_key zero. For an RSA private operation done outside
 * the crypto library (the DS peripheral).
 */
int eei_dev_pkcs1_v15_key(const uint8_t em[EEI_RSA_WRAPPED_SIZE],
                          uint8_t aes_key[EEI_AES_KEY_SIZE]);
/* Shared by the backends: the chip's GCM rule above. */
bool eei_dev_gcm_update_allowed(size_t len, bool last, bool *ended);
/*
 * Shared by the backends: feed len bytes from read to update, buf_size at a time through buf.
 * E_READ when read fails, E_CRYPTO when update does.
 */
int eei_dev_hash_pieces(eei_core_read_fn read, void *ctx, uint64_t len, uint8_t *buf,
                        size_t buf_size, int (*update)(void *hash, const uint8_t *p, size_t n),
                        void *hash);
/* Shared by the backends: n bytes of in, last first (the block's numbers are little-endian). */
void eei_dev_reversed(const uint8_t *in, uint8_t *out, size_t n);

#endif
