/*
 * The simulated device: its chip, its flash file (opened, made with the first app as
 * `idf.py flash` writes it, closed at a restart).
 */
#include <string.h>

#include "esp_sim.h"
#include "partition_table.h"
#include "sim_flash.h"

static uint16_t chip_id;

uint16_t sim_device_chip_id(void)
{
    return chip_id;
}

int sim_chip_id(const char *target)
{
    static const struct {
        const char *name;
        int id;
    } chips[] = {
        {"esp32", 0x0000},   {"esp32s2", 0x0002}, {"esp32c3", 0x0005}, {"esp32s3", 0x0009},
        {"esp32c2", 0x000c}, {"esp32c6", 0x000d}, {"esp32h2", 0x0010},
    };
    for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
        if (strcmp(chips[i].name, target) == 0) {
            return chips[i].id;
        }
    }
    return -1;
}

/* What `idf.py flash` writes: the app in the factory partition, or without one in ota_0. */
static esp_err_t write_first_app(void)
{
    const esp_partition_t *first =
        sim_partition_find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY);
    first = first ? first : sim_ota_slot(0);
    if (!first) {
        return ESP_ERR_NOT_FOUND;
    }
    static uint8_t app[64 * 1024 + SIM_APP_BINARY_OVERHEAD];
    sim_app_binary_opts opts = {chip_id, "factory", "esp_enc_img_fw", 7, 0};
    size_t len = sim_app_binary_build(app, 64 * 1024, &opts);
    return sim_flash_write(first->address, app, len);
}

esp_err_t sim_device_open(const char *flash_path, const char *target, bool create)
{
    int id = sim_chip_id(target);
    if (id < 0) {
        return ESP_ERR_INVALID_ARG;
    }
    chip_id = (uint16_t)id;
    if (sim_partitions_load() != 0) {
        return ESP_ERR_INVALID_STATE;
    }
    bool created = false;
    esp_err_t rc = sim_flash_open(flash_path, SIM_FLASH_SIZE, create, &created);
    if (rc == ESP_OK && created) {
        rc = write_first_app();
    }
    return rc;
}

void sim_device_close(void)
{
    sim_flash_close();
}
