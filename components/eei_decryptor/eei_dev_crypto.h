/*
 * The device decryptor's crypto interface: every call into the crypto library goes through it.
 * Two backends, chosen at compile time from the library the build has (eei_dev_crypto_backend.h):
 *   eei_dev_crypto_mbedtls3.c  mbedTLS 3.x legacy API (ESP-IDF 5.x)
 *   eei_dev_crypto_psa.c       PSA Crypto of TF-PSA-Crypto (mbedTLS 4, ESP-IDF 6)
 * Private to the component: nothing here reaches eei_decryptor.h. Key and cipher contexts are
 * opaque and allocated by the backend when a key is loaded or established, never per chunk.
 */
#ifndef EEI_DEV_CRYPTO_H
#define EEI_DEV_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/format.h"

#define EEI_DEV_OK 0
#define EEI_DEV_E_CRYPTO (-1)    /* the library failed */
#define EEI_DEV_E_KEY (-2)       /* a key is unusable (wrong type, size, or range) */
#define EEI_DEV_E_POINT (-3)     /* the peer point is not on P-256 */
#define EEI_DEV_E_UNWRAP (-4)    /* RSA unwrap failed: wrong key or altered key block */
#define EEI_DEV_E_AUTH (-5)      /* GCM tag mismatch */
#define EEI_DEV_E_SIGNATURE (-6) /* a Secure Boot V2 signature does not verify */
#define EEI_DEV_E_READ (-7)      /* the reader of eei_dev_hash_read failed */

typedef struct eei_dev_rsa eei_dev_rsa;
typedef struct eei_dev_gcm eei_dev_gcm;

/* Once before any other call (PSA needs psa_crypto_init); cheap to repeat. */
int eei_dev_init(void);
void eei_dev_wipe(void *buf, size_t len);

/* pem includes its terminating NUL, as the library's parser wants; only RSA-3072 is accepted. */
int eei_dev_rsa_load(eei_dev_rsa **rsa, const char *pem, size_t pem_len);
/* PKCS#1 v1.5 decryption of the key block; anything but a 32-byte result is E_UNWRAP. */
int eei_dev_rsa_unwrap(eei_dev_rsa *rsa, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                       uint8_t aes_key[EEI_AES_KEY_SIZE]);
void eei_dev_rsa_free(eei_dev_rsa *rsa); /* NULL is fine */
/*
 * For the backends: what an RSA decryption into out (out_size bytes, out_len of them filled)
 * gave. The AES key when it decrypted to exactly 32 bytes, else E_UNWRAP; out is wiped.
 */
int eei_dev_unwrapped_key(bool decrypted, uint8_t *out, size_t out_size, size_t out_len,
                          uint8_t aes_key[EEI_AES_KEY_SIZE]);

/* The private scalar of a P-256 key PEM (SEC1 or PKCS#8), big-endian. */
int eei_dev_p256_scalar_from_pem(const char *pem, size_t pem_len,
                                 uint8_t scalar[EEI_P256_SCALAR_SIZE]);
/* 1 <= scalar < n. */
bool eei_dev_p256_scalar_valid(const uint8_t scalar[EEI_P256_SCALAR_SIZE]);
/* X||Y of scalar * G. */
int eei_dev_p256_public(const uint8_t scalar[EEI_P256_SCALAR_SIZE],
                        uint8_t point[EEI_ECIES_POINT_SIZE]);
/* AES key = HKDF-SHA256(x(scalar * point), salt, EEI_HKDF_INFO). */
int eei_dev_ecies_derive(const uint8_t scalar[EEI_P256_SCALAR_SIZE],
                         const uint8_t point[EEI_ECIES_POINT_SIZE],
                         const uint8_t salt[EEI_ECIES_SALT_SIZE],
                         uint8_t aes_key[EEI_AES_KEY_SIZE]);

/*
 * AES-256-GCM decryption, 16-byte IV, no AAD.
 *
 * The chip's rule: ESP32 hardware GCM (esp_aes_gcm_update, behind mbedtls_gcm_update and the
 * PSA driver alike) restarts its counter offset at every call and pads each call's last
 * partial block into GHASH, so every update but the last must be a whole number of 16-byte
 * blocks. Both backends refuse any other update; on the host that refusal aborts the process,
 * so every host test runs under the chip's rule.
 *
 * An update writes exactly len bytes to out, which may be in (in place) or a separate buffer
 * that does not overlap it. finish checks the tag in constant time.
 */
int eei_dev_gcm_start(eei_dev_gcm **gcm, const uint8_t key[EEI_AES_KEY_SIZE],
                      const uint8_t iv[EEI_IV_SIZE]);
int eei_dev_gcm_update(eei_dev_gcm *gcm, const uint8_t *in, size_t len, uint8_t *out, bool last);
int eei_dev_gcm_finish(eei_dev_gcm *gcm, const uint8_t tag[EEI_TAG_SIZE]);
void eei_dev_gcm_free(eei_dev_gcm *gcm); /* NULL is fine; wipes the key schedule */

/* Shared by the backends: the chip's GCM rule above. */
bool eei_dev_gcm_update_allowed(size_t len, bool last, bool *ended);

/*
 * Secure Boot V2 signatures (the layout is format.h's). Hashes run over a reader in pieces of
 * the caller's buffer, and verification takes the block as it lies in flash: nothing is
 * allocated per piece; a verification imports its key once.
 */
/* len bytes at offset into buf: 0, or < 0 when they cannot be read. */
typedef int (*eei_dev_read_fn)(void *ctx, uint64_t offset, uint8_t *buf, size_t len);
/* SHA-256 (digest_len 32) or SHA-384 (48) of len bytes read through buf, buf_size at a time. */
int eei_dev_hash_read(size_t digest_len, eei_dev_read_fn read, void *ctx, uint64_t len,
                      uint8_t *buf, size_t buf_size, uint8_t *digest);
int eei_dev_sha256(const uint8_t *data, size_t len, uint8_t digest[32]);
/*
 * A parsed block's signature over digest (block->digest_len bytes, the padded app's) with the
 * block's own key: RSA-3072 PSS (MGF1-SHA256, 32-byte salt), ECDSA P-256/SHA-256 or
 * P-384/SHA-384. E_SIGNATURE when it does not verify; E_KEY for a key the library refuses or a
 * curve it does not do (P-192).
 */
int eei_dev_sb_verify(const eei_sb_block *block, const uint8_t *digest);
/*
 * Shared by the backends, before an RSA block reaches the library, so that both take the same
 * blocks: E_KEY unless n is a whole 3072-bit number (its top bit set), E_SIGNATURE unless the
 * signature is below n (the libraries call either a bad argument, or a failed verification).
 */
int eei_dev_sb_rsa_usable(const eei_sb_block *block);
/*
 * Shared by the backends: feed len bytes from read to update, buf_size at a time through buf.
 * E_READ when read fails, E_CRYPTO when update does.
 */
int eei_dev_hash_pieces(eei_dev_read_fn read, void *ctx, uint64_t len, uint8_t *buf,
                        size_t buf_size, int (*update)(void *hash, const uint8_t *p, size_t n),
                        void *hash);
/* Shared by the backends: n bytes of in, last first (the block's numbers are little-endian). */
void eei_dev_reversed(const uint8_t *in, uint8_t *out, size_t n);

#endif
