#include "json_text.h"

#include <stdio.h>
#include <stdlib.h>

void text_for_display(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        bool plain = *p >= 0x20 && *p < 0x7f;
        if (n + (plain ? 1 : 4) + 1 > cap) {
            break;
        }
        n += (size_t)(plain ? snprintf(out + n, cap - n, "%c", *p)
                            : snprintf(out + n, cap - n, "\\x%02x", *p));
    }
    out[n] = '\0';
}

void hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

void json_add_hex(cJSON *obj, const char *name, const uint8_t *bytes, size_t n)
{
    char *hex = malloc(2 * n + 1);
    if (hex) {
        hex_encode(bytes, n, hex);
        cJSON_AddStringToObject(obj, name, hex);
        free(hex);
    }
}

void json_add_warning(cJSON *obj, const char *text)
{
    cJSON *warnings = cJSON_GetObjectItemCaseSensitive(obj, "warnings");
    warnings = warnings ? warnings : cJSON_AddArrayToObject(obj, "warnings");
    cJSON_AddItemToArray(warnings, cJSON_CreateString(text));
}
