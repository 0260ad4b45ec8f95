/*
 * libesp_enc_img through its public header, in memory: round trips of both schemes for every
 * key kind, decryption in pieces of any size, every way an image can be wrong, the whole-image
 * functions over callbacks and buffers, keys from memory and files, inspection, errors.
 * argv[1]: the vectors folder (its keys are read at test time).
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef _WIN32
#include <direct.h>
#include <io.h>
#endif

#include "app_fixture.h"
#include "esp_enc_img/esp_enc_img.h"

/*
 * A new folder for a test's files, "<TMPDIR or TEMP>/eei-test-NAME.XXXXXX", its path in out
 * (size bytes). False when it could not be made.
 */
static bool check_scratch(const char *name, char *out, size_t size)
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
static void remove_scratch(const char *dir)
{
#ifdef _WIN32
    (void)dir;
#else
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
#endif
}

static const char *vectors;

static uint8_t *read_file(const char *rel, size_t *len)
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

static eei_key *load_key(const char *rel)
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
static uint8_t *encrypt_all(const eei_key *key, const uint8_t *plain, size_t len, size_t *out_len)
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
static eei_status decrypt_all(const eei_key *key, const uint8_t *img, size_t len, size_t chunk,
                              uint8_t *plain, size_t *plain_len, eei_error *err)
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

static void test_round_trips(const char *label, const eei_key *enc_key, const eei_key *dec_key,
                             eei_scheme scheme)
{
    static const size_t sizes[] = {0, 1, 15, 16, 17, 4096, (1u << 20) + 3};
    static const size_t chunks[] = {1, 7, 16, 512, 4096, 1u << 21};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t len = sizes[s], img_len, plain_len;
        uint8_t *plain = malloc(len + 1);
        for (size_t i = 0; i < len; i++) {
            plain[i] = (uint8_t)(i * 31 + 7);
        }
        uint8_t *img = encrypt_all(enc_key, plain, len, &img_len);
        eei_header h;
        CHECK(eei_header_decode(img, img_len, &h) == EEI_FMT_OK);
        CHECK(h.payload_len == len);
        CHECK(eei_header_scheme(&h) == scheme);
        CHECK(eei_header_reserved_clear(&h));
        uint8_t *back = malloc(len + 1);
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            if (len > 4096 && chunks[c] < 512) {
                continue; /* byte-by-byte over 1 MiB adds time, not coverage */
            }
            eei_error err;
            eei_status st = decrypt_all(dec_key, img, img_len, chunks[c], back, &plain_len, &err);
            CHECK(st == EEI_OK);
            CHECK(plain_len == len);
            CHECK(len == 0 || memcmp(back, plain, len) == 0);
            if (st != EEI_OK) {
                fprintf(stderr, "%s size %zu chunk %zu: %s\n", label, len, chunks[c], err.msg);
            }
        }
        free(back);
        free(img);
        free(plain);
    }
}

/* In place: the image decrypted over itself in one piece, header and all; plaintext from 0. */
static void test_in_place(const eei_key *pub, const eei_key *priv)
{
    uint8_t plain[3000];
    size_t len;
    for (size_t i = 0; i < sizeof(plain); i++) {
        plain[i] = (uint8_t)(i ^ 0x5a);
    }
    uint8_t *img = encrypt_all(pub, plain, sizeof(plain), &len);
    eei_decrypt_ctx *dec = NULL;
    size_t got = 0;
    CHECK(eei_decrypt_new(priv, &dec, NULL) == EEI_OK);
    CHECK(eei_decrypt_update(dec, img, len, img, &got, NULL) == EEI_OK);
    CHECK(eei_decrypt_final(dec, NULL) == EEI_OK);
    CHECK(got == sizeof(plain) && memcmp(img, plain, sizeof(plain)) == 0);
    eei_decrypt_free(dec);
    free(img);
}

/* The image is rejected; the reason given. */
static const char *expect_reject(const eei_key *key, const uint8_t *img, size_t len,
                                 const char *what)
{
    static eei_error err;
    uint8_t *plain = malloc(len + 1);
    size_t plain_len;
    err = (eei_error){EEI_OK, ""};
    eei_status st = decrypt_all(key, img, len, 100, plain, &plain_len, &err);
    CHECK(st == EEI_ERR_REJECTED);
    CHECK(err.status == EEI_ERR_REJECTED);
    if (st != EEI_ERR_REJECTED) {
        fprintf(stderr, "not rejected: %s (%s)\n", what, err.msg);
    }
    free(plain);
    return err.msg;
}

static void test_rejections(const eei_key *key)
{
    uint8_t plain[1000];
    size_t len;
    memset(plain, 0x42, sizeof(plain));
    uint8_t *img = encrypt_all(key, plain, sizeof(plain), &len);
    uint8_t *bad = malloc(len + 1);

    memcpy(bad, img, len);
    bad[len] = 0;
    expect_reject(key, bad, len + 1, "one trailing byte");
    expect_reject(key, img, len - 1, "one byte short");
    CHECK(strcmp(expect_reject(key, img, 511, "header cut"), "shorter than the 512-byte header") ==
          0);
    expect_reject(key, img, 0, "empty");
    /* bytes that are no image say so at their fourth, as on the device, however few follow */
    memset(bad, 0, 100);
    CHECK(strcmp(expect_reject(key, bad, 100, "no image"), "bad magic: not an encrypted image") ==
          0);

    const size_t offsets[] = {
        0, 5, EEI_OFF_IV, EEI_OFF_PAYLOAD_LEN, EEI_OFF_TAG + 15, EEI_HEADER_SIZE, len - 1};
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        memcpy(bad, img, len);
        bad[offsets[i]] ^= 0x01;
        expect_reject(key, bad, len, "one bit flipped");
    }
    /* reserved bytes are not authenticated: the device ignores them */
    memcpy(bad, img, len);
    bad[EEI_OFF_RESERVED] ^= 0xff;
    uint8_t out[1000];
    size_t out_len;
    CHECK(decrypt_all(key, bad, len, 333, out, &out_len, NULL) == EEI_OK);
    free(bad);
    free(img);
}

static void test_fresh_material(const eei_key *key)
{
    uint8_t plain[32] = {0};
    size_t l1, l2;
    uint8_t *a = encrypt_all(key, plain, sizeof(plain), &l1);
    uint8_t *b = encrypt_all(key, plain, sizeof(plain), &l2);
    CHECK(memcmp(a + EEI_OFF_KEY_BLOCK, b + EEI_OFF_KEY_BLOCK, EEI_ECIES_POINT_SIZE) != 0);
    CHECK(memcmp(a + EEI_OFF_IV, b + EEI_OFF_IV, EEI_IV_SIZE) != 0);
    CHECK(memcmp(a + EEI_HEADER_SIZE, b + EEI_HEADER_SIZE, sizeof(plain)) != 0);
    free(a);
    free(b);
}

static void test_public_key_cannot_decrypt(const eei_key *pub)
{
    eei_decrypt_ctx *dec = NULL;
    eei_error err;
    CHECK(eei_decrypt_new(pub, &dec, &err) == EEI_ERR_KEY);
    CHECK(err.status == EEI_ERR_KEY && dec == NULL);
}

/* ---- whole images over callbacks ---- */

/* A writer that records where each piece went, into a buffer of cap bytes. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    uint8_t *written; /* how often each byte was written */
    size_t calls;
    uint64_t first_offset, last_offset;
    int fail_at_call; /* >0: that call fails */
} recorder;

static int record(void *ctx, const uint8_t *data, size_t len, uint64_t offset, eei_error *err)
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

/* A reader of memory in pieces of at most `step` bytes (streams give what they have). */
typedef struct {
    const uint8_t *data;
    size_t size, pos, step;
    bool fail;
} reader;

static int read_some(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    reader *r = ctx;
    if (r->fail && r->pos > 0) {
        return eei_fail(err, EEI_ERR_FILE, "read error (test)");
    }
    /* fewer than cap only at the end, as the contract says: loop over small steps */
    size_t n = 0;
    while (n < cap && r->pos < r->size) {
        size_t take = r->size - r->pos < r->step ? r->size - r->pos : r->step;
        take = take < cap - n ? take : cap - n;
        memcpy(buf + n, r->data + r->pos, take);
        r->pos += take;
        n += take;
    }
    *got = n;
    return 0;
}

typedef struct {
    reader *in;
    recorder *out;
    uint64_t progress;
} both;

