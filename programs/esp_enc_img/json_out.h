/* Machine-readable output: hex strings and one JSON object per command on stdout. */
#ifndef EEI_JSON_OUT_H
#define EEI_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "esp_enc_img/esp_enc_img.h"

/*
 * Text from a file or a manifest made safe to print and to put in JSON: printable ASCII as it
 * is, every other byte as \xNN (a newline cannot forge a line, invalid UTF-8 cannot break the
 * JSON). Cut to fit cap bytes, NUL included.
 */
void text_for_display(const char *text, char *out, size_t cap);

/* Lowercase hex of n bytes into out (2n + 1 chars). */
void hex_encode(const uint8_t *bytes, size_t n, char *out);
void json_add_hex(cJSON *obj, const char *name, const uint8_t *bytes, size_t n);

/* Append text to the "warnings" array of obj (made when it has none). */
void json_add_warning(cJSON *obj, const char *text);

/*
 * The keys docs/CLI.md says the JSON of command cmd always has that obj lacks, because a
 * failure stopped the command before it set them: null ("warnings": an empty array,
 * "verified": false).
 */
void json_add_missing(cJSON *obj, const char *cmd);

/* Add "ok" (false when error is not NULL, with "error"), print obj as one line on stdout, free it.
 */
void json_print(cJSON *obj, const char *error);

/*
 * Finish a command's JSON: "ok" and, on failure, "error"; print it as one line on stdout,
 * free it, report the error on stderr as usual, and return the exit code.
 */
int json_finish(cJSON *obj, const eei_error *err, bool verbose);

#endif
