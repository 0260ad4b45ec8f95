/*
 * eei_dev_crypto.h (the core's crypto, eei_device_crypto, and the device's key handling) over
 * the PSA Crypto API of TF-PSA-Crypto (mbedTLS 4, ESP-IDF 6): psa_aead_*
 * for GCM, psa_asymmetric_decrypt for the RSA key unwrap, psa_raw_key_agreement for ECDH,
 * psa_key_derivation_* for HKDF-SHA256, psa_export_public_key for the device key, psa_hash_*
 * and psa_verify_hash for Secure Boot V2 signatures. Keys live in
 * the PSA key store as volatile keys, destroyed (and wiped) as soon as they are not needed.
 */
#include "eei_dev_crypto_backend.h"

#if EEI_DEV_CRYPTO_PSA

#include <stdlib.h>
#include <string.h>

#include "eei_dev_crypto.h"
#include "mbedtls/pk.h"

#define P256_KEY_PAIR PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1)
#define P256_BITS 256u
#define UNCOMPRESSED_POINT_SIZE (1u + EEI_ECIES_POINT_SIZE)
/*
 * ESP-IDF builds TF-PSA-Crypto with MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS, under which PSA calls
 * do not support overlapping input and output. In-place decryption goes through this much of
 * a bounce buffer at a time: a copy per chunk, no allocation.
 */
#define BOUNCE_SIZE 512u

struct eei_dev_rsa {
    psa_key_id_t key;
};

typedef struct {
    psa_key_id_t key;
    psa_aead_operation_t op;
    bool ended;
    uint8_t bounce[BOUNCE_SIZE];
} dev_gcm;

int eei_dev_init(void)
{
    return psa_crypto_init() == PSA_SUCCESS ? EEI_CC_OK : EEI_CC_E_CRYPTO;
}

/*
 * A private key PEM into the key store, for usage and alg, if it is a key pair of type and bits.
 * kind is the usage mbedtls_pk_get_psa_attributes asks for to describe a key pair.
 */
static int import_pem(const char *pem, size_t pem_len, psa_key_type_t type, size_t bits,
                      psa_key_usage_t kind, psa_key_usage_t usage, psa_algorithm_t alg,
                      psa_key_id_t *key)
{
    mbedtls_pk_context pk;
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    mbedtls_pk_init(&pk);
    int rc = EEI_CC_E_KEY;
    if (mbedtls_pk_parse_key(&pk, (const unsigned char *)pem, pem_len, NULL, 0) == 0 &&
        mbedtls_pk_get_psa_attributes(&pk, kind, &attr) == 0 && psa_get_key_type(&attr) == type &&
        psa_get_key_bits(&attr) == bits) {
        psa_set_key_usage_flags(&attr, usage);
        psa_set_key_algorithm(&attr, alg);
        rc = mbedtls_pk_import_into_psa(&pk, &attr, key) == 0 ? EEI_CC_OK : EEI_CC_E_KEY;
    }
    psa_reset_key_attributes(&attr);
    mbedtls_pk_free(&pk); /* zeroizes the parsed key */
    return rc;
}

int eei_dev_rsa_load(eei_dev_rsa **out, const char *pem, size_t pem_len)
{
    eei_dev_rsa *rsa = calloc(1, sizeof(*rsa));
    if (!rsa) {
        return EEI_CC_E_CRYPTO;
    }
    int rc = import_pem(pem, pem_len, PSA_KEY_TYPE_RSA_KEY_PAIR, 8 * EEI_RSA_WRAPPED_SIZE,
                        PSA_KEY_USAGE_DECRYPT, PSA_KEY_USAGE_DECRYPT, PSA_ALG_RSA_PKCS1V15_CRYPT,
                        &rsa->key);
    if (rc != EEI_CC_OK) {
        free(rsa);
        return rc;
    }
    *out = rsa;
    return EEI_CC_OK;
}

