/*
 * What the library's unit tests share (tests/unit/test_*.c of lib/engine): a scratch folder, the
 * vectors' keys, an image encrypted and decrypted in pieces, a recording writer, an app signed
 * and checked. Static inline: a test uses what it needs.
 */
#ifndef EEI_LIB_FIXTURE_H
#define EEI_LIB_FIXTURE_H

#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef _WIN32
#include <direct.h>
#include <io.h>
#endif

#include "esp_enc_img/esp_enc_img.h"

/*
 * A new folder for a test's files, "<TMPDIR or TEMP>/eei-test-NAME.XXXXXX", its path in out
 * (size bytes). False when it could not be made.
 */
static inline bool check_scratch(const char *name, char *out, size_t size)
{
    const char *tmp = getenv("TMPDIR");
#ifdef _WIN32
    tmp = tmp ? tmp : getenv("TEMP");
#endif
    int n = snprintf(out, size, "%s/eei-test-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (n < 0 || (size_t)n >= size) {
        return false;
    }
#ifdef _WIN32
    return _mktemp_s(out, (size_t)n + 1) == 0 && _mkdir(out) == 0;
#else
    return mkdtemp(out) != NULL;
#endif
}

/* The scratch folder gone (on Windows it is left in %TEMP%: no rm there). */
static inline void remove_scratch(const char *dir)
{
#ifdef _WIN32
    (void)dir;
#else
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
#endif
}

/* The vectors folder: main sets it from its argument. */
static const char *vectors;

static inline uint8_t *read_file(const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", vectors, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static inline eei_key *load_key(const char *rel)
{
    size_t len;
    uint8_t *data = read_file(rel, &len);
    eei_key *key = NULL;
    eei_error err;
    eei_status st = eei_key_load(data, len, NULL, &key, &err);
    free(data);
    if (st != EEI_OK) {
        fprintf(stderr, "%s: %s\n", rel, err.msg);
        exit(2);
    }
    return key;
}

/* Encrypt plain into a new buffer (header + ciphertext), a piece at a time. */
static inline uint8_t *encrypt_all(const eei_key *key, const uint8_t *plain, size_t len,
                                   size_t *out_len)
{
    eei_encrypt_ctx *enc = NULL;
    uint8_t *out = malloc(EEI_HEADER_SIZE + len + 1);
    CHECK(eei_encrypt_new(key, &enc, NULL) == EEI_OK);
    /* two uneven pieces: streaming must not depend on the split */
    size_t first = len / 3;
    CHECK(eei_encrypt_update(enc, plain, out + EEI_HEADER_SIZE, first, NULL) == EEI_OK);
    CHECK(eei_encrypt_update(enc, plain + first, out + EEI_HEADER_SIZE + first, len - first,
                             NULL) == EEI_OK);
    CHECK(eei_encrypt_payload_size(enc) == len);
    CHECK(eei_encrypt_final(enc, out, NULL) == EEI_OK);
    eei_encrypt_free(enc);
    *out_len = EEI_HEADER_SIZE + len;
    return out;
}

/* Decrypt img in pieces of `chunk` bytes; the final status. */
static inline eei_status decrypt_all(const eei_key *key, const uint8_t *img, size_t len,
                                     size_t chunk, uint8_t *plain, size_t *plain_len,
                                     eei_error *err)
{
    eei_decrypt_ctx *dec = NULL;
    eei_status st = eei_decrypt_new(key, &dec, err);
    *plain_len = 0;
    for (size_t off = 0; st == EEI_OK && off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        size_t got = 0;
        st = eei_decrypt_update(dec, img + off, n, plain + *plain_len, &got, err);
        *plain_len += got;
    }
    if (st == EEI_OK) {
        st = eei_decrypt_final(dec, err);
    }
    eei_decrypt_free(dec);
    return st;
}

/* A writer that records where each piece went, into a buffer of cap bytes. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    uint8_t *written; /* how often each byte was written */
    size_t calls;
    uint64_t first_offset, last_offset;
    int fail_at_call; /* >0: that call fails */
} recorder;

static inline int record(void *ctx, const uint8_t *data, size_t len, uint64_t offset,
                         eei_error *err)
{
    recorder *r = ctx;
    r->calls++;
    if (r->fail_at_call > 0 && r->calls == (size_t)r->fail_at_call) {
        return eei_fail(err, EEI_ERR_FILE, "disk full (test)");
    }
    if (offset + len > r->cap) {
        return eei_fail(err, EEI_ERR_USAGE, "out of bounds");
    }
    if (r->calls == 1) {
        r->first_offset = offset;
    }
    r->last_offset = offset;
    memcpy(r->buf + offset, data, len);
    for (size_t i = 0; i < len; i++) {
        r->written[offset + i]++;
    }
    return 0;
}

/* The signed app of app (keep: an old sector to keep), in a new buffer. */
static inline uint8_t *sign_all(const eei_key *const *keys, size_t nkeys, const uint8_t *keep,
                                const uint8_t *app, size_t len, size_t *out_len, eei_status *st)
{
    eei_sign_ctx *ctx = NULL;
    uint8_t tail[EEI_SIGN_TAIL_MAX];
    size_t tail_len = 0;
    uint8_t *out = NULL;
    *st = eei_sign_new(keys, nkeys, keep, &ctx, NULL);
    if (*st == EEI_OK) {
        eei_sign_update(ctx, app, len / 2); /* in two pieces */
        eei_sign_update(ctx, app + len / 2, len - len / 2);
        *st = eei_sign_final(ctx, tail, &tail_len, NULL);
    }
    if (*st == EEI_OK) {
        out = malloc(len + tail_len);
        memcpy(out, app, len);
        memcpy(out + len, tail, tail_len);
        *out_len = len + tail_len;
    }
    eei_sign_free(ctx);
    return out;
}

static inline eei_status check_all(const uint8_t *img, size_t len, const eei_key *const *keys,
                                   size_t nkeys, eei_sb_report *rep)
{
    eei_io io = {.data = img, .size = len};
    return eei_sb_check_stream(&io, keys, nkeys, rep, NULL);
}

#endif
