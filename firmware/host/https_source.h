/*
 * The simulator's download, as an ota_source_t: HTTPS with OpenSSL where the chip uses
 * esp_http_client (main/http_source.c), with the chip's rules: redirects followed by
 * main/http_redirect.c, the server trusted through one CA certificate or through an ESP-IDF
 * certificate bundle read as esp_crt_bundle reads it, Range requests for the rest of an image,
 * a server that ignores them, chunked answers, and each failure in the words of
 * main/update_status.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "http_redirect.h"
#include "update_status.h"

typedef struct {
    const char *ca_file;     /* one PEM CA certificate ... */
    const char *bundle_file; /* ... or ESP-IDF's certificate bundle (gen_crt_bundle.py) */
    long long range_size;    /* > 0: Range requests of this many bytes (partial download) */
    long long rate;          /* > 0: at most this many bytes per second */
    long long drop_every;    /* > 0: the connection drops after this many bytes of an answer */
    int recv_timeout_ms;     /* no byte for this long fails a read (0: 10 s) */
} https_source_options;

typedef struct {
    https_source_options opt;
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
    uint8_t *bundle; /* the certificate bundle's bytes */
    size_t bundle_len;
    char url[HTTP_URL_MAX]; /* where the redirects led: later requests go there */
    char host[256], port[8], path[HTTP_URL_MAX];
    char authority[272]; /* host[:port] as the URL has it: the Host header */
    unsigned redirects;
    bool reached;    /* the server answered a request (TLS and HTTP worked) */
    bool keep_alive; /* the connection may carry the next request */
    /* the answer being read */
    bool chunked, chunk_done;
    uint64_t chunk_left;
    uint64_t body_left; /* UINT64_MAX: until the connection closes (or chunked) */
    /* the image */
    uint64_t offset;      /* image bytes delivered (the next request's Range start) */
    int64_t declared;     /* the image length the server declared, or -1 */
    uint64_t range_total; /* partial download: the length from Content-Range */
    uint64_t since_request, delivered;
    struct timespec start;
    uint8_t in[16384]; /* bytes read from TLS and not yet taken */
    size_t in_pos, in_len;
    update_outcome_t failure;
} https_source;

/* Connect, request, follow redirects, read the answer's head: 0, or -1 (failure says why). */
int https_source_open(https_source *s, const char *url, const https_source_options *opt);
/* ota_source_t's functions; ctx is the https_source. */
int https_source_read(void *ctx, uint8_t *buf, size_t cap);
int64_t https_source_resume(void *ctx, uint64_t offset, unsigned attempt);
int64_t https_source_declared_size(void *ctx);
const update_outcome_t *https_source_failure(void *ctx);
void https_source_close(https_source *s);
