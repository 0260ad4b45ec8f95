/*
 * Encryption and decryption contexts: an image a piece at a time. Encryption over the format
 * module and the crypto interface; decryption is the shared decoder (eei_core/decoder.h, the
 * device's too) over OpenSSL, with the library's words for its verdicts. They know nothing of
 * files: callers feed bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eei_core/decoder.h"
#include "error/error_internal.h"

static const char only_signs[] = "a P-384 key only signs: images are encrypted to RSA-3072 or "
                                 "P-256 device keys";

struct eei_encrypt_ctx {
    eei_header header;
    eei_crypto_gcm *gcm;
    uint64_t payload_len;
};

struct eei_decrypt_ctx {
    eei_core_dec core;
};

/* Fresh AES key and IV, the AES key wrapped (RSA) or agreed (ECIES) for device_key. */
static eei_status encrypt_setup(eei_encrypt_ctx *enc, const eei_key *device_key, eei_error *err)
{
    uint8_t aes_key[EEI_AES_KEY_SIZE];
    uint8_t iv[EEI_IV_SIZE];
    eei_status st = eei_crypto_random(aes_key, sizeof(aes_key), err);
    if (st == EEI_OK) {
        st = eei_crypto_random(iv, sizeof(iv), err);
    }
    if (st != EEI_OK) {
        goto done;
    }
    if (eei_crypto_key_type(device_key) == EEI_KEY_RSA3072) {
        uint8_t wrapped[EEI_RSA_WRAPPED_SIZE];
        st = eei_crypto_rsa_wrap(device_key, aes_key, wrapped, err);
        if (st != EEI_OK) {
            goto done;
        }
        eei_header_init_rsa(&enc->header, wrapped, iv, 0);
    } else {
        uint8_t salt[EEI_ECIES_SALT_SIZE];
        uint8_t point[EEI_ECIES_POINT_SIZE];
        st = eei_crypto_random(salt, sizeof(salt), err);
        if (st == EEI_OK) {
            st = eei_crypto_ecies_encap(device_key, salt, point, aes_key, err);
        }
        if (st != EEI_OK) {
            goto done;
        }
        eei_header_init_ecies(&enc->header, point, salt, iv, 0);
    }
    st = eei_crypto_gcm_start(&enc->gcm, true, aes_key, iv, err);
done:
    eei_crypto_wipe(aes_key, sizeof(aes_key));
    return st;
}

eei_status eei_encrypt_new(const eei_key *device_key, eei_encrypt_ctx **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    if (eei_key_get_scheme(device_key) == EEI_SCHEME_UNKNOWN) {
        eei_fail(err, EEI_ERR_KEY, "%s", only_signs);
        return err->status;
    }
    eei_encrypt_ctx *enc = calloc(1, sizeof(*enc));
    if (!enc) {
        eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        return err->status;
    }
    eei_status st = encrypt_setup(enc, device_key, err);
    if (st != EEI_OK) {
        eei_encrypt_free(enc);
        return st;
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
    return eei_crypto_gcm_update(enc->gcm, in, out, len, err);
}

eei_status eei_encrypt_final(eei_encrypt_ctx *enc, uint8_t header[EEI_HEADER_SIZE], eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    uint8_t tag[EEI_TAG_SIZE];
    eei_status st = eei_crypto_gcm_finish_encrypt(enc->gcm, tag, err);
    if (st != EEI_OK) {
        return st;
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

eei_status eei_decrypt_new(const eei_key *key, eei_decrypt_ctx **out, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out = NULL;
    if (eei_key_get_scheme(key) == EEI_SCHEME_UNKNOWN) {
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
    eei_core_dec_start(&dec->core, &eei_core_crypto_openssl, eei_key_get_scheme(key), key);
    *out = dec;
    return EEI_OK;
}

/* A verdict of the decoder in the library's words. */
static eei_status verdict(const eei_decrypt_ctx *dec, eei_core_verdict v, eei_error *err)
{
    eei_scheme want = dec->core.scheme;
    eei_scheme looks = want == EEI_SCHEME_RSA3072 ? EEI_SCHEME_ECIES_P256 : EEI_SCHEME_RSA3072;
    eei_status status = EEI_ERR_REJECTED;
    const char *why = NULL;
    switch (v) {
    case EEI_CORE_OK:
        return EEI_OK;
    case EEI_CORE_ERR_SHORT:
        why = eei_format_strerror(EEI_FMT_SHORT);
        break;
    case EEI_CORE_ERR_MAGIC:
        why = eei_format_strerror(EEI_FMT_BAD_MAGIC);
        break;
    case EEI_CORE_ERR_TRAILING:
        why = eei_format_strerror(EEI_FMT_TRAILING);
        break;
    case EEI_CORE_ERR_TRUNCATED:
        why = eei_format_strerror(EEI_FMT_TRUNCATED);
        break;
    case EEI_CORE_ERR_SCHEME:
        eei_fail(err, EEI_ERR_REJECTED,
                 "wrong key for this image: it looks like an %s image and the key is for %s",
                 eei_scheme_name(looks), eei_scheme_name(want));
        return err->status;
    case EEI_CORE_ERR_UNWRAP:
        why = "cannot unwrap the AES key: wrong RSA key, or the key block was altered";
        break;
    case EEI_CORE_ERR_POINT:
        why = "the server public key in the header is not a point on P-256";
        break;
    case EEI_CORE_ERR_AUTH:
        why = "authentication failed: the tag does not match (wrong key, or the image was "
              "altered)";
        break;
    case EEI_CORE_ERR_CRYPTO: /* before any payload: the key's establishment */
        status = EEI_ERR_SYSTEM;
        why = dec->core.payload_seen > 0      ? "AES-256-GCM failed"
              : want == EEI_SCHEME_ECIES_P256 ? "ECDH/HKDF key derivation failed"
                                              : "cannot set up AES-256-GCM";
        break;
    case EEI_CORE_ERR_ARG:
        status = EEI_ERR_USAGE;
        why = "nothing can be fed to this decryption: it has already ended, or an argument is "
              "NULL";
        break;
    }
    eei_fail(err, status, "%s", why);
    return err->status;
}

eei_status eei_decrypt_update(eei_decrypt_ctx *dec, const uint8_t *in, size_t len, uint8_t *out,
                              size_t *out_len, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    /* plaintext is never longer than what comes in: OpenSSL holds no block back */
    return verdict(dec, eei_core_dec_feed(&dec->core, in, len, out, len, out_len), err);
}

eei_status eei_decrypt_final(eei_decrypt_ctx *dec, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    return verdict(dec, eei_core_dec_finish(&dec->core), err);
}

size_t eei_decrypt_header(const eei_decrypt_ctx *dec, uint8_t header[EEI_HEADER_SIZE])
{
    return eei_core_dec_header_bytes(&dec->core, header);
}

void eei_decrypt_free(eei_decrypt_ctx *dec)
{
    if (dec) {
        eei_core_dec_abort(&dec->core); /* wipes it */
        free(dec);
    }
}
