/*
 * eei_dev_crypto.h over the mbedTLS 3.x API that ESP-IDF 5.x ships (no deprecated calls): the
 * core's crypto (eei_device_crypto) and the device's key handling.
 */
#include "eei_dev_crypto_backend.h"

#if EEI_DEV_CRYPTO_MBEDTLS3

#include <stdlib.h>
#include <string.h>

#include "eei_dev_crypto.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/gcm.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/rsa.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"

#ifdef ESP_PLATFORM
#include "esp_random.h"
#else
#include <errno.h>
#include <sys/random.h>
#endif

struct eei_dev_rsa {
    mbedtls_pk_context pk;
};

typedef struct {
    mbedtls_gcm_context gcm;
    bool ended;
} dev_gcm;

/* The RNG mbedTLS wants for blinding: the hardware RNG on the chip. */
static int device_random(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
#ifdef ESP_PLATFORM
    esp_fill_random(buf, len);
    return 0;
#else
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
#endif
}

int eei_dev_init(void)
{
    return EEI_CC_OK;
}

static int pk_parse(mbedtls_pk_context *pk, const char *pem, size_t pem_len)
{
    return mbedtls_pk_parse_key(pk, (const unsigned char *)pem, pem_len, NULL, 0, device_random,
                                NULL);
}

int eei_dev_rsa_load(eei_dev_rsa **out, const char *pem, size_t pem_len)
{
    eei_dev_rsa *rsa = calloc(1, sizeof(*rsa));
    if (!rsa) {
        return EEI_CC_E_CRYPTO;
    }
    mbedtls_pk_init(&rsa->pk);
    if (pk_parse(&rsa->pk, pem, pem_len) != 0 || mbedtls_pk_get_type(&rsa->pk) != MBEDTLS_PK_RSA ||
        mbedtls_pk_get_bitlen(&rsa->pk) != 8 * EEI_RSA_WRAPPED_SIZE) {
        eei_dev_rsa_free(rsa);
        return EEI_CC_E_KEY;
    }
    *out = rsa;
    return EEI_CC_OK;
}

static int rsa_unwrap(const void *key, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                      uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    eei_dev_rsa *rsa = (eei_dev_rsa *)key; /* decrypting updates the key's blinding values */
    uint8_t out[EEI_RSA_WRAPPED_SIZE];
    size_t olen = 0;
    int rc = mbedtls_pk_decrypt(&rsa->pk, wrapped, EEI_RSA_WRAPPED_SIZE, out, &olen, sizeof(out),
                                device_random, NULL);
    return eei_dev_unwrapped_key(rc == 0, out, sizeof(out), olen, aes_key);
}

void eei_dev_rsa_free(eei_dev_rsa *rsa)
{
    if (rsa) {
        mbedtls_pk_free(&rsa->pk); /* zeroizes the key material */
        free(rsa);
    }
}

int eei_dev_p256_scalar_from_pem(const char *pem, size_t pem_len,
                                 uint8_t scalar[EEI_P256_SCALAR_SIZE])
{
    mbedtls_pk_context pk;
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    mbedtls_pk_init(&pk);
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    int rc = EEI_CC_E_KEY;
    if (pk_parse(&pk, pem, pem_len) == 0 && mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY &&
        mbedtls_ecp_export(mbedtls_pk_ec(pk), &grp, &d, &q) == 0 &&
        grp.id == MBEDTLS_ECP_DP_SECP256R1 &&
        mbedtls_mpi_write_binary(&d, scalar, EEI_P256_SCALAR_SIZE) == 0) {
        rc = EEI_CC_OK;
    }
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&d); /* zeroizes */
    mbedtls_ecp_group_free(&grp);
    mbedtls_pk_free(&pk);
    return rc;
}

bool eei_dev_p256_scalar_valid(const uint8_t scalar[EEI_P256_SCALAR_SIZE])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    bool ok = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
              mbedtls_mpi_read_binary(&d, scalar, EEI_P256_SCALAR_SIZE) == 0 &&
              mbedtls_ecp_check_privkey(&grp, &d) == 0;
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return ok;
}

int eei_dev_p256_public(const uint8_t scalar[EEI_P256_SCALAR_SIZE],
                        uint8_t point[EEI_ECIES_POINT_SIZE])
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi d;
    uint8_t enc[1 + EEI_ECIES_POINT_SIZE];
    size_t olen = 0;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&d);
    bool ok = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
              mbedtls_mpi_read_binary(&d, scalar, EEI_P256_SCALAR_SIZE) == 0 &&
              mbedtls_ecp_check_privkey(&grp, &d) == 0 &&
              mbedtls_ecp_mul(&grp, &q, &d, &grp.G, device_random, NULL) == 0 &&
              mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, enc,
                                             sizeof(enc)) == 0 &&
              olen == sizeof(enc);
    if (ok) {
        memcpy(point, enc + 1, EEI_ECIES_POINT_SIZE);
    }
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return ok ? EEI_CC_OK : EEI_CC_E_KEY;
}

