/* Host port: the FreeRTOS types the firmware's update path uses. */
#pragma once

#include <stdint.h>

typedef unsigned int UBaseType_t;
typedef uint32_t TickType_t;
typedef void *TaskHandle_t;

#define tskIDLE_PRIORITY ((UBaseType_t)0)
