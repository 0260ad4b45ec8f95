/*
 * ESP-IDF's OTA API (app_update's esp_ota_ops.c) over the simulated flash, with the semantics
 * the update path relies on: the running slot cannot be written, a running app pending
 * verification cannot start an update, esp_ota_begin() gives up the rollback target it is about
 * to overwrite, esp_ota_end() validates the image, and the boot slot changes only through
 * esp_ota_set_boot_partition() (the other otadata sector, as on the chip).
 */
#include <stdio.h>
#include <string.h>

#include "esp_enc_img/format.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_sim.h"
#include "esp_system.h"
#include "otadata.h"
#include "partition_table.h"
#include "sim_flash.h"

static const char *TAG = "sim_ota";

#define MAX_HANDLES 2

extern const esp_partition_t *sim_running_partition; /* bootloader_sim.c */
static esp_app_desc_t running_desc;

static struct {
    bool used;
    const esp_partition_t *part;
    uint32_t written;
    uint32_t erased; /* bytes from the start of the partition already erased */
} handles[MAX_HANDLES];

const esp_partition_t *esp_ota_get_running_partition(void)
{
    return sim_running_partition;
}

const esp_app_desc_t *esp_app_get_description(void)
{
    if (sim_running_partition) {
        esp_ota_get_partition_description(sim_running_partition, &running_desc);
    }
    return &running_desc;
}

const esp_partition_t *esp_ota_get_boot_partition(void)
{
    ota_select_entry e[2];
    const esp_partition_t *factory =
        sim_partition_find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY);
    if (otadata_read(e) != ESP_OK) {
        return NULL;
    }
    if ((otadata_entry_invalid(&e[0]) && otadata_entry_invalid(&e[1])) ||
        sim_ota_slot_count() == 0) {
        return factory;
    }
    int active = otadata_active(e);
    return active < 0 ? factory : sim_ota_slot(otadata_slot(&e[active]));
}

/* The other otadata sector gets the next sequence number that selects the slot, as new. */
static esp_err_t select_slot(const esp_partition_t *target)
{
    ota_select_entry e[2];
    esp_err_t rc = otadata_read(e);
    if (rc != ESP_OK) {
        return rc;
    }
    uint32_t slots = (uint32_t)sim_ota_slot_count();
    uint32_t slot = (uint32_t)(target->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN);
    int active = otadata_active(e);
    int next = active < 0 ? 0 : !active;
    uint32_t seq = slot + 1;
    if (active >= 0) {
        uint32_t i = 0;
        while (e[active].ota_seq > (slot + 1) % slots + i * slots) {
            i++;
        }
        seq = (slot + 1) % slots + i * slots;
    }
    e[next].ota_seq = seq;
    e[next].ota_state = ESP_OTA_IMG_NEW; /* CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE */
    return otadata_write(e, next);
}

esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition)
{
    if (!partition || partition->type != ESP_PARTITION_TYPE_APP) {
        return ESP_ERR_INVALID_ARG;
    }
    char why[128];
    if (sim_app_binary_verify(partition, sim_device_chip_id(), why, sizeof(why)) == 0) {
        ESP_LOGE(TAG, "refusing to boot %s: %s", partition->label, why);
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    if (partition->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY) {
        esp_err_t rc = otadata_erase(0);
        return rc == ESP_OK ? otadata_erase(1) : rc;
    }
    return select_slot(partition);
}

esp_err_t esp_ota_get_state_partition(const esp_partition_t *partition, esp_ota_img_states_t *state)
{
    if (!partition || !state) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!sim_is_ota_slot(partition)) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    ota_select_entry e[2];
    if (otadata_read(e) != ESP_OK || sim_ota_slot_count() == 0) {
        return ESP_ERR_NOT_FOUND;
    }
    for (int i = 0; i < 2; i++) {
        if (sim_ota_slot(otadata_slot(&e[i])) == partition && otadata_crc_ok(&e[i])) {
            *state = (esp_ota_img_states_t)e[i].ota_state;
            return ESP_OK;
        }
    }
    return ESP_ERR_NOT_FOUND;
}

