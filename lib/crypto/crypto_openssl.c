/* The OpenSSL 3 backend of crypto.h: EVP for keys, ciphers and digests; BN and EC_POINT to
 * build a P-256 key from a derived scalar. */
#include "crypto/crypto.h"
#include "crypto/openssl_key.h"
#include "error/error_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define P256_GROUP "prime256v1"
#define P384_GROUP "secp384r1"

struct eei_crypto_gcm {
    EVP_CIPHER_CTX *ctx;
    EVP_CIPHER *cipher;
};

struct eei_sha256 { /* SHA-256, or SHA-384 for Secure Boot V2's P-384 signatures */
    EVP_MD_CTX *ctx;
};

const char *eei_crypto_library_name(void)
{
    return OpenSSL_version(OPENSSL_VERSION); /* the one loaded, not the headers' */
}

eei_status eei_crypto_random(uint8_t *buf, size_t len, eei_error *err)
{
    if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "random: the random generator failed");
    }
    return EEI_OK;
}

void eei_crypto_wipe(void *buf, size_t len)
{
    OPENSSL_cleanse(buf, len);
}

void eei_crypto_report_errors(FILE *out)
{
    if (out) {
        ERR_print_errors_fp(out);
    } else {
        ERR_clear_error();
    }
}

/* ---- keys ---- */

eei_status eei_openssl_key_refuse(eei_crypto_refusal *why, eei_crypto_refusal reason,
                                  const eei_error *err)
{
    if (why) {
        *why = reason;
    }
    return err->status;
}

eei_status eei_openssl_key_wrap(EVP_PKEY *pkey, bool has_private, eei_key **out,
                                eei_crypto_refusal *why, eei_error *err)
{
    eei_key_type type;
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        int bits = EVP_PKEY_get_bits(pkey);
        if (bits != 3072) {
            EVP_PKEY_free(pkey);
            eei_fail(err, EEI_ERR_KEY,
                     "RSA-%d key: the image format has a 384-byte slot for the wrapped key, so "
                     "only RSA-3072 keys can be used",
                     bits);
            return eei_openssl_key_refuse(why, EEI_CRYPTO_KEY_KIND, err);
        }
        type = EEI_KEY_RSA3072;
    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[64] = "";
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL);
        if (strcmp(group, P256_GROUP) == 0) {
            type = EEI_KEY_P256;
        } else if (strcmp(group, P384_GROUP) == 0) {
            type = EEI_KEY_P384;
        } else {
            EVP_PKEY_free(pkey);
            eei_fail(err, EEI_ERR_KEY,
                     "EC key on curve %s: only P-256 (prime256v1) and, for signing, P-384 "
                     "(secp384r1) keys can be used",
                     group[0] ? group : "(unnamed)");
            return eei_openssl_key_refuse(why, EEI_CRYPTO_KEY_KIND, err);
        }
    } else {
        const char *name = EVP_PKEY_get0_type_name(pkey);
        eei_fail(err, EEI_ERR_KEY, "%s key: only RSA-3072 and P-256 keys can be used",
                 name ? name : "unknown");
        EVP_PKEY_free(pkey); /* the name is the key's own */
        return eei_openssl_key_refuse(why, EEI_CRYPTO_KEY_KIND, err);
    }
    eei_key *key = calloc(1, sizeof(*key));
    if (!key) {
        EVP_PKEY_free(pkey);
        return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    }
    key->pkey = pkey;
    key->type = type;
    key->has_private = has_private;
    *out = key;
    return EEI_OK;
}

typedef struct {
    const char *passphrase;
    bool asked;
    bool refused; /* empty or too long: what export refuses is never tried */
} passphrase_request;

/* OpenSSL's pem_password_cb: the passphrase's length, or -1 for none. */
static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
    passphrase_request *req = u;
    (void)rwflag;
    req->asked = true;
    if (!req->passphrase) {
        return -1; /* not a status: OpenSSL's "no passphrase" */
    }
    size_t len = strlen(req->passphrase);
    if (len == 0 || len > EEI_CRYPTO_PASSPHRASE_MAX || len > (size_t)size) {
        req->refused = true;
        return -1; /* not a status: OpenSSL's "no passphrase" */
    }
    memcpy(buf, req->passphrase, len);
    return (int)len;
}

/* Why a passphrase is not one a key can be encrypted with (and so read with), or 0. */
static eei_status passphrase_refused(const char *passphrase, eei_error *err)
{
    size_t len = strlen(passphrase);
    if (len == 0) {
        return eei_error_set(err, EEI_ERR_USAGE, "the passphrase is empty");
    }
    if (len > EEI_CRYPTO_PASSPHRASE_MAX) {
        return eei_error_set(
            err, EEI_ERR_USAGE,
            "the passphrase is %zu bytes long, more than the %u a key's passphrase "
            "may have",
            len, EEI_CRYPTO_PASSPHRASE_MAX);
    }
    return EEI_OK;
}

static bool looks_like_pem(const uint8_t *data, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    while (len > 0 && (*data == ' ' || *data == '\t' || *data == '\r' || *data == '\n')) {
        data++;
        len--;
    }
    return len >= sizeof(begin) - 1 && memcmp(data, begin, sizeof(begin) - 1) == 0;
}

