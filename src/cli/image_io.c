#include "cli/image_io.h"

#include <string.h>

#include "cli/pipeline.h"

/*
 * Where finished bytes go: the output file and/or a hash. It runs on a helper thread (a second
 * core) when one can be had, so reading and the cipher overlap with writing and hashing.
 */
typedef struct {
    output_file *out;
    crypto_sha256 *sha;
    eei_error err;
} sink;

static int sink_take(void *ctx, const uint8_t *data, size_t len)
{
    sink *s = ctx;
    if (s->sha) {
        crypto_sha256_update(s->sha, data, len);
    }
    return s->out ? output_write(s->out, data, len, &s->err) : 0;
}

/* The buffer the next finished bytes go to: the pipeline's, or buf itself without one. */
static uint8_t *sink_buffer(pipeline *pl, uint8_t *buf)
{
    return pl ? pipeline_acquire(pl) : buf;
}

static int sink_put(pipeline *pl, sink *s, const uint8_t *data, size_t len, eei_error *err)
{
    if (len == 0) {
        return 0;
    }
    if (!pl) {
        return sink_take(s, data, len) == 0 ? 0 : (*err = s->err, -1);
    }
    pipeline_submit(pl, len);
    if (pipeline_result(pl) != 0) {
        *err = s->err;
        return -1;
    }
    return 0;
}

/* Drain the helper; its first failure becomes the result if nothing failed before. */
static int sink_close(pipeline *pl, sink *s, int rc, eei_error *err)
{
    if (pl && pipeline_finish(pl) != 0 && rc == 0) {
        *err = s->err;
        return -1;
    }
    return rc;
}

/* The first page of an encrypted image, held back until its header is known. */
#define HEAD_PAGE 4096u

/* The next piece of the source: *data points into buf (file) or into the memory itself. */
static int source_next(byte_source *src, uint8_t *buf, size_t cap, const uint8_t **data, size_t *n,
                       eei_error *err)
{
    if (src->file) {
        *data = buf;
        return input_read(src->file, buf, cap, n, err);
    }
    size_t left = src->mem_len - src->mem_pos;
    *n = left < cap ? left : cap;
    *data = src->mem + src->mem_pos;
    src->mem_pos += *n;
    return 0;
}

int image_encrypt(byte_source *src, output_file *out, const eei_key *key, uint8_t *buf, progress *p,
                  eei_error *err)
{
    eei_encryptor enc;
    uint8_t header[EEI_HEADER_SIZE] = {0};
    if (eei_encrypt_start(&enc, key, err) != 0) {
        eei_encrypt_end(&enc);
        return -1;
    }
    /*
     * The header's length and tag are known only at the end. Its place is reserved with zeros
     * at the front of the first chunk, and the file's first page is held back and written last,
     * so no page is written twice (a page under writeback would make that second write wait)
     * and every other write starts on a chunk boundary.
     */
    sink s = {.out = out};
    pipeline *pl = pipeline_start(EEI_IO_CHUNK, sink_take, &s);
    uint8_t first_page[HEAD_PAGE];
    size_t held = 0, lead = EEI_HEADER_SIZE;
    int rc = pl ? output_seek(out, HEAD_PAGE, err) : output_write(out, header, sizeof(header), err);
    if (!pl) { /* encrypting in place in buf: the placeholder went on its own */
        lead = 0;
    }
    for (size_t n = 1; rc == 0 && (n > 0 || lead > 0);) {
        const uint8_t *data;
        rc = source_next(src, buf, EEI_IO_CHUNK - lead, &data, &n, err);
        uint8_t *dst = rc == 0 && (n > 0 || lead > 0) ? sink_buffer(pl, buf) : NULL;
        size_t len = lead + n;
        if (dst) {
            memset(dst, 0, lead);
            rc = eei_encrypt_update(&enc, data, dst + lead, n, err);
        }
        if (rc == 0 && dst && lead > 0) {
            held = len < HEAD_PAGE ? len : HEAD_PAGE;
            memcpy(first_page, dst, held);
            memmove(dst, dst + held, len - held);
            len -= held;
        }
        if (rc == 0 && dst) {
            rc = sink_put(pl, &s, dst, len, err);
        }
        lead = 0;
        if (p) {
            progress_update(p, enc.payload_len);
        }
    }
    rc = sink_close(pl, &s, rc, err);
    /* a file that shrank or grew while it was read would be encrypted as neither version */
    if (rc == 0 && src->file && src->file->regular && enc.payload_len != src->file->size) {
        rc = eei_fail(err, EEI_ERR_FILE,
                      "%s: changed size while it was read (%llu bytes, now %llu)", src->file->name,
                      (unsigned long long)src->file->size, (unsigned long long)enc.payload_len);
    }
    if (rc == 0) {
        rc = eei_encrypt_finish(&enc, header, err);
    }
    if (rc == 0 && pl) {
        memcpy(first_page, header, sizeof(header));
        rc = output_pwrite(out, first_page, held, 0, err);
    } else if (rc == 0) {
        rc = output_pwrite(out, header, sizeof(header), 0, err);
    }
    eei_encrypt_end(&enc);
    return rc;
}

int image_decrypt(byte_source *src, output_file *out, crypto_sha256 *sha, const eei_key *key,
                  uint8_t *buf, progress *p, uint8_t header[EEI_HEADER_SIZE], uint64_t *consumed,
                  eei_error *err)
{
    eei_decryptor dec;
    *consumed = 0;
    int rc = eei_decrypt_start(&dec, key, err);
    sink s = {.out = out, .sha = sha};
    pipeline *pl = rc == 0 && (out || sha) ? pipeline_start(EEI_IO_CHUNK, sink_take, &s) : NULL;
    for (size_t n = 1; rc == 0 && n > 0;) {
        const uint8_t *data;
        size_t plain = 0;
        rc = source_next(src, buf, EEI_IO_CHUNK, &data, &n, err);
        uint8_t *dst = rc == 0 && n > 0 ? sink_buffer(pl, buf) : NULL;
        if (dst) {
            rc = eei_decrypt_update(&dec, data, n, dst, &plain, err);
            *consumed += n;
        }
        if (rc == 0 && dst) {
            rc = sink_put(pl, &s, dst, plain, err);
        }
        if (p) {
            progress_update(p, *consumed);
        }
    }
    rc = sink_close(pl, &s, rc, err);
    if (rc == 0) {
        rc = eei_decrypt_finish(&dec, err);
    }
    memcpy(header, dec.header_buf, EEI_HEADER_SIZE);
    eei_decrypt_end(&dec);
    return rc;
}
