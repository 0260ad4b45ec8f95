#include "esp_enc_img/secure_cert.h"

#include <string.h>

/* ---- the partition's TLVs ---- */

eei_sc_err eei_sc_tlv_write(uint8_t *out, size_t cap, uint8_t type, uint8_t subtype, uint8_t flags,
                            const uint8_t *value, size_t len, size_t *size)
{
    if (len > EEI_SC_TLV_VALUE_MAX || EEI_SC_TLV_SIZE(len) > cap) {
        return EEI_SC_NO_ROOM;
    }
    size_t padded = EEI_SC_TLV_SIZE(len) - EEI_SC_TLV_HEADER_SIZE - EEI_SC_TLV_FOOTER_SIZE;
    memset(out, 0, EEI_SC_TLV_HEADER_SIZE + padded);
    eei_le32_put(out + EEI_SC_TLV_OFF_MAGIC, EEI_SC_TLV_MAGIC);
    out[EEI_SC_TLV_OFF_FLAGS] = flags;
    out[EEI_SC_TLV_OFF_TYPE] = type;
    out[EEI_SC_TLV_OFF_SUBTYPE] = subtype;
    out[EEI_SC_TLV_OFF_LENGTH] = (uint8_t)len;
    out[EEI_SC_TLV_OFF_LENGTH + 1] = (uint8_t)(len >> 8);
    if (len > 0) {
        memcpy(out + EEI_SC_TLV_HEADER_SIZE, value, len);
    }
    size_t covered = EEI_SC_TLV_HEADER_SIZE + padded;
    eei_le32_put(out + covered, eei_crc32(EEI_SC_TLV_CRC_SEED, out, covered));
    *size = covered + EEI_SC_TLV_FOOTER_SIZE;
    return EEI_SC_OK;
}

/* The header at data, when there is one; the CRC is not looked at. */
static eei_sc_err tlv_header(const uint8_t *data, size_t len, eei_sc_tlv *out)
{
    if (len < EEI_SC_TLV_HEADER_SIZE || eei_le32_get(data) != EEI_SC_TLV_MAGIC) {
        return EEI_SC_END;
    }
    out->flags = data[EEI_SC_TLV_OFF_FLAGS];
    out->type = data[EEI_SC_TLV_OFF_TYPE];
    out->subtype = data[EEI_SC_TLV_OFF_SUBTYPE];
    out->length = (uint16_t)(data[EEI_SC_TLV_OFF_LENGTH] | (data[EEI_SC_TLV_OFF_LENGTH + 1] << 8));
    out->value = data + EEI_SC_TLV_HEADER_SIZE;
    out->size = EEI_SC_TLV_SIZE((size_t)out->length);
    return out->size <= len ? EEI_SC_OK : EEI_SC_TRUNCATED;
}

eei_sc_err eei_sc_tlv_read(const uint8_t *data, size_t len, eei_sc_tlv *out)
{
    eei_sc_err e = tlv_header(data, len, out);
    if (e != EEI_SC_OK) {
        return e;
    }
    size_t covered = out->size - EEI_SC_TLV_FOOTER_SIZE;
    return eei_crc32(EEI_SC_TLV_CRC_SEED, data, covered) == eei_le32_get(data + covered)
               ? EEI_SC_OK
               : EEI_SC_BAD_CRC;
}

eei_sc_err eei_sc_tlv_find(const uint8_t *part, size_t len, uint8_t type, uint8_t subtype,
                           eei_sc_tlv *out)
{
    size_t at = 0;
    for (;;) {
        eei_sc_tlv tlv;
        eei_sc_err e = tlv_header(part + at, len - at, &tlv);
        if (e != EEI_SC_OK) {
            return e;
        }
        if (tlv.type == type && tlv.subtype == subtype) {
            return eei_sc_tlv_read(part + at, len - at, out);
        }
        at += tlv.size;
    }
}

const char *eei_sc_strerror(eei_sc_err err)
{
    switch (err) {
    case EEI_SC_OK:
        return "ok";
    case EEI_SC_END:
        return "no such TLV: the TLVs end before it";
    case EEI_SC_TRUNCATED:
        return "the TLV runs past the end of the partition";
    case EEI_SC_BAD_CRC:
        return "the TLV's CRC does not match: it was altered";
    case EEI_SC_NO_ROOM:
        return "the TLV does not fit";
    }
    return "unknown TLV error";
}

