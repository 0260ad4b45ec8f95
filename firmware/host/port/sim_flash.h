/* The simulated SPI flash: a file, erased to 0xff in 4 KiB sectors, written only where erased. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

/* A missing file is created (erased) only with create; *created says whether it was. */
esp_err_t sim_flash_open(const char *path, size_t size, bool create, bool *created);
void sim_flash_close(void);
esp_err_t sim_flash_read(uint32_t addr, void *buf, size_t len);
/* Like NOR flash with ESP-IDF's checks: every byte written must be erased (0xff) first. */
esp_err_t sim_flash_write(uint32_t addr, const void *buf, size_t len);
/* addr and len must be sector aligned. */
esp_err_t sim_flash_erase(uint32_t addr, size_t len);
