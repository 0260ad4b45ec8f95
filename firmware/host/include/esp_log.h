/* Host port: ESP-IDF logging macros, printed on stderr. Level from esp_sim_set_log_level(). */
#pragma once

#include <stdio.h>

extern int esp_sim_log_level; /* 0 none, 1 error, 2 warn, 3 info, 4 debug */

#define EEI_SIM_LOG(level, letter, tag, fmt, ...)                                                  \
    do {                                                                                           \
        if (esp_sim_log_level >= (level)) {                                                        \
            fprintf(stderr, letter " (%s) " fmt "\n", tag, ##__VA_ARGS__);                         \
        }                                                                                          \
    } while (0)

#define ESP_LOGE(tag, fmt, ...) EEI_SIM_LOG(1, "E", tag, fmt, ##__VA_ARGS__)
#define ESP_LOGW(tag, fmt, ...) EEI_SIM_LOG(2, "W", tag, fmt, ##__VA_ARGS__)
#define ESP_LOGI(tag, fmt, ...) EEI_SIM_LOG(3, "I", tag, fmt, ##__VA_ARGS__)
#define ESP_LOGD(tag, fmt, ...) EEI_SIM_LOG(4, "D", tag, fmt, ##__VA_ARGS__)