/* data is an X.509 certificate, PEM (*pem) or DER; what OpenSSL noted on the way is dropped. */
static bool is_certificate(const uint8_t *data, size_t len, bool *pem)
{
    *pem = looks_like_pem(data, len);
    X509 *cert = NULL;
    ERR_set_mark();
    if (*pem) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        cert = bio ? PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL) : NULL; /* TRUSTED too */
        BIO_free(bio);
    } else {
        const unsigned char *p = data;
        cert = d2i_X509(NULL, &p, (long)len);
    }
    ERR_pop_to_mark();
    X509_free(cert);
    return cert != NULL;
}

static bool pem_is_public(const uint8_t *data, size_t len)
{
    static const char pub[] = "PUBLIC KEY-----";
    static const char priv[] = "PRIVATE KEY-----";
    const uint8_t *pub_at = NULL, *priv_at = NULL;
    for (size_t i = 0; i + sizeof(priv) - 1 <= len; i++) {
        if (!pub_at && memcmp(data + i, pub, sizeof(pub) - 1) == 0) {
            pub_at = data + i;
        }
        if (!priv_at && memcmp(data + i, priv, sizeof(priv) - 1) == 0) {
            priv_at = data + i;
        }
    }
    return pub_at && (!priv_at || pub_at < priv_at);
}

eei_status eei_crypto_key_parse(const uint8_t *data, size_t len, const char *passphrase,
                                eei_key **out, eei_crypto_refusal *why, eei_error *err)
{
    if (len == 0) {
        return eei_error_set(err, EEI_ERR_KEY, "the key file is empty");
    }
    if (len > INT_MAX) {
        return eei_error_set(err, EEI_ERR_KEY, "the key file is too large to be a key");
    }
    passphrase_request req = {passphrase, false, false};
    EVP_PKEY *pkey = NULL;
    bool is_public;
    if (looks_like_pem(data, len)) {
        is_public = pem_is_public(data, len);
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        if (!bio) {
            return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
        }
        pkey = is_public ? PEM_read_bio_PUBKEY_ex(bio, NULL, NULL, NULL, NULL, NULL)
                         : PEM_read_bio_PrivateKey_ex(bio, NULL, passphrase_cb, &req, NULL, NULL);
        BIO_free(bio);
    } else {
        const unsigned char *p = data;
        pkey = d2i_PUBKEY_ex(NULL, &p, (long)len, NULL, NULL);
        is_public = pkey != NULL;
        if (!pkey) {
            p = data;
            pkey = d2i_AutoPrivateKey_ex(NULL, &p, (long)len, NULL, NULL);
        }
    }
    if (!pkey) {
        if (req.asked && !passphrase) {
            eei_fail(err, EEI_ERR_KEY,
                     "the key is passphrase-protected, and no passphrase "
                     "was given");
            return eei_openssl_key_refuse(why, EEI_CRYPTO_NEEDS_PASSPHRASE, err);
        }
        if (req.refused && passphrase_refused(passphrase, err) != EEI_OK) {
            err->status = EEI_ERR_KEY;
            return err->status;
        }
        if (req.asked) {
            return eei_error_set(err, EEI_ERR_KEY, "wrong passphrase, or the key is damaged");
        }
        bool pem;
        if (is_certificate(data, len, &pem)) {
            eei_fail(err, EEI_ERR_KEY, "not a key but an X.509 certificate (%s)",
                     pem ? "PEM" : "DER");
            return eei_openssl_key_refuse(why, EEI_CRYPTO_CERTIFICATE, err);
        }
        return eei_error_set(err, EEI_ERR_KEY,
                             "not a key: expected a PEM or DER private key, a public key "
                             "(SubjectPublicKeyInfo) or a raw 32-byte HMAC key");
    }
    return eei_openssl_key_wrap(pkey, !is_public, out, why, err);
}

/* d must satisfy 1 <= d < n (the P-256 group order). */
static eei_status p256_scalar_check(const BIGNUM *d, eei_error *err)
{
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    if (!group) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "P-256 is not available in this OpenSSL");
    }
    bool ok = !BN_is_zero(d) && !BN_is_negative(d) && BN_cmp(d, EC_GROUP_get0_order(group)) < 0;
    EC_GROUP_free(group);
    if (!ok) {
        return eei_error_set(
            err, EEI_ERR_KEY,
            "the HMAC key derives an invalid P-256 scalar (0 or not below the group "
            "order); this key cannot be used, generate another one");
    }
    return EEI_OK;
}

bool eei_crypto_p256_scalar_valid(const uint8_t scalar[32])
{
    eei_error err;
    BIGNUM *d = BN_bin2bn(scalar, 32, NULL);
    bool ok = d && p256_scalar_check(d, &err) == EEI_OK;
    BN_clear_free(d);
    return ok;
}

