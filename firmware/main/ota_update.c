#include "ota_update.h"

#include <stdio.h>
#include <string.h>

#include "esp_app_desc.h"
#include "esp_err.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "sdkconfig.h"

static const char *TAG = "ota_update";

#define APP_HEAD_SIZE (32 + sizeof(esp_app_desc_t)) /* image + segment header, then the desc */

/* One fixed buffer: the download lands here and is decrypted in place. */
static uint8_t s_buf[CONFIG_EEI_OTA_BUFFER_SIZE + EEI_DEC_OUT_SLACK];
static eei_dec s_dec;

typedef struct {
    uint8_t head[APP_HEAD_SIZE];
    size_t head_fill;
    bool head_checked;
} app_check;

/* Record and log why the update stops; fmt has one %s for detail. */
static ota_update_result_t say(ota_update_result_t r, char *why, size_t len, const char *fmt,
                               const char *detail)
{
    char line[160];
    snprintf(line, sizeof(line), fmt, detail);
    if (why && len) {
        snprintf(why, len, "%s", line);
    }
    ESP_LOGE(TAG, "%s", line);
    return r;
}

/* The first decrypted bytes: an app image whose version is not the running one. */
static ota_update_result_t check_app(app_check *c, const uint8_t *plain, size_t n,
                                     const ota_update_config_t *cfg, char *why, size_t why_len)
{
    if (c->head_checked) {
        return OTA_UPDATE_OK;
    }
    size_t take = APP_HEAD_SIZE - c->head_fill < n ? APP_HEAD_SIZE - c->head_fill : n;
    memcpy(c->head + c->head_fill, plain, take);
    c->head_fill += take;
    if (c->head_fill < APP_HEAD_SIZE) {
        return OTA_UPDATE_OK;
    }
    c->head_checked = true;
    esp_app_desc_t desc;
    memcpy(&desc, c->head + 32, sizeof(desc));
    if (c->head[0] != 0xe9 || desc.magic_word != ESP_APP_DESC_MAGIC_WORD) {
        return say(OTA_UPDATE_REJECTED, why, why_len, "%s",
                   "the decrypted image is not an ESP app image");
    }
    desc.version[sizeof(desc.version) - 1] = '\0';
    const esp_app_desc_t *now = esp_app_get_description();
    ESP_LOGI(TAG, "new firmware version %s (running %.32s)", desc.version, now->version);
    if (!cfg->skip_version_check &&
        strncmp(desc.version, now->version, sizeof(desc.version)) == 0) {
        return say(OTA_UPDATE_REJECTED, why, why_len, "version %s is already running",
                   desc.version);
    }
    return OTA_UPDATE_OK;
}

static ota_update_result_t write_plain(esp_ota_handle_t ota, app_check *c, const uint8_t *plain,
                                       size_t n, const ota_update_config_t *cfg, char *why,
                                       size_t why_len)
{
    if (n == 0) {
        return OTA_UPDATE_OK;
    }
    ota_update_result_t r = check_app(c, plain, n, cfg, why, why_len);
    if (r != OTA_UPDATE_OK) {
        return r;
    }
    esp_err_t err = esp_ota_write(ota, plain, n);
    if (err != ESP_OK) {
        return say(err == ESP_ERR_OTA_VALIDATE_FAILED ? OTA_UPDATE_REJECTED : OTA_UPDATE_ERROR, why,
                   why_len, "esp_ota_write: %s", esp_err_to_name(err));
    }
    return OTA_UPDATE_OK;
}

static ota_update_result_t decrypt_and_write(const ota_update_config_t *cfg,
                                             const ota_source_t *src, esp_ota_handle_t ota,
                                             char *why, size_t why_len)
{
    app_check check = {.head_fill = 0, .head_checked = false};
    ota_update_result_t r = OTA_UPDATE_OK;
    for (;;) {
        int got = src->read(src->ctx, s_buf, CONFIG_EEI_OTA_BUFFER_SIZE);
        if (got < 0) {
            return say(OTA_UPDATE_REJECTED, why, why_len, "%s",
                       "the download failed before the image was complete");
        }
        if (got == 0) {
            break;
        }
        size_t plain = 0;
        eei_dec_err de = eei_dec_feed(&s_dec, s_buf, (size_t)got, s_buf, sizeof(s_buf), &plain);
        if (de != EEI_DEC_OK) {
            return say(OTA_UPDATE_REJECTED, why, why_len, "%s", eei_dec_strerror(de));
        }
        r = write_plain(ota, &check, s_buf, plain, cfg, why, why_len);
        if (r != OTA_UPDATE_OK) {
            return r;
        }
    }
    size_t last = 0;
    eei_dec_err de = eei_dec_finish(&s_dec, s_buf, sizeof(s_buf), &last);
    if (de != EEI_DEC_OK) {
        return say(OTA_UPDATE_REJECTED, why, why_len, "%s", eei_dec_strerror(de));
    }
    r = write_plain(ota, &check, s_buf, last, cfg, why, why_len);
    if (r == OTA_UPDATE_OK && !check.head_checked) {
        r = say(OTA_UPDATE_REJECTED, why, why_len, "%s", "the image is too short to be an app");
    }
    return r;
}

ota_update_result_t ota_update_run(const ota_update_config_t *cfg, const ota_source_t *src,
                                   char *why, size_t why_len)
{
    const esp_partition_t *target = esp_ota_get_next_update_partition(NULL);
    if (!target) {
        return say(OTA_UPDATE_ERROR, why, why_len, "%s", "no OTA slot to write to");
    }
    ESP_LOGI(TAG, "writing to %s at 0x%x", target->label, (unsigned)target->address);
    eei_dec_err de = eei_dec_start(&s_dec, &cfg->key);
    if (de != EEI_DEC_OK) {
        return say(OTA_UPDATE_ERROR, why, why_len, "decryptor: %s", eei_dec_strerror(de));
    }
    esp_ota_handle_t ota = 0;
    esp_err_t err = esp_ota_begin(target, OTA_WITH_SEQUENTIAL_WRITES, &ota);
    if (err != ESP_OK) {
        eei_dec_abort(&s_dec);
        return say(OTA_UPDATE_ERROR, why, why_len, "esp_ota_begin: %s", esp_err_to_name(err));
    }
    ota_update_result_t r = decrypt_and_write(cfg, src, ota, why, why_len);
    eei_dec_abort(&s_dec); /* wipes whatever the decryptor still holds */
    if (r != OTA_UPDATE_OK) {
        esp_ota_abort(ota);
        return r;
    }
    /* authenticated: now the image itself must be valid before the slot may boot */
    err = esp_ota_end(ota);
    if (err != ESP_OK) {
        return say(err == ESP_ERR_OTA_VALIDATE_FAILED ? OTA_UPDATE_REJECTED : OTA_UPDATE_ERROR, why,
                   why_len, "esp_ota_end: %s", esp_err_to_name(err));
    }
    err = esp_ota_set_boot_partition(target);
    if (err != ESP_OK) {
        return say(OTA_UPDATE_ERROR, why, why_len, "esp_ota_set_boot_partition: %s",
                   esp_err_to_name(err));
    }
    ESP_LOGI(TAG, "%s selected for the next boot", target->label);
    return OTA_UPDATE_OK;
}
