/*
 * mbedTLS backend of eei_dev_crypto.h. Every difference between mbedTLS versions lives here:
 * 2.28 (Debian, host tests) and 3.x (ESP-IDF 5.x). mbedTLS 4 (ESP-IDF 6) drops these legacy
 * APIs for PSA only; that port belongs in this file too and is not written yet.
 */
#include "eei_dev_crypto.h"

#include <string.h>

#include "mbedtls/ecdh.h"
#include "mbedtls/ecp.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"

#if MBEDTLS_VERSION_MAJOR >= 4
#error "mbedTLS 4 (PSA-only, ESP-IDF 6) is not supported yet: see docs/FIRMWARE.md"
#endif

#ifdef ESP_PLATFORM
#include "esp_random.h"
#else
#include <errno.h>
#include <sys/random.h>
#endif

static const char hkdf_info[] = "_esp_enc_img_ecc";

int eei_dev_random(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
#ifdef ESP_PLATFORM
    esp_fill_random(buf, len); /* the hardware RNG */
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

void eei_dev_wipe(void *buf, size_t len)
{
    mbedtls_platform_zeroize(buf, len);
}

static int pk_parse(mbedtls_pk_context *pk, const char *pem, size_t pem_len)
{
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_pk_parse_key(pk, (const unsigned char *)pem, pem_len, NULL, 0, eei_dev_random,
                                NULL);
#else
    return mbedtls_pk_parse_key(pk, (const unsigned char *)pem, pem_len, NULL, 0);
#endif
}

int eei_dev_rsa_load(eei_dev_rsa *rsa, const char *pem, size_t pem_len)
{
    mbedtls_pk_init(&rsa->pk);
    rsa->loaded = true;
    if (pk_parse(&rsa->pk, pem, pem_len) != 0) {
        return EEI_DEV_E_KEY;
    }
    if (mbedtls_pk_get_type(&rsa->pk) != MBEDTLS_PK_RSA ||
        mbedtls_pk_get_bitlen(&rsa->pk) != 3072) {
        return EEI_DEV_E_KEY;
    }
    return EEI_DEV_OK;
}

int eei_dev_rsa_unwrap(eei_dev_rsa *rsa, const uint8_t wrapped[384], uint8_t aes_key[32])
{
    uint8_t out[384];
    size_t olen = 0;
    int rc =
        mbedtls_pk_decrypt(&rsa->pk, wrapped, 384, out, &olen, sizeof(out), eei_dev_random, NULL);
    if (rc == 0 && olen == 32) {
        memcpy(aes_key, out, 32);
    }
    eei_dev_wipe(out, sizeof(out));
    return rc == 0 && olen == 32 ? EEI_DEV_OK : EEI_DEV_E_UNWRAP;
}

void eei_dev_rsa_free(eei_dev_rsa *rsa)
{
    if (rsa->loaded) {
        mbedtls_pk_free(&rsa->pk); /* zeroizes the key material */
        rsa->loaded = false;
    }
}

int eei_dev_p256_scalar_from_pem(const char *pem, size_t pem_len, uint8_t scalar[32])
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = EEI_DEV_E_KEY;
    if (pk_parse(&pk, pem, pem_len) == 0 && mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY) {
        mbedtls_ecp_keypair *kp = mbedtls_pk_ec(pk);
#if MBEDTLS_VERSION_MAJOR >= 3
        if (kp->MBEDTLS_PRIVATE(grp).id == MBEDTLS_ECP_DP_SECP256R1 &&
            mbedtls_ecp_write_key(kp, scalar, 32) == 0) {
            rc = EEI_DEV_OK;
        }
#else
        if (kp->grp.id == MBEDTLS_ECP_DP_SECP256R1 &&
            mbedtls_mpi_write_binary(&kp->d, scalar, 32) == 0) {
            rc = EEI_DEV_OK;
        }
#endif
    }
    mbedtls_pk_free(&pk);
    return rc;
}

