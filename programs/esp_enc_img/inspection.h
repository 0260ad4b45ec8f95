/* What info, verify and decrypt say of an image without a key: read, judged, reported. */
#ifndef EEI_INSPECTION_H
#define EEI_INSPECTION_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "esp_enc_img/esp_enc_img.h"
#include "fileio.h"

/* Read the header and measure the input (a stream is read as far as a verdict needs). */
int inspect_input(input_file *in, eei_inspection *ins, eei_error *err);

/* "name: problem" as a rejection, when there is a problem (without a key: any problem). */
int inspect_reject(const eei_inspection *ins, const char *name, eei_error *err);
/*
 * With a key only what is final rejects before decryption: the magic and the size. What the
 * scheme looks like is the key's to decide, as on the device.
 */
int inspect_reject_keyed(const eei_inspection *ins, const char *name, eei_error *err);

void inspect_print(const eei_inspection *ins, const char *name, FILE *out);
void inspect_to_json(const eei_inspection *ins, const char *name, cJSON *obj);

#endif
