#include "eei_decryptor.h"

#include <string.h>

#include "eei_dev_crypto.h"
#include "eei_device_key.h"

enum { STATE_IDLE, STATE_HEADER, STATE_PAYLOAD, STATE_DONE, STATE_FAILED };

#define BLOCK EEI_GCM_BLOCK_SIZE

/* DER of SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 } up to the BIT STRING's point. */
static const uint8_t p256_spki_prefix[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};
_Static_assert(sizeof(p256_spki_prefix) + 1 + EEI_ECIES_POINT_SIZE == EEI_DEC_PUBKEY_DER_SIZE,
               "SPKI prefix, 0x04, X||Y");

/* Drop every secret and every library context. */
static void release(eei_dec *dec)
{
    eei_dev_wipe(dec->scalar, sizeof(dec->scalar));
    eei_dev_wipe(dec->carry, sizeof(dec->carry));
    dec->carry_len = 0;
    eei_dev_rsa_free(dec->rsa);
    dec->rsa = NULL;
    eei_dev_gcm_free(dec->gcm);
    dec->gcm = NULL;
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
    eei_dec_err rc = eei_dev_init() == EEI_DEV_OK ? EEI_DEC_OK : EEI_DEC_ERR_CRYPTO;
    if (rc == EEI_DEC_OK && cfg->kind == EEI_DEC_KEY_RSA_PEM) {
        if (!cfg->pem) {
            rc = EEI_DEC_ERR_ARG;
        } else if (eei_dev_rsa_load(&dec->rsa, cfg->pem, cfg->pem_len) != EEI_DEV_OK) {
            rc = EEI_DEC_ERR_KEY;
        }
    } else if (rc == EEI_DEC_OK) {
        rc = eei_device_key_scalar(cfg, dec->scalar);
    }
    if (rc != EEI_DEC_OK) {
        return fail(dec, rc);
    }
    dec->state = STATE_HEADER;
    return EEI_DEC_OK;
}

/*
 * All 512 header bytes are in: establish the AES key. The configured key's scheme is the
 * image's scheme, as on the device; what the header looks like only explains a failure.
 */
static eei_dec_err open_header(eei_dec *dec)
{
    if (eei_header_decode(dec->header_buf, EEI_HEADER_SIZE, &dec->header) != EEI_FMT_OK) {
        return EEI_DEC_ERR_MAGIC;
    }
    bool rsa = dec->cfg.kind == EEI_DEC_KEY_RSA_PEM;
    uint8_t aes_key[EEI_AES_KEY_SIZE];
    int rc = rsa ? eei_dev_rsa_unwrap(dec->rsa, dec->header.key_block, aes_key)
                 : eei_dev_ecies_derive(dec->scalar, eei_header_ecies_point(&dec->header),
                                        eei_header_ecies_salt(&dec->header), aes_key);
    /* the device key is no longer needed for this image */
    eei_dev_wipe(dec->scalar, sizeof(dec->scalar));
    eei_dev_rsa_free(dec->rsa);
    dec->rsa = NULL;
    if (rc == EEI_DEV_OK) {
        rc = eei_dev_gcm_start(&dec->gcm, aes_key, dec->header.iv);
    }
    eei_dev_wipe(aes_key, sizeof(aes_key));
    eei_scheme other = rsa ? EEI_SCHEME_ECIES_P256 : EEI_SCHEME_RSA3072;
    switch (rc) {
    case EEI_DEV_OK:
        return EEI_DEC_OK;
    case EEI_DEV_E_UNWRAP:
    case EEI_DEV_E_POINT:
        if (eei_header_scheme(&dec->header) == other) {
            return EEI_DEC_ERR_SCHEME;
        }
        return rc == EEI_DEV_E_UNWRAP ? EEI_DEC_ERR_UNWRAP : EEI_DEC_ERR_POINT;
    default:
        return EEI_DEC_ERR_CRYPTO;
    }
}

/*
 * Payload bytes, with out == in or not overlapping it and room for len + 15: whole blocks go
 * to the cipher, an incomplete block waits in carry, except at the end of the payload.
 */
