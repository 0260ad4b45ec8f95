#include "ota_update.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app_version.h"
#include "esp_efuse.h"
#include "esp_err.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "sdkconfig.h"
#include "soc/soc_caps.h"

static const char *TAG = "ota_update";

_Static_assert(CONFIG_EEI_OTA_BUFFER_SIZE % EEI_GCM_BLOCK_SIZE == 0,
               "whole GCM blocks per read keep the decryptor on its fast path");

/*
 * One fixed buffer: the download lands here and is decrypted in place; the signature check
 * reads a whole signature block through it, larger than the smallest download size.
 */
#define DOWNLOAD_SIZE (CONFIG_EEI_OTA_BUFFER_SIZE + EEI_DEC_OUT_SLACK)
static uint8_t s_buf[DOWNLOAD_SIZE > EEI_SIG_BUF_MIN ? DOWNLOAD_SIZE : EEI_SIG_BUF_MIN];
static eei_dec s_dec;

/* The first plaintext bytes are held back until they show an app this device may run. */
typedef struct {
    uint8_t bytes[EEI_APP_HEAD_SIZE];
    size_t fill;
    bool checked;
} app_head;

typedef struct {
    const ota_update_config_t *cfg;
    const ota_source_t *src;
    const esp_partition_t *target;
    esp_ota_handle_t ota;
    bool begun;   /* esp_ota_begin: only once the head showed an app this device may run */
    bool touched; /* the slot was written in this attempt: a rejection erases it */
    /*
     * The head is no app: the rest is decrypted without being written, so that the tag tells
     * an image for another key (nothing decrypts) from an authentic image that holds no app.
     */
    bool no_app;
    uint64_t received;   /* image bytes taken from the source */
    uint64_t image_size; /* header + payload, once the header is in */
    app_head head;
    uint64_t delivered;      /* every byte the source gave in this attempt */
    int64_t breathed_us;     /* when the idle task last had the core for certain */
    int64_t window_start_us; /* the minimum rate is checked over windows */
    uint64_t window_start_delivered;
    update_outcome_t *out;
} update;

/* Record why the update stops, and log it. */
static update_status_t say(update *u, update_status_t status, const char *fmt, const char *detail)
{
    update_fail(u->out, status, fmt, detail);
    ESP_LOGE(TAG, "%s", u->out->detail);
    return status;
}

/*
 * The task watchdog watches the idle task: this task must never keep it off the core for
 * seconds. Long computations that cannot be cut (the RSA-3072 unwrap in software takes seconds,
 * ESP-IDF hashing a whole app to validate it) run at the idle task's priority, so that the idle
 * task shares the core (at a cost: its hook waits for the next tick each time, so they take about
 * twice as long); loops of our own (the transfer, which decrypts and writes as fast as the link
 * delivers, and the signature check's hashing) block for a tick every second instead.
 */
#define BREATHE_EVERY_US 1000000

typedef struct {
    UBaseType_t priority;
} yielding;

static yielding yield_begin(void)
{
    yielding y = {uxTaskPriorityGet(NULL)};
    vTaskPrioritySet(NULL, tskIDLE_PRIORITY);
    return y;
}

static void yield_end(yielding y)
{
    vTaskPrioritySet(NULL, y.priority);
}

/* The chip id in the running app's image header: images for another chip are refused. */
static uint16_t running_chip_id(void)
{
    uint8_t id[2] = {0xff, 0xff};
    if (esp_partition_read(esp_ota_get_running_partition(), EEI_APP_OFF_CHIP_ID, id, sizeof(id)) !=
        ESP_OK) {
        return 0xffff;
    }
    return (uint16_t)(id[0] | id[1] << 8);
}

