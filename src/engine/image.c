#include "engine/image.h"

#include <string.h>

int eei_encrypt_start(eei_encryptor *enc, const eei_key *device_key, eei_error *err)
{
    uint8_t aes_key[EEI_AES_KEY_SIZE];
    uint8_t iv[EEI_IV_SIZE];
    int rc = -1;

    memset(enc, 0, sizeof(*enc));
    if (crypto_random(aes_key, sizeof(aes_key), err) != 0 ||
        crypto_random(iv, sizeof(iv), err) != 0) {
        goto done;
    }
    if (crypto_key_type(device_key) == EEI_KEY_RSA3072) {
        uint8_t wrapped[EEI_RSA_WRAPPED_SIZE];
        if (crypto_rsa_wrap(device_key, aes_key, wrapped, err) != 0) {
            goto done;
        }
        eei_header_init_rsa(&enc->header, wrapped, iv, 0);
    } else {
        uint8_t salt[EEI_ECIES_SALT_SIZE];
        uint8_t point[EEI_ECIES_POINT_SIZE];
        if (crypto_random(salt, sizeof(salt), err) != 0 ||
            crypto_ecies_encap(device_key, salt, point, aes_key, err) != 0) {
            goto done;
        }
        eei_header_init_ecies(&enc->header, point, salt, iv, 0);
    }
    rc = crypto_gcm_start(&enc->gcm, true, aes_key, iv, err);
done:
    crypto_wipe(aes_key, sizeof(aes_key));
    return rc;
}

int eei_encrypt_update(eei_encryptor *enc, const uint8_t *in, uint8_t *out, size_t len,
                       eei_error *err)
{
    if (len > EEI_MAX_PAYLOAD - enc->payload_len) {
        return eei_fail(err, EEI_ERR_FILE,
                        "input is larger than 4294967295 bytes (4 GiB - 1), the most the "
                        "format's 32-bit length field can hold");
    }
    enc->payload_len += len;
    return crypto_gcm_update(enc->gcm, in, out, len, err);
}

int eei_encrypt_finish(eei_encryptor *enc, uint8_t header[EEI_HEADER_SIZE], eei_error *err)
{
    uint8_t tag[EEI_TAG_SIZE];
    if (crypto_gcm_finish_encrypt(enc->gcm, tag, err) != 0) {
        return -1;
    }
    enc->header.payload_len = (uint32_t)enc->payload_len;
    eei_header_set_tag(&enc->header, tag);
    eei_header_encode(&enc->header, header);
    return 0;
}

void eei_encrypt_end(eei_encryptor *enc)
{
    crypto_gcm_free(enc->gcm);
    enc->gcm = NULL;
}

int eei_decrypt_start(eei_decryptor *dec, const eei_key *key, eei_error *err)
{
    memset(dec, 0, sizeof(*dec));
    if (!crypto_key_has_private(key)) {
        return eei_fail(err, EEI_ERR_KEY,
                        "a public key cannot decrypt: give the device's private key or HMAC key");
    }
    dec->key = key;
    return 0;
}

static int reject_format(eei_error *err, eei_format_err fe)
{
    return eei_fail(err, EEI_ERR_REJECTED, "%s", eei_format_strerror(fe));
}

/* The header is complete: check it and set up the cipher with the unwrapped or derived key. */
static int decrypt_open_header(eei_decryptor *dec, eei_error *err)
{
    eei_format_err fe = eei_header_decode(dec->header_buf, EEI_HEADER_SIZE, &dec->header);
    if (fe != EEI_FMT_OK) {
        return reject_format(err, fe);
    }
    /* the key's scheme is the image's, as on the device: the header's look only explains */
    eei_scheme want = crypto_key_scheme(dec->key);
    uint8_t aes_key[EEI_AES_KEY_SIZE];
    int rc;
    if (want == EEI_SCHEME_RSA3072) {
        rc = crypto_rsa_unwrap(dec->key, dec->header.key_block, aes_key, err);
    } else {
        rc = crypto_ecies_decap(dec->key, eei_header_ecies_point(&dec->header),
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
        rc = crypto_gcm_start(&dec->gcm, false, aes_key, dec->header.iv, err);
    }
    crypto_wipe(aes_key, sizeof(aes_key));
    dec->header_done = rc == 0;
    return rc;
}

int eei_decrypt_update(eei_decryptor *dec, const uint8_t *in, size_t len, uint8_t *out,
                       size_t *out_len, eei_error *err)
{
    *out_len = 0;
    if (!dec->header_done) {
        size_t take = eei_header_collect(dec->header_buf, &dec->header_fill, in, len);
        in += take;
        len -= take;
        if (dec->header_fill < EEI_HEADER_SIZE) {
            return 0;
        }
        if (decrypt_open_header(dec, err) != 0) {
            return -1;
        }
    }
    if (len > dec->header.payload_len - dec->payload_seen) {
        return reject_format(err, EEI_FMT_TRAILING);
    }
    if (crypto_gcm_update(dec->gcm, in, out, len, err) != 0) {
        return -1;
    }
    dec->payload_seen += len;
    *out_len = len;
    return 0;
}

int eei_decrypt_finish(eei_decryptor *dec, eei_error *err)
{
    if (!dec->header_done) {
        return reject_format(err, EEI_FMT_SHORT);
    }
    if (dec->payload_seen != dec->header.payload_len) {
        return reject_format(err, EEI_FMT_TRUNCATED);
    }
    return crypto_gcm_finish_decrypt(dec->gcm, dec->header.tag, err);
}

void eei_decrypt_end(eei_decryptor *dec)
{
    crypto_gcm_free(dec->gcm);
    dec->gcm = NULL;
    crypto_wipe(dec->header_buf, sizeof(dec->header_buf));
}
