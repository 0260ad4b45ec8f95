/*
 * os.h on Windows: every path is UTF-8 here and UTF-16 for the system (the wide-character API),
 * long ones given the \\?\ prefix; files are C runtime descriptors over Windows handles, in
 * binary mode. A file being written is hidden, readable by its owner only, and removed on Ctrl-C,
 * Ctrl-Break and when the console closes; a finished one is flushed and moved into place with
 * MoveFileExW (replace, write-through).
 */
#include "os.h"

#include <windows.h>

#include <aclapi.h>
#include <bcrypt.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <sddl.h>
#include <shellapi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winternl.h> /* NtCreateFile: a file opened relative to its folder's handle */

#ifndef SIGHUP
#define SIGHUP 1 /* the console closed, the user logged off: as a hangup on POSIX */
#endif

/* ---- UTF-8 and UTF-16, errors ---- */

/* path in UTF-16, malloc'd; NULL with errno on a path that is not UTF-8 or out of memory. */
static wchar_t *utf16(const char *text)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof(wchar_t)) : NULL;
    if (!w || MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, w, n) != n) {
        free(w);
        errno = n > 0 ? ENOMEM : EINVAL;
        return NULL;
    }
    return w;
}

/* text in UTF-8 into out; 0, or -1 (too long). */
static int utf8_into(const wchar_t *text, char *out, size_t size)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, out, size > INT_MAX ? INT_MAX : (int)size,
                                NULL, NULL);
    if (n <= 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

static char *utf8_dup(const wchar_t *text)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s && WideCharToMultiByte(CP_UTF8, 0, text, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

/*
 * A path for the wide-character API: UTF-16, and past MAX_PATH the \\?\ form of its full path
 * (which takes neither '/' nor '..', so the full path is made first).
 */
static wchar_t *wpath(const char *path)
{
    wchar_t *w = utf16(path);
    if (!w || wcslen(w) < MAX_PATH - 12 || wcsncmp(w, L"\\\\?\\", 4) == 0) {
        return w;
    }
    DWORD n = GetFullPathNameW(w, 0, NULL, NULL);
    wchar_t *full = n ? malloc(((size_t)n + 8) * sizeof(wchar_t)) : NULL;
    if (!full) {
        free(w);
        errno = ENOMEM;
        return NULL;
    }
    bool unc = w[0] && w[1] && os_is_separator((char)w[0]) && os_is_separator((char)w[1]);
    wcscpy(full, unc ? L"\\\\?\\UNC" : L"\\\\?\\");
    GetFullPathNameW(unc ? w + 1 : w, n, full + wcslen(full), NULL);
    free(w);
    return full;
}

/* errno for a Windows error, so that callers print strerror() as on POSIX. */
static int fail(DWORD error)
{
    switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_PATHNAME:
    case ERROR_INVALID_NAME:
        errno = ENOENT;
        break;
    case ERROR_ACCESS_DENIED:
    case ERROR_WRITE_PROTECT:
        errno = EACCES;
        break;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_USER_MAPPED_FILE:
        errno = EBUSY;
        break;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        errno = EEXIST;
        break;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        errno = ENOSPC;
        break;
    case ERROR_DIRECTORY:
        errno = ENOTDIR;
        break;
    case ERROR_NOT_SAME_DEVICE:
        errno = EXDEV;
        break;
    case ERROR_FILENAME_EXCED_RANGE:
        errno = ENAMETOOLONG;
        break;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        errno = ENOMEM;
        break;
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
        errno = EPIPE;
        break;
    default:
        errno = EIO;
        break;
    }
    return -1;
}

/* ---- who may read: the owner alone ---- */

/* "D:P(A;;FA;;;<the user's SID>)": a protected DACL that grants the current user alone. */
void *os_private_descriptor(void)
{
    HANDLE token = NULL;
    union {
        TOKEN_USER user;
        uint8_t room[256];
    } u;
    DWORD len = 0;
    wchar_t *sid = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) &&
        GetTokenInformation(token, TokenUser, &u, sizeof(u), &len) &&
        ConvertSidToStringSidW(u.user.User.Sid, &sid)) {
        wchar_t sddl[256];
        _snwprintf(sddl, sizeof(sddl) / sizeof(sddl[0]), L"D:P(A;;FA;;;%ls)", sid);
        sddl[sizeof(sddl) / sizeof(sddl[0]) - 1] = 0;
        ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL);
    }
    if (sid) {
        LocalFree(sid);
    }
    if (token) {
        CloseHandle(token);
    }
    return sd;
}

