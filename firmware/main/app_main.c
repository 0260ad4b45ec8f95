/*
 * The companion firmware: at boot, report what runs; then, in its own task, connect, prove a new
 * app (it reaches the update server) before confirming it, and update from the pre-encrypted
 * image when it holds another version, restarting into it only once it is authentic and valid.
 * Lines starting with "EEI_" are the firmware's record of each boot, for people and for tests.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "eei_decryptor.h"
#include "esp_app_desc.h"
#include "esp_efuse.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_ota_ops.h"
#include "esp_system.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "http_source.h"
#include "network.h"
#include "ota_update.h"
#include "sdkconfig.h"

static const char *TAG = "esp_enc_img_fw";

#ifdef CONFIG_EEI_SKIP_VERSION_CHECK
#define SKIP_VERSION_CHECK true
#else
#define SKIP_VERSION_CHECK false
#endif

extern const char server_cert_start[] asm("_binary_eei_server_cert_pem_start");
#if CONFIG_EEI_SCHEME_RSA
extern const char rsa_key_start[] asm("_binary_eei_rsa_private_key_pem_start");
extern const char rsa_key_end[] asm("_binary_eei_rsa_private_key_pem_end");
#endif

static eei_dec_config key_config(void)
{
#if CONFIG_EEI_SCHEME_RSA
    /* TEXT embedding adds the NUL that the PEM parser wants, and counts it */
    eei_dec_config cfg = {EEI_DEC_KEY_RSA_PEM, rsa_key_start, (size_t)(rsa_key_end - rsa_key_start),
                          0};
#else
    eei_dec_config cfg = {EEI_DEC_KEY_HMAC_EFUSE, NULL, 0, CONFIG_EEI_HMAC_KEY_ID};
#endif
    return cfg;
}

/* The signing keys an update must be signed by (Kconfig); false when a digest is unreadable. */
static bool trust_config(eei_sig_trust *trust)
{
    memset(trust, 0, sizeof(*trust));
#if CONFIG_EEI_VERIFY_SIGNATURE
    const char *hex[EEI_SIG_KEYS_MAX] = {CONFIG_EEI_TRUSTED_KEY_DIGEST0,
                                         CONFIG_EEI_TRUSTED_KEY_DIGEST1,
                                         CONFIG_EEI_TRUSTED_KEY_DIGEST2};
    for (size_t i = 0; i < EEI_SIG_KEYS_MAX && hex[i][0]; i++) {
        if (!eei_sig_digest_from_hex(hex[i], trust->keys[i].digest)) {
            ESP_LOGE(TAG, "CONFIG_EEI_TRUSTED_KEY_DIGEST%u is not 64 hex digits", (unsigned)i);
            return false;
        }
        trust->count++;
    }
    ESP_LOGI(TAG, "updates must be signed by one of %u trusted keys", (unsigned)trust->count);
    return trust->count > 0;
#else
    return true;
#endif
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

static void log_resources(void)
{
    printf("EEI_RESOURCES stack_peak=%" PRIu32 " stack_size=%d heap_min_free=%" PRIu32 "\n",
           (uint32_t)(CONFIG_EEI_UPDATE_TASK_STACK_SIZE - uxTaskGetStackHighWaterMark(NULL)),
           CONFIG_EEI_UPDATE_TASK_STACK_SIZE, esp_get_minimum_free_heap_size());
}

/* Connect; a pending app confirms itself once it reaches the server; then update. */
static void update(void)
{
    bool pending = ota_running_pending();
    if (network_connect() != ESP_OK) {
        printf("EEI_UPDATE none: no network%s\n", pending ? "; not confirmed" : "");
        return;
    }
    ota_update_config_t cfg = {.key = key_config(), .skip_version_check = SKIP_VERSION_CHECK};
    log_device_public_key(&cfg.key);
    if (!trust_config(&cfg.trust)) {
        printf("EEI_UPDATE error: the trusted signing keys are misconfigured%s\n",
               pending ? "; not confirmed" : "");
        return;
    }

    http_source_t http;
    if (http_source_open(&http, CONFIG_EEI_FIRMWARE_URL, server_cert_start,
                         CONFIG_EEI_RECV_TIMEOUT_MS) != ESP_OK) {
        /* a new app that cannot reach its server is not confirmed: the next reset rolls back */
        printf("EEI_UPDATE none: cannot download %s%s\n", CONFIG_EEI_FIRMWARE_URL,
               pending ? "; not confirmed, the next reset returns to the previous app" : "");
        return;
    }
    char why[160] = "";
    if (ota_confirm_running(why, sizeof(why)) != OTA_UPDATE_OK) {
        printf("EEI_UPDATE none: %s\n", why);
        http_source_close(&http);
        return;
    }
    if (pending) {
        printf("EEI_CONFIRMED %s\n", esp_ota_get_running_partition()->label);
    }
    ota_source_t source = {http_source_read, http_source_resume, &http};
    ota_update_result_t r = ota_update_run(&cfg, &source, why, sizeof(why));
    http_source_close(&http);
    if (r != OTA_UPDATE_OK) {
        printf("EEI_UPDATE %s: %s\n", r == OTA_UPDATE_REJECTED ? "rejected" : "error", why);
        return;
    }
    const esp_partition_t *next = esp_ota_get_boot_partition();
    printf("EEI_UPDATE ok: %s selected for the next boot\n", next ? next->label : "?");
    log_resources();
    ESP_LOGI(TAG, "restarting into the new firmware");
    fflush(stdout);
    esp_restart();
}

static void update_task(void *arg)
{
    (void)arg;
    update();
    log_resources();
    vTaskDelete(NULL);
}

void app_main(void)
{
    const esp_app_desc_t *app = esp_app_get_description();
    printf("EEI_BOOT version=%s partition=%s state=%s secure_version=%" PRIu32
           " efuse_secure_version=%" PRIu32 " heap_free=%" PRIu32 "\n",
           app->version, esp_ota_get_running_partition()->label, ota_running_state(),
           app->secure_version, esp_efuse_read_secure_version(), esp_get_free_heap_size());
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    /* TLS, the RSA unwrap and the decryptor do not fit the main task's stack: see FIRMWARE.md */
    if (xTaskCreate(update_task, "eei_update", CONFIG_EEI_UPDATE_TASK_STACK_SIZE, NULL, 5, NULL) !=
        pdPASS) {
        printf("EEI_UPDATE error: cannot start the update task\n");
    }
}
