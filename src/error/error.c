#define _POSIX_C_SOURCE 200809L
#include "error.h"

#include <stdio.h>
#include <string.h>

int eei_fail(eei_error *err, eei_status status, const char *fmt, ...)
{
    va_list ap;
    err->status = status;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

void eei_error_prefix(eei_error *err, const char *what)
{
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

int eei_exit_code(eei_status status)
{
    switch (status) {
    case EEI_OK:
        return 0;
    case EEI_ERR_REJECTED:
        return 1;
    case EEI_ERR_USAGE:
        return 2;
    case EEI_ERR_FILE:
    case EEI_ERR_KEY:
    case EEI_ERR_SYSTEM:
        break;
    }
    return 3;
}
