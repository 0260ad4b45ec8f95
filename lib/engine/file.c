#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC */
#include "engine/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#ifdef _WIN32
#include <windows.h>

#include <io.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* UTF-16 for _wopen; past MAX_PATH the \\?\ form of the full path. */
static wchar_t *wide_path(const char *path)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof(wchar_t)) : NULL;
    if (!w || MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n) != n) {
        free(w);
        errno = n > 0 ? ENOMEM : ENOENT;
        return NULL;
    }
    if (wcslen(w) < MAX_PATH - 12 || wcsncmp(w, L"\\\\?\\", 4) == 0) {
        return w;
    }
    DWORD full_len = GetFullPathNameW(w, 0, NULL, NULL);
    wchar_t *full = full_len ? malloc(((size_t)full_len + 8) * sizeof(wchar_t)) : NULL;
    if (full) { /* \\server\share\... is \\?\UNC\server\share\... */
        DWORD got = GetFullPathNameW(w, full_len, full + 8, NULL);
        bool unc = got >= 2 && (full[8] == L'\\' || full[8] == L'/') &&
                   (full[9] == L'\\' || full[9] == L'/');
        const wchar_t *prefix = unc ? L"\\\\?\\UNC" : L"\\\\?\\";
        size_t skip = unc ? 1 : 0, plen = wcslen(prefix);
        memmove(full + plen, full + 8 + skip, ((size_t)got - skip + 1) * sizeof(wchar_t));
        memcpy(full, prefix, plen * sizeof(wchar_t));
    }
    free(w);
    errno = full ? errno : ENOMEM;
    return full;
}

int eei_file_open_read(const char *path)
{
    wchar_t *w = wide_path(path);
    if (!w) {
        return -1; /* not a status: no descriptor, errno says why */
    }
    DWORD attributes = GetFileAttributesW(w);
    int fd = -1;
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        errno = EISDIR;
    } else {
        fd = _wopen(w, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
    }
    free(w);
    return fd;
}

long eei_file_read(int fd, void *buf, size_t len)
{
    return _read(fd, buf, len > 0x40000000u ? 0x40000000u : (unsigned)len);
}

void eei_file_close(int fd)
{
    _close(fd);
}

#else
#include <unistd.h>

int eei_file_open_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1; /* not a status: no descriptor, errno says why */
    }
    return fd;
}

long eei_file_read(int fd, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0 || errno != EINTR) {
            return (long)n;
        }
    }
}

void eei_file_close(int fd)
{
    close(fd);
}
#endif
