/* Host port: the eFuse API of ESP-IDF's esp_efuse.h that the firmware uses (ESP32-C3/S3/C6). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"

typedef enum {
    EFUSE_BLK0 = 0,
    EFUSE_BLK_KEY0 = 4,
    EFUSE_BLK_KEY1 = 5,
    EFUSE_BLK_KEY2 = 6,
    EFUSE_BLK_KEY3 = 7,
    EFUSE_BLK_KEY4 = 8,
    EFUSE_BLK_KEY5 = 9,
    EFUSE_BLK_KEY_MAX = 10,
} esp_efuse_block_t;

typedef enum {
    ESP_EFUSE_KEY_PURPOSE_USER = 0,
    ESP_EFUSE_KEY_PURPOSE_XTS_AES_128_KEY = 4,
    ESP_EFUSE_KEY_PURPOSE_HMAC_DOWN_ALL = 5,
    ESP_EFUSE_KEY_PURPOSE_HMAC_DOWN_JTAG = 6,
    ESP_EFUSE_KEY_PURPOSE_HMAC_DOWN_DIGITAL_SIGNATURE = 7,
    ESP_EFUSE_KEY_PURPOSE_HMAC_UP = 8,
    ESP_EFUSE_KEY_PURPOSE_SECURE_BOOT_DIGEST0 = 9,
    ESP_EFUSE_KEY_PURPOSE_MAX,
} esp_efuse_purpose_t;

esp_efuse_purpose_t esp_efuse_get_key_purpose(esp_efuse_block_t block);
/* The anti-rollback counter: the lowest secure_version this chip may run. */
uint32_t esp_efuse_read_secure_version(void);
/* SECURE_BOOT_KEY_REVOKEn (SOC_SUPPORT_SECURE_BOOT_REVOKE_KEY): key digest n no longer counts. */
bool esp_efuse_get_digest_revoke(unsigned num_digest);
