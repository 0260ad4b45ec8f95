#include "eei_decryptor.h"

#include <string.h>

#include "eei_device_key.h"

enum { STATE_IDLE, STATE_HEADER, STATE_PAYLOAD, STATE_DONE, STATE_FAILED };

/* DER of SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 } up to the BIT STRING's point. */
static const uint8_t p256_spki_prefix[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};

/* Drop every secret and every library context. */
static void release(eei_dec *dec)
{
    eei_dev_wipe(dec->scalar, sizeof(dec->scalar));
    eei_dev_rsa_free(&dec->rsa);
    eei_dev_gcm_free(&dec->gcm);
}

static eei_dec_err fail(eei_dec *dec, eei_dec_err err)
{
    release(dec);
    dec->state = STATE_FAILED;
    return err;
}

eei_dec_err eei_dec_start(eei_dec *dec, const eei_dec_config *cfg)
{
    if (!dec || !cfg) {
        return EEI_DEC_ERR_ARG;
    }
    memset(dec, 0, sizeof(*dec));
    dec->cfg = *cfg;
    eei_dec_err rc;
    if (cfg->kind == EEI_DEC_KEY_RSA_PEM) {
        rc = cfg->pem ? EEI_DEC_OK : EEI_DEC_ERR_ARG;
        if (rc == EEI_DEC_OK && eei_dev_rsa_load(&dec->rsa, cfg->pem, cfg->pem_len) != 0) {
            rc = EEI_DEC_ERR_KEY;
        }
    } else {
        rc = eei_device_key_scalar(cfg, dec->scalar);
    }
    if (rc != EEI_DEC_OK) {
        return fail(dec, rc);
    }
    dec->state = STATE_HEADER;
    return EEI_DEC_OK;
}

/* All 512 header bytes are in: check them and establish the AES key. */
static eei_dec_err open_header(eei_dec *dec)
{
    if (eei_header_decode(dec->header_buf, EEI_HEADER_SIZE, &dec->header) != EEI_FMT_OK) {
        return EEI_DEC_ERR_MAGIC;
    }
    bool rsa = dec->cfg.kind == EEI_DEC_KEY_RSA_PEM;
    eei_scheme want = rsa ? EEI_SCHEME_RSA3072 : EEI_SCHEME_ECIES_P256;
    if (eei_header_check_scheme(&dec->header, want) != EEI_FMT_OK) {
        return EEI_DEC_ERR_SCHEME;
    }
    uint8_t aes_key[32];
    int rc = rsa ? eei_dev_rsa_unwrap(&dec->rsa, dec->header.key_block, aes_key)
                 : eei_dev_ecies_derive(dec->scalar, eei_header_ecies_point(&dec->header),
                                        eei_header_ecies_salt(&dec->header), aes_key);
    /* the device key is no longer needed for this image */
    eei_dev_wipe(dec->scalar, sizeof(dec->scalar));
    eei_dev_rsa_free(&dec->rsa);
    if (rc == EEI_DEV_OK) {
        rc = eei_dev_gcm_start(&dec->gcm, aes_key, dec->header.iv);
    }
    eei_dev_wipe(aes_key, sizeof(aes_key));
    switch (rc) {
    case EEI_DEV_OK:
        return EEI_DEC_OK;
    case EEI_DEV_E_UNWRAP:
        return EEI_DEC_ERR_UNWRAP;
    case EEI_DEV_E_POINT:
        return EEI_DEC_ERR_POINT;
    default:
        return EEI_DEC_ERR_CRYPTO;
    }
}

/* Kept out of line, so the hot path below saves no registers it does not use. */
static eei_dec_err feed_any(eei_dec *dec, const uint8_t *in, size_t len, uint8_t *out,
                            size_t out_size, size_t *out_len) __attribute__((noinline));

eei_dec_err eei_dec_feed(eei_dec *dec, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                         size_t *out_len)
{
    /* the hot path: payload decrypted in place, not the last chunk */
    if (dec && out_len && in == out && dec->state == STATE_PAYLOAD &&
        len + EEI_DEC_OUT_SLACK <= out_size && len < dec->header.payload_len - dec->payload_seen) {
        dec->payload_seen += len;
        if (eei_dev_gcm_update(&dec->gcm, in, len, out, out_len, false) == EEI_DEV_OK) {
            return EEI_DEC_OK;
        }
        return fail(dec, EEI_DEC_ERR_CRYPTO);
    }
    return feed_any(dec, in, len, out, out_size, out_len);
}

