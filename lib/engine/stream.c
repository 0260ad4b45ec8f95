/*
 * Whole images over the caller's callbacks (eei_io) or buffers: the one loop that encrypts an
 * input into an output, and the one that decrypts (and hashes) an image into an output.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "engine/app_scan.h"
#include "engine/pipeline.h"
#include "error/error_internal.h"

/* The first page of an encrypted image, held back until its header is known. */
#define HEAD_PAGE 4096u

/*
 * Where finished bytes go: the caller's write and/or a hash. It runs on a helper thread (a
 * second core) when one can be had, so reading and the cipher overlap with writing and hashing.
 */
typedef struct {
    const eei_io *io;
    eei_sha256 *sha;
    eei_app_scan *scan; /* the plaintext read as an app */
    eei_error err;
} sink;

static eei_status sink_take(void *ctx, const uint8_t *data, size_t len, uint64_t offset)
{
    sink *s = ctx;
    if (s->sha) {
        eei_crypto_sha256_update(s->sha, data, len);
    }
    if (s->scan) {
        eei_app_scan_update(s->scan, data, len);
    }
    /* the write callback keeps the public convention: 0, or non-zero after filling the error */
    if (!s->io->write || s->io->write(s->io->ctx, data, len, offset, &s->err) == 0) {
        return EEI_OK;
    }
    if (s->err.status == EEI_OK) {
        return eei_error_set(&s->err, EEI_ERR_FILE, "the output could not be written");
    }
    return s->err.status;
}

/* sink_take on this thread, a failure's detail copied to err. */
static eei_status sink_put_now(sink *s, const uint8_t *data, size_t len, uint64_t offset,
                               eei_error *err)
{
    eei_status st = sink_take(s, data, len, offset);
    if (st != EEI_OK) {
        *err = s->err;
    }
    return st;
}

static eei_status sink_put(eei_pipeline *pl, sink *s, const uint8_t *data, size_t len,
                           uint64_t offset, eei_error *err)
{
    if (len == 0) {
        return EEI_OK;
    }
    if (!pl) {
        return sink_put_now(s, data, len, offset, err);
    }
    eei_pipeline_submit(pl, data, len, offset);
    eei_status st = eei_pipeline_result(pl);
    if (st != EEI_OK) {
        *err = s->err;
    }
    return st;
}

/* Drain the helper; its first failure becomes the result if nothing failed before. */
static eei_status sink_close(eei_pipeline *pl, sink *s, eei_status st, eei_error *err)
{
    eei_status helper = pl ? eei_pipeline_finish(pl) : EEI_OK;
    if (helper != EEI_OK && st == EEI_OK) {
        *err = s->err;
        return helper;
    }
    return st;
}

/* The next piece of the input: *data points into buf (read) or into the caller's memory. */
static eei_status source_next(const eei_io *io, uint64_t *pos, uint8_t *buf, size_t cap,
                              const uint8_t **data, size_t *n, eei_error *err)
{
    *n = 0;
    if (io->read) {
        *data = buf;
        /* the read callback keeps the public convention: 0, or non-zero after filling err */
        if (io->read(io->ctx, buf, cap, n, err) != 0) {
            return err->status == EEI_OK
                       ? eei_error_set(err, EEI_ERR_FILE, "the input could not be read")
                       : err->status;
        }
        if (*n > cap) {
            return eei_error_set(err, EEI_ERR_USAGE, "the read callback returned more than asked");
        }
    } else {
        size_t left = io->size - (size_t)*pos;
        *n = left < cap ? left : cap;
        *data = io->data + *pos;
    }
    *pos += *n;
    return EEI_OK;
}

/*
 * The buffers a loop works in: the input's (when read) and the output's (without a helper; the
 * input's own when the work can be done in place).
 */
typedef struct {
    eei_pipeline *pl;
    uint8_t *in;
    uint8_t *out;
} buffers;

