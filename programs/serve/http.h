/* The little HTTP/1.1 the update server speaks: requests, safe paths, byte ranges. No I/O. */
#ifndef EEI_HTTP_H
#define EEI_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADER 8192u
#define HTTP_MAX_PATH 1024u

typedef struct {
    char method[16];
    char target[HTTP_MAX_PATH]; /* as received, for the log */
    char path[HTTP_MAX_PATH];   /* decoded, relative to the served folder, no '.' or '..' */
    bool head;
    bool keep_alive;
    bool has_range; /* a single, well-formed bytes range */
    bool range_suffix;
    uint64_t range_first, range_last; /* last is UINT64_MAX for "a-" */
    int status;                       /* 0 to serve path, else the error status to answer with */
} http_request;

/* Parse one request head (up to and including the blank line). */
void http_parse_request(const char *head, size_t len, http_request *req);

/* Where a request head ends (after "\r\n\r\n"), or 0 if it has not yet. */
size_t http_head_end(const char *buf, size_t len);

/* The bytes to send of a file of size: 200 (all), 206 (*first..*last) or 416. */
int http_resolve_range(const http_request *req, uint64_t size, uint64_t *first, uint64_t *last);

const char *http_reason(int status);

#endif
