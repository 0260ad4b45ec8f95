/*
 * The device's decryptor (eei_decryptor.h): its keys (an RSA PEM, the DS peripheral's RSA key, a
 * P-256 PEM, the eFuse HMAC key) around the one decoder (eei_core/decoder.h) over the device's
 * crypto.
 */
#include "eei_decryptor.h"

#include <string.h>

#include "eei_dev_crypto.h"
#include "eei_device_key.h"
#include "eei_ds_key.h"

/* DER of SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 } up to the BIT STRING's point. */
static const uint8_t p256_spki_prefix[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};
_Static_assert(sizeof(p256_spki_prefix) + 1 + EEI_ECIES_POINT_SIZE == EEI_DEC_PUBKEY_DER_SIZE,
               "SPKI prefix, 0x04, X||Y");

/* The device key opens one header: dropped as soon as the decoder is past it. */
static void drop_key(eei_dec *dec)
{
    eei_dev_wipe(dec->scalar, sizeof(dec->scalar));
    eei_dev_rsa_free(dec->rsa);
    dec->rsa = NULL;
    eei_ds_key_free(dec->ds);
    dec->ds = NULL;
    dec->key_held = false;
}

/* The decoder's verdict in this API's words (a header cut short is an image that ended early). */
static eei_dec_err verdict(eei_dec *dec, eei_core_verdict v)
{
    if (dec->key_held && eei_core_dec_key_done(&dec->core)) {
        drop_key(dec);
    }
    switch (v) {
    case EEI_CORE_OK:
        return EEI_DEC_OK;
    case EEI_CORE_ERR_ARG:
        return EEI_DEC_ERR_ARG;
    case EEI_CORE_ERR_MAGIC:
        return EEI_DEC_ERR_MAGIC;
    case EEI_CORE_ERR_SCHEME:
        return EEI_DEC_ERR_SCHEME;
    case EEI_CORE_ERR_UNWRAP:
        return EEI_DEC_ERR_UNWRAP;
    case EEI_CORE_ERR_POINT:
        return EEI_DEC_ERR_POINT;
    case EEI_CORE_ERR_TRAILING:
        return EEI_DEC_ERR_TRAILING;
    case EEI_CORE_ERR_SHORT:
    case EEI_CORE_ERR_TRUNCATED:
        return EEI_DEC_ERR_TRUNCATED;
    case EEI_CORE_ERR_AUTH:
        return EEI_DEC_ERR_AUTH;
    case EEI_CORE_ERR_CRYPTO:
        break;
    }
    return EEI_DEC_ERR_CRYPTO;
}

eei_dec_err eei_dec_start(eei_dec *dec, const eei_dec_config *cfg)
{
    if (!dec || !cfg) {
        return EEI_DEC_ERR_ARG;
    }
    memset(dec, 0, sizeof(*dec));
    dec->cfg = *cfg;
    dec->crypto = eei_device_crypto;
    bool rsa = cfg->kind == EEI_DEC_KEY_RSA_PEM || cfg->kind == EEI_DEC_KEY_RSA_DS;
    const void *key = dec->scalar;
    eei_dec_err rc = eei_dev_init() == EEI_CC_OK ? EEI_DEC_OK : EEI_DEC_ERR_CRYPTO;
    if (rc == EEI_DEC_OK && cfg->kind == EEI_DEC_KEY_RSA_DS) {
        rc = eei_ds_key_load(&dec->ds);
        dec->crypto.rsa_unwrap = eei_ds_unwrap; /* the one thing the DS does differently */
        key = dec->ds;
    } else if (rc == EEI_DEC_OK && rsa) {
        if (!cfg->pem) {
            rc = EEI_DEC_ERR_ARG;
        } else if (eei_dev_rsa_load(&dec->rsa, cfg->pem, cfg->pem_len) != EEI_CC_OK) {
            rc = EEI_DEC_ERR_KEY;
        }
        key = dec->rsa;
    } else if (rc == EEI_DEC_OK) {
        rc = eei_device_key_scalar(cfg, dec->scalar);
    }
    dec->key_held = true;
    if (rc == EEI_DEC_OK) {
        rc =
            verdict(dec, eei_core_dec_start(&dec->core, &dec->crypto,
                                            rsa ? EEI_SCHEME_RSA3072 : EEI_SCHEME_ECIES_P256, key));
    }
    if (rc != EEI_DEC_OK) {
        drop_key(dec);
    }
    return rc;
}

