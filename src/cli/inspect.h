/* What the header and the size of an image say, without a key: for info, verify, decrypt. */
#ifndef EEI_INSPECT_H
#define EEI_INSPECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli/fileio.h"
#include "esp_enc_img/format.h"

typedef struct {
    eei_format_err verdict; /* the format module's verdict on magic and size */
    const char *problem;    /* NULL for a structurally valid image, else why it is not */
    bool header_read;       /* 512 bytes were there: header is filled */
    eei_header header;
    /*
     * Nothing in the header names the scheme: it is inferred, and only a key decides. scheme_sure
     * is false when the evidence is mixed (a P-256 point, but the ignored bytes are not zero).
     */
    eei_scheme scheme;
    bool scheme_sure;
    const char *scheme_basis; /* why, in a few words */
    uint64_t file_size;
    bool on_curve; /* the key block's first 64 bytes are a point on P-256 */
    bool reserved_zero;
} inspection;

/* Read the header and measure the input (a stream is read to its end). */
int inspect_input(input_file *in, inspection *ins, eei_error *err);
/* Fill an inspection from a header and size already known (after a streamed decryption). */
void inspect_header(const uint8_t header[EEI_HEADER_SIZE], uint64_t file_size, inspection *ins);

/* "name: problem" as a rejection, when there is a problem (without a key: any problem). */
int inspect_reject(const inspection *ins, const char *name, eei_error *err);
/*
 * With a key only what is final rejects before decryption: the magic and the size. What the
 * scheme looks like is the key's to decide, as on the device.
 */
int inspect_reject_keyed(const inspection *ins, const char *name, eei_error *err);

void inspect_print(const inspection *ins, const char *name, FILE *out);
void inspect_to_json(const inspection *ins, const char *name, cJSON *obj);

#endif
