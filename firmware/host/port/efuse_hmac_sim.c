/* The eFuse key blocks and counters, and the HMAC peripheral: HMAC-SHA256 with a key that stays
 * "inside". */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "esp_efuse.h"
#include "esp_hmac.h"
#include "efuse_sim.h"
#include "esp_sim.h"
#include "soc/soc_caps.h"

#define KEY_BLOCKS 6

static struct {
    uint8_t key[EEI_HMAC_KEY_SIZE];
    esp_efuse_purpose_t purpose;
} blocks[KEY_BLOCKS];
static uint32_t secure_version;
static bool digest_revoked[SOC_EFUSE_SECURE_BOOT_KEY_DIGESTS];

void sim_efuse_burn_key(int index, const uint8_t key[EEI_HMAC_KEY_SIZE],
                        esp_efuse_purpose_t purpose)
{
    if (index >= 0 && index < KEY_BLOCKS) {
        memcpy(blocks[index].key, key, 32);
        blocks[index].purpose = purpose;
    }
}

bool sim_efuse_key(int index, uint8_t key[EEI_HMAC_KEY_SIZE], esp_efuse_purpose_t *purpose)
{
    if (index < 0 || index >= KEY_BLOCKS) {
        return false;
    }
    memcpy(key, blocks[index].key, EEI_HMAC_KEY_SIZE);
    *purpose = blocks[index].purpose;
    return true;
}

void sim_efuse_set_secure_version(uint32_t version)
{
    secure_version = version;
}

uint32_t esp_efuse_read_secure_version(void)
{
    return secure_version;
}

void sim_efuse_revoke_key_digest(unsigned n)
{
    if (n < SOC_EFUSE_SECURE_BOOT_KEY_DIGESTS) {
        digest_revoked[n] = true;
    }
}

bool esp_efuse_get_digest_revoke(unsigned num_digest)
{
    return num_digest < SOC_EFUSE_SECURE_BOOT_KEY_DIGESTS && digest_revoked[num_digest];
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
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    bool ok =
        HMAC(EVP_sha256(), blocks[key_id].key, 32, message, message_len, out, &len) && len == 32;
    if (ok) {
        memcpy(hmac, out, 32); /* message and hmac may be the same buffer, as on the chip */
    }
    OPENSSL_cleanse(out, sizeof(out));
    return ok ? ESP_OK : ESP_FAIL;
}