static int both_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    return read_some(((both *)ctx)->in, buf, cap, got, err);
}

static int both_write(void *ctx, const uint8_t *data, size_t len, uint64_t offset, eei_error *err)
{
    return record(((both *)ctx)->out, data, len, offset, err);
}

static void both_progress(void *ctx, uint64_t done)
{
    ((both *)ctx)->progress = done;
}

static void test_streams(const eei_key *pub, const eei_key *priv)
{
    size_t len = 3 * EEI_IO_CHUNK + 12345;
    uint8_t *plain = malloc(len);
    for (size_t i = 0; i < len; i++) {
        plain[i] = (uint8_t)(i * 7 + 3);
    }
    size_t img_len = len + EEI_HEADER_SIZE;
    recorder rec = {malloc(img_len), img_len, calloc(img_len, 1), 0, 0, 0, 0};
    reader rd = {plain, len, 0, 1000, false};
    both b = {&rd, &rec, 0};
    eei_io io = {.read = both_read, .write = both_write, .progress = both_progress, .ctx = &b};
    uint64_t payload = 0;
    eei_error err;
    CHECK(eei_encrypt_stream(pub, &io, &payload, &err) == EEI_OK);
    CHECK(payload == len && b.progress == len);
    /* every byte written exactly once; the first page last, at 0; the rest on chunk bounds */
    size_t once = 0;
    for (size_t i = 0; i < img_len; i++) {
        once += rec.written[i] == 1;
    }
    CHECK(once == img_len);
    CHECK(rec.last_offset == 0 && rec.first_offset == 4096);

    /* decrypt it back over callbacks, hashing: every byte once, in order from 0 */
    uint8_t *back = malloc(len);
    recorder out = {back, len, calloc(len, 1), 0, 0, 0, 0};
    reader rd2 = {rec.buf, img_len, 0, 4096, false};
    both b2 = {&rd2, &out, 0};
    eei_io io2 = {.read = both_read, .write = both_write, .progress = both_progress, .ctx = &b2};
    eei_decrypt_result res;
    const eei_decrypt_options hash = {.flags = EEI_HASH_PLAINTEXT};
    CHECK(eei_decrypt_stream(priv, &io2, &hash, &res, &err) == EEI_OK);
    CHECK(res.payload_size == len && res.image_size == img_len && res.header_len == 512);
    CHECK(memcmp(res.header, rec.buf, EEI_HEADER_SIZE) == 0);
    CHECK(memcmp(back, plain, len) == 0);
    size_t written_once = 0;
    for (size_t i = 0; i < len; i++) {
        written_once += out.written[i] == 1;
    }
    CHECK(out.first_offset == 0 && written_once == len);
    CHECK(out.last_offset + EEI_IO_CHUNK >= len && out.last_offset < len);
    uint8_t want[EEI_SHA256_SIZE];
    eei_sha256 *sha = NULL;
    CHECK(eei_sha256_new(&sha, NULL) == EEI_OK);
    eei_sha256_update(sha, plain, len);
    eei_sha256_final(sha, want);
    eei_sha256_free(sha);
    CHECK(res.hashed && memcmp(res.plaintext_sha256, want, sizeof(want)) == 0);

    /* verify: no writer, from memory */
    eei_io mem = {.data = rec.buf, .size = img_len};
    CHECK(eei_decrypt_stream(priv, &mem, NULL, &res, NULL) == EEI_OK && !res.hashed);

    /* a writer that fails stops the work with its own error; so does a reader */
    memset(out.written, 0, len);
    out.calls = 0;
    out.fail_at_call = 2;
    rd2.pos = 0;
    CHECK(eei_decrypt_stream(priv, &io2, NULL, &res, &err) == EEI_ERR_FILE);
    CHECK(strstr(err.msg, "disk full (test)") != NULL);
    rd.pos = 0;
    rd.fail = true;
    rec.fail_at_call = 0;
    CHECK(eei_encrypt_stream(pub, &io, NULL, &err) == EEI_ERR_FILE);
    CHECK(strstr(err.msg, "read error (test)") != NULL);
    /* encryption needs a writer */
    eei_io no_writer = {.data = plain, .size = len};
    CHECK(eei_encrypt_stream(pub, &no_writer, NULL, &err) == EEI_ERR_USAGE);

    free(out.written);
    free(back);
    free(rec.written);
    free(rec.buf);
    free(plain);
}

/* The 32-bit length field: an input past 4 GiB - 1 bytes is refused, not wrapped around. */
static int endless_zeros(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    (void)ctx;
    (void)err;
    (void)buf; /* the content does not matter, and skipping the fill keeps this fast */
    *got = cap;
    return 0;
}

static int discard(void *ctx, const uint8_t *data, size_t len, uint64_t offset, eei_error *err)
{
    (void)ctx, (void)data, (void)len, (void)offset, (void)err;
    return 0;
}

static void test_length_limit(const eei_key *key)
{
    eei_io io = {.read = endless_zeros, .write = discard};
    uint64_t payload = 0;
    eei_error err;
    CHECK(eei_encrypt_stream(key, &io, &payload, &err) == EEI_ERR_FILE);
    CHECK(strstr(err.msg, "4294967295") != NULL);
    CHECK(payload <= EEI_MAX_PAYLOAD);
}

static void test_buffers(const eei_key *pub, const eei_key *priv)
{
    uint8_t plain[5000], img[5000 + EEI_HEADER_SIZE], back[5000];
    size_t img_len = 0, back_len = 0;
    memset(plain, 0x5a, sizeof(plain));
    eei_error err;
    CHECK(eei_encrypt_buffer(pub, plain, sizeof(plain), img, sizeof(img) - 1, &img_len, &err) ==
          EEI_ERR_USAGE);
    CHECK(eei_encrypt_buffer(pub, plain, sizeof(plain), img, sizeof(img), &img_len, &err) ==
          EEI_OK);
    CHECK(img_len == sizeof(img));
    CHECK(eei_decrypt_buffer(priv, img, img_len, back, sizeof(back), &back_len, &err) == EEI_OK);
    CHECK(back_len == sizeof(plain) && memcmp(back, plain, sizeof(plain)) == 0);
    /* a forged image: rejected, and nothing of the unauthenticated plaintext stays in back */
    img[img_len - 1] ^= 1;
    memset(back, 0, sizeof(back));
    CHECK(eei_decrypt_buffer(priv, img, img_len, back, sizeof(back), &back_len, &err) ==
          EEI_ERR_REJECTED);
    uint8_t zeros[sizeof(back)] = {0};
    CHECK(back_len == 0 && memcmp(back, zeros, sizeof(back)) == 0);
    /* too small an output */
    img[img_len - 1] ^= 1;
    CHECK(eei_decrypt_buffer(priv, img, img_len, back, 100, &back_len, &err) == EEI_ERR_USAGE);
}

/* ---- keys ---- */

/* A program's way of asking its user for a passphrase, scripted: what it was asked, and when. */
typedef struct {
    int calls;
    char key_name[300];
    const char *answer; /* NULL: it cannot ask (fails with its own message) */
} asker;

static int ask(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err)
{
    asker *a = ctx;
    a->calls++;
    snprintf(a->key_name, sizeof(a->key_name), "%s", key_name);
    if (!a->answer) {
        return eei_fail(err, EEI_ERR_KEY, "nobody to ask");
    }
    snprintf(buf, size, "%s", a->answer);
    return 0;
}

/* A callback that asks no one and adds how to give a passphrase to what err says. */
static int add_hint(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err)
{
    (void)ctx;
    (void)key_name;
    (void)buf;
    (void)size;
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, ": use --pass");
    return -1;
}

