/*
 * The companion firmware: at boot, report what runs; then, in its own task, bring the network
 * up, settle a new app (its self-test confirms it, or rolls it back at once), and check for
 * updates for as long as the device runs: a check is a few attempts with backoff (link failures
 * only), and checks come every CONFIG_EEI_CHECK_INTERVAL_S (0: once per boot). An update is
 * installed only once it is authentic and valid, then the device restarts into it.
 * Lines starting with "EEI_" are the firmware's record, for people, fleets and tests
 * (docs/FIRMWARE.md).
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
#include "esp_random.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "http_source.h"
#include "network.h"
#include "ota_update.h"
#include "sdkconfig.h"
#include "self_test.h"
#include "update_schedule.h"

static const char *TAG = "esp_enc_img_fw";

#ifdef CONFIG_EEI_SKIP_VERSION_CHECK
#define SKIP_VERSION_CHECK true
#else
#define SKIP_VERSION_CHECK false
#endif
#ifdef CONFIG_EEI_ALLOW_DOWNGRADE
#define ALLOW_DOWNGRADE true
#else
#define ALLOW_DOWNGRADE false
#endif

#if CONFIG_EEI_SCHEME_RSA && !CONFIG_EEI_RSA_USE_DS
extern const char rsa_key_start[] asm("_binary_eei_rsa_private_key_pem_start");
extern const char rsa_key_end[] asm("_binary_eei_rsa_private_key_pem_end");
#endif

static eei_dec_config key_config(void)
{
#if CONFIG_EEI_RSA_USE_DS
    /* the DS peripheral's key: the esp_secure_cert partition names its eFuse key block */
    eei_dec_config cfg = {EEI_DEC_KEY_RSA_DS, NULL, 0, 0};
#elif CONFIG_EEI_SCHEME_RSA
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

/* Nothing more for the task to do until the next boot: it waits, it does not end. */
static void idle_until_reset(const char *why)
{
    printf("EEI_NEXT none: %s\n", why);
    fflush(stdout);
    for (;;) {
        vTaskSuspend(NULL);
    }
}

/* A new app, pending verification: its self-test keeps it, or rolls it back (a restart). */
static void settle_new_app(void)
{
    char why[160];
    const char *label = esp_ota_get_running_partition()->label;
    self_test_result_t r = self_test_run(CONFIG_EEI_SELF_TEST_TIMEOUT_S * 1000u, why, sizeof(why));
    printf("EEI_SELFTEST %s: %s\n",
           r == SELF_TEST_PASS ? "pass" : (r == SELF_TEST_FAIL ? "fail" : "timeout"), why);
    update_outcome_t out = {UPDATE_OK, ""};
    if (r == SELF_TEST_PASS) {
        if (ota_confirm_running(&out) == UPDATE_OK) {
            printf("EEI_CONFIRMED %s\n", label);
        } else {
            printf("EEI_CONFIRMED none: %s\n", out.detail);
        }
        return;
    }
    printf("EEI_ROLLBACK %s: marked invalid, restarting into the previous app\n", label);
    fflush(stdout);
    ota_reject_running(&out); /* restarts; returns only when no other app can boot */
    printf("EEI_ROLLBACK impossible: %s\n", out.detail);
}

/* The EEI_UPDATE line (out of line: its buffer is not on the stack during an attempt). */
static void __attribute__((noinline)) print_outcome(const update_outcome_t *out, unsigned n)
{
    char line[sizeof(out->detail) + 48];
    update_outcome_line(out, n, line, sizeof(line));
    printf("%s\n", line);
}

/* One attempt: the download opened and run through the update path, its EEI_UPDATE line. */
static update_status_t attempt(const ota_update_config_t *base, unsigned n)
{
    static http_source_t s_http; /* 1.7 KiB, off the task's stack: one attempt at a time */
    ota_update_config_t cfg = *base;
    cfg.started_us = esp_timer_get_time();
    update_outcome_t out = {UPDATE_OK, ""};
    update_status_t r;
    http_source_config_t source_cfg;
    http_source_firmware_config(&source_cfg);
    if (network_connect() != ESP_OK) {
        r = update_fail(&out, UPDATE_LINK_NETWORK, "no IP address");
    } else if (http_source_open(&s_http, &source_cfg) != ESP_OK) {
        out = s_http.failure;
        r = out.status;
    } else {
        ota_source_t source = {http_source_read, http_source_resume, http_source_declared_size,
                               http_source_failure, &s_http};
        r = ota_update_run(&cfg, &source, &out);
        http_source_close(&s_http);
    }
    print_outcome(&out, n);
    return r;
}

