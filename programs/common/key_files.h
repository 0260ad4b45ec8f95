/* Writing key files: new keys and public keys, with safe permissions, never half a pair. */
#ifndef EEI_KEY_FILES_H
#define EEI_KEY_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/esp_enc_img.h"

/*
 * Write a key file ("-": stdout); secret files get mode 0600, public ones 0644. text: PEM, C or
 * hex, which may go to a terminal; binary data (DER, raw bytes) to a terminal is refused.
 */
int key_file_write(const char *path, const uint8_t *data, size_t len, bool secret, bool text,
                   bool force, eei_error *err);
/*
 * A private key (0600) and its public key (0644), in place together or not at all: an existing
 * pair (with force) is replaced only once both new files are complete, and stays as it was when
 * either cannot be written.
 */
int key_pair_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                   const char *public_path, const uint8_t *pub, size_t pub_len, bool force,
                   eei_error *err);
/*
 * A new secret (0600, never replacing a file) and a file made with it (0644, replaced only with
 * force: the esp_secure_cert partition of a new HMAC key), in place together or not at all.
 */
int key_with_file_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                        const char *file_path, const uint8_t *data, size_t len, bool force,
                        eei_error *err);

#endif