static eei_status buffers_get(buffers *b, bool read_in, bool helper, bool in_place, sink *s,
                              eei_error *err)
{
    b->pl = helper ? eei_pipeline_start(EEI_IO_CHUNK, sink_take, s) : NULL;
    b->in = read_in ? malloc(EEI_IO_CHUNK) : NULL;
    b->out = b->pl ? NULL : read_in && in_place ? b->in : malloc(EEI_IO_CHUNK);
    if ((read_in && !b->in) || (!b->pl && !b->out)) {
        return eei_error_set(err, EEI_ERR_SYSTEM, "out of memory");
    }
    return EEI_OK;
}

/* The buffer the next finished bytes go to: the helper's, or the loop's own. */
static uint8_t *buffers_next(buffers *b)
{
    return b->pl ? eei_pipeline_acquire(b->pl) : b->out;
}

static void buffers_free(buffers *b)
{
    if (b->out != b->in) {
        eei_free(b->out, b->out ? EEI_IO_CHUNK : 0);
    }
    eei_free(b->in, b->in ? EEI_IO_CHUNK : 0); /* firmware passed through them */
}

static void report(const eei_io *io, uint64_t done)
{
    if (io->progress) {
        io->progress(io->ctx, done);
    }
}

/* The app's digests for its signature, taken on the helper thread. */
static eei_status sign_take(void *ctx, const uint8_t *data, size_t len, uint64_t offset)
{
    (void)offset;
    eei_sign_update(ctx, data, len);
    return EEI_OK;
}

/* Every byte of the app hashed: the hashing helper drained and gone. */
static void hash_close(eei_pipeline **hash)
{
    if (*hash) {
        (void)eei_pipeline_finish(*hash); /* sign_take never fails */
        *hash = NULL;
    }
}

/*
 * Encrypt io's input for device_key; with sign, the app is signed on the way (its padding and
 * signature sector, made when the input ends, are encrypted after it).
 *
 * Signing hashes the app, a stage slower than the cipher: it gets the second core to itself.
 * The app is read into the hashing helper's buffers, and the cipher reads the same bytes here
 * while the helper hashes them; the output is written from this thread. Without signing (or
 * without a helper for the hash) the helper writes instead.
 */
