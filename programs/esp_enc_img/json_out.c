#include "json_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"

/* The keys each command's JSON holds whatever happens (docs/CLI.md); their value until known. */
typedef enum { UNKNOWN_NULL, UNKNOWN_EMPTY_LIST, UNKNOWN_FALSE } unknown_value;
static const struct {
    const char *cmd, *key;
    unknown_value unknown;
} always_keys[] = {
    {"decrypt", "input", UNKNOWN_NULL},
    {"decrypt", "output", UNKNOWN_NULL},
    {"keygen", "kind", UNKNOWN_NULL},
    {"keygen", "secret", UNKNOWN_NULL},
    {"keygen", "public", UNKNOWN_NULL},
    {"pubkey", "key", UNKNOWN_NULL},
    {"pubkey", "output", UNKNOWN_NULL},
    {"encrypt", "input", UNKNOWN_NULL},
    {"encrypt", "output", UNKNOWN_NULL},
    {"encrypt", "warnings", UNKNOWN_EMPTY_LIST},
    {"info", "file", UNKNOWN_NULL},
    {"info", "file_size", UNKNOWN_NULL},
    {"info", "warnings", UNKNOWN_EMPTY_LIST},
    {"verify", "file", UNKNOWN_NULL},
    {"verify", "file_size", UNKNOWN_NULL},
    {"verify", "warnings", UNKNOWN_EMPTY_LIST},
    {"sign", "input", UNKNOWN_NULL},
    {"sign", "output", UNKNOWN_NULL},
    {"verify-signature", "file", UNKNOWN_NULL},
    {"verify-signature", "verified", UNKNOWN_FALSE},
    {"digest", "key", UNKNOWN_NULL},
    {"ds-provision", "key", UNKNOWN_NULL},
    {"ds-provision", "hmac_key", UNKNOWN_NULL},
    {"ds-provision", "output", UNKNOWN_NULL},
    {"batch", "input", UNKNOWN_NULL},
    {"batch", "input_size", UNKNOWN_NULL},
    {"batch", "input_sha256", UNKNOWN_NULL},
    {"batch", "manifest_sha256", UNKNOWN_NULL},
    {"batch", "devices", UNKNOWN_EMPTY_LIST},
    {"batch", "succeeded", UNKNOWN_NULL},
    {"batch", "failed", UNKNOWN_NULL},
};

void json_add_missing(cJSON *obj, const char *cmd)
{
    for (size_t i = 0; i < sizeof(always_keys) / sizeof(always_keys[0]); i++) {
        const char *key = always_keys[i].key;
        if (strcmp(always_keys[i].cmd, cmd) != 0 || cJSON_HasObjectItem(obj, key)) {
            continue;
        }
        switch (always_keys[i].unknown) {
        case UNKNOWN_NULL:
            cJSON_AddNullToObject(obj, key);
            break;
        case UNKNOWN_EMPTY_LIST:
            cJSON_AddArrayToObject(obj, key);
            break;
        case UNKNOWN_FALSE:
            cJSON_AddFalseToObject(obj, key);
            break;
        }
    }
}

void json_print(cJSON *obj, const char *error)
{
    cJSON_AddBoolToObject(obj, "ok", error == NULL);
    if (error) {
        cJSON_AddStringToObject(obj, "error", error);
    }
    char *text = cJSON_PrintUnformatted(obj);
    if (text) {
        puts(text);
        free(text);
    }
    cJSON_Delete(obj);
}
