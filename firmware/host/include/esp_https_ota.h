/* Host port: the decrypt-callback types of ESP-IDF's esp_https_ota.h (with DECRYPT_CB enabled). */
#pragma once

#include <stddef.h>

#include "esp_err.h"

typedef struct {
    const char *data_in;
    size_t data_in_len;
    char *data_out;
    size_t data_out_len;
} decrypt_cb_arg_t;

typedef esp_err_t (*decrypt_cb_t)(decrypt_cb_arg_t *args, void *user_ctx);
