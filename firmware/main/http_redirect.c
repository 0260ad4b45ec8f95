#include "http_redirect.h"

#include <stdio.h>
#include <string.h>

bool http_redirect_status(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether s starts with the lower-case ASCII prefix, in any case. */
static bool starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
        if (c != *prefix) {
            return false;
        }
    }
    return true;
}

/* The length of a leading "scheme:", or 0 when the reference has none. */
static size_t scheme_length(const char *s, size_t len)
{
    if (len == 0 || !is_alpha(s[0])) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (c == ':') {
            return i;
        }
        if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
            return 0;
        }
    }
    return 0;
}

/* RFC 3986 5.2.4 on the path of an absolute URL in place: "/a/./b/../c" becomes "/a/c". */
static void remove_dot_segments(char *url)
{
    char *path = strstr(url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    if (!path) {
        return;
    }
    char *end = path + strcspn(path, "?");
    char *out = path; /* the output never runs ahead of the input */
    char *in = path;
    while (in < end) {
        size_t seg = strcspn(in + 1, "/?");
        if ((size_t)(end - in) < seg + 1) {
            seg = (size_t)(end - in) - 1;
        }
        bool last = in + 1 + seg >= end;
        if (seg == 1 && in[1] == '.') {
            if (last) {
                *out++ = '/';
            }
        } else if (seg == 2 && in[1] == '.' && in[2] == '.') {
            while (out > path && *--out != '/') {
            }
            if (last) {
                *out++ = '/';
            }
        } else {
            memmove(out, in, seg + 1);
            out += seg + 1;
        }
        in += seg + 1;
    }
    if (out == path) {
        *out++ = '/';
    }
    memmove(out, end, strlen(end) + 1);
}

const char *http_redirect_resolve(const char *base, const char *location, char *out, size_t cap)
{
    if (!location) {
        return "the redirect has no Location";
    }
    while (*location == ' ' || *location == '\t') {
        location++;
    }
    size_t len = strcspn(location, "#");
    while (len > 0 && (location[len - 1] == ' ' || location[len - 1] == '\t')) {
        len--;
    }
    if (len == 0) {
        return "the redirect has no Location";
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)location[i] <= 0x20 || location[i] == 0x7f) {
            return "the redirect's Location is not a URL";
        }
    }
    size_t scheme = scheme_length(location, len);
    int n;
    if (scheme > 0) {
        if (!starts_with_ci(location, "https:")) {
            return starts_with_ci(location, "http:")
                       ? "a redirect to http: is refused: HTTPS only"
                       : "a redirect to another scheme than https: is refused";
        }
        if (len < 9 || strncmp(location + 6, "//", 2) != 0 || location[8] == '/') {
            return "the redirect's Location is not a URL";
        }
        n = snprintf(out, cap, "https%.*s", (int)(len - 5), location + 5);
    } else if (len >= 2 && location[0] == '/' && location[1] == '/') {
        n = snprintf(out, cap, "https:%.*s", (int)len, location);
    } else {
        const char *host = strstr(base, "://");
        if (!host) {
            return "the URL being redirected is not absolute";
        }
        size_t origin = (size_t)(host + 3 - base) + strcspn(host + 3, "/?#");
        const char *path = base + origin;
        size_t dir = 0; /* the base path up to its last '/' */
        if (location[0] != '/' && location[0] != '?') {
            size_t path_len = strcspn(path, "?#");
            for (size_t i = 0; i < path_len; i++) {
                dir = path[i] == '/' ? i + 1 : dir;
            }
        } else if (location[0] == '?') {
            dir = strcspn(path, "?#");
        }
        n = snprintf(out, cap, "%.*s%s%.*s%.*s", (int)origin, base,
                     dir == 0 && location[0] != '/' ? "/" : "", (int)dir, path, (int)len, location);
    }
    if (n < 0 || (size_t)n >= cap) {
        return "the redirect's URL is too long";
    }
    remove_dot_segments(out);
    if (strncmp(out, "https://", 8) != 0 || out[8] == '\0' || out[8] == '/') {
        return "the redirect's Location is not a URL";
    }
    return NULL;
}