/* ---- the DS peripheral ---- */

/* Chips with the DS peripheral, and chips known to have none (ESP-IDF's SOC_RSA_MAX_BIT_LEN). */
static const eei_ds_chip ds_chips[] = {
    {2, 4096},  /* esp32s2 */
    {9, 4096},  /* esp32s3 */
    {5, 3072},  /* esp32c3 */
    {13, 3072}, /* esp32c6 */
    {16, 3072}, /* esp32h2 */
    {0, 0},     /* esp32 */
    {12, 0},    /* esp32c2 */
    {20, 0},    /* esp32c61 */
};

const eei_ds_chip *eei_ds_chip_at(size_t i)
{
    return i < sizeof(ds_chips) / sizeof(ds_chips[0]) ? &ds_chips[i] : NULL;
}

const eei_ds_chip *eei_ds_chip_find(const char *name)
{
    for (size_t i = 0; i < sizeof(ds_chips) / sizeof(ds_chips[0]); i++) {
        const char *known = eei_app_chip_name(ds_chips[i].chip_id);
        if (known && strcmp(known, name) == 0) {
            return &ds_chips[i];
        }
    }
    return NULL;
}

uint32_t eei_ds_length(unsigned key_bits)
{
    return key_bits / 32u - 1u;
}

void eei_ds_md_tail(uint8_t tail[EEI_DS_MD_TAIL_SIZE], uint32_t mprime, uint32_t length,
                    const uint8_t iv[EEI_DS_IV_SIZE])
{
    eei_le32_put(tail, mprime);
    eei_le32_put(tail + EEI_DS_WORD_SIZE, length);
    memcpy(tail + 2u * EEI_DS_WORD_SIZE, iv, EEI_DS_IV_SIZE);
}

void eei_ds_plain_finish(uint8_t *p, size_t n, const uint8_t md[EEI_DS_MD_SIZE], uint32_t mprime,
                         uint32_t length)
{
    memcpy(p + EEI_DS_P_OFF_MD(n), md, EEI_DS_MD_SIZE);
    eei_le32_put(p + EEI_DS_P_OFF_MPRIME(n), mprime);
    eei_le32_put(p + EEI_DS_P_OFF_LENGTH(n), length);
    memset(p + EEI_DS_P_OFF_PAD(n), EEI_DS_PAD_BYTE, EEI_DS_PAD_SIZE);
}

void eei_ds_data_encode(uint8_t *out, unsigned key_bits, const uint8_t iv[EEI_DS_IV_SIZE],
                        const uint8_t *c, size_t c_len)
{
    eei_le32_put(out + EEI_DS_DATA_OFF_LENGTH, eei_ds_length(key_bits));
    memcpy(out + EEI_DS_DATA_OFF_IV, iv, EEI_DS_IV_SIZE);
    memcpy(out + EEI_DS_DATA_OFF_C, c, c_len);
}

void eei_ds_context_encode(uint8_t out[EEI_DS_CONTEXT_SIZE], uint8_t key_block, uint16_t key_bits)
{
    memset(out, 0, EEI_DS_CONTEXT_SIZE);
    out[EEI_DS_CONTEXT_OFF_KEY_BLOCK] = key_block;
    out[EEI_DS_CONTEXT_OFF_KEY_BITS] = (uint8_t)key_bits;
    out[EEI_DS_CONTEXT_OFF_KEY_BITS + 1] = (uint8_t)(key_bits >> 8);
}

bool eei_ds_context_decode(const uint8_t in[EEI_DS_CONTEXT_SIZE], uint8_t *key_block,
                           uint16_t *key_bits)
{
    *key_block = in[EEI_DS_CONTEXT_OFF_KEY_BLOCK];
    *key_bits =
        (uint16_t)(in[EEI_DS_CONTEXT_OFF_KEY_BITS] | (in[EEI_DS_CONTEXT_OFF_KEY_BITS + 1] << 8));
    return *key_block < EEI_DS_KEY_BLOCKS && *key_bits >= EEI_DS_MIN_KEY_BITS &&
           *key_bits <= EEI_DS_MAX_KEY_BITS && *key_bits % 32u == 0;
}
