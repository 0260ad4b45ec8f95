#include "esp_enc_img/format.h"

#include <string.h>

/* P-256 field prime p = 2^256 - 2^224 + 2^192 + 2^96 - 1, big-endian. */
static const uint8_t p256_prime[EEI_ECIES_COORD_SIZE] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

const uint8_t eei_pbkdf2_salt[EEI_PBKDF2_SALT_SIZE] = {
    0x0e, 0x21, 0x60, 0x64, 0x2d, 0xae, 0x76, 0xd3, 0x34, 0x48, 0xe4, 0x3d, 0x77, 0x20, 0x12, 0x3d,
    0x9f, 0x3b, 0x1e, 0xce, 0xb8, 0x8e, 0x57, 0x3a, 0x4e, 0x8f, 0x7f, 0xb9, 0x4f, 0xf0, 0xc8, 0x69,
};

uint32_t eei_le32_get(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void eei_le32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void eei_header_encode(const eei_header *h, uint8_t out[EEI_HEADER_SIZE])
{
    eei_le32_put(out + EEI_OFF_MAGIC, h->magic);
    memcpy(out + EEI_OFF_KEY_BLOCK, h->key_block, EEI_KEY_BLOCK_SIZE);
    memcpy(out + EEI_OFF_IV, h->iv, EEI_IV_SIZE);
    eei_le32_put(out + EEI_OFF_PAYLOAD_LEN, h->payload_len);
    memcpy(out + EEI_OFF_TAG, h->tag, EEI_TAG_SIZE);
    memcpy(out + EEI_OFF_RESERVED, h->reserved, EEI_RESERVED_SIZE);
}

eei_format_err eei_header_decode(const uint8_t *buf, size_t len, eei_header *h)
{
    if (len < EEI_HEADER_SIZE) {
        return EEI_FMT_SHORT;
    }
    h->magic = eei_le32_get(buf + EEI_OFF_MAGIC);
    memcpy(h->key_block, buf + EEI_OFF_KEY_BLOCK, EEI_KEY_BLOCK_SIZE);
    memcpy(h->iv, buf + EEI_OFF_IV, EEI_IV_SIZE);
    h->payload_len = eei_le32_get(buf + EEI_OFF_PAYLOAD_LEN);
    memcpy(h->tag, buf + EEI_OFF_TAG, EEI_TAG_SIZE);
    memcpy(h->reserved, buf + EEI_OFF_RESERVED, EEI_RESERVED_SIZE);
    return h->magic == EEI_MAGIC ? EEI_FMT_OK : EEI_FMT_BAD_MAGIC;
}

size_t eei_header_collect(uint8_t buf[EEI_HEADER_SIZE], size_t *fill, const uint8_t *in, size_t len)
{
    size_t take = EEI_HEADER_SIZE - *fill;
    take = take < len ? take : len;
    memcpy(buf + *fill, in, take);
    *fill += take;
    return take;
}

static void header_init(eei_header *h, const uint8_t iv[EEI_IV_SIZE], uint32_t payload_len)
{
    memset(h, 0, sizeof(*h));
    h->magic = EEI_MAGIC;
    memcpy(h->iv, iv, EEI_IV_SIZE);
    h->payload_len = payload_len;
}

void eei_header_init_rsa(eei_header *h, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                         const uint8_t iv[EEI_IV_SIZE], uint32_t payload_len)
{
    header_init(h, iv, payload_len);
    memcpy(h->key_block, wrapped, EEI_RSA_WRAPPED_SIZE);
}

void eei_header_init_ecies(eei_header *h, const uint8_t point[EEI_ECIES_POINT_SIZE],
                           const uint8_t salt[EEI_ECIES_SALT_SIZE], const uint8_t iv[EEI_IV_SIZE],
                           uint32_t payload_len)
{
    header_init(h, iv, payload_len);
    memcpy(h->key_block, point, EEI_ECIES_POINT_SIZE);
    memcpy(h->key_block + EEI_ECIES_POINT_SIZE, salt, EEI_ECIES_SALT_SIZE);
}

void eei_header_set_tag(eei_header *h, const uint8_t tag[EEI_TAG_SIZE])
{
    memcpy(h->tag, tag, EEI_TAG_SIZE);
}

const uint8_t *eei_header_ecies_point(const eei_header *h)
{
    return h->key_block;
}

const uint8_t *eei_header_ecies_salt(const eei_header *h)
{
    return h->key_block + EEI_ECIES_POINT_SIZE;
}

/* Big-endian a < b over n bytes. */
static bool be_less(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return a[i] < b[i];
        }
    }
    return false;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

