#include "esp_enc_img/esp_enc_img.h"

const char *eei_version(void)
{
    return EEI_LIBRARY_VERSION;
}
