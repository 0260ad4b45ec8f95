#include "key_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "os.h"

#define LINE_COUNT_MAX (1024u * 1024u) /* how far a first line too long is measured */

int key_secret_file_read(const char *path, const char *what, const char *secret, char **out,
                         size_t *out_size, eei_error *err)
{
    int fd = os_open_read(path);
    if (fd < 0) {
        return eei_fail(err, EEI_ERR_FILE, "%s: %s: %s", what, path, strerror(errno));
    }
    char *line = malloc(EEI_PASSPHRASE_MAX + 1);
    if (!line) {
        os_close(fd);
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    uint8_t chunk[4096];
    size_t len = 0, nul_at = 0; /* nul_at: 1 + the place of the first NUL */
    os_ssize n = 0;
    for (bool end = false; !end && len <= LINE_COUNT_MAX;) {
        /* a byte at a time while it may be the secret; past that only counted, for the message */
        n = os_read(fd, chunk, len <= EEI_PASSPHRASE_MAX ? 1 : sizeof(chunk));
        end = n <= 0;
        for (os_ssize i = 0; i < n; i++) {
            if (chunk[i] == '\n' || chunk[i] == '\r') {
                end = true;
                break;
            }
            if (chunk[i] == 0 && !nul_at) {
                nul_at = len + 1;
            }
            if (len < EEI_PASSPHRASE_MAX) {
                line[len] = (char)chunk[i];
            }
            len++;
        }
    }
    int e = errno;
    os_close(fd);
    eei_wipe(chunk, sizeof(chunk));
    int rc = 0;
    if (n < 0) {
        rc = eei_fail(err, EEI_ERR_FILE, "%s: %s: read failed: %s", what, path, strerror(e));
    } else if (len > LINE_COUNT_MAX) {
        rc = eei_fail(err, EEI_ERR_FILE,
                      "%s: %s: its first line is over %u bytes long, more than the %u a %s may "
                      "have",
                      what, path, LINE_COUNT_MAX, EEI_PASSPHRASE_MAX, secret);
    } else if (len > EEI_PASSPHRASE_MAX) {
        rc = eei_fail(err, EEI_ERR_FILE,
                      "%s: %s: its first line is %zu bytes long, more than the %u a %s may have",
                      what, path, len, EEI_PASSPHRASE_MAX, secret);
    } else if (nul_at) {
        rc = eei_fail(err, EEI_ERR_FILE,
                      "%s: %s: its first line holds a NUL byte (byte %zu), where the %s would "
                      "end: write it as text",
                      what, path, nul_at, secret);
    }
    if (rc != 0) {
        eei_free(line, EEI_PASSPHRASE_MAX + 1);
        return rc;
    }
    line[len] = '\0';
    *out = line;
    *out_size = EEI_PASSPHRASE_MAX + 1;
    return 0;
}

int key_passphrase_file_empty(void *ctx, const char *key_name, char *buf, size_t size,
                              eei_error *err)
{
    (void)key_name;
    (void)buf;
    (void)size;
    return eei_fail(err, EEI_ERR_FILE,
                    "passphrase file: %s: its first line is empty: write the key's passphrase "
                    "there",
                    (const char *)ctx);
}

int key_passphrase_hint(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err)
{
    (void)key_name;
    (void)buf;
    (void)size;
    if (err) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", (const char *)ctx);
    }
    return -1;
}

int key_file_write(const char *path, const uint8_t *data, size_t len, bool secret, bool text,
                   bool force, eei_error *err)
{
    output_options opts = {.mode = secret ? 0600 : 0644, .no_clobber = !force, .seekable = false};
    opts.text = text;
    output_file out;
    if (output_open(&out, path, &opts, err) != 0) {
        return -1;
    }
    if (output_write(&out, data, len, err) != 0) {
        output_abort(&out);
        return -1;
    }
    return output_commit(&out, err);
}

/* Two files written with so and po, committed together (output_commit_pair). */
static int pair_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                      const output_options *so, const char *public_path, const uint8_t *pub,
                      size_t pub_len, const output_options *po, eei_error *err)
{
    output_file s, p;
    if (output_open(&s, secret_path, so, err) != 0) {
        return -1;
    }
    if (output_open(&p, public_path, po, err) != 0) {
        output_abort(&s);
        return -1;
    }
    if (output_write(&s, secret, secret_len, err) != 0 ||
        output_write(&p, pub, pub_len, err) != 0) {
        output_abort(&s);
        output_abort(&p);
        return -1;
    }
    return output_commit_pair(&s, &p, err);
}

int key_pair_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                   const char *public_path, const uint8_t *pub, size_t pub_len, bool force,
                   eei_error *err)
{
    output_options so = {.mode = 0600, .no_clobber = !force, .seekable = false};
    output_options po = {.mode = 0644, .no_clobber = !force, .seekable = false};
    return pair_write(secret_path, secret, secret_len, &so, public_path, pub, pub_len, &po, err);
}

int key_with_file_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                        const char *file_path, const uint8_t *data, size_t len, bool force,
                        eei_error *err)
{
    output_options so = {.mode = 0600, .no_clobber = true, .seekable = false};
    output_options fo = {.mode = 0644, .no_clobber = !force, .seekable = false};
    return pair_write(secret_path, secret, secret_len, &so, file_path, data, len, &fo, err);
}
