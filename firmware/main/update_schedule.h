/*
 * When the firmware tries again. A check is up to `attempts` attempts; only a link failure is
 * worth another attempt in the same check (an image the device refused is refused again), after
 * a wait that doubles from retry_base_ms up to retry_max_ms, with jitter so that a fleet that
 * lost its server together does not come back together. Then the next check comes after
 * interval_ms, also with jitter; 0 means once per boot.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "update_status.h"

typedef struct {
    uint32_t attempts;      /* attempts of one check, at least 1 */
    uint32_t retry_base_ms; /* the wait after the first failed attempt */
    uint32_t retry_max_ms;  /* the longest wait between attempts */
    uint32_t interval_ms;   /* between checks; 0: once per boot */
} update_schedule_t;

/* Whether an attempt that ended so is tried again in the same check. */
bool update_schedule_retry(update_status_t status);

/*
 * The wait after failed attempt n (n >= 1): d = min(base * 2^(n-1), max), then a random point
 * of [d/2, d] ("equal jitter"), random being any 32-bit random number.
 */
uint32_t update_schedule_backoff_ms(const update_schedule_t *s, uint32_t n, uint32_t random);

/* The wait until the next check: interval_ms minus up to a tenth of it, at random; 0: none. */
uint32_t update_schedule_next_check_ms(const update_schedule_t *s, uint32_t random);