/* ---- what a path names ---- */

static void info_of(HANDLE h, os_info *info)
{
    BY_HANDLE_FILE_INFORMATION fi;
    memset(info, 0, sizeof(*info));
    LARGE_INTEGER size;
    switch (GetFileType(h)) {
    case FILE_TYPE_DISK:
        info->kind = OS_FILE;
        if (GetFileInformationByHandle(h, &fi)) {
            if (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
                info->kind = OS_DIRECTORY;
            }
            info->size = ((uint64_t)fi.nFileSizeHigh << 32) | fi.nFileSizeLow;
            info->dev = fi.dwVolumeSerialNumber;
            info->ino = ((uint64_t)fi.nFileIndexHigh << 32) | fi.nFileIndexLow;
            info->mode = fi.dwFileAttributes & FILE_ATTRIBUTE_READONLY ? 0444 : 0644;
        } else if (GetFileSizeEx(h, &size)) {
            info->size = (uint64_t)size.QuadPart;
            info->mode = 0644;
        } else {
            info->kind = OS_FIFO; /* a file of unknown size: read as a stream, to its end */
        }
        break;
    case FILE_TYPE_CHAR:
        info->kind = OS_DEVICE;
        break;
    default: /* a pipe, or a handle the system cannot say more of: a stream */
        info->kind = OS_FIFO;
        break;
    }
}

int os_stat(const char *path, os_info *info)
{
    memset(info, 0, sizeof(*info));
    wchar_t *w = wpath(path);
    HANDLE h = w ? CreateFileW(w, FILE_READ_ATTRIBUTES,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                               OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL)
                 : INVALID_HANDLE_VALUE;
    DWORD error = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        if (!w) {
            return -1;
        }
        fail(error);
        info->kind = errno == ENOENT ? OS_MISSING : OS_FILE;
        if (error == ERROR_SHARING_VIOLATION || error == ERROR_ACCESS_DENIED) {
            return 0; /* there, but not to be opened now: a file in use, a system file */
        }
        return -1;
    }
    info_of(h, info);
    CloseHandle(h);
    return 0;
}

int os_fstat(int fd, os_info *info)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    info_of(h, info);
    return 0;
}

bool os_is_link(const char *path)
{
    (void)path; /* a link is followed where it leads (os_realpath); a dangling one is a name */
    return false;
}

os_ssize os_readlink(const char *path, char *out, size_t size)
{
    (void)path, (void)out, (void)size;
    errno = EINVAL;
    return -1;
}

int os_realpath(const char *path, char *out, size_t size)
{
    wchar_t *w = wpath(path);
    HANDLE h = w ? CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                               OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL)
                 : INVALID_HANDLE_VALUE;
    DWORD error = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        return w ? fail(error) : -1;
    }
    wchar_t full[32768];
    DWORD n = GetFinalPathNameByHandleW(h, full, sizeof(full) / sizeof(full[0]),
                                        FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    error = GetLastError();
    CloseHandle(h);
    if (n == 0 || n >= sizeof(full) / sizeof(full[0])) {
        return fail(error);
    }
    const wchar_t *p = full;
    if (wcsncmp(p, L"\\\\?\\UNC\\", 8) == 0) { /* \\?\UNC\server\share: \\server\share */
        p += 6;
        full[6] = L'\\';
    } else if (wcsncmp(p, L"\\\\?\\", 4) == 0 && n < MAX_PATH) {
        p += 4; /* short enough for the plain form every program reads */
    }
    return utf8_into(p, out, size);
}

bool os_same_file(const char *a, const char *b)
{
    os_info ia, ib;
    return os_stat(a, &ia) == 0 && os_stat(b, &ib) == 0 && ia.kind != OS_MISSING && ia.ino &&
           ia.dev == ib.dev && ia.ino == ib.ino;
}

