#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#define REFRESH_NS 200000000ll

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
    return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000ll + (b->tv_nsec - a->tv_nsec);
}

void progress_begin(progress *p, const char *label, uint64_t total, bool items, bool quiet)
{
    p->tty = !quiet && isatty(STDERR_FILENO);
    p->items = items;
    p->label = label;
    p->total = total;
    p->shown = false;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

void progress_update(progress *p, uint64_t done)
{
    bool long_work = p->items || p->total > EEI_PROGRESS_MIN_BYTES || done > EEI_PROGRESS_MIN_BYTES;
    if (!p->tty || !long_work) {
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (p->shown && ns_between(&p->last, &now) < REFRESH_NS) {
        return;
    }
    p->last = now;
    p->shown = true;
    double secs = (double)ns_between(&p->start, &now) / 1e9;
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
