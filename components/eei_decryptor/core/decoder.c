/* The decoder of images (eei_core/decoder.h): header, key, GCM stream, tag. */
#include "eei_core/decoder.h"

#include <string.h>

enum { STATE_IDLE, STATE_HEADER, STATE_PAYLOAD, STATE_DONE, STATE_FAILED };

#define BLOCK EEI_GCM_BLOCK_SIZE

/* Overwrite a secret through a volatile pointer, so the compiler cannot drop the stores. */
static void wipe(void *buf, size_t len)
{
    volatile uint8_t *p = buf;
    while (len-- > 0) {
        *p++ = 0;
    }
}

eei_format_err eei_core_header_judge(const uint8_t *buf, size_t len, uint64_t image_size,
                                     eei_header *h)
{
    if (len >= EEI_HEADER_SIZE) {
        eei_header_decode(buf, len, h);
    }
    if (len < sizeof(uint32_t)) {
        return EEI_FMT_SHORT;
    }
    /* the magic is known at the fourth byte: a stream that is no image stops there */
    if (eei_le32_get(buf + EEI_OFF_MAGIC) != EEI_MAGIC) {
        return EEI_FMT_BAD_MAGIC;
    }
    if (len < EEI_HEADER_SIZE) {
        return EEI_FMT_SHORT;
    }
    return image_size == UINT64_MAX ? EEI_FMT_OK : eei_header_check_size(h, image_size);
}

size_t eei_core_dec_slack(const eei_core_crypto *crypto)
{
    return crypto->gcm_whole_blocks ? BLOCK - 1 : 0;
}

/* Drop every secret and the cipher context; the header stays readable. */
static void release(eei_core_dec *dec)
{
    wipe(dec->carry, sizeof(dec->carry));
    dec->carry_len = 0;
    dec->key = NULL;
    if (dec->gcm) {
        dec->crypto->gcm_free(dec->gcm);
        dec->gcm = NULL;
    }
}

static eei_core_verdict fail(eei_core_dec *dec, eei_core_verdict v)
{
    release(dec);
    dec->state = STATE_FAILED;
    return v;
}

eei_core_verdict eei_core_dec_start(eei_core_dec *dec, const eei_core_crypto *crypto,
                                    eei_scheme scheme, const void *key)
{
    if (!dec) {
        return EEI_CORE_ERR_ARG;
    }
    memset(dec, 0, sizeof(*dec));
    if (!crypto || !key || (scheme != EEI_SCHEME_RSA3072 && scheme != EEI_SCHEME_ECIES_P256)) {
        return EEI_CORE_ERR_ARG;
    }
    dec->crypto = crypto;
    dec->scheme = scheme;
    dec->key = key;
    dec->state = STATE_HEADER;
    return EEI_CORE_OK;
}

/*
 * All 512 header bytes are in: establish the AES key. The key's scheme is the image's, as on
 * the device; what the header looks like only explains a failure.
 */
static eei_core_verdict open_header(eei_core_dec *dec)
{
    const eei_core_crypto *c = dec->crypto;
    bool rsa = dec->scheme == EEI_SCHEME_RSA3072;
    uint8_t aes_key[EEI_AES_KEY_SIZE];
    int rc = rsa ? c->rsa_unwrap(dec->key, dec->header.key_block, aes_key)
                 : c->ecies_derive(dec->key, eei_header_ecies_point(&dec->header),
                                   eei_header_ecies_salt(&dec->header), aes_key);
    dec->key = NULL; /* used once: the caller may drop it */
    if (rc == EEI_CC_OK) {
        rc = c->gcm_start(&dec->gcm, aes_key, dec->header.iv);
    }
    wipe(aes_key, sizeof(aes_key));
    eei_scheme other = rsa ? EEI_SCHEME_ECIES_P256 : EEI_SCHEME_RSA3072;
    switch (rc) {
    case EEI_CC_OK:
        return EEI_CORE_OK;
    case EEI_CC_E_UNWRAP:
    case EEI_CC_E_POINT:
        if (eei_header_scheme(&dec->header) == other) {
            return EEI_CORE_ERR_SCHEME;
        }
        return rc == EEI_CC_E_UNWRAP ? EEI_CORE_ERR_UNWRAP : EEI_CORE_ERR_POINT;
    default:
        return EEI_CORE_ERR_CRYPTO;
    }
}

/*
 * Payload bytes, with out == in or not overlapping it and room for len + the slack. With a
 * crypto of whole blocks, they go to the cipher in whole blocks and an incomplete one waits in
 * carry, except at the end of the payload.
 */
