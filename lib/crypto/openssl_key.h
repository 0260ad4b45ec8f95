/*
 * What a key is in the OpenSSL backend, shared by its two files: crypto_openssl.c (keys from
 * files, memory and HMAC keys) and pkcs11.c (keys held in a PKCS#11 token).
 */
#ifndef EEI_OPENSSL_KEY_H
#define EEI_OPENSSL_KEY_H

#include <stdbool.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"

typedef struct eei_pkcs11_token eei_pkcs11_token;

struct eei_key {
    EVP_PKEY *pkey; /* the key, or for a key in a token its public half */
    eei_key_type type;
    bool has_private;
    bool from_hmac;          /* the device key derived from an eFuse HMAC key */
    EVP_PKEY *signer;        /* a key in a token: signs there (NULL otherwise) */
    eei_pkcs11_token *token; /* and the module and session it lives in */
    /* closes token once the key is freed: set by pkcs11.c, which opened it */
    void (*token_close)(eei_pkcs11_token *token);
};

/*
 * A key for pkey (taken over, freed on failure): RSA-3072, P-256 or P-384, else EEI_ERR_KEY
 * (*why, when why is not NULL: EEI_CRYPTO_KEY_KIND).
 */
eei_status eei_openssl_key_wrap(EVP_PKEY *pkey, bool has_private, eei_key **out,
                                eei_crypto_refusal *why, eei_error *err);

/* A key refused: *why (when asked) says why, err what; returns err's status. */
eei_status eei_openssl_key_refuse(eei_crypto_refusal *why, eei_crypto_refusal reason,
                                  const eei_error *err);

#endif
