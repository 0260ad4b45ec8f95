/*
 * Inside the library: the crypto layer and the key module return an eei_status, as the API does;
 * the engine's other internal functions still return 0 or -1 (err never NULL), which
 * eei_status_of turns into the status err recorded.
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

/* The status of an internal result: EEI_OK for 0, else what err recorded. */
eei_status eei_status_of(int rc, const eei_error *err);

#endif
