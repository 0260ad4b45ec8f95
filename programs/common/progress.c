#include "progress.h"

#include <stdio.h>

#include "os.h"

#define REFRESH_S 0.2

void progress_begin(progress *p, const char *label, uint64_t total, bool items, bool quiet)
{
    p->tty = !quiet && os_isatty(2);
    p->items = items;
    p->label = label;
    p->total = total;
    p->shown = false;
    p->start = p->last = os_now();
}

void progress_update(progress *p, uint64_t done)
{
    bool long_work = p->items || p->total > EEI_PROGRESS_MIN_BYTES || done > EEI_PROGRESS_MIN_BYTES;
    if (!p->tty || !long_work) {
        return;
    }
    double now = os_now();
    if (p->shown && now - p->last < REFRESH_S) {
        return;
    }
    p->last = now;
    p->shown = true;
    double secs = now - p->start;
    double rate = secs > 0 ? (double)done / secs : 0;
    double eta = rate > 0 && p->total > done ? (double)(p->total - done) / rate : 0;
    if (p->items) {
        fprintf(stderr, "\r%s: %llu/%llu devices, %.1f/s, ETA %.0fs\033[K", p->label,
                (unsigned long long)done, (unsigned long long)p->total, rate, eta);
    } else if (p->total) {
        fprintf(stderr, "\r%s: %llu/%llu MiB (%.0f%%), %.0f MiB/s, ETA %.0fs\033[K", p->label,
                (unsigned long long)(done >> 20), (unsigned long long)(p->total >> 20),
                100.0 * (double)done / (double)p->total, rate / 1048576.0, eta);
    } else {
        fprintf(stderr, "\r%s: %llu MiB, %.0f MiB/s\033[K", p->label,
                (unsigned long long)(done >> 20), rate / 1048576.0);
    }
    fflush(stderr);
}

void progress_end(progress *p)
{
    if (p->shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    p->shown = false;
}
