/* Fuzz target: the header-format module on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eei_header h;
    eei_format_err fe = eei_header_decode(data, size, &h);
    if (fe == EEI_FMT_SHORT) {
        return 0;
    }
    eei_scheme scheme = eei_header_scheme(&h);
    (void)eei_header_check_scheme(&h, EEI_SCHEME_RSA3072);
    (void)eei_header_check_scheme(&h, EEI_SCHEME_ECIES_P256);
    (void)eei_header_check_size(&h, size);
    (void)eei_header_reserved_clear(&h);
    (void)eei_format_strerror(fe);
    (void)eei_scheme_name(scheme);
    if (scheme == EEI_SCHEME_ECIES_P256) {
        (void)eei_p256_point_plausible(eei_header_ecies_point(&h));
        (void)eei_header_ecies_salt(&h);
    }
    /* decode and encode are inverses */
    uint8_t again[EEI_HEADER_SIZE];
    eei_header_encode(&h, again);
    for (size_t i = 0; i < EEI_HEADER_SIZE; i++) {
        if (again[i] != data[i]) {
            __builtin_trap();
        }
    }
    return 0;
}