/* One check: attempts until one installs, is refused, or the attempts run out. */
static void check(const ota_update_config_t *cfg, const update_schedule_t *schedule)
{
    for (unsigned n = 1;; n++) {
        update_status_t r = attempt(cfg, n);
        if (r == UPDATE_OK) {
            log_resources();
            ESP_LOGI(TAG, "restarting into the new firmware");
            fflush(stdout);
            esp_restart();
        }
        if (n >= schedule->attempts || !update_schedule_retry(r)) {
            return;
        }
        uint32_t wait = update_schedule_backoff_ms(schedule, n, esp_random());
        printf("EEI_NEXT attempt %u in %" PRIu32 " ms\n", n + 1, wait);
        vTaskDelay(pdMS_TO_TICKS(wait));
    }
}

static void update_task(void *arg)
{
    (void)arg;
    bool pending = ota_running_pending();
    if (network_connect() != ESP_OK) {
        ESP_LOGW(TAG, "no network yet");
    }
    if (pending) {
        settle_new_app();
    }
    ota_update_config_t cfg = {
        .key = key_config(),
        .skip_version_check = SKIP_VERSION_CHECK,
        .allow_downgrade = ALLOW_DOWNGRADE,
        .resume_attempts = CONFIG_EEI_RESUME_ATTEMPTS,
        .deadline_ms = CONFIG_EEI_DEADLINE_S * 1000u,
        .min_rate = CONFIG_EEI_MIN_RATE,
        .rate_window_ms = CONFIG_EEI_MIN_RATE_WINDOW_S * 1000u,
    };
    log_device_public_key(&cfg.key);
    if (!trust_config(&cfg.trust)) {
        printf("EEI_UPDATE error attempt=0: the trusted signing keys are misconfigured\n");
        log_resources();
        idle_until_reset("this firmware cannot check signatures");
    }
    update_schedule_t schedule = {CONFIG_EEI_ATTEMPTS, CONFIG_EEI_RETRY_BASE_S * 1000u,
                                  CONFIG_EEI_RETRY_MAX_S * 1000u,
                                  CONFIG_EEI_CHECK_INTERVAL_S * 1000u};
    for (;;) {
        check(&cfg, &schedule);
        log_resources();
        if (schedule.interval_ms == 0) {
            idle_until_reset("the next check is at the next boot");
        }
        uint32_t wait = update_schedule_next_check_ms(&schedule, esp_random());
        printf("EEI_NEXT check in %" PRIu32 " s\n", wait / 1000);
        vTaskDelay(pdMS_TO_TICKS(wait));
    }
}

void app_main(void)
{
    const esp_app_desc_t *app = esp_app_get_description();
    printf("EEI_BOOT version=%s partition=%s state=%s secure_version=%" PRIu32
           " efuse_secure_version=%" PRIu32 " heap_free=%" PRIu32 "\n",
           app->version, esp_ota_get_running_partition()->label, ota_running_state(),
           app->secure_version, esp_efuse_read_secure_version(), esp_get_free_heap_size());
#if EEI_DEMO_KEY
    ESP_LOGW(TAG, "this firmware holds the repository's demo RSA key: anyone can make images "
                  "it installs (see docs/FIRMWARE.md)");
#endif
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    /* TLS, the RSA unwrap and the decryptor do not fit the main task's stack: see FIRMWARE.md */
    if (xTaskCreate(update_task, "eei_update", CONFIG_EEI_UPDATE_TASK_STACK_SIZE, NULL, 5, NULL) !=
        pdPASS) {
        printf("EEI_UPDATE error attempt=0: cannot start the update task\n");
    }
}
