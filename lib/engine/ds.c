/* The Digital Signature peripheral: an RSA key's DS data for one chip, in its esp_secure_cert. */
#include "engine/ds.h"

#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "error/error_internal.h"

/* The chip's DS: its table entry and name, or EEI_ERR_USAGE naming those this version knows. */
static eei_status ds_chip(const char *name, unsigned *max_bits, eei_error *err)
{
    const eei_ds_chip *chip = name ? eei_ds_chip_find(name) : NULL;
    if (chip && chip->max_key_bits > 0) {
        *max_bits = chip->max_key_bits;
        return EEI_OK;
    }
    char known[160] = "";
    size_t n = 0;
    const eei_ds_chip *c;
    for (size_t i = 0; (c = eei_ds_chip_at(i)) != NULL; i++) {
        if (c->max_key_bits > 0 && n < sizeof(known)) {
            n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", n ? ", " : "",
                                  eei_app_chip_name(c->chip_id));
        }
    }
    if (chip) {
        return eei_error_set(err, EEI_ERR_USAGE,
                             "the %s has no Digital Signature peripheral (chips with one: %s)",
                             name, known);
    }
    return eei_error_set(err, EEI_ERR_USAGE,
                         "unknown target '%s': the Digital Signature peripheral is known on %s",
                         name ? name : "", known);
}

/* What the DS of chip takes, and what is made here, for a refusal's message. */
static void ds_takes(const char *chip, char *out, size_t size)
{
    const eei_ds_chip *c = chip ? eei_ds_chip_find(chip) : NULL;
    if (c && c->max_key_bits > 0) {
        snprintf(out, size,
                 "the Digital Signature peripheral of the %s takes RSA keys of %u to %u bits, and "
                 "DS data is made here of RSA-3072 private keys only (the images' RSA scheme)",
                 chip, EEI_DS_MIN_KEY_BITS, (unsigned)c->max_key_bits);
    } else {
        snprintf(out, size,
                 "DS data is made here of RSA-3072 private keys only (the images' RSA scheme)");
    }
}

void eei_ds_refuse_kind(const char *chip, eei_error *err)
{
    char *why = strstr(err->msg, ": ");
    if (why) {
        ds_takes(chip, why + 2, sizeof(err->msg) - (size_t)(why + 2 - err->msg));
    }
}

eei_status eei_ds_key_check(const eei_key *key, const char *chip, eei_error *err)
{
    char takes[256];
    ds_takes(chip, takes, sizeof(takes));
    if (eei_crypto_key_from_hmac_key(key)) {
        return eei_error_set(err, EEI_ERR_KEY,
                             "a 32-byte HMAC key, not an RSA key: it is the other input, the key "
                             "the DS data is encrypted for; %s",
                             takes);
    }
    switch (eei_crypto_key_type(key)) {
    case EEI_KEY_RSA3072:
        break;
    case EEI_KEY_P256:
        return eei_error_set(err, EEI_ERR_KEY, "P-256 key: %s", takes);
    case EEI_KEY_P384:
        return eei_error_set(err, EEI_ERR_KEY, "P-384 key: %s", takes);
    }
    if (eei_crypto_key_in_token(key)) {
        return eei_error_set(err, EEI_ERR_KEY,
                             "a key in a PKCS#11 token never leaves it, and the DS data holds "
                             "the private exponent");
    }
    if (!eei_crypto_key_has_private(key)) {
        return eei_error_set(err, EEI_ERR_KEY,
                             "a public key: the DS data holds the private exponent; give the "
                             "RSA-3072 private key");
    }
    return EEI_OK;
}

/*
 * The DS data of key for a chip whose operands are n bytes: out takes EEI_DS_DATA_SIZE(n).
 * *bits: the key's size.
 */
static eei_status ds_data(const eei_key *key, size_t n, const uint8_t hmac_key[EEI_HMAC_KEY_SIZE],
                          const uint8_t *given_iv, uint8_t *out, unsigned *bits, eei_error *err)
{
    uint8_t p[EEI_DS_C_SIZE(EEI_DS_MAX_KEY_BITS / 8u)], c[sizeof(p)];
    uint8_t iv[EEI_DS_IV_SIZE], tail[EEI_DS_MD_TAIL_SIZE], md[EEI_DS_MD_SIZE];
    uint8_t message[EEI_DS_KEY_MESSAGE_SIZE], aes_key[EEI_DS_AES_KEY_SIZE];
    uint32_t mprime = 0;
    eei_sha256 *sha = NULL;
    memset(message, EEI_DS_KEY_MESSAGE_BYTE, sizeof(message));
    eei_status st = eei_crypto_ds_operands(key, n, p + EEI_DS_P_OFF_Y(n), p + EEI_DS_P_OFF_M(n),
                                           p + EEI_DS_P_OFF_RB(n), &mprime, bits, err);
    if (st == EEI_OK && given_iv) {
        memcpy(iv, given_iv, sizeof(iv));
    } else if (st == EEI_OK) {
        st = eei_crypto_random(iv, sizeof(iv), err);
    }
    if (st == EEI_OK) {
        st = eei_crypto_sha256_start(&sha, err);
    }
    if (st == EEI_OK) {
        eei_ds_md_tail(tail, mprime, eei_ds_length(*bits), iv);
        eei_crypto_sha256_update(sha, p, EEI_DS_P_OFF_MD(n));
        eei_crypto_sha256_update(sha, tail, sizeof(tail));
        eei_crypto_sha256_finish(sha, md);
        eei_crypto_sha256_free(sha);
        eei_ds_plain_finish(p, n, md, mprime, eei_ds_length(*bits));
        /* the AES key the HMAC peripheral hands the DS peripheral */
        st = eei_crypto_hmac_sha256(hmac_key, message, sizeof(message), aes_key, err);
    }
    if (st == EEI_OK) {
        st = eei_crypto_aes256_cbc_encrypt(aes_key, iv, p, c, EEI_DS_C_SIZE(n), err);
    }
    if (st == EEI_OK) {
        eei_ds_data_encode(out, *bits, iv, c, EEI_DS_C_SIZE(n));
    }
    eei_crypto_wipe(p, sizeof(p)); /* Y is d */
    eei_crypto_wipe(md, sizeof(md));
    eei_crypto_wipe(aes_key, sizeof(aes_key));
    return st;
}

