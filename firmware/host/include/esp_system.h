/* Host port: esp_restart() ends the simulated device's run (every run is a power-on). */
#pragma once

#include <stdint.h>

/* The exit status of a run that ended in a restart. */
#define SIM_EXIT_RESTART 4

void esp_restart(void) __attribute__((noreturn));
uint32_t esp_random(void);
