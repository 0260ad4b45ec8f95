/*
 * The 512-byte header of an esp_encrypted_img image: layout, encode/decode and checks.
 *
 * Shared, as the same source files, by the host CLI and the device firmware: C99, no heap,
 * no stdio, no crypto. All multi-byte integers in the header are little-endian.
 */
#ifndef ESP_ENC_IMG_FORMAT_H
#define ESP_ENC_IMG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the host library exports (its other symbols are hidden); nothing on the device. */
#if defined(__GNUC__) && !defined(ESP_PLATFORM)
#define EEI_API __attribute__((visibility("default")))
#else
#define EEI_API
#endif

#define EEI_MAGIC 0x0788b6cfu
#define EEI_HEADER_SIZE 512u

#define EEI_OFF_MAGIC 0u
#define EEI_OFF_KEY_BLOCK 4u
#define EEI_KEY_BLOCK_SIZE 384u
#define EEI_OFF_IV 388u
#define EEI_IV_SIZE 16u
#define EEI_OFF_PAYLOAD_LEN 404u
#define EEI_OFF_TAG 408u
#define EEI_TAG_SIZE 16u
#define EEI_OFF_RESERVED 424u
#define EEI_RESERVED_SIZE 88u

/* RSA-3072: the key block is the PKCS#1 v1.5 encryption of the AES key. */
#define EEI_RSA_WRAPPED_SIZE EEI_KEY_BLOCK_SIZE
/* ECIES-P256: the key block is point X||Y, then the HKDF salt, then zeros. */
#define EEI_ECIES_POINT_SIZE 64u
#define EEI_ECIES_COORD_SIZE 32u
#define EEI_ECIES_SALT_SIZE 32u
#define EEI_ECIES_ZERO_SIZE (EEI_KEY_BLOCK_SIZE - EEI_ECIES_POINT_SIZE - EEI_ECIES_SALT_SIZE)

#define EEI_AES_KEY_SIZE 32u
#define EEI_GCM_BLOCK_SIZE 16u
#define EEI_MAX_PAYLOAD 0xffffffffu

/*
 * Key derivation. ECIES: AES key = HKDF-SHA256(IKM = x(ECDH), salt = the header's salt,
 * info = EEI_HKDF_INFO without its NUL). The device key of a chip with an eFuse HMAC key:
 * P-256 scalar = PBKDF2-HMAC-SHA256(password = HMAC key, salt = eei_pbkdf2_salt,
 * EEI_PBKDF2_ITERATIONS), big-endian, valid when 1 <= d < n.
 */
#define EEI_HKDF_INFO "_esp_enc_img_ecc"
#define EEI_HKDF_INFO_SIZE (sizeof(EEI_HKDF_INFO) - 1u)
#define EEI_HMAC_KEY_SIZE 32u
#define EEI_P256_SCALAR_SIZE 32u
#define EEI_PBKDF2_ITERATIONS 2048u
#define EEI_PBKDF2_SALT_SIZE 32u
EEI_API extern const uint8_t eei_pbkdf2_salt[EEI_PBKDF2_SALT_SIZE];

/*
 * The app binary inside the ciphertext (the firmware idf.py builds; ESP-IDF calls its layout an
 * app image): a 24-byte header (magic 0xE9, segment count, chip id at 12), the first 8-byte
 * segment header, then the 256-byte app descriptor.
 */
#define EEI_APP_MAGIC 0xe9u
#define EEI_APP_HEADER_SIZE 24u
#define EEI_APP_SEGMENT_HEADER_SIZE 8u
#define EEI_APP_OFF_CHIP_ID 12u
#define EEI_APP_DESC_OFFSET (EEI_APP_HEADER_SIZE + EEI_APP_SEGMENT_HEADER_SIZE)
#define EEI_APP_DESC_SIZE 256u
#define EEI_APP_DESC_MAGIC 0xabcd5432u
#define EEI_APP_DESC_OFF_SECURE_VERSION 4u
#define EEI_APP_DESC_OFF_VERSION 16u
#define EEI_APP_DESC_OFF_PROJECT 48u
#define EEI_APP_DESC_TEXT_SIZE 32u
/* Bytes of an app binary that hold everything eei_app_head_parse reads. */
#define EEI_APP_HEAD_SIZE (EEI_APP_DESC_OFFSET + EEI_APP_DESC_SIZE)

/* What the start of an app binary says about it. */
typedef struct {
    uint16_t chip_id;
    uint32_t secure_version;
    char version[EEI_APP_DESC_TEXT_SIZE + 1]; /* NUL-terminated */
    char project[EEI_APP_DESC_TEXT_SIZE + 1];
} eei_app_head;

