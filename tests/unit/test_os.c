/*
 * The operating system under the programs (programs/common/os.h), on the system it is built
 * for: paths taken apart, Windows' device names, files written beside their target and moved
 * into place, reads and writes at an offset that leave the position alone, UTF-8 names. On
 * Windows, who may open a private file. Run in a scratch folder: its argument.
 */
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"

#ifdef _WIN32
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#define SEP "\\"
#else
#include <unistd.h>
#define SEP "/"
#endif

static void check_names(void)
{
    char out[OS_PATH_MAX];
    os_dirname("dir/file.bin", out, sizeof(out));
    CHECK(strcmp(out, "dir") == 0);
    os_dirname("file.bin", out, sizeof(out));
    CHECK(strcmp(out, ".") == 0);
    os_dirname("/file.bin", out, sizeof(out));
    CHECK(strcmp(out, "/") == 0);
    os_dirname("a/b/", out, sizeof(out));
    CHECK(strcmp(out, "a") == 0);
    os_basename("a/b/c.pem", out, sizeof(out));
    CHECK(strcmp(out, "c.pem") == 0);
    os_basename("a/b/", out, sizeof(out));
    CHECK(strcmp(out, "b") == 0);
    CHECK(os_is_separator('/'));
#ifdef _WIN32
    os_dirname("C:\\keys\\dev.pem", out, sizeof(out));
    CHECK(strcmp(out, "C:\\keys") == 0);
    os_dirname("C:\\dev.pem", out, sizeof(out));
    CHECK(strcmp(out, "C:\\") == 0);
    os_dirname("C:dev.pem", out, sizeof(out));
    CHECK(strcmp(out, "C:") == 0);
    os_basename("keys\\dev.pem", out, sizeof(out));
    CHECK(strcmp(out, "dev.pem") == 0);
    os_dirname("keys/sub\\dev.pem", out, sizeof(out)); /* both separators, mixed */
    CHECK(strcmp(out, "keys/sub") == 0);
    CHECK(os_is_separator('\\'));
    /* the names Windows keeps for devices, in any folder, with any extension */
    CHECK(os_reserved_name("NUL"));
    CHECK(os_reserved_name("nul.txt"));
    CHECK(os_reserved_name("out\\CON"));
    CHECK(os_reserved_name("out/aux.img"));
    CHECK(os_reserved_name("COM1"));
    CHECK(os_reserved_name("lpt9.bin"));
    /* Windows takes the superscript digits for digits there: COM¹, LPT³.txt are devices too */
    CHECK(os_reserved_name("COM\xc2\xb9"));
    CHECK(os_reserved_name("out\\lpt\xc2\xb3.txt"));
    CHECK(os_reserved_name("com\xc2\xb2 .img"));
    CHECK(!os_reserved_name("COM\xc2\xb4")); /* an acute accent, no digit */
    CHECK(!os_reserved_name("COM\xc2\xb9\xc2\xb9"));
    CHECK(!os_reserved_name("COM10"));
    CHECK(!os_reserved_name("null.txt"));
    CHECK(!os_reserved_name("console.img"));
    CHECK(!os_reserved_name("NUL\\app.bin")); /* a folder of that name is no device */
#else
    CHECK(!os_is_separator('\\'));
    CHECK(!os_reserved_name("NUL"));
    CHECK(!os_reserved_name("con.txt"));
#endif
}

/* The name beside a file for a file standing in for it: ".NAME.xxxxxx", in its folder. */
static void check_sibling_names(void)
{
    char out[OS_PATH_MAX];
    CHECK(os_sibling_name("dir/app.bin", out, sizeof(out)) == 0);
    CHECK(strncmp(out, "dir/.app.bin.", 13) == 0 && strlen(out) == 19);
    CHECK(os_sibling_name("app.bin", out, sizeof(out)) == 0 &&
          strncmp(out, "./.app.bin.", 11) == 0);
    char again[OS_PATH_MAX];
    CHECK(os_sibling_name("app.bin", again, sizeof(again)) == 0 && strcmp(out, again) != 0);
    /* a long name: its first 200 bytes, cut before a character of several bytes */
    char name[260] = {0};
    memset(name, 'a', 199);
    memcpy(name + 199, "\xc3\xa9\xc3\xa9.bin", 8); /* "é" starts at byte 199 */
    CHECK(os_sibling_name(name, out, sizeof(out)) == 0);
    CHECK(strncmp(out, "./.", 3) == 0 && out[3 + 199] == '.' && strlen(out) == 3 + 199 + 7);
    CHECK(os_sibling_name("app.bin", out, 8) != 0 && errno == ENAMETOOLONG);
#ifdef _WIN32
    /* "C:app.bin" is in the current folder of drive C:, not at its root */
    CHECK(os_sibling_name("C:app.bin", out, sizeof(out)) == 0 &&
          strncmp(out, "C:.app.bin.", 11) == 0);
    CHECK(os_sibling_name("C:\\app.bin", out, sizeof(out)) == 0 &&
          strncmp(out, "C:\\.app.bin.", 12) == 0);
#endif
}

