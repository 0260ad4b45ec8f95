/*
 * Fuzz target: the esp_secure_cert partition's TLVs, as a device will read them from flash.
 * Every TLV a walk finds lies inside the data and has a good CRC; a DS context read says what
 * a chip can use or false; and a TLV written from the input reads back as written.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "esp_enc_img/secure_cert.h"

static void inside(const uint8_t *data, size_t size, const eei_sc_tlv *t)
{
    const uint8_t *end = t->value + t->length;
    if (t->value < data || end > data + size || t->size != EEI_SC_TLV_SIZE((size_t)t->length) ||
        t->value - EEI_SC_TLV_HEADER_SIZE + t->size > data + size) {
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the walk a reader makes, for each type and subtype the first bytes name */
    static const uint8_t types[] = {EEI_SC_TLV_DS_DATA, EEI_SC_TLV_DS_CONTEXT,
                                    EEI_SC_TLV_INTEGRITY};
    for (size_t i = 0; i < sizeof(types); i++) {
        eei_sc_tlv t;
        eei_sc_err e = eei_sc_tlv_find(data, size, types[i], 0, &t);
        (void)eei_sc_strerror(e);
        if (e != EEI_SC_OK) {
            continue;
        }
        inside(data, size, &t);
        if (t.type != types[i] || t.subtype != 0) {
            __builtin_trap();
        }
        uint8_t block;
        uint16_t bits;
        if (types[i] == EEI_SC_TLV_DS_CONTEXT && t.length == EEI_DS_CONTEXT_SIZE &&
            eei_ds_context_decode(t.value, &block, &bits) &&
            (block >= EEI_DS_KEY_BLOCKS || bits < EEI_DS_MIN_KEY_BITS || bits % 32 != 0)) {
            __builtin_trap();
        }
    }
    /* the TLV at the start, read alone */
    eei_sc_tlv first;
    if (eei_sc_tlv_read(data, size, &first) == EEI_SC_OK) {
        inside(data, size, &first);
    }
    /* write the input as a value and read it back */
    static uint8_t part[EEI_SC_PARTITION_SIZE];
    size_t len = size < 4096 ? size : 4096, written = 0;
    uint8_t type = size > 0 ? data[0] : 0, subtype = size > 1 ? data[1] : 0;
    if (eei_sc_tlv_write(part, sizeof(part), type, subtype, 0, data, len, &written) != EEI_SC_OK ||
        written != EEI_SC_TLV_SIZE(len)) {
        __builtin_trap();
    }
    eei_sc_tlv back;
    if (eei_sc_tlv_find(part, written, type, subtype, &back) != EEI_SC_OK || back.length != len ||
        (len > 0 && memcmp(back.value, data, len) != 0)) {
        __builtin_trap();
    }
    return 0;
}
