/*
 * Sign-then-encrypt in one pass (eei_encrypt_signed_stream), the app hashed on a helper thread
 * while it is encrypted on the caller's. The image must be, byte for byte, what signing the app
 * and then encrypting the signed app one after the other make with the same AES key and IV,
 * whatever the sizes and however the input comes; a failure on the way, the input's, the
 * output's or the signing's, ends it with that error and nothing held (the sanitizers' build
 * checks the leaks and races).
 */
#include <stdlib.h>
#include <string.h>

#include "app_fixture.h"
#include "check.h"
#include "crypto/crypto.h"
#include "mem_reader.h"

#define CHUNK EEI_IO_CHUNK
#define HEADER EEI_HEADER_SIZE

typedef mem_reader reader;

/* An output in memory: every byte written exactly once, within cap. */
typedef struct {
    uint8_t *buf;
    uint8_t *times; /* how often each byte was written */
    size_t cap, calls, fail_at_call;
    uint64_t progress;
} writer;

typedef struct {
    reader in;
    writer out;
} streams;

static int read_cb(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    return mem_reader_read(&((streams *)ctx)->in, buf, cap, got, err);
}

static int write_cb(void *ctx, const uint8_t *data, size_t len, uint64_t offset, eei_error *err)
{
    writer *w = &((streams *)ctx)->out;
    if (++w->calls == w->fail_at_call) {
        return eei_fail(err, EEI_ERR_FILE, "disk full (test)");
    }
    if (offset > w->cap || len > w->cap - offset) {
        return eei_fail(err, EEI_ERR_USAGE, "out of bounds (test)");
    }
    memcpy(w->buf + offset, data, len);
    for (size_t i = 0; i < len; i++) {
        w->times[offset + i]++;
    }
    return 0;
}

static void progress_cb(void *ctx, uint64_t done)
{
    ((streams *)ctx)->out.progress = done;
}

/* How the app reaches the engine. */
typedef enum { WHOLE_READS, SMALL_READS, IN_MEMORY } feed;

static void streams_init(streams *s, const uint8_t *app, size_t len, feed how, size_t cap,
                         eei_io *io)
{
    memset(s, 0, sizeof(*s));
    s->in = (reader){app, len, 0, how == SMALL_READS ? 1000 : CHUNK, 0};
    s->out.cap = cap;
    s->out.buf = malloc(cap);
    s->out.times = calloc(cap, 1);
    *io = (eei_io){.write = write_cb, .progress = progress_cb, .ctx = s};
    if (how == IN_MEMORY) {
        io->data = app;
        io->size = len;
    } else {
        io->read = read_cb;
    }
}

static void streams_free(streams *s)
{
    free(s->out.buf);
    free(s->out.times);
}

/* The signed app made one step after the other: the whole app hashed, then its tail. */
static uint8_t *sign_sequentially(const eei_key *const *keys, size_t nkeys, const uint8_t *app,
                                  size_t len, size_t *signed_len)
{
    eei_sign_ctx *ctx = NULL;
    uint8_t tail[EEI_SIGN_TAIL_MAX];
    size_t tail_len = 0;
    uint8_t *out = NULL;
    if (eei_sign_new(keys, nkeys, NULL, &ctx, NULL) == EEI_OK) {
        eei_sign_update(ctx, app, len);
        if (eei_sign_final(ctx, tail, &tail_len, NULL) == EEI_OK) {
            out = malloc(len + tail_len);
            memcpy(out, app, len);
            memcpy(out + len, tail, tail_len);
            *signed_len = len + tail_len;
        }
    }
    eei_sign_free(ctx);
    return out;
}

/*
 * Signatures are randomised (PSS, ECDSA): each block's signature and CRC, the only bytes two
 * signings of one app tell apart, are taken from `from` into `into`; the rest must be equal.
 */
