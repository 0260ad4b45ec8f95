/*
 * What the programs give the library to load a key with (programs/common/key_files.c): the
 * first line of a passphrase or PIN file, and the callbacks that answer for a key that turns out
 * to be encrypted when no passphrase was given. Run in a scratch folder: its argument.
 */
#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <unistd.h>
#else
#include <windows.h>
#endif

#include "esp_enc_img/esp_enc_img.h"
#include "key_files.h"
#include "os.h"

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(data, 1, len, f) == len);
    if (f) {
        fclose(f);
    }
}

/* The passphrase file pass.txt: its first line only, LF, CRLF or CR, whatever follows. */
static void check_first_line(void)
{
    static const struct {
        const char *text;
        size_t len;
        const char *want;
    } files[] = {
        {"sesame\nnot this\n", 16, "sesame"},
        {"sesame\r\nnot this", 16, "sesame"},
        {"sesame\rnot this", 15, "sesame"},
        {"sesame", 6, "sesame"}, /* no line end */
        {"\nsesame\n", 8, ""},
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        write_file("pass.txt", files[i].text, files[i].len);
        char *line = NULL;
        size_t size = 0;
        eei_error err;
        CHECK(key_secret_file_read("pass.txt", "passphrase file", "passphrase", &line, &size,
                                   &err) == 0);
        CHECK(line && strcmp(line, files[i].want) == 0 && size == EEI_PASSPHRASE_MAX + 1);
        eei_free(line, size);
    }
}

/* 1024 bytes are the most; longer, or a NUL in it, or no file: refused, and said so. */
static void check_refused(void)
{
    char over[EEI_PASSPHRASE_MAX + 3];
    memset(over, 'x', sizeof(over));
    over[EEI_PASSPHRASE_MAX + 1] = '\n'; /* 1025 bytes, then the line end */
    char *line = NULL;
    size_t size = 0;
    eei_error err;
    write_file("pass.txt", over + 1, EEI_PASSPHRASE_MAX + 1);
    CHECK(key_secret_file_read("pass.txt", "passphrase file", "passphrase", &line, &size, &err) ==
              0 &&
          strlen(line) == EEI_PASSPHRASE_MAX);
    eei_free(line, size);
    line = NULL;
    write_file("pass.txt", over, sizeof(over));
    CHECK(key_secret_file_read("pass.txt", "passphrase file", "passphrase", &line, &size, &err) !=
              0 &&
          !line);
    CHECK(err.status == EEI_ERR_FILE &&
          strstr(err.msg, "passphrase file: pass.txt: its first line is 1025 bytes long, more "
                          "than the 1024 a passphrase may have"));
    write_file("pin.txt",
               "12\0"
               "34\n",
               6);
    CHECK(key_secret_file_read("pin.txt", "PIN file", "PIN", &line, &size, &err) != 0 && !line);
    CHECK(strstr(err.msg, "PIN file: pin.txt: its first line holds a NUL byte (byte 3), where "
                          "the PIN would end"));
    CHECK(key_secret_file_read("none.txt", "PIN file", "PIN", &line, &size, &err) != 0);
    CHECK(err.status == EEI_ERR_FILE && strstr(err.msg, "PIN file: none.txt: "));
}

/* An encrypted key, and the callbacks a program answers with when it has no passphrase. */
static void check_callbacks(void)
{
    eei_key *gen = NULL, *key = NULL;
    uint8_t *pem = NULL;
    size_t pem_len = 0;
    CHECK(eei_key_generate(EEI_KEY_P256, &gen, NULL) == EEI_OK);
    CHECK(eei_key_export_encrypted(gen, "sesame", &pem, &pem_len, NULL) == EEI_OK);
    write_file("k.pem", pem, pem_len);
    eei_free(pem, pem_len);
    eei_error err;
    eei_key_options opts = {.ask_passphrase = key_passphrase_hint, .ask_ctx = "give -p FILE"};
    CHECK(eei_key_load_file("k.pem", &opts, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strncmp(err.msg, "k.pem: ", 7) == 0 && strstr(err.msg, "passphrase-protected") &&
          strstr(err.msg, ": give -p FILE"));
    opts = (eei_key_options){.ask_passphrase = key_passphrase_file_empty, .ask_ctx = "pass.txt"};
    CHECK(eei_key_load_file("k.pem", &opts, &key, &err) == EEI_ERR_FILE && !key);
    CHECK(strstr(err.msg, "passphrase file: pass.txt: its first line is empty") != NULL);
    /* neither is called for a key that is not encrypted */
    CHECK(eei_key_export(gen, EEI_EXPORT_PRIVATE_PEM, &pem, &pem_len, NULL) == EEI_OK);
    write_file("plain.pem", pem, pem_len);
    eei_free(pem, pem_len);
    CHECK(eei_key_load_file("plain.pem", &opts, &key, &err) == EEI_OK && key);
    eei_key_free(key);
    eei_key_free(gen);
}

int main(int argc, char **argv)
{
    os_init(&argc, &argv);
    /* a new folder of its own in FOLDER, for every run */
    char dir[OS_PATH_MAX];
    uint8_t r[4] = {0};
    os_random(r, sizeof(r));
    snprintf(dir, sizeof(dir), "%s/key_files-%02x%02x%02x%02x", argc == 2 ? argv[1] : ".", r[0],
             r[1], r[2], r[3]);
    if (argc != 2 || (os_mkdir(argv[1], 0700) != 0 && errno != EEXIST) ||
        os_mkdir(dir, 0700) != 0 ||
#ifdef _WIN32
        !SetCurrentDirectoryA(dir)
#else
        chdir(dir) != 0
#endif
    ) {
        fprintf(stderr, "usage: test_key_files SCRATCH_FOLDER\n");
        return 2;
    }
    check_first_line();
    check_refused();
    check_callbacks();
    return check_summary();
}
