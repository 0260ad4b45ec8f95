/*
 * ESP-IDF's OTA API over the simulated flash, with the semantics the update path relies on:
 * the running slot cannot be written, esp_ota_end() validates the image, and the boot slot
 * changes only through esp_ota_set_boot_partition() (two otadata sectors, as on the chip).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_sim.h"
#include "mbedtls/md.h"
#include "partition_table.h"
#include "sim_flash.h"

static const char *TAG = "sim_ota";

#define IMAGE_MAGIC 0xe9
#define IMAGE_HEADER_SIZE 24
#define SEGMENT_HEADER_SIZE 8
#define MAX_SEGMENTS 16
#define APP_DESC_OFFSET 32
#define OTADATA_ENTRY_SIZE 32
#define MAX_HANDLES 2

/* One otadata entry, as the bootloader reads it from each of the two sectors. */
typedef struct {
    uint32_t ota_seq;
    uint8_t seq_label[20];
    uint32_t ota_state;
    uint32_t crc;
} ota_select_entry;

static esp_partition_t parts[SIM_MAX_PARTITIONS];
static int nparts;
static int ota_count;
static uint16_t chip_id;
static const esp_partition_t *running;
static bool power_cut_in_otadata;
static esp_app_desc_t running_desc;

static struct {
    bool used;
    const esp_partition_t *part;
    uint32_t written;
    uint32_t erased; /* bytes from the start of the partition already erased */
} handles[MAX_HANDLES];