/* The version rule (app_version.h), with the two Kconfig exceptions. */
static update_status_t check_version(update *u, const char *version)
{
    const esp_app_desc_t *now = esp_app_get_description();
    char running[sizeof(now->version) + 1];
    snprintf(running, sizeof(running), "%.*s", (int)sizeof(now->version), now->version);
    char v[96];
    switch (app_version_judge(running, version)) {
    case APP_VERSION_NEWER:
    case APP_VERSION_OTHER:
        return UPDATE_OK;
    case APP_VERSION_SAME:
        if (u->cfg->skip_version_check) {
            return UPDATE_OK;
        }
        snprintf(v, sizeof(v), "%s", version);
        return say(u, UPDATE_CURRENT, "version %s is already running", v);
    case APP_VERSION_OLDER:
        if (u->cfg->allow_downgrade) {
            ESP_LOGW(TAG, "version %s is older than %s: a downgrade, allowed", version, running);
            return UPDATE_OK;
        }
        snprintf(v, sizeof(v), "%s < %s", version, running);
        return say(u, UPDATE_REJECTED_VERSION, "a downgrade is refused: version %s", v);
    case APP_VERSION_UNORDERED:
        break;
    }
    if (u->cfg->allow_downgrade) {
        return UPDATE_OK;
    }
    snprintf(v, sizeof(v), "%s (running %s)", version, running);
    return say(u, UPDATE_REJECTED_VERSION,
               "version %s is not a semantic version: it cannot be shown to be newer", v);
}

/* Before a byte is written: an app for this chip, not the running version, not rolled back. */
static update_status_t check_app(update *u)
{
    eei_app_head app;
    if (!eei_app_head_parse(u->head.bytes, &app)) {
        ESP_LOGW(TAG, "the decrypted start is no ESP app binary: reading on to check the tag");
        u->no_app = true;
        return UPDATE_OK;
    }
    ESP_LOGI(TAG, "new firmware version %s, secure version %" PRIu32 " (running %.32s)",
             app.version, app.secure_version, esp_app_get_description()->version);
    if (app.chip_id != running_chip_id()) {
        return say(u, UPDATE_REJECTED_APP, "%s", "the image is built for another chip");
    }
    update_status_t r = check_version(u, app.version);
    if (r != UPDATE_OK) {
        return r;
    }
    uint32_t floor = esp_efuse_read_secure_version();
    if (app.secure_version < floor) {
        char v[48];
        snprintf(v, sizeof(v), "%" PRIu32 " < %" PRIu32, app.secure_version, floor);
        return say(u, UPDATE_REJECTED_VERSION, "anti-rollback: secure version %s in eFuse", v);
    }
    return UPDATE_OK;
}

static update_status_t write_plain(update *u, const uint8_t *plain, size_t n)
{
    esp_err_t err = esp_ota_write(u->ota, plain, n);
    if (err != ESP_OK) {
        /* an image that is not valid or does not fit is the image's fault, not the device's */
        bool image = err == ESP_ERR_OTA_VALIDATE_FAILED || err == ESP_ERR_INVALID_SIZE;
        return say(u, image ? UPDATE_REJECTED_APP : UPDATE_ERROR, "esp_ota_write: %s",
                   esp_err_to_name(err));
    }
    return UPDATE_OK;
}

/* Plaintext in order: the head is collected and checked, then everything is written. */
static update_status_t take_plain(update *u, const uint8_t *plain, size_t n)
{
    if (u->no_app) {
        return UPDATE_OK;
    }
    if (!u->head.checked) {
        size_t take = EEI_APP_HEAD_SIZE - u->head.fill < n ? EEI_APP_HEAD_SIZE - u->head.fill : n;
        memcpy(u->head.bytes + u->head.fill, plain, take);
        u->head.fill += take;
        plain += take;
        n -= take;
        if (u->head.fill < EEI_APP_HEAD_SIZE) {
            return UPDATE_OK;
        }
        u->head.checked = true;
        update_status_t r = check_app(u);
        if (r != UPDATE_OK || u->no_app) {
            return r;
        }
        esp_err_t err = esp_ota_begin(u->target, OTA_WITH_SEQUENTIAL_WRITES, &u->ota);
        if (err != ESP_OK) {
            return say(u, UPDATE_ERROR, "esp_ota_begin: %s", esp_err_to_name(err));
        }
        u->begun = true;
        u->touched = true;
        r = write_plain(u, u->head.bytes, EEI_APP_HEAD_SIZE);
        if (r != UPDATE_OK) {
            return r;
        }
    }
    return n > 0 ? write_plain(u, plain, n) : UPDATE_OK;
}