static int write_file(const char *path, const char *text)
{
    char tmp[OS_PATH_MAX];
    int fd = os_temp_create(path, tmp, sizeof(tmp));
    if (fd < 0) {
        return -1;
    }
#ifdef __linux__
    if (!tmp[0] && os_temp_name(fd, path, tmp, sizeof(tmp)) != 0) {
        os_close(fd);
        return -1;
    }
#endif
    if (os_write(fd, text, strlen(text)) != (os_ssize)strlen(text)) {
        os_close(fd);
        os_unlink(tmp);
        return -1;
    }
    return os_temp_finish(fd, 0644, false) == 0 ? os_replace(tmp, path) : -1;
}

static bool has_text(const char *path, const char *text)
{
    char buf[256] = {0};
    int fd = os_open_read(path);
    os_ssize n = fd >= 0 ? os_read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0) {
        os_close(fd);
    }
    return n == (os_ssize)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

static void check_files(void)
{
    /* a name in UTF-8 with a space, made, replaced, measured, read back */
    const char *name = "d\xc3\xa9j\xc3\xa0 vu.bin";
    CHECK(write_file(name, "first") == 0);
    CHECK(has_text(name, "first"));
    CHECK(write_file(name, "second, longer") == 0);
    CHECK(has_text(name, "second, longer"));
    os_info info;
    CHECK(os_stat(name, &info) == 0 && info.kind == OS_FILE && info.size == 14);
    CHECK(os_stat("no such file", &info) != 0 && info.kind == OS_MISSING && errno == ENOENT);
    CHECK(os_same_file(name, "." SEP "d\xc3\xa9j\xc3\xa0 vu.bin"));

    /* a new name only: an existing one is not replaced */
    CHECK(write_file("other.bin", "other") == 0);
    char tmp[OS_PATH_MAX];
    int fd = os_temp_create("other.bin", tmp, sizeof(tmp));
    CHECK(fd >= 0);
#ifdef __linux__
    CHECK(fd < 0 || tmp[0] || os_temp_name(fd, "other.bin", tmp, sizeof(tmp)) == 0);
#endif
    CHECK(fd < 0 || os_temp_finish(fd, 0644, false) == 0);
    CHECK(os_move_new(tmp, "other.bin") != 0 && errno == EEXIST);
    CHECK(has_text("other.bin", "other"));
    CHECK(os_move_new(tmp, "third.bin") == 0);
    CHECK(os_stat("third.bin", &info) == 0 && info.kind == OS_FILE && info.size == 0);

    /* a folder is one, and is not opened for reading */
    CHECK(os_mkdir("sub", 0755) == 0);
    CHECK(os_stat("sub", &info) == 0 && info.kind == OS_DIRECTORY);
    CHECK(os_open_read("sub") < 0 && errno == EISDIR);
    CHECK(os_mkdir("sub", 0755) != 0 && errno == EEXIST);

    /* a hard link is the same file */
    CHECK(os_hardlink("other.bin", "sub" SEP "again.bin") == 0);
    CHECK(os_same_file("other.bin", "sub/again.bin"));
    CHECK(!os_same_file("other.bin", "third.bin"));
    CHECK(os_unlink("sub/again.bin") == 0);
    CHECK(os_unlink("sub/again.bin") != 0 && errno == ENOENT);

    /* the absolute path of a file, whatever way it was named */
    char real[OS_PATH_MAX], real2[OS_PATH_MAX];
    CHECK(os_realpath("sub/../other.bin", real, sizeof(real)) == 0);
    CHECK(os_realpath("other.bin", real2, sizeof(real2)) == 0 && strcmp(real, real2) == 0);
    CHECK(os_same_file(real, "other.bin"));
}

