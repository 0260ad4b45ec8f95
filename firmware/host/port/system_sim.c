/* The host port's clock, restart, random numbers and task priority. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "esp_sim.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "freertos/task.h"

static UBaseType_t task_priority = 5; /* the update task's, as app_main creates it */

int64_t esp_timer_get_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void esp_restart(void)
{
    fflush(stdout);
    fflush(stderr);
    sim_device_close();
    exit(SIM_EXIT_RESTART);
}

uint32_t esp_random(void)
{
    static uint32_t state;
    if (state == 0) {
        state = (uint32_t)esp_timer_get_time() | 1u;
    }
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

UBaseType_t uxTaskPriorityGet(TaskHandle_t task)
{
    (void)task;
    return task_priority;
}

void vTaskPrioritySet(TaskHandle_t task, UBaseType_t priority)
{
    (void)task;
    task_priority = priority;
}

void vTaskDelay(TickType_t ticks)
{
    (void)ticks; /* no other task to run */
}
