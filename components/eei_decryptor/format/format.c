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
    if (take == 0) {
        return 0; /* (in may be NULL with len 0) */
    }
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
    out->segments = head[EEI_APP_OFF_SEGMENTS];
    out->hash_appended = head[EEI_APP_OFF_HASH_APPENDED] != 0;
    out->secure_version = eei_le32_get(desc + EEI_APP_DESC_OFF_SECURE_VERSION);
    desc_text(desc + EEI_APP_DESC_OFF_VERSION, out->version);
    desc_text(desc + EEI_APP_DESC_OFF_PROJECT, out->project);
    desc_text(desc + EEI_APP_DESC_OFF_IDF_VER, out->idf_version);
    return true;
}

/* ---- an app binary's layout, walked ---- */

/* The parts of an app binary, in order. */
enum { PART_HEADER, PART_SEGMENT_HEADER, PART_SEGMENT_DATA, PART_CHECKSUM, PART_HASH, PART_DONE };

void eei_app_walk_init(eei_app_walk *w)
{
    memset(w, 0, sizeof(*w));
    w->next = EEI_APP_HEADER_SIZE;
    w->part = PART_HEADER;
    w->checksum = EEI_APP_CHECKSUM_SEED;
    w->state = EEI_APP_WALKING;
}

/* The part that ends at w->pos is complete: on to the next one. */
static void walk_next_part(eei_app_walk *w)
{
    switch (w->part) {
    case PART_HEADER:
        if (w->head[0] != EEI_APP_MAGIC) {
            w->state = EEI_APP_NOT_APP;
            return;
        }
        if (w->head[EEI_APP_OFF_SEGMENTS] == 0 ||
            w->head[EEI_APP_OFF_SEGMENTS] > EEI_APP_SEGMENTS_MAX) {
            w->state = EEI_APP_BAD_SEGMENTS;
            return;
        }
        w->part = PART_SEGMENT_HEADER;
        w->next = w->pos + EEI_APP_SEGMENT_HEADER_SIZE;
        return;
    case PART_SEGMENT_HEADER:
        if (w->segment == 0 && eei_le32_get(w->seg_header + 4) < EEI_APP_DESC_SIZE) {
            w->state = EEI_APP_NOT_APP; /* the descriptor opens the first segment */
            return;
        }
        w->part = PART_SEGMENT_DATA;
        w->next = w->pos + eei_le32_get(w->seg_header + 4);
        if (w->next > w->pos) {
            return;
        }
        /* a segment with no data ends where it starts */
        /* fall through */
    case PART_SEGMENT_DATA:
        if (++w->segment < w->head[EEI_APP_OFF_SEGMENTS]) {
            w->part = PART_SEGMENT_HEADER;
            w->next = w->pos + EEI_APP_SEGMENT_HEADER_SIZE;
            return;
        }
        w->part = PART_CHECKSUM;
        w->end = (w->pos + EEI_APP_CHECKSUM_ALIGN) & ~(uint64_t)(EEI_APP_CHECKSUM_ALIGN - 1);
        w->next = w->end;
        return;
    case PART_CHECKSUM:
        if (w->head[EEI_APP_OFF_HASH_APPENDED] != 0) {
            w->part = PART_HASH;
            w->next = w->pos + EEI_APP_HASH_SIZE;
            return;
        }
        /* fall through */
    default:
        w->part = PART_DONE;
        w->state = EEI_APP_OK;
        return;
    }
}

/* Take n bytes of the current part (n never passes its end). */
static void walk_take(eei_app_walk *w, const uint8_t *data, size_t n)
{
    uint64_t at = w->pos;
    switch (w->part) {
    case PART_SEGMENT_HEADER:
        memcpy(w->seg_header + (EEI_APP_SEGMENT_HEADER_SIZE - (w->next - at)), data, n);
        break;
    case PART_SEGMENT_DATA:
        for (size_t i = 0; i < n; i++) {
            w->checksum ^= data[i];
        }
        break;
    case PART_CHECKSUM: /* zero padding, then the checksum byte last */
        if (at + n == w->next && data[n - 1] != w->checksum) {
            w->state = EEI_APP_BAD_CHECKSUM;
        }
        break;
    case PART_HASH:
        memcpy(w->hash + (EEI_APP_HASH_SIZE - (w->next - at)), data, n);
        break;
    default:
        break;
    }
    w->pos += n;
}