/* A decryptor error in the words of update_status.h. */
static update_status_t decryptor_failed(update *u, eei_dec_err de)
{
    switch (de) {
    case EEI_DEC_ERR_UNWRAP:
        return say(u, UPDATE_REJECTED_KEY, "this image was not made for this device's key (%s)",
                   "the AES key does not unwrap");
    case EEI_DEC_ERR_MAGIC:
    case EEI_DEC_ERR_SCHEME:
    case EEI_DEC_ERR_POINT:
    case EEI_DEC_ERR_TRAILING:
    case EEI_DEC_ERR_TRUNCATED:
        return say(u, UPDATE_REJECTED_HEADER, "%s", eei_dec_strerror(de));
    case EEI_DEC_ERR_AUTH: {
        /* another key decrypts to noise: no trace of an app's two magic numbers at the start */
        const uint8_t *h = u->head.bytes;
        bool trace =
            u->head.fill > 0 && (h[0] == EEI_APP_MAGIC ||
                                 (u->head.fill >= EEI_APP_DESC_OFFSET + 4 &&
                                  eei_le32_get(h + EEI_APP_DESC_OFFSET) == EEI_APP_DESC_MAGIC));
        if (!trace) {
            return say(u, UPDATE_REJECTED_KEY, "this image was not made for this device's key (%s)",
                       "nothing in it decrypts and its tag fails");
        }
        return say(u, UPDATE_REJECTED_TAG, "%s", "authentication failed: the image was altered");
    }
    case EEI_DEC_OK:
    case EEI_DEC_ERR_ARG:
    case EEI_DEC_ERR_KEY:
    case EEI_DEC_ERR_EFUSE:
    case EEI_DEC_ERR_CRYPTO:
    case EEI_DEC_ERR_DS_PARTITION:
    case EEI_DEC_ERR_DS_DATA:
    case EEI_DEC_ERR_DS_KEY:
        break;
    }
    return say(u, UPDATE_ERROR, "decryptor: %s", eei_dec_strerror(de));
}

/* The minimum rate is measured from here on. */
static void restart_window(update *u)
{
    u->window_start_us = esp_timer_get_time();
    u->window_start_delivered = u->delivered;
}

/* Start (again) from the image's first byte: the decryptor and the app check from scratch. */
static update_status_t start_image(update *u)
{
    if (u->begun) {
        esp_ota_abort(u->ota);
        u->begun = false;
    }
    eei_dec_abort(&s_dec);
    memset(&u->head, 0, sizeof(u->head));
    u->no_app = false;
    u->received = 0;
    u->image_size = 0;
    yielding y = yield_begin(); /* loading an RSA-3072 key is long in software too */
    eei_dec_err de = eei_dec_start(&s_dec, &u->cfg->key);
    yield_end(y);
    if (de != EEI_DEC_OK) {
        return say(u, UPDATE_ERROR, "decryptor: %s", eei_dec_strerror(de));
    }
    restart_window(u); /* the device's own work is no slowness of the link */
    return UPDATE_OK;
}

/* Encrypted bytes in s_buf: through the decryptor, the plaintext to the slot. */
static update_status_t take(update *u, size_t got)
{
    bool unwrap = u->received + got == EEI_HEADER_SIZE; /* the header's last byte opens it */
    size_t plain = 0;
    yielding y = {0};
    int64_t t0 = 0;
    if (unwrap) {
        y = yield_begin();
        t0 = esp_timer_get_time();
    }
    eei_dec_err de = eei_dec_feed(&s_dec, s_buf, got, s_buf, sizeof(s_buf), &plain);
    if (unwrap) {
        yield_end(y);
        restart_window(u);
    }
    if (de != EEI_DEC_OK) {
        return decryptor_failed(u, de);
    }
    if (unwrap) {
        ESP_LOGI(TAG, "the image's key is established (%" PRId64 " ms)",
                 (esp_timer_get_time() - t0) / 1000);
    }
    u->received += got;
    const eei_header *h = eei_dec_header(&s_dec);
    if (h && u->image_size == 0) {
        u->image_size = EEI_HEADER_SIZE + (uint64_t)h->payload_len;
        if (h->payload_len > u->target->size) {
            char v[64];
            snprintf(v, sizeof(v), "%" PRIu32 " bytes, the slot %" PRIu32, h->payload_len,
                     u->target->size);
            return say(u, UPDATE_REJECTED_APP, "the app is larger than the OTA slot (%s)", v);
        }
    }
    return take_plain(u, s_buf, plain);
}