static int rsa_unwrap(const void *key, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                      uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    const eei_dev_rsa *rsa = key;
    uint8_t out[EEI_RSA_WRAPPED_SIZE];
    size_t olen = 0;
    psa_status_t st =
        psa_asymmetric_decrypt(rsa->key, PSA_ALG_RSA_PKCS1V15_CRYPT, wrapped, EEI_RSA_WRAPPED_SIZE,
                               NULL, 0, out, sizeof(out), &olen);
    return eei_dev_unwrapped_key(st == PSA_SUCCESS, out, sizeof(out), olen, aes_key);
}

void eei_dev_rsa_free(eei_dev_rsa *rsa)
{
    if (rsa) {
        psa_destroy_key(rsa->key); /* wipes the key slot */
        free(rsa);
    }
}

int eei_dev_p256_scalar_from_pem(const char *pem, size_t pem_len,
                                 uint8_t scalar[EEI_P256_SCALAR_SIZE])
{
    psa_key_id_t key = PSA_KEY_ID_NULL;
    int rc = import_pem(pem, pem_len, P256_KEY_PAIR, P256_BITS, PSA_KEY_USAGE_DERIVE,
                        PSA_KEY_USAGE_EXPORT, PSA_ALG_NONE, &key);
    size_t olen = 0;
    if (rc == EEI_CC_OK &&
        (psa_export_key(key, scalar, EEI_P256_SCALAR_SIZE, &olen) != PSA_SUCCESS ||
         olen != EEI_P256_SCALAR_SIZE)) {
        eei_dev_wipe(scalar, EEI_P256_SCALAR_SIZE);
        rc = EEI_CC_E_KEY;
    }
    psa_destroy_key(key);
    return rc;
}

/* The scalar as a volatile P-256 key; the import itself checks 1 <= scalar < n. */
static psa_status_t import_scalar(const uint8_t scalar[EEI_P256_SCALAR_SIZE], psa_key_usage_t usage,
                                  psa_algorithm_t alg, psa_key_id_t *key)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attr, P256_KEY_PAIR);
    psa_set_key_bits(&attr, P256_BITS);
    psa_set_key_usage_flags(&attr, usage);
    psa_set_key_algorithm(&attr, alg);
    psa_status_t st = psa_import_key(&attr, scalar, EEI_P256_SCALAR_SIZE, key);
    psa_reset_key_attributes(&attr);
    return st;
}

bool eei_dev_p256_scalar_valid(const uint8_t scalar[EEI_P256_SCALAR_SIZE])
{
    psa_key_id_t key = PSA_KEY_ID_NULL;
    bool ok = import_scalar(scalar, 0, PSA_ALG_NONE, &key) == PSA_SUCCESS;
    psa_destroy_key(key);
    return ok;
}

int eei_dev_p256_public(const uint8_t scalar[EEI_P256_SCALAR_SIZE],
                        uint8_t point[EEI_ECIES_POINT_SIZE])
{
    psa_key_id_t key = PSA_KEY_ID_NULL;
    uint8_t enc[UNCOMPRESSED_POINT_SIZE];
    size_t olen = 0;
    bool ok = import_scalar(scalar, 0, PSA_ALG_NONE, &key) == PSA_SUCCESS &&
              psa_export_public_key(key, enc, sizeof(enc), &olen) == PSA_SUCCESS &&
              olen == sizeof(enc);
    psa_destroy_key(key);
    if (ok) {
        memcpy(point, enc + 1, EEI_ECIES_POINT_SIZE);
    }
    return ok ? EEI_CC_OK : EEI_CC_E_KEY;
}

static psa_status_t hkdf_sha256(const uint8_t *secret, size_t secret_len,
                                const uint8_t salt[EEI_ECIES_SALT_SIZE],
                                uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    psa_key_derivation_operation_t kdf = PSA_KEY_DERIVATION_OPERATION_INIT;
    psa_status_t st = psa_key_derivation_setup(&kdf, PSA_ALG_HKDF(PSA_ALG_SHA_256));
    if (st == PSA_SUCCESS) {
        st = psa_key_derivation_input_bytes(&kdf, PSA_KEY_DERIVATION_INPUT_SALT, salt,
                                            EEI_ECIES_SALT_SIZE);
    }
    if (st == PSA_SUCCESS) {
        st = psa_key_derivation_input_bytes(&kdf, PSA_KEY_DERIVATION_INPUT_SECRET, secret,
                                            secret_len);
    }
    if (st == PSA_SUCCESS) {
        st = psa_key_derivation_input_bytes(&kdf, PSA_KEY_DERIVATION_INPUT_INFO,
                                            (const uint8_t *)EEI_HKDF_INFO, EEI_HKDF_INFO_SIZE);
    }
    if (st == PSA_SUCCESS) {
        st = psa_key_derivation_output_bytes(&kdf, aes_key, EEI_AES_KEY_SIZE);
    }
    psa_key_derivation_abort(&kdf); /* wipes its state */
    return st;
}

