/*
 * The second-stage bootloader's choice of app at power-on, as ESP-IDF's bootloader_utility.c
 * makes it with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE: an entry still pending verification
 * (the app booted and never confirmed) is aborted, the newest valid entry selects its slot and
 * a new entry becomes pending; with no valid entry the factory app boots, or without one the
 * first bootable slot, which a never-written otadata then records as valid; a slot whose image
 * does not verify falls back to the slots below it, down to factory.
 */
#include <string.h>

#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_sim.h"
#include "otadata.h"
#include "partition_table.h"

static const char *TAG = "sim_boot";

const esp_partition_t *sim_running_partition; /* what the last sim_boot() started */

/* The first bootable app from slot index start down to factory (-1), then above it. */
static const esp_partition_t *load(int start)
{
    const esp_partition_t *factory =
        sim_partition_find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY);
    for (int i = start; i >= -1; i--) {
        const esp_partition_t *p = i < 0 ? factory : sim_ota_slot(i);
        if (p && sim_app_binary_verify(p, sim_device_chip_id(), NULL, 0) > 0) {
            return p;
        }
    }
    for (int i = start + 1; i < sim_ota_slot_count(); i++) {
        if (sim_app_binary_verify(sim_ota_slot(i), sim_device_chip_id(), NULL, 0) > 0) {
            return sim_ota_slot(i);
        }
    }
    return NULL;
}

esp_err_t sim_boot(bool write, sim_boot_result *out)
{
    ota_select_entry e[2];
    memset(out, 0, sizeof(*out));
    int slots = sim_ota_slot_count();
    esp_err_t rc = otadata_read(e);
    if (rc != ESP_OK) {
        return rc;
    }
    for (int i = 0; i < 2; i++) {
        if (e[i].ota_state == ESP_OTA_IMG_PENDING_VERIFY) {
            /* booted once and never confirmed: roll back */
            e[i].ota_state = ESP_OTA_IMG_ABORTED;
            out->rolled_back_from =
                otadata_crc_ok(&e[i]) ? sim_ota_slot(otadata_slot(&e[i])) : NULL;
            if (write && (rc = otadata_write(e, i)) != ESP_OK) {
                return rc;
            }
        }
    }
    int start = -1; /* factory */
    int active = -1;
    /* never written (or unreadable): with no factory app the bootloader records the slot */
    bool initial = (e[0].ota_seq == UINT32_MAX || !otadata_crc_ok(&e[0])) &&
                   (e[1].ota_seq == UINT32_MAX || !otadata_crc_ok(&e[1]));
    if (slots > 0 && !(otadata_entry_invalid(&e[0]) && otadata_entry_invalid(&e[1]))) {
        active = otadata_active(e);
        if (active >= 0) {
            start = otadata_slot(&e[active]);
            if (e[active].ota_state == ESP_OTA_IMG_NEW) {
                e[active].ota_state = ESP_OTA_IMG_PENDING_VERIFY;
                if (write && (rc = otadata_write(e, active)) != ESP_OK) {
                    return rc;
                }
            }
        } else {
            ESP_LOGE(TAG, "ota data partition invalid, falling back to factory");
        }
    }
    out->running = load(start);
    if (!out->running) {
        return ESP_ERR_NOT_FOUND;
    }
    if (initial && sim_is_ota_slot(out->running) &&
        !sim_partition_find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY)) {
        memset(&e[0], 0xff, sizeof(e[0]));
        e[0].ota_seq = (uint32_t)(out->running->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN) + 1;
        e[0].ota_state = ESP_OTA_IMG_VALID;
        if (write && (rc = otadata_write(e, 0)) != ESP_OK) {
            return rc;
        }
    }
    if (write) {
        sim_running_partition = out->running;
    }
    return ESP_OK;
}