/* pread and pwrite at an offset leave the position where read and write go on from */
static void check_offsets(void)
{
    CHECK(write_file("offsets.bin", "0123456789") == 0);
    int fd = os_open_read("offsets.bin");
    char buf[8] = {0};
    CHECK(fd >= 0);
    CHECK(os_read(fd, buf, 2) == 2 && memcmp(buf, "01", 2) == 0);
    CHECK(os_pread(fd, buf, 3, 7) == 3 && memcmp(buf, "789", 3) == 0);
    CHECK(os_pread(fd, buf, 3, 10) == 0); /* at the end: nothing, no error */
    CHECK(os_read(fd, buf, 2) == 2 && memcmp(buf, "23", 2) == 0);
    CHECK(os_close(fd) == 0);

    int spool = os_spool_create();
    CHECK(spool >= 0);
    CHECK(os_pwrite(spool, "world", 5, 6) == 5);
    CHECK(os_pwrite(spool, "hello ", 6, 0) == 6);
    CHECK(os_rewind(spool) == 0);
    memset(buf, 0, sizeof(buf));
    char all[12] = {0};
    CHECK(os_read(spool, all, sizeof(all)) == 11 && memcmp(all, "hello world", 11) == 0);
    CHECK(os_close(spool) == 0);
}

#ifdef _WIN32
/* A private file: a protected DACL that grants the user running this alone, read back. */
static void check_private(void)
{
    char tmp[OS_PATH_MAX];
    int fd = os_temp_create("private.key", tmp, sizeof(tmp));
    CHECK(fd >= 0);
    CHECK(fd < 0 || os_temp_finish(fd, 0600, true) == 0);
    CHECK(os_replace(tmp, "private.key") == 0);
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    CHECK(GetNamedSecurityInfoW(L"private.key", SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                                NULL, &dacl, NULL, &sd) == ERROR_SUCCESS);
    wchar_t *sddl = NULL;
    ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                         DACL_SECURITY_INFORMATION, &sddl, NULL);
    bool wine = GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != NULL;
    if (wine) { /* Wine keeps no DACL on files: what was asked for is checked instead */
        printf("note: under Wine, which keeps no DACL on files (it reads %ls); checking the "
               "descriptor the file was created with\n",
               sddl ? sddl : L"?");
        LocalFree(sd);
        sd = os_private_descriptor();
        CHECK(sd != NULL);
        LocalFree(sddl);
        sddl = NULL;
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &sddl, NULL);
        BOOL present = FALSE, defaulted = FALSE;
        GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
    }
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision;
    CHECK(sd && GetSecurityDescriptorControl(sd, &control, &revision));
    CHECK(control & SE_DACL_PROTECTED);
    ACL_SIZE_INFORMATION size = {0};
    CHECK(dacl && GetAclInformation(dacl, &size, sizeof(size), AclSizeInformation));
    CHECK(size.AceCount == 1);
    union {
        TOKEN_USER user;
        BYTE room[256];
    } me;
    HANDLE token;
    DWORD len;
    CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) &&
          GetTokenInformation(token, TokenUser, &me, sizeof(me), &len));
    ACCESS_ALLOWED_ACE *ace = NULL;
    CHECK(size.AceCount == 1 && GetAce(dacl, 0, (void **)&ace));
    CHECK(ace && ace->Header.AceType == ACCESS_ALLOWED_ACE_TYPE &&
          EqualSid(&ace->SidStart, me.user.User.Sid));
    printf("private.key: %ls\n", sddl ? sddl : L"?");
    LocalFree(sddl);
    LocalFree(sd);
}
#endif

int main(int argc, char **argv)
{
    os_init(&argc, &argv);
    /* a new folder of its own in FOLDER, for every run */
    char dir[OS_PATH_MAX];
    uint8_t r[4] = {0};
    os_random(r, sizeof(r));
    snprintf(dir, sizeof(dir), "%s" SEP "os-%02x%02x%02x%02x", argc == 2 ? argv[1] : ".", r[0],
             r[1], r[2], r[3]);
    if (argc != 2 || (os_mkdir(argv[1], 0700) != 0 && errno != EEXIST) ||
        os_mkdir(dir, 0700) != 0 ||
#ifdef _WIN32
        !SetCurrentDirectoryA(dir)
#else
        chdir(dir) != 0
#endif
    ) {
        fprintf(stderr, "usage: test_os SCRATCH_FOLDER\n");
        return 2;
    }
    check_names();
    check_sibling_names();
    check_files();
    check_offsets();
#ifdef _WIN32
    check_private();
#endif
    return check_summary();
}