static void test_key_loading(void)
{
    eei_key *key = NULL;
    eei_error err;
    /* 32 bytes are an HMAC key; anything else must parse as a key */
    uint8_t junk[33] = {0};
    CHECK(eei_key_load(junk, sizeof(junk), NULL, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(eei_key_load(junk, 0, NULL, &key, &err) == EEI_ERR_KEY);

    /* files: a passphrase given or asked for, and what the file holds deciding what it is */
    char dir[200];
    CHECK(check_scratch("lib", dir, sizeof(dir)));
    char pem_path[256], bin_path[256];
    snprintf(pem_path, sizeof(pem_path), "%s/k.pem", dir);
    snprintf(bin_path, sizeof(bin_path), "%s/short.bin", dir);
    eei_key *gen = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &gen, NULL) == EEI_OK);
    FILE *f = fopen(bin_path, "wb");
    fputs("short", f);
    fclose(f);
    /* an encrypted PKCS#8 key, written with the library's own PEM as a cross-check */
    uint8_t *pem = NULL;
    size_t pem_len = 0;
    CHECK(eei_key_export(gen, EEI_EXPORT_PRIVATE_PEM, &pem, &pem_len, NULL) == EEI_OK);
    f = fopen(pem_path, "wb");
    fwrite(pem, 1, pem_len, f);
    fclose(f);
    char enc_path[300];
    snprintf(enc_path, sizeof(enc_path), "%s.enc", pem_path);
#ifdef _WIN32 /* no openssl command there: the library's own encrypted PKCS#8 */
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    CHECK(eei_key_export_encrypted(gen, "sesame", &enc, &enc_len, NULL) == EEI_OK);
    f = fopen(enc_path, "wb");
    fwrite(enc, 1, enc_len, f);
    fclose(f);
    eei_free(enc, enc_len);
#else
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:sesame -in %s -out %s.enc",
             pem_path, pem_path);
    CHECK(system(cmd) == 0);
#endif
    eei_key_options opts = {.passphrase = "sesame"};
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_OK);
    uint8_t fa[EEI_SHA256_SIZE], fb[EEI_SHA256_SIZE];
    CHECK(eei_key_fingerprint(key, fa, NULL) == EEI_OK);
    CHECK(eei_key_fingerprint(gen, fb, NULL) == EEI_OK);
    CHECK(memcmp(fa, fb, sizeof(fa)) == 0);
    eei_key_free(key);
    opts.passphrase = NULL;
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "passphrase-protected") != NULL);
    CHECK(strncmp(err.msg, enc_path, strlen(enc_path)) == 0);
    opts.passphrase = "wrong";
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY);
    /* no passphrase given: the caller's callback asks, once, naming the key */
    asker a = {.answer = "sesame"};
    opts = (eei_key_options){.ask_passphrase = ask, .ask_ctx = &a};
    err = (eei_error){EEI_OK, ""};
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_OK && key);
    CHECK(err.status == EEI_OK); /* no trace of the attempt without a passphrase */
    CHECK(a.calls == 1 && strcmp(a.key_name, enc_path) == 0);
    eei_key_free(key);
    a = (asker){.answer = "wrong"};
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(a.calls == 1 && strstr(err.msg, "wrong passphrase"));
    a = (asker){.answer = NULL}; /* its own message, after the key's name */
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strncmp(err.msg, enc_path, strlen(enc_path)) == 0 && strstr(err.msg, "nobody to ask"));
    /* a callback that fails without a word: the key's need stands, and it may add to it */
    opts.ask_passphrase = add_hint;
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "passphrase-protected") && strstr(err.msg, ": use --pass"));
    opts.ask_passphrase = ask;
    /* never asked when a passphrase is given, nor for a key that is not encrypted */
    a = (asker){.answer = "wrong"};
    opts.passphrase = "sesame";
    CHECK(eei_key_load_file(enc_path, &opts, &key, &err) == EEI_OK && a.calls == 0);
    eei_key_free(key);
    opts.passphrase = NULL;
    CHECK(eei_key_load_file(pem_path, &opts, &key, &err) == EEI_OK && a.calls == 0);
    eei_key_free(key);

    /* encrypted PKCS#8 out, and back in with the same passphrase from a file */
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    CHECK(eei_key_export_encrypted(gen, "sesame", &sealed, &sealed_len, &err) == EEI_OK);
    CHECK(sealed_len > 40 && memcmp(sealed, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0);
    CHECK(eei_key_load(sealed, sealed_len, NULL, &key, &err) == EEI_ERR_KEY);
    CHECK(eei_key_load(sealed, sealed_len, "sesame", &key, &err) == EEI_OK);
    CHECK(eei_key_fingerprint(key, fa, NULL) == EEI_OK && memcmp(fa, fb, sizeof(fa)) == 0);
    eei_key_free(key);
    eei_free(sealed, sealed_len);
    /* no passphrase, an empty one, or a public key: nothing */
    CHECK(eei_key_export_encrypted(gen, NULL, &sealed, &sealed_len, &err) == EEI_ERR_USAGE);
    CHECK(eei_key_export_encrypted(gen, "", &sealed, &sealed_len, &err) == EEI_ERR_USAGE);
    CHECK(!sealed && !sealed_len);
    eei_key *pub = NULL;
    CHECK(eei_key_load_file(enc_path, &(eei_key_options){.passphrase = "sesame"}, &key, &err) ==
          EEI_OK);
    uint8_t *pub_der = NULL;
    size_t pub_der_len = 0;
    CHECK(eei_key_export(key, EEI_EXPORT_PUBLIC_DER, &pub_der, &pub_der_len, NULL) == EEI_OK);
    CHECK(eei_key_load(pub_der, pub_der_len, NULL, &pub, &err) == EEI_OK);
    CHECK(eei_key_export_encrypted(pub, "sesame", &sealed, &sealed_len, &err) == EEI_ERR_KEY);
    /* what a file holds decides, not its name: a DER key named .bin is a key */
    f = fopen(bin_path, "wb");
    fwrite(pub_der, 1, pub_der_len, f);
    fclose(f);
    CHECK(eei_key_load_file(bin_path, NULL, &pub, &err) == EEI_OK && !eei_key_has_private(pub));
    eei_key_free(pub);
    pub = NULL;
    f = fopen(bin_path, "wb");
    fputs("short", f);
    fclose(f);
    eei_free(pub_der, pub_der_len);
    eei_key_free(pub);
    eei_key_free(key);
    CHECK(eei_key_load_file(bin_path, NULL, &key, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "not a key") && !strstr(err.msg, "32 bytes")); /* text: no HMAC key */
    /* and binary data that is not DER is an HMAC key of the wrong size, whatever its name */
    CHECK(eei_key_load_file(pem_path, NULL, &key, &err) == EEI_OK);
    eei_key_free(key);
    key = NULL;
    f = fopen(pem_path, "wb");
    fwrite("\x30\x7f binary, but not DER either", 1, 29, f);
    fclose(f);
    CHECK(eei_key_load_file(pem_path, NULL, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "exactly 32 bytes; this file has 29") != NULL);
    CHECK(eei_key_load_file(dir, NULL, &key, &err) == EEI_ERR_KEY);
    remove_scratch(dir);
    eei_free(pem, pem_len);
    eei_key_free(gen);
}

/* A key encrypted with passphrase (export) and read back with it (load): true when both work. */
static bool passphrase_round_trip(const eei_key *gen, const char *passphrase)
{
    uint8_t *sealed = NULL, fa[EEI_SHA256_SIZE], fb[EEI_SHA256_SIZE];
    size_t sealed_len = 0;
    eei_key *key = NULL;
    bool ok = eei_key_export_encrypted(gen, passphrase, &sealed, &sealed_len, NULL) == EEI_OK &&
              eei_key_load(sealed, sealed_len, passphrase, &key, NULL) == EEI_OK &&
              eei_key_fingerprint(key, fa, NULL) == EEI_OK &&
              eei_key_fingerprint(gen, fb, NULL) == EEI_OK && memcmp(fa, fb, sizeof(fa)) == 0;
    eei_key_free(key);
    eei_free(sealed, sealed_len);
    return ok;
}

/* Export and load take exactly the same passphrases: 1 to 1024 bytes, any but NUL. */
static void test_passphrase_limits(void)
{
    eei_key *gen = NULL, *key = NULL;
    eei_error err;
    CHECK(eei_key_generate(EEI_KEY_P256, &gen, NULL) == EEI_OK);
    char over[1026];
    memset(over, 'x', 1025);
    over[1025] = '\0';
    const char *longest = over + 1; /* 1024 bytes */
    CHECK(passphrase_round_trip(gen, longest));
    CHECK(passphrase_round_trip(gen, "\xc3\xa9t\xc3\xa9 \t\x01\x7f\xff\r\n"));
    CHECK(passphrase_round_trip(gen, "x"));
    /* one byte more, or none: neither exported nor used to load, and said so */
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    CHECK(eei_key_export_encrypted(gen, over, &sealed, &sealed_len, &err) == EEI_ERR_USAGE);
    CHECK(strstr(err.msg, "1025 bytes long, more than the 1024") && !sealed && !sealed_len);
    CHECK(eei_key_export_encrypted(gen, longest, &sealed, &sealed_len, NULL) == EEI_OK);
    CHECK(eei_key_load(sealed, sealed_len, over, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "1025 bytes long, more than the 1024") != NULL);
    CHECK(eei_key_load(sealed, sealed_len, "", &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "the passphrase is empty") != NULL);

    eei_free(sealed, sealed_len);
    eei_key_free(gen);
}

