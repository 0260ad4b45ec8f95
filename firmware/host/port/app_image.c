/* Valid ESP app images for the simulated device and the tests. */
#include <string.h>

#include "esp_sim.h"
#include "mbedtls/md.h"

#define HEADER_SIZE 24
#define SEGMENT_HEADER_SIZE 8
#define APP_DESC_SIZE 256

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint8_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return (uint8_t)x;
}

/*
 * Image header, two segments (the app descriptor opens the first, at offset 32), zero padding
 * so the checksum byte ends a 16-byte block, then the SHA-256 of everything before it.
 */
size_t sim_app_image_build(uint8_t *buf, size_t size, const sim_app_image_opts *opts)
{
    uint32_t seg0 = (uint32_t)(size / 3) & ~3u;
    seg0 = seg0 < APP_DESC_SIZE ? APP_DESC_SIZE : seg0;
    uint32_t seg1 = (uint32_t)(size > seg0 ? size - seg0 : 4) & ~3u;
    size_t body = HEADER_SIZE + 2 * SEGMENT_HEADER_SIZE + seg0 + seg1;
    size_t padded = (body + 1 + 15) & ~(size_t)15;
    memset(buf, 0, padded + 32);

    buf[0] = 0xe9;
    buf[1] = 2;    /* segments */
    buf[2] = 2;    /* SPI mode DIO */
    buf[3] = 0x20; /* 40 MHz, 4 MB */
    put32(buf + 4, 0x40380080u);
    buf[8] = 0xee; /* WP pin disabled */
    put16(buf + 12, opts->chip_id);
    put16(buf + 17, 199); /* max chip revision v1.99 */
    buf[23] = 1;          /* SHA-256 appended */

    uint8_t *s0 = buf + HEADER_SIZE;
    put32(s0, 0x3c000020u);
    put32(s0 + 4, seg0);
    uint8_t *d = s0 + SEGMENT_HEADER_SIZE;
    put32(d, 0xabcd5432u);
    strncpy((char *)d + 16, opts->version, 31);
    strncpy((char *)d + 48, opts->project, 31);
    memcpy(d + 80, "00:00:00", 8);
    memcpy(d + 96, "Jan  1 2026", 11);
    memcpy(d + 112, "v5.3", 4);
    d[180] = 16; /* MMU page size 64 KiB, log2 */
    uint32_t state = opts->seed * 2654435761u + 1u;
    for (uint32_t i = APP_DESC_SIZE; i < seg0; i++) {
        d[i] = next_random(&state);
    }
    uint8_t *s1 = d + seg0;
    put32(s1, 0x42000020u);
    put32(s1 + 4, seg1);
    for (uint32_t i = 0; i < seg1; i++) {
        s1[SEGMENT_HEADER_SIZE + i] = next_random(&state);
    }

    uint8_t checksum = 0xef;
    for (uint32_t i = 0; i < seg0; i++) {
        checksum ^= d[i];
    }
    for (uint32_t i = 0; i < seg1; i++) {
        checksum ^= s1[SEGMENT_HEADER_SIZE + i];
    }
    buf[padded - 1] = checksum;
    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), buf, padded, buf + padded);
    return padded + 32;
}
