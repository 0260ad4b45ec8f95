/* Host port: ESP-IDF's microsecond clock since boot (here: the monotonic clock). */
#pragma once

#include <stdint.h>

int64_t esp_timer_get_time(void);