/* The attempt's deadline, and the minimum rate over each window. */
static update_status_t pace(update *u)
{
    const ota_update_config_t *cfg = u->cfg;
    int64_t now = esp_timer_get_time();
    char v[112];
    if (cfg->deadline_ms > 0 && now - cfg->started_us > (int64_t)cfg->deadline_ms * 1000) {
        snprintf(v, sizeof(v), "%" PRIu32 " s passed with %" PRIu64 " of %" PRIu64 " bytes",
                 cfg->deadline_ms / 1000, u->received, u->image_size);
        return say(u, UPDATE_LINK_SLOW, "too slow: the attempt's deadline of %s", v);
    }
    if (cfg->min_rate > 0 && now - u->window_start_us >= (int64_t)cfg->rate_window_ms * 1000) {
        uint64_t bytes = u->delivered - u->window_start_delivered;
        uint64_t want = (uint64_t)cfg->min_rate * cfg->rate_window_ms / 1000;
        if (bytes < want) {
            snprintf(v, sizeof(v),
                     "%" PRIu64 " bytes in %" PRId64 " ms, at least %" PRIu32 " bytes/s wanted",
                     bytes, (now - u->window_start_us) / 1000, cfg->min_rate);
            return say(u, UPDATE_LINK_SLOW, "too slow: %s", v);
        }
        u->window_start_us = now;
        u->window_start_delivered = u->delivered;
    }
    return UPDATE_OK;
}

/* The source's account of its last failure, or what the update saw. */
static update_status_t link_failed(update *u, update_status_t fallback, const char *what)
{
    const update_outcome_t *f = u->src->failure ? u->src->failure(u->src->ctx) : NULL;
    char v[sizeof(u->out->detail)];
    if (f && f->detail[0]) {
        snprintf(v, sizeof(v), "%.100s (%.80s)", f->detail, what);
        return say(u, f->status, "%s", v);
    }
    return say(u, fallback, "%s", what);
}

/* The transfer broke off (read < 0) or the answer ended early (0): resume, or start over. */
static update_status_t resume(update *u, unsigned *attempts, bool ended)
{
    char what[96];
    int64_t declared = u->src->declared_size ? u->src->declared_size(u->src->ctx) : -1;
    if (ended && declared >= 0 && u->received == (uint64_t)declared) {
        /* everything the server has arrived: asking for more would get a 416 */
        snprintf(what, sizeof(what), "%" PRIu64 " bytes, its header %s", u->received,
                 u->image_size ? "declares more" : "is not complete");
        return say(u, UPDATE_REJECTED_HEADER, "the image is truncated: the server has %s", what);
    }
    snprintf(what, sizeof(what), "%s after %" PRIu64 " bytes of %s",
             ended ? "the server's answer ended" : "the transfer broke off", u->received,
             u->image_size ? "the image" : "its header");
    while (u->src->resume && *attempts < u->cfg->resume_attempts) {
        (*attempts)++;
        ESP_LOGW(TAG, "%s: resuming (attempt %u of %u)", what, *attempts, u->cfg->resume_attempts);
        int64_t at = u->src->resume(u->src->ctx, u->received, *attempts);
        update_status_t r = pace(u);
        if (r != UPDATE_OK) {
            return r;
        }
        if (at >= 0 && (uint64_t)at == u->received) {
            return UPDATE_OK;
        }
        if (at == 0) {
            ESP_LOGW(TAG, "the server ignored the Range request: starting again from byte 0, "
                          "the slot is written again from its start");
            return start_image(u);
        }
    }
    if (ended && (!u->src->failure || !u->src->failure(u->src->ctx))) {
        return say(u, UPDATE_LINK_CUT, "%s", what);
    }
    return link_failed(u, UPDATE_LINK_CUT, what);
}

/* A tick for the idle task (and the watchdog it feeds), once a second of busy transfer. */
static void breathe(update *u)
{
    int64_t now = esp_timer_get_time();
    if (now - u->breathed_us >= BREATHE_EVERY_US) {
        vTaskDelay(1);
        u->breathed_us = esp_timer_get_time();
    }
}

