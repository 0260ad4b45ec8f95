/*
 * The update path's source on the chip: an HTTPS download with esp_http_client. Redirects are
 * followed (http_redirect.h), the server is trusted through one CA certificate or ESP-IDF's
 * certificate bundle (Kconfig), and each failure is told in the words of update_status.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_http_client.h"
#include "http_redirect.h"
#include "update_status.h"

typedef struct {
    const char *url;
    const char *ca_pem; /* one CA certificate; NULL: ESP-IDF's certificate bundle */
    int recv_timeout_ms;
} http_source_config_t;

typedef struct {
    http_source_config_t cfg;
    esp_http_client_handle_t client;
    char url[HTTP_URL_MAX]; /* where the redirects led: Range requests go there */
    unsigned redirects;
    char location[HTTP_URL_MAX]; /* the last answer's headers, from the event handler */
    bool content_range;
    uint64_t range_first, range_total;
    int64_t declared;        /* the image length the server declared, or -1 */
    int64_t read_started_us; /* a read in progress returns once a second has passed */
    bool reading, hurried;
    update_outcome_t failure;
} http_source_t;

/* The configuration the firmware was built with (Kconfig, the embedded certificate). */
void http_source_firmware_config(http_source_config_t *cfg);

/*
 * Connect, request the image, follow redirects and read the answer's head: ESP_OK for a 200;
 * else the failure is in src->failure (and nothing needs closing).
 */
esp_err_t http_source_open(http_source_t *src, const http_source_config_t *cfg);
/* ota_source_t's functions (ota_update.h); ctx is the http_source_t. */
int http_source_read(void *ctx, uint8_t *buf, size_t cap);
int64_t http_source_resume(void *ctx, uint64_t offset, unsigned attempt);
int64_t http_source_declared_size(void *ctx);
const update_outcome_t *http_source_failure(void *ctx);
void http_source_close(http_source_t *src);

/* The default self-test: the update URL answers 200 over TLS (redirects followed). */
bool http_source_probe(const http_source_config_t *cfg, update_outcome_t *out);

/* The text embedded in place of a missing server_certs/ca_cert.pem. */
#define HTTP_SOURCE_NO_CA_CERT "no CA certificate was built in"