static const esp_partition_t *find(esp_partition_type_t type, esp_partition_subtype_t sub)
{
    for (int i = 0; i < nparts; i++) {
        if (parts[i].type == type && parts[i].subtype == sub) {
            return &parts[i];
        }
    }
    return NULL;
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

esp_err_t esp_partition_read(const esp_partition_t *p, size_t off, void *dst, size_t size)
{
    if (!p || off > p->size || size > p->size - off) {
        return ESP_ERR_INVALID_ARG;
    }
    return sim_flash_read(p->address + (uint32_t)off, dst, size);
}

/* ---- otadata ---- */

/* The ROM's crc32_le: CRC-32 (reflected 0xEDB88320) with the complement on entry and exit. */
static uint32_t crc32_le(uint32_t crc, const uint8_t *buf, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= buf[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static uint32_t entry_crc(const ota_select_entry *e)
{
    uint8_t seq[4];
    memcpy(seq, &e->ota_seq, 4);
    return crc32_le(UINT32_MAX, seq, sizeof(seq));
}

static bool entry_valid(const ota_select_entry *e)
{
    return e->ota_seq != UINT32_MAX && e->ota_seq != 0 && e->crc == entry_crc(e);
}

/* Index (0/1) of the sector holding the newest valid entry, or -1. */
static int otadata_active(const esp_partition_t *otadata, ota_select_entry e[2])
{
    for (int i = 0; i < 2; i++) {
        if (esp_partition_read(otadata, (size_t)i * SIM_SECTOR_SIZE, &e[i], sizeof(e[i])) != 0) {
            return -1;
        }
    }
    bool v0 = entry_valid(&e[0]), v1 = entry_valid(&e[1]);
    if (v0 && v1) {
        return e[0].ota_seq >= e[1].ota_seq ? 0 : 1;
    }
    return v0 ? 0 : v1 ? 1 : -1;
}

const esp_partition_t *esp_ota_get_boot_partition(void)
{
    const esp_partition_t *otadata = find(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_OTA);
    ota_select_entry e[2];
    int active = otadata && ota_count > 0 ? otadata_active(otadata, e) : -1;
    if (active < 0) {
        return find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY);
    }
    int slot = (int)((e[active].ota_seq - 1) % (uint32_t)ota_count);
    return find(ESP_PARTITION_TYPE_APP,
                (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + slot));
}

static esp_err_t otadata_select(const esp_partition_t *target)
{
    const esp_partition_t *otadata = find(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_OTA);
    if (!otadata) {
        return ESP_ERR_NOT_FOUND;
    }
    if (target->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY) {
        return sim_flash_erase(otadata->address, 2 * SIM_SECTOR_SIZE);
    }
    ota_select_entry e[2];
    int active = otadata_active(otadata, e);
    uint32_t slot = (uint32_t)(target->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN);
    uint32_t seq = active < 0 ? 0 : e[active].ota_seq;
    do {
        seq++;
    } while ((seq - 1) % (uint32_t)ota_count != slot);
    ota_select_entry next;
    memset(&next, 0xff, sizeof(next));
    next.ota_seq = seq;
    next.ota_state = UINT32_MAX; /* ESP_OTA_IMG_UNDEFINED: no rollback in this project */
    next.crc = entry_crc(&next);
    /* write the sector that is not active, so a power cut leaves the old choice intact */
    uint32_t sector = otadata->address + (uint32_t)(active == 0 ? 1 : 0) * SIM_SECTOR_SIZE;
    esp_err_t rc = sim_flash_erase(sector, SIM_SECTOR_SIZE);
    if (rc == ESP_OK && power_cut_in_otadata) {
        raise(SIGKILL); /* the worst moment: one sector erased, the new entry not written */
    }
    return rc == ESP_OK ? sim_flash_write(sector, &next, sizeof(next)) : rc;
}

/* ---- image validation (what esp_image_verify checks, minus signatures) ---- */

static size_t image_fail(char *why, size_t why_len, const char *msg)
{
    if (why) {
        snprintf(why, why_len, "%s", msg);
    }
    return 0;
}

size_t sim_image_verify(const esp_partition_t *p, char *why, size_t why_len)
{
    uint8_t hdr[IMAGE_HEADER_SIZE];
    if (esp_partition_read(p, 0, hdr, sizeof(hdr)) != ESP_OK) {
        return image_fail(why, why_len, "cannot read the image header");
    }
    if (hdr[0] != IMAGE_MAGIC) {
        return image_fail(why, why_len, "bad image magic (not 0xE9)");
    }
    int segments = hdr[1];
    if (segments == 0 || segments > MAX_SEGMENTS) {
        return image_fail(why, why_len, "bad segment count");
    }
    if ((uint16_t)(hdr[12] | hdr[13] << 8) != chip_id) {
        return image_fail(why, why_len, "the image is built for another chip");
    }
    uint8_t checksum = 0xef;
    uint32_t pos = IMAGE_HEADER_SIZE;
    uint8_t buf[4096];
    for (int s = 0; s < segments; s++) {
        uint8_t sh[SEGMENT_HEADER_SIZE];
        if (pos > p->size - SEGMENT_HEADER_SIZE ||
            esp_partition_read(p, pos, sh, sizeof(sh)) != ESP_OK) {
            return image_fail(why, why_len, "segment header outside the partition");
        }
        uint32_t len =
            (uint32_t)sh[4] | (uint32_t)sh[5] << 8 | (uint32_t)sh[6] << 16 | (uint32_t)sh[7] << 24;
        pos += SEGMENT_HEADER_SIZE;
        if (len > p->size - pos) {
            return image_fail(why, why_len, "segment data outside the partition");
        }
        if (s == 0) {
            esp_app_desc_t desc;
            if (len < sizeof(desc) || pos != APP_DESC_OFFSET ||
                esp_partition_read(p, pos, &desc, sizeof(desc)) != ESP_OK ||
                desc.magic_word != ESP_APP_DESC_MAGIC_WORD) {
                return image_fail(why, why_len, "no app descriptor at offset 32");
            }
        }
        for (uint32_t done = 0; done < len;) {
            uint32_t n = len - done < sizeof(buf) ? len - done : (uint32_t)sizeof(buf);
            esp_partition_read(p, pos + done, buf, n);
            for (uint32_t i = 0; i < n; i++) {
                checksum ^= buf[i];
            }
            done += n;
        }
        pos += len;
    }
    /* the checksum byte ends a 16-byte block */
    uint32_t end = (pos + 1 + 15) & ~15u;
    uint8_t stored;
    if (end > p->size || esp_partition_read(p, end - 1, &stored, 1) != ESP_OK) {
        return image_fail(why, why_len, "checksum outside the partition");
    }
    if (stored != checksum) {
        return image_fail(why, why_len, "checksum mismatch");
    }
    if (hdr[23] == 1) {
        uint8_t want[32], got[32];
        if (end + 32 > p->size || esp_partition_read(p, end, want, sizeof(want)) != ESP_OK) {
            return image_fail(why, why_len, "appended SHA-256 outside the partition");
        }
        mbedtls_md_context_t sha;
        mbedtls_md_init(&sha);
        mbedtls_md_setup(&sha, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 0);
        mbedtls_md_starts(&sha);
        for (uint32_t done = 0; done < end;) {
            uint32_t n = end - done < sizeof(buf) ? end - done : (uint32_t)sizeof(buf);
            esp_partition_read(p, done, buf, n);
            mbedtls_md_update(&sha, buf, n);
            done += n;
        }
        mbedtls_md_finish(&sha, got);
        mbedtls_md_free(&sha);
        if (memcmp(want, got, sizeof(got)) != 0) {
            return image_fail(why, why_len, "appended SHA-256 mismatch");
        }
        end += 32;
    }
    return end;
}

/* ---- the OTA API ---- */

static bool is_ota_slot(const esp_partition_t *p)
{
    return p && p->type == ESP_PARTITION_TYPE_APP &&
           p->subtype >= ESP_PARTITION_SUBTYPE_APP_OTA_MIN &&
           p->subtype < ESP_PARTITION_SUBTYPE_APP_OTA_MAX;
}

esp_err_t esp_ota_begin(const esp_partition_t *partition, size_t image_size,
                        esp_ota_handle_t *out_handle)
{
    if (!is_ota_slot(partition) || !out_handle) {
        return ESP_ERR_INVALID_ARG;
    }
    if (partition == running) {
        return ESP_ERR_OTA_PARTITION_CONFLICT;
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
    if (handles[i].written == 0 && ((const uint8_t *)data)[0] != IMAGE_MAGIC) {
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
    size_t len = sim_image_verify(p, why, sizeof(why));
    if (len == 0 || len > written) {
        ESP_LOGE(TAG, "image in %s is invalid: %s", p->label,
                 len ? "it extends past the bytes written" : why);
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    return ESP_OK;
}

esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition)
{
    if (!partition || partition->type != ESP_PARTITION_TYPE_APP) {
        return ESP_ERR_INVALID_ARG;
    }
    char why[128];
    if (sim_image_verify(partition, why, sizeof(why)) == 0) {
        ESP_LOGE(TAG, "refusing to boot %s: %s", partition->label, why);
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    return otadata_select(partition);
}

const esp_partition_t *esp_ota_get_running_partition(void)
{
    return running;
}

const esp_partition_t *esp_ota_get_next_update_partition(const esp_partition_t *start_from)
{
    const esp_partition_t *from = start_from ? start_from : running;
    if (!from || ota_count == 0) {
        return NULL;
    }
    int next =
        is_ota_slot(from) ? (from->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN + 1) % ota_count : 0;
    return find(ESP_PARTITION_TYPE_APP,
                (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + next));
}

esp_err_t esp_ota_get_partition_description(const esp_partition_t *partition,
                                            esp_app_desc_t *app_desc)
{
    if (!partition || !app_desc || partition->type != ESP_PARTITION_TYPE_APP) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t rc = esp_partition_read(partition, APP_DESC_OFFSET, app_desc, sizeof(*app_desc));
    if (rc == ESP_OK && app_desc->magic_word != ESP_APP_DESC_MAGIC_WORD) {
        rc = ESP_ERR_NOT_FOUND;
    }
    return rc;
}

const esp_app_desc_t *esp_app_get_description(void)
{
    return &running_desc;
}

/* ---- the simulated device ---- */

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

static esp_err_t write_factory_app(void)
{
    const esp_partition_t *factory =
        find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY);
    if (!factory) {
        return ESP_ERR_NOT_FOUND;
    }
    static uint8_t app[64 * 1024 + SIM_APP_IMAGE_OVERHEAD];
    sim_app_image_opts opts = {chip_id, "factory", "esp_enc_img_fw", 7};
    size_t len = sim_app_image_build(app, 64 * 1024, &opts);
    return sim_flash_write(factory->address, app, len);
}

esp_err_t sim_device_open(const char *flash_path, const char *target, bool create)
{
    int id = sim_chip_id(target);
    if (id < 0) {
        return ESP_ERR_INVALID_ARG;
    }
    chip_id = (uint16_t)id;
    nparts = sim_partition_table_load(parts, SIM_MAX_PARTITIONS);
    if (nparts <= 0) {
        return ESP_ERR_INVALID_STATE;
    }
    ota_count = 0;
    for (int i = 0; i < nparts; i++) {
        ota_count += is_ota_slot(&parts[i]);
    }
    bool created = false;
    esp_err_t rc = sim_flash_open(flash_path, SIM_FLASH_SIZE, create, &created);
    if (rc == ESP_OK && created) {
        rc = write_factory_app();
    }
    if (rc != ESP_OK) {
        return rc;
    }
    /* as the bootloader would: boot the selected slot, or factory if it holds no valid app */
    running = esp_ota_get_boot_partition();
    if (!running || sim_image_verify(running, NULL, 0) == 0) {
        running = find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY);
    }
    memset(&running_desc, 0, sizeof(running_desc));
    if (running) {
        esp_ota_get_partition_description(running, &running_desc);
    }
    return running ? ESP_OK : ESP_ERR_NOT_FOUND;
}

void sim_power_cut_in_otadata(bool enable)
{
    power_cut_in_otadata = enable;
}

void sim_device_close(void)
{
    sim_flash_close();
}