/* What is mistaken for a key (the HMAC key as hex, a certificate) is named, with how to get one. */
static void test_not_a_key_hints(void)
{
    eei_key *key = NULL;
    eei_error err;
    size_t len = 0;
    uint8_t *hmac = read_file("kat/hmac_key.bin", &len);
    char hex[2 * EEI_HMAC_KEY_SIZE + 3];
    for (size_t i = 0; i < EEI_HMAC_KEY_SIZE; i++) {
        snprintf(hex + 2 * i, 3, "%02X", hmac[i]);
    }
    free(hmac);
    strcat(hex, "\r\n");
    CHECK(eei_key_load((const uint8_t *)hex, strlen(hex), NULL, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "HMAC key written as 64 hex digits") &&
          strstr(err.msg, "'xxd -r -p KEY.hex KEY.bin'"));
#ifndef _WIN32 /* the openssl command makes the certificate (on Windows: tests/cli) */
    char dir[200];
    CHECK(check_scratch("cert", dir, sizeof(dir)));
    char cmd[1024], path[300];
    snprintf(path, sizeof(path), "%s/cert.der", dir);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
             "%s/key.pem -subj /CN=x -days 1 -outform DER -out %s 2>/dev/null",
             dir, path);
    CHECK(system(cmd) == 0);
    uint8_t der[4096];
    FILE *f = fopen(path, "rb");
    size_t der_len = f ? fread(der, 1, sizeof(der), f) : 0;
    if (f) {
        fclose(f);
    }
    CHECK(eei_key_load(der, der_len, NULL, &key, &err) == EEI_ERR_KEY && !key);
    CHECK(strstr(err.msg, "not a key but an X.509 certificate") &&
          strstr(err.msg, "'openssl x509 -inform DER -in CERT -pubkey -noout > pub.pem'"));
    remove_scratch(dir);
#endif
}

static void test_hmac_keys(void)
{
    eei_key *key = load_key("kat/hmac_key.bin");
    size_t want_len;
    uint8_t *want = read_file("kat/hmac_device_pub.der", &want_len);
    uint8_t *der = NULL;
    size_t der_len = 0;
    CHECK(eei_key_export(key, EEI_EXPORT_PUBLIC_DER, &der, &der_len, NULL) == EEI_OK);
    CHECK(der_len == 91 && der_len == want_len);
    CHECK(der && memcmp(der, want, want_len) == 0);
    CHECK(eei_key_get_type(key) == EEI_KEY_P256);
    CHECK(eei_key_get_scheme(key) == EEI_SCHEME_ECIES_P256);
    CHECK(eei_key_has_private(key));
    CHECK(eei_key_is_hmac_derived(key));
    eei_key *pub = NULL; /* its public half, as a file of it reads: no secret there */
    CHECK(eei_key_load(der, der_len, NULL, &pub, NULL) == EEI_OK && !eei_key_is_hmac_derived(pub));
    eei_key_free(pub);
    eei_free(der, der_len);
    free(want);
    eei_key_free(key);
    /* its public half, as a PEM file, is a public key like any other */
    key = load_key("kat/hmac_device_pub.pem");
    CHECK(!eei_key_is_hmac_derived(key) && !eei_key_has_private(key));
    eei_key_free(key);

    /* a generated HMAC key derives a usable device key, and the same one every time */
    uint8_t hmac[EEI_HMAC_KEY_SIZE];
    eei_key *a = NULL, *b = NULL;
    CHECK(eei_key_generate_hmac(hmac, &a, NULL) == EEI_OK);
    CHECK(eei_key_from_hmac(hmac, &b, NULL) == EEI_OK);
    uint8_t fa[EEI_SHA256_SIZE], fb[EEI_SHA256_SIZE];
    CHECK(eei_key_fingerprint(a, fa, NULL) == EEI_OK && eei_key_fingerprint(b, fb, NULL) == 0);
    CHECK(memcmp(fa, fb, sizeof(fa)) == 0);
    CHECK(eei_key_is_hmac_derived(a) && eei_key_is_hmac_derived(b));
    eei_key_free(a);
    eei_key_free(b);
}

static void test_exports(const eei_key *rsa_priv, const eei_key *rsa_pub)
{
    uint8_t *out = NULL;
    size_t len = 0;
    CHECK(eei_key_export(rsa_pub, EEI_EXPORT_DEVICE_DER, &out, &len, NULL) == EEI_OK);
    CHECK(len == 398); /* PKCS#1 RSAPublicKey of RSA-3072, as the device exports it */
    eei_free(out, len);
    CHECK(eei_key_export(rsa_pub, EEI_EXPORT_PUBLIC_PEM, &out, &len, NULL) == EEI_OK);
    CHECK(len > 26 && memcmp(out, "-----BEGIN PUBLIC KEY-----", 26) == 0);
    eei_free(out, len);
    eei_error err;
    CHECK(eei_key_export(rsa_pub, EEI_EXPORT_PRIVATE_PEM, &out, &len, &err) == EEI_ERR_KEY);
    CHECK(out == NULL && len == 0);
    CHECK(eei_key_export(rsa_priv, EEI_EXPORT_PRIVATE_PEM, &out, &len, NULL) == EEI_OK);
    eei_key *again = NULL;
    CHECK(eei_key_load(out, len, NULL, &again, NULL) == EEI_OK);
    CHECK(again && eei_key_has_private(again) && eei_key_get_type(again) == EEI_KEY_RSA3072);
    CHECK(!eei_key_is_hmac_derived(again) && !eei_key_is_hmac_derived(rsa_pub));
    eei_key_free(again);
    eei_free(out, len);
    CHECK(eei_key_export(rsa_pub, (eei_export_format)99, &out, &len, NULL) == EEI_ERR_USAGE);
}

/* ---- Secure Boot V2 ---- */

