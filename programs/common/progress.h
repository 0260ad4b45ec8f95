/* A progress line on stderr, only when stderr is a terminal and the work is long. */
#ifndef EEI_PROGRESS_H
#define EEI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define EEI_PROGRESS_MIN_BYTES (64ull * 1024 * 1024)

typedef struct {
    bool tty;
    bool items; /* counting devices, not bytes */
    const char *label;
    uint64_t total;     /* 0: unknown (a stream) */
    double start, last; /* os_now() */
    bool shown;
} progress;

/* Byte progress shows for inputs over 64 MiB (streams: once they pass it); items always. */
void progress_begin(progress *p, const char *label, uint64_t total, bool items, bool quiet);
void progress_update(progress *p, uint64_t done);
/* Clear the line, if one was shown. */
void progress_end(progress *p);

#endif
