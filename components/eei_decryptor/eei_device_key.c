#include "eei_device_key.h"

#include <string.h>

#include "eei_dev_crypto.h"
#include "soc/soc_caps.h"

#if SOC_HMAC_SUPPORTED
#include "esp_efuse.h"
#include "esp_hmac.h"

/* PBKDF2's big-endian block index after the salt: one 32-byte output block. */
static const uint8_t first_block[4] = {0, 0, 0, 1};

/*
 * PBKDF2-HMAC-SHA256 for one 32-byte block, every HMAC computed by the peripheral with the
 * eFuse key: U1 = HMAC(salt || 00000001), Uj = HMAC(Uj-1), T = U1 ^ ... ^ U2048.
 */
static eei_dec_err pbkdf2_with_peripheral(hmac_key_id_t key_id, uint8_t out[EEI_P256_SCALAR_SIZE])
{
    uint8_t msg[EEI_PBKDF2_SALT_SIZE + sizeof(first_block)];
    uint8_t u[EEI_P256_SCALAR_SIZE];
    eei_dec_err rc = EEI_DEC_OK;

    memcpy(msg, eei_pbkdf2_salt, EEI_PBKDF2_SALT_SIZE);
    memcpy(msg + EEI_PBKDF2_SALT_SIZE, first_block, sizeof(first_block));
    if (esp_hmac_calculate(key_id, msg, sizeof(msg), u) != ESP_OK) {
        rc = EEI_DEC_ERR_CRYPTO;
    }
    memcpy(out, u, sizeof(u));
    for (unsigned i = 1; i < EEI_PBKDF2_ITERATIONS && rc == EEI_DEC_OK; i++) {
        if (esp_hmac_calculate(key_id, u, sizeof(u), u) != ESP_OK) {
            rc = EEI_DEC_ERR_CRYPTO;
        }
        for (size_t j = 0; j < sizeof(u); j++) {
            out[j] ^= u[j];
        }
    }
    eei_dev_wipe(u, sizeof(u));
    if (rc != EEI_DEC_OK) {
        eei_dev_wipe(out, EEI_P256_SCALAR_SIZE);
    }
    return rc;
}

#endif /* SOC_HMAC_SUPPORTED */

eei_dec_err eei_device_key_scalar(const eei_dec_config *cfg, uint8_t scalar[EEI_P256_SCALAR_SIZE])
{
    if (cfg->kind == EEI_DEC_KEY_P256_PEM) {
        if (!cfg->pem || eei_dev_p256_scalar_from_pem(cfg->pem, cfg->pem_len, scalar) != 0) {
            return EEI_DEC_ERR_KEY;
        }
        return EEI_DEC_OK;
    }
#if SOC_HMAC_SUPPORTED
    if (cfg->kind != EEI_DEC_KEY_HMAC_EFUSE || cfg->hmac_key_id < HMAC_KEY0 ||
        cfg->hmac_key_id > HMAC_KEY5) {
        return EEI_DEC_ERR_ARG;
    }
    /* a key block of another purpose would make the peripheral refuse, or worse, answer */
    esp_efuse_block_t block = (esp_efuse_block_t)(EFUSE_BLK_KEY0 + cfg->hmac_key_id);
    if (esp_efuse_get_key_purpose(block) != ESP_EFUSE_KEY_PURPOSE_HMAC_UP) {
        return EEI_DEC_ERR_EFUSE;
    }
    eei_dec_err rc = pbkdf2_with_peripheral((hmac_key_id_t)cfg->hmac_key_id, scalar);
    if (rc == EEI_DEC_OK && !eei_dev_p256_scalar_valid(scalar)) {
        eei_dev_wipe(scalar, EEI_P256_SCALAR_SIZE);
        rc = EEI_DEC_ERR_KEY;
    }
    return rc;
#else
    return EEI_DEC_ERR_ARG; /* no HMAC peripheral on this chip */
#endif
}
