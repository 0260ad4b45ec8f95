/*
 * The host's crypto interface: every primitive the engine needs, and nothing of any library's
 * types. One backend implements it: crypto_openssl.c (OpenSSL 3), and over it core_openssl.c
 * fills the core's table (eei_core/crypto.h) that the decoder and the Secure Boot V2 check of
 * the shared component run on; the device fills the same table with its own backends.
 *
 * What can fail returns an eei_status, as the API does, with err filled (EEI_OK is 0).
 */
#ifndef EEI_CRYPTO_H
#define EEI_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eei_core/crypto.h"
#include "esp_enc_img/esp_enc_img.h"

/* The core's crypto in the library: its keys are eei_keys (RSA-3072, P-256 private). */
extern const eei_core_crypto eei_core_crypto_openssl;

/* The crypto library this runs with, as it names itself. */
const char *eei_crypto_library_name(void);

/* Random bytes from the library's CSPRNG. */
eei_status eei_crypto_random(uint8_t *buf, size_t len, eei_error *err);

/* Overwrite a secret so the compiler cannot drop the store. */
void eei_crypto_wipe(void *buf, size_t len);

/* The API's EEI_PASSPHRASE_MAX: export and parse refuse a longer one, and an empty one, alike. */
#define EEI_CRYPTO_PASSPHRASE_MAX EEI_PASSPHRASE_MAX

/*
 * Why a key was refused, besides err (a key error): what the engine words for its caller.
 */
typedef enum {
    EEI_CRYPTO_REFUSED = 0,      /* for another reason: err says which */
    EEI_CRYPTO_NEEDS_PASSPHRASE, /* encrypted, and no passphrase was given */
    EEI_CRYPTO_CERTIFICATE,      /* an X.509 certificate (PEM or DER) instead of a key */
    /* of a kind nothing here takes (RSA of another size, another curve, another algorithm):
     * err's message is "<its kind>: <why the image format cannot use it>" */
    EEI_CRYPTO_KEY_KIND,
} eei_crypto_refusal;

/*
 * Parse a PEM or DER key: private (PKCS#1, SEC1, PKCS#8, possibly encrypted) or public
 * (SubjectPublicKeyInfo). passphrase may be NULL. Only RSA-3072 and P-256 keys are accepted.
 * why (may be NULL) says why one was refused.
 */
eei_status eei_crypto_key_parse(const uint8_t *data, size_t len, const char *passphrase,
                                eei_key **out, eei_crypto_refusal *why, eei_error *err);

/* The device key a chip derives from its eFuse HMAC key (PBKDF2, as format.h says). */
eei_status eei_crypto_key_from_hmac(const uint8_t hmac_key[EEI_HMAC_KEY_SIZE], eei_key **out,
                                    eei_error *err);

/* 1 <= scalar < n, big-endian: the chip's test of a derived device key. */
bool eei_crypto_p256_scalar_valid(const uint8_t scalar[32]);

eei_status eei_crypto_key_generate(eei_key_type type, eei_key **out, eei_error *err);
void eei_crypto_key_free(eei_key *key);

/*
 * A signing key that stays in a PKCS#11 token, named by an RFC 7512 URI ("pkcs11:token=...;
 * object=...;id=...", the module in ?module-path=..., else module). pin may be NULL for a token
 * that needs no login. It signs in the token; its public half is read here. why: as parse.
 */
eei_status eei_crypto_key_from_pkcs11(const char *uri, const char *module, const char *pin,
                                      eei_key **out, eei_crypto_refusal *why, eei_error *err);
bool eei_crypto_key_in_token(const eei_key *key);
eei_key_type eei_crypto_key_type(const eei_key *key);
bool eei_crypto_key_has_private(const eei_key *key);
/* The key was derived from a 32-byte eFuse HMAC key (eei_crypto_key_from_hmac). */
bool eei_crypto_key_from_hmac_key(const eei_key *key);

/* Encodings written into a malloc'd buffer the caller frees (private PEM: wipe first). */
eei_status eei_crypto_key_public_der(const eei_key *key, uint8_t **out, size_t *out_len,
                                     eei_error *err);
/*
 * What the device's esp_encrypted_img_export_public_key() returns: PKCS#1 RSAPublicKey DER for
 * RSA (398 bytes for RSA-3072), SubjectPublicKeyInfo DER for P-256 (91 bytes).
 */
eei_status eei_crypto_key_public_device(const eei_key *key, uint8_t **out, size_t *out_len,
                                        eei_error *err);
eei_status eei_crypto_key_public_pem(const eei_key *key, uint8_t **out, size_t *out_len,
                                     eei_error *err);
eei_status eei_crypto_key_private_pem(const eei_key *key, uint8_t **out, size_t *out_len,
                                      eei_error *err);
/* The private key as encrypted PKCS#8 PEM (PBES2: AES-256-CBC, PBKDF2-HMAC-SHA256). */
eei_status eei_crypto_key_private_pem_encrypted(const eei_key *key, const char *passphrase,
                                                uint8_t **out, size_t *out_len, eei_error *err);

/* RSA-3072 PKCS#1 v1.5 wrap and unwrap of the AES key. */
eei_status eei_crypto_rsa_wrap(const eei_key *pub, const uint8_t aes_key[EEI_AES_KEY_SIZE],
                               uint8_t wrapped[EEI_RSA_WRAPPED_SIZE], eei_error *err);
