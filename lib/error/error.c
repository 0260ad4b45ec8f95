#define _POSIX_C_SOURCE 200809L
#include "error/error_internal.h"

#include <stdarg.h>
#include <string.h>

int eei_fail(eei_error *err, eei_status status, const char *fmt, ...)
{
    if (!err) {
        return -1; /* not a status: the public int of eei_fail, for callbacks */
    }
    va_list ap;
    err->status = status;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1; /* not a status: the public int of eei_fail, for callbacks */
}

eei_status eei_error_set(eei_error *err, eei_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return status;
}

void eei_error_prefix(eei_error *err, const char *what)
{
    if (!err) {
        return;
    }
    char old[sizeof(err->msg)];
    memcpy(old, err->msg, sizeof(old));
    size_t n = strlen(what);
    if (n + 2 >= sizeof(err->msg)) {
        return;
    }
    memcpy(err->msg, what, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof(err->msg) - n - 2;
    size_t old_len = strnlen(old, room - 1);
    memcpy(err->msg + n + 2, old, old_len);
    err->msg[n + 2 + old_len] = '\0';
}

const char *eei_strerror(eei_status status)
{
    switch (status) {
    case EEI_OK:
        return "success";
    case EEI_ERR_REJECTED:
        return "image rejected";
    case EEI_ERR_USAGE:
        return "invalid argument";
    case EEI_ERR_FILE:
        return "file error";
    case EEI_ERR_KEY:
        return "key error";
    case EEI_ERR_SYSTEM:
        break;
    }
    return "system error";
}
