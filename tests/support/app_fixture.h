/*
 * A small app binary for the unit tests, laid out by hand from format.h's facts (an independent
 * construction: the walker under test must agree with it).
 */
#ifndef EEI_APP_FIXTURE_H
#define EEI_APP_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "esp_enc_img/format.h"

#define FIXTURE_APP_BUF 4096u

static void fixture_fill(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(start + i);
    }
}

/*
 * An app binary: header, two segments (the descriptor opens the first; the second has len2 data
 * bytes), zero padding, the checksum byte ending a 16-byte block, 32 stand-in hash bytes.
 */
static size_t fixture_app(uint8_t *buf, size_t len2)
{
    const size_t len1 = EEI_APP_DESC_SIZE + 5;
    memset(buf, 0, FIXTURE_APP_BUF);
    buf[0] = EEI_APP_MAGIC;
    buf[EEI_APP_OFF_SEGMENTS] = 2;
    buf[EEI_APP_OFF_CHIP_ID] = 5;
    buf[EEI_APP_OFF_HASH_APPENDED] = 1;
    uint8_t *p = buf + EEI_APP_HEADER_SIZE;
    eei_le32_put(p + 4, (uint32_t)len1);
    uint8_t *desc = p + EEI_APP_SEGMENT_HEADER_SIZE;
    eei_le32_put(desc, EEI_APP_DESC_MAGIC);
    eei_le32_put(desc + EEI_APP_DESC_OFF_SECURE_VERSION, 7);
    memcpy(desc + EEI_APP_DESC_OFF_VERSION, "1.2.3", 5);
    memcpy(desc + EEI_APP_DESC_OFF_PROJECT, "blinky", 6);
    memcpy(desc + EEI_APP_DESC_OFF_IDF_VER, "v6.0.2", 6);
    fixture_fill(desc + 128, len1 - 128, 9);
    p = desc + len1;
    eei_le32_put(p + 4, (uint32_t)len2);
    fixture_fill(p + EEI_APP_SEGMENT_HEADER_SIZE, len2, 200);
    size_t body = (size_t)(p + EEI_APP_SEGMENT_HEADER_SIZE + len2 - buf);
    size_t end = (body + 16) & ~(size_t)15;
    uint8_t sum = EEI_APP_CHECKSUM_SEED;
    for (size_t i = 0; i < len1; i++) {
        sum ^= desc[i];
    }
    for (size_t i = 0; i < len2; i++) {
        sum ^= p[EEI_APP_SEGMENT_HEADER_SIZE + i];
    }
    buf[end - 1] = sum;
    fixture_fill(buf + end, EEI_APP_HASH_SIZE, 0xa0);
    memset(buf + end + EEI_APP_HASH_SIZE, 0xff,
           FIXTURE_APP_BUF - end - EEI_APP_HASH_SIZE); /* what follows */
    return end + EEI_APP_HASH_SIZE;
}

#endif