/* A P-256 key pair from its private scalar; the public point is computed here. */
static EVP_PKEY *p256_from_scalar(const BIGNUM *d)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    uint8_t pub[1 + EEI_ECIES_POINT_SIZE];
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *point = group ? EC_POINT_new(group) : NULL;

    if (!point || !EC_POINT_mul(group, point, d, NULL, NULL, NULL) ||
        EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), NULL) !=
            sizeof(pub)) {
        goto done;
    }
    bld = OSSL_PARAM_BLD_new();
    if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, P256_GROUP, 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub))) {
        goto done;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!params || !pctx || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0) {
        pkey = NULL;
    }
done:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params); /* d is a secure BIGNUM: its copy here is cleared on free */
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(point);
    EC_GROUP_free(group);
    return pkey;
}

eei_status eei_crypto_key_from_hmac(const uint8_t hmac_key[EEI_HMAC_KEY_SIZE], eei_key **out,
                                    eei_error *err)
{
    uint8_t scalar[32];
    if (!PKCS5_PBKDF2_HMAC((const char *)hmac_key, EEI_HMAC_KEY_SIZE, eei_pbkdf2_salt,
                           EEI_PBKDF2_SALT_SIZE, EEI_PBKDF2_ITERATIONS, EVP_sha256(),
                           sizeof(scalar), scalar)) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "PBKDF2 failed");
    }
    BIGNUM *d = BN_secure_new();
    eei_status rc = EEI_ERR_SYSTEM;
    if (!d || !BN_bin2bn(scalar, sizeof(scalar), d)) {
        eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    } else if (p256_scalar_check(d, err) == EEI_OK) {
        EVP_PKEY *pkey = p256_from_scalar(d);
        rc = pkey ? eei_openssl_key_wrap(pkey, true, out, NULL, err)
                  : eei_error_set(err, EEI_ERR_SYSTEM, "cannot build the P-256 device key");
        if (rc == 0) {
            (*out)->from_hmac = true;
        }
    }
    BN_clear_free(d);
    eei_crypto_wipe(scalar, sizeof(scalar));
    return rc;
}

eei_status eei_crypto_key_generate(eei_key_type type, eei_key **out, eei_error *err)
{
    EVP_PKEY *pkey = type == EEI_KEY_RSA3072 ? EVP_RSA_gen(3072)
                     : type == EEI_KEY_P384  ? EVP_EC_gen("P-384")
                                             : EVP_EC_gen("P-256");
    if (!pkey) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "key generation failed");
    }
    return eei_openssl_key_wrap(pkey, true, out, NULL, err);
}

void eei_crypto_key_free(eei_key *key)
{
    if (key) {
        EVP_PKEY_free(key->pkey);
        EVP_PKEY_free(key->signer);
        if (key->token) { /* after the key that lives in it */
            key->token_close(key->token);
        }
        free(key);
    }
}

bool eei_crypto_key_in_token(const eei_key *key)
{
    return key->token != NULL;
}

eei_key_type eei_crypto_key_type(const eei_key *key)
{
    return key->type;
}

bool eei_crypto_key_has_private(const eei_key *key)
{
    return key->has_private;
}

bool eei_crypto_key_from_hmac_key(const eei_key *key)
{
    return key->from_hmac;
}

/* An i2d encoding, moved from OpenSSL's allocator into a malloc'd buffer the caller frees. */
static eei_status der_take(unsigned char *der, int len, uint8_t **out, size_t *out_len,
                           eei_error *err)
{
    uint8_t *copy = len > 0 ? malloc((size_t)len) : NULL;
    if (copy) {
        memcpy(copy, der, (size_t)len);
    }
    OPENSSL_free(der);
    if (!copy) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "cannot encode the public key");
    }
    *out = copy;
    *out_len = (size_t)len;
    return EEI_OK;
}

eei_status eei_crypto_key_public_der(const eei_key *key, uint8_t **out, size_t *out_len,
                                     eei_error *err)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key->pkey, &der);
    return der_take(der, len, out, out_len, err);
}

eei_status eei_crypto_key_public_device(const eei_key *key, uint8_t **out, size_t *out_len,
                                        eei_error *err)
{
    if (key->type != EEI_KEY_RSA3072) {
        return eei_crypto_key_public_der(key, out, out_len, err);
    }
    unsigned char *der = NULL;
    int len = i2d_PublicKey(key->pkey, &der); /* RSA: the bare PKCS#1 RSAPublicKey */
    return der_take(der, len, out, out_len, err);
}

/* Copy a memory BIO's contents into a malloc'd buffer. */
static eei_status bio_take(BIO *bio, uint8_t **out, size_t *out_len, eei_error *err)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    uint8_t *copy = len > 0 ? malloc((size_t)len) : NULL;
    if (!copy) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    }
    memcpy(copy, data, (size_t)len);
    *out = copy;
    *out_len = (size_t)len;
    return EEI_OK;
}

eei_status eei_crypto_key_public_pem(const eei_key *key, uint8_t **out, size_t *out_len,
                                     eei_error *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    eei_status rc = bio && PEM_write_bio_PUBKEY(bio, key->pkey)
                        ? bio_take(bio, out, out_len, err)
                        : eei_error_set(err, EEI_ERR_SYSTEM, "cannot encode the public key");
    BIO_free(bio);
    return rc;
}

