/* An input in memory for the library's stream callbacks (eei_io.read), shared by the tests. */
#ifndef EEI_TEST_MEM_READER_H
#define EEI_TEST_MEM_READER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "esp_enc_img/esp_enc_img.h"

/* Read in pieces of at most step bytes: fewer than asked only at its end, as streams give. */
typedef struct {
    const uint8_t *data;
    size_t size, pos, step;
    size_t fail_from; /* >0: a read once this many bytes were read fails */
} mem_reader;

static inline int mem_reader_read(mem_reader *r, uint8_t *buf, size_t cap, size_t *got,
                                  eei_error *err)
{
    if (r->fail_from > 0 && r->pos >= r->fail_from) {
        return eei_fail(err, EEI_ERR_FILE, "read error (test)");
    }
    size_t n = 0;
    while (n < cap && r->pos < r->size) {
        size_t take = r->size - r->pos < r->step ? r->size - r->pos : r->step;
        take = take < cap - n ? take : cap - n;
        memcpy(buf + n, r->data + r->pos, take);
        r->pos += take;
        n += take;
    }
    *got = n;
    return 0;
}

#endif
