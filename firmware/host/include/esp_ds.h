/*
 * Host port: the Digital Signature peripheral's API of ESP-IDF's esp_ds.h (ESP32-C3: operands
 * of SOC_RSA_MAX_BIT_LEN bits), over the simulated eFuse key blocks (port/ds_sim.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "hal/hmac_types.h"
#include "soc/soc_caps.h"

#define ESP_DS_IV_BIT_LEN 128
#define ESP_DS_IV_LEN (ESP_DS_IV_BIT_LEN / 8)
/* Y, M, Rb, then MD (256 bits), M' (32), L (32) and the padding (64) */
#define ESP_DS_C_LEN ((SOC_RSA_MAX_BIT_LEN * 3 + 256 + 32 + 32 + 64) / 8)

typedef enum {
    ESP_DS_RSA_1024 = (1024 / 32) - 1,
    ESP_DS_RSA_2048 = (2048 / 32) - 1,
    ESP_DS_RSA_3072 = (3072 / 32) - 1,
} esp_digital_signature_length_t;

typedef struct esp_digital_signature_data {
    esp_digital_signature_length_t rsa_length;
    uint32_t iv[ESP_DS_IV_BIT_LEN / 32];
    uint8_t c[ESP_DS_C_LEN];
} esp_ds_data_t;

typedef struct esp_ds_context esp_ds_context_t;

/* message and signature: (rsa_length + 1) 32-bit words, little-endian. */
esp_err_t esp_ds_start_sign(const void *message, const esp_ds_data_t *data, hmac_key_id_t key_id,
                            esp_ds_context_t **esp_ds_ctx);
bool esp_ds_is_busy(void);
esp_err_t esp_ds_finish_sign(void *signature, esp_ds_context_t *esp_ds_ctx);
esp_err_t esp_ds_sign(const void *message, const esp_ds_data_t *data, hmac_key_id_t key_id,
                      void *signature);
