/*
 * JSON files (batch manifests and results): read with the place of a mistake said as
 * FILE:LINE:COLUMN, written atomically.
 */
#ifndef EEI_JSON_FILE_H
#define EEI_JSON_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "esp_enc_img/esp_enc_img.h"

/*
 * Read the file at path (at most max bytes) and parse it as one JSON value. A syntax error,
 * text after the value, a NUL byte or a \u0000 escape (C strings cannot hold a NUL: an id or
 * a path would be cut short) fail as "path:LINE:COLUMN: ..." (EEI_ERR_FILE). On success *text
 * holds the file's bytes (NUL-terminated; *len without it) for the caller to free.
 */
int json_file_read(const char *path, size_t max, cJSON **out, uint8_t **text, size_t *len,
                   eei_error *err);

/* obj, indented, and a newline, at path ("-": stdout), which appears only once complete. */
int json_file_write(const char *path, const cJSON *obj, eei_error *err);

#endif
