/*
 * Whole images between the engine and files: the one loop that encrypts a source into an
 * output, and the one that decrypts a source into an output (or only into a hash).
 */
#ifndef EEI_IMAGE_IO_H
#define EEI_IMAGE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "cli/fileio.h"
#include "cli/progress.h"
#include "crypto/crypto.h"
#include "engine/image.h"

/* Bytes from a file (read into the caller's buffer) or from memory (used in place). */
typedef struct {
    input_file *file;
    const uint8_t *mem;
    size_t mem_len;
    size_t mem_pos;
} byte_source;

/*
 * Encrypt everything src holds for key into out, header included. buf is scratch of
 * EEI_IO_CHUNK bytes. p may be NULL.
 */
int image_encrypt(byte_source *src, output_file *out, const eei_key *key, uint8_t *buf, progress *p,
                  eei_error *err);

/*
 * Decrypt and authenticate src with key. Plaintext goes to out and/or into sha (either may be
 * NULL). header receives the image header as far as it arrived; *consumed the bytes read.
 */
int image_decrypt(byte_source *src, output_file *out, crypto_sha256 *sha, const eei_key *key,
                  uint8_t *buf, progress *p, uint8_t header[EEI_HEADER_SIZE], uint64_t *consumed,
                  eei_error *err);

#endif
