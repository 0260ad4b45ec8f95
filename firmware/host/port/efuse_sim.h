/* Inside the simulated chip: what its peripherals read of the eFuse key blocks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_efuse.h"
#include "esp_enc_img/format.h"

/* The key and purpose of BLOCK_KEY0 + index; false for an index past the blocks. */
bool sim_efuse_key(int index, uint8_t key[EEI_HMAC_KEY_SIZE], esp_efuse_purpose_t *purpose);