static eei_core_verdict decrypt(eei_core_dec *dec, const uint8_t *in, size_t len, uint8_t *out,
                                size_t *out_len)
{
    const eei_core_crypto *c = dec->crypto;
    dec->payload_seen += len;
    bool last = dec->payload_seen == dec->header.payload_len;
    if (!c->gcm_whole_blocks) {
        if (c->gcm_update(dec->gcm, in, len, out, last) != EEI_CC_OK) {
            return fail(dec, EEI_CORE_ERR_CRYPTO);
        }
        *out_len = len;
        return EEI_CORE_OK;
    }
    size_t done = 0;
    if (dec->carry_len > 0) {
        size_t take = BLOCK - dec->carry_len < len ? BLOCK - dec->carry_len : len;
        memcpy(dec->carry + dec->carry_len, in, take);
        dec->carry_len += take;
        in += take;
        len -= take;
        if (dec->carry_len < BLOCK && !last) {
            return EEI_CORE_OK; /* still no whole block */
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
    int rc = EEI_CC_OK;
    if (done > 0) {
        rc = c->gcm_update(dec->gcm, dec->carry, done, out, last && whole == 0);
    }
    if (rc == EEI_CC_OK && whole > 0) {
        rc = c->gcm_update(dec->gcm, src, whole, dst, last);
    }
    memcpy(dec->carry, tail, len - whole);
    dec->carry_len = len - whole;
    wipe(tail, sizeof(tail));
    if (rc != EEI_CC_OK) {
        return fail(dec, EEI_CORE_ERR_CRYPTO);
    }
    *out_len = done + whole;
    return EEI_CORE_OK;
}

/* Kept out of line, so the hot path below saves no registers it does not use. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static eei_core_verdict
feed_any(eei_core_dec *dec, const uint8_t *in, size_t len, uint8_t *out, size_t out_size,
         size_t *out_len);

eei_core_verdict eei_core_dec_feed(eei_core_dec *dec, const uint8_t *in, size_t len, uint8_t *out,
                                   size_t out_size, size_t *out_len)
{
    /* the hot path: whole blocks of payload in place, not the last chunk */
    if (dec && out_len && in && in == out && dec->state == STATE_PAYLOAD && dec->carry_len == 0 &&
        len % BLOCK == 0 && len <= out_size && out_size - len >= eei_core_dec_slack(dec->crypto) &&
        len < dec->header.payload_len - dec->payload_seen) {
        dec->payload_seen += len;
        *out_len = len;
        if (dec->crypto->gcm_update(dec->gcm, in, len, out, false) == EEI_CC_OK) {
            return EEI_CORE_OK;
        }
        return fail(dec, EEI_CORE_ERR_CRYPTO);
    }
    return feed_any(dec, in, len, out, out_size, out_len);
}

/* Everything else: header bytes, partial blocks, the last chunk, and every misuse. */
static eei_core_verdict feed_any(eei_core_dec *dec, const uint8_t *in, size_t len, uint8_t *out,
                                 size_t out_size, size_t *out_len)
{
    if (!dec || !out_len || (len > 0 && !in)) {
        return EEI_CORE_ERR_ARG;
    }
    *out_len = 0;
    if (dec->state != STATE_HEADER && dec->state != STATE_PAYLOAD) {
        return EEI_CORE_ERR_ARG;
    }
    if (dec->state == STATE_HEADER) {
        size_t take = eei_header_collect(dec->header_buf, &dec->header_fill, in, len);
        in += take;
        len -= take;
        eei_format_err fe =
            eei_core_header_judge(dec->header_buf, dec->header_fill, UINT64_MAX, &dec->header);
        if (fe == EEI_FMT_SHORT) {
            return EEI_CORE_OK; /* more to come */
        }
        eei_core_verdict v = fe == EEI_FMT_OK ? open_header(dec) : EEI_CORE_ERR_MAGIC;
        if (v != EEI_CORE_OK) {
            return fail(dec, v);
        }
        dec->state = STATE_PAYLOAD;
    }
    if (len == 0 || !in) { /* (in is NULL only with len 0) */
        return EEI_CORE_OK;
    }
    if (!out) { /* (header bytes need none) */
        return EEI_CORE_ERR_ARG;
    }
    if (len > dec->header.payload_len - dec->payload_seen) {
        return fail(dec, EEI_CORE_ERR_TRAILING);
    }
    if (out_size < len || out_size - len < eei_core_dec_slack(dec->crypto)) {
        return fail(dec, EEI_CORE_ERR_ARG);
    }
    /* overlapping but not identical buffers (the header ended inside this chunk): shift first */
    if (out != in && out < in + len && in < out + len + eei_core_dec_slack(dec->crypto)) {
        memmove(out, in, len);
        in = out;
    }
    return decrypt(dec, in, len, out, out_len);
}

eei_core_verdict eei_core_dec_finish(eei_core_dec *dec)
{
    if (!dec) {
        return EEI_CORE_ERR_ARG;
    }
    if (dec->state == STATE_HEADER) {
        return fail(dec, EEI_CORE_ERR_SHORT);
    }
    if (dec->state != STATE_PAYLOAD) {
        return fail(dec, EEI_CORE_ERR_ARG);
    }
    if (dec->payload_seen != dec->header.payload_len) {
        return fail(dec, EEI_CORE_ERR_TRUNCATED);
    }
    int rc = dec->crypto->gcm_finish(dec->gcm, dec->header.tag);
    if (rc != EEI_CC_OK) {
        return fail(dec, rc == EEI_CC_E_AUTH ? EEI_CORE_ERR_AUTH : EEI_CORE_ERR_CRYPTO);
    }
    release(dec);
    dec->state = STATE_DONE;
    return EEI_CORE_OK;
}

void eei_core_dec_abort(eei_core_dec *dec)
{
    if (dec) {
        release(dec);
        wipe(dec, sizeof(*dec));
    }
}

bool eei_core_dec_key_done(const eei_core_dec *dec)
{
    return !dec || dec->key == NULL;
}

const eei_header *eei_core_dec_header(const eei_core_dec *dec)
{
    return dec && dec->header_fill == EEI_HEADER_SIZE ? &dec->header : NULL;
}

size_t eei_core_dec_header_bytes(const eei_core_dec *dec, uint8_t header[EEI_HEADER_SIZE])
{
    memcpy(header, dec->header_buf, dec->header_fill);
    return dec->header_fill;
}

uint64_t eei_core_dec_consumed(const eei_core_dec *dec)
{
    return dec ? dec->header_fill + dec->payload_seen : 0;
}
