/* The eFuse key blocks and the HMAC peripheral: HMAC-SHA256 with a key that stays "inside". */
#include <string.h>

#include "esp_efuse.h"
#include "esp_hmac.h"
#include "esp_sim.h"
#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"

#define KEY_BLOCKS 6

static struct {
    uint8_t key[32];
    esp_efuse_purpose_t purpose;
} blocks[KEY_BLOCKS];

void sim_efuse_burn_key(int index, const uint8_t key[32], esp_efuse_purpose_t purpose)
{
    if (index >= 0 && index < KEY_BLOCKS) {
        memcpy(blocks[index].key, key, 32);
        blocks[index].purpose = purpose;
    }
}

esp_efuse_purpose_t esp_efuse_get_key_purpose(esp_efuse_block_t block)
{
    int i = (int)block - EFUSE_BLK_KEY0;
    return i >= 0 && i < KEY_BLOCKS ? blocks[i].purpose : ESP_EFUSE_KEY_PURPOSE_MAX;
}

esp_err_t esp_hmac_calculate(hmac_key_id_t key_id, const void *message, size_t message_len,
                             uint8_t *hmac)
{
    if ((int)key_id < 0 || (int)key_id >= KEY_BLOCKS || (!message && message_len) || !hmac) {
        return ESP_ERR_INVALID_ARG;
    }
    /* the peripheral refuses a key block that is not configured for upstream HMAC */
    if (blocks[key_id].purpose != ESP_EFUSE_KEY_PURPOSE_HMAC_UP) {
        return ESP_FAIL;
    }
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    return mbedtls_md_hmac(md, blocks[key_id].key, 32, message, message_len, hmac) == 0 ? ESP_OK
                                                                                        : ESP_FAIL;
}
