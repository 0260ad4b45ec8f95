#include "eei_ds_key.h"

#include <stdlib.h>
#include <string.h>

#include "eei_dev_crypto.h"
#include "soc/soc_caps.h"

#if SOC_DIG_SIGN_SUPPORTED
#include "esp_ds.h"
#include "esp_efuse.h"
#include "esp_log.h"
#include "esp_partition.h"
#include "esp_enc_img/secure_cert.h"

static const char *TAG = "eei_ds";

#define KEY_BITS (8u * EEI_RSA_WRAPPED_SIZE)

/* The partition's DS data is the driver's struct as the chip lays it out in memory. */
_Static_assert(sizeof(esp_ds_data_t) == EEI_DS_DATA_SIZE(SOC_RSA_MAX_BIT_LEN / 8u),
               "esp_ds_data_t is the DS data TLV's value");

struct eei_ds_key {
    esp_ds_data_t data;
    hmac_key_id_t key_id;
};

void eei_ds_key_free(eei_ds_key *key)
{
    if (key) {
        eei_dev_wipe(key, sizeof(*key)); /* encrypted, but only this chip's business */
        free(key);
    }
}

/* The TLV of type in the partition's bytes: false (logged) when it is missing or altered. */
static bool find_tlv(const uint8_t *part, size_t len, uint8_t type, size_t value_len,
                     const char *what, eei_sc_tlv *tlv)
{
    eei_sc_err e = eei_sc_tlv_find(part, len, type, 0, tlv);
    if (e != EEI_SC_OK) {
        ESP_LOGE(TAG, "%s partition: its %s: %s", EEI_SC_PARTITION_NAME, what, eei_sc_strerror(e));
        return false;
    }
    if (tlv->length != value_len) {
        ESP_LOGE(TAG, "%s partition: its %s is %u bytes, not %u", EEI_SC_PARTITION_NAME, what,
                 (unsigned)tlv->length, (unsigned)value_len);
        return false;
    }
    return true;
}

/* The DS context and data of the partition's bytes into key. */
static eei_dec_err parse_partition(const uint8_t *part, size_t len, eei_ds_key *key)
{
    eei_sc_tlv ctx, data;
    uint8_t block;
    uint16_t bits;
    if (!find_tlv(part, len, EEI_SC_TLV_DS_CONTEXT, EEI_DS_CONTEXT_SIZE, "DS context", &ctx) ||
        !find_tlv(part, len, EEI_SC_TLV_DS_DATA, sizeof(key->data), "DS data", &data)) {
        return EEI_DEC_ERR_DS_DATA;
    }
    if (!eei_ds_context_decode(ctx.value, &block, &bits) || bits != KEY_BITS) {
        ESP_LOGE(TAG,
                 "%s partition: its DS context names key block %u and a %u-bit key, not an "
                 "RSA-3072 key in BLOCK_KEY0-5",
                 EEI_SC_PARTITION_NAME, (unsigned)block, (unsigned)bits);
        return EEI_DEC_ERR_DS_DATA;
    }
    memcpy(&key->data, data.value, sizeof(key->data));
    if ((uint32_t)key->data.rsa_length != eei_ds_length(KEY_BITS)) {
        ESP_LOGE(TAG, "%s partition: its DS data is not for an RSA-3072 key",
                 EEI_SC_PARTITION_NAME);
        return EEI_DEC_ERR_DS_DATA;
    }
    key->key_id = (hmac_key_id_t)(HMAC_KEY0 + block);
    /* HMAC_DOWN_ALL serves the DS peripheral too; any other purpose makes the HMAC refuse */
    esp_efuse_purpose_t purpose =
        esp_efuse_get_key_purpose((esp_efuse_block_t)(EFUSE_BLK_KEY0 + block));
    if (purpose != ESP_EFUSE_KEY_PURPOSE_HMAC_DOWN_DIGITAL_SIGNATURE &&
        purpose != ESP_EFUSE_KEY_PURPOSE_HMAC_DOWN_ALL) {
        ESP_LOGE(TAG, "eFuse BLOCK_KEY%u: purpose %d, not %s", (unsigned)block, (int)purpose,
                 EEI_DS_KEY_PURPOSE_NAME);
        return EEI_DEC_ERR_EFUSE;
    }
    return EEI_DEC_OK;
}

/* out = in^d mod n by the peripheral; both little-endian, as the driver takes them. */
static esp_err_t ds_compute(const eei_ds_key *key, const uint8_t in[EEI_RSA_WRAPPED_SIZE],
                            uint8_t out[EEI_RSA_WRAPPED_SIZE])
{
    esp_ds_context_t *ctx = NULL;
    esp_err_t err = esp_ds_start_sign(in, &key->data, key->key_id, &ctx);
    return err == ESP_OK ? esp_ds_finish_sign(out, ctx) : err;
}

