#include "file_stream.h"

static int stream_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err)
{
    file_stream *fs = ctx;
    if (cap > fs->limit) {
        cap = (size_t)fs->limit;
    }
    int rc = input_read(fs->in, buf, cap, got, err);
    fs->limit -= rc == 0 ? *got : 0;
    return rc;
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

void file_stream_limit(file_stream *fs, uint64_t bytes)
{
    fs->limit = bytes;
}
