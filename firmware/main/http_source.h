/* The update path's source on the chip: an HTTPS download with esp_http_client. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_http_client.h"

typedef struct {
    esp_http_client_handle_t client;
    int64_t content_length; /* -1 when the server does not say */
} http_source_t;

/* Connect and read the response headers; only a 200 response is accepted. */
esp_err_t http_source_open(http_source_t *src, const char *url, const char *ca_cert_pem,
                           int timeout_ms);
/* ota_source_t.read: bytes (> 0), 0 at the complete end, -1 on a failed or cut transfer. */
int http_source_read(void *ctx, uint8_t *buf, size_t cap);
void http_source_close(http_source_t *src);
