/*
 * The image engine: streaming encryption and decryption of whole images over the format
 * module and the crypto interface. It knows nothing of files: callers feed bytes.
 */
#ifndef EEI_IMAGE_H
#define EEI_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "error/error.h"
#include "esp_enc_img/format.h"

typedef struct {
    eei_header header;
    crypto_gcm *gcm;
    uint64_t payload_len;
} eei_encryptor;

/* Fresh AES key, IV and (ECIES) ephemeral key and salt, wrapped for device_key's public half. */
int eei_encrypt_start(eei_encryptor *enc, const eei_key *device_key, eei_error *err);
/* Encrypt len bytes; in and out may be the same buffer. Refuses to pass EEI_MAX_PAYLOAD. */
int eei_encrypt_update(eei_encryptor *enc, const uint8_t *in, uint8_t *out, size_t len,
                       eei_error *err);
/* The final header, with the payload length and the tag; it belongs at offset 0. */
int eei_encrypt_finish(eei_encryptor *enc, uint8_t header[EEI_HEADER_SIZE], eei_error *err);
/* Release everything; safe after any of the above, and more than once. */
void eei_encrypt_end(eei_encryptor *enc);

typedef struct {
    const eei_key *key;
    uint8_t header_buf[EEI_HEADER_SIZE];
    size_t header_fill;
    bool header_done;
    eei_header header;
    crypto_gcm *gcm;
    uint64_t payload_seen;
} eei_decryptor;

/* key must hold a private half (RSA-3072 or P-256, plain or HMAC-derived). */
int eei_decrypt_start(eei_decryptor *dec, const eei_key *key, eei_error *err);
/*
 * Feed the next len bytes of the image, in chunks of any size. Plaintext, at most len bytes,
 * goes to out; *out_len says how much. It is not authenticated until eei_decrypt_finish.
 */
int eei_decrypt_update(eei_decryptor *dec, const uint8_t *in, size_t len, uint8_t *out,
                       size_t *out_len, eei_error *err);
/* All bytes seen: checks the length and the tag. EEI_ERR_REJECTED on any mismatch. */
int eei_decrypt_finish(eei_decryptor *dec, eei_error *err);
void eei_decrypt_end(eei_decryptor *dec);

#endif
