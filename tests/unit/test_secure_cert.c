/*
 * Unit tests of the esp_secure_cert format module: TLVs written and read (CRCs computed
 * independently with Python's zlib.crc32(data, 0xffffffff)), the DS data's layout and sizes per
 * chip, the DS context.
 */
#include "check.h"

#include "esp_enc_img/secure_cert.h"

static void fill_bytes(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(start + i);
    }
}

static void test_tlv_layout(void)
{
    uint8_t value[32], buf[64];
    size_t size = 0;
    fill_bytes(value, sizeof(value), 0);
    memset(buf, 0xee, sizeof(buf));
    CHECK(eei_sc_tlv_write(buf, sizeof(buf), EEI_SC_TLV_INTEGRITY, 0, 0, value, 32, &size) ==
          EEI_SC_OK);
    CHECK(size == 48 && EEI_SC_TLV_SIZE(32) == 48);
    static const uint8_t header[12] = {0x11, 0xba, 0x5e, 0xba, 0, 0, 0, 0, 9, 0, 32, 0};
    CHECK_MEM(buf, header, sizeof(header));
    CHECK_MEM(buf + 12, value, 32);
    static const uint8_t crc[4] = {0x86, 0xfb, 0x96, 0xc7};
    CHECK_MEM(buf + 44, crc, 4);
    CHECK(buf[48] == 0xee); /* nothing past it */

    /* a value that is not a multiple of 16: zero padding, covered by the CRC */
    uint8_t context[8] = {0, 0, 0, 0, 1, 0, 0x00, 0x0c};
    memset(buf, 0xee, sizeof(buf));
    CHECK(eei_sc_tlv_write(buf, sizeof(buf), EEI_SC_TLV_DS_CONTEXT, 0, 0, context, 8, &size) ==
          EEI_SC_OK);
    CHECK(size == 32);
    static const uint8_t zeros[8] = {0};
    CHECK_MEM(buf + 20, zeros, 8);
    static const uint8_t crc2[4] = {0x3d, 0x45, 0x08, 0x5f};
    CHECK_MEM(buf + 28, crc2, 4);

    /* flags and subtype have their places */
    CHECK(eei_sc_tlv_write(buf, sizeof(buf), 51, 2, 0x80, (const uint8_t *)"abc", 3, &size) ==
          EEI_SC_OK);
    CHECK(size == 32 && buf[4] == 0x80 && buf[8] == 51 && buf[9] == 2 && buf[10] == 3);
    static const uint8_t crc3[4] = {0x98, 0x65, 0x10, 0x70};
    CHECK_MEM(buf + 28, crc3, 4);

    /* an empty value is a header and a CRC */
    CHECK(eei_sc_tlv_write(buf, sizeof(buf), 51, 0, 0, NULL, 0, &size) == EEI_SC_OK);
    CHECK(size == 16);
}

static void test_tlv_no_room(void)
{
    uint8_t value[32] = {0}, buf[64];
    size_t size = 99;
    CHECK(eei_sc_tlv_write(buf, 47, 9, 0, 0, value, 32, &size) == EEI_SC_NO_ROOM);
    CHECK(size == 99);
    CHECK(eei_sc_tlv_write(buf, 48, 9, 0, 0, value, 32, &size) == EEI_SC_OK);
    static uint8_t big[EEI_SC_TLV_VALUE_MAX + 1], room[EEI_SC_TLV_VALUE_MAX + 64];
    CHECK(eei_sc_tlv_write(room, sizeof(room), 9, 0, 0, big, sizeof(big), &size) == EEI_SC_NO_ROOM);
    CHECK(eei_sc_tlv_write(room, sizeof(room), 9, 0, 0, big, sizeof(big) - 1, &size) == EEI_SC_OK);
    CHECK(size == EEI_SC_TLV_SIZE(EEI_SC_TLV_VALUE_MAX));
}

