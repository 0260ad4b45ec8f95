#include "ota_update.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "esp_efuse.h"
#include "esp_err.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "sdkconfig.h"
#include "soc/soc_caps.h"

static const char *TAG = "ota_update";

_Static_assert(CONFIG_EEI_OTA_BUFFER_SIZE % EEI_GCM_BLOCK_SIZE == 0,
               "whole GCM blocks per read keep the decryptor on its fast path");

/* One fixed buffer: the download lands here and is decrypted in place. */
static uint8_t s_buf[CONFIG_EEI_OTA_BUFFER_SIZE + EEI_DEC_OUT_SLACK];
static eei_dec s_dec;

/* The first plaintext bytes are held back until they show an app this device may run. */
typedef struct {
    uint8_t bytes[EEI_APP_HEAD_SIZE];
    size_t fill;
    bool checked;
} app_head;

typedef struct {
    const ota_update_config_t *cfg;
    const esp_partition_t *target;
    esp_ota_handle_t ota;
    bool begun;    /* esp_ota_begin: only once the head showed an app this device may run */
    uint32_t size; /* the decrypted image's bytes, once the header is in */
    app_head head;
    char *why;
    size_t why_len;
} update;

/* Record and log why the update stops; fmt has one %s for detail. */
static ota_update_result_t say(update *u, ota_update_result_t r, const char *fmt,
                               const char *detail)
{
    char line[160];
    snprintf(line, sizeof(line), fmt, detail);
    if (u->why && u->why_len) {
        snprintf(u->why, u->why_len, "%s", line);
    }
    ESP_LOGE(TAG, "%s", line);
    return r;
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

/* Before a byte is written: an app for this chip, not the running version, not rolled back. */
static ota_update_result_t check_app(update *u)
{
    eei_app_head app;
    if (!eei_app_head_parse(u->head.bytes, &app)) {
        return say(u, OTA_UPDATE_REJECTED, "%s", "the decrypted firmware is not an ESP app binary");
    }
    const esp_app_desc_t *now = esp_app_get_description();
    ESP_LOGI(TAG, "new firmware version %s, secure version %" PRIu32 " (running %.32s)",
             app.version, app.secure_version, now->version);
    u->size = eei_dec_header(&s_dec)->payload_len;
    if (u->size > u->target->size) {
        char v[64];
        snprintf(v, sizeof(v), "%" PRIu32 " bytes, the slot %" PRIu32, u->size, u->target->size);
        return say(u, OTA_UPDATE_REJECTED, "the app is larger than the OTA slot (%s)", v);
    }
    if (app.chip_id != running_chip_id()) {
        return say(u, OTA_UPDATE_REJECTED, "%s", "the image is built for another chip");
    }
    if (!u->cfg->skip_version_check &&
        strncmp(app.version, now->version, sizeof(now->version)) == 0) {
        return say(u, OTA_UPDATE_REJECTED, "version %s is already running", app.version);
    }
    uint32_t floor = esp_efuse_read_secure_version();
    if (app.secure_version < floor) {
        char v[48];
        snprintf(v, sizeof(v), "%" PRIu32 " < %" PRIu32, app.secure_version, floor);
        return say(u, OTA_UPDATE_REJECTED, "anti-rollback: secure version %s in eFuse", v);
    }
    return OTA_UPDATE_OK;
}

static ota_update_result_t write_plain(update *u, const uint8_t *plain, size_t n)
{
    esp_err_t err = esp_ota_write(u->ota, plain, n);
    if (err != ESP_OK) {
        /* an image that is not valid or does not fit is the image's fault, not the device's */
        bool image = err == ESP_ERR_OTA_VALIDATE_FAILED || err == ESP_ERR_INVALID_SIZE;
        return say(u, image ? OTA_UPDATE_REJECTED : OTA_UPDATE_ERROR, "esp_ota_write: %s",
                   esp_err_to_name(err));
    }
    return OTA_UPDATE_OK;
}

/* Plaintext in order: the head is collected and checked, then everything is written. */
static ota_update_result_t take_plain(update *u, const uint8_t *plain, size_t n)
{
    if (!u->head.checked) {
        size_t take = EEI_APP_HEAD_SIZE - u->head.fill < n ? EEI_APP_HEAD_SIZE - u->head.fill : n;
        memcpy(u->head.bytes + u->head.fill, plain, take);
        u->head.fill += take;
        plain += take;
        n -= take;
        if (u->head.fill < EEI_APP_HEAD_SIZE) {
            return OTA_UPDATE_OK;
        }
        u->head.checked = true;
        ota_update_result_t r = check_app(u);
        if (r != OTA_UPDATE_OK) {
            return r;
        }
        esp_err_t err = esp_ota_begin(u->target, OTA_WITH_SEQUENTIAL_WRITES, &u->ota);
        if (err != ESP_OK) {
            return say(u, OTA_UPDATE_ERROR, "esp_ota_begin: %s", esp_err_to_name(err));
        }
        u->begun = true;
        r = write_plain(u, u->head.bytes, EEI_APP_HEAD_SIZE);
        if (r != OTA_UPDATE_OK) {
            return r;
        }
    }
    return n > 0 ? write_plain(u, plain, n) : OTA_UPDATE_OK;
}

/* A transfer that broke off: reconnect and continue at offset, a few times without progress. */
static bool resume(const ota_source_t *src, uint64_t offset, int *attempts)
{
    while (src->resume && *attempts < CONFIG_EEI_RESUME_ATTEMPTS) {
        (*attempts)++;
        ESP_LOGW(TAG, "download interrupted after %" PRIu64 " bytes: resuming (attempt %d of %d)",
                 offset, *attempts, CONFIG_EEI_RESUME_ATTEMPTS);
        if (src->resume(src->ctx, offset, *attempts) == 0) {
            return true;
        }
    }
    return false;
}

static int read_slot(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    const esp_partition_t *p = ctx;
    bool inside = offset <= p->size && len <= p->size - offset;
    return inside && esp_partition_read(p, (size_t)offset, buf, len) == ESP_OK ? 0 : -1;
}

/* The app as written to the slot, read back: signed by a trusted key that is not revoked. */
static ota_update_result_t check_signature(update *u)
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
    eei_sig_err se =
        eei_sig_check(&trust, u->size, read_slot, (void *)u->target, s_buf, sizeof(s_buf), &slot);
    if (se == EEI_SIG_ERR_READ || se == EEI_SIG_ERR_CRYPTO || se == EEI_SIG_ERR_ARG) {
        return say(u, OTA_UPDATE_ERROR, "signature check: %s", eei_sig_strerror(se));
    }
    if (se != EEI_SIG_OK) {
        return say(u, OTA_UPDATE_REJECTED, "%s", eei_sig_strerror(se));
    }
    ESP_LOGI(TAG, "Secure Boot V2 signature verified with trusted key %d", slot);
    return OTA_UPDATE_OK;
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

static ota_update_result_t decrypt_and_write(update *u, const ota_source_t *src)
{
    uint64_t received = 0;
    int attempts = 0; /* resumes since the last byte arrived */
    for (;;) {
        int got = src->read(src->ctx, s_buf, CONFIG_EEI_OTA_BUFFER_SIZE);
        if (got < 0 && resume(src, received, &attempts)) {
            continue;
        }
        if (got < 0) {
            return say(u, OTA_UPDATE_REJECTED, "%s",
                       "the download failed before the image was complete");
        }
        if (got == 0) {
            break;
        }
        attempts = 0;
        received += (uint64_t)got;
        size_t plain = 0;
        eei_dec_err de = eei_dec_feed(&s_dec, s_buf, (size_t)got, s_buf, sizeof(s_buf), &plain);
        if (de != EEI_DEC_OK) {
            return say(u, OTA_UPDATE_REJECTED, "%s", eei_dec_strerror(de));
        }
        ota_update_result_t r = take_plain(u, s_buf, plain);
        if (r != OTA_UPDATE_OK) {
            return r;
        }
    }
    eei_dec_err de = eei_dec_finish(&s_dec);
    if (de != EEI_DEC_OK) {
        return say(u, OTA_UPDATE_REJECTED, "%s", eei_dec_strerror(de));
    }
    if (!u->head.checked) {
        return say(u, OTA_UPDATE_REJECTED, "%s", "the image is too short to be an app");
    }
    return OTA_UPDATE_OK;
}

ota_update_result_t ota_update_run(const ota_update_config_t *cfg, const ota_source_t *src,
                                   char *why, size_t why_len)
{
    update u = {.cfg = cfg, .why = why, .why_len = why_len};
    if (ota_running_pending()) {
        return say(&u, OTA_UPDATE_ERROR, "%s",
                   "the running app is still pending verification: it must confirm first");
    }
    u.target = esp_ota_get_next_update_partition(NULL);
    if (!u.target) {
        return say(&u, OTA_UPDATE_ERROR, "%s", "no OTA slot to write to");
    }
    ESP_LOGI(TAG, "the update goes to %s at 0x%" PRIx32, u.target->label, u.target->address);
    eei_dec_err de = eei_dec_start(&s_dec, &cfg->key);
    if (de != EEI_DEC_OK) {
        return say(&u, OTA_UPDATE_ERROR, "decryptor: %s", eei_dec_strerror(de));
    }
    ota_update_result_t r = decrypt_and_write(&u, src);
    eei_dec_abort(&s_dec); /* wipes whatever the decryptor still holds */
    if (r != OTA_UPDATE_OK) {
        if (u.begun) {
            esp_ota_abort(u.ota);
            invalidate_slot(&u);
        }
        return r;
    }
    /* authenticated: now the image itself must be valid (and signed) before the slot may boot */
    esp_err_t err = esp_ota_end(u.ota);
    if (err != ESP_OK) {
        invalidate_slot(&u);
        return say(&u, err == ESP_ERR_OTA_VALIDATE_FAILED ? OTA_UPDATE_REJECTED : OTA_UPDATE_ERROR,
                   "esp_ota_end: %s", esp_err_to_name(err));
    }
    r = cfg->trust.count > 0 ? check_signature(&u) : OTA_UPDATE_OK;
    if (r != OTA_UPDATE_OK) {
        invalidate_slot(&u);
        return r;
    }
    err = esp_ota_set_boot_partition(u.target);
    if (err != ESP_OK) {
        return say(&u, OTA_UPDATE_ERROR, "esp_ota_set_boot_partition: %s", esp_err_to_name(err));
    }
    ESP_LOGI(TAG, "%s selected for the next boot", u.target->label);
    return OTA_UPDATE_OK;
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

ota_update_result_t ota_confirm_running(char *why, size_t why_len)
{
    update u = {.why = why, .why_len = why_len};
    if (!ota_running_pending()) {
        return OTA_UPDATE_OK; /* factory, or confirmed already */
    }
    esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
    if (err != ESP_OK) {
        return say(&u, OTA_UPDATE_ERROR, "esp_ota_mark_app_valid_cancel_rollback: %s",
                   esp_err_to_name(err));
    }
    ESP_LOGI(TAG, "%s confirmed: it stays", esp_ota_get_running_partition()->label);
    return OTA_UPDATE_OK;
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
