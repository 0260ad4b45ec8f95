/*
 * Build a valid ESP application image (what `idf.py build` produces) for tests and the demo:
 * image header, segments with the app descriptor first, checksum byte, appended SHA-256.
 *
 *   make_app_image OUT [--size BYTES] [--chip esp32|esp32s2|esp32s3|esp32c3|esp32c6]
 *                      [--version TEXT] [--project TEXT] [--seed N]
 *
 * The content is deterministic for a given seed; only the layout is meaningful.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define IMAGE_MAGIC 0xe9
#define APP_DESC_MAGIC 0xabcd5432u
#define HEADER_SIZE 24
#define SEGMENT_HEADER_SIZE 8
#define APP_DESC_SIZE 256
#define CHECKSUM_SEED 0xef

static const struct {
    const char *name;
    uint16_t id;
} chips[] = {
    {"esp32", 0x0000},   {"esp32s2", 0x0002}, {"esp32c3", 0x0005},
    {"esp32s3", 0x0009}, {"esp32c6", 0x000d},
};

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

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *version = "1.0.0", *project = "hello_app";
    const char *chip = "esp32c3";
    unsigned long size = 65536, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--size") == 0 && v) {
            size = strtoul(v, NULL, 0);
            i++;
        } else if (strcmp(argv[i], "--chip") == 0 && v) {
            chip = v;
            i++;
        } else if (strcmp(argv[i], "--version") == 0 && v) {
            version = v;
            i++;
        } else if (strcmp(argv[i], "--project") == 0 && v) {
            project = v;
            i++;
        } else if (strcmp(argv[i], "--seed") == 0 && v) {
            seed = strtoul(v, NULL, 0);
            i++;
        } else if (!out_path && argv[i][0] != '-') {
            out_path = argv[i];
        } else {
            fprintf(stderr, "make_app_image: bad argument '%s'\n", argv[i]);
            return 2;
        }
    }
    int chip_idx = -1;
    for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
        if (strcmp(chips[i].name, chip) == 0) {
            chip_idx = (int)i;
        }
    }
    if (!out_path || chip_idx < 0 || size < 1024 || size > (64ul << 20)) {
        fprintf(stderr, "usage: make_app_image OUT [--size 1024..64MiB] [--chip NAME] "
                        "[--version V] [--project P] [--seed N]\n");
        return 2;
    }

    /* two segments: descriptor + rodata, then code; lengths are multiples of 4 */
    uint32_t seg0_len = (uint32_t)((size / 3) & ~3ul);
    if (seg0_len < APP_DESC_SIZE) {
        seg0_len = APP_DESC_SIZE;
    }
    uint32_t seg1_len = (uint32_t)((size - seg0_len) & ~3ul);
    size_t body = HEADER_SIZE + 2 * SEGMENT_HEADER_SIZE + seg0_len + seg1_len;
    size_t padded = (body + 1 + 15) & ~(size_t)15; /* the checksum ends a 16-byte block */
    size_t total = padded + EEI_SHA256_SIZE;
    uint8_t *img = calloc(1, total);
    if (!img) {
        return 3;
    }

    uint8_t *h = img;
    h[0] = IMAGE_MAGIC;
    h[1] = 2;                  /* segment count */
    h[2] = 2;                  /* SPI mode DIO */
    h[3] = 0x20;               /* 40 MHz, 4 MB */
    put32(h + 4, 0x40380080u); /* entry address */
    h[8] = 0xee;               /* WP pin: disabled */
    put16(h + 12, chips[chip_idx].id);
    put16(h + 17, 199); /* max chip revision v1.99 */
    h[23] = 1;          /* SHA-256 appended */

    uint8_t *s0 = img + HEADER_SIZE;
    put32(s0, 0x3c000020u);
    put32(s0 + 4, seg0_len);
    uint8_t *d = s0 + SEGMENT_HEADER_SIZE; /* offset 32: the app descriptor */
    put32(d, APP_DESC_MAGIC);
    snprintf((char *)d + 16, 32, "%s", version);
    snprintf((char *)d + 48, 32, "%s", project);
    snprintf((char *)d + 80, 16, "%s", "00:00:00");
    snprintf((char *)d + 96, 16, "%s", "Jan  1 2026");
    snprintf((char *)d + 112, 32, "%s", "v5.3");
    d[180] = 16; /* MMU page size: 64 KiB as log2 */
    uint32_t state = (uint32_t)seed * 2654435761u + 1;
    for (uint32_t i = APP_DESC_SIZE; i < seg0_len; i++) {
        d[i] = (uint8_t)next_random(&state);
    }
    uint8_t *s1 = d + seg0_len;
    put32(s1, 0x42000020u);
    put32(s1 + 4, seg1_len);
    for (uint32_t i = 0; i < seg1_len; i++) {
        s1[SEGMENT_HEADER_SIZE + i] = (uint8_t)next_random(&state);
    }

    uint8_t checksum = CHECKSUM_SEED;
    for (uint32_t i = 0; i < seg0_len; i++) {
        checksum ^= d[i];
    }
    for (uint32_t i = 0; i < seg1_len; i++) {
        checksum ^= s1[SEGMENT_HEADER_SIZE + i];
    }
    img[padded - 1] = checksum;

    eei_error err;
    crypto_sha256 *sha = NULL;
    if (crypto_sha256_start(&sha, &err) != 0) {
        return 3;
    }
    crypto_sha256_update(sha, img, padded);
    crypto_sha256_finish(sha, img + padded);
    crypto_sha256_free(sha);

    FILE *f = fopen(out_path, "wb");
    if (!f || fwrite(img, 1, total, f) != total || fclose(f) != 0) {
        perror(out_path);
        return 3;
    }
    free(img);
    return 0;
}