bool os_reserved_name(const char *path)
{
    static const char *const names[] = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"};
    char base[OS_PATH_MAX];
    os_basename(path, base, sizeof(base));
    size_t len = strcspn(base, ".:"); /* "NUL.txt" and "CON:" are the device too */
    while (len > 0 && base[len - 1] == ' ') {
        len--;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (len == strlen(names[i]) && _strnicmp(base, names[i], len) == 0) {
            return true;
        }
    }
    if (len < 4 || (_strnicmp(base, "COM", 3) != 0 && _strnicmp(base, "LPT", 3) != 0)) {
        return false;
    }
    /* a digit 1 to 9, or one of the superscript digits Windows takes for them: ¹ ² ³ in UTF-8 */
    const unsigned char *d = (const unsigned char *)base + 3;
    return (len == 4 && d[0] >= '1' && d[0] <= '9') ||
           (len == 5 && d[0] == 0xC2 && (d[1] == 0xB9 || d[1] == 0xB2 || d[1] == 0xB3));
}

bool os_stream_name(const char *path)
{
    char base[OS_PATH_MAX];
    os_basename(path, base, sizeof(base)); /* after a drive's "C:" */
    return strchr(base, ':') != NULL;
}

bool os_is_separator(char c)
{
    return c == '/' || c == '\\';
}

/* Where the last component of path starts (after a drive's "C:" when there is no separator). */
static size_t last_component(const char *path, size_t len)
{
    size_t start = len;
    while (start > 0 && !os_is_separator(path[start - 1])) {
        start--;
    }
    if (start == 0 && len >= 2 && path[1] == ':') {
        start = 2;
    }
    return start;
}

void os_dirname(const char *path, char *out, size_t size)
{
    size_t len = strlen(path);
    while (len > 1 && os_is_separator(path[len - 1])) {
        len--;
    }
    size_t start = last_component(path, len);
    size_t end = start;
    while (end > 1 && os_is_separator(path[end - 1]) && !(end == 3 && path[1] == ':')) {
        end--;
    }
    if (start == 0) {
        snprintf(out, size, ".");
    } else {
        snprintf(out, size, "%.*s", (int)end, path);
    }
}

void os_basename(const char *path, char *out, size_t size)
{
    size_t len = strlen(path);
    while (len > 1 && os_is_separator(path[len - 1])) {
        len--;
    }
    size_t start = last_component(path, len);
    snprintf(out, size, "%.*s", (int)(len - start), path + start);
}

/* The length of a full path's root, separator included: "C:\", "\\server\share\" (\\?\ too). */
static size_t root_length(const char *p)
{
    size_t skip = strncmp(p, "\\\\?\\UNC\\", 8) == 0 ? 8 : strncmp(p, "\\\\?\\", 4) == 0 ? 4 : 0;
    if (skip != 8 && p[skip] && p[skip + 1] == ':') {
        return skip + 2 + os_is_separator(p[skip + 2]);
    }
    if (skip == 0 && !(os_is_separator(p[0]) && os_is_separator(p[1]))) {
        return 0;
    }
    size_t i = skip ? skip : 2;
    for (int seps = 0; p[i] && seps < 2; i++) { /* server\share\ */
        seps += os_is_separator(p[i]);
    }
    return i;
}

int os_resolve(const char *path, char *out, size_t size)
{
    /* first as Windows reads a path it is given: made absolute, '.' and '..' taken as written */
    wchar_t *w = utf16(path);
    DWORD n = w ? GetFullPathNameW(w, 0, NULL, NULL) : 0;
    wchar_t *full = n ? malloc((size_t)n * sizeof(wchar_t)) : NULL;
    char text[OS_PATH_MAX];
    DWORD got = full ? GetFullPathNameW(w, n, full, NULL) : 0;
    int rc = got > 0 && got < n && utf8_into(full, text, sizeof(text)) == 0 ? 0 : -1;
    free(w);
    free(full);
    if (rc != 0) {
        return -1;
    }
    /* then the longest part that exists, its links resolved; the rest as written */
    size_t root = root_length(text), cut = strlen(text);
    for (;;) {
        char saved = text[cut];
        text[cut] = '\0';
        int found = os_realpath(text, out, size);
        text[cut] = saved;
        if (found == 0) {
            break;
        }
        if (cut <= root) { /* not even the drive: all as written */
            return snprintf(out, size, "%s", text) < (int)size ? 0 : -1;
        }
        while (cut > root && !os_is_separator(text[cut - 1])) {
            cut--;
        }
        cut = cut > root ? cut - 1 : root;
    }
    const char *rest = text + cut;
    while (os_is_separator(*rest)) {
        rest++;
    }
    size_t len = strlen(out);
    if (!*rest) {
        return 0;
    }
    const char *sep = len > 0 && os_is_separator(out[len - 1]) ? "" : "\\";
    return snprintf(out + len, size - len, "%s%s", sep, rest) < (int)(size - len) ? 0 : -1;
}