eei_status eei_crypto_rsa_unwrap(const eei_key *priv, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                                 uint8_t aes_key[EEI_AES_KEY_SIZE], eei_error *err);

/* ECIES-P256: fresh ephemeral key, ECDH with the device key, HKDF-SHA256 with salt. */
eei_status eei_crypto_ecies_encap(const eei_key *device_pub,
                                  const uint8_t salt[EEI_ECIES_SALT_SIZE],
                                  uint8_t point[EEI_ECIES_POINT_SIZE],
                                  uint8_t aes_key[EEI_AES_KEY_SIZE], eei_error *err);
eei_status eei_crypto_ecies_decap(const eei_key *device_priv,
                                  const uint8_t point[EEI_ECIES_POINT_SIZE],
                                  const uint8_t salt[EEI_ECIES_SALT_SIZE],
                                  uint8_t aes_key[EEI_AES_KEY_SIZE], eei_error *err);
bool eei_crypto_p256_point_on_curve(const uint8_t point[EEI_ECIES_POINT_SIZE]);

/* AES-256-GCM with a 16-byte IV and no AAD, streamed. in and out may be the same buffer. */
typedef struct eei_crypto_gcm eei_crypto_gcm;
eei_status eei_crypto_gcm_start(eei_crypto_gcm **out, bool encrypt,
                                const uint8_t key[EEI_AES_KEY_SIZE], const uint8_t iv[EEI_IV_SIZE],
                                eei_error *err);
eei_status eei_crypto_gcm_update(eei_crypto_gcm *gcm, const uint8_t *in, uint8_t *out, size_t len,
                                 eei_error *err);
eei_status eei_crypto_gcm_finish_encrypt(eei_crypto_gcm *gcm, uint8_t tag[EEI_TAG_SIZE],
                                         eei_error *err);
/* Compares the tag in constant time; EEI_ERR_REJECTED when it does not match. */
eei_status eei_crypto_gcm_finish_decrypt(eei_crypto_gcm *gcm, const uint8_t tag[EEI_TAG_SIZE],
                                         eei_error *err);
void eei_crypto_gcm_free(eei_crypto_gcm *gcm);

/* SHA-256, streamed (the public eei_sha256 is this); hash_start(48) makes it SHA-384. */
eei_status eei_crypto_sha256_start(eei_sha256 **out, eei_error *err);
eei_status eei_crypto_hash_start(eei_sha256 **out, size_t digest_len, eei_error *err);
void eei_crypto_sha256_update(eei_sha256 *sha, const uint8_t *data, size_t len);
/* digest_len bytes of digest (32, or 48 for SHA-384). */
void eei_crypto_sha256_finish(eei_sha256 *sha, uint8_t *digest);
void eei_crypto_sha256_free(eei_sha256 *sha);

/*
 * Secure Boot V2 (format.h). The key field of a signature block for key's public half (RSA-3072,
 * P-256 or P-384) and its length; the size of the digest its signatures sign (32 or 48); a
 * signature of digest in the block's byte order; and its check (EEI_ERR_REJECTED when it fails).
 */
eei_status eei_crypto_sb_key_field(const eei_key *key, uint8_t field[EEI_SB_RSA_KEY_SIZE],
                                   size_t *len, eei_error *err);
size_t eei_crypto_sb_digest_size(const eei_key *key);
eei_status eei_crypto_sb_sign(const eei_key *key, const uint8_t *digest,
                              uint8_t sig[EEI_SB_RSA_BYTES], size_t *sig_len, eei_error *err);
eei_status eei_crypto_sb_verify(const eei_key *key, const uint8_t *digest, const uint8_t *sig,
                                size_t sig_len, eei_error *err);
/* The public key a parsed signature block carries (EEI_ERR_KEY when it is none). */
eei_status eei_crypto_sb_block_key(const eei_sb_block *block, eei_key **out, eei_error *err);

/*
 * The Digital Signature peripheral (secure_cert.h). The operands of an RSA private key, each
 * little-endian in n bytes (at least the key's size; zeros above it): Y = d (a secret: wipe it),
 * M = the modulus, Rb = 2^(2 * key bits) mod M; and M' = -M^-1 mod 2^32. *bits: the key's size.
 */
eei_status eei_crypto_ds_operands(const eei_key *key, size_t n, uint8_t *y, uint8_t *m, uint8_t *rb,
                                  uint32_t *mprime, unsigned *bits, eei_error *err);
/* HMAC-SHA256 of len bytes of data with a 32-byte key. */
eei_status eei_crypto_hmac_sha256(const uint8_t key[32], const uint8_t *data, size_t len,
                                  uint8_t mac[32], eei_error *err);
/* AES-256-CBC encryption of len bytes, a multiple of 16, with no padding added. */
eei_status eei_crypto_aes256_cbc_encrypt(const uint8_t key[32], const uint8_t iv[16],
                                         const uint8_t *in, uint8_t *out, size_t len,
                                         eei_error *err);

/* The library's queue of low-level errors: printed to out, or dropped (out NULL). */
void eei_crypto_report_errors(FILE *out);

#endif
