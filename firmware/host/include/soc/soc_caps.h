/* Host port: the simulated chip has what ESP32-C3/S3/C6 have of these. */
#pragma once

#define SOC_HMAC_SUPPORTED 1
#define SOC_EFUSE_SECURE_BOOT_KEY_DIGESTS 3
#define SOC_SUPPORT_SECURE_BOOT_REVOKE_KEY 1
#define SOC_DIG_SIGN_SUPPORTED 1
#define SOC_RSA_MAX_BIT_LEN 3072 /* the DS peripheral's operands: ESP32-C3/C6/H2 */
