/*
 * Encryption and decryption contexts: an image a piece at a time, over the format module and
 * the crypto interface. They know nothing of files: callers feed bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "error/error_internal.h"

static const char only_signs[] = "a P-384 key only signs: images are encrypted to RSA-3072 or "
                                 "P-256 device keys";

struct eei_encrypt_ctx {
    eei_header header;
    eei_crypto_gcm *gcm;
    uint64_t payload_len;
};

struct eei_decrypt_ctx {
    const eei_key *key;
    uint8_t header_buf[EEI_HEADER_SIZE];
    size_t header_fill;
    bool header_done;
    eei_header header;
    eei_crypto_gcm *gcm;
    uint64_t payload_seen;
};

/* Fresh AES key and IV, the AES key wrapped (RSA) or agreed (ECIES) for device_key. */
static int encrypt_setup(eei_encrypt_ctx *enc, const eei_key *device_key, eei_error *err)
{
    uint8_t aes_key[EEI_AES_KEY_SIZE];
    uint8_t iv[EEI_IV_SIZE];
    int rc = -1;
    if (eei_crypto_random(aes_key, sizeof(aes_key), err) != 0 ||
        eei_crypto_random(iv, sizeof(iv), err) != 0) {
        goto done;
    }
    if (eei_crypto_key_type(device_key) == EEI_KEY_RSA3072) {
        uint8_t wrapped[EEI_RSA_WRAPPED_SIZE];
        if (eei_crypto_rsa_wrap(device_key, aes_key, wrapped, err) != 0) {
            goto done;
        }
        eei_header_init_rsa(&enc->header, wrapped, iv, 0);
    } else {
        uint8_t salt[EEI_ECIES_SALT_SIZE];
        uint8_t point[EEI_ECIES_POINT_SIZE];
        if (eei_crypto_random(salt, sizeof(salt), err) != 0 ||
            eei_crypto_ecies_encap(device_key, salt, point, aes_key, err) != 0) {
            goto done;
        }
        eei_header_init_ecies(&enc->header, point, salt, iv, 0);
    }
    rc = eei_crypto_gcm_start(&enc->gcm, true, aes_key, iv, err);
done:
    eei_crypto_wipe(aes_key, sizeof(aes_key));
    return rc;
}

eei_status eei_encrypt_begin(const eei_key *device_key, eei_encrypt_ctx **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    if (eei_key_scheme(device_key) == EEI_SCHEME_UNKNOWN) {
        eei_fail(err, EEI_ERR_KEY, "%s", only_signs);
        return err->status;
    }
    eei_encrypt_ctx *enc = calloc(1, sizeof(*enc));
    if (!enc) {
        eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        return err->status;
    }
    if (encrypt_setup(enc, device_key, err) != 0) {
        eei_encrypt_free(enc);
        return eei_status_of(-1, err);
    }
    *out = enc;
    return EEI_OK;
}

eei_status eei_encrypt_update(eei_encrypt_ctx *enc, const uint8_t *in, uint8_t *out, size_t len,
                              eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    if (len > EEI_MAX_PAYLOAD - enc->payload_len) {
        eei_fail(err, EEI_ERR_FILE,
                 "input is larger than 4294967295 bytes (4 GiB - 1), the most the format's "
                 "32-bit length field can hold");
        return err->status;
    }
    enc->payload_len += len;
    return eei_status_of(eei_crypto_gcm_update(enc->gcm, in, out, len, err), err);
}

eei_status eei_encrypt_finish(eei_encrypt_ctx *enc, uint8_t header[EEI_HEADER_SIZE], eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    uint8_t tag[EEI_TAG_SIZE];
    if (eei_crypto_gcm_finish_encrypt(enc->gcm, tag, err) != 0) {
        return eei_status_of(-1, err);
    }
    enc->header.payload_len = (uint32_t)enc->payload_len;
    eei_header_set_tag(&enc->header, tag);
    eei_header_encode(&enc->header, header);
    return EEI_OK;
}

uint64_t eei_encrypt_payload_size(const eei_encrypt_ctx *enc)
{
    return enc->payload_len;
}

void eei_encrypt_free(eei_encrypt_ctx *enc)
{
    if (enc) {
        eei_crypto_gcm_free(enc->gcm);
        free(enc);
    }
}