eei_status eei_crypto_key_private_pem(const eei_key *key, uint8_t **out, size_t *out_len,
                                      eei_error *err)
{
    if (!key->has_private) {
        return eei_error_set(err, EEI_ERR_KEY, "this is a public key");
    }
    if (key->token) {
        return eei_error_set(err, EEI_ERR_KEY, "a key in a PKCS#11 token never leaves it");
    }
    /* secure memory BIO: the PEM text is wiped when the BIO is freed */
    BIO *bio = BIO_new(BIO_s_secmem());
    eei_status rc =
        bio && PEM_write_bio_PrivateKey_traditional(bio, key->pkey, NULL, NULL, 0, NULL, NULL)
            ? bio_take(bio, out, out_len, err)
            : eei_error_set(err, EEI_ERR_SYSTEM, "cannot encode the private key");
    BIO_free(bio);
    return rc;
}

/*
 * PBKDF2-HMAC-SHA256 iterations of an encrypted private key: OWASP's 2023 figure (OpenSSL's own
 * default, 2048, is cheap to guess against); about a fifth of a second per load.
 */
#define PKCS8_PBKDF2_ITERATIONS 600000
#define PKCS8_SALT_SIZE 16 /* NIST SP 800-132's least; OpenSSL's default is 8 */

eei_status eei_crypto_key_private_pem_encrypted(const eei_key *key, const char *passphrase,
                                                uint8_t **out, size_t *out_len, eei_error *err)
{
    if (!key->has_private) {
        return eei_error_set(err, EEI_ERR_KEY, "this is a public key");
    }
    if (key->token) {
        return eei_error_set(err, EEI_ERR_KEY, "a key in a PKCS#11 token never leaves it");
    }
    if (passphrase_refused(passphrase, err) != EEI_OK) { /* what parsing would not take back */
        return err->status;
    }
    size_t len = strlen(passphrase);
    /* PKCS#8 v2 (PBES2): AES-256-CBC, its key from PBKDF2 with HMAC-SHA256 and a random salt */
    PKCS8_PRIV_KEY_INFO *plain = EVP_PKEY2PKCS8(key->pkey); /* cleared when freed */
    X509_SIG *sealed =
        plain ? PKCS8_encrypt_ex(-1, EVP_aes_256_cbc(), passphrase, (int)len, NULL, PKCS8_SALT_SIZE,
                                 PKCS8_PBKDF2_ITERATIONS, plain, NULL, NULL)
              : NULL;
    BIO *bio = sealed ? BIO_new(BIO_s_mem()) : NULL;
    eei_status rc = bio && PEM_write_bio_PKCS8(bio, sealed)
                        ? bio_take(bio, out, out_len, err)
                        : eei_error_set(err, EEI_ERR_SYSTEM, "cannot encrypt the private key");
    BIO_free(bio);
    X509_SIG_free(sealed);
    PKCS8_PRIV_KEY_INFO_free(plain);
    return rc;
}

/* ---- key establishment ---- */

eei_status eei_crypto_rsa_wrap(const eei_key *pub, const uint8_t aes_key[EEI_AES_KEY_SIZE],
                               uint8_t wrapped[EEI_RSA_WRAPPED_SIZE], eei_error *err)
{
    size_t len = EEI_RSA_WRAPPED_SIZE;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub->pkey, NULL);
    int ok = ctx && EVP_PKEY_encrypt_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_encrypt(ctx, wrapped, &len, aes_key, EEI_AES_KEY_SIZE) > 0 &&
             len == EEI_RSA_WRAPPED_SIZE;
    EVP_PKEY_CTX_free(ctx);
    return ok ? EEI_OK : eei_error_set(err, EEI_ERR_SYSTEM, "RSA encryption of the AES key failed");
}

eei_status eei_crypto_rsa_unwrap(const eei_key *priv, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                                 uint8_t aes_key[EEI_AES_KEY_SIZE], eei_error *err)
{
    uint8_t out[EEI_RSA_WRAPPED_SIZE];
    size_t len = sizeof(out);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv->pkey, NULL);
    int ok = ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_decrypt(ctx, out, &len, wrapped, EEI_RSA_WRAPPED_SIZE) > 0 &&
             len == EEI_AES_KEY_SIZE;
    EVP_PKEY_CTX_free(ctx);
    if (ok) {
        memcpy(aes_key, out, EEI_AES_KEY_SIZE);
    }
    eei_crypto_wipe(out, sizeof(out));
    return ok ? 0
              : eei_error_set(
                    err, EEI_ERR_REJECTED,
                    "cannot unwrap the AES key: wrong RSA key, or the key block was altered");
}

static EVP_PKEY *p256_from_point(const uint8_t point[EEI_ECIES_POINT_SIZE])
{
    uint8_t enc[1 + EEI_ECIES_POINT_SIZE];
    enc[0] = POINT_CONVERSION_UNCOMPRESSED;
    memcpy(enc + 1, point, EEI_ECIES_POINT_SIZE);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)P256_GROUP, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, enc, sizeof(enc)),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    if (pkey) {
        /* fromdata decodes the point; the explicit check also rejects infinity and small order */
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (!check || EVP_PKEY_public_check(check) <= 0) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    return pkey;
}

