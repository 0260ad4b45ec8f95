#include "json_out.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

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

int json_finish(cJSON *obj, const eei_error *err, bool verbose)
{
    bool ok = err->status == EEI_OK;
    cJSON_AddBoolToObject(obj, "ok", ok);
    if (!ok) {
        cJSON_AddStringToObject(obj, "error", err->msg);
    }
    char *text = cJSON_PrintUnformatted(obj);
    if (text) {
        puts(text);
        free(text);
    }
    cJSON_Delete(obj);
    return cli_report(err, verbose);
}
