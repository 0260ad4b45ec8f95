/* The one error type of the host tool: a status that decides the exit code, and a message. */
#ifndef EEI_ERROR_H
#define EEI_ERROR_H

#include <stdarg.h>

typedef enum {
    EEI_OK = 0,
    EEI_ERR_REJECTED, /* the image is not acceptable: bad magic, length, key, tag, point */
    EEI_ERR_USAGE,    /* the command line is wrong */
    EEI_ERR_FILE,     /* a file could not be read or written */
    EEI_ERR_KEY,      /* a key file is missing, unreadable, of the wrong kind or size */
    EEI_ERR_SYSTEM,   /* out of memory, random source, library failure, interrupted */
} eei_status;

typedef struct {
    eei_status status;
    char msg[512]; /* "<what>: <why>" */
} eei_error;

/* Record status and a printf-style message; returns -1 so callers can `return eei_fail(...)`. */
int eei_fail(eei_error *err, eei_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Put "<what>: " in front of the message already recorded. */
void eei_error_prefix(eei_error *err, const char *what);

/* The exit code for a status: 0 ok, 1 rejected, 2 usage, 3 file/key/system. */
int eei_exit_code(eei_status status);

#endif