bool eei_p256_point_plausible(const uint8_t point[EEI_ECIES_POINT_SIZE])
{
    const uint8_t *x = point;
    const uint8_t *y = point + EEI_ECIES_COORD_SIZE;
    return be_less(x, p256_prime, EEI_ECIES_COORD_SIZE) &&
           be_less(y, p256_prime, EEI_ECIES_COORD_SIZE) && !all_zero(point, EEI_ECIES_POINT_SIZE);
}

eei_scheme eei_header_scheme(const eei_header *h)
{
    if (h->magic != EEI_MAGIC) {
        return EEI_SCHEME_UNKNOWN;
    }
    const uint8_t *tail = h->key_block + EEI_ECIES_POINT_SIZE + EEI_ECIES_SALT_SIZE;
    if (!all_zero(tail, EEI_ECIES_ZERO_SIZE)) {
        return EEI_SCHEME_RSA3072;
    }
    /* 288 zero bytes are no RSA ciphertext; without a plausible point it is neither */
    return eei_p256_point_plausible(h->key_block) ? EEI_SCHEME_ECIES_P256 : EEI_SCHEME_UNKNOWN;
}

eei_format_err eei_header_check_size(const eei_header *h, uint64_t image_size)
{
    if (image_size < EEI_HEADER_SIZE) {
        return EEI_FMT_SHORT;
    }
    uint64_t expected = (uint64_t)EEI_HEADER_SIZE + h->payload_len;
    if (image_size < expected) {
        return EEI_FMT_TRUNCATED;
    }
    return image_size > expected ? EEI_FMT_TRAILING : EEI_FMT_OK;
}

eei_format_err eei_header_check_scheme(const eei_header *h, eei_scheme scheme)
{
    if (h->magic != EEI_MAGIC) {
        return EEI_FMT_BAD_MAGIC;
    }
    return eei_header_scheme(h) == scheme ? EEI_FMT_OK : EEI_FMT_SCHEME_MISMATCH;
}

bool eei_header_reserved_clear(const eei_header *h)
{
    return all_zero(h->reserved, EEI_RESERVED_SIZE);
}

static void desc_text(const uint8_t *field, char out[EEI_APP_DESC_TEXT_SIZE + 1])
{
    size_t n = 0;
    while (n < EEI_APP_DESC_TEXT_SIZE && field[n] != 0) {
        out[n] = (char)field[n];
        n++;
    }
    out[n] = '\0';
}

bool eei_app_head_parse(const uint8_t head[EEI_APP_HEAD_SIZE], eei_app_head *out)
{
    const uint8_t *desc = head + EEI_APP_DESC_OFFSET;
    if (head[0] != EEI_APP_MAGIC || eei_le32_get(desc) != EEI_APP_DESC_MAGIC) {
        return false;
    }
    out->chip_id = (uint16_t)(head[EEI_APP_OFF_CHIP_ID] | head[EEI_APP_OFF_CHIP_ID + 1] << 8);
    out->secure_version = eei_le32_get(desc + EEI_APP_DESC_OFF_SECURE_VERSION);
    desc_text(desc + EEI_APP_DESC_OFF_VERSION, out->version);
    desc_text(desc + EEI_APP_DESC_OFF_PROJECT, out->project);
    return true;
}

/* ---- Secure Boot V2 signature blocks ---- */

uint32_t eei_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

uint64_t eei_sb_padded_size(uint64_t app_len)
{
    return (app_len + EEI_SB_SECTOR_SIZE - 1) / EEI_SB_SECTOR_SIZE * EEI_SB_SECTOR_SIZE;
}

void eei_sb_block_seal(uint8_t block[EEI_SB_BLOCK_SIZE])
{
    eei_le32_put(block + EEI_SB_CRC_SPAN, eei_crc32(0, block, EEI_SB_CRC_SPAN));
    memset(block + EEI_SB_CRC_SPAN + 4, 0, EEI_SB_BLOCK_SIZE - EEI_SB_CRC_SPAN - 4);
}