bool os_untrusted_link(const char *path, char *link, size_t size)
{
    (void)path, (void)link, (void)size; /* a link is made by an administrator or a developer */
    return false;
}

/* p in UTF-16 as paths compare: '/' as '\\', no \\?\ (\\?\UNC\server is \\server); malloc'd. */
static wchar_t *comparable(const char *p)
{
    wchar_t *w = utf16(p);
    if (!w) {
        return NULL;
    }
    wchar_t *from = w;
    if (wcsncmp(w, L"\\\\?\\UNC\\", 8) == 0) {
        from = w + 6;
        from[0] = L'\\';
    } else if (wcsncmp(w, L"\\\\?\\", 4) == 0) {
        from = w + 4;
    }
    memmove(w, from, (wcslen(from) + 1) * sizeof(wchar_t));
    for (wchar_t *c = w; *c; c++) {
        *c = *c == L'/' ? L'\\' : *c;
    }
    return w;
}

/* path is root or beneath it: whole components, in any case (as NTFS compares names). */
static bool within(const wchar_t *root, const wchar_t *path)
{
    size_t n = wcslen(root);
    n -= n > 0 && root[n - 1] == L'\\'; /* "C:\" holds "C:\x" */
    return wcslen(path) >= n && (path[n] == L'\\' || path[n] == L'\0') &&
           CompareStringOrdinal(root, (int)n, path, (int)n, TRUE) == CSTR_EQUAL;
}

bool os_path_within(const char *root, const char *path)
{
    wchar_t *r = comparable(root), *p = comparable(path);
    bool in = r && p && within(r, p);
    free(r);
    free(p);
    return in;
}

/* ---- reading and writing ---- */

static int fd_of(HANDLE h, int flags)
{
    int fd = _open_osfhandle((intptr_t)h, flags | _O_BINARY | _O_NOINHERIT);
    if (fd < 0) {
        CloseHandle(h);
        errno = EMFILE;
    }
    return fd;
}

int os_open_read(const char *path)
{
    wchar_t *w = wpath(path);
    if (!w) {
        return -1;
    }
    DWORD attributes = GetFileAttributesW(w);
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        free(w);
        errno = EISDIR;
        return -1;
    }
    HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    DWORD error = GetLastError();
    free(w);
    return h == INVALID_HANDLE_VALUE ? fail(error) : fd_of(h, _O_RDONLY);
}

int os_open_stream(const char *path, os_kind kind)
{
    (void)kind;
    wchar_t *w = wpath(path);
    HANDLE h = w ? CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                               OPEN_EXISTING, 0, NULL)
                 : INVALID_HANDLE_VALUE;
    DWORD error = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        return w ? fail(error) : -1;
    }
    return fd_of(h, _O_WRONLY);
}

os_ssize os_read(int fd, void *buf, size_t len)
{
    return _read(fd, buf, len > INT_MAX ? INT_MAX : (unsigned)len);
}

os_ssize os_write(int fd, const void *buf, size_t len)
{
    return _write(fd, buf, len > INT_MAX ? INT_MAX : (unsigned)len);
}

/* ReadFile or WriteFile at an offset, the handle's position put back afterwards. */
static os_ssize transfer_at(int fd, void *buf, size_t len, uint64_t offset, bool write)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    LARGE_INTEGER zero = {0}, was;
    if (h == INVALID_HANDLE_VALUE || !SetFilePointerEx(h, zero, &was, FILE_CURRENT)) {
        errno = EBADF;
        return -1;
    }
    OVERLAPPED at;
    memset(&at, 0, sizeof(at));
    at.Offset = (DWORD)offset;
    at.OffsetHigh = (DWORD)(offset >> 32);
    DWORD n = 0, want = len > 0x40000000u ? 0x40000000u : (DWORD)len;
    BOOL ok = write ? WriteFile(h, buf, want, &n, &at) : ReadFile(h, buf, want, &n, &at);
    DWORD error = GetLastError();
    SetFilePointerEx(h, was, NULL, FILE_BEGIN);
    if (!ok && !(error == ERROR_HANDLE_EOF && !write)) {
        return fail(error);
    }
    return (os_ssize)n;
}

os_ssize os_pread(int fd, void *buf, size_t len, uint64_t offset)
{
    return transfer_at(fd, buf, len, offset, false);
}

