/*
 * Key files: the passphrase and PIN files a key is loaded with; writing new keys and public keys,
 * with safe permissions, never half a pair.
 */
#ifndef EEI_KEY_FILES_H
#define EEI_KEY_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_enc_img/esp_enc_img.h"

/*
 * The first line of a passphrase or PIN file (what, secret: for messages), without its line end
 * (LF, CRLF or a lone CR), in *out (*out_size bytes: wipe and free them with eei_free). Read a
 * byte at a time, so nothing past it is taken from a pipe. A NUL in it would cut the secret
 * short, and one over EEI_PASSPHRASE_MAX bytes could not be used: both are refused.
 */
int key_secret_file_read(const char *path, const char *what, const char *secret, char **out,
                         size_t *out_size, eei_error *err);
/*
 * An eei_passphrase_cb for a key whose passphrase file (ctx, its path) has an empty first line:
 * it asks no one, and says what is wrong.
 */
int key_passphrase_file_empty(void *ctx, const char *key_name, char *buf, size_t size,
                              eei_error *err);
/* An eei_passphrase_cb that asks no one: it adds ctx, how a user gives a passphrase, to err. */
int key_passphrase_hint(void *ctx, const char *key_name, char *buf, size_t size, eei_error *err);

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