static update_status_t transfer(update *u)
{
    const ota_source_t *src = u->src;
    unsigned attempts = 0; /* resumes since the last byte arrived */
    u->breathed_us = esp_timer_get_time();
    for (;;) {
        breathe(u);
        if (u->image_size > 0 && u->received == u->image_size) {
            break; /* the header's length is in, whatever the server said */
        }
        size_t cap = CONFIG_EEI_OTA_BUFFER_SIZE;
        if (u->received < EEI_HEADER_SIZE) {
            cap = EEI_HEADER_SIZE - (size_t)u->received; /* the header alone, then the unwrap */
        } else if (u->image_size - u->received < cap) {
            cap = (size_t)(u->image_size - u->received); /* never past the image */
        }
        int got = src->read(src->ctx, s_buf, cap);
        if (got > 0) {
            attempts = 0;
            u->delivered += (uint64_t)got;
        }
        update_status_t r = pace(u);
        if (r == UPDATE_OK && got <= 0) {
            r = resume(u, &attempts, got == 0);
        } else if (r == UPDATE_OK) {
            r = take(u, (size_t)got);
        }
        if (r != UPDATE_OK) {
            return r;
        }
    }
    int64_t declared = src->declared_size ? src->declared_size(src->ctx) : -1;
    if (declared >= 0 && (uint64_t)declared != u->image_size) {
        ESP_LOGW(TAG,
                 "the server declared %" PRId64 " bytes, the image's header %" PRIu64
                 ": the image is complete at its own length",
                 declared, u->image_size);
    }
    eei_dec_err de = eei_dec_finish(&s_dec);
    if (de != EEI_DEC_OK) {
        return decryptor_failed(u, de);
    }
    if (u->no_app) {
        return say(u, UPDATE_REJECTED_APP, "%s",
                   "the image is authentic but holds no ESP app binary");
    }
    if (!u->head.checked) {
        return say(u, UPDATE_REJECTED_APP, "%s", "the image is too short to be an app");
    }
    return UPDATE_OK;
}

/* The signature check reads the app back through here, a block at a time. */
static int read_slot(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    update *u = ctx;
    const esp_partition_t *p = u->target;
    breathe(u); /* the whole app is hashed: seconds in software */
    bool inside = offset <= p->size && len <= p->size - offset;
    return inside && esp_partition_read(p, (size_t)offset, buf, len) == ESP_OK ? 0 : -1;
}

/* The app as written to the slot, read back: signed by a trusted key that is not revoked. */
static update_status_t check_signature(update *u)
{
    _Static_assert(sizeof(s_buf) >= EEI_SIG_BUF_MIN, "the download buffer holds a signature block");
    ESP_LOGI(TAG, "checking the Secure Boot V2 signature of the app in %s", u->target->label);
    eei_sig_trust trust = u->cfg->trust;
#if SOC_SUPPORT_SECURE_BOOT_REVOKE_KEY
    for (size_t i = 0; i < trust.count; i++) {
        trust.keys[i].revoked = esp_efuse_get_digest_revoke((unsigned)i);
    }
#endif
    int slot = -1;
    uint32_t app_size = (uint32_t)(u->image_size - EEI_HEADER_SIZE);
    eei_sig_err se = eei_sig_check(&trust, app_size, read_slot, u, s_buf, sizeof(s_buf), &slot);
    if (se == EEI_SIG_ERR_READ || se == EEI_SIG_ERR_CRYPTO || se == EEI_SIG_ERR_ARG) {
        return say(u, UPDATE_ERROR, "signature check: %s", eei_sig_strerror(se));
    }
    if (se != EEI_SIG_OK) {
        return say(u, UPDATE_REJECTED_SIGNATURE, "%s", eei_sig_strerror(se));
    }
    ESP_LOGI(TAG, "Secure Boot V2 signature verified with trusted key %d", slot);
    return UPDATE_OK;
}

/*
 * A rejected image may have reached the slot: its first sector is erased, so that no bootloader
 * fallback can ever find an app there.
 */
static void invalidate_slot(const update *u)
{
    esp_err_t err = esp_partition_erase_range(u->target, 0, u->target->erase_size);
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "cannot erase the rejected image in %s: %s", u->target->label,
                 esp_err_to_name(err));
    }
}