static void test_tlv_read_find(void)
{
    uint8_t part[EEI_SC_PARTITION_SIZE], a[100], b[8];
    size_t at = 0, size = 0;
    memset(part, EEI_SC_ERASED, sizeof(part));
    fill_bytes(a, sizeof(a), 7);
    fill_bytes(b, sizeof(b), 0x40);
    CHECK(eei_sc_tlv_write(part, sizeof(part), EEI_SC_TLV_DS_DATA, 0, 0, a, sizeof(a), &size) ==
          EEI_SC_OK);
    at += size;
    CHECK(eei_sc_tlv_write(part + at, sizeof(part) - at, EEI_SC_TLV_DS_CONTEXT, 0, 0, b, sizeof(b),
                           &size) == EEI_SC_OK);
    at += size;
    CHECK(eei_sc_tlv_write(part + at, sizeof(part) - at, EEI_SC_TLV_DS_CONTEXT, 1, 0, a, 3,
                           &size) == EEI_SC_OK);
    at += size;

    eei_sc_tlv t;
    CHECK(eei_sc_tlv_read(part, sizeof(part), &t) == EEI_SC_OK);
    CHECK(t.type == EEI_SC_TLV_DS_DATA && t.subtype == 0 && t.flags == 0 && t.length == 100);
    CHECK(t.value == part + 12 && t.size == EEI_SC_TLV_SIZE(100));
    CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_CONTEXT, 0, &t) == EEI_SC_OK);
    CHECK(t.length == 8 && memcmp(t.value, b, 8) == 0);
    CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_CONTEXT, 1, &t) == EEI_SC_OK);
    CHECK(t.length == 3 && memcmp(t.value, a, 3) == 0);
    /* past the last TLV: erased flash, no magic */
    CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_INTEGRITY, 0, &t) == EEI_SC_END);
    CHECK(eei_sc_tlv_read(part + at, sizeof(part) - at, &t) == EEI_SC_END);

    /* a flipped value bit fails its CRC; a TLV before the one found is not checked */
    part[12 + 50] ^= 0x04;
    CHECK(eei_sc_tlv_read(part, sizeof(part), &t) == EEI_SC_BAD_CRC);
    CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_DATA, 0, &t) == EEI_SC_BAD_CRC);
    CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_CONTEXT, 0, &t) == EEI_SC_OK);
    part[12 + 50] ^= 0x04;
    /* so do the padding, the header and the CRC itself */
    size_t ctx_at = EEI_SC_TLV_SIZE(100);
    for (size_t off = 0; off < EEI_SC_TLV_SIZE(8); off++) {
        if (off < 4) { /* the magic: then it is no TLV at all */
            continue;
        }
        part[ctx_at + off] ^= 0x01;
        eei_sc_err e = eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_CONTEXT, 0, &t);
        /* a changed type, subtype or length moves the TLV or the walk: never OK */
        CHECK(e != EEI_SC_OK);
        part[ctx_at + off] ^= 0x01;
    }
    CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_CONTEXT, 0, &t) == EEI_SC_OK);

    /* a length that runs past the partition */
    CHECK(eei_sc_tlv_read(part, EEI_SC_TLV_SIZE(100) - 1, &t) == EEI_SC_TRUNCATED);
    CHECK(eei_sc_tlv_find(part, EEI_SC_TLV_SIZE(100) + 20, EEI_SC_TLV_DS_CONTEXT, 0, &t) ==
          EEI_SC_TRUNCATED);
    CHECK(eei_sc_tlv_read(part, 11, &t) == EEI_SC_END);
    CHECK(eei_sc_tlv_find(part, 0, EEI_SC_TLV_DS_DATA, 0, &t) == EEI_SC_END);
    for (int e = EEI_SC_OK; e <= EEI_SC_NO_ROOM; e++) {
        CHECK(eei_sc_strerror((eei_sc_err)e)[0] != '\0');
    }
}

static void test_ds_sizes(void)
{
    /* ESP-IDF's ESP_DS_C_LEN: 1200 bytes for 3072-bit chips, 1584 (ETS_DS_C_LEN) for 4096 */
    CHECK(EEI_DS_C_SIZE(384u) == 1200);
    CHECK(EEI_DS_C_SIZE(512u) == 1584);
    CHECK(EEI_DS_C_SIZE(384u) % 16 == 0 && EEI_DS_C_SIZE(512u) % 16 == 0);
    CHECK(EEI_DS_DATA_SIZE(384u) == 1220 && EEI_DS_DATA_SIZE(512u) == 1604);
    CHECK(EEI_DS_DATA_MAX == 1604);
    /* the TLVs of a partition: DS data, context, integrity */
    CHECK(EEI_SC_TLV_SIZE(1220) + EEI_SC_TLV_SIZE(8) + EEI_SC_TLV_SIZE(32) == 1328);
    CHECK(EEI_SC_TLV_SIZE(1604) + EEI_SC_TLV_SIZE(8) + EEI_SC_TLV_SIZE(32) == 1712);
    CHECK(EEI_DS_P_OFF_MD(384u) == 1152 && EEI_DS_P_OFF_MPRIME(384u) == 1184 &&
          EEI_DS_P_OFF_LENGTH(384u) == 1188 && EEI_DS_P_OFF_PAD(384u) == 1192);
    CHECK(eei_ds_length(3072) == 95 && eei_ds_length(4096) == 127 && eei_ds_length(1024) == 31);
}

