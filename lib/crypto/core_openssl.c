/*
 * The OpenSSL 3 backend of the core's crypto interface (eei_core/crypto.h), over crypto.h: what
 * the shared decoder and Secure Boot V2 check run on in the library. Its keys are eei_keys; the
 * library's words for a failure are the engine's, so only the kind of each is kept here.
 */
#include "crypto/crypto.h"

#include "error/error_internal.h"

/* A status of crypto.h as one of the core's codes: rejected is what, anything else the library. */
static int code(eei_status st, int rejected)
{
    if (st == EEI_OK) {
        return EEI_CC_OK;
    }
    return st == EEI_ERR_REJECTED ? rejected : EEI_CC_E_CRYPTO;
}

static int rsa_unwrap(const void *key, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                      uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    eei_error err = {EEI_OK, ""};
    return code(eei_crypto_rsa_unwrap(key, wrapped, aes_key, &err), EEI_CC_E_UNWRAP);
}

static int ecies_derive(const void *key, const uint8_t point[EEI_ECIES_POINT_SIZE],
                        const uint8_t salt[EEI_ECIES_SALT_SIZE], uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    eei_error err = {EEI_OK, ""};
    return code(eei_crypto_ecies_decap(key, point, salt, aes_key, &err), EEI_CC_E_POINT);
}

static int gcm_start(void **gcm, const uint8_t key[EEI_AES_KEY_SIZE], const uint8_t iv[EEI_IV_SIZE])
{
    eei_error err = {EEI_OK, ""};
    eei_crypto_gcm *g = NULL;
    eei_status st = eei_crypto_gcm_start(&g, false, key, iv, &err);
    *gcm = g;
    return code(st, EEI_CC_E_CRYPTO);
}

static int gcm_update(void *gcm, const uint8_t *in, size_t len, uint8_t *out, bool last)
{
    (void)last; /* OpenSSL takes pieces of any length */
    eei_error err = {EEI_OK, ""};
    return code(eei_crypto_gcm_update(gcm, in, out, len, &err), EEI_CC_E_CRYPTO);
}

static int gcm_finish(void *gcm, const uint8_t tag[EEI_TAG_SIZE])
{
    eei_error err = {EEI_OK, ""};
    return code(eei_crypto_gcm_finish_decrypt(gcm, tag, &err), EEI_CC_E_AUTH);
}

static void gcm_free(void *gcm)
{
    eei_crypto_gcm_free(gcm);
}

static int hash_read(size_t digest_len, eei_core_read_fn read, void *ctx, uint64_t len,
                     uint8_t *buf, size_t buf_size, uint8_t *digest)
{
    eei_error err = {EEI_OK, ""};
    eei_sha256 *sha = NULL;
    if ((digest_len != 32 && digest_len != 48) || buf_size == 0 ||
        eei_crypto_hash_start(&sha, digest_len, &err) != EEI_OK) {
        return EEI_CC_E_CRYPTO;
    }
    int rc = EEI_CC_OK;
    for (uint64_t off = 0; off < len && rc == EEI_CC_OK;) {
        size_t n = len - off < buf_size ? (size_t)(len - off) : buf_size;
        if (read(ctx, off, buf, n) != 0) {
            rc = EEI_CC_E_READ;
        } else {
            eei_crypto_sha256_update(sha, buf, n);
            off += n;
        }
    }
    if (rc == EEI_CC_OK) {
        eei_crypto_sha256_finish(sha, digest);
    }
    eei_crypto_sha256_free(sha);
    return rc;
}

static int sb_verify(const eei_sb_block *block, const uint8_t *digest)
{
    eei_error err = {EEI_OK, ""};
    eei_key *key = NULL;
    eei_status st = eei_crypto_sb_block_key(block, &key, &err);
    if (st != EEI_OK) {
        return st == EEI_ERR_SYSTEM ? EEI_CC_E_CRYPTO : EEI_CC_E_KEY;
    }
    st = eei_crypto_sb_verify(key, digest, block->sig, block->sig_len, &err);
    eei_crypto_key_free(key);
    return code(st, EEI_CC_E_SIGNATURE);
}

const eei_core_crypto eei_core_crypto_openssl = {
    .name = "OpenSSL 3",
    .gcm_whole_blocks = false,
    .rsa_unwrap = rsa_unwrap,
    .ecies_derive = ecies_derive,
    .gcm_start = gcm_start,
    .gcm_update = gcm_update,
    .gcm_finish = gcm_finish,
    .gcm_free = gcm_free,
    .hash_read = hash_read,
    .sb_verify = sb_verify,
};