static int ecies_derive(const void *device_key, const uint8_t point[EEI_ECIES_POINT_SIZE],
                        const uint8_t salt[EEI_ECIES_SALT_SIZE], uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    const uint8_t *scalar = device_key;
    psa_key_id_t key = PSA_KEY_ID_NULL;
    uint8_t peer[UNCOMPRESSED_POINT_SIZE];
    uint8_t secret[EEI_ECIES_COORD_SIZE];
    size_t secret_len = 0;
    peer[0] = 0x04; /* uncompressed */
    memcpy(peer + 1, point, EEI_ECIES_POINT_SIZE);
    if (import_scalar(scalar, PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH, &key) != PSA_SUCCESS) {
        return EEI_CC_E_CRYPTO;
    }
    psa_status_t st = psa_raw_key_agreement(PSA_ALG_ECDH, key, peer, sizeof(peer), secret,
                                            sizeof(secret), &secret_len);
    psa_destroy_key(key);
    int rc = EEI_CC_OK;
    if (st == PSA_ERROR_INVALID_ARGUMENT) {
        rc = EEI_CC_E_POINT; /* PSA validates the peer point: not on P-256 */
    } else if (st != PSA_SUCCESS || secret_len != sizeof(secret) ||
               hkdf_sha256(secret, secret_len, salt, aes_key) != PSA_SUCCESS) {
        rc = EEI_CC_E_CRYPTO;
    }
    eei_dev_wipe(secret, sizeof(secret));
    return rc;
}

static void gcm_free(void *gcm)
{
    dev_gcm *g = gcm;
    if (g) {
        psa_aead_abort(&g->op); /* wipes the cipher state */
        psa_destroy_key(g->key);
        eei_dev_wipe(g->bounce, sizeof(g->bounce));
        free(g);
    }
}

static int gcm_start(void **out, const uint8_t key[EEI_AES_KEY_SIZE], const uint8_t iv[EEI_IV_SIZE])
{
    dev_gcm *g = calloc(1, sizeof(*g));
    if (!g) {
        return EEI_CC_E_CRYPTO;
    }
    g->op = psa_aead_operation_init();
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attr, PSA_KEY_TYPE_AES);
    psa_set_key_bits(&attr, 8 * EEI_AES_KEY_SIZE);
    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_DECRYPT);
    psa_set_key_algorithm(&attr, PSA_ALG_GCM);
    psa_status_t st = psa_import_key(&attr, key, EEI_AES_KEY_SIZE, &g->key);
    psa_reset_key_attributes(&attr);
    if (st == PSA_SUCCESS) {
        st = psa_aead_decrypt_setup(&g->op, g->key, PSA_ALG_GCM);
    }
    if (st == PSA_SUCCESS) {
        st = psa_aead_set_nonce(&g->op, iv, EEI_IV_SIZE); /* GCM takes the 16-byte IV as is */
    }
    if (st != PSA_SUCCESS) {
        gcm_free(g);
        return EEI_CC_E_CRYPTO;
    }
    *out = g;
    return EEI_CC_OK;
}

static bool update(dev_gcm *g, const uint8_t *in, size_t len, uint8_t *out)
{
    size_t olen = 0;
    return psa_aead_update(&g->op, in, len, out, len, &olen) == PSA_SUCCESS && olen == len;
}

