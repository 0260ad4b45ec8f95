/*
 * The companion firmware: connect, download the pre-encrypted image, decrypt and flash it
 * (ota_update.c), and restart into it only when it is authentic and valid.
 */
#include <stdio.h>
#include <string.h>

#include "eei_decryptor.h"
#include "esp_app_desc.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_system.h"
#include "http_source.h"
#include "nvs_flash.h"
#include "ota_update.h"
#include "protocol_examples_common.h"
#include "sdkconfig.h"

static const char *TAG = "esp_enc_img_fw";

#ifdef CONFIG_EEI_SKIP_VERSION_CHECK
#define SKIP_VERSION_CHECK true
#else
#define SKIP_VERSION_CHECK false
#endif

extern const char server_cert_start[] asm("_binary_eei_server_cert_pem_start");
extern const char server_cert_end[] asm("_binary_eei_server_cert_pem_end");
#if CONFIG_EEI_SCHEME_RSA
extern const char rsa_key_start[] asm("_binary_eei_rsa_private_key_pem_start");
extern const char rsa_key_end[] asm("_binary_eei_rsa_private_key_pem_end");
#endif

static eei_dec_config key_config(void)
{
#if CONFIG_EEI_SCHEME_RSA
    /* TEXT embedding adds the NUL that mbedTLS wants, and counts it */
    eei_dec_config cfg = {EEI_DEC_KEY_RSA_PEM, rsa_key_start, (size_t)(rsa_key_end - rsa_key_start),
                          0};
#else
    eei_dec_config cfg = {EEI_DEC_KEY_HMAC_EFUSE, NULL, 0, CONFIG_EEI_HMAC_KEY_ID};
#endif
    return cfg;
}

/* The public key CI must encrypt to, for the engineer to compare with device_pub_key.pem. */
static void log_device_public_key(const eei_dec_config *cfg)
{
#if CONFIG_EEI_SCHEME_ECIES_HMAC
    uint8_t der[EEI_DEC_PUBKEY_DER_SIZE];
    char hex[2 * sizeof(der) + 1];
    eei_dec_err err = eei_dec_export_pubkey_der(cfg, der);
    if (err != EEI_DEC_OK) {
        ESP_LOGE(TAG, "no device key: %s", eei_dec_strerror(err));
        return;
    }
    for (size_t i = 0; i < sizeof(der); i++) {
        snprintf(hex + 2 * i, 3, "%02x", der[i]);
    }
    ESP_LOGI(TAG, "device public key (DER): %s", hex);
#else
    (void)cfg;
#endif
}

void app_main(void)
{
    ESP_LOGI(TAG, "running version %s", esp_app_get_description()->version);
    esp_err_t err = nvs_flash_init();
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        ESP_ERROR_CHECK(nvs_flash_erase());
        err = nvs_flash_init();
    }
    ESP_ERROR_CHECK(err);
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    ESP_ERROR_CHECK(example_connect());

    ota_update_config_t cfg = {
        .key = key_config(),
        .skip_version_check = SKIP_VERSION_CHECK,
    };
    log_device_public_key(&cfg.key);

    http_source_t http = {0};
    if (http_source_open(&http, CONFIG_EEI_FIRMWARE_URL, server_cert_start,
                         CONFIG_EEI_RECV_TIMEOUT_MS) != ESP_OK) {
        ESP_LOGE(TAG, "no update: cannot download %s", CONFIG_EEI_FIRMWARE_URL);
        return;
    }
    ota_source_t source = {http_source_read, &http};
    char why[160] = "";
    ota_update_result_t r = ota_update_run(&cfg, &source, why, sizeof(why));
    http_source_close(&http);
    if (r != OTA_UPDATE_OK) {
        ESP_LOGE(TAG, "no update: %s; still running %s", why, esp_app_get_description()->version);
        return;
    }
    ESP_LOGI(TAG, "update authenticated, validated and selected: restarting");
    esp_restart();
}