static bool same_but_signatures(uint8_t *into, const uint8_t *from, size_t len)
{
    size_t sector = len - EEI_SB_SECTOR_SIZE;
    for (size_t i = 0; i < EEI_SB_BLOCKS_MAX; i++) {
        uint8_t *a = into + sector + i * EEI_SB_BLOCK_SIZE;
        const uint8_t *b = from + sector + i * EEI_SB_BLOCK_SIZE;
        eei_sb_block ba, bb;
        eei_sb_err ea = eei_sb_block_parse(a, &ba), eb = eei_sb_block_parse(b, &bb);
        if (ea != eb) {
            return false;
        }
        if (ea != EEI_SB_OK) {
            break;
        }
        size_t at = (size_t)(ba.sig - a);
        if (ba.sig_len != bb.sig_len || (size_t)(bb.sig - b) != at) {
            return false;
        }
        memcpy(a + at, b + at, ba.sig_len);
        memcpy(a + EEI_SB_CRC_SPAN, b + EEI_SB_CRC_SPAN, 4);
    }
    return memcmp(into, from, len) == 0;
}

/* The AES key in an image's header, opened with the device's private key. */
static bool image_key(const eei_key *device, const eei_header *h, uint8_t key[EEI_AES_KEY_SIZE])
{
    if (eei_key_get_scheme(device) == EEI_SCHEME_RSA3072) {
        return eei_crypto_rsa_unwrap(device, h->key_block, key, NULL) == 0;
    }
    return eei_crypto_ecies_decap(device, eei_header_ecies_point(h), eei_header_ecies_salt(h), key,
                                  NULL) == 0;
}

/*
 * The image that encrypting `plain` in one call makes with the key block and IV of img's
 * header: the header with its length and tag, then the ciphertext. NULL if it cannot be made.
 */
static uint8_t *encrypt_sequentially(const eei_key *device, const uint8_t *img, size_t img_len,
                                     const uint8_t *plain, size_t len)
{
    eei_header h;
    uint8_t key[EEI_AES_KEY_SIZE], tag[EEI_TAG_SIZE];
    eei_crypto_gcm *gcm = NULL;
    uint8_t *out = malloc(len + HEADER);
    bool ok =
        out && eei_header_decode(img, img_len, &h) == EEI_FMT_OK && image_key(device, &h, key);
    ok = ok && eei_crypto_gcm_start(&gcm, true, key, h.iv, NULL) == 0;
    ok = ok && eei_crypto_gcm_update(gcm, plain, out + HEADER, len, NULL) == 0;
    ok = ok && eei_crypto_gcm_finish_encrypt(gcm, tag, NULL) == 0;
    if (ok) {
        h.payload_len = (uint32_t)len;
        eei_header_set_tag(&h, tag);
        eei_header_encode(&h, out);
    }
    eei_crypto_gcm_free(gcm);
    eei_crypto_wipe(key, sizeof(key));
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

/*
 * One app through eei_encrypt_signed_stream, held to the sequential path: its signed app (but
 * for the signatures' random bytes, which must verify), and then its image, byte for byte.
 */
static void check_one(const eei_key *device_pub, const eei_key *device,
                      const eei_key *const *signers, const eei_key *const *verifiers, size_t nsign,
                      const uint8_t *app, size_t len, feed how)
{
    size_t ref_len = 0;
    uint8_t *ref = sign_sequentially(signers, nsign, app, len, &ref_len);
    CHECK(ref != NULL);
    if (!ref) {
        return;
    }
    size_t img_len = ref_len + HEADER;
    streams s;
    eei_io io;
    streams_init(&s, app, len, how, img_len, &io);
    uint64_t payload = 0;
    eei_error err = {EEI_OK, ""};
    eei_status st = eei_encrypt_signed_stream(device_pub, signers, nsign, &io, &payload, &err);
    CHECK(st == EEI_OK);
    if (st != EEI_OK) {
        fprintf(stderr, "  %zu bytes, feed %d: %s\n", len, (int)how, err.msg);
    }
    CHECK(payload == ref_len && s.out.progress == len);
    size_t once = 0;
    for (size_t i = 0; i < img_len; i++) {
        once += s.out.times[i] == 1;
    }
    CHECK(once == img_len);

    /* the signed app inside: the app, its padding, a sector whose blocks sign it */
    uint8_t *plain = malloc(ref_len);
    size_t plain_len = 0;
    CHECK(eei_decrypt_buffer(device, s.out.buf, img_len, plain, ref_len, &plain_len, NULL) ==
          EEI_OK);
    CHECK(plain_len == ref_len && same_but_signatures(ref, plain, ref_len));
    eei_io signed_app = {.data = ref, .size = ref_len};
    eei_sb_report rep;
    CHECK(eei_sb_check_stream(&signed_app, verifiers, nsign, &rep, NULL) == EEI_OK);
    CHECK(rep.count == nsign && rep.signed_size == ref_len - EEI_SB_SECTOR_SIZE);
    for (size_t i = 0; i < nsign; i++) {
        CHECK(rep.blocks[i].verified_by == (int)i);
    }
    /* and the image: what one encryption of that signed app makes with the same key and IV */
    uint8_t *want = encrypt_sequentially(device, s.out.buf, img_len, ref, ref_len);
    CHECK(want && memcmp(want, s.out.buf, img_len) == 0);
    free(want);
    free(plain);
    free(ref);
    streams_free(&s);
}

static void test_byte_identity(const eei_key *rsa_pub, const eei_key *rsa, const eei_key *ecc,
                               const eei_key *p256, const eei_key *p384)
{
    /*
     * The first read asks for CHUNK - HEADER bytes (the header's room), the others for CHUNK: a
     * byte either side of each bound, inputs that end on one (the last read gets nothing), more
     * pieces than the helper has buffers, apps whose padding is empty.
     */
    const size_t first = CHUNK - HEADER;
    const size_t sizes[] = {
        1, /* one byte, then the padding's bounds */
        2,
        4095,
        4096,
        4097,
        first - 1, /* the first read's bound */
        first,
        first + 1,
        CHUNK,
        first + CHUNK, /* ending on a bound */
        first + 3 * CHUNK,
        first + 5 * CHUNK - 1, /* more pieces than the helper's buffers */
        6 * CHUNK + 12345,
    };
    size_t max = 6 * CHUNK + 12345;
    uint8_t *app = malloc(max);
    for (size_t i = 0; i < max; i++) {
        app[i] = (uint8_t)(i * 131 + (i >> 9));
    }
    const eei_key *sign_all3[3] = {rsa, p256, p384};
    const eei_key *verify_all3[3] = {rsa_pub, p256, p384};
    const eei_key *devices[2][2] = {{rsa_pub, rsa}, {ecc, ecc}};
    size_t k = 0;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int how = WHOLE_READS; how <= IN_MEMORY; how++, k++) {
            const eei_key *const *dev = devices[k % 2];
            size_t nsign = 1 + k % 3; /* RSA; RSA and P-256; all three */
            check_one(dev[0], dev[1], sign_all3, verify_all3, nsign, app, sizes[i], (feed)how);
        }
    }
    /* P-256 and P-384 alone: a SHA-256 and a SHA-384 digest, each on its own */
    check_one(rsa_pub, rsa, sign_all3 + 1, verify_all3 + 1, 1, app, first + CHUNK + 7, SMALL_READS);
    check_one(rsa_pub, rsa, sign_all3 + 2, verify_all3 + 2, 1, app, 3 * CHUNK, WHOLE_READS);
    free(app);
}