static int gcm_update(void *gcm, const uint8_t *in, size_t len, uint8_t *out, bool last)
{
    dev_gcm *g = gcm;
    if (!eei_dev_gcm_update_allowed(len, last, &g->ended)) {
        return EEI_CC_E_CRYPTO;
    }
    if (in != out) {
        return update(g, in, len, out) ? EEI_CC_OK : EEI_CC_E_CRYPTO;
    }
    /* whole blocks through the bounce buffer keep every update but the last block-aligned */
    for (size_t off = 0; off < len; off += BOUNCE_SIZE) {
        size_t n = len - off < BOUNCE_SIZE ? len - off : BOUNCE_SIZE;
        if (!update(g, in + off, n, g->bounce)) {
            return EEI_CC_E_CRYPTO;
        }
        memcpy(out + off, g->bounce, n);
    }
    return EEI_CC_OK;
}

static int gcm_finish(void *gcm, const uint8_t tag[EEI_TAG_SIZE])
{
    dev_gcm *g = gcm;
    size_t olen = 0;
    /* psa_aead_verify compares the tag in constant time; GCM has no output left here */
    psa_status_t st =
        psa_aead_verify(&g->op, g->bounce, sizeof(g->bounce), &olen, tag, EEI_TAG_SIZE);
    if (st == PSA_ERROR_INVALID_SIGNATURE) {
        return EEI_CC_E_AUTH;
    }
    return st == PSA_SUCCESS && olen == 0 ? EEI_CC_OK : EEI_CC_E_CRYPTO;
}

/* PSA hash operations hold their state inline: hashing allocates nothing. */
static int hash_update(void *op, const uint8_t *p, size_t n)
{
    return psa_hash_update(op, p, n) == PSA_SUCCESS ? 0 : -1;
}

static int hash_read(size_t digest_len, eei_core_read_fn read, void *ctx, uint64_t len,
                     uint8_t *buf, size_t buf_size, uint8_t *digest)
{
    if ((digest_len != 32 && digest_len != 48) || buf_size == 0) {
        return EEI_CC_E_CRYPTO;
    }
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    int rc =
        psa_hash_setup(&op, digest_len == 48 ? PSA_ALG_SHA_384 : PSA_ALG_SHA_256) == PSA_SUCCESS
            ? EEI_CC_OK
            : EEI_CC_E_CRYPTO;
    if (rc == EEI_CC_OK) {
        rc = eei_dev_hash_pieces(read, ctx, len, buf, buf_size, hash_update, &op);
    }
    size_t olen = 0;
    if (rc == EEI_CC_OK &&
        (psa_hash_finish(&op, digest, digest_len, &olen) != PSA_SUCCESS || olen != digest_len)) {
        rc = EEI_CC_E_CRYPTO;
    }
    psa_hash_abort(&op);
    return rc;
}

/* RSAPublicKey DER (SEQUENCE of INTEGER n, INTEGER e), what PSA imports, from the block's key. */
#define RSA_PUBLIC_DER_MAX (4u + 4u + 1u + EEI_SB_RSA_BYTES + 2u + 5u)
static size_t rsa_public_der(const uint8_t *key, uint8_t der[RSA_PUBLIC_DER_MAX])
{
    uint8_t e[4];
    eei_dev_reversed(key + EEI_SB_RSA_BYTES, e, sizeof(e));
    size_t skip = 0;
    while (skip < sizeof(e) - 1 && e[skip] == 0) {
        skip++;
    }
    size_t e_len = sizeof(e) - skip, e_pad = e[skip] & 0x80 ? 1 : 0;
    size_t n_len = 1 + EEI_SB_RSA_BYTES; /* a zero byte keeps a 3072-bit n positive */
    size_t body = 4 + n_len + 2 + e_pad + e_len;
    uint8_t *p = der;
    *p++ = 0x30; /* SEQUENCE, two length bytes */
    *p++ = 0x82;
    *p++ = (uint8_t)(body >> 8);
    *p++ = (uint8_t)body;
    *p++ = 0x02; /* INTEGER n */
    *p++ = 0x82;
    *p++ = (uint8_t)(n_len >> 8);
    *p++ = (uint8_t)n_len;
    *p++ = 0x00;
    eei_dev_reversed(key, p, EEI_SB_RSA_BYTES);
    p += EEI_SB_RSA_BYTES;
    *p++ = 0x02; /* INTEGER e */
    *p++ = (uint8_t)(e_pad + e_len);
    if (e_pad) {
        *p++ = 0x00;
    }
    memcpy(p, e + skip, e_len);
    p += e_len;
    return (size_t)(p - der);
}

