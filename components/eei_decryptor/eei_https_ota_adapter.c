#include "eei_https_ota_adapter.h"

#include <stdlib.h>

esp_err_t eei_https_ota_begin(eei_https_ota_ctx *ctx, const eei_dec_config *cfg)
{
    if (!ctx || !cfg) {
        return ESP_ERR_INVALID_ARG;
    }
    ctx->started = eei_dec_start(&ctx->dec, cfg) == EEI_DEC_OK;
    return ctx->started ? ESP_OK : ESP_FAIL;
}

esp_err_t eei_https_ota_decrypt_cb(decrypt_cb_arg_t *args, void *user_ctx)
{
    eei_https_ota_ctx *ctx = user_ctx;
    if (!args || !ctx || !ctx->started) {
        return ESP_ERR_INVALID_ARG;
    }
    args->data_out = NULL;
    args->data_out_len = 0;
    if (args->data_in_len == 0) {
        return ESP_OK;
    }
    /* esp_https_ota frees data_out after writing it: one allocation per chunk */
    char *out = malloc(args->data_in_len + EEI_DEC_OUT_SLACK);
    if (!out) {
        return ESP_ERR_NO_MEM;
    }
    size_t produced = 0;
    eei_dec_err err =
        eei_dec_feed(&ctx->dec, (const uint8_t *)args->data_in, args->data_in_len, (uint8_t *)out,
                     args->data_in_len + EEI_DEC_OUT_SLACK, &produced);
    if (err != EEI_DEC_OK || produced == 0) {
        free(out);
        return err == EEI_DEC_OK ? ESP_OK : ESP_FAIL;
    }
    args->data_out = out;
    args->data_out_len = produced;
    return ESP_OK;
}

esp_err_t eei_https_ota_end(eei_https_ota_ctx *ctx)
{
    if (!ctx || !ctx->started) {
        return ESP_ERR_INVALID_ARG;
    }
    /* the chunk that completed the payload wrote its last bytes: only the tag is left */
    eei_dec_err err = eei_dec_finish(&ctx->dec);
    ctx->started = false;
    eei_dec_abort(&ctx->dec);
    return err == EEI_DEC_OK ? ESP_OK : ESP_FAIL;
}

void eei_https_ota_abort(eei_https_ota_ctx *ctx)
{
    if (ctx) {
        eei_dec_abort(&ctx->dec);
        ctx->started = false;
    }
}