static eei_status encrypt_stream(const eei_key *device_key, eei_sign_ctx *sign, const eei_io *io,
                                 uint64_t *payload_size, eei_error *err)
{
    if (!io->write) {
        eei_fail(err, EEI_ERR_USAGE, "encryption needs somewhere to write the image");
        return err->status;
    }
    eei_encrypt_ctx *enc = NULL;
    sink s = {.io = io};
    buffers b = {0};
    eei_pipeline *hash = NULL;
    eei_status st = eei_encrypt_new(device_key, &enc, err);
    if (st == EEI_OK && sign) {
        hash = eei_pipeline_start(EEI_IO_CHUNK, sign_take, sign);
    }
    /* in place is not possible: the header's room shifts the first chunk */
    st = st == EEI_OK ? buffers_get(&b, io->read && !hash, !hash, false, &s, err) : st;
    /*
     * The header's length and tag are known only at the end. Its place is reserved with zeros
     * at the front of the first chunk, and the output's first page is held back and written
     * last, so no page is written twice (a page under writeback would make that second write
     * wait) and every other write starts on a chunk boundary.
     */
    uint8_t first_page[HEAD_PAGE];
    uint8_t tail[EEI_SIGN_TAIL_MAX];
    eei_io tail_io = {.data = tail}; /* the signed app's end, once the app has ended */
    const eei_io *src = io;
    size_t held = 0, lead = EEI_HEADER_SIZE;
    uint64_t pos = 0, tail_pos = 0, offset = 0;
    for (size_t n = 1; st == EEI_OK;) {
        const uint8_t *data;
        /* the app goes to the hash in the buffer it was read into: one is free once hashed */
        uint8_t *in = hash && src == io ? eei_pipeline_acquire(hash) : b.in;
        st =
            source_next(src, src == io ? &pos : &tail_pos, in, EEI_IO_CHUNK - lead, &data, &n, err);
        if (st == EEI_OK && n == 0 && sign && src == io) {
            hash_close(&hash);
            st = eei_sign_final(sign, tail, &tail_io.size, err);
            src = &tail_io;
            continue;
        }
        if (st != EEI_OK || (n == 0 && lead == 0)) {
            break;
        }
        if (hash && src == io) {
            eei_pipeline_submit(hash, data, n, pos - n);
        } else if (sign && src == io) {
            eei_sign_update(sign, data, n);
        }
        uint8_t *dst = buffers_next(&b);
        size_t len = lead + n, skip = 0;
        memset(dst, 0, lead);
        st = eei_encrypt_update(enc, data, dst + lead, n, err);
        if (st == EEI_OK && lead > 0) {
            held = skip = len < HEAD_PAGE ? len : HEAD_PAGE;
            memcpy(first_page, dst, held);
        }
        if (st == EEI_OK) {
            st = sink_put(b.pl, &s, dst + skip, len - skip, offset + skip, err);
        }
        offset += len;
        lead = 0;
        report(io, pos);
    }
    hash_close(&hash); /* a failure before the app's end: what was handed over is let go */
    st = sink_close(b.pl, &s, st, err);
    uint8_t header[EEI_HEADER_SIZE];
    if (st == EEI_OK) {
        st = eei_encrypt_final(enc, header, err);
    }
    if (st == EEI_OK) {
        memcpy(first_page, header, sizeof(header));
        st = sink_put_now(&s, first_page, held, 0, err);
    }
    if (payload_size) {
        *payload_size = enc ? eei_encrypt_payload_size(enc) : 0;
    }
    buffers_free(&b);
    eei_encrypt_free(enc);
    return st;
}

eei_status eei_encrypt_stream(const eei_key *device_key, const eei_io *io, uint64_t *payload_size,
                              eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    return encrypt_stream(device_key, NULL, io, payload_size, err);
}

eei_status eei_encrypt_signed_stream(const eei_key *device_key, const eei_key *const *sign_keys,
                                     size_t nsign, const eei_io *io, uint64_t *payload_size,
                                     eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    eei_sign_ctx *sign = NULL;
    if (payload_size) {
        *payload_size = 0;
    }
    eei_status st = eei_sign_new(sign_keys, nsign, NULL, &sign, err);
    if (st == EEI_OK) {
        st = encrypt_stream(device_key, sign, io, payload_size, err);
    }
    eei_sign_free(sign);
    return st;
}

/* Decrypt and authenticate io's image; with scan, the plaintext also goes through it. */
static eei_status decrypt_stream(const eei_key *key, const eei_io *io, unsigned flags,
                                 eei_app_scan *scan, eei_decrypt_result *res, eei_error *err)
{
    eei_decrypt_result local;
    res = res ? res : &local;
    memset(res, 0, sizeof(*res));
    eei_decrypt_ctx *dec = NULL;
    sink s = {.io = io, .scan = scan};
    buffers b = {0};
    eei_status st = eei_decrypt_new(key, &dec, err);
    if (st == EEI_OK && (flags & EEI_HASH_PLAINTEXT)) {
        st = eei_crypto_sha256_start(&s.sha, err);
    }
    /*
     * A helper thread for writing and hashing; the app scan alone stays inline (data that is not
     * an app ends it at the first byte: a thread would only add hand-overs to a bare verify).
     */
    st = st == EEI_OK ? buffers_get(&b, io->read, io->write || s.sha, true, &s, err) : st;
    uint64_t pos = 0;
    for (size_t n = 1; st == EEI_OK;) {
        /*
         * Whole chunks from the start, header included: the input is read on chunk boundaries.
         * (Reading the header alone first, so that the plaintext is written on them instead,
         * measured slower: bench/results.md.)
         */
        const uint8_t *data;
        size_t plain = 0;
        st = source_next(io, &pos, b.in, EEI_IO_CHUNK, &data, &n, err);
        if (st != EEI_OK || n == 0) {
            break;
        }
        uint8_t *dst = buffers_next(&b);
        st = eei_decrypt_update(dec, data, n, dst, &plain, err);
        if (st == EEI_OK) {
            st = sink_put(b.pl, &s, dst, plain, res->payload_size, err);
            res->payload_size += plain;
        }
        report(io, pos);
    }
    res->image_size = pos;
    st = sink_close(b.pl, &s, st, err);
    if (st == EEI_OK) {
        st = eei_decrypt_final(dec, err);
        res->authentic = st == EEI_OK;
    }
    if (dec) {
        res->header_len = eei_decrypt_header(dec, res->header);
    }
    if (s.sha) {
        eei_crypto_sha256_finish(s.sha, res->plaintext_sha256);
        eei_crypto_sha256_free(s.sha);
        res->hashed = st == EEI_OK;
    }
    buffers_free(&b);
    eei_decrypt_free(dec);
    return st;
}