static int sb_verify(const eei_sb_block *b, const uint8_t *digest)
{
    uint8_t key_data[RSA_PUBLIC_DER_MAX], sig[EEI_SB_RSA_BYTES];
    size_t key_len = 0, sig_len = 0, bits = 0;
    psa_key_type_t type;
    psa_algorithm_t alg;
    if (b->version == EEI_SB_VERSION_RSA) {
        key_len = rsa_public_der(b->key, key_data);
        type = PSA_KEY_TYPE_RSA_PUBLIC_KEY;
        bits = 8 * EEI_SB_RSA_BYTES;
        alg = PSA_ALG_RSA_PSS(PSA_ALG_SHA_256); /* salt as long as the hash: 32 bytes */
        sig_len = EEI_SB_RSA_BYTES;
        eei_dev_reversed(b->sig, sig, sig_len);
    } else {
        size_t coord = (b->key_len - 1) / 2;
        if ((b->curve != EEI_SB_CURVE_P256 && b->curve != EEI_SB_CURVE_P384) ||
            1 + 2 * coord > sizeof(key_data)) {
            return EEI_CC_E_KEY;
        }
        key_data[0] = 0x04; /* uncompressed */
        eei_dev_reversed(b->key + 1, key_data + 1, coord);
        eei_dev_reversed(b->key + 1 + coord, key_data + 1 + coord, coord);
        key_len = 1 + 2 * coord;
        type = PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1);
        bits = 8 * coord;
        alg = PSA_ALG_ECDSA(b->digest_len == 48 ? PSA_ALG_SHA_384 : PSA_ALG_SHA_256);
        sig_len = 2 * coord;
        eei_dev_reversed(b->sig, sig, coord);
        eei_dev_reversed(b->sig + coord, sig + coord, coord);
    }
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attr, type);
    psa_set_key_bits(&attr, bits);
    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_VERIFY_HASH);
    psa_set_key_algorithm(&attr, alg);
    psa_key_id_t key = PSA_KEY_ID_NULL;
    psa_status_t st = psa_import_key(&attr, key_data, key_len, &key);
    psa_reset_key_attributes(&attr);
    if (st != PSA_SUCCESS) {
        /* a key that is not one (a point off the curve); memory or key slots are the device's */
        return st == PSA_ERROR_INVALID_ARGUMENT ? EEI_CC_E_KEY : EEI_CC_E_CRYPTO;
    }
    st = psa_verify_hash(key, alg, digest, b->digest_len, sig, sig_len);
    psa_destroy_key(key);
    /*
     * With a key PSA imported, a signature that does not verify can also come back as an
     * invalid argument or padding: an RSA-PSS encoding whose last byte is 0xBC but whose top
     * bit is set is "bad input" to Mbed TLS, and so an invalid argument to PSA (about one
     * altered signature in 500). It is the same verdict as the other backends'.
     */
    if (st == PSA_ERROR_INVALID_SIGNATURE || st == PSA_ERROR_INVALID_ARGUMENT ||
        st == PSA_ERROR_INVALID_PADDING) {
        return EEI_CC_E_SIGNATURE;
    }
    return st == PSA_SUCCESS ? EEI_CC_OK : EEI_CC_E_CRYPTO;
}

const eei_core_crypto eei_device_crypto = {
    .name = "PSA Crypto",
    .gcm_whole_blocks = true,
    .rsa_unwrap = rsa_unwrap,
    .ecies_derive = ecies_derive,
    .gcm_start = gcm_start,
    .gcm_update = gcm_update,
    .gcm_finish = gcm_finish,
    .gcm_free = gcm_free,
    .hash_read = hash_read,
    .sb_verify = sb_verify,
};

#endif /* EEI_DEV_CRYPTO_PSA */
