/* The library's whole-image callbacks (eei_io) over the command's files and progress line. */
#ifndef EEI_FILE_STREAM_H
#define EEI_FILE_STREAM_H

#include "esp_enc_img/esp_enc_img.h"
#include "fileio.h"
#include "progress.h"

typedef struct {
    input_file *in;   /* NULL: the input is in memory, at io.data */
    output_file *out; /* NULL: nothing is written (verify) */
    progress *progress;
    uint64_t limit; /* read at most this much of in (file_stream_limit); UINT64_MAX: all */
    uint8_t head[EEI_HEADER_SIZE]; /* the first bytes read from in: what the input looks like */
    size_t head_len;
    uint64_t total;     /* bytes read from in */
    eei_sha256 *sha;    /* file_stream_observe: every byte read is hashed, */
    eei_app_scan *scan; /* ... and read as an app binary */
    eei_io io;
} file_stream;

/*
 * Read from in (or from the size bytes at data), write to out: at the offsets the library
 * gives when out is seekable, in order otherwise. Any of in, out and p may be NULL.
 */
void file_stream_init(file_stream *fs, input_file *in, const uint8_t *data, size_t size,
                      output_file *out, progress *p);

/*
 * Hash (sha) and read as an app binary (scan) every byte read from in, in the same pass as the
 * library reads it: what is reported is what was encrypted. Either may be NULL; the caller
 * keeps them.
 */
void file_stream_observe(file_stream *fs, eei_sha256 *sha, eei_app_scan *scan);

/* A regular file that ends with a signature sector must not be signed again (exit 1). */
int input_refuse_signed(input_file *in, eei_error *err);

/* Read only the first bytes of in (an app without the signature sector it is re-signed with). */
void file_stream_limit(file_stream *fs, uint64_t bytes);

#endif
