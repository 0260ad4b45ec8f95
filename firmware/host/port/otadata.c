#include "otadata.h"

#include <signal.h>
#include <string.h>

#include "esp_ota_ops.h"
#include "esp_sim.h"
#include "partition_table.h"
#include "sim_flash.h"

static int power_cut_nth; /* 0: never */
static int erases;

void sim_power_cut_in_otadata(int nth)
{
    power_cut_nth = nth;
    erases = 0;
}

const esp_partition_t *otadata_partition(void)
{
    return sim_partition_find(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_OTA);
}

static uint32_t entry_crc(const ota_select_entry *e)
{
    uint8_t seq[sizeof(e->ota_seq)];
    memcpy(seq, &e->ota_seq, sizeof(seq));
    /* the ROM's crc32_le (eei_crc32's CRC-32, complemented on entry and exit), from ~0 */
    return eei_crc32(UINT32_MAX, seq, sizeof(seq));
}

bool otadata_crc_ok(const ota_select_entry *e)
{
    return e->crc == entry_crc(e);
}

esp_err_t otadata_read(ota_select_entry e[2])
{
    const esp_partition_t *p = otadata_partition();
    if (!p) {
        return ESP_ERR_NOT_FOUND;
    }
    for (int i = 0; i < 2; i++) {
        esp_err_t rc = esp_partition_read(p, (size_t)i * SIM_SECTOR_SIZE, &e[i], sizeof(e[i]));
        if (rc != ESP_OK) {
            return rc;
        }
    }
    return ESP_OK;
}

bool otadata_entry_invalid(const ota_select_entry *e)
{
    return e->ota_seq == UINT32_MAX || e->ota_state == ESP_OTA_IMG_INVALID ||
           e->ota_state == ESP_OTA_IMG_ABORTED;
}

bool otadata_entry_valid(const ota_select_entry *e)
{
    return !otadata_entry_invalid(e) && otadata_crc_ok(e);
}

int otadata_active(const ota_select_entry e[2])
{
    bool v0 = otadata_entry_valid(&e[0]), v1 = otadata_entry_valid(&e[1]);
    if (v0 && v1) {
        return e[0].ota_seq >= e[1].ota_seq ? 0 : 1;
    }
    return v0 ? 0 : v1 ? 1 : -1;
}

int otadata_slot(const ota_select_entry *e)
{
    int n = sim_ota_slot_count();
    return n > 0 ? (int)((e->ota_seq - 1) % (uint32_t)n) : -1;
}

esp_err_t otadata_erase(int i)
{
    const esp_partition_t *p = otadata_partition();
    esp_err_t rc = sim_flash_erase(p->address + (uint32_t)i * SIM_SECTOR_SIZE, SIM_SECTOR_SIZE);
    if (rc == ESP_OK && power_cut_nth > 0 && ++erases == power_cut_nth) {
        raise(SIGKILL); /* the worst moment: the sector erased, its entry not written again */
    }
    return rc;
}

esp_err_t otadata_write(ota_select_entry e[2], int i)
{
    e[i].crc = entry_crc(&e[i]);
    esp_err_t rc = otadata_erase(i);
    if (rc != ESP_OK) {
        return rc;
    }
    return sim_flash_write(otadata_partition()->address + (uint32_t)i * SIM_SECTOR_SIZE, &e[i],
                           sizeof(e[i]));
}