static eei_dec_err decrypt(eei_dec *dec, const uint8_t *in, size_t len, uint8_t *out,
                           size_t *out_len)
{
    dec->payload_seen += len;
    bool last = dec->payload_seen == dec->header.payload_len;
    size_t done = 0;
    if (dec->carry_len > 0) {
        size_t take = BLOCK - dec->carry_len < len ? BLOCK - dec->carry_len : len;
        memcpy(dec->carry + dec->carry_len, in, take);
        dec->carry_len += take;
        in += take;
        len -= take;
        if (dec->carry_len < BLOCK && !last) {
            return EEI_DEC_OK; /* still no whole block */
        }
        done = dec->carry_len; /* the carried block goes first in out */
    }
    size_t whole = last ? len : len - len % BLOCK;
    uint8_t tail[BLOCK];
    memcpy(tail, in + whole, len - whole); /* before out, which may be in, is written */
    uint8_t *dst = out + done;
    const uint8_t *src = in;
    if (done > 0 && whole > 0 && dst != in) {
        memmove(dst, in, whole); /* behind the carried block, then decrypted in place */
        src = dst;
    }
    int rc = EEI_DEV_OK;
    if (done > 0) {
        rc = eei_dev_gcm_update(dec->gcm, dec->carry, done, out, last && whole == 0);
    }
    if (rc == EEI_DEV_OK && whole > 0) {
        rc = eei_dev_gcm_update(dec->gcm, src, whole, dst, last);
    }
    memcpy(dec->carry, tail, len - whole);
    dec->carry_len = len - whole;
    eei_dev_wipe(tail, sizeof(tail));
    if (rc != EEI_DEV_OK) {
        return fail(dec, EEI_DEC_ERR_CRYPTO);
    }
    *out_len = done + whole;
    return EEI_DEC_OK;
}

/* Kept out of line, so the hot path below saves no registers it does not use. */
static eei_dec_err feed_any(eei_dec *dec, const uint8_t *in, size_t len, uint8_t *out,
                            size_t out_size, size_t *out_len) __attribute__((noinline));

eei_dec_err eei_dec_feed(eei_dec *dec, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
                         size_t *out_len)
{
    /* the hot path: whole blocks of payload in place, not the last chunk */
    if (dec && out_len && in == out && dec->state == STATE_PAYLOAD && dec->carry_len == 0 &&
        len % BLOCK == 0 && len + EEI_DEC_OUT_SLACK <= out_size &&
        len < dec->header.payload_len - dec->payload_seen) {
        dec->payload_seen += len;
        *out_len = len;
        if (eei_dev_gcm_update(dec->gcm, in, len, out, false) == EEI_DEV_OK) {
            return EEI_DEC_OK;
        }
        return fail(dec, EEI_DEC_ERR_CRYPTO);
    }
    return feed_any(dec, in, len, out, out_size, out_len);
}

/* Everything else: header bytes, partial blocks, the last chunk, and every misuse. */
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
        if (dec->header_fill >= sizeof(uint32_t) && eei_le32_get(dec->header_buf) != EEI_MAGIC) {
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
    return decrypt(dec, in, len, out, out_len);
}

eei_dec_err eei_dec_finish(eei_dec *dec)
{
    if (!dec) {
        return EEI_DEC_ERR_ARG;
    }
    if (dec->state == STATE_HEADER) {
        return fail(dec, EEI_DEC_ERR_TRUNCATED);
    }
    if (dec->state != STATE_PAYLOAD) {
        return fail(dec, EEI_DEC_ERR_ARG);
    }
    if (dec->payload_seen != dec->header.payload_len) {
        return fail(dec, EEI_DEC_ERR_TRUNCATED);
    }
    int rc = eei_dev_gcm_finish(dec->gcm, dec->header.tag);
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

uint64_t eei_dec_consumed(const eei_dec *dec)
{
    return dec ? dec->header_fill + dec->payload_seen : 0;
}

eei_dec_err eei_dec_export_pubkey_der(const eei_dec_config *cfg,
                                      uint8_t der[EEI_DEC_PUBKEY_DER_SIZE])
{
    if (!cfg || !der || cfg->kind == EEI_DEC_KEY_RSA_PEM) {
        return EEI_DEC_ERR_ARG;
    }
    if (eei_dev_init() != EEI_DEV_OK) {
        return EEI_DEC_ERR_CRYPTO;
    }
    uint8_t scalar[EEI_P256_SCALAR_SIZE];
    uint8_t point[EEI_ECIES_POINT_SIZE];
    eei_dec_err rc = eei_device_key_scalar(cfg, scalar);
    if (rc == EEI_DEC_OK && eei_dev_p256_public(scalar, point) != EEI_DEV_OK) {
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
