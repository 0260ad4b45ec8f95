/* Fuzz target: what info and verify learn of an image without a key (eei_inspect). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "esp_enc_img/esp_enc_img.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eei_inspection ins;
    eei_inspect(data, size, size, &ins);
    /* a verdict of OK means the size matched what the header declares */
    if (ins.verdict == EEI_FMT_OK &&
        (size < EEI_HEADER_SIZE || eei_inspect_bytes_needed(data) != (uint64_t)size + 1)) {
        __builtin_trap();
    }
    if (ins.problem && strlen(ins.problem) == 0) {
        __builtin_trap();
    }
    /* the header of a stream judged by its first bytes and a size from elsewhere */
    eei_inspect(data, size, (uint64_t)size * 3 + 1, &ins);
    return 0;
}
