#define _POSIX_C_SOURCE 200809L
/*
 * Read one value out of a JSON document with cJSON, for the shell tests:
 *
 *   json_get FILE|- PATH      PATH: names and array indexes joined by '.', e.g. devices.3.id
 *
 * Prints strings raw, numbers as integers when whole, booleans as true/false, the size of
 * arrays and objects. Exit 1 when the path is missing, 2 on bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

#include <cjson/cJSON.h>

static char *slurp(FILE *f)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    for (size_t n; buf && (n = fread(buf + len, 1, cap - len, f)) > 0;) {
        len += n;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    if (buf) {
        buf[len] = '\0';
    }
    return buf;
}

int main(int argc, char **argv)
{
#ifdef _WIN32
    _setmode(1, _O_BINARY); /* "\n", as the shell reads it */
#endif
    if (argc != 3) {
        fprintf(stderr, "usage: json_get FILE|- PATH\n");
        return 2;
    }
    FILE *f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
    char *text = f ? slurp(f) : NULL;
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    if (!root) {
        fprintf(stderr, "json_get: %s: not JSON\n", argv[1]);
        return 2;
    }
    cJSON *node = root;
    char *path = strdup(argv[2]), *save = NULL;
    for (char *part = strtok_r(path, ".", &save); part && node; part = strtok_r(NULL, ".", &save)) {
        char *end;
        long index = strtol(part, &end, 10);
        node = cJSON_IsArray(node) && *end == '\0' ? cJSON_GetArrayItem(node, (int)index)
                                                   : cJSON_GetObjectItemCaseSensitive(node, part);
    }
    int rc = 0;
    if (!node) {
        rc = 1;
    } else if (cJSON_IsString(node)) {
        puts(node->valuestring);
    } else if (cJSON_IsBool(node)) {
        puts(cJSON_IsTrue(node) ? "true" : "false");
    } else if (cJSON_IsNumber(node)) {
        double v = node->valuedouble;
        if (v == (double)(long long)v) {
            printf("%lld\n", (long long)v);
        } else {
            printf("%g\n", v);
        }
    } else if (cJSON_IsArray(node) || cJSON_IsObject(node)) {
        printf("%d\n", cJSON_GetArraySize(node));
    } else {
        puts("null");
    }
    free(path);
    free(text);
    cJSON_Delete(root);
    return rc;
}
