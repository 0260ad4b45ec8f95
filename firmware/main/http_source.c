#include "http_source.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

static const char *TAG = "http_source";

/* Send the request for the image from offset on, and check what the server answers. */
static esp_err_t request(http_source_t *src, uint64_t offset)
{
    char range[48];
    if (offset > 0) {
        snprintf(range, sizeof(range), "bytes=%" PRIu64 "-", offset);
        esp_http_client_set_header(src->client, "Range", range);
    } else {
        esp_http_client_delete_header(src->client, "Range");
    }
    esp_err_t err = esp_http_client_open(src->client, 0);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot connect: %s", esp_err_to_name(err));
        return err;
    }
    int64_t length = esp_http_client_fetch_headers(src->client);
    int status = esp_http_client_get_status_code(src->client);
    int want = offset > 0 ? 206 : 200;
    if (status != want || length < 0) {
        ESP_LOGE(TAG, "HTTP status %d (wanted %d), length %" PRId64, status, want, length);
        esp_http_client_close(src->client);
        return ESP_FAIL;
    }
    if (offset == 0) {
        src->total = length;
    } else if (src->total < 0 || (uint64_t)length != (uint64_t)src->total - offset) {
        ESP_LOGE(TAG, "the server's rest of the image has %" PRId64 " bytes, not %" PRIu64, length,
                 (uint64_t)src->total - offset);
        esp_http_client_close(src->client);
        return ESP_FAIL;
    }
    return ESP_OK;
}

esp_err_t http_source_open(http_source_t *src, const char *url, const char *ca_cert_pem,
                           int timeout_ms)
{
    src->client = NULL;
    src->total = -1;
    if (strstr(ca_cert_pem, HTTP_SOURCE_NO_CA_CERT)) {
        ESP_LOGE(TAG,
                 "%s: put the update server's CA certificate in server_certs/ca_cert.pem "
                 "(see docs/FIRMWARE.md) and build again",
                 HTTP_SOURCE_NO_CA_CERT);
        return ESP_ERR_INVALID_STATE;
    }
    esp_http_client_config_t config = {
        .url = url,
        .cert_pem = ca_cert_pem,
        .timeout_ms = timeout_ms,
        .keep_alive_enable = true,
    };
    src->client = esp_http_client_init(&config);
    if (!src->client) {
        return ESP_ERR_NO_MEM;
    }
    esp_err_t err = request(src, 0);
    if (err != ESP_OK) {
        http_source_close(src);
        return err;
    }
    ESP_LOGI(TAG, "downloading %" PRId64 " bytes from %s", src->total, url);
    return ESP_OK;
}

int http_source_read(void *ctx, uint8_t *buf, size_t cap)
{
    http_source_t *src = ctx;
    int n = esp_http_client_read(src->client, (char *)buf, cap > INT_MAX ? INT_MAX : (int)cap);
    if (n < 0) {
        ESP_LOGW(TAG, "read failed (%d)", n); /* a timeout too: the connection is stuck */
        return -1;
    }
    if (n == 0 && !esp_http_client_is_complete_data_received(src->client)) {
        ESP_LOGW(TAG, "the connection closed before the whole image arrived");
        return -1;
    }
    return n;
}

int http_source_resume(void *ctx, uint64_t offset, int attempt)
{
    http_source_t *src = ctx;
    esp_http_client_close(src->client);
    vTaskDelay(pdMS_TO_TICKS(1000 * attempt)); /* give a flaky link time, longer each time */
    return request(src, offset) == ESP_OK ? 0 : -1;
}

void http_source_close(http_source_t *src)
{
    if (src->client) {
        esp_http_client_close(src->client);
        esp_http_client_cleanup(src->client);
        src->client = NULL;
    }
}
