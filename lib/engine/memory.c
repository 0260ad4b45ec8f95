/* Wiping and freeing what the library hands out. */
#include <stdlib.h>

#include "crypto/crypto.h"
#include "esp_enc_img/esp_enc_img.h"

void eei_wipe(void *buf, size_t len)
{
    eei_crypto_wipe(buf, len);
}

void eei_free(void *buf, size_t len)
{
    if (buf) {
        eei_crypto_wipe(buf, len);
        free(buf);
    }
}
