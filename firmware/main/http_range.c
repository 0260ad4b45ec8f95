#include "http_range.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

bool http_content_range(const char *v, uint64_t *first, uint64_t *total)
{
    char *end;
    v += strspn(v, " ");
    if (strncmp(v, "bytes ", 6) != 0) {
        return false;
    }
    unsigned long long a = strtoull(v + 6, &end, 10);
    if (end == v + 6 || *end != '-') {
        return false;
    }
    v = end + 1;
    unsigned long long b = strtoull(v, &end, 10);
    if (end == v || *end != '/' || b < a) {
        return false;
    }
    v = end + 1;
    unsigned long long t = strtoull(v, &end, 10);
    *first = a;
    *total = t;
    return end != v && b < t;
}

http_resume_t http_resume_judge(int status, bool has_range, uint64_t first, uint64_t total,
                                uint64_t offset, int64_t declared, update_outcome_t *why)
{
    if (status == 200) {
        return HTTP_RESUME_FROM_START;
    }
    if (status != 206 || !has_range || first != offset) {
        update_fail(why, UPDATE_LINK_HTTP, "HTTP status %d to Range: bytes=%" PRIu64 "-", status,
                    offset);
        return HTTP_RESUME_REFUSED;
    }
    if (declared >= 0 && total != (uint64_t)declared) {
        update_fail(why, UPDATE_LINK_HTTP,
                    "the image on the server changed length (%" PRIu64 ", was %" PRId64 ")", total,
                    declared);
        return HTTP_RESUME_REFUSED;
    }
    return HTTP_RESUME_AT_OFFSET;
}
