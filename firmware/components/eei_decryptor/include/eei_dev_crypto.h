/*
 * The device decryptor's crypto interface. One backend, eei_dev_crypto_mbedtls.c, holds every
 * difference between mbedTLS 2.28 (Debian, the host tests), 3.x (ESP-IDF 5) and the PSA API,
 * but for the inline per-chunk GCM update below.
 * Contexts are caller-allocated so the decryptor can live in static memory.
 */
#ifndef EEI_DEV_CRYPTO_H
#define EEI_DEV_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbedtls/gcm.h"
#include "mbedtls/pk.h"
#include "mbedtls/version.h"

#define EEI_DEV_OK 0
#define EEI_DEV_E_CRYPTO (-1) /* the library failed */
#define EEI_DEV_E_KEY (-2)    /* a key is unusable (wrong type, size, or range) */
#define EEI_DEV_E_POINT (-3)  /* the peer point is not on P-256 */
#define EEI_DEV_E_UNWRAP (-4) /* RSA unwrap failed: wrong key or altered key block */
#define EEI_DEV_E_AUTH (-5)   /* GCM tag mismatch */

/* Bytes an update may write beyond its input: mbedTLS 2.28 decrypts whole blocks only. */
#define EEI_DEV_GCM_SLACK 15u

typedef struct {
    mbedtls_gcm_context gcm;
    bool started;
#if MBEDTLS_VERSION_MAJOR < 3
    uint8_t carry[16]; /* ciphertext of an incomplete block */
    size_t carry_len;
#endif
} eei_dev_gcm;

typedef struct {
    mbedtls_pk_context pk;
    bool loaded;
} eei_dev_rsa;

/* A CSPRNG callback in mbedTLS's shape (the platform's hardware RNG on the chip). */
int eei_dev_random(void *ctx, unsigned char *buf, size_t len);
void eei_dev_wipe(void *buf, size_t len);

/* pem includes its terminating NUL, as mbedTLS wants; only RSA-3072 is accepted. */
int eei_dev_rsa_load(eei_dev_rsa *rsa, const char *pem, size_t pem_len);
int eei_dev_rsa_unwrap(eei_dev_rsa *rsa, const uint8_t wrapped[384], uint8_t aes_key[32]);
void eei_dev_rsa_free(eei_dev_rsa *rsa);

/* The private scalar of a P-256 key PEM (SEC1 or PKCS#8), big-endian. */
int eei_dev_p256_scalar_from_pem(const char *pem, size_t pem_len, uint8_t scalar[32]);
/* 1 <= scalar < n. */
bool eei_dev_p256_scalar_valid(const uint8_t scalar[32]);
/* X||Y of scalar * G. */
int eei_dev_p256_public(const uint8_t scalar[32], uint8_t point[64]);
/* AES key = HKDF-SHA256(x(scalar * point), salt, "_esp_enc_img_ecc"). */
int eei_dev_ecies_derive(const uint8_t scalar[32], const uint8_t point[64], const uint8_t salt[32],
                         uint8_t aes_key[32]);

/*
 * AES-256-GCM decryption, 16-byte IV, no AAD. Updates take any length; out may equal in and
 * must have room for len + EEI_DEV_GCM_SLACK bytes; *out_len says how many were written.
 * With final set (the caller knows the payload ends here) every byte is written out.
 */
int eei_dev_gcm_start(eei_dev_gcm *g, const uint8_t key[32], const uint8_t iv[16]);
int eei_dev_gcm_update_any(eei_dev_gcm *g, const uint8_t *in, size_t len, uint8_t *out,
                           size_t *out_len, bool final);

/* The per-chunk path, inline so a small chunk costs little more than mbedTLS's own work. */
static inline int eei_dev_gcm_update(eei_dev_gcm *g, const uint8_t *in, size_t len, uint8_t *out,
                                     size_t *out_len, bool final)
{
#if MBEDTLS_VERSION_MAJOR >= 3
    (void) final; /* mbedTLS 3 never holds bytes back */
    return mbedtls_gcm_update(&g->gcm, in, len, out, len + EEI_DEV_GCM_SLACK, out_len) == 0
               ? EEI_DEV_OK
               : EEI_DEV_E_CRYPTO;
#else
    if (g->carry_len == 0 && (len & 15) == 0 && in == out) { /* whole blocks in place */
        *out_len = len;
        return mbedtls_gcm_update(&g->gcm, len, in, out) == 0 ? EEI_DEV_OK : EEI_DEV_E_CRYPTO;
    }
    return eei_dev_gcm_update_any(g, in, len, out, out_len, final);
#endif
}
/* Writes any plaintext still held back to out, then checks the tag in constant time. */
int eei_dev_gcm_finish(eei_dev_gcm *g, uint8_t *out, size_t *out_len, const uint8_t tag[16]);
void eei_dev_gcm_free(eei_dev_gcm *g);

#endif
