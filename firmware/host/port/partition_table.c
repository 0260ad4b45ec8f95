#include "partition_table.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"

static const char *TAG = "sim_partitions";

extern const char sim_partitions_csv[]; /* firmware/partitions.csv, generated at build time */

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

int sim_partition_table_load(esp_partition_t *parts, int max)
{
    char *csv = strdup(sim_partitions_csv);
    int n = 0;
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
        esp_partition_t *pt = &parts[n];
        memset(pt, 0, sizeof(*pt));
        const char *type = trim(field[1]);
        snprintf(pt->label, sizeof(pt->label), "%s", trim(field[0]));
        pt->type = strcmp(type, "app") == 0 ? ESP_PARTITION_TYPE_APP : ESP_PARTITION_TYPE_DATA;
        pt->erase_size = 4096;
        if (parse_subtype(type, trim(field[2]), &pt->subtype) != 0 ||
            parse_size(trim(field[3]), &pt->address) != 0 ||
            parse_size(trim(field[4]), &pt->size) != 0) {
            ESP_LOGE(TAG, "partitions.csv: cannot read partition '%s'", pt->label);
            free(csv);
            return -1;
        }
        n++;
    }
    free(csv);
    return n;
}
