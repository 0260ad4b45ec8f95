#include "json_file.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "json_text.h"

#define NEAR_MAX 24 /* bytes of the text shown after a syntax error's place */

/* "name:LINE:COLUMN: " of a byte offset; columns count bytes, from 1. */
static void place(const char *text, size_t offset, const char *name, char *out, size_t cap)
{
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    snprintf(out, cap, "%s:%zu:%zu", name, line, offset - line_start + 1);
}

/* The offset of a \u0000 escape inside a string, or len. */
static size_t find_nul_escape(const char *text, size_t len)
{
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"') {
            in_string = !in_string;
        } else if (in_string && text[i] == '\\' && i + 1 < len) {
            if (text[i + 1] == 'u' && i + 5 < len && strncmp(text + i + 2, "0000", 4) == 0) {
                return i;
            }
            i++; /* the escaped character, a quote included */
        }
    }
    return len;
}

static int syntax_error(const char *text, size_t len, size_t at, const char *name, eei_error *err)
{
    char where[OS_PATH_MAX + 48], near[NEAR_MAX + 1], shown[4 * NEAR_MAX + 1];
    size_t n = 0;
    /* cJSON may point at the blank after a wrong token: show the token */
    while (at < len && at > 0 && strchr(" \t\r\n", text[at])) {
        at--;
    }
    while (at + n < len && n < NEAR_MAX && text[at + n] != '\n' && text[at + n] != '\r') {
        near[n] = text[at + n];
        n++;
    }
    near[n] = '\0';
    text_for_display(near, shown, sizeof(shown));
    place(text, at, name, where, sizeof(where));
    if (n == 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: JSON syntax error at the end of the %s", where,
                        at < len ? "line" : "file");
    }
    return eei_fail(err, EEI_ERR_FILE, "%s: JSON syntax error near '%s'", where, shown);
}

int json_file_read(const char *path, size_t max, cJSON **out, uint8_t **text, size_t *len,
                   eei_error *err)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    *out = NULL;
    if (file_read_all(path, max, &buf, &n, err) != 0) {
        return -1;
    }
    buf[n] = '\0'; /* file_read_all leaves room for one byte more than max */
    const char *s = (const char *)buf;
    const uint8_t *nul = memchr(buf, 0, n);
    size_t escape = find_nul_escape(s, n);
    char where[OS_PATH_MAX + 48];
    int rc = 0;
    if (n == 0) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: empty, not JSON", path);
    } else if (nul) {
        place(s, (size_t)(nul - buf), path, where, sizeof(where));
        rc = eei_fail(err, EEI_ERR_FILE, "%s: a NUL byte: not a JSON text file", where);
    } else if (escape < n) {
        place(s, escape, path, where, sizeof(where));
        rc = eei_fail(err, EEI_ERR_FILE,
                      "%s: \\u0000 (a NUL character) cannot be part of an id or a path", where);
    } else {
        /* the terminating NUL is part of the length: text after the value is an error too */
        const char *end = NULL;
        *out = cJSON_ParseWithLengthOpts(s, n + 1, &end, 1);
        if (!*out) {
            rc = syntax_error(s, n, end ? (size_t)(end - s) : 0, path, err);
        }
    }
    if (rc != 0) {
        free(buf);
        return -1;
    }
    *text = buf;
    *len = n;
    return 0;
}

int json_file_write(const char *path, const cJSON *obj, eei_error *err)
{
    char *text = cJSON_Print(obj);
    if (!text) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    output_options oo = {.mode = 0666, .no_clobber = false, .seekable = false, .text = true};
    output_file out;
    int rc = output_open(&out, path, &oo, err);
    if (rc == 0) {
        rc = output_write(&out, (const uint8_t *)text, strlen(text), err);
        rc = rc == 0 ? output_write(&out, (const uint8_t *)"\n", 1, err) : rc;
        if (rc == 0) {
            rc = output_commit(&out, err);
        } else {
            output_abort(&out);
        }
    }
    free(text);
    return rc;
}
