/*
 * Host port control: the simulated device behind the ESP-IDF calls. A flash file with the
 * project's partition table, eFuse key blocks, and the chip the device claims to be.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_efuse.h"
#include "esp_err.h"
#include "esp_partition.h"

#define SIM_FLASH_SIZE (4u * 1024u * 1024u)
#define SIM_SECTOR_SIZE 4096u

/* Chip ids as in an app image header. */
int sim_chip_id(const char *target); /* -1 if unknown */

/*
 * Open (or with create, make) the flash file. A new flash gets the factory app made by
 * sim_app_image_build (version "factory") and empty OTA data. Reads the boot selection.
 */
esp_err_t sim_device_open(const char *flash_path, const char *target, bool create);
void sim_device_close(void);

/* Simulated eFuse: burn a 32-byte key into BLOCK_KEY0 + index with a purpose. */
void sim_efuse_burn_key(int index, const uint8_t key[32], esp_efuse_purpose_t purpose);

/* Partition helpers for the tools. */
const esp_partition_t *sim_partition_by_label(const char *label);
/* Length of the valid app image in partition, or 0 (why says what is wrong). */
size_t sim_image_verify(const esp_partition_t *part, char *why, size_t why_len);

/* Build a valid ESP app image of about size bytes into buf (room for size +
 * SIM_APP_IMAGE_OVERHEAD); returns its length. */
#define SIM_APP_IMAGE_OVERHEAD 128u
typedef struct {
    uint16_t chip_id;
    const char *version;
    const char *project;
    uint32_t seed;
} sim_app_image_opts;
size_t sim_app_image_build(uint8_t *buf, size_t size, const sim_app_image_opts *opts);

/* Lose power (SIGKILL) between erasing the inactive otadata sector and writing it. */
void sim_power_cut_in_otadata(bool enable);

void esp_sim_set_log_level(int level);