eei_status eei_ds_chip_max_bits(const char *chip, unsigned *max_bits, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    return ds_chip(chip, max_bits, err);
}

/* The chip, the key, then the DS data: *len its size, *bits the key's. */
static eei_status ds_make(const eei_key *key, const char *chip,
                          const uint8_t hmac_key[EEI_HMAC_KEY_SIZE], const uint8_t *iv,
                          uint8_t out[EEI_DS_DATA_MAX], size_t *len, unsigned *bits, eei_error *err)
{
    unsigned max_bits = 0;
    eei_status st = ds_chip(chip, &max_bits, err);
    if (st == EEI_OK) {
        st = eei_ds_key_check(key, chip, err);
    }
    if (st == EEI_OK) {
        st = ds_data(key, max_bits / 8u, hmac_key, iv, out, bits, err);
    }
    *len = st == EEI_OK ? EEI_DS_DATA_SIZE(max_bits / 8u) : 0;
    return st;
}

eei_status eei_ds_hmac_key_generate(uint8_t hmac_key[EEI_HMAC_KEY_SIZE], eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    return eei_crypto_random(hmac_key, EEI_HMAC_KEY_SIZE, err);
}

eei_status eei_ds_data_make(const eei_key *key, const char *chip,
                            const uint8_t hmac_key[EEI_HMAC_KEY_SIZE], const uint8_t *iv,
                            uint8_t out[EEI_DS_DATA_MAX], size_t *out_len, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    size_t len = 0;
    unsigned bits = 0;
    eei_status st = ds_make(key, chip, hmac_key, iv, out, &len, &bits, err);
    if (out_len) {
        *out_len = len;
    }
    return st;
}

/* Append a TLV to the partition at *at; the partition always has room for the three written. */
static eei_status put_tlv(uint8_t *part, size_t *at, uint8_t type, const uint8_t *value, size_t len,
                          eei_error *err)
{
    size_t size = 0;
    if (eei_sc_tlv_write(part + *at, EEI_SC_PARTITION_SIZE - *at, type, 0, 0, value, len, &size) !=
        EEI_SC_OK) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "the esp_secure_cert partition is too small");
    }
    *at += size;
    return EEI_OK;
}

eei_status eei_ds_secure_cert_make(const eei_key *key, const char *chip,
                                   const uint8_t hmac_key[EEI_HMAC_KEY_SIZE], unsigned key_block,
                                   const uint8_t *iv, uint8_t out[EEI_SC_PARTITION_SIZE],
                                   size_t *used, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    uint8_t data[EEI_DS_DATA_MAX], context[EEI_DS_CONTEXT_SIZE], digest[EEI_SHA256_SIZE];
    size_t data_len = 0, at = 0;
    unsigned bits = 0;
    if (key_block >= EEI_DS_KEY_BLOCKS) {
        eei_fail(err, EEI_ERR_USAGE, "eFuse key block %u: a chip has BLOCK_KEY0 to BLOCK_KEY%u",
                 key_block, EEI_DS_KEY_BLOCKS - 1u);
        return err->status;
    }
    eei_status st = ds_make(key, chip, hmac_key, iv, data, &data_len, &bits, err);
    if (st != EEI_OK) {
        return st;
    }
    memset(out, EEI_SC_ERASED, EEI_SC_PARTITION_SIZE);
    eei_ds_context_encode(context, (uint8_t)key_block, (uint16_t)bits);
    eei_sha256 *sha = NULL;
    st = put_tlv(out, &at, EEI_SC_TLV_DS_DATA, data, data_len, err);
    if (st == EEI_OK) {
        st = put_tlv(out, &at, EEI_SC_TLV_DS_CONTEXT, context, sizeof(context), err);
    }
    if (st == EEI_OK) {
        st = eei_crypto_sha256_start(&sha, err);
    }
    if (st == EEI_OK) {
        eei_crypto_sha256_update(sha, out, at);
        eei_crypto_sha256_finish(sha, digest);
        eei_crypto_sha256_free(sha);
        st = put_tlv(out, &at, EEI_SC_TLV_INTEGRITY, digest, sizeof(digest), err);
    }
    if (st == EEI_OK && used) {
        *used = at;
    }
    return st;
}