/* The signed app of app (keep: an old sector to keep), in a new buffer. */
static uint8_t *sign_all(const eei_key *const *keys, size_t nkeys, const uint8_t *keep,
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

static eei_status check_all(const uint8_t *img, size_t len, const eei_key *const *keys,
                            size_t nkeys, eei_sb_report *rep)
{
    eei_io io = {.data = img, .size = len};
    return eei_sb_check_stream(&io, keys, nkeys, rep, NULL);
}

static void test_signing(const eei_key *rsa_priv, const eei_key *rsa_pub)
{
    eei_key *p256 = NULL, *p384 = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &p256, NULL) == EEI_OK);
    CHECK(eei_key_generate(EEI_KEY_P384, &p384, NULL) == EEI_OK);
    const eei_key *signers[3] = {rsa_priv, p256, p384};
    const eei_key *verifiers[3] = {rsa_pub, p256, p384};
    static uint8_t app[10000];
    for (size_t i = 0; i < sizeof(app); i++) {
        app[i] = (uint8_t)(i * 13);
    }
    eei_status st;
    eei_sb_report rep;
    size_t len = 0;

    /* three blocks at once: each verifies with its own key, and says its eFuse digest */
    uint8_t *img = sign_all(signers, 3, NULL, app, sizeof(app), &len, &st);
    CHECK(st == EEI_OK && len == 3 * 4096 + 4096);
    CHECK(img && img[sizeof(app)] == 0xff && img[3 * 4096 - 1] == 0xff); /* the padding */
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK);
    CHECK(rep.count == 3 && rep.signed_size == 3 * 4096);
    for (int i = 0; i < 3; i++) {
        uint8_t want[EEI_SHA256_SIZE];
        CHECK(eei_key_sb_digest(verifiers[i], want, NULL) == EEI_OK);
        CHECK(rep.blocks[i].state == EEI_SB_OK && rep.blocks[i].digest_matches);
        CHECK(rep.blocks[i].verified_by == i);
        CHECK(memcmp(rep.blocks[i].key_digest, want, sizeof(want)) == 0);
    }
    CHECK(rep.blocks[0].version == EEI_SB_VERSION_RSA);
    CHECK(rep.blocks[2].curve == EEI_SB_CURVE_P384);
    /* the rest of the sector is 0xFF */
    CHECK(img[len - 1] == 0xff && img[len - 4096 + 3 * EEI_SB_BLOCK_SIZE] == 0xff);

    /* a key that made no block verifies none; a changed app matches no digest */
    CHECK(check_all(img, len, verifiers + 1, 1, &rep) == EEI_OK);
    CHECK(rep.blocks[0].verified_by == -1 && rep.blocks[1].verified_by == 0);
    img[100] ^= 1;
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK);
    CHECK(!rep.blocks[0].digest_matches && rep.blocks[0].verified_by == -1);
    img[100] ^= 1;
    /* a forged signature whose CRC was made to match: the signature check catches it */
    uint8_t *blk = img + len - 4096;
    blk[EEI_SB_RSA_OFF_SIG + 5] ^= 1;
    eei_sb_block_seal(blk);
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK);
    CHECK(rep.blocks[0].digest_matches && rep.blocks[0].verified_by == -1);
    blk[EEI_SB_RSA_OFF_SIG + 5] ^= 1; /* the real signature, under the forger's CRC: it fails */
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK);
    CHECK(rep.blocks[0].state == EEI_SB_BAD_CRC && rep.blocks[0].verified_by == -1);
    eei_sb_block_seal(blk); /* the real signature under its own CRC: it verifies again */
    CHECK(check_all(img, len, verifiers, 3, &rep) == EEI_OK && rep.blocks[0].verified_by == 0);

    /* a sector after a sector (signed twice): a device reads the first, so the check refuses */
    uint8_t *twice = malloc(len + 4096);
    memcpy(twice, img, len);
    memcpy(twice + len, img + len - 4096, 4096);
    CHECK(check_all(twice, len + 4096, verifiers, 3, &rep) == EEI_ERR_REJECTED);
    CHECK(rep.blocks[0].verified_by == -1 && rep.blocks[2].verified_by == -1);
    /*
     * a sector followed by 4096 bytes without a block, in data that is not an app: a device reads
     * those last 4096 bytes as the sector and finds nothing. Not signed twice: signed, then more.
     */
    memset(twice + len, 0xff, 4096);
    eei_io io = {.data = twice, .size = len + 4096};
    eei_error why;
    CHECK(eei_sb_check_stream(&io, verifiers, 3, &rep, &why) == EEI_ERR_REJECTED);
    CHECK(strstr(why.msg, "4096 bytes follow the signature sector at byte 12288") != NULL);
    CHECK(strstr(why.msg, "twice") == NULL);
    free(twice);
    free(img);
    eei_sb_report_clear(&rep);
    CHECK(rep.count == 0 && rep.blocks[1].state == EEI_SB_EMPTY && rep.blocks[1].verified_by == -1);

    /* append: an RSA block, then a P-256 one after it; a fourth block is refused */
    img = sign_all(signers, 1, NULL, app, 8192, &len, &st);
    CHECK(st == EEI_OK && len == 8192 + 4096);
    size_t len2 = 0;
    uint8_t *img2 = sign_all(signers + 1, 1, img + 8192, img, 8192, &len2, &st);
    CHECK(st == EEI_OK && len2 == len);
    CHECK(check_all(img2, len2, verifiers, 3, &rep) == EEI_OK);
    CHECK(rep.count == 2 && rep.blocks[0].verified_by == 0 && rep.blocks[1].verified_by == 1);
    size_t len3 = 0;
    uint8_t *img3 = sign_all(signers, 2, img2 + 8192, img2, 8192, &len3, &st);
    CHECK(st == EEI_ERR_REJECTED && !img3);
    /* blocks that sign another app are not kept */
    app[0] ^= 1;
    img3 = sign_all(signers + 2, 1, img2 + 8192, app, 8192, &len3, &st);
    CHECK(st == EEI_ERR_REJECTED && !img3);
    app[0] ^= 1;
    /* a sector without blocks cannot be appended to */
    uint8_t empty[4096];
    memset(empty, 0xff, sizeof(empty));
    img3 = sign_all(signers, 1, empty, app, 8192, &len3, &st);
    CHECK(st == EEI_ERR_REJECTED && !img3);
    free(img2);
    free(img);

    /* sign-then-encrypt in one pass, then decryption that checks the signature too */
    size_t cap = 3 * 4096 + 4096 + EEI_HEADER_SIZE;
    recorder rec = {malloc(cap), cap, calloc(cap, 1), 0, 0, 0, 0};
    eei_io enc_io = {.data = app, .size = sizeof(app), .write = record, .ctx = &rec};
    uint64_t payload = 0;
    CHECK(eei_encrypt_signed_stream(rsa_pub, signers + 1, 2, &enc_io, &payload, NULL) == EEI_OK);
    CHECK(payload == 3 * 4096 + 4096);
    eei_io dec_io = {.data = rec.buf, .size = (size_t)payload + EEI_HEADER_SIZE};
    eei_decrypt_result res;
    eei_app_info info;
    eei_decrypt_options opts = {
        .flags = EEI_HASH_PLAINTEXT, .app = &info, .sign_keys = verifiers + 2, .nsign = 1};
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, NULL) == EEI_OK);
    CHECK(res.hashed && info.sig.count == 2 && info.sig.blocks[1].verified_by == 0);
    eei_error err;
    opts.sign_keys = verifiers;
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, &err) == EEI_ERR_REJECTED);
    CHECK(strstr(err.msg, "no signature block") && info.sig.count == 2);
    /* without app: the signature is required all the same */
    opts.app = NULL;
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, &err) == EEI_ERR_REJECTED);
    CHECK(strstr(err.msg, "no signature block") != NULL);
    opts.sign_keys = verifiers + 2;
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, &err) == EEI_OK);
    rec.buf[EEI_HEADER_SIZE + 7] ^= 1; /* the tag fails before any signature is looked at */
    CHECK(eei_decrypt_stream(rsa_priv, &dec_io, &opts, &res, &err) == EEI_ERR_REJECTED);
    CHECK(strstr(err.msg, "authentication failed") != NULL);
    free(rec.buf);
    free(rec.written);

    /* what cannot sign, what is not signed, and a signing-only key */
    CHECK(!sign_all(verifiers, 1, NULL, app, 100, &len, &st) && st == EEI_ERR_KEY);
    CHECK(!sign_all(signers, 1, NULL, app, 0, &len, &st) && st == EEI_ERR_FILE);
    CHECK(check_all(app, 8192, NULL, 0, &rep) == EEI_ERR_REJECTED); /* no blocks */
    CHECK(check_all(app, 5000, NULL, 0, &rep) == EEI_ERR_REJECTED); /* no sector */
    eei_encrypt_ctx *enc = NULL;
    CHECK(eei_encrypt_new(p384, &enc, &err) == EEI_ERR_KEY && strstr(err.msg, "P-384"));
    CHECK(eei_key_get_scheme(p384) == EEI_SCHEME_UNKNOWN);
    eei_key_free(p256);
    eei_key_free(p384);
}

/* ---- inspection and errors ---- */

static void test_inspection(const eei_key *hmac)
{
    uint8_t plain[100] = {0};
    size_t len;
    uint8_t *img = encrypt_all(hmac, plain, sizeof(plain), &len);
    eei_inspection ins;
    eei_inspect(img, len, len, &ins);
    CHECK(ins.verdict == EEI_FMT_OK && ins.problem == NULL);
    CHECK(ins.scheme == EEI_SCHEME_ECIES_P256 && ins.scheme_sure && ins.on_curve);
    CHECK(eei_inspect_bytes_needed(img) == len + 1);
    eei_inspect(img, len, len + 1, &ins);
    CHECK(ins.verdict == EEI_FMT_TRAILING && ins.problem != NULL);
    eei_inspect(img, 100, 100, &ins);
    CHECK(ins.verdict == EEI_FMT_SHORT && !ins.header_read);
    img[0] ^= 1;
    CHECK(eei_inspect_bytes_needed(img) == EEI_HEADER_SIZE);
    eei_inspect(img, len, len, &ins);
    CHECK(ins.verdict == EEI_FMT_BAD_MAGIC);
    free(img);
}

/* A fixture app with its real SHA-256 appended; its length. */
static size_t real_app(uint8_t *buf)
{
    size_t n = fixture_app(buf, 30);
    eei_sha256 *sha = NULL;
    CHECK(eei_sha256_new(&sha, NULL) == EEI_OK);
    eei_sha256_update(sha, buf, n - EEI_APP_HASH_SIZE);
    eei_sha256_final(sha, buf + n - EEI_APP_HASH_SIZE);
    eei_sha256_free(sha);
    return n;
}