update_status_t ota_update_run(const ota_update_config_t *cfg, const ota_source_t *src,
                               update_outcome_t *out)
{
    update u = {.cfg = cfg, .src = src, .out = out};
    if (ota_running_pending()) {
        return say(&u, UPDATE_ERROR, "%s",
                   "the running app is still pending verification: it must confirm first");
    }
    u.target = esp_ota_get_next_update_partition(NULL);
    if (!u.target) {
        return say(&u, UPDATE_ERROR, "%s", "no OTA slot to write to");
    }
    ESP_LOGI(TAG, "the update goes to %s at 0x%" PRIx32, u.target->label, u.target->address);
    update_status_t r = start_image(&u);
    if (r == UPDATE_OK) {
        r = transfer(&u);
    }
    eei_dec_abort(&s_dec); /* wipes whatever the decryptor still holds */
    if (r != UPDATE_OK) {
        if (u.begun) {
            esp_ota_abort(u.ota);
        }
        if (u.touched) {
            invalidate_slot(&u);
        }
        return r;
    }
    ESP_LOGI(TAG, "%" PRIu64 " bytes in %" PRId64 " ms", u.image_size,
             (esp_timer_get_time() - cfg->started_us) / 1000);
    /* authenticated: now the image itself must be valid (and signed) before the slot may boot */
    yielding y = yield_begin(); /* esp_ota_end() hashes the whole app to validate it */
    esp_err_t err = esp_ota_end(u.ota);
    yield_end(y);
    if (err != ESP_OK) {
        invalidate_slot(&u);
        return say(&u, err == ESP_ERR_OTA_VALIDATE_FAILED ? UPDATE_REJECTED_APP : UPDATE_ERROR,
                   "esp_ota_end: %s", esp_err_to_name(err));
    }
    r = cfg->trust.count > 0 ? check_signature(&u) : UPDATE_OK;
    if (r != UPDATE_OK) {
        invalidate_slot(&u);
        return r;
    }
    y = yield_begin(); /* and validates it again */
    err = esp_ota_set_boot_partition(u.target);
    yield_end(y);
    if (err != ESP_OK) {
        return say(&u, UPDATE_ERROR, "esp_ota_set_boot_partition: %s", esp_err_to_name(err));
    }
    ESP_LOGI(TAG, "%s selected for the next boot", u.target->label);
    update_fail(out, UPDATE_OK, "%s selected for the next boot", u.target->label);
    return UPDATE_OK;
}

static bool running_state(esp_ota_img_states_t *state)
{
    return esp_ota_get_state_partition(esp_ota_get_running_partition(), state) == ESP_OK;
}

bool ota_running_pending(void)
{
    esp_ota_img_states_t state;
    return running_state(&state) && state == ESP_OTA_IMG_PENDING_VERIFY;
}

update_status_t ota_confirm_running(update_outcome_t *out)
{
    if (!ota_running_pending()) {
        return UPDATE_OK; /* factory, or confirmed already */
    }
    esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
    if (err != ESP_OK) {
        return update_fail(out, UPDATE_ERROR, "esp_ota_mark_app_valid_cancel_rollback: %s",
                           esp_err_to_name(err));
    }
    ESP_LOGI(TAG, "%s confirmed: it stays", esp_ota_get_running_partition()->label);
    return UPDATE_OK;
}

update_status_t ota_reject_running(update_outcome_t *out)
{
    ESP_LOGE(TAG, "%s failed its self-test: rolling back", esp_ota_get_running_partition()->label);
    esp_err_t err = esp_ota_mark_app_invalid_rollback_and_reboot();
    /* only here when no other app can boot */
    return update_fail(out, UPDATE_ERROR, "esp_ota_mark_app_invalid_rollback_and_reboot: %s",
                       esp_err_to_name(err));
}

const char *ota_running_state(void)
{
    esp_ota_img_states_t state;
    if (!running_state(&state)) {
        return esp_ota_get_running_partition()->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY
                   ? "factory"
                   : "unknown";
    }
    switch (state) {
    case ESP_OTA_IMG_NEW:
        return "new";
    case ESP_OTA_IMG_PENDING_VERIFY:
        return "pending";
    case ESP_OTA_IMG_VALID:
        return "valid";
    case ESP_OTA_IMG_INVALID:
        return "invalid";
    case ESP_OTA_IMG_ABORTED:
        return "aborted";
    case ESP_OTA_IMG_UNDEFINED:
        break;
    }
    return "undefined";
}
