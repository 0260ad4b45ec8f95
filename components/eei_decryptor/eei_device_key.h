/* The device's ECIES key: from the eFuse HMAC key through the HMAC peripheral, or from a PEM. */
#ifndef EEI_DEVICE_KEY_H
#define EEI_DEVICE_KEY_H

#include <stdint.h>

#include "eei_decryptor.h"

/* The private scalar for cfg (HMAC_EFUSE or P256_PEM); wipe it after use. */
eei_dec_err eei_device_key_scalar(const eei_dec_config *cfg, uint8_t scalar[EEI_P256_SCALAR_SIZE]);

#endif