bool eei_crypto_p256_point_on_curve(const uint8_t point[EEI_ECIES_POINT_SIZE])
{
    EVP_PKEY *pkey = p256_from_point(point);
    EVP_PKEY_free(pkey);
    return pkey != NULL;
}

/* AES key = HKDF-SHA256(ECDH x-coordinate of own * peer, salt, "_esp_enc_img_ecc"). */
static eei_status ecies_derive(EVP_PKEY *own, EVP_PKEY *peer,
                               const uint8_t salt[EEI_ECIES_SALT_SIZE],
                               uint8_t aes_key[EEI_AES_KEY_SIZE], eei_error *err)
{
    uint8_t secret[32];
    size_t secret_len = sizeof(secret);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
    int ok = ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
             EVP_PKEY_derive(ctx, secret, &secret_len) > 0 && secret_len == sizeof(secret);
    EVP_PKEY_CTX_free(ctx);

    EVP_KDF *kdf = ok ? EVP_KDF_fetch(NULL, "HKDF", NULL) : NULL;
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (kctx) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, secret, sizeof(secret)),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
                                              EEI_ECIES_SALT_SIZE),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)EEI_HKDF_INFO,
                                              EEI_HKDF_INFO_SIZE),
            OSSL_PARAM_construct_end(),
        };
        ok = EVP_KDF_derive(kctx, aes_key, EEI_AES_KEY_SIZE, params) > 0;
    } else {
        ok = 0;
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    eei_crypto_wipe(secret, sizeof(secret));
    return ok ? EEI_OK : eei_error_set(err, EEI_ERR_SYSTEM, "ECDH/HKDF key derivation failed");
}

eei_status eei_crypto_ecies_encap(const eei_key *device_pub,
                                  const uint8_t salt[EEI_ECIES_SALT_SIZE],
                                  uint8_t point[EEI_ECIES_POINT_SIZE],
                                  uint8_t aes_key[EEI_AES_KEY_SIZE], eei_error *err)
{
    EVP_PKEY *eph = EVP_EC_gen("P-256");
    if (!eph) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "ephemeral key generation failed");
    }
    uint8_t enc[1 + EEI_ECIES_POINT_SIZE];
    size_t enc_len = 0;
    eei_status rc;
    if (!EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, enc, sizeof(enc),
                                         &enc_len) ||
        enc_len != sizeof(enc) || enc[0] != POINT_CONVERSION_UNCOMPRESSED) {
        rc = eei_error_set(err, EEI_ERR_SYSTEM, "cannot encode the ephemeral public key");
    } else {
        memcpy(point, enc + 1, EEI_ECIES_POINT_SIZE);
        rc = ecies_derive(eph, device_pub->pkey, salt, aes_key, err);
    }
    EVP_PKEY_free(eph); /* the ephemeral scalar is cleared by OpenSSL on free */
    return rc;
}

eei_status eei_crypto_ecies_decap(const eei_key *device_priv,
                                  const uint8_t point[EEI_ECIES_POINT_SIZE],
                                  const uint8_t salt[EEI_ECIES_SALT_SIZE],
                                  uint8_t aes_key[EEI_AES_KEY_SIZE], eei_error *err)
{
    EVP_PKEY *peer = p256_from_point(point);
    if (!peer) {
        return eei_error_set(err, EEI_ERR_REJECTED,
                             "the server public key in the header is not a point on P-256");
    }
    eei_status rc = ecies_derive(device_priv->pkey, peer, salt, aes_key, err);
    EVP_PKEY_free(peer);
    return rc;
}

/* ---- AES-256-GCM ---- */

eei_status eei_crypto_gcm_start(eei_crypto_gcm **out, bool encrypt,
                                const uint8_t key[EEI_AES_KEY_SIZE], const uint8_t iv[EEI_IV_SIZE],
                                eei_error *err)
{
    eei_crypto_gcm *gcm = calloc(1, sizeof(*gcm));
    if (!gcm) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    }
    gcm->cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    gcm->ctx = EVP_CIPHER_CTX_new();
    int enc = encrypt ? 1 : 0;
    if (!gcm->cipher || !gcm->ctx ||
        !EVP_CipherInit_ex2(gcm->ctx, gcm->cipher, NULL, NULL, enc, NULL) ||
        EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_GCM_SET_IVLEN, EEI_IV_SIZE, NULL) <= 0 ||
        !EVP_CipherInit_ex2(gcm->ctx, NULL, key, iv, enc, NULL)) {
        eei_crypto_gcm_free(gcm);
        return eei_error_set(err, EEI_ERR_SYSTEM, "cannot set up AES-256-GCM");
    }
    *out = gcm;
    return EEI_OK;
}

eei_status eei_crypto_gcm_update(eei_crypto_gcm *gcm, const uint8_t *in, uint8_t *out, size_t len,
                                 eei_error *err)
{
    while (len > 0) {
        int step = len > (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)len;
        int outl = 0;
        if (!EVP_CipherUpdate(gcm->ctx, out, &outl, in, step) || outl != step) {
            return eei_error_set(err, EEI_ERR_SYSTEM, "AES-256-GCM failed");
        }
        in += step;
        out += step;
        len -= (size_t)step;
    }
    return EEI_OK;
}

