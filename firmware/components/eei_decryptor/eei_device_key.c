#include "eei_device_key.h"

#include <string.h>

#include "soc/soc_caps.h"
#if SOC_HMAC_SUPPORTED
#include "esp_efuse.h"
#include "esp_hmac.h"
#endif

#if SOC_HMAC_SUPPORTED

#define PBKDF2_ITERATIONS 2048

/* Salt of the esp_encrypted_img PBKDF2 from eFuse HMAC key to P-256 scalar. */
static const uint8_t pbkdf2_salt[32] = {
    0x0e, 0x21, 0x60, 0x64, 0x2d, 0xae, 0x76, 0xd3, 0x34, 0x48, 0xe4, 0x3d, 0x77, 0x20, 0x12, 0x3d,
    0x9f, 0x3b, 0x1e, 0xce, 0xb8, 0x8e, 0x57, 0x3a, 0x4e, 0x8f, 0x7f, 0xb9, 0x4f, 0xf0, 0xc8, 0x69,
};

/*
 * PBKDF2-HMAC-SHA256 for one 32-byte block, every HMAC computed by the peripheral with the
 * eFuse key: U1 = HMAC(salt || 00000001), Uj = HMAC(Uj-1), T = U1 ^ ... ^ U2048.
 */
static eei_dec_err pbkdf2_with_peripheral(hmac_key_id_t key_id, uint8_t out[32])
{
    uint8_t msg[sizeof(pbkdf2_salt) + 4];
    uint8_t u[32];
    eei_dec_err rc = EEI_DEC_OK;

    memcpy(msg, pbkdf2_salt, sizeof(pbkdf2_salt));
    msg[32] = 0;
    msg[33] = 0;
    msg[34] = 0;
    msg[35] = 1;
    if (esp_hmac_calculate(key_id, msg, sizeof(msg), u) != ESP_OK) {
        rc = EEI_DEC_ERR_CRYPTO;
    }
    memcpy(out, u, sizeof(u));
    for (int i = 1; i < PBKDF2_ITERATIONS && rc == EEI_DEC_OK; i++) {
        if (esp_hmac_calculate(key_id, u, sizeof(u), u) != ESP_OK) {
            rc = EEI_DEC_ERR_CRYPTO;
        }
        for (size_t j = 0; j < sizeof(u); j++) {
            out[j] ^= u[j];
        }
    }
    eei_dev_wipe(u, sizeof(u));
    if (rc != EEI_DEC_OK) {
        eei_dev_wipe(out, 32);
    }
    return rc;
}

#endif /* SOC_HMAC_SUPPORTED */

eei_dec_err eei_device_key_scalar(const eei_dec_config *cfg, uint8_t scalar[32])
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
        eei_dev_wipe(scalar, 32);
        rc = EEI_DEC_ERR_KEY;
    }
    return rc;
#else
    return EEI_DEC_ERR_ARG; /* no HMAC peripheral on this chip */
#endif
}