eei_dec_err eei_dec_feed(eei_dec *dec, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                         size_t *out_len)
{
    if (!dec) {
        return EEI_DEC_ERR_ARG;
    }
    return verdict(dec, eei_core_dec_feed(&dec->core, in, len, out, out_size, out_len));
}

eei_dec_err eei_dec_finish(eei_dec *dec)
{
    if (!dec) {
        return EEI_DEC_ERR_ARG;
    }
    return verdict(dec, eei_core_dec_finish(&dec->core));
}

void eei_dec_abort(eei_dec *dec)
{
    if (dec) {
        eei_core_dec_abort(&dec->core);
        drop_key(dec);
    }
}

const eei_header *eei_dec_header(const eei_dec *dec)
{
    return dec ? eei_core_dec_header(&dec->core) : NULL;
}

uint64_t eei_dec_consumed(const eei_dec *dec)
{
    return dec ? eei_core_dec_consumed(&dec->core) : 0;
}

eei_dec_err eei_dec_export_pubkey_der(const eei_dec_config *cfg,
                                      uint8_t der[EEI_DEC_PUBKEY_DER_SIZE])
{
    if (!cfg || !der || cfg->kind == EEI_DEC_KEY_RSA_PEM || cfg->kind == EEI_DEC_KEY_RSA_DS) {
        return EEI_DEC_ERR_ARG;
    }
    if (eei_dev_init() != EEI_CC_OK) {
        return EEI_DEC_ERR_CRYPTO;
    }
    uint8_t scalar[EEI_P256_SCALAR_SIZE];
    uint8_t point[EEI_ECIES_POINT_SIZE];
    eei_dec_err rc = eei_device_key_scalar(cfg, scalar);
    if (rc == EEI_DEC_OK && eei_dev_p256_public(scalar, point) != EEI_CC_OK) {
        rc = EEI_DEC_ERR_CRYPTO;
    }
    eei_dev_wipe(scalar, sizeof(scalar));
    if (rc == EEI_DEC_OK) {
        memcpy(der, p256_spki_prefix, sizeof(p256_spki_prefix));
        der[sizeof(p256_spki_prefix)] = 0x04; /* uncompressed */
        memcpy(der + sizeof(p256_spki_prefix) + 1, point, sizeof(point));
    }
    return rc;
}

const char *eei_dec_strerror(eei_dec_err err)
{
    switch (err) {
    case EEI_DEC_OK:
        return "ok";
    case EEI_DEC_ERR_ARG:
        return "bad argument or call order";
    case EEI_DEC_ERR_KEY:
        return "the device key is unusable";
    case EEI_DEC_ERR_EFUSE:
        return "the eFuse key block's purpose is not the one the key needs (HMAC_UP for ECIES, "
               "HMAC_DOWN_DIGITAL_SIGNATURE for the DS peripheral)";
    case EEI_DEC_ERR_MAGIC:
        return "bad magic: not an encrypted image";
    case EEI_DEC_ERR_SCHEME:
        return "the image is for the other scheme (RSA-3072 vs ECIES-P256)";
    case EEI_DEC_ERR_UNWRAP:
        return "cannot unwrap the AES key: wrong device key or altered key block";
    case EEI_DEC_ERR_POINT:
        return "the server public key is not a point on P-256";
    case EEI_DEC_ERR_TRAILING:
        return "more data than the header declares";
    case EEI_DEC_ERR_TRUNCATED:
        return "the image ended early";
    case EEI_DEC_ERR_AUTH:
        return "authentication failed: altered image or wrong key";
    case EEI_DEC_ERR_CRYPTO:
        return "crypto failure";
    case EEI_DEC_ERR_DS_PARTITION:
        return "no readable esp_secure_cert partition: the DS peripheral's key is not provisioned";
    case EEI_DEC_ERR_DS_DATA:
        return "the esp_secure_cert partition's DS context or data is missing or corrupt";
    case EEI_DEC_ERR_DS_KEY:
        return "the DS peripheral refuses the key: the eFuse HMAC key is not the one the DS data "
               "was made for, or the DS data was altered";
    }
    return "unknown error";
}
