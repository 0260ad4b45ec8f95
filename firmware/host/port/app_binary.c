/*
 * ESP app binaries on the simulated device: valid ones built for the tests, and the check the
 * bootloader and esp_ota_end() make (esp_image_verify, minus signatures).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "esp_app_desc.h"
#include "esp_enc_img/format.h"
#include "esp_sim.h"

#define MAX_SEGMENTS 16
#define SHA256_SIZE 32u

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
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

/* Flash-mapped segments (the DROM and IROM windows) start at their load address's offset in an
 * MMU page: the bootloader maps whole pages. */
#define MMU_PAGE 0x10000u
#define DROM_ADDR 0x3c000020u
#define IROM_ADDR 0x42000020u
#define DRAM_ADDR 0x3fc88000u /* a loaded segment: copied to RAM, no page rule */

static bool flash_mapped(uint32_t addr)
{
    return (addr >> 24) == 0x3c || (addr >> 24) == 0x42;
}

/*
 * Image header, two segments: the app descriptor opens the first, flash-mapped data at offset 32;
 * the second is flash-mapped code in a big image (the first then as long as it takes to put it at
 * its load address's page offset) or data loaded to RAM in a small one. Then zero padding so the
 * checksum byte ends a 16-byte block, and the SHA-256 of everything before it.
 */
size_t sim_app_binary_build(uint8_t *buf, size_t size, const sim_app_binary_opts *opts)
{
    uint32_t seg1_data = EEI_APP_HEADER_SIZE + 2 * EEI_APP_SEGMENT_HEADER_SIZE;
    uint32_t seg0 = (uint32_t)(size / 3) & ~3u;
    seg0 = seg0 < EEI_APP_DESC_SIZE ? EEI_APP_DESC_SIZE : seg0;
    bool mapped = size >= 2 * MMU_PAGE;
    while (mapped && (seg1_data + seg0) % MMU_PAGE != IROM_ADDR % MMU_PAGE) {
        seg0 += 4;
    }
    uint32_t seg1 = (uint32_t)(size > seg0 ? size - seg0 : 4) & ~3u;
    size_t body = EEI_APP_HEADER_SIZE + 2 * EEI_APP_SEGMENT_HEADER_SIZE + seg0 + seg1;
    size_t padded = (body + 1 + 15) & ~(size_t)15;
    memset(buf, 0, padded + SHA256_SIZE);

    buf[0] = EEI_APP_MAGIC;
    buf[1] = 2;    /* segments */
    buf[2] = 2;    /* SPI mode DIO */
    buf[3] = 0x20; /* 40 MHz, 4 MB */
    eei_le32_put(buf + 4, 0x40380080u);
    buf[8] = 0xee; /* WP pin disabled */
    put16(buf + EEI_APP_OFF_CHIP_ID, opts->chip_id);
    put16(buf + 17, 199); /* max chip revision v1.99 */
    buf[23] = 1;          /* SHA-256 appended */

    uint8_t *s0 = buf + EEI_APP_HEADER_SIZE;
    eei_le32_put(s0, DROM_ADDR);
    eei_le32_put(s0 + 4, seg0);
    uint8_t *d = s0 + EEI_APP_SEGMENT_HEADER_SIZE;
    /* the descriptor as the chip lays it out (little-endian, like this host) */
    esp_app_desc_t desc = {
        .magic_word = EEI_APP_DESC_MAGIC,
        .secure_version = opts->secure_version,
        .time = "00:00:00",
        .date = "Jan  1 2026",
        .idf_ver = "v5.5",
        .mmu_page_size = 16, /* 64 KiB, log2 */
    };
    snprintf(desc.version, sizeof(desc.version), "%s", opts->version);
    snprintf(desc.project_name, sizeof(desc.project_name), "%s", opts->project);
    memcpy(d, &desc, sizeof(desc));
    uint32_t state = opts->seed * 2654435761u + 1u;
    for (uint32_t i = EEI_APP_DESC_SIZE; i < seg0; i++) {
        d[i] = next_random(&state);
    }
    uint8_t *s1 = d + seg0;
    eei_le32_put(s1, mapped ? IROM_ADDR : DRAM_ADDR);
    eei_le32_put(s1 + 4, seg1);
    for (uint32_t i = 0; i < seg1; i++) {
        s1[EEI_APP_SEGMENT_HEADER_SIZE + i] = next_random(&state);
    }

    uint8_t checksum = 0xef;
    for (uint32_t i = 0; i < seg0; i++) {
        checksum ^= d[i];
    }
    for (uint32_t i = 0; i < seg1; i++) {
        checksum ^= s1[EEI_APP_SEGMENT_HEADER_SIZE + i];
    }
    buf[padded - 1] = checksum;
    unsigned int len = 0;
    EVP_Digest(buf, padded, buf + padded, &len, EVP_sha256(), NULL);
    return padded + SHA256_SIZE;
}