static eei_status scan_all(const uint8_t *data, size_t len, size_t step, const eei_key *const *keys,
                           size_t nkeys, eei_app_info *info)
{
    eei_app_scan *scan = NULL;
    eei_status st = eei_app_scan_new(&scan, NULL);
    for (size_t at = 0; st == EEI_OK && at < len; at += step) {
        eei_app_scan_update(scan, data + at, len - at < step ? len - at : step);
    }
    st = st == EEI_OK ? eei_app_scan_final(scan, keys, nkeys, info, NULL) : st;
    eei_app_scan_free(scan);
    return st;
}

static void test_app_scan(const eei_key *rsa_priv, const eei_key *dev_pub, const eei_key *dev)
{
    static uint8_t app[FIXTURE_APP_BUF];
    size_t n = real_app(app);
    eei_app_info info;
    for (size_t step = 1; step < n + 10; step += 37) {
        CHECK(scan_all(app, n, step, NULL, 0, &info) == EEI_OK);
        CHECK(info.layout == EEI_APP_OK && info.size == n && info.hash_matches);
        CHECK(!info.signature_sector && info.sig.count == 0);
    }
    CHECK(strcmp(info.head.project, "blinky") == 0 && info.head.secure_version == 7);
    /* a changed byte the checksum does not see (the descriptor's text is in it: the padding) */
    app[n - EEI_APP_HASH_SIZE - 2] ^= 1;
    CHECK(scan_all(app, n, 100, NULL, 0, &info) == EEI_OK);
    CHECK(info.layout == EEI_APP_OK && !info.hash_matches);
    app[n - EEI_APP_HASH_SIZE - 2] ^= 1;
    /* not an app: said, and no error */
    CHECK(scan_all(app + 1, n - 1, 100, NULL, 0, &info) == EEI_OK);
    CHECK(info.layout == EEI_APP_NOT_APP && !info.signature_sector);

    /* signed: the blocks are read; with the key, verified */
    const eei_key *signers[1] = {rsa_priv};
    size_t signed_len = 0;
    eei_status st;
    uint8_t *sapp = sign_all(signers, 1, NULL, app, n, &signed_len, &st);
    CHECK(st == EEI_OK && signed_len == 8192);
    CHECK(scan_all(sapp, signed_len, 4000, NULL, 0, &info) == EEI_OK);
    CHECK(info.layout == EEI_APP_OK && info.hash_matches && info.signature_sector);
    CHECK(info.sig.count == 1 && info.sig.blocks[0].digest_matches);
    CHECK(info.sig.blocks[0].verified_by == -1);
    CHECK(scan_all(sapp, signed_len, 4000, signers, 1, &info) == EEI_OK);
    CHECK(info.sig.blocks[0].verified_by == 0);
    CHECK(info.sig.place == EEI_SB_AFTER_APP && info.sig.device_offset == 4096);
    CHECK(info.sig.layout_end == n && info.sig.signed_size == 4096 && !info.sig.misplaced);

    /* where a device reads the sector: after the app's layout, not at the end of the data */
    static uint8_t junk[4 * 4096];
    memcpy(junk, app, n);
    memset(junk + n, 0xa5, 2 * 4096 - n); /* bytes after the app, past its last sector */
    memset(junk + 2 * 4096, 0xff, 4096);
    memcpy(junk + 3 * 4096, sapp + 4096, 4096); /* a sector at the end, where none is read */
    eei_sb_report rep;
    eei_error err;
    CHECK(check_all(junk, sizeof(junk), signers, 1, &rep) == EEI_ERR_REJECTED);
    CHECK(rep.misplaced && rep.signed_size == 3 * 4096 && rep.device_offset == 4096);
    CHECK(rep.place == EEI_SB_AFTER_APP && rep.layout_end == n);
    CHECK(rep.count == 1 && rep.blocks[0].state == EEI_SB_OK);
    CHECK(!rep.blocks[0].digest_matches && rep.blocks[0].verified_by == -1);
    eei_io jio = {.data = junk, .size = sizeof(junk)};
    CHECK(eei_sb_check_stream(&jio, signers, 1, &rep, &err) == EEI_ERR_REJECTED);
    CHECK(strstr(err.msg, "at byte 12288, but a device reads it at byte 4096") != NULL);
    CHECK(scan_all(junk, sizeof(junk), 3000, NULL, 0, &info) == EEI_OK); /* said, no error */
    CHECK(info.layout == EEI_APP_OK && !info.signature_sector && info.sig.misplaced);
    CHECK(info.sig.count == 1 && info.sig.signed_size == 3 * 4096);
    /* the sector where a device reads it, then bytes: refused, and not misplaced */
    memcpy(junk, sapp, signed_len);
    CHECK(check_all(junk, signed_len + 100, signers, 1, &rep) == EEI_ERR_REJECTED);
    CHECK(!rep.misplaced && rep.count == 0 && rep.device_offset == 4096);
    /* bytes after the layout within its last sector: a device hashes them too, so they sign */
    memcpy(junk, app, n);
    memset(junk + n, 0x5a, 100);
    uint8_t *tailed = sign_all(signers, 1, NULL, junk, n + 100, &signed_len, &st);
    CHECK(st == EEI_OK && signed_len == 8192);
    CHECK(check_all(tailed, signed_len, signers, 1, &rep) == EEI_OK);
    CHECK(rep.blocks[0].verified_by == 0 && rep.signed_size == 4096);
    free(tailed);
    /* past it they cannot: the signer refuses what no device would boot */
    memset(junk + n, 0x5a, 4096);
    CHECK(!sign_all(signers, 1, NULL, junk, 4096 + 1, &signed_len, &st));
    CHECK(st == EEI_ERR_REJECTED);
    /* data that is not an app: its last sector, and the report says by which rule */
    CHECK(check_all(sapp + 1, 8191, NULL, 0, &rep) == EEI_ERR_REJECTED &&
          rep.place == EEI_SB_AT_END);
    /* nothing to read, from NULL: nothing changes */
    eei_sb_check *chk = NULL;
    CHECK(eei_sb_check_new(&chk, NULL) == EEI_OK);
    eei_sb_check_update(chk, NULL, 0);
    eei_sb_check_update(chk, sapp, 8192);
    eei_sb_check_update(chk, NULL, 0);
    CHECK(eei_sb_check_final(chk, signers, 1, &rep, NULL) == EEI_OK);
    CHECK(rep.blocks[0].verified_by == 0);
    eei_sb_check_free(chk);
    eei_app_scan *scan = NULL;
    CHECK(eei_app_scan_new(&scan, NULL) == EEI_OK);
    eei_app_scan_update(scan, NULL, 0);
    eei_app_scan_update(scan, sapp, 8192);
    eei_app_scan_update(scan, NULL, 0);
    CHECK(eei_app_scan_final(scan, NULL, 0, &info, NULL) == EEI_OK);
    CHECK(info.layout == EEI_APP_OK && info.signature_sector && info.hash_matches);
    eei_app_scan_free(scan);
    eei_sign_ctx *sign = NULL;
    uint8_t tail[EEI_SIGN_TAIL_MAX];
    size_t tail_len = 0;
    CHECK(eei_sign_new(signers, 1, NULL, &sign, NULL) == EEI_OK);
    eei_sign_update(sign, NULL, 0);
    eei_sign_update(sign, app, n);
    CHECK(eei_sign_final(sign, tail, &tail_len, NULL) == EEI_OK && tail_len + n == 8192);
    eei_sign_free(sign);

    /* inside an image: what the device will get */
    uint8_t *img = malloc(signed_len + EEI_HEADER_SIZE);
    size_t img_len = 0;
    CHECK(eei_encrypt_buffer(dev_pub, sapp, signed_len, img, signed_len + EEI_HEADER_SIZE, &img_len,
                             NULL) == EEI_OK);
    eei_io io = {.data = img, .size = img_len};
    eei_decrypt_result res;
    eei_decrypt_options opts = {.app = &info};
    CHECK(eei_decrypt_stream(dev, &io, &opts, &res, NULL) == EEI_OK);
    CHECK(res.authentic && info.layout == EEI_APP_OK && info.hash_matches);
    CHECK(info.signature_sector && info.sig.count == 1);
    CHECK(strcmp(info.head.version, "1.2.3") == 0);
    opts.sign_keys = signers;
    opts.nsign = 1;
    CHECK(eei_decrypt_stream(dev, &io, &opts, &res, NULL) == EEI_OK);
    CHECK(info.sig.blocks[0].verified_by == 0);
    /* the unsigned app, with a signing key asked for: rejected */
    CHECK(eei_encrypt_buffer(dev_pub, app, n, img, signed_len + EEI_HEADER_SIZE, &img_len, NULL) ==
          EEI_OK);
    io.size = img_len;
    CHECK(eei_decrypt_stream(dev, &io, &opts, &res, NULL) == EEI_ERR_REJECTED);
    CHECK(res.authentic && !info.signature_sector);
    opts.nsign = 0;
    CHECK(eei_decrypt_stream(dev, &io, &opts, &res, NULL) == EEI_OK);
    CHECK(info.layout == EEI_APP_OK && !info.signature_sector);
    free(img);
    free(sapp);
}