static int ecies_derive(const void *key, const uint8_t point[EEI_ECIES_POINT_SIZE],
                        const uint8_t salt[EEI_ECIES_SALT_SIZE], uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    const uint8_t *scalar = key;
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi d, z;
    uint8_t enc[1 + EEI_ECIES_POINT_SIZE];
    uint8_t secret[EEI_ECIES_COORD_SIZE];
    int rc = EEI_CC_E_CRYPTO;

    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    enc[0] = 0x04; /* uncompressed */
    memcpy(enc + 1, point, EEI_ECIES_POINT_SIZE);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0) {
        goto done;
    }
    if (mbedtls_ecp_point_read_binary(&grp, &q, enc, sizeof(enc)) != 0 ||
        mbedtls_ecp_check_pubkey(&grp, &q) != 0) {
        rc = EEI_CC_E_POINT;
        goto done;
    }
    if (mbedtls_mpi_read_binary(&d, scalar, EEI_P256_SCALAR_SIZE) != 0 ||
        mbedtls_ecdh_compute_shared(&grp, &z, &q, &d, device_random, NULL) != 0 ||
        mbedtls_mpi_write_binary(&z, secret, sizeof(secret)) != 0) {
        goto done;
    }
    if (mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt, EEI_ECIES_SALT_SIZE,
                     secret, sizeof(secret), (const unsigned char *)EEI_HKDF_INFO,
                     EEI_HKDF_INFO_SIZE, aes_key, EEI_AES_KEY_SIZE) == 0) {
        rc = EEI_CC_OK;
    }
done:
    eei_dev_wipe(secret, sizeof(secret));
    mbedtls_mpi_free(&z); /* mbedtls_mpi_free zeroizes */
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

static void gcm_free(void *gcm)
{
    dev_gcm *g = gcm;
    if (g) {
        mbedtls_gcm_free(&g->gcm); /* zeroizes the key schedule */
        free(g);
    }
}

static int gcm_start(void **out, const uint8_t key[EEI_AES_KEY_SIZE], const uint8_t iv[EEI_IV_SIZE])
{
    dev_gcm *g = calloc(1, sizeof(*g));
    if (!g) {
        return EEI_CC_E_CRYPTO;
    }
    mbedtls_gcm_init(&g->gcm);
    if (mbedtls_gcm_setkey(&g->gcm, MBEDTLS_CIPHER_ID_AES, key, 8 * EEI_AES_KEY_SIZE) != 0 ||
        mbedtls_gcm_starts(&g->gcm, MBEDTLS_GCM_DECRYPT, iv, EEI_IV_SIZE) != 0) {
        gcm_free(g);
        return EEI_CC_E_CRYPTO;
    }
    *out = g;
    return EEI_CC_OK;
}

static int gcm_update(void *gcm, const uint8_t *in, size_t len, uint8_t *out, bool last)
{
    dev_gcm *g = gcm;
    size_t olen = 0;
    if (!eei_dev_gcm_update_allowed(len, last, &g->ended) ||
        mbedtls_gcm_update(&g->gcm, in, len, out, len, &olen) != 0 || olen != len) {
        return EEI_CC_E_CRYPTO;
    }
    return EEI_CC_OK;
}

static int gcm_finish(void *gcm, const uint8_t tag[EEI_TAG_SIZE])
{
    dev_gcm *g = gcm;
    uint8_t computed[EEI_TAG_SIZE];
    size_t olen = 0;
    if (mbedtls_gcm_finish(&g->gcm, NULL, 0, &olen, computed, sizeof(computed)) != 0 || olen) {
        return EEI_CC_E_CRYPTO;
    }
    uint8_t diff = 0;
    for (size_t i = 0; i < sizeof(computed); i++) {
        diff |= (uint8_t)(computed[i] ^ tag[i]); /* constant time: no early exit */
    }
    eei_dev_wipe(computed, sizeof(computed));
    return diff == 0 ? EEI_CC_OK : EEI_CC_E_AUTH;
}

/* The SHA-256 and SHA-512 contexts hold their state inline: hashing allocates nothing. */
static int sha256_update(void *hash, const uint8_t *p, size_t n)
{
    return mbedtls_sha256_update(hash, p, n);
}

static int sha384_update(void *hash, const uint8_t *p, size_t n)
{
    return mbedtls_sha512_update(hash, p, n);
}

