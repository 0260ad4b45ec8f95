/*
 * For projects that already use esp_https_ota: the decryptor behind its decrypt callback.
 *
 *   static eei_https_ota_ctx ctx;
 *   eei_https_ota_begin(&ctx, &key_config);
 *   esp_https_ota_config_t ota = {
 *       .http_config = &http, .decrypt_cb = eei_https_ota_decrypt_cb,
 *       .decrypt_user_ctx = &ctx, .enc_img_header_size = EEI_HEADER_SIZE,
 *   };
 *   esp_https_ota_begin(&ota, &h);  ... esp_https_ota_perform(h) until done ...
 *   if (eei_https_ota_end(&ctx) == ESP_OK) esp_https_ota_finish(h); else esp_https_ota_abort(h);
 *
 * The costs: esp_https_ota free()s every output buffer the callback hands it, so each chunk
 * costs a heap allocation of its size (+15 bytes). And esp_https_ota takes a callback that
 * returns no bytes for the end of the transfer: the decryptor holds back an incomplete 16-byte
 * block, so a read of fewer than 16 bytes in the middle of the download (a timeout that caught
 * a few bytes) ends the update with an error instead of waiting for more. The firmware in this
 * repository has neither cost: it drives esp_http_client and esp_ota_* itself with one fixed
 * buffer (main/). Needs CONFIG_ESP_HTTPS_OTA_DECRYPT_CB=y.
 */
#pragma once

#include "eei_decryptor.h"
#include "esp_err.h"
#include "esp_https_ota.h"

typedef struct {
    eei_dec dec;
    bool started;
} eei_https_ota_ctx;

esp_err_t eei_https_ota_begin(eei_https_ota_ctx *ctx, const eei_dec_config *cfg);
/* The decrypt_cb_t of esp_https_ota; user_ctx is the eei_https_ota_ctx. */
esp_err_t eei_https_ota_decrypt_cb(decrypt_cb_arg_t *args, void *user_ctx);
/* After the last chunk, before esp_https_ota_finish(): ESP_OK only for an authentic image. */
esp_err_t eei_https_ota_end(eei_https_ota_ctx *ctx);
void eei_https_ota_abort(eei_https_ota_ctx *ctx);