/* SHA-256 of len bytes, as lowercase hex, compared with want. */
static bool sha256_is(const uint8_t *data, size_t len, const char *want)
{
    eei_sha256 *sha = NULL;
    uint8_t digest[EEI_SHA256_SIZE];
    char hex[2 * EEI_SHA256_SIZE + 1];
    if (eei_sha256_new(&sha, NULL) != EEI_OK) {
        return false;
    }
    eei_sha256_update(sha, data, len);
    eei_sha256_final(sha, digest);
    eei_sha256_free(sha);
    for (size_t i = 0; i < sizeof(digest); i++) {
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    return strcmp(hex, want) == 0;
}

/*
 * The DS peripheral's data and the esp_secure_cert partition. The known answers (kat/ RSA key,
 * HMAC key 00 01 ... 1f, IV a0 a1 ... af; the partition for BLOCK_KEY2) are what
 * esp_secure_cert_mgr's configure_esp_secure_cert.py writes for the same inputs.
 */
static void test_ds(const eei_key *rsa_priv, const eei_key *rsa_pub, const eei_key *hmac)
{
    static const struct {
        const char *chip;
        size_t data_size, tlvs;
        const char *data_sha256, *part_sha256;
    } kat[] = {
        {"esp32c3", 1220, 1328, "83302323ad0e4c25c04711e3e78bba7184481e2fdb703a1719d14981d05b1b1c",
         "74b0a118efdda877974d163c3d960c7ac13b4d3ef1f01f04add45810de769cda"},
        {"esp32s3", 1604, 1712, "a0cc36af6e3fefd68c16774d06ee66b9d4cb3bc3fdaf1a5fdfda77ff7d169855",
         "ebeb9246fa226e85b0462775b0a30caa47d99898439a1fc0369e0f6d4c399c79"},
    };
    uint8_t hmac_key[EEI_HMAC_KEY_SIZE], iv[EEI_DS_IV_SIZE], data[EEI_DS_DATA_MAX];
    static uint8_t part[EEI_SC_PARTITION_SIZE], again[EEI_SC_PARTITION_SIZE];
    for (size_t i = 0; i < sizeof(hmac_key); i++) {
        hmac_key[i] = (uint8_t)i;
    }
    for (size_t i = 0; i < sizeof(iv); i++) {
        iv[i] = (uint8_t)(0xa0 + i);
    }
    for (size_t k = 0; k < sizeof(kat) / sizeof(kat[0]); k++) {
        size_t len = 0, used = 0;
        unsigned max_bits = 0;
        CHECK(eei_ds_chip_max_bits(kat[k].chip, &max_bits, NULL) == EEI_OK);
        CHECK(eei_ds_data_make(rsa_priv, kat[k].chip, hmac_key, iv, data, &len, NULL) == EEI_OK);
        CHECK(len == kat[k].data_size && len == EEI_DS_DATA_SIZE(max_bits / 8u));
        CHECK(sha256_is(data, len, kat[k].data_sha256));
        CHECK(eei_ds_secure_cert_make(rsa_priv, kat[k].chip, hmac_key, 2, iv, part, &used, NULL) ==
              EEI_OK);
        CHECK(used == kat[k].tlvs);
        CHECK(sha256_is(part, sizeof(part), kat[k].part_sha256));
        /* its TLVs, as a reader finds them: the DS data, the context, the integrity digest */
        eei_sc_tlv t;
        CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_DATA, 0, &t) == EEI_SC_OK);
        CHECK(t.length == len && memcmp(t.value, data, len) == 0);
        CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_DS_CONTEXT, 0, &t) == EEI_SC_OK);
        uint8_t block = 0;
        uint16_t bits = 0;
        CHECK(t.length == EEI_DS_CONTEXT_SIZE && eei_ds_context_decode(t.value, &block, &bits) &&
              block == 2 && bits == 3072);
        CHECK(eei_sc_tlv_find(part, sizeof(part), EEI_SC_TLV_INTEGRITY, 0, &t) == EEI_SC_OK);
        CHECK(t.length == EEI_SHA256_SIZE &&
              t.value + t.length + EEI_SC_TLV_FOOTER_SIZE == part + used);
        uint8_t digest[EEI_SHA256_SIZE];
        eei_sha256 *sha = NULL;
        CHECK(eei_sha256_new(&sha, NULL) == EEI_OK);
        eei_sha256_update(sha, part, (size_t)(t.value - EEI_SC_TLV_HEADER_SIZE - part));
        eei_sha256_final(sha, digest);
        eei_sha256_free(sha);
        CHECK_MEM(digest, t.value, sizeof(digest));
        size_t erased = 0;
        while (used + erased < sizeof(part) && part[used + erased] == EEI_SC_ERASED) {
            erased++;
        }
        CHECK(used + erased == sizeof(part));
        /* a fresh random IV (and so another C) when none is given */
        CHECK(eei_ds_secure_cert_make(rsa_priv, kat[k].chip, hmac_key, 2, NULL, again, &used,
                                      NULL) == EEI_OK);
        CHECK(memcmp(part + 4 + EEI_SC_TLV_HEADER_SIZE, again + 4 + EEI_SC_TLV_HEADER_SIZE,
                     EEI_DS_IV_SIZE) != 0);
        CHECK(memcmp(part, again, sizeof(part)) != 0);
        /* another HMAC key, another C */
        hmac_key[31] ^= 1;
        CHECK(eei_ds_data_make(rsa_priv, kat[k].chip, hmac_key, iv, again, &len, NULL) == EEI_OK);
        CHECK(!sha256_is(again, len, kat[k].data_sha256));
        hmac_key[31] ^= 1;
    }
    /* chips: every one with DS, in both sizes; none without, none unknown */
    const char *with_ds[] = {"esp32s2", "esp32s3", "esp32c3", "esp32c6", "esp32h2"};
    for (size_t i = 0; i < sizeof(with_ds) / sizeof(with_ds[0]); i++) {
        size_t len = 0;
        CHECK(eei_ds_data_make(rsa_priv, with_ds[i], hmac_key, NULL, data, &len, NULL) == EEI_OK);
        CHECK(len == (i < 2 ? 1604u : 1220u));
    }
    eei_error err;
    size_t len = 99, used = 99;
    unsigned max_bits = 0;
    CHECK(eei_ds_chip_max_bits("esp32", &max_bits, &err) == EEI_ERR_USAGE);
    CHECK(strstr(err.msg, "the esp32 has no Digital Signature peripheral") != NULL);
    CHECK(eei_ds_chip_max_bits("esp32x9", &max_bits, &err) == EEI_ERR_USAGE);
    CHECK(strstr(err.msg, "unknown target 'esp32x9'") &&
          strstr(err.msg, "esp32s2, esp32s3, esp32c3, esp32c6, esp32h2"));
    CHECK(eei_ds_data_make(rsa_priv, "esp32c2", hmac_key, iv, data, &len, &err) == EEI_ERR_USAGE);
    CHECK(len == 0);
    CHECK(eei_ds_secure_cert_make(rsa_priv, "esp32c3", hmac_key, 6, iv, part, &used, &err) ==
          EEI_ERR_USAGE);
    CHECK(strstr(err.msg, "BLOCK_KEY0 to BLOCK_KEY5") != NULL && used == 99);
    /* keys: what each is, and what the chip's DS takes */
    CHECK(eei_ds_data_make(rsa_pub, "esp32c3", hmac_key, iv, data, &len, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "a public key") != NULL);
    CHECK(eei_ds_data_make(hmac, "esp32c3", hmac_key, iv, data, &len, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "a 32-byte HMAC key, not an RSA key") != NULL);
    eei_key *ecc = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &ecc, NULL) == EEI_OK);
    CHECK(eei_ds_secure_cert_make(ecc, "esp32s2", hmac_key, 1, iv, part, &used, &err) ==
          EEI_ERR_KEY);
    CHECK(strstr(err.msg, "P-256 key: the Digital Signature peripheral of the esp32s2 takes RSA "
                          "keys of 1024 to 4096 bits") != NULL);
    eei_key_free(ecc);
    CHECK(eei_ds_hmac_key_generate(hmac_key, NULL) == EEI_OK);
    uint8_t other[EEI_HMAC_KEY_SIZE];
    CHECK(eei_ds_hmac_key_generate(other, NULL) == EEI_OK);
    CHECK(memcmp(hmac_key, other, sizeof(other)) != 0);
}

