/*
 * Host port control: the simulated device behind the ESP-IDF calls. A flash file with the
 * project's partition table, eFuse key blocks and counters, a bootloader that picks the app as
 * ESP-IDF's does with rollback enabled, and the chip the device claims to be.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_efuse.h"
#include "esp_err.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_enc_img/format.h"

#define SIM_FLASH_SIZE (4u * 1024u * 1024u)
#define SIM_SECTOR_SIZE 4096u

/* Chip ids as in an app binary header. */
int sim_chip_id(const char *target); /* -1 if unknown */
uint16_t sim_device_chip_id(void);

/*
 * The partition table of the device: partitions_ds.csv (with esp_secure_cert, for the DS
 * peripheral's key) instead of partitions.csv. Before sim_device_open.
 */
void sim_partition_table_ds(bool ds);
/* Erase the partition named label and write len bytes at its start (a factory's flashing). */
esp_err_t sim_partition_provision(const char *label, const uint8_t *data, size_t len);

/* Open (or with create, make) the flash file. A new flash gets the factory app made by
 * sim_app_binary_build (version "factory") and empty OTA data. Nothing boots yet. */
esp_err_t sim_device_open(const char *flash_path, const char *target, bool create);
void sim_device_close(void);

/* What the bootloader did at a power-on. */
typedef struct {
    const esp_partition_t *running;          /* its state: the app's own ota_running_state() */
    const esp_partition_t *rolled_back_from; /* an app that stayed pending: now aborted */
} sim_boot_result;

/*
 * Power on: ESP-IDF's bootloader with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE picks the app, marks
 * a new one pending verification and aborts one that stayed pending, then the app runs. With
 * write false, only what the next power-on would run: the flash is not touched.
 */
esp_err_t sim_boot(bool write, sim_boot_result *out);

/* Simulated eFuse: burn a 32-byte key into BLOCK_KEY0 + index with a purpose. */
void sim_efuse_burn_key(int index, const uint8_t key[EEI_HMAC_KEY_SIZE],
                        esp_efuse_purpose_t purpose);
void sim_efuse_set_secure_version(uint32_t version);
/* Burn SECURE_BOOT_KEY_REVOKEn (n < SOC_EFUSE_SECURE_BOOT_KEY_DIGESTS). */
void sim_efuse_revoke_key_digest(unsigned n);

/* Partition helpers for the tools. */
const esp_partition_t *sim_partition_by_label(const char *label);
/* Length of the valid app binary for chip (its id) in partition, or 0 (why says what is wrong). */
size_t sim_app_binary_verify(const esp_partition_t *part, uint16_t chip, char *why, size_t why_len);

/* Build a valid ESP app binary of about size bytes into buf (room for size +
 * SIM_APP_BINARY_OVERHEAD); returns its length. */
#define SIM_APP_BINARY_OVERHEAD 128u
typedef struct {
    uint16_t chip_id;
    const char *version;
    const char *project;
    uint32_t seed;
    uint32_t secure_version;
} sim_app_binary_opts;
size_t sim_app_binary_build(uint8_t *buf, size_t size, const sim_app_binary_opts *opts);

/* Lose power (SIGKILL) between erasing an otadata sector and writing it, at the nth such
 * write of this run (1 = the first); 0: never. */
void sim_power_cut_in_otadata(int nth);

void esp_sim_set_log_level(int level);
