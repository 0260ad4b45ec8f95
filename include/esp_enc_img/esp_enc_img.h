/*
 * libesp_enc_img: pre-encrypted firmware images for ESP32-class chips, in the format of
 * ESP-IDF's esp_encrypted_img component (a 512-byte header, then AES-256-GCM ciphertext).
 *
 * Keys: RSA-3072 (the AES key is wrapped with RSA), P-256 (ECIES), or the 32-byte eFuse HMAC
 * key from which a chip derives its P-256 device key. Images are made for a device's public
 * key and opened with its private key (or its HMAC key). The key decides the scheme.
 *
 * Conventions: every name starts with eei_ (format.h holds the bytes of the header). Functions
 * that can fail return an eei_status and take an optional eei_error that receives the detail
 * ("<what>: <why>"); pass NULL when the status is enough; eei_strerror names a status. Keys and
 * contexts are opaque: made by _new (keys: _load, _generate), fed by _update, ended by _final,
 * freed by _free, which accepts NULL. Buffers the library allocates are freed
 * with eei_free, which wipes them first. Nothing here prints, exits or reads the environment.
 * Thread safety: distinct objects may be used from distinct threads at once; a key may be
 * shared by any number of threads.
 */
#ifndef ESP_ENC_IMG_H
#define ESP_ENC_IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "esp_enc_img/format.h"
#include "esp_enc_img/secure_cert.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of this header; the build checks it against the project's. While MAJOR is 0, a
 * new MINOR may break the API (the shared library's SONAME carries MAJOR.MINOR).
 */
#define EEI_VERSION_MAJOR 0
#define EEI_VERSION_MINOR 2
#define EEI_VERSION_PATCH 0
#define EEI_VERSION_NUMBER (EEI_VERSION_MAJOR * 10000 + EEI_VERSION_MINOR * 100 + EEI_VERSION_PATCH)
#define EEI_VERSION_STRING "0.2.0"

/* The library's version, "MAJOR.MINOR.PATCH": EEI_VERSION_STRING of the header it was built with.
 */
EEI_API const char *eei_version(void);
/* The crypto library it runs with, as that library names itself ("OpenSSL 3.0.19 27 Jan 2026"). */
EEI_API const char *eei_crypto_library(void);

/* ---- errors ---- */

typedef enum {
    EEI_OK = 0,
    EEI_ERR_REJECTED, /* the image is not acceptable: magic, length, key, tag, point */
    EEI_ERR_USAGE,    /* the caller asked for something that cannot be: a wrong argument */
    EEI_ERR_FILE,     /* a file could not be read or written */
    EEI_ERR_KEY,      /* a key is missing, unreadable, of the wrong kind or size */
    EEI_ERR_SYSTEM,   /* out of memory, random source, crypto library failure */
} eei_status;

/* What went wrong, in words: the status, and "<what>: <why>". */
typedef struct {
    eei_status status;
    char msg[512];
} eei_error;

/* A few words for a status ("image rejected", ...); never NULL. */
EEI_API const char *eei_strerror(eei_status status);

/* printf-style arguments checked by the compiler (MinGW: C99's printf, as the library uses). */
#if defined(__MINGW32__)
#define EEI_PRINTF_FORMAT(fmt, first) __attribute__((format(gnu_printf, fmt, first)))
#elif defined(__GNUC__)
#define EEI_PRINTF_FORMAT(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define EEI_PRINTF_FORMAT(fmt, first)
#endif

/*
 * Record a failure in err (which may be NULL): a status and a printf-style message. Returns -1,
 * so a callback can end with `return eei_fail(err, ...)`.
 */
EEI_API int eei_fail(eei_error *err, eei_status status, const char *fmt, ...)
    EEI_PRINTF_FORMAT(3, 4);
/* Put "<what>: " in front of the message err holds. */
EEI_API void eei_error_prefix(eei_error *err, const char *what);

/*
 * The crypto library (OpenSSL) keeps a queue of low-level errors behind a failure: print it to
 * out, or discard it with out NULL. Per thread.
 */
EEI_API void eei_report_crypto_errors(FILE *out);

/* ---- memory ---- */

/* Overwrite len bytes so that the store cannot be optimised away. */
EEI_API void eei_wipe(void *buf, size_t len);
/* Wipe and free a buffer the library allocated (keys exported, ...). NULL is fine. */
EEI_API void eei_free(void *buf, size_t len);

/* ---- keys ---- */

typedef struct eei_key eei_key;

typedef enum {
    EEI_KEY_RSA3072,
    EEI_KEY_P256, /* a plain P-256 key, or the device key derived from an HMAC key */
    EEI_KEY_P384, /* signs (Secure Boot V2); images are not encrypted to it */
} eei_key_type;

/*
 * A key from memory: a PEM or DER private key (PKCS#1, SEC1, PKCS#8, encrypted PKCS#8 with
 * passphrase), a public key (SubjectPublicKeyInfo), or exactly 32 raw bytes that are not PEM:
 * an HMAC key, turned into the P-256 device key a chip derives from it. Only RSA-3072, P-256
 * and (for signing) P-384 keys are accepted. passphrase may be NULL.
 */
EEI_API eei_status eei_key_load(const uint8_t *data, size_t len, const char *passphrase,
                                eei_key **out, eei_error *err);

/* The longest passphrase a key is encrypted or read with, in bytes (what OpenSSL takes). */
#define EEI_PASSPHRASE_MAX 1024u

/*
 * Asks for the passphrase of the encrypted key file key_name: writes it, NUL-terminated, into buf
 * (size bytes) and returns 0, or returns non-zero after filling err (eei_fail). The library wipes
 * buf once the key is read. This is how a program asks its user: the library never reads a
 * terminal.
 */
typedef int (*eei_passphrase_cb)(void *ctx, const char *key_name, char *buf, size_t size,
                                 eei_error *err);

/*
 * How to load a key. Where a passphrase, a PIN or a module comes from (a file, the environment,
 * a terminal) is the program's business: the library takes the values.
 */
typedef struct {
    const char *passphrase; /* of an encrypted PEM key, or NULL */
    /*
     * Or, when passphrase is NULL, ask: called once, and only for a key that turns out to be
     * encrypted; a callback that fails may add to err, which says the key needs a passphrase.
     * May be NULL: such a key is then refused.
     */
    eei_passphrase_cb ask_passphrase;
    void *ask_ctx;
    const char *pin; /* the user PIN of a PKCS#11 token, or NULL for one that needs no login */
    /* The PKCS#11 module (a .so) of a URI without ?module-path=, or NULL. */
    const char *pkcs11_module;
    /*
     * The key is to sign (Secure Boot V2): a key of a kind nothing here takes is refused with
     * that reason (RSA-3072, ECDSA P-256 or P-384 keys), not the image format's.
     */
    bool signing;
    /*
     * Or the key is to go into the Digital Signature peripheral of this chip ("esp32c3";
     * eei_ds_data_make): any key but an RSA-3072 private key from a file is refused, with what
     * the chip's DS takes. NULL: not.
     */
    const char *ds_chip;
} eei_key_options;

#define EEI_PKCS11_URI_PREFIX "pkcs11:"
/* The name is a PKCS#11 URI (its scheme in any case), not a file. */
EEI_API bool eei_key_name_is_pkcs11(const char *name);

/*
 * A key from a file, as eei_key_load reads memory (opts may be NULL). Binary data that is not
 * DER is taken for an HMAC key, and must then be 32 bytes. Messages start with the path.
 *
 * Or a signing key that stays in a PKCS#11 token (an HSM), named by an RFC 7512 URI:
 * "pkcs11:token=LABEL;object=KEY_LABEL" (or id=%01...), the module in "?module-path=/path.so"
 * or opts->pkcs11_module, the PIN from opts. It signs in the token (RSA-3072, P-256, P-384); it
 * decrypts nothing, and its private half is never read.
 */
EEI_API eei_status eei_key_load_file(const char *path, const eei_key_options *opts, eei_key **out,
                                     eei_error *err);

/* The P-256 device key a chip derives from its eFuse HMAC key. EEI_ERR_KEY: an unusable key. */
EEI_API eei_status eei_key_from_hmac(const uint8_t hmac_key[EEI_HMAC_KEY_SIZE], eei_key **out,
                                     eei_error *err);

/* A new RSA-3072, P-256 or P-384 key pair. */
EEI_API eei_status eei_key_generate(eei_key_type type, eei_key **out, eei_error *err);
/* A new random HMAC key (one whose device key is valid) and that device key. */
EEI_API eei_status eei_key_generate_hmac(uint8_t hmac_key[EEI_HMAC_KEY_SIZE], eei_key **out,
                                         eei_error *err);

EEI_API void eei_key_free(eei_key *key);

EEI_API eei_key_type eei_key_get_type(const eei_key *key);
EEI_API bool eei_key_has_private(const eei_key *key);
/*
 * The key is the device key derived from a 32-byte HMAC key (eei_key_from_hmac, or a 32-byte
 * key file): whoever holds it holds the secret a chip keeps in eFuse.
 */
EEI_API bool eei_key_is_hmac_derived(const eei_key *key);
/* The scheme of the images this key makes or opens (EEI_SCHEME_UNKNOWN for P-384: none). */
EEI_API eei_scheme eei_key_get_scheme(const eei_key *key);

#define EEI_SHA256_SIZE 32u

/* SHA-256 of the public key's DER SubjectPublicKeyInfo: what names a device key. */
EEI_API eei_status eei_key_fingerprint(const eei_key *key, uint8_t digest[EEI_SHA256_SIZE],
                                       eei_error *err);

typedef enum {
    EEI_EXPORT_PUBLIC_PEM, /* SubjectPublicKeyInfo, PEM */
    EEI_EXPORT_PUBLIC_DER, /* SubjectPublicKeyInfo, DER */
    /*
     * What the device's esp_encrypted_img_export_public_key() returns: PKCS#1 RSAPublicKey
     * DER for RSA (398 bytes for RSA-3072), SubjectPublicKeyInfo DER for P-256 (91 bytes).
     */
    EEI_EXPORT_DEVICE_DER,
    EEI_EXPORT_PRIVATE_PEM, /* the private key, PEM (a secret: free it with eei_free) */
} eei_export_format;

/* An encoding of the key, in a buffer to release with eei_free(*out, *out_len). */
EEI_API eei_status eei_key_export(const eei_key *key, eei_export_format format, uint8_t **out,
                                  size_t *out_len, eei_error *err);

/*
 * The private key as encrypted PKCS#8 PEM ("BEGIN ENCRYPTED PRIVATE KEY"; PBES2: AES-256-CBC,
 * its key from the passphrase by PBKDF2-HMAC-SHA256 with a random salt), what eei_key_load_file
 * reads back with the same passphrase. An empty passphrase, or one over EEI_PASSPHRASE_MAX
 * bytes, is refused, as loading refuses it. Free with eei_free.
 */
EEI_API eei_status eei_key_export_encrypted(const eei_key *key, const char *passphrase,
                                            uint8_t **out, size_t *out_len, eei_error *err);

/* ---- SHA-256 (for reports: hashes of inputs, outputs, plaintexts) ---- */

typedef struct eei_sha256 eei_sha256;
EEI_API eei_status eei_sha256_new(eei_sha256 **out, eei_error *err);
EEI_API void eei_sha256_update(eei_sha256 *sha, const uint8_t *data, size_t len);
EEI_API void eei_sha256_final(eei_sha256 *sha, uint8_t digest[EEI_SHA256_SIZE]);
EEI_API void eei_sha256_free(eei_sha256 *sha);

/* ---- encryption, a piece at a time ---- */

typedef struct eei_encrypt_ctx eei_encrypt_ctx;

/*
 * Fresh AES key and IV (and for ECIES a fresh ephemeral key and salt), wrapped for the public
 * half of device_key. The key must outlive the context.
 */
EEI_API eei_status eei_encrypt_new(const eei_key *device_key, eei_encrypt_ctx **out,
                                   eei_error *err);
/*
 * Encrypt len bytes of firmware; in and out may be the same buffer. The image is the header
 * (from eei_encrypt_final) followed by every out, in order. Refuses to pass EEI_MAX_PAYLOAD.
 */
EEI_API eei_status eei_encrypt_update(eei_encrypt_ctx *ctx, const uint8_t *in, uint8_t *out,
                                      size_t len, eei_error *err);
/* The header, with the payload length and the tag: it goes at offset 0 of the image. */
EEI_API eei_status eei_encrypt_final(eei_encrypt_ctx *ctx, uint8_t header[EEI_HEADER_SIZE],
                                     eei_error *err);
/* Payload bytes encrypted so far. */
EEI_API uint64_t eei_encrypt_payload_size(const eei_encrypt_ctx *ctx);
EEI_API void eei_encrypt_free(eei_encrypt_ctx *ctx);

/* ---- decryption, a piece at a time ---- */

typedef struct eei_decrypt_ctx eei_decrypt_ctx;

/* key must hold a private half: RSA-3072 or P-256 (plain or HMAC-derived). */
EEI_API eei_status eei_decrypt_new(const eei_key *key, eei_decrypt_ctx **out, eei_error *err);
/*
 * Feed the next len bytes of the image, in pieces of any size. Plaintext, at most len bytes,
 * goes to out (which may be in); *out_len says how much. Nothing is authenticated until
 * eei_decrypt_final: a caller keeps the plaintext to itself until then.
 */
EEI_API eei_status eei_decrypt_update(eei_decrypt_ctx *ctx, const uint8_t *in, size_t len,
                                      uint8_t *out, size_t *out_len, eei_error *err);
/* Every byte seen: checks the length and the tag. EEI_ERR_REJECTED on any mismatch. */
EEI_API eei_status eei_decrypt_final(eei_decrypt_ctx *ctx, eei_error *err);
/* The header bytes seen so far (up to 512) into header; returns how many. */
EEI_API size_t eei_decrypt_header(const eei_decrypt_ctx *ctx, uint8_t header[EEI_HEADER_SIZE]);
EEI_API void eei_decrypt_free(eei_decrypt_ctx *ctx);

/* ---- whole images, over callbacks or buffers ---- */

/*
 * Where an image (or the firmware) comes from and where the result goes.
 *
 * The input: read, when set, fills buf with up to cap bytes, fewer only at the end (*got is 0
 * there); otherwise the input is the size bytes at data. The output: write receives the result
 * as (data, len, offset) pieces, or is NULL (decryption then only authenticates). Callbacks
 * return 0, or non-zero after filling err (eei_fail); a failure stops the work.
 *
 * write may run on a helper thread, one call at a time, while read runs on the caller's. For
 * decryption the pieces come in order from offset 0. For encryption they come in order except
 * the first 4096 bytes (which hold the header), written last at offset 0: the output must be
 * seekable. progress, when set, is told the input bytes consumed so far (caller's thread).
 */
typedef struct {
    int (*read)(void *ctx, uint8_t *buf, size_t cap, size_t *got, eei_error *err);
    const uint8_t *data;
    size_t size;
    int (*write)(void *ctx, const uint8_t *data, size_t len, uint64_t offset, eei_error *err);
    void (*progress)(void *ctx, uint64_t done);
    void *ctx;
} eei_io;

/* The size of the pieces a whole-image function asks read for (memory use is a few of these). */
#define EEI_IO_CHUNK (256u * 1024u)

/* Encrypt the whole input for device_key; *payload_size (may be NULL): the bytes encrypted. */
EEI_API eei_status eei_encrypt_stream(const eei_key *device_key, const eei_io *io,
                                      uint64_t *payload_size, eei_error *err);

/* What decrypting a whole image found, even when it failed. */
typedef struct {
    bool authentic; /* the tag matched: the plaintext is what was encrypted */
    uint8_t header[EEI_HEADER_SIZE];
    size_t header_len;     /* header bytes that arrived (512 for any image) */
    uint64_t image_size;   /* input bytes consumed */
    uint64_t payload_size; /* plaintext bytes written */
    bool hashed;           /* with EEI_HASH_PLAINTEXT, once authenticated */
    uint8_t plaintext_sha256[EEI_SHA256_SIZE];
} eei_decrypt_result;

/* eei_decrypt_options: also compute the SHA-256 of the plaintext (on a second core). */
#define EEI_HASH_PLAINTEXT 1u

/* An image in memory: out needs room for in_len + EEI_HEADER_SIZE bytes; *out_len is set. */
EEI_API eei_status eei_encrypt_buffer(const eei_key *device_key, const uint8_t *in, size_t in_len,
                                      uint8_t *out, size_t out_cap, size_t *out_len,
                                      eei_error *err);
/*
 * The plaintext of an image in memory: out needs room for in_len - EEI_HEADER_SIZE bytes.
 * On any failure out is wiped and *out_len is 0: nothing unauthenticated is left in it.
 */
EEI_API eei_status eei_decrypt_buffer(const eei_key *key, const uint8_t *in, size_t in_len,
                                      uint8_t *out, size_t out_cap, size_t *out_len,
                                      eei_error *err);

/* ---- what a header says, without a key ---- */

typedef struct {
    eei_format_err verdict; /* on the magic and the size */
    const char *problem;    /* NULL for a structurally valid image, else why it is not */
    bool header_read;       /* 512 bytes were there: header is filled */
    eei_header header;
    /*
     * Nothing in the header names the scheme: it is inferred, and only a key decides. scheme_sure
     * is false when the evidence is mixed (a P-256 point, but the ignored bytes are not zero).
     */
    eei_scheme scheme;
    bool scheme_sure;
    const char *scheme_basis; /* why, in a few words */
    uint64_t image_size;
    bool on_curve; /* the key block's first 64 bytes are a point on P-256 */
    bool reserved_zero;
} eei_inspection;

/*
 * Judge the first header_len bytes (up to 512) of an image of image_size bytes. An image_size of
 * UINT64_MAX says the size is not known (a stream): the header is judged without the length
 * checks (truncated, trailing bytes).
 */
EEI_API void eei_inspect(const uint8_t *header, size_t header_len, uint64_t image_size,
                         eei_inspection *out);

/*
 * How many bytes of an image a verdict on its size needs, from its first 512: the declared
 * size plus one (one more byte is trailing data), or 512 when the magic is wrong.
 */
EEI_API uint64_t eei_inspect_bytes_needed(const uint8_t header[EEI_HEADER_SIZE]);

/* ---- Secure Boot V2: signing apps, and checking signed ones (layout: format.h) ---- */

typedef struct eei_sign_ctx eei_sign_ctx;

/*
 * Sign an app as it streams by, one signature block per key: RSA-3072 (PSS), P-256 or P-384
 * (ECDSA) private keys, keys[0] first. keep_sector, when not NULL, is the signature sector of
 * an app signed before (--append): its blocks stay in front of the new ones, and must sign the
 * same app. A sector holds at most EEI_SB_BLOCKS_MAX blocks.
 */
EEI_API eei_status eei_sign_new(const eei_key *const *keys, size_t nkeys,
                                const uint8_t *keep_sector, eei_sign_ctx **out, eei_error *err);
/* The app's next bytes (without padding or an old signature sector). */
EEI_API void eei_sign_update(eei_sign_ctx *ctx, const uint8_t *app, size_t len);
/* The most eei_sign_final writes: the padding to 4096 bytes, then the signature sector. */
#define EEI_SIGN_TAIL_MAX (2u * EEI_SB_SECTOR_SIZE - 1u)
/* What follows the app in the signed app: the 0xFF padding, then the signature sector. */
EEI_API eei_status eei_sign_final(eei_sign_ctx *ctx, uint8_t tail[EEI_SIGN_TAIL_MAX],
                                  size_t *tail_len, eei_error *err);
EEI_API void eei_sign_free(eei_sign_ctx *ctx);

/*
 * Sign the app io's input holds into io's output (written in order from offset 0): the app, its
 * padding, its signature sector. With keep_sector, the input must not hold the old sector.
 * *signed_size (may be NULL): the bytes written.
 */
EEI_API eei_status eei_sign_stream(const eei_key *const *keys, size_t nkeys,
                                   const uint8_t *keep_sector, const eei_io *io,
                                   uint64_t *signed_size, eei_error *err);

/*
 * Sign-then-encrypt in one pass: the app io's input holds is signed as it streams (one block
 * per sign_keys[i], as eei_sign_stream) and the signed app encrypted for device_key. The app is
 * hashed on a helper thread while it is encrypted (write may run on either, as eei_io says).
 */
EEI_API eei_status eei_encrypt_signed_stream(const eei_key *device_key,
                                             const eei_key *const *sign_keys, size_t nsign,
                                             const eei_io *io, uint64_t *payload_size,
                                             eei_error *err);

/* One block of a signed app's signature sector, as checked. */
typedef struct {
    eei_sb_err state;                    /* EEI_SB_OK, or why the block cannot be used */
    uint8_t version;                     /* EEI_SB_VERSION_RSA or _ECDSA */
    uint8_t curve;                       /* ECDSA: EEI_SB_CURVE_* */
    bool digest_matches;                 /* it signs this app */
    uint8_t key_digest[EEI_SHA256_SIZE]; /* SHA-256 of its key: what the eFuse holds */
    int verified_by;                     /* the index of the key that verified it, or -1 */
} eei_sb_block_info;

typedef struct {
    uint64_t signed_size; /* the padded app, where the signature sector read starts */
    /*
     * Where a device reads the signature sector (eei_sb_sector_place): after an app's layout,
     * which ends at layout_end (0 for data that is not an app binary), or the last 4096 bytes.
     * Set whenever the data was read, also when it is not a signed app.
     */
    eei_sb_place place;
    uint64_t device_offset;
    uint64_t layout_end;
    bool misplaced; /* the blocks read are elsewhere, at signed_size: none counts (no match) */
    unsigned count; /* blocks present (usable or not), at most EEI_SB_BLOCKS_MAX */
    eei_sb_block_info blocks[EEI_SB_BLOCKS_MAX];
} eei_sb_report;

/* A report that says nothing was read: every block empty, none verified. */
EEI_API void eei_sb_report_clear(eei_sb_report *rep);

typedef struct eei_sb_check eei_sb_check;

/* Read a signed app as it streams by (the whole of it, signature sector included). */
EEI_API eei_status eei_sb_check_new(eei_sb_check **out, eei_error *err);
/* len 0 (data may then be NULL) reads nothing. */
EEI_API void eei_sb_check_update(eei_sb_check *chk, const uint8_t *data, size_t len);
/*
 * Its blocks, each checked against the app and against keys (public or private, may be none):
 * a block verifies when it carries that key and its signature over this app is good. The
 * sector is read where a device reads it (rep->place): an app's right after its layout, data of
 * another kind's at its end. EEI_ERR_REJECTED when what was read is not a signed app a device
 * reads (no block there, signed twice, data after the sector); when a sector of blocks lies
 * elsewhere instead, rep says so (misplaced) and holds its blocks, which count for nothing.
 */
EEI_API eei_status eei_sb_check_final(eei_sb_check *chk, const eei_key *const *keys, size_t nkeys,
                                      eei_sb_report *rep, eei_error *err);
EEI_API void eei_sb_check_free(eei_sb_check *chk);
/* The same over a whole input (io's write is not used). */
EEI_API eei_status eei_sb_check_stream(const eei_io *io, const eei_key *const *keys, size_t nkeys,
                                       eei_sb_report *rep, eei_error *err);

/* The digest of a signing key's public half that Secure Boot V2 burns into eFuse. */
EEI_API eei_status eei_key_sb_digest(const eei_key *key, uint8_t digest[EEI_SHA256_SIZE],
                                     eei_error *err);

/* ---- the Digital Signature peripheral: an RSA key the chip keeps (layout: secure_cert.h) ---- */

/*
 * The DS peripheral of chip ("esp32c3", as esptool's --chip and idf.py set-target name it): the
 * largest RSA key it takes, in bits, which is also the size of the operands in its DS data.
 * EEI_ERR_USAGE for a chip without one, or one this version does not know (the message lists
 * the chips it knows).
 */
EEI_API eei_status eei_ds_chip_max_bits(const char *chip, unsigned *max_bits, eei_error *err);

/* A new HMAC key for the DS peripheral: 32 random bytes, a secret for one chip's eFuse. */
EEI_API eei_status eei_ds_hmac_key_generate(uint8_t hmac_key[EEI_HMAC_KEY_SIZE], eei_error *err);

/*
 * The DS data of key, an RSA-3072 private key, for chip: its operands encrypted for the chip that
 * holds hmac_key in an eFuse key block of purpose HMAC_DOWN_DIGITAL_SIGNATURE (ESP-IDF's
 * esp_ds_data_t; EEI_DS_DATA_SIZE(max bits / 8) bytes into out, *out_len). iv: NULL for a fresh
 * random one, as a device should get; given, to reproduce a known answer.
 */
EEI_API eei_status eei_ds_data_make(const eei_key *key, const char *chip,
                                    const uint8_t hmac_key[EEI_HMAC_KEY_SIZE], const uint8_t *iv,
                                    uint8_t out[EEI_DS_DATA_MAX], size_t *out_len, eei_error *err);

/*
 * The esp_secure_cert partition of a device whose DS keeps key (EEI_SC_PARTITION_SIZE bytes): the
 * DS data (as eei_ds_data_make makes it) and its context (key_block: n of the eFuse BLOCK_KEYn
 * that holds hmac_key, 0 to 5) in esp_secure_cert_mgr's TLVs, then the integrity TLV (SHA-256 of
 * the TLVs before it), then erased flash (0xFF). *used (may be NULL): the bytes the TLVs take.
 */
EEI_API eei_status eei_ds_secure_cert_make(const eei_key *key, const char *chip,
                                           const uint8_t hmac_key[EEI_HMAC_KEY_SIZE],
                                           unsigned key_block, const uint8_t *iv,
                                           uint8_t out[EEI_SC_PARTITION_SIZE], size_t *used,
                                           eei_error *err);

/* ---- what an app binary says about itself (layout: format.h) ---- */

typedef struct {
    eei_app_err layout;    /* EEI_APP_NOT_APP: not an app binary, and nothing below applies */
    eei_app_head head;     /* what its header and app descriptor say */
    uint64_t size;         /* its bytes, the appended SHA-256 included (once layout is OK) */
    bool hash_matches;     /* head.hash_appended, and that SHA-256 is the app's own */
    bool signature_sector; /* a Secure Boot V2 signature sector where a device reads it: sig */
    eei_sb_report sig;
} eei_app_info;

/* Says nothing: not an app, no signature. */
EEI_API void eei_app_info_clear(eei_app_info *info);

typedef struct eei_app_scan eei_app_scan;

/* Read data as an app binary as it streams by (it may turn out not to be one: cheap then). */
EEI_API eei_status eei_app_scan_new(eei_app_scan **out, eei_error *err);
/* len 0 (data may then be NULL) reads nothing. */
EEI_API void eei_app_scan_update(eei_app_scan *scan, const uint8_t *data, size_t len);
/*
 * False once more data cannot change what eei_app_scan_final says: the data is not an app, or a
 * broken one, or it runs past where a signature sector would end (an endless input ends too).
 */
EEI_API bool eei_app_scan_wants_more(const eei_app_scan *scan);
/* What was read; the signature blocks checked against keys (may be none), as eei_sb_check does. */
EEI_API eei_status eei_app_scan_final(eei_app_scan *scan, const eei_key *const *keys, size_t nkeys,
                                      eei_app_info *info, eei_error *err);
EEI_API void eei_app_scan_free(eei_app_scan *scan);

/* ---- decrypting a whole image ---- */

/* What eei_decrypt_stream does besides decrypting; all zero (or opts NULL): nothing more. */
typedef struct {
    unsigned flags; /* EEI_HASH_PLAINTEXT */
    /* When not NULL: the plaintext is read as an app binary, and this says what it holds. */
    eei_app_info *app;
    /*
     * With nsign > 0: the plaintext must be a signed app, and EEI_OK needs a signature block that
     * verifies with one of sign_keys (app->sig says what each block is, when app is given).
     */
    const eei_key *const *sign_keys;
    size_t nsign;
} eei_decrypt_options;

/*
 * Decrypt and authenticate the whole image with key. The plaintext goes to io->write as it is
 * decrypted: a caller that writes it somewhere keeps it unnamed, or removes it, unless this
 * returns EEI_OK. With io->write NULL this is a verify: nothing is written. res may be NULL;
 * what opts asks about the plaintext is filled once the image is authentic.
 */
EEI_API eei_status eei_decrypt_stream(const eei_key *key, const eei_io *io,
                                      const eei_decrypt_options *opts, eei_decrypt_result *res,
                                      eei_error *err);

#ifdef __cplusplus
}
#endif

#endif
