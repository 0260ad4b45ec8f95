#include "file_stream.h"

static int stream_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    file_stream *fs = ctx;
    if (cap > fs->limit) {
        cap = (size_t)fs->limit;
    }
    int rc = input_read(fs->in, buf, cap, got, err);
    if (rc != 0) {
        return rc;
    }
    fs->limit -= *got;
    fs->total += *got;
    if (fs->head_len < sizeof(fs->head)) {
        eei_header_collect(fs->head, &fs->head_len, buf, *got);
    }
    if (fs->sha) {
        eei_sha256_update(fs->sha, buf, *got);
    }
    if (fs->scan && *got > 0 && eei_app_scan_wants_more(fs->scan)) {
        eei_app_scan_update(fs->scan, buf, *got);
    }
    return 0;
}

static int stream_write(void *ctx, const uint8_t *data, size_t len, uint64_t offset, eei_error *err)
{
    file_stream *fs = ctx;
    return fs->out->opts.seekable ? output_pwrite(fs->out, data, len, offset, err)
                                  : output_write(fs->out, data, len, err);
}

static void stream_progress(void *ctx, uint64_t done)
{
    file_stream *fs = ctx;
    progress_update(fs->progress, done);
}

void file_stream_init(file_stream *fs, input_file *in, const uint8_t *data, size_t size,
                      output_file *out, progress *p)
{
    *fs = (file_stream){.in = in, .out = out, .progress = p, .limit = UINT64_MAX};
    fs->io = (eei_io){
        .read = in ? stream_read : NULL,
        .data = data,
        .size = size,
        .write = out ? stream_write : NULL,
        .progress = p ? stream_progress : NULL,
        .ctx = fs,
    };
}

void file_stream_observe(file_stream *fs, eei_sha256 *sha, eei_app_scan *scan)
{
    fs->sha = sha;
    fs->scan = scan;
}

void file_stream_limit(file_stream *fs, uint64_t bytes)
{
    fs->limit = bytes;
}

int input_refuse_signed(input_file *in, eei_error *err)
{
    uint8_t block[EEI_SB_BLOCK_SIZE];
    eei_sb_block b;
    size_t got = 0;
    if (!in->regular || in->size < 2 * EEI_SB_SECTOR_SIZE || in->size % EEI_SB_SECTOR_SIZE != 0) {
        return 0;
    }
    if (input_pread(in, block, sizeof(block), in->size - EEI_SB_SECTOR_SIZE, &got, err) != 0) {
        return -1;
    }
    if (got == sizeof(block) && eei_sb_block_parse(block, &b) == EEI_SB_OK) {
        return eei_fail(err, EEI_ERR_REJECTED,
                        "%s is signed already: a second signature sector after the first would "
                        "not be read by a device. Add blocks with 'sign --append', or sign the "
                        "unsigned app",
                        in->name);
    }
    return 0;
}
