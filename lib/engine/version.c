/* The library's version, and the crypto library under it. */
#include "crypto/crypto.h"
#include "esp_enc_img/esp_enc_img.h"

const char *eei_version(void)
{
    return EEI_LIBRARY_VERSION;
}

const char *eei_crypto_library(void)
{
    return eei_crypto_library_name();
}
