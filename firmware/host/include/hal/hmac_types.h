/* Host port: the HMAC key ids of ESP-IDF's hal/hmac_types.h. */
#pragma once

typedef enum {
    HMAC_KEY0 = 0,
    HMAC_KEY1,
    HMAC_KEY2,
    HMAC_KEY3,
    HMAC_KEY4,
    HMAC_KEY5,
    HMAC_KEY_MAX = 8,
} hmac_key_id_t;