/* A failure on the way: the status and message it made, and nothing left held. */
static void expect_failure(const eei_key *device_pub, const eei_key *const *signers,
                           const uint8_t *app, size_t len, feed how, size_t read_fail_from,
                           size_t write_fail_at, eei_status want, const char *msg)
{
    streams s;
    eei_io io;
    streams_init(&s, app, len, how, len + 2 * EEI_SB_SECTOR_SIZE + HEADER, &io);
    s.in.fail_from = read_fail_from;
    s.out.fail_at_call = write_fail_at;
    uint64_t payload = 1;
    eei_error err = {EEI_OK, ""};
    CHECK(eei_encrypt_signed_stream(device_pub, signers, 1, &io, &payload, &err) == want);
    CHECK(err.status == want && strstr(err.msg, msg) != NULL);
    if (!strstr(err.msg, msg)) {
        fprintf(stderr, "  wanted '%s', got '%s'\n", msg, err.msg);
    }
    /* the header is written last: a failure leaves no image that opens */
    CHECK(s.out.times[0] == 0);
    streams_free(&s);
}

/* How many writes a whole image of len bytes takes. */
static size_t count_writes(const eei_key *device_pub, const eei_key *const *signers,
                           const uint8_t *app, size_t len)
{
    streams s;
    eei_io io;
    streams_init(&s, app, len, WHOLE_READS, len + 2 * EEI_SB_SECTOR_SIZE + HEADER, &io);
    CHECK(eei_encrypt_signed_stream(device_pub, signers, 1, &io, NULL, NULL) == EEI_OK);
    size_t calls = s.out.calls;
    streams_free(&s);
    return calls;
}