os_ssize os_pwrite(int fd, const void *buf, size_t len, uint64_t offset)
{
    return transfer_at(fd, (void *)buf, len, offset, true);
}

int os_rewind(int fd)
{
    return _lseeki64(fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

int os_close(int fd)
{
    return _close(fd);
}

bool os_isatty(int fd)
{
    DWORD mode; /* _isatty() says yes to NUL too: only a console is a terminal */
    return GetConsoleMode((HANDLE)_get_osfhandle(fd), &mode) != 0;
}

void os_read_ahead(int fd)
{
    (void)fd; /* FILE_FLAG_SEQUENTIAL_SCAN at the open */
}

/* ---- files beneath a folder (what a server serves) ---- */

int os_open_folder(const char *path)
{
    wchar_t *w = wpath(path);
    HANDLE h = w ? CreateFileW(w, FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                               OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL)
                 : INVALID_HANDLE_VALUE;
    DWORD error = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        return w ? fail(error) : -1;
    }
    BY_HANDLE_FILE_INFORMATION fi;
    if (!GetFileInformationByHandle(h, &fi) || !(fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        CloseHandle(h);
        errno = ENOTDIR;
        return -1;
    }
    return fd_of(h, _O_RDONLY);
}

/*
 * A name Windows takes as written: no device (CON, NUL.txt, COM1), no stream ("file:stream"), no
 * trailing dot or space (which it drops), none of the characters it keeps for itself.
 */
static bool plain_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || name[n - 1] == '.' || name[n - 1] == ' ' || os_reserved_name(name)) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || strchr("<>:\"|?*\\/", *p)) {
            return false;
        }
    }
    return true;
}

/*
 * name in the folder at, opened the way openat opens: relative to the folder's handle, the name
 * as written (NtCreateFile: no '..', no device names), a link itself and not where it leads
 * (as_link). NULL with *error.
 */
static HANDLE open_at(HANDLE at, const wchar_t *name, bool folder, bool as_link, DWORD *error)
{
    UNICODE_STRING us;
    us.Buffer = (PWSTR)name;
    us.Length = us.MaximumLength = (USHORT)(wcslen(name) * sizeof(wchar_t));
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &us, OBJ_CASE_INSENSITIVE, at, NULL);
    IO_STATUS_BLOCK io;
    HANDLE h = NULL;
    ULONG options = FILE_SYNCHRONOUS_IO_NONALERT |
                    (folder ? FILE_DIRECTORY_FILE : FILE_NON_DIRECTORY_FILE) |
                    (as_link ? FILE_OPEN_REPARSE_POINT : 0);
    NTSTATUS st = NtCreateFile(
        &h, (folder ? FILE_TRAVERSE : FILE_READ_DATA) | FILE_READ_ATTRIBUTES | SYNCHRONIZE, &oa,
        &io, NULL, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN, options,
        NULL, 0);
    if (st < 0) {
        *error = RtlNtStatusToDosError(st);
        return NULL;
    }
    return h;
}

static bool same_handle_file(HANDLE a, HANDLE b)
{
    BY_HANDLE_FILE_INFORMATION fa, fb;
    return GetFileInformationByHandle(a, &fa) && GetFileInformationByHandle(b, &fb) &&
           fa.dwVolumeSerialNumber == fb.dwVolumeSerialNumber &&
           fa.nFileIndexHigh == fb.nFileIndexHigh && fa.nFileIndexLow == fb.nFileIndexLow;
}

/*
 * One component beneath at: a link, junction or mount point is refused (ELOOP). A file whose data
 * a filter provides (deduplicated, compressed, a cloud placeholder) is a reparse point too: it is
 * opened again to be read through the filter, and must be the same file. NULL with errno.
 */
static HANDLE open_component(HANDLE at, const char *name, bool folder)
{
    if (!plain_name(name)) {
        errno = EINVAL;
        return NULL;
    }
    wchar_t *w = utf16(name);
    DWORD error = ERROR_INVALID_NAME;
    HANDLE h = w && wcslen(w) < 32768 ? open_at(at, w, folder, true, &error) : NULL;
    FILE_ATTRIBUTE_TAG_INFO tag = {0};
    if (h && !GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag, sizeof(tag))) {
        error = GetLastError();
        CloseHandle(h);
        h = NULL;
    }
    bool link = false;
    if (h && (tag.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
        HANDLE again = NULL;
        link = IsReparseTagNameSurrogate(tag.ReparseTag);
        if (!link && (again = open_at(at, w, folder, false, &error)) &&
            !same_handle_file(h, again)) {
            CloseHandle(again); /* swapped for another file meanwhile */
            again = NULL;
            link = true;
        }
        CloseHandle(h);
        h = again;
    }
    free(w);
    if (!h) {
        if (link) {
            errno = ELOOP;
        } else {
            fail(error);
        }
    }
    return h;
}

