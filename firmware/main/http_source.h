/* The update path's source on the chip: an HTTPS download with esp_http_client. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_http_client.h"

typedef struct {
    esp_http_client_handle_t client;
    int64_t total; /* the image's size, from the first response */
} http_source_t;

/*
 * Connect, verifying the server against ca_cert_pem, and read the response head; only a 200
 * response with a length is accepted. This is also the new firmware's self-test.
 */
esp_err_t http_source_open(http_source_t *src, const char *url, const char *ca_cert_pem,
                           int timeout_ms);
/* ota_source_t.read: bytes (> 0), 0 at the complete end, -1 on a failed or cut transfer. */
int http_source_read(void *ctx, uint8_t *buf, size_t cap);
/* ota_source_t.resume: a new request for the rest of the image (Range: bytes=offset-). */
int http_source_resume(void *ctx, uint64_t offset, int attempt);
void http_source_close(http_source_t *src);

/* The text embedded in place of a missing server_certs/ca_cert.pem. */
#define HTTP_SOURCE_NO_CA_CERT "no CA certificate was built in"