eei_status eei_decrypt_begin(const eei_key *key, eei_decrypt_ctx **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    if (eei_key_scheme(key) == EEI_SCHEME_UNKNOWN) {
        eei_fail(err, EEI_ERR_KEY, "%s", only_signs);
        return err->status;
    }
    if (!eei_crypto_key_has_private(key)) {
        eei_fail(err, EEI_ERR_KEY,
                 "a public key cannot decrypt: give the device's private key or HMAC key");
        return err->status;
    }
    if (eei_crypto_key_in_token(key)) {
        eei_fail(err, EEI_ERR_KEY,
                 "a key in a PKCS#11 token only signs here: give the device's "
                 "private key or HMAC key to decrypt");
        return err->status;
    }
    eei_decrypt_ctx *dec = calloc(1, sizeof(*dec));
    if (!dec) {
        eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        return err->status;
    }
    dec->key = key;
    *out = dec;
    return EEI_OK;
}

static eei_status reject_format(eei_error *err, eei_format_err fe)
{
    eei_fail(err, EEI_ERR_REJECTED, "%s", eei_format_strerror(fe));
    return EEI_ERR_REJECTED;
}

/* The header is complete: check it and set up the cipher with the unwrapped or derived key. */
static int decrypt_open_header(eei_decrypt_ctx *dec, eei_error *err)
{
    eei_format_err fe = eei_header_decode(dec->header_buf, EEI_HEADER_SIZE, &dec->header);
    if (fe != EEI_FMT_OK) {
        reject_format(err, fe);
        return -1;
    }
    /* the key's scheme is the image's, as on the device: the header's look only explains */
    eei_scheme want = eei_key_scheme(dec->key);
    uint8_t aes_key[EEI_AES_KEY_SIZE];
    int rc;
    if (want == EEI_SCHEME_RSA3072) {
        rc = eei_crypto_rsa_unwrap(dec->key, dec->header.key_block, aes_key, err);
    } else {
        rc = eei_crypto_ecies_decap(dec->key, eei_header_ecies_point(&dec->header),
                                    eei_header_ecies_salt(&dec->header), aes_key, err);
    }
    eei_scheme looks = eei_header_scheme(&dec->header);
    if (rc != 0 && err->status == EEI_ERR_REJECTED && looks != want &&
        looks != EEI_SCHEME_UNKNOWN) {
        eei_fail(err, EEI_ERR_REJECTED,
                 "wrong key for this image: it looks like an %s image and the key is for %s",
                 eei_scheme_name(looks), eei_scheme_name(want));
    }
    if (rc == 0) {
        rc = eei_crypto_gcm_start(&dec->gcm, false, aes_key, dec->header.iv, err);
    }
    eei_crypto_wipe(aes_key, sizeof(aes_key));
    dec->header_done = rc == 0;
    return rc;
}

eei_status eei_decrypt_update(eei_decrypt_ctx *dec, const uint8_t *in, size_t len, uint8_t *out,
                              size_t *out_len, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out_len = 0;
    size_t shift = 0; /* in place, with the header's end in this piece: plaintext lands after it */
    if (!dec->header_done) {
        size_t take = eei_header_collect(dec->header_buf, &dec->header_fill, in, len);
        shift = in == out ? take : 0;
        in += take;
        len -= take;
        if (dec->header_fill < EEI_HEADER_SIZE) {
            return EEI_OK;
        }
        if (decrypt_open_header(dec, err) != 0) {
            return eei_status_of(-1, err);
        }
    }
    if (len > dec->header.payload_len - dec->payload_seen) {
        return reject_format(err, EEI_FMT_TRAILING);
    }
    /* the cipher works on the same bytes or separate ones, never on overlapping ones */
    if (eei_crypto_gcm_update(dec->gcm, in, out + shift, len, err) != 0) {
        return eei_status_of(-1, err);
    }
    if (shift > 0) {
        memmove(out, out + shift, len);
    }
    dec->payload_seen += len;
    *out_len = len;
    return EEI_OK;
}

eei_status eei_decrypt_finish(eei_decrypt_ctx *dec, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    if (!dec->header_done) {
        return reject_format(err, EEI_FMT_SHORT);
    }
    if (dec->payload_seen != dec->header.payload_len) {
        return reject_format(err, EEI_FMT_TRUNCATED);
    }
    return eei_status_of(eei_crypto_gcm_finish_decrypt(dec->gcm, dec->header.tag, err), err);
}

size_t eei_decrypt_header(const eei_decrypt_ctx *dec, uint8_t header[EEI_HEADER_SIZE])
{
    memcpy(header, dec->header_buf, dec->header_fill);
    return dec->header_fill;
}

void eei_decrypt_free(eei_decrypt_ctx *dec)
{
    if (dec) {
        eei_crypto_gcm_free(dec->gcm);
        eei_crypto_wipe(dec, sizeof(*dec));
        free(dec);
    }
}
