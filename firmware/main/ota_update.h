/*
 * The update path, the same code on the chip and in the host simulator: read the encrypted
 * image from a source into one fixed buffer, decrypt it in place, write it to the next OTA
 * slot, and select that slot for boot only once the image is authenticated and valid.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eei_decryptor.h"

typedef struct {
    /* Read up to cap bytes: the count (> 0), 0 at the end of the image, < 0 on failure. */
    int (*read)(void *ctx, uint8_t *buf, size_t cap);
    void *ctx;
} ota_source_t;

typedef struct {
    eei_dec_config key;
    bool skip_version_check; /* allow the version that is running now */
} ota_update_config_t;

typedef enum {
    OTA_UPDATE_OK,       /* written, validated and selected for boot */
    OTA_UPDATE_REJECTED, /* the image or its transfer was not acceptable; nothing changed */
    OTA_UPDATE_ERROR,    /* the device could not do it (configuration, flash) */
} ota_update_result_t;

/* why receives a one-line reason when the result is not OTA_UPDATE_OK. */
ota_update_result_t ota_update_run(const ota_update_config_t *cfg, const ota_source_t *src,
                                   char *why, size_t why_len);
