/* esp_err_to_name and the log level of the host port. */
#include "esp_err.h"
#include "esp_ota_ops.h"
#include "esp_sim.h"

int esp_sim_log_level = 1;

void esp_sim_set_log_level(int level)
{
    esp_sim_log_level = level;
}

const char *esp_err_to_name(esp_err_t code)
{
    switch (code) {
    case ESP_OK:
        return "ESP_OK";
    case ESP_FAIL:
        return "ESP_FAIL";
    case ESP_ERR_NO_MEM:
        return "ESP_ERR_NO_MEM";
    case ESP_ERR_INVALID_ARG:
        return "ESP_ERR_INVALID_ARG";
    case ESP_ERR_INVALID_STATE:
        return "ESP_ERR_INVALID_STATE";
    case ESP_ERR_INVALID_SIZE:
        return "ESP_ERR_INVALID_SIZE";
    case ESP_ERR_NOT_FOUND:
        return "ESP_ERR_NOT_FOUND";
    case ESP_ERR_NOT_SUPPORTED:
        return "ESP_ERR_NOT_SUPPORTED";
    case ESP_ERR_TIMEOUT:
        return "ESP_ERR_TIMEOUT";
    case ESP_ERR_FLASH_OP_FAIL:
        return "ESP_ERR_FLASH_OP_FAIL";
    case ESP_ERR_HW_CRYPTO_DS_HMAC_FAIL:
        return "ESP_ERR_HW_CRYPTO_DS_HMAC_FAIL";
    case ESP_ERR_HW_CRYPTO_DS_INVALID_KEY:
        return "ESP_ERR_HW_CRYPTO_DS_INVALID_KEY";
    case ESP_ERR_HW_CRYPTO_DS_INVALID_DIGEST:
        return "ESP_ERR_HW_CRYPTO_DS_INVALID_DIGEST";
    case ESP_ERR_HW_CRYPTO_DS_INVALID_PADDING:
        return "ESP_ERR_HW_CRYPTO_DS_INVALID_PADDING";
    case ESP_ERR_OTA_PARTITION_CONFLICT:
        return "ESP_ERR_OTA_PARTITION_CONFLICT";
    case ESP_ERR_OTA_SELECT_INFO_INVALID:
        return "ESP_ERR_OTA_SELECT_INFO_INVALID";
    case ESP_ERR_OTA_VALIDATE_FAILED:
        return "ESP_ERR_OTA_VALIDATE_FAILED";
    case ESP_ERR_OTA_ROLLBACK_FAILED:
        return "ESP_ERR_OTA_ROLLBACK_FAILED";
    case ESP_ERR_OTA_ROLLBACK_INVALID_STATE:
        return "ESP_ERR_OTA_ROLLBACK_INVALID_STATE";
    }
    return "UNKNOWN ERROR";
}
