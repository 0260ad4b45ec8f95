/*
 * The update path, the same code on the chip and in the host simulator: read the encrypted
 * image from a source into one fixed buffer, decrypt it in place, check the app it holds before
 * writing any of it, write it to the next OTA slot, and select that slot for boot only once the
 * image is authenticated and valid (and, when keys are trusted, signed by one of them). A
 * rejected image that reached the slot is invalidated there. A transfer that breaks off is
 * resumed where it stopped, or started again from byte 0 when the server ignores the Range
 * request. The image is complete when the length its header declares has arrived, whatever the
 * server said its length was. One attempt has a deadline and a minimum rate.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eei_decryptor.h"
#include "eei_signature.h"
#include "update_status.h"

typedef struct {
    /*
     * Read up to cap bytes: the count (> 0), 0 when the server's answer ended, < 0 when the
     * transfer failed (failure says why). A read returns within about a second once some
     * bytes are in, so that a slow transfer is seen while it is slow.
     */
    int (*read)(void *ctx, uint8_t *buf, size_t cap);
    /*
     * After a failed or ended read: reconnect and ask for the image from offset on (bytes of
     * the image already taken). attempt counts from 1 since the last byte that arrived.
     * Returns where the new answer starts: offset, or 0 when the server ignored the Range
     * request and sends the whole image again; < 0 on failure. NULL: the source cannot resume.
     */
    int64_t (*resume)(void *ctx, uint64_t offset, unsigned attempt);
    /* The length the server declared for the whole image; < 0 when it declared none. */
    int64_t (*declared_size)(void *ctx);
    /* Why the last read or resume failed (a link status and a detail); NULL: unknown. */
    const update_outcome_t *(*failure)(void *ctx);
    void *ctx;
} ota_source_t;

typedef struct {
    eei_dec_config key;
    bool skip_version_check; /* allow the version that is running now */
    bool allow_downgrade;    /* allow an older version (anti-rollback still applies) */
    /*
     * Keys whose Secure Boot V2 signature the app must carry (count 0: no check). Their
     * revocation is read from eFuse at each update, where the chip has revocation bits.
     */
    eei_sig_trust trust;
    unsigned resume_attempts; /* reconnections without a byte of progress before giving up */
    uint32_t deadline_ms;     /* the whole attempt, from started_us; 0: none */
    uint32_t min_rate;        /* bytes per second over each rate window; 0: none */
    uint32_t rate_window_ms;
    int64_t started_us; /* esp_timer_get_time() when the attempt began (before connecting) */
} ota_update_config_t;

/* One attempt from an open source; out gets the status and a one-line detail. */
update_status_t ota_update_run(const ota_update_config_t *cfg, const ota_source_t *src,
                               update_outcome_t *out);

/*
 * Rollback. A new app boots "pending verification": it must prove itself (its self-test) and
 * confirm, or be rolled back. No update starts while the running app is pending.
 */
bool ota_running_pending(void);
/* The self-test passed: keep the running app (cancels the rollback). */
update_status_t ota_confirm_running(update_outcome_t *out);
/*
 * The self-test failed: mark the running app invalid and restart into the previous one
 * (esp_ota_mark_app_invalid_rollback_and_reboot). Returns only when that is impossible.
 */
update_status_t ota_reject_running(update_outcome_t *out);
/* The running app's state for logs: "factory", "new", "pending", "valid", ... */
const char *ota_running_state(void);