eei_sb_err eei_sb_block_parse(const uint8_t block[EEI_SB_BLOCK_SIZE], eei_sb_block *out)
{
    memset(out, 0, sizeof(*out));
    if (block[0] != EEI_SB_MAGIC) {
        return block[0] == EEI_SB_PAD || block[0] == 0 ? EEI_SB_EMPTY : EEI_SB_BAD_MAGIC;
    }
    out->version = block[1];
    out->digest = block + EEI_SB_OFF_DIGEST;
    if (out->version == EEI_SB_VERSION_RSA) {
        out->digest_len = 32;
        out->key = block + EEI_SB_RSA_OFF_KEY;
        out->key_len = EEI_SB_RSA_KEY_SIZE;
        out->sig = block + EEI_SB_RSA_OFF_SIG;
        out->sig_len = EEI_SB_RSA_BYTES;
    } else if (out->version == EEI_SB_VERSION_ECDSA) {
        uint8_t hash = block[EEI_SB_OFF_HASH];
        out->digest_len = hash == EEI_SB_HASH_SHA384 ? 48 : 32;
        out->key = block + EEI_SB_OFF_DIGEST + out->digest_len;
        out->curve = out->key[0];
        size_t coord = out->curve == EEI_SB_CURVE_P384   ? 48
                       : out->curve == EEI_SB_CURVE_P192 ? 24
                                                         : 32;
        bool agree = (hash == EEI_SB_HASH_SHA256 &&
                      (out->curve == EEI_SB_CURVE_P256 || out->curve == EEI_SB_CURVE_P192)) ||
                     (hash == EEI_SB_HASH_SHA384 && out->curve == EEI_SB_CURVE_P384);
        if (!agree) {
            return EEI_SB_BAD_KIND;
        }
        /* P-192 sits in P-256's fields, zero-padded: its key and digest cover all of them */
        size_t field = coord < 32 ? 32 : coord;
        out->key_len = EEI_SB_ECDSA_KEY_SIZE(field);
        out->sig = out->key + out->key_len;
        out->sig_len = 2 * coord;
    } else {
        return EEI_SB_BAD_KIND;
    }
    if (eei_le32_get(block + EEI_SB_CRC_SPAN) != eei_crc32(0, block, EEI_SB_CRC_SPAN)) {
        return EEI_SB_BAD_CRC;
    }
    return EEI_SB_OK;
}

const char *eei_sb_strerror(eei_sb_err err)
{
    switch (err) {
    case EEI_SB_OK:
        return "ok";
    case EEI_SB_EMPTY:
        return "no signature block";
    case EEI_SB_BAD_MAGIC:
        return "not a signature block (bad magic)";
    case EEI_SB_BAD_KIND:
        return "a signature block of a kind Secure Boot V2 does not have";
    case EEI_SB_BAD_CRC:
        return "the signature block's CRC does not match: it was altered";
    }
    return "unknown signature block error";
}

const char *eei_sb_scheme_name(uint8_t version, uint8_t curve)
{
    if (version == EEI_SB_VERSION_RSA) {
        return "rsa-3072";
    }
    switch (curve) {
    case EEI_SB_CURVE_P192:
        return "ecdsa-p192";
    case EEI_SB_CURVE_P256:
        return "ecdsa-p256";
    case EEI_SB_CURVE_P384:
        return "ecdsa-p384";
    default:
        return "unknown";
    }
}

const char *eei_format_strerror(eei_format_err err)
{
    switch (err) {
    case EEI_FMT_OK:
        return "ok";
    case EEI_FMT_SHORT:
        return "shorter than the 512-byte header";
    case EEI_FMT_BAD_MAGIC:
        return "bad magic: not an encrypted image";
    case EEI_FMT_TRUNCATED:
        return "truncated: fewer payload bytes than the header's length field";
    case EEI_FMT_TRAILING:
        return "trailing data after the payload the header's length field declares";
    case EEI_FMT_SCHEME_MISMATCH:
        return "the header is not of the key's scheme (RSA-3072 vs ECIES-P256)";
    case EEI_FMT_COUNT:
        break;
    }
    return "unknown format error";
}

const char *eei_scheme_name(eei_scheme scheme)
{
    switch (scheme) {
    case EEI_SCHEME_RSA3072:
        return "rsa-3072";
    case EEI_SCHEME_ECIES_P256:
        return "ecies-p256";
    case EEI_SCHEME_UNKNOWN:
        break;
    }
    return "unknown";
}
