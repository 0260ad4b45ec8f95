/*
 * The update path, the same code on the chip and in the host simulator: read the encrypted
 * image from a source into one fixed buffer, decrypt it in place, check the app it holds before
 * writing any of it, write it to the next OTA slot, and select that slot for boot only once the
 * image is authenticated and valid (and, when keys are trusted, signed by one of them). A
 * rejected image that reached the slot is invalidated there. A transfer that breaks off is
 * resumed where it stopped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eei_decryptor.h"
#include "eei_signature.h"

typedef struct {
    /* Read up to cap bytes: the count (> 0), 0 at the end of the image, < 0 on failure. */
    int (*read)(void *ctx, uint8_t *buf, size_t cap);
    /*
     * After a failed read: reconnect and continue at offset (bytes of the image already taken).
     * attempt counts from 1 for each interruption. 0 on success. NULL: the source cannot resume.
     */
    int (*resume)(void *ctx, uint64_t offset, int attempt);
    void *ctx;
} ota_source_t;

typedef struct {
    eei_dec_config key;
    bool skip_version_check; /* allow the version that is running now */
    /*
     * Keys whose Secure Boot V2 signature the app must carry (count 0: no check). Their
     * revocation is read from eFuse at each update, where the chip has revocation bits.
     */
    eei_sig_trust trust;
} ota_update_config_t;

typedef enum {
    OTA_UPDATE_OK,       /* written, validated and selected for boot */
    OTA_UPDATE_REJECTED, /* the image or its transfer was not acceptable; nothing changed */
    OTA_UPDATE_ERROR,    /* the device could not do it (configuration, flash, app state) */
} ota_update_result_t;

/* why receives a one-line reason when the result is not OTA_UPDATE_OK. */
ota_update_result_t ota_update_run(const ota_update_config_t *cfg, const ota_source_t *src,
                                   char *why, size_t why_len);

/*
 * Rollback. A new app boots "pending verification": it must prove itself and confirm, or the
 * next reset returns to the previous app. No update starts while the running app is pending.
 */
bool ota_running_pending(void);
/* The self-test passed: keep the running app (cancels the rollback). */
ota_update_result_t ota_confirm_running(char *why, size_t why_len);
/* The running app's state for logs: "factory", "new", "pending", "valid", ... */
const char *ota_running_state(void);