/* The path a handle's file has now, as the system names it (\Device\...); malloc'd, or NULL. */
static wchar_t *final_path(HANDLE h)
{
    DWORD flags = FILE_NAME_NORMALIZED | VOLUME_NAME_NT;
    DWORD n = GetFinalPathNameByHandleW(h, NULL, 0, flags);
    wchar_t *p = n ? malloc(((size_t)n + 1) * sizeof(wchar_t)) : NULL;
    DWORD got = p ? GetFinalPathNameByHandleW(h, p, n + 1, flags) : 0;
    if (p && (got == 0 || got > n)) { /* failed, or it grew meanwhile */
        free(p);
        p = NULL;
    }
    return p;
}

int os_open_beneath(int dir, const char *rel)
{
    HANDLE root = (HANDLE)_get_osfhandle(dir);
    char path[OS_PATH_MAX];
    if (root == INVALID_HANDLE_VALUE ||
        snprintf(path, sizeof(path), "%s", rel) >= (int)sizeof(path)) {
        errno = root == INVALID_HANDLE_VALUE ? EBADF : ENAMETOOLONG;
        return -1;
    }
    HANDLE at = root, h = NULL;
    char *save = NULL;
    char *part = strtok_r(path, "/", &save);
    errno = EINVAL; /* "": the folder itself */
    while (part) {
        char *next = strtok_r(NULL, "/", &save);
        h = open_component(at, part, next != NULL);
        int e = errno;
        if (at != root) {
            CloseHandle(at);
        }
        errno = e;
        if (!h || !next) {
            break;
        }
        at = h;
        h = NULL;
        part = next;
    }
    if (!h) {
        return -1;
    }
    /* what was opened lies beneath the folder, whatever was renamed meanwhile */
    wchar_t *root_path = final_path(root), *file_path = final_path(h);
    bool inside = root_path && file_path && within(root_path, file_path);
    free(root_path);
    free(file_path);
    if (!inside || GetFileType(h) != FILE_TYPE_DISK) {
        CloseHandle(h);
        errno = EACCES;
        return -1;
    }
    return fd_of(h, _O_RDONLY);
}

/* ---- files written whole, then moved into place ---- */

int os_temp_create(const char *target, char *path, size_t size)
{
    PSECURITY_DESCRIPTOR sd = os_private_descriptor();
    SECURITY_ATTRIBUTES sa = {sizeof(sa), sd, FALSE};
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        if (os_sibling_name(target, path, size) != 0) {
            break;
        }
        wchar_t *w = wpath(path);
        /* FILE_SHARE_DELETE: a Ctrl-C handler can remove it while it is open */
        HANDLE h = w ? CreateFileW(w, GENERIC_READ | GENERIC_WRITE | DELETE,
                                   FILE_SHARE_READ | FILE_SHARE_DELETE, sd ? &sa : NULL, CREATE_NEW,
                                   FILE_ATTRIBUTE_HIDDEN, NULL)
                     : INVALID_HANDLE_VALUE;
        DWORD error = GetLastError();
        free(w);
        if (h != INVALID_HANDLE_VALUE) {
            fd = fd_of(h, _O_RDWR);
        } else if (!w || error != ERROR_FILE_EXISTS) {
            if (w) {
                fail(error);
            }
            break;
        }
    }
    if (sd) {
        LocalFree(sd);
    }
    if (fd < 0) {
        path[0] = '\0';
    }
    return fd;
}

int os_temp_name(int fd, const char *target, char *path, size_t size)
{
    (void)fd, (void)target, (void)path, (void)size;
    errno = ENOSYS; /* every temporary file has a name from the start */
    return -1;
}

