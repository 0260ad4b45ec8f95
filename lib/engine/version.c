/* The library's version, and the crypto library under it: its name, its queue of errors. */
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

void eei_report_crypto_errors(FILE *out)
{
    eei_crypto_report_errors(out);
}