/* What a failed operation says of the key, for the log and the caller. */
static eei_dec_err ds_failure(esp_err_t err)
{
    switch (err) {
    case ESP_ERR_HW_CRYPTO_DS_HMAC_FAIL:
    case ESP_ERR_HW_CRYPTO_DS_INVALID_KEY:
    case ESP_ERR_HW_CRYPTO_DS_INVALID_DIGEST:
        ESP_LOGE(TAG,
                 "the DS peripheral refuses the key (%s): the eFuse HMAC key is not the one "
                 "the DS data was made for",
                 esp_err_to_name(err));
        return EEI_DEC_ERR_DS_KEY;
    case ESP_ERR_HW_CRYPTO_DS_INVALID_PADDING:
        ESP_LOGE(TAG, "the DS data decrypts with a wrong padding: it is corrupt");
        return EEI_DEC_ERR_DS_DATA;
    default:
        ESP_LOGE(TAG, "the DS peripheral failed: %s", esp_err_to_name(err));
        return EEI_DEC_ERR_CRYPTO;
    }
}

eei_dec_err eei_ds_key_load(eei_ds_key **out)
{
    *out = NULL;
    const esp_partition_t *p =
        esp_partition_find_first((esp_partition_type_t)EEI_SC_PARTITION_TYPE,
                                 ESP_PARTITION_SUBTYPE_ANY, EEI_SC_PARTITION_NAME);
    if (!p) {
        ESP_LOGE(TAG, "no %s partition (type 0x%02x) in the partition table", EEI_SC_PARTITION_NAME,
                 (unsigned)EEI_SC_PARTITION_TYPE);
        return EEI_DEC_ERR_DS_PARTITION;
    }
    size_t len = p->size < EEI_SC_PARTITION_SIZE ? p->size : EEI_SC_PARTITION_SIZE;
    uint8_t *part = malloc(len);
    eei_ds_key *key = calloc(1, sizeof(*key));
    eei_dec_err rc = part && key ? EEI_DEC_OK : EEI_DEC_ERR_CRYPTO;
    if (rc == EEI_DEC_OK && esp_partition_read(p, 0, part, len) != ESP_OK) {
        ESP_LOGE(TAG, "cannot read the %s partition", EEI_SC_PARTITION_NAME);
        rc = EEI_DEC_ERR_DS_PARTITION;
    }
    if (rc == EEI_DEC_OK) {
        rc = parse_partition(part, len, key);
    }
    if (rc == EEI_DEC_OK) {
        /* 2^d mod n: any operand shows whether the peripheral accepts the key */
        uint8_t probe[EEI_RSA_WRAPPED_SIZE] = {2}, result[EEI_RSA_WRAPPED_SIZE];
        esp_err_t err = ds_compute(key, probe, result);
        eei_dev_wipe(result, sizeof(result));
        rc = err == ESP_OK ? EEI_DEC_OK : ds_failure(err);
    }
    free(part);
    if (rc != EEI_DEC_OK) {
        eei_ds_key_free(key);
        return rc;
    }
    *out = key;
    return EEI_DEC_OK;
}

int eei_ds_unwrap(const void *key, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                  uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    uint8_t in[EEI_RSA_WRAPPED_SIZE], out[EEI_RSA_WRAPPED_SIZE], em[EEI_RSA_WRAPPED_SIZE];
    eei_dev_reversed(wrapped, in, sizeof(in)); /* the peripheral's operands are little-endian */
    esp_err_t err = ds_compute(key, in, out);
    int rc = EEI_CC_E_CRYPTO;
    if (err == ESP_OK) {
        eei_dev_reversed(out, em, sizeof(em));
        rc = eei_dev_pkcs1_v15_key(em, aes_key);
    } else {
        (void)ds_failure(err);
    }
    eei_dev_wipe(out, sizeof(out));
    eei_dev_wipe(em, sizeof(em));
    return rc;
}

#else /* !SOC_DIG_SIGN_SUPPORTED */

eei_dec_err eei_ds_key_load(eei_ds_key **key)
{
    *key = NULL;
    return EEI_DEC_ERR_ARG; /* no DS peripheral on this chip */
}

void eei_ds_key_free(eei_ds_key *key)
{
    (void)key;
}

int eei_ds_unwrap(const void *key, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                  uint8_t aes_key[EEI_AES_KEY_SIZE])
{
    (void)key;
    (void)wrapped;
    (void)aes_key;
    return EEI_CC_E_KEY;
}

#endif