/* Everything else: header bytes, the last chunk, separate buffers, and every misuse. */
static eei_dec_err feed_any(eei_dec *dec, const uint8_t *in, size_t len, uint8_t *out,
                            size_t out_size, size_t *out_len)
{
    if (!dec || !out_len || (len > 0 && (!in || !out))) {
        return EEI_DEC_ERR_ARG;
    }
    *out_len = 0;
    if (dec->state != STATE_HEADER && dec->state != STATE_PAYLOAD) {
        return EEI_DEC_ERR_ARG;
    }
    if (dec->state == STATE_HEADER) {
        size_t take = eei_header_collect(dec->header_buf, &dec->header_fill, in, len);
        in += take;
        len -= take;
        /* the magic is checked as soon as it is there, like the ROM checks an image's */
        if (dec->header_fill >= 4 && eei_le32_get(dec->header_buf) != EEI_MAGIC) {
            return fail(dec, EEI_DEC_ERR_MAGIC);
        }
        if (dec->header_fill < EEI_HEADER_SIZE) {
            return EEI_DEC_OK;
        }
        eei_dec_err rc = open_header(dec);
        if (rc != EEI_DEC_OK) {
            return fail(dec, rc);
        }
        dec->state = STATE_PAYLOAD;
    }
    if (len == 0) {
        return EEI_DEC_OK;
    }
    if (len > dec->header.payload_len - dec->payload_seen) {
        return fail(dec, EEI_DEC_ERR_TRAILING);
    }
    if (out_size < len + EEI_DEC_OUT_SLACK) {
        return fail(dec, EEI_DEC_ERR_ARG);
    }
    /* overlapping but not identical buffers (the header ended inside this chunk): shift first */
    if (out != in && out < in + len && in < out + len + EEI_DEC_OUT_SLACK) {
        memmove(out, in, len);
        in = out;
    }
    dec->payload_seen += len;
    bool final = dec->payload_seen == dec->header.payload_len;
    if (eei_dev_gcm_update(&dec->gcm, in, len, out, out_len, final) != EEI_DEV_OK) {
        return fail(dec, EEI_DEC_ERR_CRYPTO);
    }
    return EEI_DEC_OK;
}

eei_dec_err eei_dec_finish(eei_dec *dec, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (!dec || !out || !out_len) {
        return EEI_DEC_ERR_ARG;
    }
    *out_len = 0;
    if (dec->state == STATE_HEADER) {
        return fail(dec, EEI_DEC_ERR_TRUNCATED);
    }
    if (dec->state != STATE_PAYLOAD || out_size < EEI_DEC_OUT_SLACK) {
        return fail(dec, EEI_DEC_ERR_ARG);
    }
    if (dec->payload_seen != dec->header.payload_len) {
        return fail(dec, EEI_DEC_ERR_TRUNCATED);
    }
    int rc = eei_dev_gcm_finish(&dec->gcm, out, out_len, dec->header.tag);
    if (rc != EEI_DEV_OK) {
        return fail(dec, rc == EEI_DEV_E_AUTH ? EEI_DEC_ERR_AUTH : EEI_DEC_ERR_CRYPTO);
    }
    release(dec);
    dec->state = STATE_DONE;
    return EEI_DEC_OK;
}

void eei_dec_abort(eei_dec *dec)
{
    if (dec) {
        release(dec);
        eei_dev_wipe(dec->header_buf, sizeof(dec->header_buf));
        dec->state = STATE_IDLE;
    }
}

const eei_header *eei_dec_header(const eei_dec *dec)
{
    return dec && dec->header_fill == EEI_HEADER_SIZE ? &dec->header : NULL;
}

eei_dec_err eei_dec_export_pubkey_der(const eei_dec_config *cfg,
                                      uint8_t der[EEI_DEC_PUBKEY_DER_SIZE])
{
    if (!cfg || !der || cfg->kind == EEI_DEC_KEY_RSA_PEM) {
        return EEI_DEC_ERR_ARG;
    }
    uint8_t scalar[32];
    uint8_t point[64];
    eei_dec_err rc = eei_device_key_scalar(cfg, scalar);
    if (rc == EEI_DEC_OK && eei_dev_p256_public(scalar, point) != EEI_DEV_OK) {
        rc = EEI_DEC_ERR_CRYPTO;
    }
    eei_dev_wipe(scalar, sizeof(scalar));
    if (rc == EEI_DEC_OK) {
        memcpy(der, p256_spki_prefix, sizeof(p256_spki_prefix));
        der[sizeof(p256_spki_prefix)] = 0x04;
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
        return "the eFuse key block does not hold an HMAC_UP key";
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
    }
    return "unknown error";
}
