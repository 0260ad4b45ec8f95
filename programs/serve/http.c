#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t http_head_end(const char *buf, size_t len)
{
    for (size_t i = 3; i < len; i++) {
        if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
            return i + 1;
        }
    }
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * "/a/b%20c?x" -> "a/b c". Segments "." are dropped; "..", control characters, encoded
 * slashes and backslashes are refused, so no path can leave the folder by its spelling.
 */
static int decode_path(const char *target, char *out, size_t cap)
{
    if (target[0] != '/') {
        return 400; /* only origin-form: no absolute URLs, no '*' */
    }
    char decoded[HTTP_MAX_PATH];
    size_t n = 0;
    for (const char *p = target; *p && *p != '?' && *p != '#'; p++) {
        int c = (unsigned char)*p;
        if (c == '%') {
            int hi = hex_value(p[1]), lo = hi >= 0 ? hex_value(p[2]) : -1;
            if (lo < 0) {
                return 400;
            }
            c = hi * 16 + lo;
            p += 2;
            if (c == '/') {
                return 400;
            }
        }
        if (c < 0x20 || c == 0x7f || c == '\\' || n + 1 >= sizeof(decoded)) {
            return c < 0x20 || c == 0x7f || c == '\\' ? 400 : 414;
        }
        decoded[n++] = (char)c;
    }
    decoded[n] = '\0';
    size_t o = 0;
    char *save = NULL;
    for (char *seg = strtok_r(decoded, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0) {
            continue;
        }
        if (strcmp(seg, "..") == 0) {
            return 400;
        }
        size_t len = strlen(seg);
        if (o + len + 2 > cap) {
            return 414;
        }
        if (o) {
            out[o++] = '/';
        }
        memcpy(out + o, seg, len);
        o += len;
    }
    out[o] = '\0';
    return 0;
}

/*
 * "bytes=a-b", "bytes=a-", "bytes=-n"; anything else (several ranges too) is ignored. The fields
 * are set together, only for a well-formed range.
 */
static void parse_range(const char *value, http_request *req)
{
    while (*value == ' ') {
        value++;
    }
    if (strncasecmp(value, "bytes=", 6) != 0 || strchr(value, ',')) {
        return;
    }
    const char *p = value + 6;
    char *end;
    bool suffix = *p == '-';
    uint64_t first = 0, last = UINT64_MAX;
    if (suffix) {
        if (!isdigit((unsigned char)p[1])) {
            return;
        }
        last = strtoull(p + 1, &end, 10);
    } else {
        if (!isdigit((unsigned char)*p)) {
            return;
        }
        first = strtoull(p, &end, 10);
        if (*end != '-') {
            return;
        }
        p = end + 1;
        end = (char *)p;
        if (isdigit((unsigned char)*p)) {
            last = strtoull(p, &end, 10);
            if (last < first) {
                return;
            }
        }
    }
    while (*end == ' ' || *end == '\r') {
        end++;
    }
    if (*end == '\0' || *end == '\n') {
        req->has_range = true;
        req->range_suffix = suffix;
        req->range_first = first;
        req->range_last = last;
    }
}

void http_parse_request(const char *head, size_t len, http_request *req)
{
    memset(req, 0, sizeof(*req));
    char buf[HTTP_MAX_HEADER + 1];
    if (len > HTTP_MAX_HEADER) {
        req->status = 431;
        return;
    }
    if (memchr(head, '\0', len)) {
        req->status = 400; /* a NUL would cut what follows it from every check */
        return;
    }
    memcpy(buf, head, len);
    buf[len] = '\0';
    char *save = NULL;
    char *line = strtok_r(buf, "\r\n", &save);
    char version[16] = "";
    if (!line || sscanf(line, "%15s %1023s %15s", req->method, req->target, version) != 3 ||
        strncmp(version, "HTTP/1.", 7) != 0) {
        snprintf(req->target, sizeof(req->target), "%s", line ? line : "");
        req->status = 400;
        return;
    }
    req->keep_alive = strcmp(version, "HTTP/1.1") == 0;
    bool seen_range = false;
    for (char *h = strtok_r(NULL, "\r\n", &save); h; h = strtok_r(NULL, "\r\n", &save)) {
        char *colon = strchr(h, ':');
        if (!colon) {
            req->status = 400;
            return;
        }
        *colon = '\0';
        const char *value = colon + 1;
        while (*value == ' ' || *value == '\t') {
            value++;
        }
        if (strcasecmp(h, "Range") == 0) {
            if (seen_range) {
                req->status = 400; /* two ranges: which one was meant? */
                return;
            }
            seen_range = true;
            parse_range(value, req);
        } else if (strcasecmp(h, "Connection") == 0) {
            if (strcasecmp(value, "close") == 0) {
                req->keep_alive = false;
            } else if (strcasecmp(value, "keep-alive") == 0) {
                req->keep_alive = true;
            }
        }
    }
    req->head = strcmp(req->method, "HEAD") == 0;
    if (!req->head && strcmp(req->method, "GET") != 0) {
        req->status = 405;
        return;
    }
    req->status = decode_path(req->target, req->path, sizeof(req->path));
}

int http_resolve_range(const http_request *req, uint64_t size, uint64_t *first, uint64_t *last)
{
    *first = 0;
    *last = size ? size - 1 : 0;
    if (!req->has_range) {
        return 200;
    }
    if (req->range_suffix) {
        if (req->range_last == 0 || size == 0) {
            return 416;
        }
        *first = req->range_last >= size ? 0 : size - req->range_last;
        return 206;
    }
    if (req->range_first >= size) {
        return 416;
    }
    *first = req->range_first;
    *last = req->range_last >= size ? size - 1 : req->range_last;
    return 206;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 414:
        return "URI Too Long";
    case 416:
        return "Range Not Satisfiable";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    }
    return "Internal Server Error";
}