bool eei_dev_p256_scalar_valid(const uint8_t scalar[32])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    bool ok = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
              mbedtls_mpi_read_binary(&d, scalar, 32) == 0 &&
              mbedtls_ecp_check_privkey(&grp, &d) == 0;
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return ok;
}

int eei_dev_p256_public(const uint8_t scalar[32], uint8_t point[64])
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi d;
    uint8_t enc[65];
    size_t olen = 0;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&d);
    int ok = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
             mbedtls_mpi_read_binary(&d, scalar, 32) == 0 &&
             mbedtls_ecp_check_privkey(&grp, &d) == 0 &&
             mbedtls_ecp_mul(&grp, &q, &d, &grp.G, eei_dev_random, NULL) == 0 &&
             mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, enc,
                                            sizeof(enc)) == 0 &&
             olen == sizeof(enc);
    if (ok) {
        memcpy(point, enc + 1, 64);
    }
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return ok ? EEI_DEV_OK : EEI_DEV_E_KEY;
}

int eei_dev_ecies_derive(const uint8_t scalar[32], const uint8_t point[64], const uint8_t salt[32],
                         uint8_t aes_key[32])
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi d, z;
    uint8_t enc[65];
    uint8_t secret[32];
    int rc = EEI_DEV_E_CRYPTO;

    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    enc[0] = 0x04;
    memcpy(enc + 1, point, 64);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0) {
        goto done;
    }
    if (mbedtls_ecp_point_read_binary(&grp, &q, enc, sizeof(enc)) != 0 ||
        mbedtls_ecp_check_pubkey(&grp, &q) != 0) {
        rc = EEI_DEV_E_POINT;
        goto done;
    }
    if (mbedtls_mpi_read_binary(&d, scalar, 32) != 0 ||
        mbedtls_ecdh_compute_shared(&grp, &z, &q, &d, eei_dev_random, NULL) != 0 ||
        mbedtls_mpi_write_binary(&z, secret, sizeof(secret)) != 0) {
        goto done;
    }
    if (mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt, 32, secret, sizeof(secret),
                     (const unsigned char *)hkdf_info, sizeof(hkdf_info) - 1, aes_key, 32) == 0) {
        rc = EEI_DEV_OK;
    }
done:
    eei_dev_wipe(secret, sizeof(secret));
    mbedtls_mpi_free(&z); /* mbedtls_mpi_free zeroizes */
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

int eei_dev_gcm_start(eei_dev_gcm *g, const uint8_t key[32], const uint8_t iv[16])
{
    mbedtls_gcm_init(&g->gcm);
    g->started = true;
#if MBEDTLS_VERSION_MAJOR < 3
    g->carry_len = 0;
#endif
    if (mbedtls_gcm_setkey(&g->gcm, MBEDTLS_CIPHER_ID_AES, key, 256) != 0) {
        return EEI_DEV_E_CRYPTO;
    }
#if MBEDTLS_VERSION_MAJOR >= 3
    int rc = mbedtls_gcm_starts(&g->gcm, MBEDTLS_GCM_DECRYPT, iv, 16);
#else
    int rc = mbedtls_gcm_starts(&g->gcm, MBEDTLS_GCM_DECRYPT, iv, 16, NULL, 0);
#endif
    return rc == 0 ? EEI_DEV_OK : EEI_DEV_E_CRYPTO;
}

#if MBEDTLS_VERSION_MAJOR >= 3

int eei_dev_gcm_update_any(eei_dev_gcm *g, const uint8_t *in, size_t len, uint8_t *out,
                           size_t *out_len, bool final)
{
    return eei_dev_gcm_update(g, in, len, out, out_len, final);
}

static int gcm_flush(eei_dev_gcm *g, uint8_t *out, size_t *out_len, uint8_t tag[16])
{
    return mbedtls_gcm_finish(&g->gcm, out, EEI_DEV_GCM_SLACK, out_len, tag, 16);
}

#else