eei_status eei_crypto_gcm_finish_encrypt(eei_crypto_gcm *gcm, uint8_t tag[EEI_TAG_SIZE],
                                         eei_error *err)
{
    uint8_t none[16];
    int outl = 0;
    if (!EVP_CipherFinal_ex(gcm->ctx, none, &outl) ||
        EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_GCM_GET_TAG, EEI_TAG_SIZE, tag) <= 0) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "AES-256-GCM failed to produce the tag");
    }
    return EEI_OK;
}

eei_status eei_crypto_gcm_finish_decrypt(eei_crypto_gcm *gcm, const uint8_t tag[EEI_TAG_SIZE],
                                         eei_error *err)
{
    uint8_t none[16];
    int outl = 0;
    if (EVP_CIPHER_CTX_ctrl(gcm->ctx, EVP_CTRL_GCM_SET_TAG, EEI_TAG_SIZE, (void *)tag) <= 0) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "AES-256-GCM failed");
    }
    /* OpenSSL compares the tag with CRYPTO_memcmp (constant time) */
    if (EVP_CipherFinal_ex(gcm->ctx, none, &outl) <= 0) {
        return eei_error_set(
            err, EEI_ERR_REJECTED,
            "authentication failed: the tag does not match (wrong key, or the image "
            "was altered)");
    }
    return EEI_OK;
}

void eei_crypto_gcm_free(eei_crypto_gcm *gcm)
{
    if (gcm) {
        EVP_CIPHER_CTX_free(gcm->ctx); /* clears the expanded key */
        EVP_CIPHER_free(gcm->cipher);
        free(gcm);
    }
}

/* ---- SHA-256 ---- */

eei_status eei_crypto_sha256_start(eei_sha256 **out, eei_error *err)
{
    return eei_crypto_hash_start(out, EEI_SHA256_SIZE, err);
}

eei_status eei_crypto_hash_start(eei_sha256 **out, size_t digest_len, eei_error *err)
{
    eei_sha256 *sha = calloc(1, sizeof(*sha));
    if (sha) {
        sha->ctx = EVP_MD_CTX_new();
    }
    const EVP_MD *md = digest_len == 48 ? EVP_sha384() : EVP_sha256();
    if (!sha || !sha->ctx || !EVP_DigestInit_ex(sha->ctx, md, NULL)) {
        eei_crypto_sha256_free(sha);
        return eei_error_set(err, EEI_ERR_SYSTEM, "cannot set up SHA-256");
    }
    *out = sha;
    return EEI_OK;
}

void eei_crypto_sha256_update(eei_sha256 *sha, const uint8_t *data, size_t len)
{
    EVP_DigestUpdate(sha->ctx, data, len);
}

void eei_crypto_sha256_finish(eei_sha256 *sha, uint8_t *digest)
{
    unsigned int len = EVP_MAX_MD_SIZE;
    EVP_DigestFinal_ex(sha->ctx, digest, &len);
}

void eei_crypto_sha256_free(eei_sha256 *sha)
{
    if (sha) {
        EVP_MD_CTX_free(sha->ctx);
        free(sha);
    }
}

/* ---- Secure Boot V2 ---- */

/* n bytes of a big number, least significant first (the RSA peripheral's and micro-ecc's order). */
static bool bn_le(const BIGNUM *bn, uint8_t *out, size_t n)
{
    return BN_bn2lebinpad(bn, out, (int)n) == (int)n;
}

static void reverse(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

static size_t ec_coord_size(const eei_key *key)
{
    return key->type == EEI_KEY_P384 ? 48 : 32;
}

/*
 * The Montgomery constants Espressif's RSA peripheral takes with a modulus n (Secure Boot V2's
 * key field, the DS operands): R^2 mod n with R = 2^bits, into rr; and -n^-1 mod 2^32, from n's
 * least significant 32 bits.
 */
static bool montgomery_rr(BIGNUM *rr, const BIGNUM *n, int bits, BN_CTX *ctx)
{
    BN_zero(rr);
    return BN_set_bit(rr, 2 * bits) && BN_mod(rr, rr, n, ctx);
}

static uint32_t montgomery_mprime(uint32_t n0)
{
    /* n is odd: its inverse mod 2^32 by Newton's iteration, each step doubling the bits */
    uint32_t inv = n0;
    for (int i = 0; i < 5; i++) {
        inv *= 2u - n0 * inv;
    }
    return 0u - inv;
}

/* RSA: n, e, R^2 mod n with R = 2^3072, and -n^-1 mod 2^32 (the Montgomery constants). */
static eei_status rsa_key_field(const eei_key *key, uint8_t *field, eei_error *err)
{
    BIGNUM *n = NULL, *e = NULL, *rr = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    bool ok = rr && ctx && EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &n) &&
              EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &e) &&
              montgomery_rr(rr, n, 8 * EEI_SB_RSA_BYTES, ctx) && BN_num_bytes(e) <= 4 &&
              bn_le(n, field, EEI_SB_RSA_BYTES) && bn_le(e, field + EEI_SB_RSA_BYTES, 4) &&
              bn_le(rr, field + EEI_SB_RSA_BYTES + 4, EEI_SB_RSA_BYTES);
    if (ok) {
        eei_le32_put(field + 2 * EEI_SB_RSA_BYTES + 4, montgomery_mprime(eei_le32_get(field)));
    }
    BN_free(n);
    BN_free(e);
    BN_free(rr);
    BN_CTX_free(ctx);
    return ok ? EEI_OK
              : eei_error_set(err, EEI_ERR_SYSTEM, "cannot lay out the RSA key for Secure Boot");
}