/* A key loaded for a chip's DS: anything but an RSA-3072 private key is refused, saying why. */
static void test_ds_key_loading(void)
{
    char dir[512], path[600];
    if (!check_scratch("ds", dir, sizeof(dir))) {
        CHECK(!"a scratch folder");
        return;
    }
    eei_key_options opts = {.ds_chip = "esp32c3"};
    eei_key *key = NULL;
    eei_error err;
    snprintf(path, sizeof(path), "%s/kat/rsa_private.pem", vectors);
    CHECK(eei_key_load_file(path, &opts, &key, &err) == EEI_OK && key);
    eei_key_free(key);
    snprintf(path, sizeof(path), "%s/kat/rsa_public.pem", vectors);
    CHECK(eei_key_load_file(path, &opts, &key, &err) == EEI_ERR_KEY && key == NULL);
    CHECK(strstr(err.msg, "rsa_public.pem: a public key") != NULL);
    snprintf(path, sizeof(path), "%s/kat/hmac_key.bin", vectors);
    CHECK(eei_key_load_file(path, &opts, &key, &err) == EEI_ERR_KEY && key == NULL);
    CHECK(strstr(err.msg, "hmac_key.bin: a 32-byte HMAC key, not an RSA key") != NULL);
    /* an RSA key of another size: its size, and what the chip's DS takes */
    static const char rsa1024[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAKi1s22MMQf3tIhq\n"
        "XM76gLj3lcCfeaL3a0fR0edByFGx34+XDb7AU1bOT7HNi4c7DDOBwdQ7PpkWaU70\n"
        "C6mNzYNmbp5tfPI/JwT3GK8PCcsPp3+Oi7YSgs3/kjd2Pcpxc7UqzgZxNFxQhBpF\n"
        "otvY/Q0BIObf0U8NNzeDwoLOSgkhAgMBAAECgYAFqIJqDCeg0sf1Q0v1jSVADt2w\n"
        "5ihYNOAeOoVFskkbpFGRKUnGugCRir3VgsVJNcvE9ncfvRTuYXgKs9ioSR85WQc3\n"
        "zYsLEqNerFIZCiYZw/4j6lcYKtxy41BeixbH98RzyIVPnHGFagtRgjLKfIioBw/G\n"
        "CfUtYGngwQHYp9kbWQJBANIvTTmomoXJAz8nrii+DqU6eXVd2DopxS4hzc6aWZLJ\n"
        "kJt0EDM6eVvivw1N6venmDT8IkJaJoFNbYK8BwPORQcCQQDNfAR6FBiifNW6pZsT\n"
        "lg2zWMTRyD78Ya6yxxUpOzGt7nI/jw5/ETJwPFAYYl8jlp0g9OMpUfc2C6mFuwzy\n"
        "k56XAkAUvl5cxmsZsREE9qGVm8xOOksqbiyc8Opo9yUcstcMSaBf90ByDd9UVjiM\n"
        "05fRAVVgRVIMQmFyeXXJZU077uuZAkBqTKDIQoMn86phPvCFZle6Es7ms0+aIjJM\n"
        "u95/kOa3UqX5qVjXdR8BnsHUi3cqIu0wMl8dbhCT/d55lvUwvBsLAkAsLev/nOWO\n"
        "VjZvDsvgNloVJq8NSXQJ91XSf6TIFx23cwoYvzlwQY61M2YtkvdR/TqKNQbYX/b5\n"
        "5Nz13iQcIdcO\n"
        "-----END PRIVATE KEY-----\n";
    snprintf(path, sizeof(path), "%s/rsa1024.pem", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(rsa1024, 1, sizeof(rsa1024) - 1, f) == sizeof(rsa1024) - 1);
    if (f) {
        fclose(f);
    }
    opts.ds_chip = "esp32s3";
    CHECK(eei_key_load_file(path, &opts, &key, &err) == EEI_ERR_KEY && key == NULL);
    CHECK(strstr(err.msg, "rsa1024.pem: RSA-1024 key: the Digital Signature peripheral of the "
                          "esp32s3 takes RSA keys of 1024 to 4096 bits, and DS data is made here "
                          "of RSA-3072 private keys only") != NULL);
    /* without ds_chip the same key gets the image format's reason */
    CHECK(eei_key_load_file(path, NULL, &key, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "384-byte slot") != NULL);
    /* a key in a token never leaves it */
    CHECK(eei_key_load_file("pkcs11:token=t;object=k", &opts, &key, &err) == EEI_ERR_KEY);
    CHECK(strstr(err.msg, "never leaves it") != NULL);
    remove_scratch(dir);
}

static void test_errors(void)
{
    CHECK(eei_fail(NULL, EEI_ERR_FILE, "nowhere to go") == -1);
    eei_error err = {EEI_OK, ""};
    CHECK(eei_fail(&err, EEI_ERR_FILE, "%s", "why") == -1);
    eei_error_prefix(&err, "what");
    CHECK(err.status == EEI_ERR_FILE && strcmp(err.msg, "what: why") == 0);
    CHECK(strcmp(eei_strerror(EEI_ERR_REJECTED), "image rejected") == 0);
    CHECK(eei_strerror((eei_status)42) != NULL);
    CHECK(strcmp(eei_version(), EEI_EXPECTED_VERSION) == 0);
    CHECK(strcmp(EEI_VERSION_STRING, EEI_EXPECTED_VERSION) == 0);
    char built[32];
    snprintf(built, sizeof(built), "%d.%d.%d", EEI_VERSION_MAJOR, EEI_VERSION_MINOR,
             EEI_VERSION_PATCH);
    CHECK(strcmp(built, EEI_VERSION_STRING) == 0);
    CHECK(EEI_VERSION_NUMBER ==
          EEI_VERSION_MAJOR * 10000 + EEI_VERSION_MINOR * 100 + EEI_VERSION_PATCH);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_library VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_key *rsa_priv = load_key("kat/rsa_private.pem");
    eei_key *rsa_pub = load_key("kat/rsa_public.pem");
    eei_key *hmac = load_key("kat/hmac_key.bin");
    eei_key *hmac_pub = load_key("kat/hmac_device_pub.pem");
    eei_key *ecc = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &ecc, NULL) == EEI_OK);

    test_round_trips("rsa", rsa_pub, rsa_priv, EEI_SCHEME_RSA3072);
    test_round_trips("rsa-private-encrypts", rsa_priv, rsa_priv, EEI_SCHEME_RSA3072);
    test_round_trips("hmac", hmac_pub, hmac, EEI_SCHEME_ECIES_P256);
    test_round_trips("ecc", ecc, ecc, EEI_SCHEME_ECIES_P256);
    test_rejections(rsa_priv);
    test_rejections(hmac);
    test_in_place(hmac_pub, hmac);
    test_fresh_material(hmac);
    test_fresh_material(rsa_pub);
    test_public_key_cannot_decrypt(rsa_pub);
    test_public_key_cannot_decrypt(hmac_pub);
    test_streams(rsa_pub, rsa_priv);
    test_streams(hmac_pub, hmac);
    test_length_limit(hmac_pub);
    test_buffers(hmac_pub, hmac);
    test_key_loading();
    test_passphrase_limits();
    test_not_a_key_hints();
    test_hmac_keys();
    test_exports(rsa_priv, rsa_pub);
    test_signing(rsa_priv, rsa_pub);
    test_inspection(hmac);
    test_app_scan(rsa_priv, hmac_pub, hmac);
    test_ds(rsa_priv, rsa_pub, hmac);
    test_ds_key_loading();
    test_errors();

    eei_key_free(rsa_priv);
    eei_key_free(rsa_pub);
    eei_key_free(hmac);
    eei_key_free(hmac_pub);
    eei_key_free(ecc);
    return check_summary();
}