/*
 * mbedTLS 2.28 takes whole blocks until the last call, so an incomplete block waits in carry
 * until more input completes it, or the final update. Block-aligned input (every chunk a
 * multiple of 16 after the 512-byte header) is decrypted in place without a copy; otherwise
 * the output runs up to 15 bytes ahead of the input.
 */
int eei_dev_gcm_update_any(eei_dev_gcm *g, const uint8_t *in, size_t len, uint8_t *out,
                           size_t *out_len, bool final)
{
    uint8_t block[16];
    uint8_t tail[16];
    size_t pos = 0;
    bool have_block = false;

    *out_len = 0;
    if (g->carry_len > 0) {
        size_t take = 16 - g->carry_len < len ? 16 - g->carry_len : len;
        memcpy(g->carry + g->carry_len, in, take);
        g->carry_len += take;
        pos = take;
        if (g->carry_len < 16 && !final) {
            return EEI_DEV_OK;
        }
        if (g->carry_len < 16) { /* the last, short block of the payload */
            int rc = mbedtls_gcm_update(&g->gcm, g->carry_len, g->carry, out);
            *out_len = g->carry_len;
            g->carry_len = 0;
            return rc == 0 ? EEI_DEV_OK : EEI_DEV_E_CRYPTO;
        }
        memcpy(block, g->carry, 16);
        g->carry_len = 0;
        have_block = true;
    }
    size_t whole = (len - pos) & ~(size_t)15;
    size_t rest = len - pos - whole;
    memcpy(tail, in + pos + whole, rest); /* before the move below can overwrite it */
    uint8_t *dst = out + (have_block ? 16 : 0);
    if (whole > 0 && dst != in + pos) {
        memmove(dst, in + pos, whole);
    }
    if (have_block && mbedtls_gcm_update(&g->gcm, 16, block, out) != 0) {
        return EEI_DEV_E_CRYPTO;
    }
    if (whole > 0 && mbedtls_gcm_update(&g->gcm, whole, dst, dst) != 0) {
        return EEI_DEV_E_CRYPTO;
    }
    *out_len = (have_block ? 16 : 0) + whole;
    if (final && rest > 0) {
        if (mbedtls_gcm_update(&g->gcm, rest, tail, out + *out_len) != 0) {
            return EEI_DEV_E_CRYPTO;
        }
        *out_len += rest;
        rest = 0;
    }
    memcpy(g->carry, tail, rest);
    g->carry_len = rest;
    return EEI_DEV_OK;
}

static int gcm_flush(eei_dev_gcm *g, uint8_t *out, size_t *out_len, uint8_t tag[16])
{
    *out_len = 0;
    if (g->carry_len > 0) {
        if (mbedtls_gcm_update(&g->gcm, g->carry_len, g->carry, out) != 0) {
            return -1;
        }
        *out_len = g->carry_len;
        g->carry_len = 0;
    }
    return mbedtls_gcm_finish(&g->gcm, tag, 16);
}

#endif

int eei_dev_gcm_finish(eei_dev_gcm *g, uint8_t *out, size_t *out_len, const uint8_t tag[16])
{
    uint8_t computed[16];
    if (gcm_flush(g, out, out_len, computed) != 0) {
        return EEI_DEV_E_CRYPTO;
    }
    uint8_t diff = 0;
    for (size_t i = 0; i < sizeof(computed); i++) {
        diff |= (uint8_t)(computed[i] ^ tag[i]); /* constant time: no early exit */
    }
    eei_dev_wipe(computed, sizeof(computed));
    return diff == 0 ? EEI_DEV_OK : EEI_DEV_E_AUTH;
}

void eei_dev_gcm_free(eei_dev_gcm *g)
{
    if (g->started) {
        mbedtls_gcm_free(&g->gcm); /* zeroizes the key schedule */
        g->started = false;
    }
#if MBEDTLS_VERSION_MAJOR < 3
    eei_dev_wipe(g->carry, sizeof(g->carry));
    g->carry_len = 0;
#endif
}