/* Decrypt, reading the plaintext as an app; with need_signature, one of sign_keys signed it. */
static eei_status decrypt_app(const eei_key *key, const eei_io *io, unsigned flags,
                              bool need_signature, const eei_key *const *sign_keys, size_t nsign,
                              eei_decrypt_result *res, eei_app_info *app, eei_error *err)
{
    eei_decrypt_result local;
    res = res ? res : &local;
    memset(res, 0, sizeof(*res));
    eei_app_info_clear(app);
    eei_app_scan *scan = NULL;
    eei_status st = eei_app_scan_start(&scan, need_signature, err);
    if (st == EEI_OK) {
        st = decrypt_stream(key, io, flags, scan, res, err);
    }
    if (st == EEI_OK) {
        st = eei_app_scan_final(scan, sign_keys, nsign, app, err);
    }
    bool verified = false;
    for (unsigned i = 0; i < app->sig.count; i++) {
        verified |= app->sig.blocks[i].verified_by >= 0;
    }
    if (st == EEI_OK && need_signature && !verified) {
        st = eei_error_set(err, EEI_ERR_REJECTED,
                           "authentic, but no signature block of the app verifies with the "
                           "signing keys given");
    }
    eei_app_scan_free(scan);
    return st;
}

eei_status eei_decrypt_stream(const eei_key *key, const eei_io *io, const eei_decrypt_options *opts,
                              eei_decrypt_result *res, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    const eei_decrypt_options none = {0};
    opts = opts ? opts : &none;
    if (!opts->app && opts->nsign == 0) {
        return decrypt_stream(key, io, opts->flags, NULL, res, err);
    }
    eei_app_info local;
    return decrypt_app(key, io, opts->flags, opts->nsign > 0, opts->sign_keys, opts->nsign, res,
                       opts->app ? opts->app : &local, err);
}

eei_status eei_sign_stream(const eei_key *const *keys, size_t nkeys, const uint8_t *keep_sector,
                           const eei_io *io, uint64_t *signed_size, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    if (!io->write) {
        eei_fail(err, EEI_ERR_USAGE, "signing needs somewhere to write the signed app");
        return err->status;
    }
    eei_sign_ctx *ctx = NULL;
    sink s = {.io = io};
    buffers b = {0};
    eei_status st = eei_sign_new(keys, nkeys, keep_sector, &ctx, err);
    /* the input is read straight into the buffer that is written: the app passes unchanged */
    st = st == EEI_OK ? buffers_get(&b, false, true, false, &s, err) : st;
    uint64_t pos = 0;
    for (size_t n = 1; st == EEI_OK;) {
        uint8_t *dst = buffers_next(&b);
        const uint8_t *data;
        st = source_next(io, &pos, dst, EEI_IO_CHUNK, &data, &n, err);
        if (st != EEI_OK || n == 0) {
            break;
        }
        eei_sign_update(ctx, data, n);
        st = sink_put(b.pl, &s, data, n, pos - n, err);
        report(io, pos);
    }
    st = sink_close(b.pl, &s, st, err);
    uint8_t tail[EEI_SIGN_TAIL_MAX];
    size_t tail_len = 0;
    if (st == EEI_OK) {
        st = eei_sign_final(ctx, tail, &tail_len, err);
    }
    if (st == EEI_OK) {
        st = sink_put_now(&s, tail, tail_len, pos, err);
    }
    if (signed_size) {
        *signed_size = st == EEI_OK ? pos + tail_len : 0;
    }
    buffers_free(&b);
    eei_sign_free(ctx);
    return st;
}

