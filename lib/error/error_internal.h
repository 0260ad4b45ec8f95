/* Inside the library: how internal functions (0 or -1, err never NULL) meet the public ones. */
#ifndef EEI_ERROR_INTERNAL_H
#define EEI_ERROR_INTERNAL_H

#include "esp_enc_img/esp_enc_img.h"

/* A public function's err may be NULL; the code under it always has one to fill. */
#define EEI_ERROR_OR_LOCAL(err)                                                                    \
    eei_error eei_local_error_ = {EEI_OK, ""};                                                     \
    if (!(err)) {                                                                                  \
        (err) = &eei_local_error_;                                                                 \
    }

/* The status of an internal result: EEI_OK for 0, else what err recorded. */
eei_status eei_status_of(int rc, const eei_error *err);

#endif
