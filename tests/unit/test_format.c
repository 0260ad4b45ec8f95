/* Unit tests of the header-format module: every function, well-formed and malformed input. */
#include "check.h"

#include "esp_enc_img/format.h"
#include "app_fixture.h"

static void fill_bytes(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(start + i);
    }
}

/* A point on P-256: the generator G. */
static const uint8_t p256_g[64] = {
    0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
    0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
    0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
    0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

static void test_le32(void)
{
    uint8_t b[4];
    eei_le32_put(b, 0x0788b6cfu);
    CHECK(b[0] == 0xcf && b[1] == 0xb6 && b[2] == 0x88 && b[3] == 0x07);
    CHECK(eei_le32_get(b) == 0x0788b6cfu);
    eei_le32_put(b, 0xffffffffu);
    CHECK(eei_le32_get(b) == 0xffffffffu);
    /* an unaligned position reads the same */
    uint8_t u[7] = {0, 0, 0, 0x78, 0x56, 0x34, 0x12};
    CHECK(eei_le32_get(u + 3) == 0x12345678u);
}

static void test_rsa_layout(void)
{
    uint8_t wrapped[EEI_RSA_WRAPPED_SIZE], iv[EEI_IV_SIZE], tag[EEI_TAG_SIZE];
    uint8_t buf[EEI_HEADER_SIZE];
    eei_header h, back;
    fill_bytes(wrapped, sizeof(wrapped), 1);
    fill_bytes(iv, sizeof(iv), 0xa0);
    fill_bytes(tag, sizeof(tag), 0xc0);
    eei_header_init_rsa(&h, wrapped, iv, 0x01020304u);
    eei_header_set_tag(&h, tag);
    eei_header_encode(&h, buf);

    /* offsets from the format table */
    CHECK(buf[0] == 0xcf && buf[1] == 0xb6 && buf[2] == 0x88 && buf[3] == 0x07);
    CHECK_MEM(buf + 4, wrapped, 384);
    CHECK_MEM(buf + 388, iv, 16);
    CHECK(buf[404] == 0x04 && buf[405] == 0x03 && buf[406] == 0x02 && buf[407] == 0x01);
    CHECK_MEM(buf + 408, tag, 16);
    uint8_t zeros[88] = {0};
    CHECK_MEM(buf + 424, zeros, 88);

    CHECK(eei_header_decode(buf, sizeof(buf), &back) == EEI_FMT_OK);
    CHECK(back.payload_len == 0x01020304u);
    CHECK_MEM(back.key_block, wrapped, 384);
    CHECK_MEM(back.tag, tag, 16);
    CHECK(eei_header_scheme(&back) == EEI_SCHEME_RSA3072);
    CHECK(eei_header_check_scheme(&back, EEI_SCHEME_RSA3072) == EEI_FMT_OK);
    CHECK(eei_header_check_scheme(&back, EEI_SCHEME_ECIES_P256) == EEI_FMT_SCHEME_MISMATCH);
    CHECK(eei_header_reserved_clear(&back));
}

static void test_ecies_layout(void)
{
    uint8_t salt[EEI_ECIES_SALT_SIZE], iv[EEI_IV_SIZE], buf[EEI_HEADER_SIZE];
    eei_header h, back;
    fill_bytes(salt, sizeof(salt), 0x30);
    fill_bytes(iv, sizeof(iv), 0x50);
    eei_header_init_ecies(&h, p256_g, salt, iv, 17);
    eei_header_encode(&h, buf);
    CHECK_MEM(buf + 4, p256_g, 64);
    CHECK_MEM(buf + 68, salt, 32);
    uint8_t zeros[288] = {0};
    CHECK_MEM(buf + 100, zeros, 288);
    CHECK(eei_header_decode(buf, sizeof(buf), &back) == EEI_FMT_OK);
    CHECK(eei_header_scheme(&back) == EEI_SCHEME_ECIES_P256);
    CHECK_MEM(eei_header_ecies_point(&back), p256_g, 64);
    CHECK_MEM(eei_header_ecies_salt(&back), salt, 32);
    CHECK(eei_header_check_scheme(&back, EEI_SCHEME_ECIES_P256) == EEI_FMT_OK);

    /* one non-zero byte in the 288-byte tail makes it an RSA header */
    back.key_block[EEI_KEY_BLOCK_SIZE - 1] = 1;
    CHECK(eei_header_scheme(&back) == EEI_SCHEME_RSA3072);
}

static void test_point_plausible(void)
{
    uint8_t pt[64];
    CHECK(eei_p256_point_plausible(p256_g));
    memset(pt, 0, sizeof(pt));
    CHECK(!eei_p256_point_plausible(pt)); /* the all-zero encoding */
    memset(pt, 0xff, sizeof(pt));
    CHECK(!eei_p256_point_plausible(pt)); /* coordinates >= p */
    /* x = p exactly is out of range; x = p - 1 is in range */
    static const uint8_t p[32] = {0xff, 0xff, 0xff, 0xff, 0,    0,    0,    1,    0,    0,    0,
                                  0,    0,    0,    0,    0,    0,    0,    0,    0,    0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(pt, p, 32);
    memcpy(pt + 32, p256_g + 32, 32);
    CHECK(!eei_p256_point_plausible(pt));
    pt[31] = 0xfe;
    CHECK(eei_p256_point_plausible(pt));
    memcpy(pt, p256_g, 32);
    memcpy(pt + 32, p, 32);
    CHECK(!eei_p256_point_plausible(pt));
}

static void test_malformed(void)
{
    uint8_t buf[EEI_HEADER_SIZE] = {0};
    eei_header h;
    CHECK(eei_header_decode(buf, 0, &h) == EEI_FMT_SHORT);
    CHECK(eei_header_decode(buf, 511, &h) == EEI_FMT_SHORT);
    CHECK(eei_header_decode(buf, 512, &h) == EEI_FMT_BAD_MAGIC);
    CHECK(eei_header_scheme(&h) == EEI_SCHEME_UNKNOWN);
    CHECK(eei_header_check_scheme(&h, EEI_SCHEME_RSA3072) == EEI_FMT_BAD_MAGIC);
    eei_le32_put(buf, EEI_MAGIC);
    buf[0] ^= 1;
    CHECK(eei_header_decode(buf, 512, &h) == EEI_FMT_BAD_MAGIC);
    buf[0] ^= 1;
    CHECK(eei_header_decode(buf, 512, &h) == EEI_FMT_OK);
    /* all-zero key block: no RSA ciphertext and no plausible point: neither scheme */
    CHECK(eei_header_scheme(&h) == EEI_SCHEME_UNKNOWN);
    CHECK(eei_header_check_scheme(&h, EEI_SCHEME_RSA3072) == EEI_FMT_SCHEME_MISMATCH);
    CHECK(eei_header_check_scheme(&h, EEI_SCHEME_ECIES_P256) == EEI_FMT_SCHEME_MISMATCH);
    h.key_block[0] = 1; /* a point with y = 0 is plausible: in range, not all zero */
    CHECK(eei_header_scheme(&h) == EEI_SCHEME_ECIES_P256);
    h.key_block[100] = 1; /* any byte after the salt: RSA */
    CHECK(eei_header_scheme(&h) == EEI_SCHEME_RSA3072);
    memset(h.key_block, 0, sizeof(h.key_block));
    buf[EEI_OFF_RESERVED + 87] = 0x5a;
    CHECK(eei_header_decode(buf, 512, &h) == EEI_FMT_OK);
    CHECK(!eei_header_reserved_clear(&h));
}

static void test_sizes(void)
{
    eei_header h;
    memset(&h, 0, sizeof(h));
    h.magic = EEI_MAGIC;
    h.payload_len = 10;
    CHECK(eei_header_check_size(&h, 522) == EEI_FMT_OK);
    CHECK(eei_header_check_size(&h, 521) == EEI_FMT_TRUNCATED);
    CHECK(eei_header_check_size(&h, 523) == EEI_FMT_TRAILING);
    CHECK(eei_header_check_size(&h, 100) == EEI_FMT_SHORT);
    h.payload_len = EEI_MAX_PAYLOAD;
    CHECK(eei_header_check_size(&h, 512ull + 0xffffffffull) == EEI_FMT_OK);
    CHECK(eei_header_check_size(&h, 512ull + 0xfffffffeull) == EEI_FMT_TRUNCATED);
}

static void test_collect(void)
{
    uint8_t src[600], buf[EEI_HEADER_SIZE];
    size_t fill = 0;
    fill_bytes(src, sizeof(src), 9);
    CHECK(eei_header_collect(buf, &fill, src, 0) == 0 && fill == 0);
    CHECK(eei_header_collect(buf, &fill, src, 100) == 100 && fill == 100);
    CHECK(eei_header_collect(buf, &fill, src + 100, 1) == 1 && fill == 101);
    /* takes only what the header still lacks, and nothing once it is whole */
    CHECK(eei_header_collect(buf, &fill, src + 101, 499) == 411 && fill == EEI_HEADER_SIZE);
    CHECK(eei_header_collect(buf, &fill, src + 512, 88) == 0 && fill == EEI_HEADER_SIZE);
    CHECK_MEM(buf, src, EEI_HEADER_SIZE);
}

static void test_names(void)
{
    for (int e = 0; e < EEI_FMT_COUNT; e++) {
        const char *msg = eei_format_strerror((eei_format_err)e);
        CHECK(msg != NULL && strlen(msg) > 0);
        CHECK(strcmp(msg, "unknown format error") != 0);
    }
    CHECK(strcmp(eei_format_strerror(EEI_FMT_COUNT), "unknown format error") == 0);
    CHECK(strcmp(eei_scheme_name(EEI_SCHEME_RSA3072), "rsa-3072") == 0);
    CHECK(strcmp(eei_scheme_name(EEI_SCHEME_ECIES_P256), "ecies-p256") == 0);
    CHECK(strcmp(eei_scheme_name(EEI_SCHEME_UNKNOWN), "unknown") == 0);
}

/* CRC-32 as zlib computes it, in one piece or several. */
static void test_crc32(void)
{
    const uint8_t check[] = "123456789";
    CHECK(eei_crc32(0, check, 9) == 0xcbf43926u);
    CHECK(eei_crc32(eei_crc32(0, check, 4), check + 4, 5) == 0xcbf43926u);
    CHECK(eei_crc32(0, check, 0) == 0);
}

static void test_sb_padding(void)
{
    CHECK(eei_sb_padded_size(0) == 0);
    CHECK(eei_sb_padded_size(1) == 4096);
    CHECK(eei_sb_padded_size(4096) == 4096);
    CHECK(eei_sb_padded_size(4097) == 8192);
}

/* Blocks of each kind: the fields land where Secure Boot V2 has them; any altered byte shows. */
static void test_sb_blocks(void)
{
    uint8_t blk[EEI_SB_BLOCK_SIZE];
    eei_sb_block b;
    memset(blk, 0xff, sizeof(blk));
    CHECK(eei_sb_block_parse(blk, &b) == EEI_SB_EMPTY);
    memset(blk, 0, sizeof(blk));
    CHECK(eei_sb_block_parse(blk, &b) == EEI_SB_EMPTY);
    blk[0] = 0x42;
    CHECK(eei_sb_block_parse(blk, &b) == EEI_SB_BAD_MAGIC);

    /* RSA-3072 */
    memset(blk, 0, sizeof(blk));
    fill_bytes(blk, EEI_SB_CRC_SPAN, 9);
    blk[0] = EEI_SB_MAGIC;
    blk[1] = EEI_SB_VERSION_RSA;
    eei_sb_block_seal(blk);
    CHECK(eei_sb_block_parse(blk, &b) == EEI_SB_OK);
    CHECK(b.digest == blk + 4 && b.digest_len == 32);
    CHECK(b.key == blk + 36 && b.key_len == 776);
    CHECK(b.sig == blk + 812 && b.sig_len == 384 && b.sig + b.sig_len == blk + EEI_SB_CRC_SPAN);
    uint8_t zeros[16] = {0};
    CHECK(memcmp(blk + EEI_SB_CRC_SPAN + 4, zeros, 16) == 0);
    for (size_t at = 0; at < EEI_SB_CRC_SPAN + 4; at += 97) {
        blk[at] ^= 0x10;
        CHECK(eei_sb_block_parse(blk, &b) != EEI_SB_OK);
        blk[at] ^= 0x10;
    }

    /* ECDSA P-256 / SHA-256 and P-384 / SHA-384; a mismatch of hash and curve is refused */
    static const struct {
        uint8_t hash, curve;
        size_t digest, key_at, key_len, sig_at, sig_len;
    } ec[] = {
        {EEI_SB_HASH_SHA256, EEI_SB_CURVE_P256, 32, 36, 65, 101, 64},
        {EEI_SB_HASH_SHA384, EEI_SB_CURVE_P384, 48, 52, 97, 149, 96},
        {EEI_SB_HASH_SHA256, EEI_SB_CURVE_P192, 32, 36, 65, 101, 48}, /* in P-256's fields */
    };
    for (size_t i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
        memset(blk, 0, sizeof(blk));
        blk[0] = EEI_SB_MAGIC;
        blk[1] = EEI_SB_VERSION_ECDSA;
        blk[2] = ec[i].hash;
        blk[4 + ec[i].digest] = ec[i].curve;
        eei_sb_block_seal(blk);
        CHECK(eei_sb_block_parse(blk, &b) == EEI_SB_OK);
        CHECK(b.curve == ec[i].curve && b.digest_len == ec[i].digest);
        CHECK(b.key == blk + ec[i].key_at && b.key_len == ec[i].key_len);
        CHECK(b.sig == blk + ec[i].sig_at && b.sig_len == ec[i].sig_len);
        blk[2] ^= 1; /* the other hash for this curve */
        eei_sb_block_seal(blk);
        CHECK(eei_sb_block_parse(blk, &b) == EEI_SB_BAD_KIND);
    }
    blk[1] = 0x04;
    eei_sb_block_seal(blk);
    CHECK(eei_sb_block_parse(blk, &b) == EEI_SB_BAD_KIND);
    CHECK(strcmp(eei_sb_scheme_name(EEI_SB_VERSION_ECDSA, EEI_SB_CURVE_P384), "ecdsa-p384") == 0);
    CHECK(strcmp(eei_sb_scheme_name(EEI_SB_VERSION_RSA, 0), "rsa-3072") == 0);
}

/* Walk n bytes in pieces of step; the bytes the hash covers, summed. */
static eei_app_err walk(const uint8_t *buf, size_t n, size_t step, eei_app_head *head,
                        size_t *covered, uint64_t *size)
{
    eei_app_walk w;
    eei_app_walk_init(&w);
    *covered = 0;
    for (size_t at = 0; at < n; at += step) {
        *covered += eei_app_walk_update(&w, buf + at, n - at < step ? n - at : step);
    }
    eei_app_err e = eei_app_walk_finish(&w, head);
    *size = eei_app_walk_size(&w);
    if (e == EEI_APP_OK && head->hash_appended) {
        uint8_t want[EEI_APP_HASH_SIZE];
        fill_bytes(want, sizeof(want), 0xa0);
        CHECK(memcmp(eei_app_walk_hash(&w), want, sizeof(want)) == 0);
    }
    return e;
}

static void test_app_walk(void)
{
    static uint8_t buf[4096];
    eei_app_head head;
    size_t covered;
    uint64_t size;
    for (size_t len2 = 0; len2 < 40; len2 += 3) { /* each padding length */
        size_t n = fixture_app(buf, len2);
        for (size_t step = 1; step <= n + 100; step += step < 40 ? 1 : 97) {
            CHECK(walk(buf, n, step, &head, &covered, &size) == EEI_APP_OK);
            CHECK(size == n && covered == n - EEI_APP_HASH_SIZE);
            /* the 0xFF after it (a signature's padding, say) is not the app's */
            CHECK(walk(buf, sizeof(buf), step, &head, &covered, &size) == EEI_APP_OK);
            CHECK(size == n && covered == n - EEI_APP_HASH_SIZE);
        }
    }
    CHECK(head.chip_id == 5 && head.segments == 2 && head.hash_appended);
    CHECK(head.secure_version == 7 && strcmp(head.version, "1.2.3") == 0);
    CHECK(strcmp(head.project, "blinky") == 0 && strcmp(head.idf_version, "v6.0.2") == 0);
    CHECK(strcmp(eei_app_chip_name(head.chip_id), "esp32c3") == 0 && !eei_app_chip_name(99));

    /* cut anywhere: truncated once the descriptor's magic is in, not an app before */
    size_t n = fixture_app(buf, 21);
    for (size_t cut = 1; cut < n; cut++) {
        eei_app_err e = walk(buf, cut, 64, &head, &covered, &size);
        CHECK(e == (cut < EEI_APP_DESC_OFFSET + 4 ? EEI_APP_NOT_APP : EEI_APP_TRUNCATED));
        CHECK(size == 0);
    }
    /* any changed segment byte: the checksum says so */
    buf[EEI_APP_HEAD_SIZE + 3] ^= 0x10;
    CHECK(walk(buf, n, 100, &head, &covered, &size) == EEI_APP_BAD_CHECKSUM);
    buf[EEI_APP_HEAD_SIZE + 3] ^= 0x10;
    /* no hash appended: the app ends with its checksum byte */
    buf[EEI_APP_OFF_HASH_APPENDED] = 0;
    CHECK(walk(buf, n, 100, &head, &covered, &size) == EEI_APP_OK);
    CHECK(size == n - EEI_APP_HASH_SIZE && covered == size && !head.hash_appended);
    buf[EEI_APP_OFF_HASH_APPENDED] = 1;
    /* segment counts a device refuses */
    buf[EEI_APP_OFF_SEGMENTS] = 0;
    CHECK(walk(buf, n, 100, &head, &covered, &size) == EEI_APP_BAD_SEGMENTS && covered == 0);
    buf[EEI_APP_OFF_SEGMENTS] = EEI_APP_SEGMENTS_MAX + 1;
    CHECK(walk(buf, n, 100, &head, &covered, &size) == EEI_APP_BAD_SEGMENTS);
    buf[EEI_APP_OFF_SEGMENTS] = 2;
    /* not an app: known at the first byte, nothing covered */
    buf[0] = 0xe8;
    CHECK(walk(buf, n, 1000, &head, &covered, &size) == EEI_APP_NOT_APP && covered == 0);
    CHECK(head.project[0] == '\0');
    buf[0] = EEI_APP_MAGIC;
    /* a first segment too short to hold the descriptor: its magic alone is not one */
    eei_le32_put(buf + EEI_APP_HEADER_SIZE + 4, EEI_APP_DESC_SIZE - 1);
    CHECK(walk(buf, n, 100, &head, &covered, &size) == EEI_APP_NOT_APP && size == 0);
    eei_le32_put(buf + EEI_APP_HEADER_SIZE + 4, EEI_APP_DESC_SIZE + 5);
    CHECK(walk(buf, n, 100, &head, &covered, &size) == EEI_APP_OK);
    /* no descriptor */
    buf[EEI_APP_DESC_OFFSET] ^= 1;
    CHECK(walk(buf, n, 7, &head, &covered, &size) == EEI_APP_NOT_APP);
    buf[EEI_APP_DESC_OFFSET] ^= 1;
    /* a segment that claims more than there is (the second's header follows the first's data) */
    eei_le32_put(buf + EEI_APP_HEAD_SIZE + 5 + 4, 0x7fffffffu);
    CHECK(walk(buf, sizeof(buf), 512, &head, &covered, &size) == EEI_APP_TRUNCATED);
    CHECK(strcmp(eei_app_strerror(EEI_APP_TRUNCATED), "truncated: the data ends inside the app") ==
          0);
}

/* Walk n bytes in one piece and finish: where a device reads the signature sector. */
static eei_sb_place place_of(const uint8_t *buf, size_t n, uint64_t data_len, uint64_t *offset)
{
    eei_app_walk w;
    eei_app_head head;
    eei_app_walk_init(&w);
    eei_app_walk_update(&w, buf, n);
    eei_app_walk_finish(&w, &head);
    return eei_sb_sector_place(&w, data_len, offset);
}

static void test_sb_place(void)
{
    static uint8_t buf[FIXTURE_APP_BUF];
    uint64_t at = 1;
    /* an app: after its layout (checksum block, appended SHA-256) rounded up to 4096 */
    for (size_t len2 = 0; len2 <= 3750; len2 += 250) {
        size_t n = fixture_app(buf, len2);
        uint64_t want = (n + 4095) / 4096 * 4096;
        CHECK(place_of(buf, n, n, &at) == EEI_SB_AFTER_APP && at == want);
        /* whatever follows the layout in the data, even past where the sector is read */
        CHECK(place_of(buf, sizeof(buf), 1u << 20, &at) == EEI_SB_AFTER_APP && at == want);
    }
    /* a layout that ends on a sector's end: the sector follows it at once */
    size_t n = fixture_app(buf, 3750);
    CHECK(n == 4096 && place_of(buf, n, n, &at) == EEI_SB_AFTER_APP && at == 4096);
    /* mid-walk: known once the walk has passed the layout, not before */
    n = fixture_app(buf, 40);
    eei_app_walk w;
    eei_app_walk_init(&w);
    CHECK(eei_app_walk_update(&w, NULL, 0) == 0); /* nothing, from NULL, even at the start */
    eei_app_walk_update(&w, buf, n - 1);
    CHECK(eei_app_walk_layout_end(&w) == 0);
    CHECK(eei_sb_sector_place(&w, n - 1, &at) == EEI_SB_AT_NONE && at == 0);
    eei_app_walk_update(&w, buf + n - 1, 1);
    CHECK(eei_app_walk_layout_end(&w) == n);
    CHECK(eei_sb_sector_place(&w, 9000, &at) == EEI_SB_AFTER_APP && at == 4096);
    /* nothing to walk, from NULL: nothing changes */
    CHECK(eei_app_walk_update(&w, NULL, 0) == 0 && eei_app_walk_layout_end(&w) == n);
    /* without the appended SHA-256, the layout ends with the checksum block */
    buf[EEI_APP_OFF_HASH_APPENDED] = 0;
    eei_app_walk_init(&w);
    eei_app_walk_update(&w, buf, n);
    CHECK(eei_app_walk_layout_end(&w) == n - EEI_APP_HASH_SIZE);
    buf[EEI_APP_OFF_HASH_APPENDED] = 1;
    /* a wrong checksum: a device refuses the app, but its layout still says where */
    buf[EEI_APP_HEAD_SIZE + 3] ^= 0x10;
    CHECK(place_of(buf, n, n, &at) == EEI_SB_AFTER_APP && at == 4096);
    eei_app_walk_init(&w);
    eei_app_walk_update(&w, buf, n);
    eei_app_head head;
    CHECK(eei_app_walk_finish(&w, &head) == EEI_APP_BAD_CHECKSUM);
    CHECK(eei_app_walk_layout_end(&w) == n);
    buf[EEI_APP_HEAD_SIZE + 3] ^= 0x10;
    /* no layout to walk (truncated, a bad segment count): as for data that is not an app */
    CHECK(place_of(buf, n - 1, 2 * 4096, &at) == EEI_SB_AT_END && at == 4096);
    buf[EEI_APP_OFF_SEGMENTS] = EEI_APP_SEGMENTS_MAX + 1;
    CHECK(place_of(buf, n, 2 * 4096, &at) == EEI_SB_AT_END && at == 4096);
    buf[EEI_APP_OFF_SEGMENTS] = 2;
    /* not an app: its last 4096 bytes, or nothing when it is shorter */
    buf[0] = 0xe8;
    CHECK(place_of(buf, n, 3 * 4096, &at) == EEI_SB_AT_END && at == 2 * 4096);
    CHECK(place_of(buf, n, n, &at) == EEI_SB_AT_END && at == 0);
    buf[0] = EEI_APP_MAGIC;
}

int main(void)
{
    test_le32();
    test_rsa_layout();
    test_ecies_layout();
    test_point_plausible();
    test_malformed();
    test_sizes();
    test_collect();
    test_names();
    test_crc32();
    test_sb_padding();
    test_sb_blocks();
    test_app_walk();
    test_sb_place();
    return check_summary();
}
