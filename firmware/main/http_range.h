/*
 * Range requests as the firmware reads their answers: what a Content-Range says, and what an
 * answer to "Range: bytes=OFFSET-" means for a download that resumes. One rule for the chip's
 * esp_http_client (http_source.c) and the host port's own client (firmware/host/https_source.c).
 */
#ifndef EEI_HTTP_RANGE_H
#define EEI_HTTP_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "update_status.h"

/*
 * A Content-Range header's value, "bytes FIRST-LAST/TOTAL" (spaces before it allowed): true with
 * first and total when it is one with FIRST <= LAST < TOTAL ("*" and unknown totals are not).
 */
bool http_content_range(const char *value, uint64_t *first, uint64_t *total);

typedef enum {
    HTTP_RESUME_AT_OFFSET,  /* 206 from OFFSET, of the image the download began with */
    HTTP_RESUME_FROM_START, /* 200: the server ignored the Range, the whole image comes again */
    HTTP_RESUME_REFUSED,    /* anything else: why says what (UPDATE_LINK_HTTP) */
} http_resume_t;

/*
 * The answer (its status, and its Content-Range when it had one: has_range, first, total) to a
 * request for the image from offset, when the download had been told declared bytes (-1: no
 * length was known). An image whose length changed is another image: refused.
 */
http_resume_t http_resume_judge(int status, bool has_range, uint64_t first, uint64_t total,
                                uint64_t offset, int64_t declared, update_outcome_t *why);

#endif
