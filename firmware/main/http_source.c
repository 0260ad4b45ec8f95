#include "http_source.h"

#include <limits.h>

#include "esp_log.h"

static const char *TAG = "http_source";

esp_err_t http_source_open(http_source_t *src, const char *url, const char *ca_cert_pem,
                           int timeout_ms)
{
    esp_http_client_config_t config = {
        .url = url,
        .cert_pem = ca_cert_pem,
        .timeout_ms = timeout_ms,
        .keep_alive_enable = true,
    };
    src->content_length = -1;
    src->client = esp_http_client_init(&config);
    if (!src->client) {
        return ESP_FAIL;
    }
    esp_err_t err = esp_http_client_open(src->client, 0);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot connect to %s: %s", url, esp_err_to_name(err));
        http_source_close(src);
        return err;
    }
    src->content_length = esp_http_client_fetch_headers(src->client);
    int status = esp_http_client_get_status_code(src->client);
    if (src->content_length < 0 || status != 200) {
        ESP_LOGE(TAG, "%s: HTTP status %d", url, status);
        http_source_close(src);
        return ESP_FAIL;
    }
    ESP_LOGI(TAG, "downloading %lld bytes", (long long)src->content_length);
    return ESP_OK;
}

int http_source_read(void *ctx, uint8_t *buf, size_t cap)
{
    http_source_t *src = ctx;
    int want = cap > INT_MAX ? INT_MAX : (int)cap;
    int n = esp_http_client_read(src->client, (char *)buf, want);
    if (n < 0) {
        ESP_LOGE(TAG, "read failed (%d)", n);
        return -1;
    }
    if (n == 0 && !esp_http_client_is_complete_data_received(src->client)) {
        ESP_LOGE(TAG, "the connection closed before the whole image arrived");
        return -1;
    }
    return n;
}

void http_source_close(http_source_t *src)
{
    if (src->client) {
        esp_http_client_close(src->client);
        esp_http_client_cleanup(src->client);
        src->client = NULL;
    }
}
