/* What os.h does the same on every system, over its other calls. */
#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NAME_PART_MAX 200

/* How much of name the sibling holds: up to NAME_PART_MAX bytes, whole UTF-8 characters. */
static int name_part(const char *base)
{
    size_t n = 0;
    while (n < NAME_PART_MAX && base[n]) {
        n++;
    }
    while (base[n] && n > 0 && ((unsigned char)base[n] & 0xC0) == 0x80) {
        n--; /* base[n] continues a character: cut before the character */
    }
    return (int)n;
}

int os_sibling_name(const char *target, char *path, size_t size)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char dir[OS_PATH_MAX], base[OS_PATH_MAX];
    uint8_t r[6];
    os_dirname(target, dir, sizeof(dir));
    os_basename(target, base, sizeof(base));
    if (os_random(r, sizeof(r)) != 0) {
        return -1;
    }
    /* "C:" is the current folder of drive C: the name follows it without a separator */
    size_t len = strlen(dir);
    const char *sep = len > 0 && (os_is_separator(dir[len - 1]) || dir[len - 1] == ':') ? "" : "/";
    int n = snprintf(path, size, "%s%s.%.*s.%c%c%c%c%c%c", dir, sep, name_part(base), base,
                     letters[r[0] % 36], letters[r[1] % 36], letters[r[2] % 36], letters[r[3] % 36],
                     letters[r[4] % 36], letters[r[5] % 36]);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}