/* The otadata entry that selects the running OTA app, as app_update finds it (not factory). */
static esp_err_t running_entry(ota_select_entry e[2], int *active)
{
    esp_err_t rc = otadata_read(e);
    if (rc != ESP_OK) {
        return rc;
    }
    *active = otadata_active(e);
    if (*active < 0 || sim_ota_slot_count() == 0) {
        ESP_LOGE(TAG, "Running firmware is factory");
        return ESP_FAIL;
    }
    return ESP_OK;
}

esp_err_t esp_ota_mark_app_valid_cancel_rollback(void)
{
    ota_select_entry e[2];
    int active;
    esp_err_t rc = running_entry(e, &active);
    if (rc != ESP_OK) {
        return rc;
    }
    if (e[active].ota_state == ESP_OTA_IMG_VALID) {
        return ESP_OK;
    }
    e[active].ota_state = ESP_OTA_IMG_VALID;
    return otadata_write(e, active); /* in place: a power cut here loses this entry */
}

/* app_update's check: the other otadata entry selects a valid app, or there is a factory app. */
bool esp_ota_check_rollback_is_possible(void)
{
    ota_select_entry e[2];
    int slots = sim_ota_slot_count();
    if (otadata_read(e) != ESP_OK || slots == 0) {
        return false;
    }
    int active = otadata_active(e);
    if (active < 0) {
        return false;
    }
    int last = !active;
    const esp_partition_t *factory =
        sim_partition_find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY);
    if (!otadata_entry_valid(&e[last])) {
        return factory && sim_app_binary_verify(factory, sim_device_chip_id(), NULL, 0) > 0;
    }
    const esp_partition_t *p = sim_ota_slot(otadata_slot(&e[last]));
    return p && p != sim_running_partition &&
           sim_app_binary_verify(p, sim_device_chip_id(), NULL, 0) > 0;
}

esp_err_t esp_ota_mark_app_invalid_rollback_and_reboot(void)
{
    ota_select_entry e[2];
    int active;
    esp_err_t rc = running_entry(e, &active);
    if (rc != ESP_OK) {
        return rc;
    }
    if (!esp_ota_check_rollback_is_possible()) {
        ESP_LOGE(TAG, "Rollback is not possible, do not have any suitable apps in slots");
        return ESP_ERR_OTA_ROLLBACK_FAILED;
    }
    e[active].ota_state = ESP_OTA_IMG_INVALID;
    rc = otadata_write(e, active);
    if (rc != ESP_OK) {
        return rc;
    }
    ESP_LOGI(TAG, "Rollback to previously worked partition. Restart.");
    esp_restart();
}

/* Before the slot of the previous app is overwritten, it stops being a rollback target. */
static void invalidate_inactive_slot(void)
{
    ota_select_entry e[2];
    int active = otadata_read(e) == ESP_OK ? otadata_active(e) : -1;
    if (active < 0) {
        return;
    }
    int inactive = !active;
    if (e[inactive].ota_seq == UINT32_MAX || !otadata_crc_ok(&e[inactive]) ||
        sim_ota_slot(otadata_slot(&e[inactive])) == sim_running_partition) {
        return;
    }
    otadata_erase(inactive);
}

esp_err_t esp_ota_begin(const esp_partition_t *partition, size_t image_size,
                        esp_ota_handle_t *out_handle)
{
    if (!sim_is_ota_slot(partition) || !out_handle) {
        return ESP_ERR_INVALID_ARG;
    }
    if (partition == sim_running_partition) {
        return ESP_ERR_OTA_PARTITION_CONFLICT;
    }
    esp_ota_img_states_t state;
    if (esp_ota_get_state_partition(sim_running_partition, &state) == ESP_OK &&
        state == ESP_OTA_IMG_PENDING_VERIFY) {
        ESP_LOGE(TAG, "Running app has not confirmed state (ESP_OTA_IMG_PENDING_VERIFY)");
        return ESP_ERR_OTA_ROLLBACK_INVALID_STATE;
    }
    for (int i = 0; i < MAX_HANDLES; i++) {
        if (!handles[i].used) {
            uint32_t erase = 0;
            if (image_size == OTA_SIZE_UNKNOWN || image_size == 0) {
                erase = partition->size;
            } else if (image_size != OTA_WITH_SEQUENTIAL_WRITES) {
                if (image_size > partition->size) {
                    return ESP_ERR_INVALID_SIZE;
                }
                erase = ((uint32_t)image_size + SIM_SECTOR_SIZE - 1) & ~(SIM_SECTOR_SIZE - 1);
            }
            esp_err_t rc = erase ? sim_flash_erase(partition->address, erase) : ESP_OK;
            if (rc != ESP_OK) {
                return rc;
            }
            invalidate_inactive_slot();
            handles[i].used = true;
            handles[i].part = partition;
            handles[i].written = 0;
            handles[i].erased = erase;
            *out_handle = (esp_ota_handle_t)(i + 1);
            return ESP_OK;
        }
    }
    return ESP_ERR_NO_MEM;
}