int os_temp_finish(int fd, unsigned mode, bool private_file)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    BOOL ok = FlushFileBuffers(h);
    DWORD error = GetLastError();
    FILE_BASIC_INFO basic;
    if (ok && GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof(basic))) {
        basic.FileAttributes &= ~(DWORD)FILE_ATTRIBUTE_HIDDEN; /* seen once it has its name */
        if (!(mode & 0222)) {
            basic.FileAttributes |= FILE_ATTRIBUTE_READONLY;
        }
        if (basic.FileAttributes == 0) {
            basic.FileAttributes = FILE_ATTRIBUTE_NORMAL;
        }
        SetFileInformationByHandle(h, FileBasicInfo, &basic, sizeof(basic));
    }
    if (ok && !private_file) {
        /* the folder's inherited rights, as any new file there gets them */
        ACL empty;
        InitializeAcl(&empty, sizeof(empty), ACL_REVISION);
        /* (where that cannot be done, the file stays its owner's alone: safe, if narrow) */
        SetSecurityInfo(h, SE_FILE_OBJECT,
                        DACL_SECURITY_INFORMATION | UNPROTECTED_DACL_SECURITY_INFORMATION, NULL,
                        NULL, &empty, NULL);
    }
    if (_close(fd) != 0 && ok) {
        return -1;
    }
    return ok ? 0 : fail(error);
}

/*
 * Why a file at w cannot be replaced, when MoveFileExW said "access denied": read-only (EACCES),
 * held open by another program (EBUSY), or not ours to replace (EACCES).
 */
static int why_not_replaced(const wchar_t *w, DWORD error)
{
    DWORD attributes = GetFileAttributesW(w);
    if (error == ERROR_ACCESS_DENIED && attributes != INVALID_FILE_ATTRIBUTES &&
        !(attributes & FILE_ATTRIBUTE_READONLY)) {
        /* open it as the move would: a program sharing no delete keeps it where it is */
        HANDLE h = CreateFileW(w, DELETE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                               NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
        if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION) {
            error = ERROR_SHARING_VIOLATION;
        } else if (h != INVALID_HANDLE_VALUE) {
            CloseHandle(h);
        }
    }
    return fail(error);
}

bool os_replace_refused(const char *path)
{
    wchar_t *w = wpath(path);
    DWORD attributes = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_READONLY);
}

int os_replace(const char *from, const char *to)
{
    wchar_t *wf = wpath(from), *wt = wpath(to);
    int rc = -1;
    if (wf && wt) {
        if (os_replace_refused(to)) {
            rc = fail(ERROR_ACCESS_DENIED); /* read-only: as Windows' own programs, not replaced */
        } else if (MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
            rc = 0;
        } else {
            rc = why_not_replaced(wt, GetLastError());
        }
    }
    free(wf);
    free(wt);
    return rc;
}

int os_move_new(const char *from, const char *to)
{
    wchar_t *wf = wpath(from), *wt = wpath(to);
    BOOL ok = wf && wt && MoveFileExW(wf, wt, MOVEFILE_WRITE_THROUGH);
    DWORD error = GetLastError();
    int rc = ok ? 0 : wf && wt ? fail(error) : -1;
    free(wf);
    free(wt);
    return rc;
}

int os_hardlink(const char *from, const char *to)
{
    wchar_t *wf = wpath(from), *wt = wpath(to);
    BOOL ok = wf && wt && CreateHardLinkW(wt, wf, NULL);
    DWORD error = GetLastError();
    int rc = ok ? 0 : wf && wt ? fail(error) : -1;
    free(wf);
    free(wt);
    return rc;
}

int os_unlink(const char *path)
{
    wchar_t *w = wpath(path);
    BOOL ok = w && DeleteFileW(w);
    DWORD error = GetLastError();
    free(w);
    return ok ? 0 : w ? fail(error) : -1;
}

int os_mkdir(const char *path, unsigned mode)
{
    wchar_t *w = wpath(path);
    /* a folder for secrets (0700) is its owner's alone */
    PSECURITY_DESCRIPTOR sd = (mode & 077) == 0 ? os_private_descriptor() : NULL;
    SECURITY_ATTRIBUTES sa = {sizeof(sa), sd, FALSE};
    BOOL ok = w && CreateDirectoryW(w, sd ? &sa : NULL);
    DWORD error = GetLastError();
    if (sd) {
        LocalFree(sd);
    }
    free(w);
    return ok ? 0 : w ? fail(error) : -1;
}