size_t eei_app_walk_update(eei_app_walk *w, const uint8_t *data, size_t len)
{
    uint64_t start = w->pos;
    if (len == 0) { /* nothing, perhaps from NULL */
        return 0;
    }
    if (start < EEI_APP_HEAD_SIZE) { /* the head is kept whatever part it belongs to */
        size_t keep = EEI_APP_HEAD_SIZE - start < len ? (size_t)(EEI_APP_HEAD_SIZE - start) : len;
        memcpy(w->head + start, data, keep);
    }
    for (size_t done = 0; done < len && w->state == EEI_APP_WALKING;) {
        if (w->head[0] != EEI_APP_MAGIC) { /* not an app: known at the first byte */
            w->state = EEI_APP_NOT_APP;
            break;
        }
        uint64_t left = w->next - w->pos;
        size_t n = len - done < left ? len - done : (size_t)left;
        walk_take(w, data + done, n);
        done += n;
        if (w->pos == w->next && w->state == EEI_APP_WALKING) {
            walk_next_part(w);
        }
    }
    if (start + len >= EEI_APP_HEAD_SIZE &&
        eei_le32_get(w->head + EEI_APP_DESC_OFFSET) != EEI_APP_DESC_MAGIC) {
        w->state = EEI_APP_NOT_APP; /* no descriptor */
    }
    w->pos = start + len; /* with the bytes past the app's end */
    if (w->state == EEI_APP_NOT_APP || w->state == EEI_APP_BAD_SEGMENTS) {
        return 0;
    }
    uint64_t covered = w->end ? w->end : UINT64_MAX;
    return start >= covered ? 0 : covered - start < len ? (size_t)(covered - start) : len;
}

eei_app_err eei_app_walk_finish(eei_app_walk *w, eei_app_head *head)
{
    memset(head, 0, sizeof(*head));
    if (w->state == EEI_APP_NOT_APP || w->pos == 0 || !eei_app_head_parse(w->head, head)) {
        memset(head, 0, sizeof(*head));
        return w->state = EEI_APP_NOT_APP;
    }
    if (w->state == EEI_APP_WALKING) {
        w->state = EEI_APP_TRUNCATED;
    }
    return w->state;
}

uint64_t eei_app_walk_size(const eei_app_walk *w)
{
    return w->state == EEI_APP_OK ? w->next : 0;
}

const uint8_t *eei_app_walk_hash(const eei_app_walk *w)
{
    return w->hash;
}

uint64_t eei_app_walk_layout_end(const eei_app_walk *w)
{
    if (w->state == EEI_APP_OK) {
        return w->next;
    }
    if (w->state == EEI_APP_BAD_CHECKSUM) { /* the walk stopped at the checksum block's end */
        return w->end + (w->head[EEI_APP_OFF_HASH_APPENDED] != 0 ? EEI_APP_HASH_SIZE : 0);
    }
    return 0;
}

eei_sb_place eei_sb_sector_place(const eei_app_walk *w, uint64_t data_len, uint64_t *offset)
{
    uint64_t end = eei_app_walk_layout_end(w);
    *offset = 0;
    if (end != 0) {
        *offset = eei_sb_padded_size(end);
        return EEI_SB_AFTER_APP;
    }
    if (w->state == EEI_APP_WALKING) {
        return EEI_SB_AT_NONE;
    }
    *offset = data_len >= EEI_SB_SECTOR_SIZE ? data_len - EEI_SB_SECTOR_SIZE : 0;
    return EEI_SB_AT_END;
}

const char *eei_app_strerror(eei_app_err err)
{
    switch (err) {
    case EEI_APP_WALKING:
        return "not read to its end";
    case EEI_APP_OK:
        return "ok";
    case EEI_APP_NOT_APP:
        return "not an ESP app binary (no magic 0xE9 and app descriptor)";
    case EEI_APP_BAD_SEGMENTS:
        return "bad segment count";
    case EEI_APP_TRUNCATED:
        return "truncated: the data ends inside the app";
    case EEI_APP_BAD_CHECKSUM:
        return "checksum mismatch";
    }
    return "unknown app error";
}

const char *eei_app_chip_name(uint16_t chip_id)
{
    static const struct {
        uint16_t id;
        const char *name;
    } chips[] = {{0, "esp32"},     {2, "esp32s2"},  {5, "esp32c3"},  {9, "esp32s3"},
                 {12, "esp32c2"},  {13, "esp32c6"}, {16, "esp32h2"}, {18, "esp32p4"},
                 {20, "esp32c61"}, {23, "esp32c5"}};
    for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
        if (chips[i].id == chip_id) {
            return chips[i].name;
        }
    }
    return NULL;
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
