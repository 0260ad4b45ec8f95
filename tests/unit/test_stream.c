/*
 * libesp_enc_img through its public header: whole images over callbacks and buffers
 * (lib/engine/stream.c): pieces of any size, progress, a writer or reader that fails, the payload
 * limit, in memory. argv[1]: the vectors folder (its keys are read at test time).
 */

#include "lib_fixture.h"
#include "mem_reader.h"

typedef mem_reader reader;

static int read_some(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    return mem_reader_read(ctx, buf, cap, got, err);
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
    reader rd = {plain, len, 0, 1000, 0};
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
    reader rd2 = {rec.buf, img_len, 0, 4096, 0};
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
    rd.fail_from = 1; /* fails after the first piece */
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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_stream VECTORS_DIR\n");
        return 2;
    }
    vectors = argv[1];
    eei_key *rsa_priv = load_key("kat/rsa_private.pem");
    eei_key *rsa_pub = load_key("kat/rsa_public.pem");
    eei_key *hmac = load_key("kat/hmac_key.bin");
    eei_key *hmac_pub = load_key("kat/hmac_device_pub.pem");

    test_streams(rsa_pub, rsa_priv);
    test_streams(hmac_pub, hmac);
    test_length_limit(hmac_pub);
    test_buffers(hmac_pub, hmac);

    eei_key_free(rsa_priv);
    eei_key_free(rsa_pub);
    eei_key_free(hmac);
    eei_key_free(hmac_pub);
    return check_summary();
}
