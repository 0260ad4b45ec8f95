#include "cli/key_file.h"

#include <stdlib.h>
#include <string.h>

#include "cli/fileio.h"

#define KEY_FILE_MAX (64u * 1024u)
#define PASSPHRASE_MAX 1024u

static bool is_pem(const uint8_t *data, size_t len)
{
    static const char begin[] = "-----BEGIN";
    return len >= sizeof(begin) - 1 && memmem(data, len, begin, sizeof(begin) - 1) != NULL;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The first line of the passphrase file, without its line ending. */
static int read_passphrase(const char *path, char **out, eei_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (file_read_all(path, PASSPHRASE_MAX, &data, &len, err) != 0) {
        eei_error_prefix(err, "passphrase file");
        return -1;
    }
    size_t line = 0;
    while (line < len && data[line] != '\n' && data[line] != '\r') {
        line++;
    }
    char *pass = malloc(line + 1);
    if (pass) {
        memcpy(pass, data, line);
        pass[line] = '\0';
    }
    crypto_wipe(data, len);
    free(data);
    if (!pass) {
        return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
    }
    *out = pass;
    return 0;
}

static int load_from_bytes(const char *path, const uint8_t *data, size_t len,
                           const key_options *opts, eei_key **out, eei_error *err)
{
    if (!is_pem(data, len)) {
        if (len == EEI_HMAC_KEY_SIZE) {
            return crypto_key_from_hmac(data, out, err);
        }
        if (has_suffix(path, ".bin")) {
            return eei_fail(err, EEI_ERR_KEY, "an HMAC key is exactly 32 bytes; this file has %zu",
                            len);
        }
    }
    char *pass = NULL;
    const char *env = getenv("ESP_ENC_IMG_PASSPHRASE");
    if (opts && opts->passphrase_file) {
        if (read_passphrase(opts->passphrase_file, &pass, err) != 0) {
            return -1;
        }
    } else if (env) {
        pass = strdup(env);
        if (!pass) {
            return eei_fail(err, EEI_ERR_SYSTEM, "out of memory");
        }
    }
    int rc = crypto_key_parse(data, len, pass, out, err);
    if (pass) {
        crypto_wipe(pass, strlen(pass));
        free(pass);
    }
    return rc;
}

int key_file_load(const char *path, const key_options *opts, eei_key **out, eei_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (strcmp(path, "-") == 0) {
        return eei_fail(err, EEI_ERR_USAGE, "the key must be a file, not stdin");
    }
    if (file_read_all(path, KEY_FILE_MAX, &data, &len, err) != 0) {
        err->status = EEI_ERR_KEY;
        return -1;
    }
    int rc = load_from_bytes(path, data, len, opts, out, err);
    crypto_wipe(data, len);
    free(data);
    if (rc != 0 && strncmp(err->msg, path, strlen(path)) != 0) {
        eei_error_prefix(err, path);
    }
    return rc;
}

int key_fingerprint(const eei_key *key, uint8_t digest[EEI_SHA256_SIZE], eei_error *err)
{
    uint8_t *der = NULL;
    size_t len = 0;
    crypto_sha256 *sha = NULL;
    if (crypto_key_public_der(key, &der, &len, err) != 0) {
        return -1;
    }
    int rc = crypto_sha256_start(&sha, err);
    if (rc == 0) {
        crypto_sha256_update(sha, der, len);
        crypto_sha256_finish(sha, digest);
        crypto_sha256_free(sha);
    }
    free(der);
    return rc;
}

int key_file_write(const char *path, const uint8_t *data, size_t len, bool secret, bool force,
                   eei_error *err)
{
    output_options opts = {.mode = secret ? 0600 : 0644, .no_clobber = !force, .seekable = false};
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

int key_pair_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                   const char *public_path, const uint8_t *pub, size_t pub_len, bool force,
                   eei_error *err)
{
    output_options so = {.mode = 0600, .no_clobber = !force, .seekable = false};
    output_options po = {.mode = 0644, .no_clobber = !force, .seekable = false};
    output_file s, p;
    if (output_open(&s, secret_path, &so, err) != 0) {
        return -1;
    }
    if (output_open(&p, public_path, &po, err) != 0) {
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