static void test_failures(const eei_key *rsa_pub, const eei_key *rsa, const eei_key *p384)
{
    size_t len = 6 * CHUNK + 999;
    uint8_t *app = malloc(len);
    for (size_t i = 0; i < len; i++) {
        app[i] = (uint8_t)(i * 7);
    }
    const eei_key *signers[1] = {rsa};
    /* the input fails at once, mid-way (with pieces still being hashed), at its very end */
    expect_failure(rsa_pub, signers, app, len, WHOLE_READS, 1, 0, EEI_ERR_FILE, "read error");
    expect_failure(rsa_pub, signers, app, len, WHOLE_READS, 3 * CHUNK, 0, EEI_ERR_FILE,
                   "read error");
    expect_failure(rsa_pub, signers, app, len, SMALL_READS, len, 0, EEI_ERR_FILE, "read error");
    /* the output fails on its first write, mid-way, and on the last (the header's page) */
    expect_failure(rsa_pub, signers, app, len, WHOLE_READS, 0, 1, EEI_ERR_FILE, "disk full");
    expect_failure(rsa_pub, signers, app, len, IN_MEMORY, 0, 4, EEI_ERR_FILE, "disk full");
    /* the last write is the header's page, once the signature sector was encrypted */
    size_t writes = count_writes(rsa_pub, signers, app, len);
    CHECK(writes > 6);
    expect_failure(rsa_pub, signers, app, len, WHOLE_READS, 0, writes - 1, EEI_ERR_FILE,
                   "disk full");
    expect_failure(rsa_pub, signers, app, len, SMALL_READS, 0, writes, EEI_ERR_FILE, "disk full");

    /* signing fails once the whole app went by: nothing to sign, and bytes after an app */
    expect_failure(rsa_pub, signers, app, 0, WHOLE_READS, 0, 0, EEI_ERR_FILE, "the app is empty");
    uint8_t fixture[FIXTURE_APP_BUF];
    size_t app_len = fixture_app(fixture, 30);
    uint8_t *trailing = malloc(2 * CHUNK);
    memcpy(trailing, fixture, app_len);
    memset(trailing + app_len, 0x5a, 2 * CHUNK - app_len);
    expect_failure(rsa_pub, signers, trailing, 2 * CHUNK, SMALL_READS, 0, 0, EEI_ERR_REJECTED,
                   "layout ends");
    free(trailing);

    /* keys that cannot: a public signing key, a device key that only signs (no helper started) */
    const eei_key *pub_signer[1] = {rsa_pub};
    expect_failure(rsa_pub, pub_signer, app, len, WHOLE_READS, 0, 0, EEI_ERR_KEY, "public key");
    expect_failure(p384, signers, app, len, WHOLE_READS, 0, 0, EEI_ERR_KEY, "P-384");
    free(app);
}

static eei_key *load(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    eei_key *key = NULL;
    eei_error err;
    if (eei_key_load_file(path, NULL, &key, &err) != EEI_OK) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
    }
    CHECK(key != NULL);
    return key;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_signed_stream VECTORS_DIR\n");
        return 2;
    }
    eei_key *rsa = load(argv[1], "kat/rsa_private.pem");
    eei_key *rsa_pub = load(argv[1], "kat/rsa_public.pem");
    eei_key *ecc = NULL, *p256 = NULL, *p384 = NULL;
    CHECK(eei_key_generate(EEI_KEY_P256, &ecc, NULL) == EEI_OK);
    CHECK(eei_key_generate(EEI_KEY_P256, &p256, NULL) == EEI_OK);
    CHECK(eei_key_generate(EEI_KEY_P384, &p384, NULL) == EEI_OK);
    if (rsa && rsa_pub && ecc && p256 && p384) {
        test_byte_identity(rsa_pub, rsa, ecc, p256, p384);
        test_failures(rsa_pub, rsa, p384);
    }
    eei_key_free(rsa);
    eei_key_free(rsa_pub);
    eei_key_free(ecc);
    eei_key_free(p256);
    eei_key_free(p384);
    return check_summary();
}
