/* Host port: task priorities (the simulated device has one task, and nothing to share with). */
#pragma once

#include "freertos/FreeRTOS.h"

UBaseType_t uxTaskPriorityGet(TaskHandle_t task);
void vTaskPrioritySet(TaskHandle_t task, UBaseType_t priority);
void vTaskDelay(TickType_t ticks);
