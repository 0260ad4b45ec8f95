#include "partition_table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "esp_sim.h"
#include "sim_flash.h"

static const char *TAG = "sim_partitions";

static esp_partition_t parts[SIM_MAX_PARTITIONS];
static int nparts;

/* firmware/partitions.csv and partitions_ds.csv, generated at build time */
extern const char sim_partitions_csv[];
extern const char sim_partitions_ds_csv[];
static const char *table_csv = sim_partitions_csv;

void sim_partition_table_ds(bool ds)
{
    table_csv = ds ? sim_partitions_ds_csv : sim_partitions_csv;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) {
        *--e = '\0';
    }
    return s;
}

/* 0x10000, 65536, 64K, 1M */
static int parse_size(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    if (end == s) {
        return -1;
    }
    if (*end == 'K' || *end == 'k') {
        v *= 1024;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        v *= 1024 * 1024;
        end++;
    }
    if (*end != '\0') {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_subtype(const char *type, const char *sub, esp_partition_subtype_t *out)
{
    static const struct {
        const char *type, *name;
        esp_partition_subtype_t value;
    } names[] = {
        {"app", "factory", ESP_PARTITION_SUBTYPE_APP_FACTORY},
        {"app", "ota_0", ESP_PARTITION_SUBTYPE_APP_OTA_0},
        {"app", "ota_1", ESP_PARTITION_SUBTYPE_APP_OTA_1},
        {"data", "ota", ESP_PARTITION_SUBTYPE_DATA_OTA},
        {"data", "phy", ESP_PARTITION_SUBTYPE_DATA_PHY},
        {"data", "nvs", ESP_PARTITION_SUBTYPE_DATA_NVS},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(type, names[i].type) == 0 && strcmp(sub, names[i].name) == 0) {
            *out = names[i].value;
            return 0;
        }
    }
    return -1;
}

/*
 * Where gen_esp32part.py puts a partition whose offset is left empty: after the one before it
 * (the first one after the table, CONFIG_PARTITION_TABLE_OFFSET + 4 KiB), app partitions
 * aligned to 64 KiB, data partitions to 4 KiB.
 */
#define SIM_PARTITION_TABLE_OFFSET 0x8000u
#define SIM_PARTITION_TABLE_SIZE 0x1000u

static uint32_t align_up(uint32_t v, uint32_t to)
{
    return (v + to - 1) & ~(to - 1);
}

static int load(esp_partition_t *table, int max)
{
    char *csv = strdup(table_csv);
    int n = 0;
    uint32_t next = SIM_PARTITION_TABLE_OFFSET + SIM_PARTITION_TABLE_SIZE;
    char *save = NULL;
    for (char *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line = trim(line);
        if (*line == '\0' || *line == '#') {
            continue;
        }
        char *field[6] = {0};
        int nf = 0;
        for (char *p = line; p && nf < 6; nf++) {
            field[nf] = p;
            p = strchr(p, ',');
            if (p) {
                *p++ = '\0';
            }
        }
        if (nf < 5 || n >= max) {
            ESP_LOGE(TAG, "bad line in partitions.csv");
            free(csv);
            return -1;
        }
        esp_partition_t *pt = &table[n];
        memset(pt, 0, sizeof(*pt));
        const char *type = trim(field[1]);
        snprintf(pt->label, sizeof(pt->label), "%s", trim(field[0]));
        pt->type = strcmp(type, "app") == 0 ? ESP_PARTITION_TYPE_APP : ESP_PARTITION_TYPE_DATA;
        pt->erase_size = 4096;
        const char *offset = trim(field[3]);
        uint32_t align = pt->type == ESP_PARTITION_TYPE_APP ? 0x10000u : 0x1000u;
        /* a custom type by number (esp_secure_cert's 0x3F), with subtype 0 when left empty */
        uint32_t custom = 0;
        bool numbered = parse_size(type, &custom) == 0 && custom > ESP_PARTITION_TYPE_DATA &&
                        custom < 0xffu && !*trim(field[2]);
        if (numbered) {
            pt->type = (esp_partition_type_t)custom;
            pt->subtype = (esp_partition_subtype_t)0;
        }
        if ((!numbered && parse_subtype(type, trim(field[2]), &pt->subtype) != 0) ||
            (*offset ? parse_size(offset, &pt->address) != 0 : false) ||
            parse_size(trim(field[4]), &pt->size) != 0) {
            ESP_LOGE(TAG, "partitions.csv: cannot read partition '%s'", pt->label);
            free(csv);
            return -1;
        }
        if (!*offset) {
            pt->address = align_up(next, align);
        }
        if (pt->address < next || pt->address % align != 0 || pt->size > SIM_FLASH_SIZE ||
            pt->address > SIM_FLASH_SIZE - pt->size) {
            ESP_LOGE(TAG,
                     "partitions.csv: partition '%s' overlaps, is misaligned or past the "
                     "flash",
                     pt->label);
            free(csv);
            return -1;
        }
        next = pt->address + pt->size;
        n++;
    }
    free(csv);
    return n;
}

int sim_partitions_load(void)
{
    nparts = load(parts, SIM_MAX_PARTITIONS);
    return nparts > 0 ? 0 : -1;
}

const esp_partition_t *sim_partition_find(esp_partition_type_t type, esp_partition_subtype_t sub)
{
    for (int i = 0; i < nparts; i++) {
        if (parts[i].type == type && parts[i].subtype == sub) {
            return &parts[i];
        }
    }
    return NULL;
}

const esp_partition_t *esp_partition_find_first(esp_partition_type_t type,
                                                esp_partition_subtype_t subtype, const char *label)
{
    for (int i = 0; i < nparts; i++) {
        if (parts[i].type == type &&
            (subtype == ESP_PARTITION_SUBTYPE_ANY || parts[i].subtype == subtype) &&
            (!label || strcmp(parts[i].label, label) == 0)) {
            return &parts[i];
        }
    }
    return NULL;
}

esp_err_t sim_partition_provision(const char *label, const uint8_t *data, size_t len)
{
    const esp_partition_t *p = sim_partition_by_label(label);
    if (!p) {
        return ESP_ERR_NOT_FOUND;
    }
    if (len > p->size) {
        return ESP_ERR_INVALID_SIZE;
    }
    esp_err_t rc = esp_partition_erase_range(p, 0, p->size);
    return rc == ESP_OK ? sim_flash_write(p->address, data, len) : rc;
}

const esp_partition_t *sim_partition_by_label(const char *label)
{
    for (int i = 0; i < nparts; i++) {
        if (strcmp(parts[i].label, label) == 0) {
            return &parts[i];
        }
    }
    return NULL;
}

bool sim_is_ota_slot(const esp_partition_t *p)
{
    return p && p->type == ESP_PARTITION_TYPE_APP &&
           p->subtype >= ESP_PARTITION_SUBTYPE_APP_OTA_MIN &&
           p->subtype < ESP_PARTITION_SUBTYPE_APP_OTA_MAX;
}

const esp_partition_t *sim_ota_slot(int i)
{
    return sim_partition_find(ESP_PARTITION_TYPE_APP,
                              (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + i));
}

int sim_ota_slot_count(void)
{
    int n = 0;
    while (sim_ota_slot(n)) {
        n++;
    }
    return n;
}

esp_err_t esp_partition_read(const esp_partition_t *p, size_t off, void *dst, size_t size)
{
    if (!p || off > p->size || size > p->size - off) {
        return ESP_ERR_INVALID_ARG;
    }
    return sim_flash_read(p->address + (uint32_t)off, dst, size);
}

esp_err_t esp_partition_erase_range(const esp_partition_t *p, size_t off, size_t size)
{
    if (!p || off > p->size || size > p->size - off || off % p->erase_size ||
        size % p->erase_size) {
        return ESP_ERR_INVALID_ARG;
    }
    return sim_flash_erase(p->address + (uint32_t)off, size);
}