static void test_ds_layout(void)
{
    uint8_t p[EEI_DS_C_SIZE(384u)], md[32], iv[16], tail[EEI_DS_MD_TAIL_SIZE];
    memset(p, 0xaa, sizeof(p));
    fill_bytes(md, sizeof(md), 0x10);
    fill_bytes(iv, sizeof(iv), 0x80);
    eei_ds_plain_finish(p, 384, md, 0x04030201u, 95);
    CHECK(p[1151] == 0xaa); /* the operands are the caller's */
    CHECK_MEM(p + 1152, md, 32);
    static const uint8_t words[8] = {1, 2, 3, 4, 95, 0, 0, 0};
    CHECK_MEM(p + 1184, words, 8);
    static const uint8_t pad[8] = {8, 8, 8, 8, 8, 8, 8, 8};
    CHECK_MEM(p + 1192, pad, 8);
    eei_ds_md_tail(tail, 0x04030201u, 95, iv);
    CHECK_MEM(tail, words, 8);
    CHECK_MEM(tail + 8, iv, 16);

    uint8_t c[EEI_DS_C_SIZE(512u)], data[EEI_DS_DATA_SIZE(512u)];
    fill_bytes(c, sizeof(c), 3);
    eei_ds_data_encode(data, 3072, iv, c, sizeof(c));
    CHECK(data[0] == 95 && data[1] == 0 && data[2] == 0 && data[3] == 0);
    CHECK_MEM(data + 4, iv, 16);
    CHECK_MEM(data + 20, c, sizeof(c));
}

static void test_ds_context(void)
{
    uint8_t ctx[EEI_DS_CONTEXT_SIZE];
    uint8_t block = 9;
    uint16_t bits = 0;
    eei_ds_context_encode(ctx, 1, 3072);
    static const uint8_t want[8] = {0, 0, 0, 0, 1, 0, 0x00, 0x0c};
    CHECK_MEM(ctx, want, sizeof(want));
    CHECK(eei_ds_context_decode(ctx, &block, &bits) && block == 1 && bits == 3072);
    eei_ds_context_encode(ctx, 5, 4096);
    CHECK(eei_ds_context_decode(ctx, &block, &bits) && block == 5 && bits == 4096);
    eei_ds_context_encode(ctx, 6, 3072); /* there is no BLOCK_KEY6 */
    CHECK(!eei_ds_context_decode(ctx, &block, &bits));
    eei_ds_context_encode(ctx, 0, 3000); /* not whole words */
    CHECK(!eei_ds_context_decode(ctx, &block, &bits));
    eei_ds_context_encode(ctx, 0, 512);
    CHECK(!eei_ds_context_decode(ctx, &block, &bits));
    eei_ds_context_encode(ctx, 0, 8192);
    CHECK(!eei_ds_context_decode(ctx, &block, &bits));
    /* the pointer's bytes are the reader's */
    eei_ds_context_encode(ctx, 2, 2048);
    ctx[0] = 0x5a;
    CHECK(eei_ds_context_decode(ctx, &block, &bits) && block == 2 && bits == 2048);
}

static void test_ds_chips(void)
{
    /* ESP-IDF's SOC_RSA_MAX_BIT_LEN of each chip with SOC_DIG_SIGN_SUPPORTED */
    static const struct {
        const char *name;
        unsigned max_bits;
    } want[] = {{"esp32s2", 4096}, {"esp32s3", 4096}, {"esp32c3", 3072}, {"esp32c6", 3072},
                {"esp32h2", 3072}, {"esp32", 0},      {"esp32c2", 0},    {"esp32c61", 0}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const eei_ds_chip *c = eei_ds_chip_find(want[i].name);
        CHECK(c != NULL && c->max_key_bits == want[i].max_bits);
        CHECK(c && strcmp(eei_app_chip_name(c->chip_id), want[i].name) == 0);
    }
    CHECK(eei_ds_chip_find("esp32c3 ") == NULL);
    CHECK(eei_ds_chip_find("ESP32C3") == NULL);
    CHECK(eei_ds_chip_find("esp32p4") == NULL); /* not in the table: not known here */
    CHECK(eei_ds_chip_find("") == NULL);
    size_t n = 0;
    while (eei_ds_chip_at(n)) {
        n++;
    }
    CHECK(n == sizeof(want) / sizeof(want[0]));
}

int main(void)
{
    test_tlv_layout();
    test_tlv_no_room();
    test_tlv_read_find();
    test_ds_sizes();
    test_ds_layout();
    test_ds_context();
    test_ds_chips();
    return check_summary();
}