typedef enum {
    EEI_SCHEME_UNKNOWN = 0,
    EEI_SCHEME_RSA3072,
    EEI_SCHEME_ECIES_P256,
} eei_scheme;

typedef enum {
    EEI_FMT_OK = 0,
    EEI_FMT_SHORT,           /* fewer than 512 bytes */
    EEI_FMT_BAD_MAGIC,       /* first four bytes are not the magic */
    EEI_FMT_TRUNCATED,       /* fewer payload bytes than the length field says */
    EEI_FMT_TRAILING,        /* more bytes than the length field says */
    EEI_FMT_SCHEME_MISMATCH, /* the header is not of the expected scheme */
    EEI_FMT_COUNT
} eei_format_err;

/* The decoded header. key_block keeps the raw bytes; the ECIES accessors below slice it. */
typedef struct {
    uint32_t magic;
    uint8_t key_block[EEI_KEY_BLOCK_SIZE];
    uint8_t iv[EEI_IV_SIZE];
    uint32_t payload_len;
    uint8_t tag[EEI_TAG_SIZE];
    uint8_t reserved[EEI_RESERVED_SIZE];
} eei_header;

EEI_API uint32_t eei_le32_get(const uint8_t *p);
EEI_API void eei_le32_put(uint8_t *p, uint32_t v);

/* Serialise h into exactly EEI_HEADER_SIZE bytes. */
EEI_API void eei_header_encode(const eei_header *h, uint8_t out[EEI_HEADER_SIZE]);

/* Parse the first 512 of len bytes; checks size and magic only. h is filled even on BAD_MAGIC. */
EEI_API eei_format_err eei_header_decode(const uint8_t *buf, size_t len, eei_header *h);

/*
 * Collect a header from a stream that arrives in pieces: copies what is still missing of the
 * 512 bytes from in (len bytes) into buf, advances *fill, and returns how many bytes it took.
 */
EEI_API size_t eei_header_collect(uint8_t buf[EEI_HEADER_SIZE], size_t *fill, const uint8_t *in,
                                  size_t len);

/* Build a header for either scheme; the tag is set later with eei_header_set_tag. */
EEI_API void eei_header_init_rsa(eei_header *h, const uint8_t wrapped[EEI_RSA_WRAPPED_SIZE],
                                 const uint8_t iv[EEI_IV_SIZE], uint32_t payload_len);
EEI_API void eei_header_init_ecies(eei_header *h, const uint8_t point[EEI_ECIES_POINT_SIZE],
                                   const uint8_t salt[EEI_ECIES_SALT_SIZE],
                                   const uint8_t iv[EEI_IV_SIZE], uint32_t payload_len);
EEI_API void eei_header_set_tag(eei_header *h, const uint8_t tag[EEI_TAG_SIZE]);

/* The ECIES server point (X||Y, 64 bytes) and KDF salt inside the key block. */
EEI_API const uint8_t *eei_header_ecies_point(const eei_header *h);
EEI_API const uint8_t *eei_header_ecies_salt(const eei_header *h);

/*
 * Both coordinates below the P-256 field prime and not both zero: the cheap, crypto-free test
 * of "looks like a point". Whether it is on the curve is for the crypto layer to decide.
 */
EEI_API bool eei_p256_point_plausible(const uint8_t point[EEI_ECIES_POINT_SIZE]);

/*
 * ECIES when the 288 key-block bytes after the salt are zero and the point is plausible; RSA
 * when those bytes are not all zero; UNKNOWN for zero bytes without a plausible point (and for
 * a bad magic).
 */
EEI_API eei_scheme eei_header_scheme(const eei_header *h);

/* Length check against the whole image size (header included). */
EEI_API eei_format_err eei_header_check_size(const eei_header *h, uint64_t image_size);

/* Check that h can be read by a device configured for scheme. */
EEI_API eei_format_err eei_header_check_scheme(const eei_header *h, eei_scheme scheme);

/* True when every reserved byte is zero (the device ignores them either way). */
EEI_API bool eei_header_reserved_clear(const eei_header *h);

/* True for the start of an ESP app binary (magic byte and app descriptor); fills out. */
EEI_API bool eei_app_head_parse(const uint8_t head[EEI_APP_HEAD_SIZE], eei_app_head *out);

EEI_API const char *eei_format_strerror(eei_format_err err);
EEI_API const char *eei_scheme_name(eei_scheme scheme);

#ifdef __cplusplus
}
#endif

#endif
