#include "sim_flash.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esp_log.h"
#include "esp_sim.h"

static const char *TAG = "sim_flash";
static uint8_t *flash;
static size_t flash_size;

esp_err_t sim_flash_open(const char *path, size_t size, bool create, bool *created)
{
    *created = false;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        *created = fd >= 0;
    }
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        ESP_LOGE(TAG, "%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return ESP_FAIL;
    }
    if (*created && ftruncate(fd, (off_t)size) != 0) {
        close(fd);
        return ESP_FAIL;
    } else if (!*created && (size_t)st.st_size != size) {
        ESP_LOGE(TAG, "%s: %lld bytes, a simulated flash has %zu", path, (long long)st.st_size,
                 size);
        close(fd);
        return ESP_ERR_INVALID_SIZE;
    }
    /* MAP_SHARED: every write reaches the file at once, as it would reach the chip */
    flash = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (flash == MAP_FAILED) {
        flash = NULL;
        return ESP_FAIL;
    }
    flash_size = size;
    if (*created) {
        memset(flash, 0xff, size);
    }
    return ESP_OK;
}

void sim_flash_close(void)
{
    if (flash) {
        msync(flash, flash_size, MS_SYNC);
        munmap(flash, flash_size);
        flash = NULL;
    }
}

static int in_range(uint32_t addr, size_t len)
{
    return flash && addr <= flash_size && len <= flash_size - addr;
}

esp_err_t sim_flash_read(uint32_t addr, void *buf, size_t len)
{
    if (!in_range(addr, len)) {
        return ESP_ERR_INVALID_ARG;
    }
    memcpy(buf, flash + addr, len);
    return ESP_OK;
}

esp_err_t sim_flash_write(uint32_t addr, const void *buf, size_t len)
{
    if (!in_range(addr, len)) {
        return ESP_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        if (flash[addr + i] != 0xff) {
            ESP_LOGE(TAG, "write to 0x%x: not erased", (unsigned)(addr + i));
            return ESP_ERR_FLASH_OP_FAIL;
        }
    }
    memcpy(flash + addr, buf, len);
    return ESP_OK;
}

esp_err_t sim_flash_erase(uint32_t addr, size_t len)
{
    if (!in_range(addr, len) || addr % SIM_SECTOR_SIZE != 0 || len % SIM_SECTOR_SIZE != 0) {
        return ESP_ERR_INVALID_ARG;
    }
    memset(flash + addr, 0xff, len);
    return ESP_OK;
}
