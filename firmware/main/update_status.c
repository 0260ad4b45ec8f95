#include "update_status.h"

#include <stdarg.h>
#include <stdio.h>

const char *update_status_word(update_status_t status)
{
    switch (status) {
    case UPDATE_OK:
        return "ok";
    case UPDATE_CURRENT:
        return "current";
    case UPDATE_LINK_NETWORK:
        return "link-network";
    case UPDATE_LINK_DNS:
        return "link-dns";
    case UPDATE_LINK_CONNECT:
        return "link-connect";
    case UPDATE_LINK_TLS:
        return "link-tls";
    case UPDATE_LINK_TIMEOUT:
        return "link-timeout";
    case UPDATE_LINK_HTTP:
        return "link-http";
    case UPDATE_LINK_REDIRECT:
        return "link-redirect";
    case UPDATE_LINK_SLOW:
        return "link-slow";
    case UPDATE_LINK_CUT:
        return "link-cut";
    case UPDATE_REJECTED_HEADER:
        return "rejected-header";
    case UPDATE_REJECTED_KEY:
        return "rejected-key";
    case UPDATE_REJECTED_TAG:
        return "rejected-tag";
    case UPDATE_REJECTED_APP:
        return "rejected-app";
    case UPDATE_REJECTED_SIGNATURE:
        return "rejected-signature";
    case UPDATE_REJECTED_VERSION:
        return "rejected-version";
    case UPDATE_ERROR:
        break;
    }
    return "error";
}

bool update_status_is_link(update_status_t status)
{
    return status >= UPDATE_LINK_NETWORK && status <= UPDATE_LINK_CUT;
}

bool update_status_is_rejection(update_status_t status)
{
    return status >= UPDATE_REJECTED_HEADER && status <= UPDATE_REJECTED_VERSION;
}

update_status_t update_fail(update_outcome_t *out, update_status_t status, const char *fmt, ...)
{
    if (!out) {
        return status;
    }
    va_list ap;
    out->status = status;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
    va_end(ap);
    return status;
}

int update_outcome_line(const update_outcome_t *out, unsigned attempt, char *line, size_t cap)
{
    return snprintf(line, cap, "EEI_UPDATE %s attempt=%u: %s", update_status_word(out->status),
                    attempt, out->detail);
}
