/* The project's partitions.csv, parsed for the simulated device, and lookups in it. */
#pragma once

#include "esp_partition.h"

#define SIM_MAX_PARTITIONS 16

/* Parse the CSV built into the host port; 0, or -1 when it cannot be read. */
int sim_partitions_load(void);
const esp_partition_t *sim_partition_find(esp_partition_type_t type, esp_partition_subtype_t sub);
/* Number of OTA app slots (ota_0, ota_1, ...), and slot i. */
int sim_ota_slot_count(void);
const esp_partition_t *sim_ota_slot(int i);
bool sim_is_ota_slot(const esp_partition_t *p);
