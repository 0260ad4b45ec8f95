/* Key files: reading any supported key kind, and writing new keys with safe permissions. */
#ifndef EEI_KEY_FILE_H
#define EEI_KEY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "error/error.h"

/* The passphrase of an encrypted PEM key: --passphrase-file, else $ESP_ENC_IMG_PASSPHRASE. */
typedef struct {
    const char *passphrase_file;
} key_options;

/* PEM/DER private or public key, or a raw 32-byte HMAC key (turned into its device key). */
int key_file_load(const char *path, const key_options *opts, eei_key **out, eei_error *err);

/* SHA-256 of the public key's DER SubjectPublicKeyInfo: what names a device key. */
int key_fingerprint(const eei_key *key, uint8_t digest[EEI_SHA256_SIZE], eei_error *err);

/* Write a key file with O_EXCL semantics; secret files get mode 0600, public ones 0644. */
int key_file_write(const char *path, const uint8_t *data, size_t len, bool secret, bool force,
                   eei_error *err);
/*
 * A private key (0600) and its public key (0644), in place together or not at all: an existing
 * pair (with force) is replaced only once both new files are complete, and stays as it was when
 * either cannot be written.
 */
int key_pair_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                   const char *public_path, const uint8_t *pub, size_t pub_len, bool force,
                   eei_error *err);

#endif
