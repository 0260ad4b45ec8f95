#include "http_source.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp_log.h"
#include "esp_timer.h"
#include "esp_tls_errors.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "http_range.h"
#include "sdkconfig.h"
#if CONFIG_EEI_TRUST_CRT_BUNDLE
#include "esp_crt_bundle.h"
#endif

static const char *TAG = "http_source";

/* A read returns what it has once this long has passed, so that slowness shows while slow. */
#define READ_SLICE_US 1000000

#if CONFIG_EEI_TRUST_CA_PEM
extern const char server_cert_start[] asm("_binary_eei_server_cert_pem_start");
#endif

void http_source_firmware_config(http_source_config_t *cfg)
{
    cfg->url = CONFIG_EEI_FIRMWARE_URL;
#if CONFIG_EEI_TRUST_CA_PEM
    cfg->ca_pem = server_cert_start;
#else
    cfg->ca_pem = NULL;
#endif
    cfg->recv_timeout_ms = CONFIG_EEI_RECV_TIMEOUT_MS;
}

static int fail(http_source_t *src, update_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(http_source_t *src, update_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    src->failure.status = status;
    vsnprintf(src->failure.detail, sizeof(src->failure.detail), fmt, ap);
    va_end(ap);
    ESP_LOGW(TAG, "%s", src->failure.detail);
    return -1;
}

static esp_err_t on_event(esp_http_client_event_t *evt)
{
    http_source_t *src = evt->user_data;
    if (evt->event_id == HTTP_EVENT_ON_HEADER) {
        if (strcasecmp(evt->header_key, "Location") == 0) {
            snprintf(src->location, sizeof(src->location), "%s", evt->header_value);
        } else if (strcasecmp(evt->header_key, "Content-Range") == 0) {
            src->content_range =
                http_content_range(evt->header_value, &src->range_first, &src->range_total);
        }
    } else if (evt->event_id == HTTP_EVENT_ON_DATA && src->reading && !src->hurried &&
               esp_timer_get_time() - src->read_started_us >= READ_SLICE_US) {
        /* esp_http_client_read fills the whole buffer: from now on it waits for nothing more */
        esp_http_client_set_timeout_ms(src->client, 1);
        src->hurried = true;
    }
    return ESP_OK;
}

/* What a failed connection was, from esp-tls's last error. */
static int connect_failed(http_source_t *src, esp_err_t err)
{
    int tls_code = 0, tls_flags = 0;
    esp_err_t last =
        esp_http_client_get_and_clear_last_tls_error(src->client, &tls_code, &tls_flags);
    switch (last) {
    case ESP_ERR_ESP_TLS_CANNOT_RESOLVE_HOSTNAME:
        return fail(src, UPDATE_LINK_DNS, "cannot resolve the server's name (%.200s)", src->url);
    case ESP_ERR_ESP_TLS_CONNECTION_TIMEOUT:
    case ESP_ERR_ESP_TLS_SERVER_HANDSHAKE_TIMEOUT:
        return fail(src, UPDATE_LINK_TIMEOUT, "the server does not answer (%s)",
                    esp_err_to_name(last));
    case ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST:
    case ESP_ERR_ESP_TLS_CANNOT_CREATE_SOCKET:
        return fail(src, UPDATE_LINK_CONNECT, "cannot connect to the server (%s)",
                    esp_err_to_name(last));
    case ESP_OK:
        break;
    default:
        return fail(src, UPDATE_LINK_TLS,
                    "TLS handshake failed (%s, TLS error -0x%x, certificate flags 0x%x)",
                    esp_err_to_name(last), (unsigned)-tls_code, (unsigned)tls_flags);
    }
    return fail(src, UPDATE_LINK_CONNECT, "cannot connect to the server (%s)",
                esp_err_to_name(err));
}

/*
 * A redirect's Location made the client's URL: 0, or -1 (failure says why). Out of line, so
 * that its URL buffers are not on the stack during the TLS handshakes of request().
 */
static int __attribute__((noinline)) follow_redirect(http_source_t *src, int status)
{
    if (src->redirects >= HTTP_REDIRECT_MAX) {
        return fail(src, UPDATE_LINK_REDIRECT, "more than %d redirects", HTTP_REDIRECT_MAX);
    }
    char next[HTTP_URL_MAX];
    const char *why = http_redirect_resolve(src->url, src->location, next, sizeof(next));
    if (why) {
        return fail(src, UPDATE_LINK_REDIRECT, "%s (HTTP %d to %.120s)", why, status,
                    src->location);
    }
    esp_err_t err = esp_http_client_set_url(src->client, next);
    if (err == ESP_OK) {
        /* set_url names a new host without its port: the Host header is the URL's */
        const char *authority = next + strlen("https://");
        snprintf(src->location, sizeof(src->location), "%.*s", (int)strcspn(authority, "/?#"),
                 authority);
        err = esp_http_client_set_header(src->client, "Host", src->location);
    }
    if (err != ESP_OK) {
        return fail(src, UPDATE_LINK_REDIRECT, "cannot follow the redirect to %.120s (%s)", next,
                    esp_err_to_name(err));
    }
    src->redirects++;
    snprintf(src->url, sizeof(src->url), "%s", next);
    ESP_LOGI(TAG, "HTTP %d: redirected to %s", status, src->url);
    return 0;
}

/*
 * Send the request for the image from offset on and read the answer's head, following
 * redirects; returns the HTTP status, or -1 (failure says why).
 */
static int request(http_source_t *src, uint64_t offset)
{
    for (;;) {
        char range[48];
        if (offset > 0) {
            snprintf(range, sizeof(range), "bytes=%" PRIu64 "-", offset);
            esp_http_client_set_header(src->client, "Range", range);
        } else {
            esp_http_client_delete_header(src->client, "Range");
        }
        src->location[0] = '\0';
        src->content_range = false;
        esp_err_t err = esp_http_client_open(src->client, 0);
        if (err != ESP_OK) {
            return connect_failed(src, err);
        }
        int64_t length = esp_http_client_fetch_headers(src->client);
        if (length < 0) {
            esp_http_client_close(src->client);
            if (length == -ESP_ERR_HTTP_EAGAIN) {
                return fail(src, UPDATE_LINK_TIMEOUT, "no answer within %d ms",
                            src->cfg.recv_timeout_ms);
            }
            return fail(src, UPDATE_LINK_CUT, "the connection closed before the answer");
        }
        int status = esp_http_client_get_status_code(src->client);
        if (!http_redirect_status(status)) {
            src->declared = esp_http_client_is_chunked_response(src->client) ? -1 : length;
            return status;
        }
        esp_http_client_close(src->client); /* the redirect's body is not read */
        if (follow_redirect(src, status) != 0) {
            return -1;
        }
    }
}

/* Out of line: its configuration is not on the stack during the TLS handshakes that follow. */
static esp_http_client_handle_t __attribute__((noinline)) client_init(http_source_t *src)
{
    esp_http_client_config_t config = {
        .url = src->cfg.url,
        .timeout_ms = src->cfg.recv_timeout_ms,
        .keep_alive_enable = true,
        .disable_auto_redirect = true, /* followed here: https only, counted, Range kept */
        .event_handler = on_event,
        .user_data = src,
    };
#if CONFIG_EEI_TRUST_CRT_BUNDLE
    config.crt_bundle_attach = esp_crt_bundle_attach;
#else
    config.cert_pem = src->cfg.ca_pem;
#endif
    return esp_http_client_init(&config);
}

esp_err_t http_source_open(http_source_t *src, const http_source_config_t *cfg)
{
    memset(src, 0, sizeof(*src));
    src->cfg = *cfg;
    src->declared = -1;
    if (cfg->ca_pem && strstr(cfg->ca_pem, HTTP_SOURCE_NO_CA_CERT)) {
        fail(src, UPDATE_ERROR,
             "%s: put the update server's CA certificate in server_certs/ca_cert.pem "
             "(see docs/FIRMWARE.md) and build again",
             HTTP_SOURCE_NO_CA_CERT);
        return ESP_ERR_INVALID_STATE;
    }
    if (strlen(cfg->url) >= sizeof(src->url)) {
        fail(src, UPDATE_ERROR, "the update URL is longer than %d bytes", HTTP_URL_MAX - 1);
        return ESP_ERR_INVALID_ARG;
    }
    snprintf(src->url, sizeof(src->url), "%s", cfg->url);
    src->client = client_init(src);
    if (!src->client) {
        fail(src, UPDATE_ERROR, "esp_http_client_init: no memory");
        return ESP_ERR_NO_MEM;
    }
    int status = request(src, 0);
    if (status != 200) {
        if (status >= 0) {
            esp_http_client_close(src->client);
            fail(src, UPDATE_LINK_HTTP, "HTTP status %d (wanted 200) from %.200s", status,
                 src->url);
        }
        esp_http_client_cleanup(src->client);
        src->client = NULL;
        return ESP_FAIL;
    }
    ESP_LOGI(TAG, "downloading %" PRId64 " bytes from %s", src->declared, src->url);
    return ESP_OK;
}

int http_source_read(void *ctx, uint8_t *buf, size_t cap)
{
    http_source_t *src = ctx;
    src->failure.detail[0] = '\0';
    src->read_started_us = esp_timer_get_time();
    src->hurried = false;
    src->reading = true;
    int n = esp_http_client_read(src->client, (char *)buf, cap > INT_MAX ? INT_MAX : (int)cap);
    src->reading = false;
    if (src->hurried) {
        esp_http_client_set_timeout_ms(src->client, src->cfg.recv_timeout_ms);
    }
    if (n > 0) {
        return n;
    }
    if (n == 0 && esp_http_client_is_complete_data_received(src->client)) {
        return 0; /* the answer ended */
    }
    if (n == -ESP_ERR_HTTP_EAGAIN) {
        return fail(src, UPDATE_LINK_TIMEOUT, "no data for %d ms", src->cfg.recv_timeout_ms);
    }
    return fail(src, UPDATE_LINK_CUT, "the connection closed before the answer was complete");
}

int64_t http_source_resume(void *ctx, uint64_t offset, unsigned attempt)
{
    http_source_t *src = ctx;
    src->failure.detail[0] = '\0';
    esp_http_client_close(src->client);
    vTaskDelay(pdMS_TO_TICKS(1000 * attempt)); /* give a flaky link time, longer each time */
    int64_t declared = src->declared;
    int status = request(src, offset);
    if (status < 0) {
        return -1;
    }
    switch (http_resume_judge(status, src->content_range, src->range_first, src->range_total,
                              offset, declared, &src->failure)) {
    case HTTP_RESUME_FROM_START:
        return 0; /* the server ignored the Range request: the whole image again */
    case HTTP_RESUME_REFUSED:
        esp_http_client_close(src->client);
        ESP_LOGW(TAG, "%s", src->failure.detail);
        return -1;
    case HTTP_RESUME_AT_OFFSET:
        break;
    }
    src->declared = (int64_t)src->range_total;
    return (int64_t)offset;
}

int64_t http_source_declared_size(void *ctx)
{
    return ((http_source_t *)ctx)->declared;
}

const update_outcome_t *http_source_failure(void *ctx)
{
    http_source_t *src = ctx;
    return src->failure.detail[0] ? &src->failure : NULL;
}

void http_source_close(http_source_t *src)
{
    if (src->client) {
        esp_http_client_close(src->client);
        esp_http_client_cleanup(src->client);
        src->client = NULL;
    }
}

bool http_source_probe(const http_source_config_t *cfg, update_outcome_t *out)
{
    http_source_t *src = calloc(1, sizeof(*src)); /* 1.7 KiB: off the caller's stack */
    if (!src) {
        update_fail(out, UPDATE_ERROR, "no memory for the self-test");
        return false;
    }
    bool ok = http_source_open(src, cfg) == ESP_OK;
    if (ok) {
        update_fail(out, UPDATE_OK, "the update server answers (%.120s)", src->url);
        http_source_close(src);
    } else {
        *out = src->failure;
    }
    free(src);
    return ok;
}
