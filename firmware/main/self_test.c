#include "self_test.h"

#include <stdio.h>

#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "freertos/task.h"
#include "http_source.h"
#include "sdkconfig.h"

static const char *TAG = "self_test";

__attribute__((weak)) bool eei_app_self_test(char *why, size_t why_len)
{
    http_source_config_t cfg;
    http_source_firmware_config(&cfg);
    update_outcome_t out = {UPDATE_OK, ""};
    bool ok = http_source_probe(&cfg, &out);
    snprintf(why, why_len, "%s", out.detail);
    return ok;
}

/* Handed to the test's task; a test that times out keeps it until the restart. */
static struct {
    SemaphoreHandle_t done;
    bool passed;
    char why[160];
} s_test;

static void self_test_task(void *arg)
{
    (void)arg;
    s_test.passed = eei_app_self_test(s_test.why, sizeof(s_test.why));
    ESP_LOGI(TAG, "the self-test's task used %u of %d stack bytes",
             (unsigned)(CONFIG_EEI_UPDATE_TASK_STACK_SIZE - uxTaskGetStackHighWaterMark(NULL)),
             CONFIG_EEI_UPDATE_TASK_STACK_SIZE);
    xSemaphoreGive(s_test.done);
    vTaskDelete(NULL);
}

self_test_result_t self_test_run(uint32_t timeout_ms, char *why, size_t why_len)
{
    s_test.done = s_test.done ? s_test.done : xSemaphoreCreateBinary();
    s_test.why[0] = '\0';
    if (!s_test.done || xTaskCreate(self_test_task, "eei_self_test",
                                    CONFIG_EEI_UPDATE_TASK_STACK_SIZE, NULL, 5, NULL) != pdPASS) {
        snprintf(why, why_len, "cannot start the self-test's task (no memory)");
        return SELF_TEST_FAIL;
    }
    if (xSemaphoreTake(s_test.done, pdMS_TO_TICKS(timeout_ms)) != pdTRUE) {
        snprintf(why, why_len, "no result within %u s", (unsigned)(timeout_ms / 1000));
        return SELF_TEST_TIMEOUT;
    }
    snprintf(why, why_len, "%s", s_test.why[0] ? s_test.why : "(no reason given)");
    return s_test.passed ? SELF_TEST_PASS : SELF_TEST_FAIL;
}
