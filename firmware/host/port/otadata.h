/*
 * The otadata partition as ESP-IDF's bootloader and app_update read and write it: two sectors,
 * one 32-byte entry at the start of each; the valid entry with the higher sequence number
 * selects the OTA slot (seq - 1) % slots. Writes erase the sector, then write the entry.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_partition.h"

typedef struct {
    uint32_t ota_seq;
    uint8_t seq_label[20];
    uint32_t ota_state; /* esp_ota_img_states_t */
    uint32_t crc;       /* over ota_seq */
} ota_select_entry;

const esp_partition_t *otadata_partition(void);
esp_err_t otadata_read(ota_select_entry e[2]);
/* Erased, or INVALID / ABORTED: bootloader_common_ota_select_invalid. */
bool otadata_entry_invalid(const ota_select_entry *e);
/* Not invalid and the CRC matches: bootloader_common_ota_select_valid. */
bool otadata_entry_valid(const ota_select_entry *e);
bool otadata_crc_ok(const ota_select_entry *e);
/* The valid entry with the higher sequence number, or -1. */
int otadata_active(const ota_select_entry e[2]);
/* The OTA slot an entry selects. */
int otadata_slot(const ota_select_entry *e);
/* Rewrite sector i with e[i] (its CRC recomputed); the power cut hook sits in the middle. */
esp_err_t otadata_write(ota_select_entry e[2], int i);
esp_err_t otadata_erase(int i);