eei_status eei_crypto_sb_key_field(const eei_key *key, uint8_t field[EEI_SB_RSA_KEY_SIZE],
                                   size_t *len, eei_error *err)
{
    if (key->type == EEI_KEY_RSA3072) {
        *len = EEI_SB_RSA_KEY_SIZE;
        return rsa_key_field(key, field, err);
    }
    /* X and Y themselves: a key stored with a compressed point is fine too */
    size_t coord = ec_coord_size(key);
    BIGNUM *x = NULL, *y = NULL;
    bool ok = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
              EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) &&
              bn_le(x, field + 1, coord) && bn_le(y, field + 1 + coord, coord);
    BN_free(x);
    BN_free(y);
    if (!ok) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "cannot read the EC public key");
    }
    field[0] = key->type == EEI_KEY_P384 ? EEI_SB_CURVE_P384 : EEI_SB_CURVE_P256;
    *len = EEI_SB_ECDSA_KEY_SIZE(coord);
    return EEI_OK;
}

eei_status eei_crypto_sb_block_key(const eei_sb_block *block, eei_key **out, eei_error *err)
{
    bool rsa = block->version == EEI_SB_VERSION_RSA;
    size_t coord = rsa ? 0 : (block->key_len - 1) / 2;
    const char *group = block->curve == EEI_SB_CURVE_P256   ? P256_GROUP
                        : block->curve == EEI_SB_CURVE_P384 ? P384_GROUP
                                                            : NULL;
    uint8_t point[1 + 2 * 48];
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *n = NULL, *e = NULL;
    bool ok = bld != NULL;
    if (rsa) { /* n and e, least significant byte first */
        n = BN_lebin2bn(block->key, EEI_SB_RSA_BYTES, NULL);
        e = BN_lebin2bn(block->key + EEI_SB_RSA_BYTES, 4, NULL);
        ok = ok && n && e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
    } else { /* the curve's id, then X and Y, each least significant byte first */
        ok = ok && group && 1 + 2 * coord <= sizeof(point);
        if (ok) {
            point[0] = POINT_CONVERSION_UNCOMPRESSED;
            memcpy(point + 1, block->key + 1, 2 * coord);
            reverse(point + 1, coord);
            reverse(point + 1 + coord, coord);
        }
        ok = ok && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
             OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * coord);
    }
    OSSL_PARAM *params = ok ? OSSL_PARAM_BLD_to_param(bld) : NULL;
    EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, rsa ? "RSA" : "EC", NULL) : NULL;
    EVP_PKEY *pkey = NULL;
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    if (pkey && !rsa) { /* fromdata decodes the point; the check also refuses one off the curve */
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (!check || EVP_PKEY_public_check(check) <= 0) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    ERR_clear_error(); /* a key that is none is an answer, not a library error */
    if (!pkey) {
        return eei_error_set(err, EEI_ERR_KEY, "the signature block's key is not a key");
    }
    return eei_openssl_key_wrap(pkey, false, out, NULL, err);
}

/* A context for key with the signature's hash (and for RSA, PSS with a 32-byte salt). */
static EVP_PKEY_CTX *sb_ctx(const eei_key *key, bool sign)
{
    /* a key in a token signs there; its public half, here, verifies */
    EVP_PKEY *pkey = sign && key->signer ? key->signer : key->pkey;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    const EVP_MD *md = key->type == EEI_KEY_P384 ? EVP_sha384() : EVP_sha256();
    bool ok = ctx && (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) > 0 &&
              EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
    if (ok && key->type == EEI_KEY_RSA3072) {
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) > 0;
    }
    if (!ok) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

size_t eei_crypto_sb_digest_size(const eei_key *key)
{
    return key->type == EEI_KEY_P384 ? 48 : 32;
}