eei_status eei_sb_check_stream(const eei_io *io, const eei_key *const *keys, size_t nkeys,
                               eei_sb_report *rep, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    eei_sb_report_clear(rep);
    eei_sb_check *chk = NULL;
    uint8_t *buf = io->read ? malloc(EEI_IO_CHUNK) : NULL;
    eei_status st = io->read && !buf ? eei_error_set(err, EEI_ERR_SYSTEM, "out of memory") : EEI_OK;
    st = st == EEI_OK ? eei_sb_check_new(&chk, err) : st;
    uint64_t pos = 0;
    for (size_t n = 1; st == EEI_OK && n > 0;) {
        const uint8_t *data;
        st = source_next(io, &pos, buf, EEI_IO_CHUNK, &data, &n, err);
        if (st == EEI_OK) {
            eei_sb_check_update(chk, data, n);
            report(io, pos);
        }
    }
    if (st == EEI_OK) {
        st = eei_sb_check_final(chk, keys, nkeys, rep, err);
    }
    eei_sb_check_free(chk);
    free(buf);
    return st;
}

/* ---- buffers ---- */

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t end; /* the furthest byte written */
} memory_out;

static int memory_write(void *ctx, const uint8_t *data, size_t len, uint64_t offset, eei_error *err)
{
    memory_out *m = ctx;
    if (offset > m->cap || len > m->cap - offset) {
        return eei_fail(err, EEI_ERR_USAGE, "the output buffer is too small");
    }
    memcpy(m->buf + offset, data, len);
    m->end = offset + len > m->end ? (size_t)(offset + len) : m->end;
    return 0;
}

eei_status eei_encrypt_buffer(const eei_key *device_key, const uint8_t *in, size_t in_len,
                              uint8_t *out, size_t out_cap, size_t *out_len, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out_len = 0;
    if (in_len > EEI_MAX_PAYLOAD || out_cap < in_len + EEI_HEADER_SIZE) {
        eei_fail(err, EEI_ERR_USAGE, "the output buffer needs %zu bytes; it has %zu",
                 in_len + EEI_HEADER_SIZE, out_cap);
        return err->status;
    }
    memory_out m = {out, out_cap, 0};
    eei_io io = {.data = in, .size = in_len, .write = memory_write, .ctx = &m};
    eei_status st = eei_encrypt_stream(device_key, &io, NULL, err);
    *out_len = st == EEI_OK ? m.end : 0;
    return st;
}

eei_status eei_decrypt_buffer(const eei_key *key, const uint8_t *in, size_t in_len, uint8_t *out,
                              size_t out_cap, size_t *out_len, eei_error *err)
{
    EEI_ERROR_OR_LOCAL(err);
    *out_len = 0;
    memory_out m = {out, out_cap, 0};
    eei_io io = {.data = in, .size = in_len, .write = memory_write, .ctx = &m};
    eei_decrypt_result res;
    eei_status st = eei_decrypt_stream(key, &io, NULL, &res, err);
    if (st != EEI_OK) {
        eei_wipe(out, m.end); /* no unauthenticated plaintext is left behind */
        return st;
    }
    *out_len = (size_t)res.payload_size;
    return EEI_OK;
}
