#include "cli/image_io.h"

#include <string.h>

/* The next piece of the source: *data points into buf (file) or into the memory itself. */
static int source_next(byte_source *src, uint8_t *buf, const uint8_t **data, size_t *n,
                       eei_error *err)
{
    if (src->file) {
        *data = buf;
        return input_read(src->file, buf, EEI_IO_CHUNK, n, err);
    }
    size_t left = src->mem_len - src->mem_pos;
    *n = left < EEI_IO_CHUNK ? left : EEI_IO_CHUNK;
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
    /* the header's length and tag are known only at the end: reserve its place */
    int rc = output_write(out, header, sizeof(header), err);
    for (size_t n = 1; rc == 0 && n > 0;) {
        const uint8_t *data;
        rc = source_next(src, buf, &data, &n, err);
        if (rc == 0 && n > 0) {
            rc = eei_encrypt_update(&enc, data, buf, n, err);
        }
        if (rc == 0 && n > 0) {
            rc = output_write(out, buf, n, err);
        }
        if (p) {
            progress_update(p, enc.payload_len);
        }
    }
    /* a file that shrank or grew while it was read would be encrypted as neither version */
    if (rc == 0 && src->file && src->file->regular && enc.payload_len != src->file->size) {
        rc = eei_fail(err, EEI_ERR_FILE,
                      "%s: changed size while it was read (%llu bytes, now %llu)", src->file->name,
                      (unsigned long long)src->file->size, (unsigned long long)enc.payload_len);
    }
    if (rc == 0) {
        rc = eei_encrypt_finish(&enc, header, err);
    }
    if (rc == 0) {
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
    for (size_t n = 1; rc == 0 && n > 0;) {
        const uint8_t *data;
        size_t plain = 0;
        rc = source_next(src, buf, &data, &n, err);
        if (rc == 0 && n > 0) {
            rc = eei_decrypt_update(&dec, data, n, buf, &plain, err);
            *consumed += n;
        }
        if (rc == 0 && plain > 0 && sha) {
            crypto_sha256_update(sha, buf, plain);
        }
        if (rc == 0 && plain > 0 && out) {
            rc = output_write(out, buf, plain, err);
        }
        if (p) {
            progress_update(p, *consumed);
        }
    }
    if (rc == 0) {
        rc = eei_decrypt_finish(&dec, err);
    }
    memcpy(header, dec.header_buf, EEI_HEADER_SIZE);
    eei_decrypt_end(&dec);
    return rc;
}
