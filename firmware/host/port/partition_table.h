/* The project's partitions.csv, parsed for the simulated device. */
#pragma once

#include "esp_partition.h"

#define SIM_MAX_PARTITIONS 16

/* Parse the CSV built into the host port; returns the number of partitions or -1. */
int sim_partition_table_load(esp_partition_t *parts, int max);