static size_t image_fail(char *why, size_t why_len, const char *msg)
{
    if (why) {
        snprintf(why, why_len, "%s", msg);
    }
    return 0;
}

/* The SHA-256 of the first len bytes of a partition. */
static bool partition_sha256(const esp_partition_t *p, uint32_t len, uint8_t out[SHA256_SIZE])
{
    uint8_t buf[4096];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    for (uint32_t done = 0; ok && done < len;) {
        uint32_t n = len - done < sizeof(buf) ? len - done : (uint32_t)sizeof(buf);
        ok = esp_partition_read(p, done, buf, n) == ESP_OK && EVP_DigestUpdate(ctx, buf, n) == 1;
        done += n;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

size_t sim_app_binary_verify(const esp_partition_t *p, uint16_t chip, char *why, size_t why_len)
{
    uint8_t hdr[EEI_APP_HEADER_SIZE];
    if (esp_partition_read(p, 0, hdr, sizeof(hdr)) != ESP_OK) {
        return image_fail(why, why_len, "cannot read the image header");
    }
    if (hdr[0] != EEI_APP_MAGIC) {
        return image_fail(why, why_len, "bad image magic (not 0xE9)");
    }
    int segments = hdr[1];
    if (segments == 0 || segments > MAX_SEGMENTS) {
        return image_fail(why, why_len, "bad segment count");
    }
    if ((uint16_t)(hdr[EEI_APP_OFF_CHIP_ID] | hdr[EEI_APP_OFF_CHIP_ID + 1] << 8) != chip) {
        return image_fail(why, why_len, "the image is built for another chip");
    }
    uint8_t checksum = 0xef;
    uint32_t pos = EEI_APP_HEADER_SIZE;
    uint8_t buf[4096];
    for (int s = 0; s < segments; s++) {
        uint8_t sh[EEI_APP_SEGMENT_HEADER_SIZE];
        if (pos > p->size - EEI_APP_SEGMENT_HEADER_SIZE ||
            esp_partition_read(p, pos, sh, sizeof(sh)) != ESP_OK) {
            return image_fail(why, why_len, "segment header outside the partition");
        }
        uint32_t addr = eei_le32_get(sh), len = eei_le32_get(sh + 4);
        pos += EEI_APP_SEGMENT_HEADER_SIZE;
        if (flash_mapped(addr) && pos % MMU_PAGE != addr % MMU_PAGE) {
            return image_fail(why, why_len, "a flash-mapped segment is not at its page offset");
        }
        if (len > p->size - pos) {
            return image_fail(why, why_len, "segment data outside the partition");
        }
        if (s == 0) {
            uint8_t magic[4];
            if (len < EEI_APP_DESC_SIZE || pos != EEI_APP_DESC_OFFSET ||
                esp_partition_read(p, pos, magic, sizeof(magic)) != ESP_OK ||
                eei_le32_get(magic) != EEI_APP_DESC_MAGIC) {
                return image_fail(why, why_len, "no app descriptor at offset 32");
            }
        }
        for (uint32_t done = 0; done < len;) {
            uint32_t n = len - done < sizeof(buf) ? len - done : (uint32_t)sizeof(buf);
            if (esp_partition_read(p, pos + done, buf, n) != ESP_OK) {
                return image_fail(why, why_len, "cannot read a segment");
            }
            for (uint32_t i = 0; i < n; i++) {
                checksum ^= buf[i];
            }
            done += n;
        }
        pos += len;
    }
    /* the checksum byte ends a 16-byte block */
    uint32_t end = (pos + 1 + 15) & ~15u;
    uint8_t stored;
    if (end > p->size || esp_partition_read(p, end - 1, &stored, 1) != ESP_OK) {
        return image_fail(why, why_len, "checksum outside the partition");
    }
    if (stored != checksum) {
        return image_fail(why, why_len, "checksum mismatch");
    }
    if (hdr[23] == 1) {
        uint8_t want[SHA256_SIZE], got[SHA256_SIZE];
        if (end + SHA256_SIZE > p->size ||
            esp_partition_read(p, end, want, sizeof(want)) != ESP_OK ||
            !partition_sha256(p, end, got)) {
            return image_fail(why, why_len, "appended SHA-256 outside the partition");
        }
        if (memcmp(want, got, sizeof(got)) != 0) {
            return image_fail(why, why_len, "appended SHA-256 mismatch");
        }
        end += SHA256_SIZE;
    }
    return end;
}
