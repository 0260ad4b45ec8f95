#include "update_schedule.h"

bool update_schedule_retry(update_status_t status)
{
    return update_status_is_link(status);
}

uint32_t update_schedule_backoff_ms(const update_schedule_t *s, uint32_t n, uint32_t random)
{
    uint64_t d = s->retry_base_ms;
    for (uint32_t i = 1; i < n && d < s->retry_max_ms; i++) {
        d *= 2;
    }
    if (d > s->retry_max_ms) {
        d = s->retry_max_ms;
    }
    uint64_t half = d / 2;
    return (uint32_t)(d - half + (half ? random % (half + 1) : 0));
}

uint32_t update_schedule_next_check_ms(const update_schedule_t *s, uint32_t random)
{
    uint32_t spread = s->interval_ms / 10;
    return s->interval_ms - (spread ? random % (spread + 1) : 0);
}