static int handle_index(esp_ota_handle_t h)
{
    return h >= 1 && h <= MAX_HANDLES && handles[h - 1].used ? (int)h - 1 : -1;
}

esp_err_t esp_ota_write(esp_ota_handle_t handle, const void *data, size_t size)
{
    int i = handle_index(handle);
    if (i < 0 || (!data && size)) {
        return ESP_ERR_INVALID_ARG;
    }
    if (size == 0) {
        return ESP_OK;
    }
    if (handles[i].written == 0 && ((const uint8_t *)data)[0] != EEI_APP_MAGIC) {
        ESP_LOGE(TAG, "OTA image has invalid magic byte (expected 0xE9, saw 0x%02x)",
                 ((const uint8_t *)data)[0]);
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    const esp_partition_t *p = handles[i].part;
    if (size > p->size - handles[i].written) {
        return ESP_ERR_INVALID_SIZE;
    }
    uint32_t need = handles[i].written + (uint32_t)size;
    while (handles[i].erased < need) { /* sequential writes: erase sector by sector */
        esp_err_t rc = sim_flash_erase(p->address + handles[i].erased, SIM_SECTOR_SIZE);
        if (rc != ESP_OK) {
            return rc;
        }
        handles[i].erased += SIM_SECTOR_SIZE;
    }
    esp_err_t rc = sim_flash_write(p->address + handles[i].written, data, size);
    if (rc == ESP_OK) {
        handles[i].written = need;
    }
    return rc;
}

esp_err_t esp_ota_abort(esp_ota_handle_t handle)
{
    int i = handle_index(handle);
    if (i < 0) {
        return ESP_ERR_NOT_FOUND;
    }
    handles[i].used = false;
    return ESP_OK;
}

esp_err_t esp_ota_end(esp_ota_handle_t handle)
{
    int i = handle_index(handle);
    if (i < 0) {
        return ESP_ERR_NOT_FOUND;
    }
    const esp_partition_t *p = handles[i].part;
    uint32_t written = handles[i].written;
    handles[i].used = false; /* the handle is gone whatever the result */
    if (written == 0) {
        return ESP_ERR_INVALID_ARG;
    }
    char why[128];
    size_t len = sim_app_binary_verify(p, sim_device_chip_id(), why, sizeof(why));
    if (len == 0 || len > written) {
        ESP_LOGE(TAG, "image in %s is invalid: %s", p->label,
                 len ? "it extends past the bytes written" : why);
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    return ESP_OK;
}

const esp_partition_t *esp_ota_get_next_update_partition(const esp_partition_t *start_from)
{
    const esp_partition_t *from = start_from ? start_from : sim_running_partition;
    int slots = sim_ota_slot_count();
    if (!from || slots == 0) {
        return NULL;
    }
    int next =
        sim_is_ota_slot(from) ? (from->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN + 1) % slots : 0;
    return sim_ota_slot(next);
}

esp_err_t esp_ota_get_partition_description(const esp_partition_t *partition,
                                            esp_app_desc_t *app_desc)
{
    if (!partition || !app_desc || partition->type != ESP_PARTITION_TYPE_APP) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t rc = esp_partition_read(partition, EEI_APP_DESC_OFFSET, app_desc, sizeof(*app_desc));
    if (rc == ESP_OK && app_desc->magic_word != ESP_APP_DESC_MAGIC_WORD) {
        rc = ESP_ERR_NOT_FOUND;
    }
    return rc;
}
