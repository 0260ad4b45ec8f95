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
    eei_scheme scheme;
    uint64_t file_size;
    bool on_curve; /* ECIES: the server point is on P-256 */
    bool reserved_zero;
} inspection;

/* Read the header and measure the input (a stream is read to its end). */
int inspect_input(input_file *in, inspection *ins, eei_error *err);
/* Fill an inspection from a header and size already known (after a streamed decryption). */
void inspect_header(const uint8_t header[EEI_HEADER_SIZE], uint64_t file_size, inspection *ins);

/* "name: problem" as a rejection, when there is a problem. */
int inspect_reject(const inspection *ins, const char *name, eei_error *err);

void inspect_print(const inspection *ins, const char *name, FILE *out);
void inspect_to_json(const inspection *ins, const char *name, cJSON *obj);

#endif