eei_status eei_crypto_sb_sign(const eei_key *key, const uint8_t *digest,
                              uint8_t sig[EEI_SB_RSA_BYTES], size_t *sig_len, eei_error *err)
{
    if (!key->has_private) {
        return eei_error_set(err, EEI_ERR_KEY, "a public key cannot sign: give the private key");
    }
    uint8_t der[EEI_SB_RSA_BYTES + 16];
    size_t der_len = sizeof(der);
    EVP_PKEY_CTX *ctx = sb_ctx(key, true);
    bool ok = ctx && EVP_PKEY_sign(ctx, der, &der_len, digest, eei_crypto_sb_digest_size(key)) > 0;
    EVP_PKEY_CTX_free(ctx);
    if (ok && key->type == EEI_KEY_RSA3072) {
        ok = der_len == EEI_SB_RSA_BYTES;
        memcpy(sig, der, EEI_SB_RSA_BYTES);
        reverse(sig, EEI_SB_RSA_BYTES);
        *sig_len = EEI_SB_RSA_BYTES;
    } else if (ok) { /* ECDSA: DER (r, s) to r || s, each little-endian */
        const unsigned char *p = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
        size_t coord = ec_coord_size(key);
        ok = es && bn_le(ECDSA_SIG_get0_r(es), sig, coord) &&
             bn_le(ECDSA_SIG_get0_s(es), sig + coord, coord);
        ECDSA_SIG_free(es);
        *sig_len = 2 * coord;
    }
    return ok ? EEI_OK : eei_error_set(err, EEI_ERR_SYSTEM, "signing failed");
}

eei_status eei_crypto_sb_verify(const eei_key *key, const uint8_t *digest, const uint8_t *sig,
                                size_t sig_len, eei_error *err)
{
    uint8_t buf[EEI_SB_RSA_BYTES + 16];
    size_t len = 0;
    bool ok = false;
    if (key->type == EEI_KEY_RSA3072 && sig_len == EEI_SB_RSA_BYTES) {
        memcpy(buf, sig, sig_len);
        reverse(buf, sig_len);
        len = sig_len;
        ok = true;
    } else if (key->type != EEI_KEY_RSA3072 && sig_len == 2 * ec_coord_size(key)) {
        size_t coord = sig_len / 2;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_lebin2bn(sig, (int)coord, NULL),
               *s = BN_lebin2bn(sig + coord, (int)coord, NULL);
        if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
            r = s = NULL; /* owned by es now */
            unsigned char *p = buf;
            int n = i2d_ECDSA_SIG(es, NULL);
            ok = n > 0 && (size_t)n <= sizeof(buf) && i2d_ECDSA_SIG(es, &p) == n;
            len = ok ? (size_t)n : 0;
        }
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
    }
    EVP_PKEY_CTX *ctx = ok ? sb_ctx(key, false) : NULL;
    ok = ctx && EVP_PKEY_verify(ctx, buf, len, digest, eei_crypto_sb_digest_size(key)) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error(); /* a bad signature is an answer, not a library error */
    return ok ? EEI_OK : eei_error_set(err, EEI_ERR_REJECTED, "the signature does not verify");
}

/* ---- the Digital Signature peripheral ---- */

eei_status eei_crypto_ds_operands(const eei_key *key, size_t n, uint8_t *y, uint8_t *m, uint8_t *rb,
                                  uint32_t *mprime, unsigned *bits, eei_error *err)
{
    if (!EVP_PKEY_is_a(key->pkey, "RSA") || !key->has_private || key->token) {
        return eei_error_set(err, EEI_ERR_KEY, "the DS operands are of an RSA private key");
    }
    BIGNUM *mod = NULL, *d = NULL, *rr = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    int key_bits = EVP_PKEY_get_bits(key->pkey);
    bool ok = rr && ctx && key_bits > 0 && (size_t)key_bits <= 8 * n &&
              EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &mod) &&
              EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_D, &d) &&
              montgomery_rr(rr, mod, key_bits, ctx) && bn_le(d, y, n) && bn_le(mod, m, n) &&
              bn_le(rr, rb, n);
    if (ok) {
        *mprime = montgomery_mprime(eei_le32_get(m));
        *bits = (unsigned)key_bits;
    }
    BN_clear_free(d);
    BN_free(mod);
    BN_free(rr);
    BN_CTX_free(ctx);
    return ok ? 0
              : eei_error_set(err, EEI_ERR_SYSTEM,
                              "cannot lay out the RSA key for the DS peripheral");
}

eei_status eei_crypto_hmac_sha256(const uint8_t key[32], const uint8_t *data, size_t len,
                                  uint8_t mac[32], eei_error *err)
{
    size_t mac_len = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, data, len, mac, 32, &mac_len) ||
        mac_len != 32) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "HMAC-SHA256 failed");
    }
    return EEI_OK;
}

eei_status eei_crypto_aes256_cbc_encrypt(const uint8_t key[32], const uint8_t iv[16],
                                         const uint8_t *in, uint8_t *out, size_t len,
                                         eei_error *err)
{
    if (len % 16 != 0 || len > INT_MAX) {
        return eei_error_set(err, EEI_ERR_USAGE,
                             "AES-CBC without padding takes whole 16-byte blocks");
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int outl = 0, last = 0;
    bool ok = ctx && EVP_EncryptInit_ex2(ctx, EVP_aes_256_cbc(), key, iv, NULL) &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) &&
              EVP_EncryptUpdate(ctx, out, &outl, in, (int)len) &&
              EVP_EncryptFinal_ex(ctx, out + outl, &last) && (size_t)outl + (size_t)last == len;
    EVP_CIPHER_CTX_free(ctx); /* clears the expanded key */
    return ok ? EEI_OK : eei_error_set(err, EEI_ERR_SYSTEM, "AES-256-CBC failed");
}