static int hash_read(size_t digest_len, eei_core_read_fn read, void *ctx, uint64_t len,
                     uint8_t *buf, size_t buf_size, uint8_t *digest)
{
    bool sha384 = digest_len == 48;
    if ((!sha384 && digest_len != 32) || buf_size == 0) {
        return EEI_CC_E_CRYPTO;
    }
    mbedtls_sha256_context s256;
    mbedtls_sha512_context s512;
    mbedtls_sha256_init(&s256);
    mbedtls_sha512_init(&s512);
    int rc = (sha384 ? mbedtls_sha512_starts(&s512, 1) : mbedtls_sha256_starts(&s256, 0)) == 0
                 ? EEI_CC_OK
                 : EEI_CC_E_CRYPTO;
    if (rc == EEI_CC_OK) {
        rc = sha384 ? eei_dev_hash_pieces(read, ctx, len, buf, buf_size, sha384_update, &s512)
                    : eei_dev_hash_pieces(read, ctx, len, buf, buf_size, sha256_update, &s256);
    }
    if (rc == EEI_CC_OK && (sha384 ? mbedtls_sha512_finish(&s512, digest)
                                   : mbedtls_sha256_finish(&s256, digest)) != 0) {
        rc = EEI_CC_E_CRYPTO;
    }
    mbedtls_sha256_free(&s256);
    mbedtls_sha512_free(&s512);
    return rc;
}

static int sb_rsa_verify(const eei_sb_block *b, const uint8_t *digest)
{
    uint8_t n[EEI_SB_RSA_BYTES], e[4], sig[EEI_SB_RSA_BYTES];
    eei_dev_reversed(b->key, n, sizeof(n));
    eei_dev_reversed(b->key + EEI_SB_RSA_BYTES, e, sizeof(e));
    eei_dev_reversed(b->sig, sig, sizeof(sig));
    mbedtls_rsa_context rsa;
    mbedtls_rsa_init(&rsa);
    int rc = EEI_CC_E_KEY;
    if (mbedtls_rsa_import_raw(&rsa, n, sizeof(n), NULL, 0, NULL, 0, NULL, 0, e, sizeof(e)) == 0 &&
        mbedtls_rsa_complete(&rsa) == 0 && mbedtls_rsa_check_pubkey(&rsa) == 0 &&
        mbedtls_rsa_get_len(&rsa) == EEI_SB_RSA_BYTES) {
        rc = mbedtls_rsa_rsassa_pss_verify_ext(&rsa, MBEDTLS_MD_SHA256, 32, digest,
                                               MBEDTLS_MD_SHA256, 32, sig) == 0
                 ? EEI_CC_OK
                 : EEI_CC_E_SIGNATURE;
    }
    mbedtls_rsa_free(&rsa);
    return rc;
}

static int sb_ecdsa_verify(const eei_sb_block *b, const uint8_t *digest)
{
    size_t coord = (b->key_len - 1) / 2;
    mbedtls_ecp_group_id id = b->curve == EEI_SB_CURVE_P256   ? MBEDTLS_ECP_DP_SECP256R1
                              : b->curve == EEI_SB_CURVE_P384 ? MBEDTLS_ECP_DP_SECP384R1
                                                              : MBEDTLS_ECP_DP_NONE;
    uint8_t point[1 + 2 * 48];
    if (id == MBEDTLS_ECP_DP_NONE || 2 * coord + 1 > sizeof(point)) {
        return EEI_CC_E_KEY;
    }
    point[0] = 0x04; /* uncompressed */
    eei_dev_reversed(b->key + 1, point + 1, coord);
    eei_dev_reversed(b->key + 1 + coord, point + 1 + coord, coord);
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = EEI_CC_E_KEY;
    if (mbedtls_ecp_group_load(&grp, id) == 0 &&
        mbedtls_ecp_point_read_binary(&grp, &q, point, 1 + 2 * coord) == 0 &&
        mbedtls_ecp_check_pubkey(&grp, &q) == 0) {
        rc = mbedtls_mpi_read_binary_le(&r, b->sig, coord) == 0 &&
                     mbedtls_mpi_read_binary_le(&s, b->sig + coord, coord) == 0 &&
                     mbedtls_ecdsa_verify(&grp, digest, b->digest_len, &q, &r, &s) == 0
                 ? EEI_CC_OK
                 : EEI_CC_E_SIGNATURE;
    }
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

static int sb_verify(const eei_sb_block *block, const uint8_t *digest)
{
    return block->version == EEI_SB_VERSION_RSA ? sb_rsa_verify(block, digest)
                                                : sb_ecdsa_verify(block, digest);
}

const eei_core_crypto eei_device_crypto = {
    .name = "Mbed TLS 3",
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

#endif /* EEI_DEV_CRYPTO_MBEDTLS3 */
