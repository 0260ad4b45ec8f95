/* The simulator's HTTPS download, as an ota_source_t read function. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

typedef struct {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
    char host[256], port[8], path[1024];
    long long range_size;   /* > 0: Range requests of this many bytes */
    long long rate;         /* > 0: at most this many bytes per second */
    long long drop_every;   /* > 0: the connection drops after this many bytes of a response */
    uint64_t since_request; /* body bytes read since the last request */
    bool reached;           /* the server answered a request (TLS and HTTP worked) */
    uint64_t offset, total, body_left, delivered;
    bool keep_alive;
    uint8_t spill[8192];
    size_t spill_len;
    struct timespec start;
    char why[160];
} https_source;

/* Connect (verifying the server against ca_file), request, read the response head. */
int https_source_open(https_source *s, const char *url, const char *ca_file, long long range_size,
                      long long rate, long long drop_every);
/* ota_source_t.read: > 0 bytes, 0 at the end, -1 when the transfer failed (why says why). */
int https_source_read(void *ctx, uint8_t *buf, size_t cap);
/* ota_source_t.resume: reconnect and ask for the image from offset on (Range: bytes=offset-). */
int https_source_resume(void *ctx, uint64_t offset, int attempt);
void https_source_close(https_source *s);
