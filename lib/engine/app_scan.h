/* The engine's side of eei_app_scan: a scan that must find a signature sector. */
#ifndef EEI_APP_SCAN_H
#define EEI_APP_SCAN_H

#include <stdbool.h>

#include "esp_enc_img/esp_enc_img.h"

/*
 * eei_app_scan_new; with need_signature, the data is read as a signed app even when it is not
 * an app binary, and eei_app_scan_final fails (EEI_ERR_REJECTED) when it is not a signed app.
 */
eei_status eei_app_scan_start(eei_app_scan **out, bool need_signature, eei_error *err);

#endif
