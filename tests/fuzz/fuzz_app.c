/*
 * Fuzz target: an app binary walked and scanned as it streams by (eei_app_walk, eei_app_scan,
 * as info and verify read one). The first byte sets the piece size; the verdict, the size and
 * the bytes the appended SHA-256 covers must not depend on how the data is cut. Blocks without a
 * signature sector are reported only when they are misplaced (read where no device looks).
 */
#include <stdlib.h>
#include <string.h>

#include "esp_enc_img/esp_enc_img.h"

static eei_app_err walk(const uint8_t *data, size_t size, size_t step, uint64_t *app_size,
                        uint64_t *covered, eei_app_head *head)
{
    eei_app_walk w;
    eei_app_walk_init(&w);
    *covered = 0;
    for (size_t at = 0; at < size; at += step) {
        size_t n = size - at < step ? size - at : step;
        size_t c = eei_app_walk_update(&w, data + at, n);
        if (c > n) {
            __builtin_trap();
        }
        *covered += c;
    }
    eei_app_err e = eei_app_walk_finish(&w, head);
    *app_size = eei_app_walk_size(&w);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t step = (size_t)data[0] + 1;
    data++;
    size--;
    uint64_t size1, size2, cov1, cov2;
    eei_app_head h1, h2;
    eei_app_err e1 = walk(data, size, size ? size : 1, &size1, &cov1, &h1);
    eei_app_err e2 = walk(data, size, step, &size2, &cov2, &h2);
    if (e1 != e2 || size1 != size2 || memcmp(&h1, &h2, sizeof(h1)) != 0 ||
        (e1 == EEI_APP_OK && cov1 != cov2)) {
        __builtin_trap();
    }
    if (e1 == EEI_APP_OK && (size1 > size || size1 < EEI_APP_HEAD_SIZE ||
                             cov1 != size1 - (h1.hash_appended ? EEI_APP_HASH_SIZE : 0))) {
        __builtin_trap();
    }
    /* the scan says the same, and its signature report is consistent */
    eei_app_scan *scan = NULL;
    eei_app_info info;
    if (eei_app_scan_new(&scan, NULL) != EEI_OK) {
        abort();
    }
    for (size_t at = 0; at < size; at += step) {
        eei_app_scan_update(scan, data + at, size - at < step ? size - at : step);
    }
    if (eei_app_scan_final(scan, NULL, 0, &info, NULL) != EEI_OK || info.layout != e1 ||
        info.size != size1 || (info.hash_matches && !h1.hash_appended) ||
        (!info.signature_sector && info.sig.count != 0 && !info.sig.misplaced) ||
        info.sig.count > EEI_SB_BLOCKS_MAX) {
        __builtin_trap();
    }
    eei_app_scan_free(scan);
    return 0;
}
