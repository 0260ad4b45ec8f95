/* Text and bytes made fit to print and to put in JSON: what every program's messages and JSON use.
 */
#ifndef EEI_JSON_TEXT_H
#define EEI_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

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

#endif
