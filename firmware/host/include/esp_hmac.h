/* Host port: ESP-IDF's HMAC peripheral API (esp_hmac.h), over simulated eFuse key blocks. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "hal/hmac_types.h"

esp_err_t esp_hmac_calculate(hmac_key_id_t key_id, const void *message, size_t message_len,
                             uint8_t *hmac);