int os_spool_create(void)
{
    wchar_t dir[MAX_PATH + 1], name[MAX_PATH + 1];
    if (!GetTempPathW(MAX_PATH + 1, dir) || !GetTempFileNameW(dir, L"eei", 0, name)) {
        return fail(GetLastError());
    }
    PSECURITY_DESCRIPTOR sd = os_private_descriptor();
    SECURITY_ATTRIBUTES sa = {sizeof(sa), sd, FALSE};
    HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, sd ? &sa : NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    DWORD error = GetLastError();
    if (sd) {
        LocalFree(sd);
    }
    return h == INVALID_HANDLE_VALUE ? fail(error) : fd_of(h, _O_RDWR);
}

/* ---- the process ---- */

void os_init(int *argc, char ***argv)
{
    int n = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    char **args = wargv ? calloc((size_t)n + 1, sizeof(char *)) : NULL;
    for (int i = 0; args && i < n; i++) {
        args[i] = utf8_dup(wargv[i]);
        if (!args[i]) { /* not representable: keep what the C runtime gave */
            free(args);
            args = NULL;
        }
    }
    if (args) { /* kept for the life of the process, as argv is */
        *argc = n;
        *argv = args;
    }
    if (wargv) {
        LocalFree(wargv);
    }
    _setmode(0, _O_BINARY);
    _setmode(1, _O_BINARY);
    _setmode(2, _O_BINARY); /* messages end with "\n" as everywhere: the same bytes to parse */
    SetConsoleOutputCP(CP_UTF8);
    DWORD mode;
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    if (GetConsoleMode(err, &mode)) { /* the progress line's "\r\033[K" */
        SetConsoleMode(err, mode | 0x0004 /* ENABLE_VIRTUAL_TERMINAL_PROCESSING */);
    }
}

static void (*stop_cleanup)(void);
static void (*interrupt_handler)(int sig);
static volatile LONG interrupted;

static BOOL WINAPI on_console_event(DWORD event)
{
    int sig = event == CTRL_C_EVENT ? SIGINT : event == CTRL_BREAK_EVENT ? SIGTERM : SIGHUP;
    if (interrupt_handler && InterlockedExchange(&interrupted, 1) == 0 &&
        (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT)) {
        interrupt_handler(sig); /* stop between steps; a second request ends it */
        return TRUE;
    }
    if (stop_cleanup) {
        stop_cleanup();
    }
    ExitProcess(128 + (UINT)sig);
    return TRUE;
}

void os_on_stop(void (*cleanup)(void))
{
    stop_cleanup = cleanup;
    SetConsoleCtrlHandler(on_console_event, TRUE);
}

void os_on_interrupt(void (*handler)(int sig))
{
    interrupt_handler = handler;
    SetConsoleCtrlHandler(on_console_event, TRUE);
}

const char *os_signal_name(int sig)
{
    return sig == SIGINT    ? "Interrupt (Ctrl-C)"
           : sig == SIGTERM ? "Terminated (Ctrl-Break)"
                            : "Hangup (the console closed)";
}

void os_end_as(int sig)
{
    fflush(NULL);
    ExitProcess(128 + (UINT)sig);
}

const char *os_getenv(const char *name)
{
    /* one UTF-8 copy per name asked for, kept: the environment is read a few times at most */
    static struct {
        char name[64];
        char *value;
    } seen[16];
    static int nseen;
    for (int i = 0; i < nseen; i++) {
        if (strcmp(seen[i].name, name) == 0) {
            return seen[i].value;
        }
    }
    wchar_t *w = utf16(name);
    const wchar_t *value = w ? _wgetenv(w) : NULL;
    char *utf8 = value ? utf8_dup(value) : NULL;
    free(w);
    if (nseen < 16 && strlen(name) < sizeof(seen[0].name)) {
        snprintf(seen[nseen].name, sizeof(seen[nseen].name), "%s", name);
        seen[nseen++].value = utf8;
    }
    return utf8;
}

int os_random(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ULONG chunk = n > 0x10000000u ? 0x10000000u : (ULONG)n;
        if (BCryptGenRandom(NULL, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
            errno = EIO;
            return -1;
        }
        p += chunk;
        n -= chunk;
    }
    return 0;
}

int os_cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (int)si.dwNumberOfProcessors : 1;
}

double os_now(void)
{
    LARGE_INTEGER t, f;
    QueryPerformanceCounter(&t);
    QueryPerformanceFrequency(&f);
    return (double)t.QuadPart / (double)f.QuadPart;
}

void os_sleep_ms(unsigned ms)
{
    Sleep(ms);
}
