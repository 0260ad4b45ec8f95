/*
 * Inside the library every function that can fail returns an eei_status, as the API does: EEI_OK,
 * or the status it recorded in err (which it always has: EEI_ERROR_OR_LOCAL). The callbacks a
 * caller gives (eei_io, the passphrase prompt) keep the public 0 or non-zero, with eei_fail.
 */
#ifndef EEI_ERROR_INTERNAL_H
#define EEI_ERROR_INTERNAL_H

#include "esp_enc_img/esp_enc_img.h"

/* A public function's err may be NULL; the code under it always has one to fill. */
#define EEI_ERROR_OR_LOCAL(err)                                                                    \
    eei_error eei_local_error_ = {EEI_OK, ""};                                                     \
    if (!(err)) {                                                                                  \
        (err) = &eei_local_error_;                                                                 \
    }

/* Record a failure in err (NULL: nowhere), as eei_fail does, and return its status. */
eei_status eei_error_set(eei_error *err, eei_status status, const char *fmt, ...)
    EEI_PRINTF_FORMAT(3, 4);

#endif
