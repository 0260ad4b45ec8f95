/* What both crypto backends share: wiping, and the chip's GCM rule (eei_dev_crypto.h). */
#include "eei_dev_crypto.h"

#include "mbedtls/platform_util.h"

#ifndef ESP_PLATFORM
#include <stdio.h>
#include <stdlib.h>
#endif

void eei_dev_wipe(void *buf, size_t len)
{
    mbedtls_platform_zeroize(buf, len);
}

bool eei_dev_gcm_update_allowed(size_t len, bool last, bool *ended)
{
    if (*ended || (!last && len % EEI_GCM_BLOCK_SIZE != 0)) {
#ifndef ESP_PLATFORM
        /* on the chip this update would decrypt to garbage: a host test must not pass it */
        fprintf(stderr, "eei_dev_gcm_update: %s (%zu bytes) breaks the chip's GCM rule\n",
                *ended ? "an update after the last one" : "a non-final partial block", len);
        abort();
#endif
        return false;
    }
    *ended = last;
    return true;
}
