/*
 * Fuzz target: the server's HTTP request parsing (programs/serve/http.c) on arbitrary bytes. Input:
 * 8 bytes of file size (little-endian), then the request head. Checks what the server relies
 * on: a path to serve never leaves the folder by its spelling, and a range to send lies inside
 * the file.
 */
#include <stdint.h>
#include <string.h>

#include "http.h"

static void check_path(const char *path)
{
    if (path[0] == '/') {
        __builtin_trap();
    }
    for (const char *seg = path[0] ? path : NULL; seg;) { /* "": the folder itself, a 404 */
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
            __builtin_trap(); /* an empty, "." or ".." segment */
        }
        seg = end ? end + 1 : NULL;
    }
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\') {
            __builtin_trap();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8) {
        return 0;
    }
    uint64_t file_size = 0;
    for (int i = 7; i >= 0; i--) {
        file_size = file_size << 8 | data[i];
    }
    const char *head = (const char *)data + 8;
    size -= 8;
    size_t end = http_head_end(head, size);
    if (end > size) {
        __builtin_trap();
    }
    http_request req;
    http_parse_request(head, end ? end : size, &req);
    (void)http_reason(req.status);
    if (req.status != 0) {
        return 0;
    }
    check_path(req.path);
    uint64_t first = 0, last = 0;
    int status = http_resolve_range(&req, file_size, &first, &last);
    if ((status == 206 || (status == 200 && file_size > 0)) &&
        (first > last || last >= file_size)) {
        __builtin_trap();
    }
    return 0;
}
